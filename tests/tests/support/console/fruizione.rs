//! The "Fruizione" pages' steps, by clicks and typing as a user would: subscribe from the
//! catalogue and read what is missing, create a purpose with its daily calls, create a client,
//! upload a key, attach it to a purpose, read the client's refusal causes. Each step starts from
//! any page of the signed-in console (it navigates by the section's links) and ends on the page
//! its action leads to.

use crate::browser::heading_is;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use std::time::Duration;

/// `s` as an XPath string literal (one with an apostrophe, "l'erogatore", is double-quoted).
pub fn lit(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Clicks the link or button whose text is `text` (whitespace normalised), and waits for the
/// page it leads to.
pub async fn click(c: &Client, text: &str) -> Result<(), CmdError> {
    let xpath = format!(
        "//main//*[self::a or self::button][normalize-space(.)={t}] | //nav//a[normalize-space(.)={t}]",
        t = lit(text)
    );
    let e = c.find(Locator::XPath(&xpath)).await?;
    navigate(c, e).await
}

/// Clicks `e` and waits until a new page has replaced this one (the old one is marked first).
pub async fn navigate(c: &Client, e: fantoccini::elements::Element) -> Result<(), CmdError> {
    c.execute("document.documentElement.dataset.left = 'yes';", vec![])
        .await?;
    e.click().await?;
    for _ in 0..100 {
        let fresh = c
            .execute(
                "return document.readyState === 'complete' && !document.documentElement.dataset.left;",
                vec![],
            )
            .await;
        if matches!(fresh, Ok(serde_json::Value::Bool(true))) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no new page after the click");
}

/// The text of `main`.
pub async fn main_text(c: &Client) -> Result<String, CmdError> {
    c.find(Locator::Css("main")).await?.text().await
}

/// The flash message shown after an action.
pub async fn flash(c: &Client) -> Result<String, CmdError> {
    c.find(Locator::Css("main .flash")).await?.text().await
}

/// Types `text` into the field labelled `label` (its `for`), emptied first.
pub async fn type_into(c: &Client, label: &str, text: &str) -> Result<(), CmdError> {
    let xpath = format!(
        "//main//*[@id=//main//label[starts-with(normalize-space(.), {})]/@for]",
        lit(label)
    );
    let field = c.find(Locator::XPath(&xpath)).await?;
    field.clear().await?;
    field.send_keys(text).await
}

/// Chooses, in the select labelled `label`, the option whose text starts with `option`.
pub async fn choose(c: &Client, label: &str, option: &str) -> Result<(), CmdError> {
    let xpath = format!(
        "//main//select[@id=//main//label[starts-with(normalize-space(.), {})]/@for]",
        lit(label)
    );
    c.find(Locator::XPath(&xpath))
        .await?
        .select_by(Locator::XPath(&format!(
            ".//option[starts-with(normalize-space(.), {})]",
            lit(option)
        )))
        .await
}

/// Ticks the checkbox or radio whose label contains `label`.
pub async fn tick(c: &Client, label: &str) -> Result<(), CmdError> {
    let xpath = format!(
        "//main//label[contains(normalize-space(.), {})]/input",
        lit(label)
    );
    c.find(Locator::XPath(&xpath)).await?.click().await
}

/// Waits until the page's `main` contains `text` (a click's navigation may be under way).
pub async fn main_contains(c: &Client, text: &str) -> Result<String, CmdError> {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(t) = main_text(c).await {
            if t.contains(text) {
                return Ok(t);
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page does not say {text:?}: {last}");
}

/// From the catalogue, opens `eservice`'s version `version` and reads the attribute groups:
/// the text of each group the tenant lacks ("Mancante") or the producer still has to verify.
pub async fn open_version(
    c: &Client,
    eservice: &str,
    version: u32,
) -> Result<Vec<String>, CmdError> {
    navigate(
        c,
        c.find(Locator::XPath(
            "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Catalogo e-service']",
        ))
        .await?,
    )
    .await?;
    heading_is(c, "Catalogo e-service").await;
    navigate(c, c.find(Locator::LinkText(eservice)).await?).await?;
    heading_is(c, eservice).await;
    navigate(
        c,
        c.find(Locator::LinkText(&format!("Versione {version}")))
            .await?,
    )
    .await?;
    heading_is(c, &format!("{eservice} — versione {version}")).await;
    let mut missing = Vec::new();
    for g in c
        .find_all(Locator::Css("ol.groups li.missing, ol.groups li.to-verify"))
        .await?
    {
        missing.push(g.text().await?);
    }
    Ok(missing)
}

/// On a version's page: declares the listed declared attributes, types the notes and clicks
/// "Iscriviti". Ends on the request's page; returns the flash (the state and what is missing).
pub async fn subscribe(c: &Client, declare: &[&str], notes: &str) -> Result<String, CmdError> {
    for a in declare {
        tick(c, &format!("Dichiaro: {a}")).await?;
    }
    type_into(c, "Note per l'erogatore", notes).await?;
    navigate(
        c,
        c.find(Locator::XPath(
            "//section[@class='subscribe']//button[normalize-space(.)='Iscriviti']",
        ))
        .await?,
    )
    .await?;
    main_contains(c, "Richiesta di fruizione di").await?;
    flash(c).await
}

/// Opens "Le mie richieste" and the request on `eservice` (the first listed, newest first).
pub async fn open_request(c: &Client, eservice: &str) -> Result<(), CmdError> {
    navigate(
        c,
        c.find(Locator::XPath(
            "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Fruizione']",
        ))
        .await?,
    )
    .await?;
    heading_is(c, "Fruizione").await;
    click(c, "Le mie richieste").await?;
    heading_is(c, "Le mie richieste").await;
    navigate(c, c.find(Locator::LinkText(eservice)).await?).await?;
    main_contains(c, "Richiesta di fruizione di").await?;
    Ok(())
}

/// On a request's, a purpose's or a client's page: the action whose button reads `button`,
/// its "Confermo" box ticked first when `confirm`. Returns the message shown after it.
pub async fn act(c: &Client, button: &str, confirm: bool) -> Result<String, CmdError> {
    let form = format!(
        "//main//form[.//button[normalize-space(.)={}]]",
        lit(button)
    );
    if confirm {
        c.find(Locator::XPath(&format!("{form}//input[@name='conferma']")))
            .await?
            .click()
            .await?;
    }
    let b = c
        .find(Locator::XPath(&format!(
            "{form}//button[normalize-space(.)={}]",
            lit(button)
        )))
        .await?;
    navigate(c, b).await?;
    flash(c).await
}

/// The fields of a new purpose.
pub struct NewPurpose<'a> {
    pub eservice: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub daily_calls: u64,
}

/// Opens "Le mie finalità" › "+ Aggiungi una finalità" and fills the form (the risk analysis
/// answered), without saving it.
pub async fn fill_purpose(c: &Client, p: &NewPurpose<'_>) -> Result<(), CmdError> {
    navigate(
        c,
        c.find(Locator::XPath(
            "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Fruizione']",
        ))
        .await?,
    )
    .await?;
    heading_is(c, "Fruizione").await;
    click(c, "Le mie finalità").await?;
    heading_is(c, "Le mie finalità").await;
    click(c, "+ Aggiungi una finalità").await?;
    heading_is(c, "Nuova finalità").await;
    choose(c, "E-service", p.eservice).await?;
    type_into(c, "Titolo", p.title).await?;
    type_into(c, "Descrizione", p.description).await?;
    type_into(
        c,
        "Per quale finalità istituzionale",
        "Verifica della residenza per i procedimenti del Comune",
    )
    .await?;
    choose(c, "Sono trattati dati personali?", "Sì").await?;
    choose(c, "Base giuridica", "Obbligo di legge").await?;
    choose(c, "Sono trattate categorie particolari", "No").await?;
    type_into(c, "Per quanto tempo", "Per la durata del procedimento").await?;
    type_into(
        c,
        "Quali misure di sicurezza",
        "Accesso per ruoli, registrazione degli accessi",
    )
    .await?;
    type_into(c, "Stima di carico", &p.daily_calls.to_string()).await
}

/// Saves the filled purpose as a draft: ends on its page, which shows the threshold and the
/// calls still available before publishing. Returns the purpose's id (from the address).
pub async fn save_purpose(c: &Client, title: &str) -> Result<String, CmdError> {
    click(c, "Salva in bozza").await?;
    heading_is(c, &format!("Finalità: {title}")).await;
    let url = c.current_url().await?;
    Ok(url.path().rsplit('/').next().unwrap_or_default().to_owned())
}

/// On a purpose's page: "Pubblica la finalità". Returns the flash.
pub async fn publish_purpose(c: &Client) -> Result<String, CmdError> {
    click(c, "Pubblica la finalità").await?;
    main_contains(c, "Finalità pubblicata.").await?;
    flash(c).await
}

/// On an active purpose's page: "Aggiorna stima di carico" with `calls`. Returns the message.
pub async fn new_estimate(c: &Client, calls: u64) -> Result<String, CmdError> {
    type_into(c, "Nuova stima", &calls.to_string()).await?;
    click(c, "Aggiorna la stima").await?;
    flash(c).await
}

/// Opens "Gestione client" from the section's pages.
pub async fn open_clients(c: &Client) -> Result<(), CmdError> {
    navigate(
        c,
        c.find(Locator::XPath(
            "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Fruizione']",
        ))
        .await?,
    )
    .await?;
    heading_is(c, "Fruizione").await;
    click(c, "Gestione client").await?;
    heading_is(c, "Gestione client").await;
    Ok(())
}

/// "Gestione client" › "+ Aggiungi un client": a client `name` (an e-service client, or an API
/// client for Interop M2M when `api`) with the members whose names are listed. Ends on the
/// client's page; returns its id (from the address).
pub async fn create_client(
    c: &Client,
    name: &str,
    api: bool,
    members: &[&str],
) -> Result<String, CmdError> {
    open_clients(c).await?;
    click(c, "+ Aggiungi un client").await?;
    heading_is(c, "Nuovo client").await;
    type_into(c, "Nome", name).await?;
    tick(
        c,
        if api {
            "Client API (Interop M2M)"
        } else {
            "Client e-service"
        },
    )
    .await?;
    for m in members {
        tick(c, m).await?;
    }
    click(c, "Crea il client").await?;
    heading_is(c, name).await;
    let url = c.current_url().await?;
    Ok(url.path().rsplit('/').next().unwrap_or_default().to_owned())
}

/// Opens the client `name` from "Gestione client".
pub async fn open_client(c: &Client, name: &str) -> Result<(), CmdError> {
    open_clients(c).await?;
    navigate(c, c.find(Locator::LinkText(name)).await?).await?;
    heading_is(c, name).await;
    Ok(())
}

/// On a client's page: pastes `pem` as a key named `name` and clicks "Carica la chiave".
/// Returns the page's text after the upload (the flash with the kid, or the refusal).
pub async fn upload_key(c: &Client, name: &str, pem: &str) -> Result<String, CmdError> {
    type_into(c, "Nome della chiave", name).await?;
    type_into(c, "Chiave pubblica (PEM)", pem).await?;
    click(c, "Carica la chiave").await?;
    main_text(c).await
}

/// The kids listed in the client's keys table.
pub async fn kids(c: &Client) -> Result<Vec<String>, CmdError> {
    let mut v = Vec::new();
    for k in c.find_all(Locator::Css("table.keys code.kid")).await? {
        v.push(k.text().await?);
    }
    Ok(v)
}

/// On a client's page: attaches it to the purpose whose title is `purpose`. Returns the flash.
pub async fn attach_purpose(c: &Client, purpose: &str) -> Result<String, CmdError> {
    choose(c, "Associa a una finalità", purpose).await?;
    click(c, "Associa").await?;
    main_contains(c, "Client associato alla finalità").await?;
    flash(c).await
}

/// On a client's page: the refusal causes listed ("Perché un voucher è stato rifiutato"), newest
/// first, as the table's cause column reads them.
pub async fn refusal_causes(c: &Client) -> Result<Vec<String>, CmdError> {
    let mut v = Vec::new();
    for row in c
        .find_all(Locator::Css("table.failures tbody tr td:nth-child(2)"))
        .await?
    {
        v.push(row.text().await?);
    }
    Ok(v)
}
