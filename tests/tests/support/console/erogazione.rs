//! The producer's steps (Erogazione) in the console, by clicks and typing, from any signed-in
//! page of an administrator: create and publish an e-service through the draft's steps, verify a
//! consumer's attribute and approve its request, approve a waiting purpose with an expected
//! date. Each step waits for the page it leads to.

use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use std::time::Duration;

/// Polls for up to 5 s until the element at `css` holds `text`; its text.
pub async fn wait_text(c: &Client, css: &str, text: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(text) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} holds {last:?}, not {text:?}");
}

/// The flash message, once it holds `text`.
pub async fn flash_says(c: &Client, text: &str) -> String {
    wait_text(c, ".flash", text).await
}

/// Clicks the button whose text is `text`.
pub async fn button(c: &Client, text: &str) -> Result<(), CmdError> {
    c.find(Locator::XPath(&format!(
        "//button[normalize-space(.)=\"{text}\"]"
    )))
    .await?
    .click()
    .await
}

/// Clicks the link whose text is `text`.
pub async fn link(c: &Client, text: &str) -> Result<(), CmdError> {
    c.find(Locator::XPath(&format!(
        "//a[normalize-space(.)=\"{text}\"]"
    )))
    .await?
    .click()
    .await
}

/// Replaces what the field with id `id` holds by `text`.
pub async fn type_in(c: &Client, id: &str, text: &str) -> Result<(), CmdError> {
    let f = c.find(Locator::Id(id)).await?;
    f.clear().await?;
    f.send_keys(text).await
}

