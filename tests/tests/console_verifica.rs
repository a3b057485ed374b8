//! The console's "Verifica dell'endpoint" in a real browser, on the development stack: the
//! Comune's administrator probes the mock provider (API-key routes under `/rc`, key
//! `dev-provider-key`, as docs/probe.md) with the complete scenario `probe-ok` declaring a
//! precondition, remote content and attachments: every check passes (precondition, details,
//! attachment). Then a faulty scenario (`probe-errore`, a 500) shows its failing code and its
//! fix; an unusable fiscal code is refused next to its field. The typed values are kept, the API
//! key never echoed. Then, the console connected, a saved configuration probed by the gateway
//! itself: the voucher-protected one passes (the gateway's own vouchers), the API-key one with a
//! fault shows its code with the Italian meaning and fix, a test environment the configuration
//! lacks is refused next to "Ambiente". The Comune's security operator is refused the page by
//! URL. axe-core on the pages; screenshots `verifica`, `verifica-configurazione`.
//!
//! Needs `eval "$(scripts/browser)"` (chromium, chromedriver, axe-core); without them the test
//! fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::main_text;
use e2e::console::recapito::{Probe, SavedProbe, connect_console, probe_endpoint, probe_saved};
use fantoccini::{Client, Locator};

const KEY: &str = "dev-provider-key";
const CITIZEN: &str = "SPNDNL80R13C555X";

#[tokio::test]
async fn an_entity_probes_its_endpoint_from_the_console() {
    let Some(s) = Session::start().await else {
        return;
    };
    let result = walk(&s.client, &s.env, &s.axe).await;
    s.finish("verifica", result).await;
}

