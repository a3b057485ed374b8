//! The console's "Vista del cittadino" in a real browser, on the development stack: a tester
//! signs in, types a dev citizen's fiscal code and sees their inbox as the app shows it; opens
//! the TARI notice past its precondition ("Continua"), reads its markdown rendered safely and
//! downloads its PDF through the console (the bytes start with `%PDF`); the encrypted-attachment
//! message shows ATTACHMENT_ENCRYPTED with its meaning in both languages. Then the mock's scenario
//! is broken from "Scenari del mock" by typing: a non-PDF/A attachment (ATTACHMENT_NOT_PDFA with
//! veraPDF's clause), raw HTML in the markdown (MARKDOWN_UNSAFE) and a delay past the gateway's
//! timeout (ENTITY_TIMEOUT), each seen on the message page with its status, time and meaning.
//! axe-core on each page; screenshots `cittadino` and `cittadino-errore`
//! (`RECAPITO_SCREENSHOTS=docs` puts them in `docs/console/`).
//!
//! Needs `eval "$(scripts/browser)"` (chromium, chromedriver, axe-core); without them the test
//! fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::anagrafica::{click_to_next_page, switch_language};
use e2e::console::cittadino::{accept_precondition, calls, download, open_inbox, open_message};
use e2e::console::scenari::{open_scenario, save_json, set_fault};
use fantoccini::{Client, Locator};
use serde_json::json;

const CITIZEN: &str = "SPNDNL80R13C555X";
const TARI: &str = "Avviso di pagamento TARI 2026";
const ENCRYPTED: &str = "Un allegato che il gateway rifiuta";

#[tokio::test]
async fn a_tester_opens_a_citizens_messages_and_sees_each_check_fail() {
    let Some(s) = Session::start().await else {
        return;
    };
    let result = walk(&s.client, &s.env.console_url, &s.axe).await;
    s.finish("cittadino", result).await;
}

async fn text(c: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css(css)).await?.text().await
}

/// The verdict of the call named `what` (its first row), with its status.
async fn verdict(c: &Client, what: &str) -> Result<(String, String), fantoccini::error::CmdError> {
    let rows = calls(c).await?;
    let (_, status, verdict) = rows
        .into_iter()
        .find(|(w, _, _)| w == what)
        .unwrap_or_else(|| panic!("no call {what:?}"));
    Ok((status, verdict))
}

/// The TARI scenario as the demo serves it, with `details` and `file` changed.
fn tari(markdown: &str, file: &str) -> String {
    json!({
        "fiscal_code": CITIZEN,
        "precondition": {
            "title": "Prima di aprire",
            "markdown": "Questo messaggio contiene dati personali: aprilo solo se sei il destinatario."
        },
        "details": {"subject": TARI, "markdown": markdown},
        "attachments": [{
            "id": "a1", "content_type": "application/pdf", "name": "avviso.pdf",
            "url": "attachments/avviso.pdf", "category": "DOCUMENT", "file": file
        }]
    })
    .to_string()
}

const GOOD_MARKDOWN: &str = "## Avviso di pagamento\n\nL'importo dovuto per la tassa sui rifiuti \
    è di **120 euro**, da pagare entro il 31 dicembre. [Paga online](https://comune.example/paga)";

/// Back to the citizen's inbox, the TARI notice opened past its precondition.
async fn reopen_tari(c: &Client) -> Result<(), fantoccini::error::CmdError> {
    open_inbox(c, CITIZEN).await?;
    open_message(c, TARI).await?;
    accept_precondition(c).await?;
    heading_is(c, TARI).await;
    Ok(())
}

