//! The web console in a real browser: Debian's Chromium through chromedriver (WebDriver, with
//! fantoccini), against the development stack (the real engine and the console on free ports).
//! It signs in as the Comune's administrator by clicking, reads the catalogue, searches it and
//! pages through it (the test first publishes more e-services as PagoPA's administrator, through
//! the engine's API, so that the catalogue has two pages), opens an e-service and one of its
//! versions, switches to English and back with the footer's button, declares and revokes an
//! attribute in its tenant's Anagrafica, adds a user in Utenti (after the engine refused bad
//! input next to its field), suspends, reactivates and removes them, sees a POST without its
//! CSRF token refused, and signs out; axe-core
//! runs on every page and fails the test on a serious or critical violation; screenshots of the
//! main pages go to `docs/console/` with `RECAPITO_SCREENSHOTS=docs`
//! (`RECAPITO_SCREENSHOTS=docs scripts/test --test console_browser`), else to a temporary
//! folder.
//!
//! `scripts/test` runs `scripts/browser`, which installs the browser and axe-core and exports
//! RECAPITO_CHROMEDRIVER, RECAPITO_CHROMIUM and RECAPITO_AXE_JS. Without them the test fails
//! under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, press, screenshot};
use e2e::console::anagrafica::{
    add_user, declare_attribute, fill_and_add_user, open_section, revoke_declaration,
    switch_language, user_action,
};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

#[tokio::test]
async fn the_console_walks_from_sign_in_to_sign_out_in_a_browser() {
    let Some(s) = Session::start().await else {
        return;
    };
    publish_more(&s.env, s.dir.path()).await;
    let result = walk(&s.client, &s.env.console_url, &s.axe).await;
    s.finish("browser", result).await;
}

/// How many e-services the test publishes besides the dev world's two: 25 in all, two pages of
/// the catalogue (20 a page).
const MORE: usize = 23;

/// PagoPA's administrator publishes "Servizio di prova 01" to "Servizio di prova 23" through the
/// engine's API, with a token from the engine's development identity key (as the stack's seed).
async fn publish_more(env: &dev_stack::DevEnv, data_dir: &Path) {
    use interop::domain::Role;
    let config = interop::Config {
        data_dir: std::fs::canonicalize(data_dir).unwrap().join("interop"),
        ..interop::Config::default()
    };
    let idp = interop::app::dev_issuer(&config).expect("the development identity key");
    let admin = env
        .admins
        .iter()
        .find(|a| a.name == "PagoPA")
        .expect("PagoPA's administrator");
    let token = idp
        .mint(
            admin.user_id.parse().unwrap(),
            Some(admin.tenant_id.parse().unwrap()),
            &[Role::Admin],
            600,
        )
        .unwrap();
    let api = dev_stack::world::Api::new(reqwest::Client::new(), &env.interop_url, token);
    for n in 1..=MORE {
        let terms = dev_stack::world::Terms::new(
            &format!("Servizio di prova {n:02}"),
            &format!("Un servizio del catalogo di prova, numero {n}"),
            &format!("https://prova.example/{n}"),
        );
        api.publish(&terms).await.expect("published");
    }
}

/// The names on the catalogue page.
async fn card_names(c: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let mut v = Vec::new();
    for e in c.find_all(Locator::Css(".card h2 a")).await? {
        v.push(e.text().await?);
    }
    Ok(v)
}