async fn walk(
    c: &Client,
    env: &dev_stack::DevEnv,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{}/accesso", env.console_url)).await?;
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(
        "//button[starts-with(normalize-space(.), 'Accedi come Admin Comune di Esempio')]",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    let base_url = format!("{}/rc", env.mock_provider_url);

    // The complete scenario: every check passes.
    let summary = probe_endpoint(
        c,
        &Probe {
            base_url: &base_url,
            api_key: KEY,
            fiscal_code: CITIZEN,
            message_id: "probe-ok",
            precondition: "ALWAYS",
            remote_content: true,
            attachments: true,
        },
    )
    .await?;
    assert!(summary.starts_with("SUPERATO"), "{summary}");
    assert!(summary.contains(" 0 falliti"), "{summary}");
    let rows = c.find_all(Locator::Css("main table tbody tr")).await?;
    assert!(rows.len() >= 3, "precondition, details, attachment");
    for r in &rows {
        let t = r.text().await?;
        assert!(t.contains("SUPERATO"), "every check passes: {t}");
    }
    let text = main_text(c).await?;
    for name in ["precondition", "details", "attachment a1"] {
        assert!(text.contains(name), "{name} in {text}");
    }
    // What was typed is kept; the key is not echoed back.
    let typed = c
        .find(Locator::Id("f-base_url"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(typed.as_deref(), Some(base_url.as_str()));
    let key = c
        .find(Locator::Id("f-api_key"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(key.as_deref(), Some(""));
    let source = c.source().await?;
    assert!(!source.contains(KEY), "the API key is never echoed back");
    accessible(c, axe, "verifica").await;
    screenshot(c, "verifica").await;
    // At 360 px the report does not make the page scroll sideways.
    c.set_window_size(360, 800).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await?;
    c.set_window_size(1280, 900).await?;
    assert_eq!(overflow, serde_json::json!(false), "sideways at 360 px");

    // A faulty endpoint: the failing code and its fix.
    let summary = probe_endpoint(
        c,
        &Probe {
            base_url: &base_url,
            api_key: KEY,
            fiscal_code: CITIZEN,
            message_id: "probe-errore",
            precondition: "",
            remote_content: true,
            attachments: false,
        },
    )
    .await?;
    assert!(summary.starts_with("FALLITO"), "{summary}");
    let failed = c
        .find(Locator::XPath(
            "//main//tbody/tr[contains(@class, 'probe-fail')]",
        ))
        .await?
        .text()
        .await?;
    assert!(failed.contains("ENTITY_ERROR"), "{failed}");
    let fix = c
        .find(Locator::XPath(
            "//main//tbody/tr[contains(@class, 'probe-fail')]/td[4]",
        ))
        .await?
        .text()
        .await?;
    assert!(
        !fix.trim().is_empty(),
        "the failing check says how to fix it"
    );
    accessible(c, axe, "verifica-fallita").await;

    // A fiscal code the probe cannot use: refused next to its field, what was typed kept.
    let summary = probe_endpoint(
        c,
        &Probe {
            base_url: &base_url,
            api_key: KEY,
            fiscal_code: "ABC",
            message_id: "probe-ok",
            precondition: "",
            remote_content: true,
            attachments: false,
        },
    )
    .await;
    assert!(summary.is_err(), "no report for an unusable fiscal code");
    let blamed = c
        .find(Locator::Css("main .field.invalid .field-error"))
        .await?
        .text()
        .await?;
    assert!(blamed.contains("VALIDATION_FAILED"), "{blamed}");
    let typed = c
        .find(Locator::Id("f-fiscal_code"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(typed.as_deref(), Some("ABC"));
    let message = c
        .find(Locator::Id("f-message_id"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(message.as_deref(), Some("probe-ok"));

    // A saved configuration, probed by the gateway itself: first unconnected, then connected.
    c.goto(&format!(
        "{}/recapito/verifica?modo=configurazione",
        env.console_url
    ))
    .await?;
    heading_is(c, "Verifica dell'endpoint").await;
    let text = main_text(c).await?;
    assert!(text.contains("Collega la console"), "{text}");
    connect_console(c, None).await?;
    // The voucher-protected configuration: the gateway calls with its own vouchers.
    let summary = probe_saved(
        c,
        &SavedProbe {
            configuration_id: &env.configurations.interop_voucher,
            environment: "Produzione",
            fiscal_code: CITIZEN,
            message_id: "avviso-tari-2026",
            precondition: "ONCE",
            remote_content: true,
            attachments: true,
        },
    )
    .await?;
    assert!(summary.starts_with("SUPERATO"), "{summary}");
    assert!(summary.contains(" 0 falliti"), "{summary}");
    let text = main_text(c).await?;
    assert!(
        text.contains("/rc-interop"),
        "the voucher route was probed: {text}"
    );
    assert!(
        text.contains("il gateway accetterebbe questa risposta"),
        "{text}"
    );
    accessible(c, axe, "verifica-configurazione").await;
    screenshot(c, "verifica-configurazione").await;
    // The API-key configuration with a fault: the failing code with its Italian meaning and fix.
    let summary = probe_saved(
        c,
        &SavedProbe {
            configuration_id: &env.configurations.api_key,
            environment: "Produzione",
            fiscal_code: CITIZEN,
            message_id: "probe-errore",
            precondition: "",
            remote_content: true,
            attachments: false,
        },
    )
    .await?;
    assert!(summary.starts_with("FALLITO"), "{summary}");
    let failed = c
        .find(Locator::XPath(
            "//main//tbody/tr[contains(@class, 'probe-fail')]",
        ))
        .await?
        .text()
        .await?;
    assert!(failed.contains("ENTITY_ERROR"), "{failed}");
    assert!(failed.contains("correggi l'errore del server"), "{failed}");
    assert!(
        !main_text(c).await?.contains(KEY),
        "the saved key never shown"
    );
    // The test environment the configuration lacks: blamed next to "Ambiente", values kept.
    let refused = probe_saved(
        c,
        &SavedProbe {
            configuration_id: &env.configurations.api_key,
            environment: "Test",
            fiscal_code: CITIZEN,
            message_id: "probe-ok",
            precondition: "",
            remote_content: true,
            attachments: false,
        },
    )
    .await;
    assert!(refused.is_err(), "no report for a missing environment");
    let blamed = c
        .find(Locator::Css("main .field.invalid .field-error"))
        .await?
        .text()
        .await?;
    assert!(blamed.contains("VALIDATION_FAILED"), "{blamed}");
    assert!(blamed.contains("test_environment"), "{blamed}");
    let kept = c
        .find(Locator::Id("f-message_id"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(kept.as_deref(), Some("probe-ok"));

    // A security operator is refused the page, by URL too.
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(
        "//button[starts-with(normalize-space(.), 'Accedi come Operatore di sicurezza Comune di Esempio')]",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    c.goto(&format!("{}/recapito/verifica", env.console_url))
        .await?;
    heading_is(c, "Accesso negato").await;
    Ok(())
}