async fn walk(c: &Client, console: &str, axe: &str) -> Result<(), fantoccini::error::CmdError> {
    c.goto(console).await?;
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(
        "//button[contains(., 'Accedi come Admin Comune di Esempio')]",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;

    // The inbox, as the app shows it.
    open_inbox(c, CITIZEN).await?;
    let inbox = text(c, "ul.casella").await?;
    for expected in [
        TARI,
        ENCRYPTED,
        "Benvenuto nei servizi del Comune",
        "Da leggere",
    ] {
        assert!(inbox.contains(expected), "{expected:?} in {inbox}");
    }
    let (status, ok) = verdict(c, "Casella").await?;
    assert_eq!(status, "200");
    assert!(ok.contains("Superata"), "{ok}");
    let intro = text(c, "main").await?;
    assert!(
        intro.contains("Ogni utente autenticato può usare questa pagina"),
        "{intro}"
    );
    accessible(c, axe, "Vista del cittadino").await;
    screenshot(c, "cittadino").await;

    // The TARI notice: the precondition first, then the details and the PDF.
    open_message(c, TARI).await?;
    let (status, _) = verdict(c, "Precondizione").await?;
    assert_eq!(status, "200");
    accessible(c, axe, "Precondizione").await;
    assert_eq!(accept_precondition(c).await?, "Prima di aprire");
    heading_is(c, TARI).await;
    let shown = text(c, ".messaggio").await?;
    assert!(shown.contains("120 euro"), "{shown}");
    let pay = c.find(Locator::LinkText("Paga online")).await?;
    assert_eq!(
        pay.attr("rel").await?.as_deref(),
        Some("noopener noreferrer")
    );
    for what in ["Dettagli", "Allegato avviso.pdf"] {
        let (status, ok) = verdict(c, what).await?;
        assert_eq!(status, "200", "{what}");
        assert!(ok.contains("Superata"), "{what}: {ok}");
    }
    let (bytes, content_type, disposition) = download(c, "avviso.pdf").await?;
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    assert_eq!(content_type, "application/octet-stream");
    assert_eq!(disposition, "attachment; filename=\"avviso.pdf\"");
    accessible(c, axe, "Messaggio").await;

    // The encrypted attachment: refused, its meaning in both languages.
    open_inbox(c, CITIZEN).await?;
    open_message(c, ENCRYPTED).await?;
    let (status, refused) = verdict(c, "Allegato cifrato.pdf").await?;
    assert_eq!(status, "415");
    for expected in [
        "ATTACHMENT_ENCRYPTED",
        "L'allegato è cifrato.",
        "The attachment is encrypted.",
    ] {
        assert!(refused.contains(expected), "{expected:?} in {refused}");
    }

    // Broken by the tester: a PDF that is not PDF/A.
    open_scenario(c, "avviso-tari-2026").await?;
    save_json(c, &tari(GOOD_MARKDOWN, "pdf/plain-not-pdfa.pdf")).await?;
    reopen_tari(c).await?;
    let (status, refused) = verdict(c, "Allegato avviso.pdf").await?;
    assert_eq!(status, "415");
    for expected in [
        "ATTACHMENT_NOT_PDFA",
        "non è conforme a PDF/A-2",
        "does not conform to PDF/A-2",
        "Dettaglio: ",
    ] {
        assert!(refused.contains(expected), "{expected:?} in {refused}");
    }
    let rule = text(c, "table.chiamate code.regola").await?;
    assert!(
        rule.starts_with("6.") && rule.contains('-'),
        "veraPDF's clause (e.g. 6.1.3-1): {rule}"
    );
    assert!(
        refused.contains(&format!("Dettaglio: {rule} ")),
        "{refused}"
    );
    accessible(c, axe, "Messaggio, allegato rifiutato").await;
    let table = c.find(Locator::Css("table.chiamate")).await?;
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&table).unwrap()],
    )
    .await?;
    screenshot(c, "cittadino-errore").await;
    // Usable at 360 px: the page does not scroll sideways (the calls' table scrolls on its own).
    c.set_window_size(360, 800).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await?;
    assert_eq!(overflow, json!(false), "no horizontal scrolling at 360 px");
    c.set_window_size(1280, 900).await?;

    // Raw HTML in the markdown: the details are refused.
    open_scenario(c, "avviso-tari-2026").await?;
    let unsafe_markdown = format!("{GOOD_MARKDOWN}\n\n<script>alert(1)</script>");
    save_json(c, &tari(&unsafe_markdown, "pdf/pdfa2b-minimal.pdf")).await?;
    reopen_tari(c).await?;
    let (status, refused) = verdict(c, "Dettagli").await?;
    assert_eq!(status, "502");
    for expected in ["MARKDOWN_UNSAFE", "contiene HTML", "holds raw HTML"] {
        assert!(refused.contains(expected), "{expected:?} in {refused}");
    }
    assert!(
        text(c, "main .error")
            .await?
            .contains("rifiutato i dettagli"),
        "the page says the app would show an error"
    );

    // Wrong flags: the message declares attachments, the entity now sends none.
    open_scenario(c, "avviso-tari-2026").await?;
    let mut none: serde_json::Value =
        serde_json::from_str(&tari(GOOD_MARKDOWN, "pdf/pdfa2b-minimal.pdf")).unwrap();
    none["attachments"] = json!([]);
    save_json(c, &none.to_string()).await?;
    reopen_tari(c).await?;
    let (status, refused) = verdict(c, "Dettagli").await?;
    assert_eq!(status, "502");
    for expected in [
        "ATTACHMENTS_NOT_PRESENT",
        "dichiara allegati (has_attachments) ma l'ente non ne ha inviati",
        "declares attachments (has_attachments) but the entity sent none",
    ] {
        assert!(refused.contains(expected), "{expected:?} in {refused}");
    }

    // A delay past the gateway's timeout (10 s) on the details.
    open_scenario(c, "avviso-tari-2026").await?;
    save_json(c, &tari(GOOD_MARKDOWN, "pdf/pdfa2b-minimal.pdf")).await?;
    set_fault(
        c,
        "avviso-tari-2026",
        "Solo i dettagli",
        &[("f-delay_ms", "12000")],
    )
    .await?;
    reopen_tari(c).await?;
    let (status, refused) = verdict(c, "Dettagli").await?;
    assert_eq!(status, "504");
    for expected in [
        "ENTITY_TIMEOUT",
        "L'ente non ha risposto in tempo.",
        "The entity did not answer in time.",
    ] {
        assert!(refused.contains(expected), "{expected:?} in {refused}");
    }
    accessible(c, axe, "Messaggio, ente lento").await;

    // The section's page, in English: the footer's switch comes back to it.
    let section = c
        .find(Locator::XPath(
            "//nav[contains(@class, 'sections')]//a[normalize-space(.)='Vista del cittadino']",
        ))
        .await?;
    click_to_next_page(c, section).await?;
    heading_is(c, "Vista del cittadino").await;
    switch_language(c, "English").await?;
    heading_is(c, "Citizen's view").await;
    let intro = text(c, "main").await?;
    assert!(
        intro.contains("Every signed-in user may use this page"),
        "{intro}"
    );
    c.find(Locator::XPath(
        r#"//button[normalize-space(.)="Open the citizen's inbox"]"#,
    ))
    .await?;
    accessible(c, axe, "Citizen's view").await;
    switch_language(c, "Italiano").await?;
    heading_is(c, "Vista del cittadino").await;
    Ok(())
}