/// The catalogue's paging line once it is `expected` (after a click on a paging link).
async fn paging_is(c: &Client, expected: &str) {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(h) = c.find(Locator::Css("nav.pages span")).await
            && let Ok(t) = h.text().await
        {
            if t == expected {
                return;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the paging line is {last:?}, not {expected:?}");
}

async fn walk(c: &Client, console: &str, axe: &str) -> Result<(), fantoccini::error::CmdError> {
    // Opening the console leads to the sign-in page.
    c.goto(console).await?;
    assert!(c.current_url().await?.path().ends_with("/accesso"));
    heading_is(c, "Accedi").await;
    accessible(c, axe, "Accedi").await;
    screenshot(c, "accesso").await;

    // Keyboard: the first Tab reaches the skip link, shown with a visible focus outline; Enter
    // moves to the main content, and the next Tab to its first button.
    press(c, Key::Tab).await?;
    let focused = c
        .execute(
            "const a = document.activeElement, s = getComputedStyle(a);\
             return [a.textContent, a.getBoundingClientRect().left >= 0, s.outlineStyle];",
            vec![],
        )
        .await?;
    assert_eq!(
        focused,
        json!(["Vai al contenuto", true, "solid"]),
        "the skip link"
    );
    press(c, Key::Enter).await?;
    press(c, Key::Tab).await?;
    let focused = c
        .execute("return document.activeElement.textContent.trim();", vec![])
        .await?;
    assert_eq!(focused, json!("Accedi come Admin PagoPA (PagoPA)"));

    // Sign in as the Comune's administrator, by clicking.
    c.find(Locator::XPath(
        "//button[contains(., 'Accedi come Admin Comune di Esempio')]",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    assert!(c.current_url().await?.path().ends_with("/catalogo"));
    let header = c.find(Locator::Css("header .who")).await?.text().await?;
    assert!(
        header.contains("Admin Comune di Esempio") && header.contains("Comune di Esempio"),
        "{header}"
    );
    let names: Vec<String> = {
        let mut v = Vec::new();
        for e in c.find_all(Locator::Css(".card h2 a")).await? {
            v.push(e.text().await?);
        }
        v
    };
    assert!(
        names.iter().any(|n| n == "Recapito messaggi")
            && names.iter().any(|n| n == "Contenuti remoti"),
        "{names:?}"
    );
    accessible(c, axe, "Catalogo e-service").await;
    screenshot(c, "catalogo").await;

    // The footer's "English" button: the same page in English, then back to Italian.
    switch_language(c, "English").await?;
    heading_is(c, "E-service catalogue").await;
    assert!(c.current_url().await?.path().ends_with("/catalogo"));
    paging_is(c, "Page 1 of 2").await;
    accessible(c, axe, "E-service catalogue").await;
    screenshot(c, "catalogo-en").await;
    switch_language(c, "Italiano").await?;
    heading_is(c, "Catalogo e-service").await;

    // Paging: 25 e-services, 20 a page, by name.
    paging_is(c, "Pagina 1 di 2").await;
    assert_eq!(names.len(), 20, "{names:?}");
    c.find(Locator::Css("nav.pages a[rel=next]"))
        .await?
        .click()
        .await?;
    paging_is(c, "Pagina 2 di 2").await;
    let second = card_names(c).await?;
    let expected: Vec<String> = (19..=MORE)
        .map(|n| format!("Servizio di prova {n:02}"))
        .collect();
    assert_eq!(second, expected);
    assert!(
        c.find_all(Locator::Css("nav.pages a[rel=next]"))
            .await?
            .is_empty()
    );
    accessible(c, axe, "Catalogo e-service, pagina 2").await;
    c.find(Locator::Css("nav.pages a[rel=prev]"))
        .await?
        .click()
        .await?;
    paging_is(c, "Pagina 1 di 2").await;
    assert_eq!(card_names(c).await?, names);

    // Search: typed in the box, submitted; the list is filtered and the text stays in the box.
    let search = c.find(Locator::Css("form.search input[name=q]")).await?;
    search.send_keys("PROVA 2").await?;
    c.find(Locator::XPath(
        "//form[@role='search']//button[normalize-space(.)='Cerca']",
    ))
    .await?
    .click()
    .await?;
    paging_is(c, "Pagina 1 di 1").await;
    assert_eq!(
        card_names(c).await?,
        ["20", "21", "22", "23"].map(|n| format!("Servizio di prova {n}"))
    );
    let kept = c
        .find(Locator::Css("form.search input[name=q]"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(kept.as_deref(), Some("PROVA 2"));
    let count = c.find(Locator::Css("main p.count")).await?.text().await?;
    assert_eq!(count, "4 e-service corrispondono alla ricerca «PROVA 2».");
    accessible(c, axe, "Catalogo e-service, ricerca").await;
    screenshot(c, "catalogo-ricerca").await;
    // Nothing found says so.
    c.goto(&format!("{console}/catalogo?q=nessun+servizio+simile"))
        .await?;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains("Nessun e-service corrisponde alla ricerca."),
        "{main}"
    );
    accessible(c, axe, "Catalogo e-service, nessun risultato").await;
    c.find(Locator::LinkText("Mostra tutto il catalogo"))
        .await?
        .click()
        .await?;
    paging_is(c, "Pagina 1 di 2").await;

    // An e-service, then its version.
    c.find(Locator::LinkText("Recapito messaggi"))
        .await?
        .click()
        .await?;
    heading_is(c, "Recapito messaggi").await;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains("Ente erogatore\nPagoPA"),
        "the producer by name: {main}"
    );
    accessible(c, axe, "e-service").await;
    screenshot(c, "eservice").await;
    c.find(Locator::LinkText("Versione 1"))
        .await?
        .click()
        .await?;
    heading_is(c, "Recapito messaggi — versione 1").await;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    for part in [
        "Attributi richiesti",
        "Chiamate al giorno per fruitore",
        "Approvazione delle richieste di fruizione",
        "Indirizzi dei server",
    ] {
        assert!(main.contains(part), "{part} in {main}");
    }
    accessible(c, axe, "versione").await;
    screenshot(c, "versione").await;

    // Usable at 360 px.
    c.set_window_size(360, 800).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await?;
    assert_eq!(overflow, json!(false), "no horizontal scrolling at 360 px");
    screenshot(c, "versione-360").await;
    c.set_window_size(1280, 900).await?;

    // Anagrafica, from the navigation: the Comune's attributes in three sections (the demo
    // world certifies one for it; it declares and verifies none yet).
    open_section(c, "Anagrafica").await?;
    assert!(c.current_url().await?.path().ends_with("/anagrafica"));
    let main = c.find(Locator::Css("main")).await?.text().await?;
    for part in [
        "Attributi certificati",
        "Assegnati dalla piattaforma",
        "Comuni e loro Consorzi e Associazioni",
        "Attributi dichiarati",
        "Nessun attributo dichiarato.",
        "Attributi verificati",
        "Nessun attributo verificato.",
    ] {
        assert!(main.contains(part), "{part} in {main}");
    }
    let current = c
        .find(Locator::Css("nav a[aria-current=page]"))
        .await?
        .text()
        .await?;
    assert_eq!(current, "Anagrafica");
    accessible(c, axe, "Anagrafica").await;
    // The administrator declares the demo world's declared attribute, then revokes it.
    const DECLARED: &str = "Responsabile della protezione dei dati nominato";
    let said = declare_attribute(c, DECLARED).await?;
    assert!(
        said.contains(&format!("Attributo «{DECLARED}» dichiarato")),
        "{said}"
    );
    let declared = c.find(Locator::Css("ul.declared")).await?.text().await?;
    assert!(declared.contains(DECLARED), "{declared}");
    accessible(c, axe, "Anagrafica, attributo dichiarato").await;
    screenshot(c, "anagrafica").await;
    let said = revoke_declaration(c, DECLARED).await?;
    assert!(said.contains("revocata"), "{said}");
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(main.contains("Nessun attributo dichiarato."), "{main}");

    // Utenti: the Comune's users and roles; bad input is refused next to its field, with what
    // was typed kept; then a user is added, suspended, reactivated and removed.
    open_section(c, "Utenti").await?;
    let table = c
        .find(Locator::Css("table.users-table"))
        .await?
        .text()
        .await?;
    for part in [
        "Admin Comune di Esempio",
        "Amministratore",
        "Operatore API Comune di Esempio",
        "Operatore di sicurezza Comune di Esempio",
    ] {
        assert!(table.contains(part), "{part} in {table}");
    }
    accessible(c, axe, "Utenti").await;
    fill_and_add_user(c, "non-un-uuid", "Maria Rossi", &["Operatore API"]).await?;
    let blamed = c.find(Locator::Id("f-id-err")).await?.text().await?;
    assert!(blamed.contains("INVALID_BODY"), "{blamed}");
    let kept = c.find(Locator::Id("f-nome")).await?.prop("value").await?;
    assert_eq!(kept.as_deref(), Some("Maria Rossi"));
    accessible(c, axe, "Utenti, errore").await;
    c.execute(
        "document.getElementById('aggiungi').scrollIntoView();",
        vec![],
    )
    .await?;
    screenshot(c, "utenti-errore").await;
    let id = "0190e8b0-0000-7000-8000-00000000c0de";
    fill_and_add_user(c, id, "Maria Rossi", &[]).await?;
    let blamed = c.find(Locator::Id("f-ruoli-err")).await?.text().await?;
    assert!(blamed.contains("USER_ROLE_MISMATCH"), "{blamed}");
    let kept = c.find(Locator::Id("f-id")).await?.prop("value").await?;
    assert_eq!(kept.as_deref(), Some(id));
    let said = add_user(
        c,
        id,
        "Maria Rossi",
        &["Operatore API", "Operatore di sicurezza"],
    )
    .await?;
    assert!(
        said.contains("Utente «Maria Rossi» aggiunto, attivo, con i ruoli: Operatore API, Operatore di sicurezza"),
        "{said}"
    );
    screenshot(c, "utenti").await;
    let said = user_action(c, "Sospendi", "Maria Rossi").await?;
    assert!(said.contains("sospeso"), "{said}");
    let said = user_action(c, "Riattiva", "Maria Rossi").await?;
    assert!(said.contains("riattivato"), "{said}");
    let said = user_action(c, "Rimuovi", "Maria Rossi").await?;
    assert!(said.contains("«Maria Rossi» rimosso"), "{said}");
    let table = c
        .find(Locator::Css("table.users-table"))
        .await?
        .text()
        .await?;
    assert!(!table.contains("Maria Rossi"), "{table}");
    c.set_window_size(360, 800).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await?;
    assert_eq!(
        overflow,
        json!(false),
        "Utenti: no horizontal scrolling at 360 px"
    );
    screenshot(c, "utenti-360").await;
    c.set_window_size(1280, 900).await?;

    // A POST without its CSRF token is refused, with a page saying why.
    c.execute(
        "document.querySelector('form[action=\"/esci\"] input[name=\"csrf\"]').remove();",
        vec![],
    )
    .await?;
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Richiesta rifiutata").await;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(main.contains("CSRF_TOKEN_INVALID"), "{main}");
    accessible(c, axe, "Richiesta rifiutata").await;

    // The engine's refusal, as a sentence with its code.
    c.goto(&format!(
        "{console}/catalogo/00000000-0000-4000-8000-000000000000"
    ))
    .await?;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains("E-service non trovato") && main.contains("ESERVICE_NOT_FOUND"),
        "{main}"
    );
    accessible(c, axe, "errore").await;

    // Still signed in; signing out for real ends the session.
    c.goto(&format!("{console}/catalogo")).await?;
    heading_is(c, "Catalogo e-service").await;
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accedi").await;
    assert!(c.current_url().await?.path().ends_with("/accesso"));
    c.goto(&format!("{console}/catalogo")).await?;
    assert!(
        c.current_url().await?.path().ends_with("/accesso"),
        "signed out"
    );

    // An API operator of the Comune reads its users, with no form to change them.
    c.find(Locator::XPath(
        "//button[contains(., 'Accedi come Operatore API Comune di Esempio')]",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    open_section(c, "Utenti").await?;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains("Admin Comune di Esempio")
            && main.contains("Operatore API Comune di Esempio")
            && main.contains("(tu) Operatore API Attivo")
            && main.contains("Solo gli amministratori li modificano."),
        "{main}"
    );
    assert!(
        c.find_all(Locator::Css("main form")).await?.is_empty(),
        "no forms for an API operator: {main}"
    );
    accessible(c, axe, "Utenti, operatore API").await;
    Ok(())
}
