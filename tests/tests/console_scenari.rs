//! The console's "Scenari del mock" page in a real browser, on the development stack: a tester
//! signs in, opens the mock provider's scenarios, sets a 503 with `Retry-After` on the details of
//! the citizen's "avviso-tari-2026" message by typing, and the gateway's app API then answers
//! that message with the fault (503 `ENTITY_UNAVAILABLE`, its `Retry-After` passed on) while
//! the precondition still opens; a status the mock cannot serve is refused next to its field
//! with what was typed kept; the fault is removed (confirmed) and the message opens again; bad
//! JSON in the editor shows the mock's refusal next to the field with the text kept, and good
//! JSON is saved. axe-core on each page; screenshots `scenari` and `scenario`
//! (`RECAPITO_SCREENSHOTS=docs` puts them in `docs/console/`).
//!
//! Needs `eval "$(scripts/browser)"` (chromium, chromedriver, axe-core); without them the test
//! fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::anagrafica::{click_to_next_page, flash, open_section, switch_language};
use e2e::console::scenari::{
    apply_refused, fill_fault, open_scenario, remove_fault, save_json, set_fault,
};
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SCENARIO: &str = "avviso-tari-2026";

#[tokio::test]
async fn a_tester_breaks_the_entity_from_the_console_and_the_citizen_sees_it() {
    let Some(s) = Session::start().await else {
        return;
    };
    let citizen = Citizen::of(&s.env, SCENARIO).await;
    let result = walk(&s.client, &s.env.console_url, &citizen, &s.axe).await;
    s.finish("scenari", result).await;
}

/// The citizen of a scenario and their message, as the gateway's app API shows them.
struct Citizen {
    gateway: String,
    key: String,
    fiscal_code: String,
    message: String,
    http: reqwest::Client,
}

impl Citizen {
    /// The dev world's message whose remote content is `scenario`, and its citizen.
    async fn of(env: &dev_stack::DevEnv, scenario: &str) -> Citizen {
        let http = reqwest::Client::new();
        for fc in &env.citizens {
            let mut c = Citizen {
                gateway: env.gateway_url.clone(),
                key: env.app_api_key.clone(),
                fiscal_code: fc.clone(),
                message: String::new(),
                http: http.clone(),
            };
            let inbox: Value = c.get("messages").await.json().await.unwrap();
            for item in inbox["items"].as_array().unwrap() {
                let id = item["id"].as_str().unwrap();
                let m: Value = c.get(&format!("messages/{id}")).await.json().await.unwrap();
                if m["content"]["third_party_data"]["id"] == scenario {
                    c.message = id.to_owned();
                    return c;
                }
            }
        }
        panic!("no message of the dev world serves {scenario}");
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api/communication/v1/{path}", self.gateway))
            .bearer_auth(&self.key)
            .header("fiscal_code", &self.fiscal_code)
            .send()
            .await
            .unwrap()
    }

    /// The message's remote content (what the citizen's app opens).
    async fn details(&self) -> reqwest::Response {
        self.get(&format!("third-party-messages/{}", self.message))
            .await
    }

    async fn precondition(&self) -> reqwest::Response {
        self.get(&format!(
            "third-party-messages/{}/precondition",
            self.message
        ))
        .await
    }
}

async fn text(c: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css(css)).await?.text().await
}