/// What the field with id `id` holds.
pub async fn value_of(c: &Client, id: &str) -> Result<String, CmdError> {
    Ok(c.find(Locator::Id(id))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Opens a page of the Erogazione section from the navigation: "Erogazione", then `page`
/// ("I tuoi e-service", "Richieste di fruizione", "Finalità da approvare").
pub async fn open(c: &Client, page: &str) -> Result<(), CmdError> {
    c.find(Locator::XPath(
        "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Erogazione']",
    ))
    .await?
    .click()
    .await?;
    crate::browser::heading_is(c, "Erogazione").await;
    c.find(Locator::XPath(&format!(
        "//main//h2/a[normalize-space(.)=\"{page}\"]"
    )))
    .await?
    .click()
    .await?;
    crate::browser::heading_is(c, page).await;
    Ok(())
}

/// "I tuoi e-service" > "+ Aggiungi": step 1 of a new e-service.
pub async fn start_new(c: &Client) -> Result<(), CmdError> {
    open(c, "I tuoi e-service").await?;
    link(c, "+ Aggiungi").await?;
    crate::browser::heading_is(c, "Nuovo e-service").await;
    Ok(())
}

/// Step 1: types the general information and saves it (REST, Eroga).
pub async fn general_info(c: &Client, name: &str, description: &str) -> Result<(), CmdError> {
    type_in(c, "f-name", name).await?;
    type_in(c, "f-description", description).await?;
    button(c, "Salva in bozza e continua").await
}

/// Step 2: a new group of `kind` ("certified", "declared", "verified") holding `attributes`
/// (by name; `explicit`: the producer verifies it itself), the first one creating the group.
pub async fn add_group(
    c: &Client,
    kind: &str,
    attributes: &[(&str, bool)],
) -> Result<(), CmdError> {
    let plural = match kind {
        "certified" => "certificati",
        "declared" => "dichiarati",
        _ => "verificati",
    };
    let before = c
        .find_all(Locator::Css(&format!("#attributi-{kind} .group")))
        .await?
        .len();
    let group = before + 1;
    for (i, (name, explicit)) in attributes.iter().enumerate() {
        let (select, label) = if i == 0 {
            (
                format!("f-{kind}-nuovo"),
                format!("Crea un gruppo di attributi {plural}"),
            )
        } else {
            (
                format!("f-{kind}-g{group}"),
                format!("Aggiungi al gruppo {group} ({plural})"),
            )
        };
        c.find(Locator::Id(&select))
            .await?
            .select_by_label(name)
            .await?;
        if *explicit {
            c.find(Locator::XPath(&format!(
                "//form[.//select[@id='{select}']]//input[@name='explicit']"
            )))
            .await?
            .click()
            .await?;
        }
        button(c, &label).await?;
        flash_says(c, name).await;
    }
    Ok(())
}

/// The version's terms (step 3), as typed.
#[derive(Debug, Clone)]
pub struct Version<'a> {
    pub description: &'a str,
    pub audience: &'a str,
    pub voucher_lifespan: &'a str,
    pub daily_calls_per_consumer: &'a str,
    pub daily_calls_total: &'a str,
    /// "Automatica" or "Manuale: le approvo io".
    pub approval: &'a str,
    /// Empty: none typed.
    pub server_url: &'a str,
}

/// Step 3: types the version's terms and saves them (the summary, step 4, follows).
pub async fn version(c: &Client, v: &Version<'_>) -> Result<(), CmdError> {
    type_in(c, "f-description", v.description).await?;
    type_in(c, "f-audience", v.audience).await?;
    type_in(c, "f-voucher_lifespan", v.voucher_lifespan).await?;
    type_in(c, "f-daily_calls_per_consumer", v.daily_calls_per_consumer).await?;
    type_in(c, "f-daily_calls_total", v.daily_calls_total).await?;
    c.find(Locator::Id("f-agreement_approval_policy"))
        .await?
        .select_by_label(v.approval)
        .await?;
    type_in(c, "f-server_urls", v.server_url).await?;
    button(c, "Salva in bozza e continua").await
}

/// Step 4: "Pubblica"; the e-service's page follows, saying the version is published.
pub async fn publish(c: &Client, name: &str) -> Result<(), CmdError> {
    button(c, "Pubblica").await?;
    crate::browser::heading_is(c, name).await;
    flash_says(c, "è pubblicata").await;
    Ok(())
}

/// An e-service to create: its general information, attribute groups and version.
#[derive(Debug, Clone)]
pub struct NewEService<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// Groups of certified attributes, by name.
    pub certified: &'a [&'a [&'a str]],
    /// Groups of verified attributes, by name, with "verifica esplicita".
    pub verified: &'a [&'a [(&'a str, bool)]],
    pub version: Version<'a>,
}

/// Creates `e` through every step and publishes it: the e-service's id (from its page's
/// address).
pub async fn create_and_publish(c: &Client, e: &NewEService<'_>) -> Result<String, CmdError> {
    start_new(c).await?;
    general_info(c, e.name, e.description).await?;
    crate::browser::heading_is(c, &format!("Bozza: {}", e.name)).await;
    for group in e.certified {
        let g: Vec<(&str, bool)> = group.iter().map(|n| (*n, false)).collect();
        add_group(c, "certified", &g).await?;
    }
    for group in e.verified {
        add_group(c, "verified", group).await?;
    }
    link(c, "Continua: la versione").await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 3").await;
    version(c, &e.version).await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 4").await;
    publish(c, e.name).await?;
    let url = c.current_url().await?;
    Ok(url.path().rsplit('/').next().unwrap_or_default().to_owned())
}

/// "Richieste di fruizione": the pending request of `consumer` on `eservice`; verifies
/// `attribute` (a verified attribute) and approves it. The flash message says it is active.
pub async fn verify_and_approve(
    c: &Client,
    consumer: &str,
    eservice: &str,
    attribute: &str,
) -> Result<(), CmdError> {
    open_pending_request(c, consumer, eservice).await?;
    button(c, &format!("Verifica «{attribute}»")).await?;
    flash_says(c, "Hai verificato").await;
    button(c, "Approva la richiesta").await?;
    flash_says(c, "La richiesta è attiva").await;
    Ok(())
}

/// "Richieste di fruizione", filtered to the pending ones: the request of `consumer` on
/// `eservice`.
pub async fn open_pending_request(
    c: &Client,
    consumer: &str,
    eservice: &str,
) -> Result<(), CmdError> {
    open(c, "Richieste di fruizione").await?;
    c.find(Locator::Id("stato"))
        .await?
        .select_by_label("In attesa")
        .await?;
    button(c, "Filtra").await?;
    wait_text(c, "main table caption", "In attesa").await;
    c.find(Locator::XPath(&format!(
        "//tr[td[contains(., \"{eservice}\")]]//a[normalize-space(.)=\"{consumer}\"]"
    )))
    .await?
    .click()
    .await?;
    crate::browser::heading_is(c, &format!("Richiesta di fruizione di {consumer}")).await;
    Ok(())
}

/// "Finalità da approvare": the purpose `title`, its expected approval date typed as
/// `date_keys` (the keys of the date field, in the browser's order: `01312099` for 31 January
/// 2099 in the headless Chromium of the tests, which orders month, day, year),
/// then approved. The flash message says it is active.
pub async fn approve_purpose(c: &Client, title: &str, date_keys: &str) -> Result<(), CmdError> {
    open(c, "Finalità da approvare").await?;
    link(c, title).await?;
    crate::browser::heading_is(c, title).await;
    c.find(Locator::Id("f-expected_approval_date"))
        .await?
        .send_keys(date_keys)
        .await?;
    button(c, "Imposta la data prevista").await?;
    flash_says(c, "Data prevista di approvazione impostata").await;
    button(c, "Approva la finalità").await?;
    flash_says(c, "è attiva").await;
    Ok(())
}