async fn walk(
    c: &Client,
    console: &str,
    citizen: &Citizen,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    // Sign in as the Comune's administrator, by clicking.
    c.goto(console).await?;
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(
        "//button[contains(., 'Accedi come Admin Comune di Esempio')]",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;

    // The list: each scenario, its citizen, what it serves and its fault in words.
    open_section(c, "Scenari del mock").await?;
    let table = text(c, "table.scenari").await?;
    for expected in [
        SCENARIO,
        "SPNDNL80R13C555X",
        "Oggetto: Avviso di pagamento TARI 2026",
        "Precondizione: Prima di aprire",
        "Allegati: avviso.pdf",
        "guasto-lento",
        "su ogni chiamata: risponde dopo 30000 ms",
        "Nessun guasto",
    ] {
        assert!(table.contains(expected), "{expected:?} in {table}");
    }
    let intro = text(c, "main").await?;
    assert!(
        intro.contains("ogni utente che ha effettuato l'accesso può modificare gli scenari"),
        "{intro}"
    );
    accessible(c, axe, "Scenari del mock").await;
    screenshot(c, "scenari").await;
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
        "the list does not scroll sideways at 360 px"
    );
    c.set_window_size(1280, 900).await?;

    // Before: the message opens.
    assert_eq!(citizen.details().await.status(), StatusCode::OK);

    // A 503 with Retry-After on the details only, typed in the fault form.
    let said = set_fault(
        c,
        SCENARIO,
        "Solo i dettagli",
        &[("f-status", "503"), ("f-retry_after", "30")],
    )
    .await?;
    assert_eq!(
        said,
        "Guasto applicato allo scenario avviso-tari-2026: solo sui dettagli: risponde con lo \
         stato 503 (Retry-After: 30). Il mock lo serve dalla prossima chiamata."
    );
    assert_eq!(
        text(c, ".current-fault").await?,
        "solo sui dettagli: risponde con lo stato 503 (Retry-After: 30)"
    );
    // The form shows the fault now served.
    let status = c.find(Locator::Id("f-status")).await?;
    assert_eq!(status.prop("value").await?.as_deref(), Some("503"));
    accessible(c, axe, "Scenario avviso-tari-2026").await;
    screenshot(c, "scenario").await;
    // Usable at 360 px: the page does not scroll sideways (the list's table scrolls on its own).
    c.set_window_size(360, 800).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await?;
    assert_eq!(overflow, json!(false), "no horizontal scrolling at 360 px");
    c.set_window_size(1280, 900).await?;

    // The citizen's app: the gateway answers the fault's code, Retry-After passed on; the
    // precondition is not touched.
    let r = citizen.details().await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "30");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "ENTITY_UNAVAILABLE", "{problem}");
    assert_eq!(citizen.precondition().await.status(), StatusCode::OK);

    // A status the mock cannot serve: its refusal next to the field, what was typed kept.
    fill_fault(c, "Ogni chiamata", &[("f-status", "999")]).await?;
    heading_is(c, "Scenario avviso-tari-2026").await;
    let refusal = apply_refused(c, "f-status").await?;
    assert!(
        refusal.contains("Il mock provider ha rifiutato lo scenario")
            && refusal.contains("100 to 599")
            && refusal.contains("SCENARIO_INVALID"),
        "{refusal}"
    );
    let status = c.find(Locator::Id("f-status")).await?;
    assert_eq!(status.prop("value").await?.as_deref(), Some("999"));
    assert_eq!(status.attr("aria-invalid").await?.as_deref(), Some("true"));
    let only = c.find(Locator::Id("f-only")).await?;
    assert_eq!(only.prop("value").await?.as_deref(), Some("tutte"));
    accessible(c, axe, "Scenario avviso-tari-2026, refused").await;
    // Nothing changed: still the 503.
    assert_eq!(
        citizen.details().await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    // Removed (confirmed): the message opens again.
    let said = remove_fault(c, SCENARIO).await?;
    assert_eq!(
        said,
        "Guasto rimosso dallo scenario avviso-tari-2026: il mock serve di nuovo il contenuto \
         normale."
    );
    assert_eq!(text(c, ".current-fault").await?, "Nessun guasto");
    // In English: the footer's switch comes back to this very page.
    switch_language(c, "English").await?;
    heading_is(c, "Scenario avviso-tari-2026").await;
    assert_eq!(text(c, ".current-fault").await?, "No fault");
    c.find(Locator::XPath("//button[normalize-space(.)='Apply']"))
        .await?;
    accessible(c, axe, "Scenario avviso-tari-2026, in English").await;
    let list = c
        .find(Locator::XPath(
            "//nav[contains(@class, 'sections')]//a[normalize-space(.)='Mock scenarios']",
        ))
        .await?;
    click_to_next_page(c, list).await?;
    heading_is(c, "Mock scenarios").await;
    assert_eq!(
        text(c, "nav.sections a[aria-current=page]").await?,
        "Mock scenarios"
    );
    let table = text(c, "table.scenari").await?;
    assert!(
        table.contains("on every call: answers after 30000 ms") && table.contains("No fault"),
        "{table}"
    );
    switch_language(c, "Italiano").await?;
    heading_is(c, "Scenari del mock").await;
    let r = citizen.details().await;
    assert_eq!(r.status(), StatusCode::OK);
    let details: Value = r.json().await.unwrap();
    assert_eq!(
        details["third_party_message"]["details"]["subject"],
        "Avviso di pagamento TARI 2026"
    );

    // Bad JSON in the editor: the mock's refusal next to the field, the text kept.
    let bad = r#"{"id": "avviso-tari-2026", "fiscal_code": "#;
    open_scenario(c, SCENARIO).await?;
    save_json(c, bad).await?;
    heading_is(c, "Scenario avviso-tari-2026").await;
    let refusal = apply_refused(c, "f-json").await?;
    assert!(
        refusal.contains("Il mock provider ha rifiutato lo scenario")
            && refusal.contains("SCENARIO_INVALID"),
        "{refusal}"
    );
    let editor = c.find(Locator::Id("f-json")).await?;
    assert_eq!(editor.prop("value").await?.as_deref(), Some(bad));
    assert_eq!(editor.attr("aria-invalid").await?.as_deref(), Some("true"));
    accessible(c, axe, "Scenario avviso-tari-2026, bad JSON").await;

    // Good JSON: saved, and served (a delay of the precondition only, in words).
    let good = json!({
        "fiscal_code": "SPNDNL80R13C555X",
        "details": {
            "subject": "Avviso di pagamento TARI 2026",
            "markdown": "L'importo dovuto per la tassa sui rifiuti è di **120 euro**, da pagare entro il 31 dicembre."
        },
        "fault": {"only": "precondition", "delay_ms": 10}
    });
    save_json(c, &good.to_string()).await?;
    let said = flash(c).await?;
    assert_eq!(
        said,
        "Scenario avviso-tari-2026 salvato dal JSON: il mock lo serve dalla prossima chiamata. \
         Guasto: solo sulla precondizione: risponde dopo 10 ms."
    );
    // The precondition was dropped with the JSON: the list tells what is served now.
    open_scenario(c, SCENARIO).await?;
    let serves = text(c, "dl.scenario").await?;
    assert!(!serves.contains("Precondizione"), "{serves}");
    Ok(())
}
