//! The console's "Recapito" pages in a real browser, on the development stack: the Comune's
//! administrator connects the console to the Comune's client (a key "Console Recapito" appears
//! on the client), creates a remote-content configuration by typing (a bad `base_url` is refused
//! next to its field, what was typed kept, the API key never echoed), sees it listed, edits it
//! (the key stays "impostata"), the Comune sends a message naming it through the gateway's API
//! (provider-sdk's `GatewayClient` with the dev world's sender key, as `examples/submit.rs`) and
//! the message shows among the sent ones, filtered by that configuration. The Comune's API
//! operator sees the same configurations and deletes this one (confirmed); its security
//! operator is refused by URL; PagoPA's administrator never sees the Comune's configurations or
//! messages, not even by URL (not connected; then connected to a client whose purpose is on
//! another e-service, which the gateway refuses). axe-core on each page; the lists at 360 px;
//! screenshots `recapito-configurazioni` and `recapito-messaggi`.
//!
//! Needs `eval "$(scripts/browser)"` (chromium, chromedriver, axe-core); without them the test
//! fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::anagrafica::{flash, open_section};
use e2e::console::recapito::{
    CONFIGURATIONS, Typed, configuration_id, connect_console, create_configuration,
    delete_configuration, fill_and_save, open_configuration, open_page, sent_messages,
};
use e2e::console::{fits_360, main_text, sign_in, sign_out};
use fantoccini::{Client, Locator};
use provider_sdk::contract::{HasPrecondition, MessageContent, NewMessage, ThirdPartyData};

const NAME: &str = "Tributi del Comune";
const SECRET: &str = "chiave-segreta-123";

#[tokio::test]
async fn an_entity_manages_its_configurations_and_sees_its_sent_messages() {
    let Some(s) = Session::start().await else {
        return;
    };
    let result = walk(&s.client, &s.env, &s.axe).await;
    s.finish("recapito", result).await;
}

/// The Comune sends a message naming `configuration`, as an entity's system does.
async fn send(env: &dev_stack::DevEnv, configuration: &str, subject: &str) {
    let client = e2e::console::entity_client(env);
    let correlation = format!("console-recapito-{}", uuid::Uuid::new_v4());
    let message = NewMessage {
        fiscal_code: env.citizens[0].clone(),
        content: MessageContent {
            subject: subject.into(),
            markdown: "Gentile cittadino, è disponibile un nuovo avviso del Comune. Apri il messaggio per leggere i dettagli e gli allegati.".into(),
            require_secure_channels: None,
            due_date: None,
            payment_data: None,
            eu_covid_cert: None,
            third_party_data: Some(ThirdPartyData {
                id: correlation.clone(),
                original_sender: None,
                original_receipt_date: None,
                has_attachments: false,
                has_remote_content: true,
                has_precondition: Some(HasPrecondition::Never),
                summary: None,
                configuration_id: Some(configuration.into()),
            }),
        },
        time_to_live: None,
        feature_level_type: None,
        default_addresses: None,
    };
    client.submit_message(&message, &correlation).await.unwrap();
}

async fn walk(
    c: &Client,
    env: &dev_stack::DevEnv,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let console = &env.console_url;
    sign_in(c, console, "Admin Comune di Esempio").await?;

    // Not connected yet: the pages say so and point to "Collega la console".
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let main = main_text(c).await?;
    assert!(main.contains("non è ancora collegata"), "{main}");
    accessible(c, axe, "Configurazioni (non collegata)").await;
    open_section(c, "Recapito").await?;
    accessible(c, axe, "Recapito").await;
    open_page(c, "Collega la console", "Collega la console").await?;
    accessible(c, axe, "Collega la console").await;

    // Connect: the key lands on the client, and a first voucher is obtained.
    let done = connect_console(c, None).await?;
    assert!(done.contains("Console collegata"), "{done}");
    heading_is(c, CONFIGURATIONS).await;
    let main = main_text(c).await?;
    // The dev world's own configurations are the Comune's: listed.
    assert!(main.contains("Comune di Esempio"), "{main}");

    // A bad base_url is refused next to its field, what was typed kept, the key not echoed.
    let bad = Typed {
        name: NAME,
        description: "Avvisi dei tributi comunali",
        base_url: "ftp://tributi.example",
        header: "X-Api-Key",
        key: SECRET,
    };
    create_configuration(c, &bad).await?;
    heading_is(c, "Nuova configurazione").await;
    let err = c.find(Locator::Id("f-prod_url-err")).await?.text().await?;
    assert!(err.contains("VALIDATION_FAILED"), "{err}");
    let kept = c.find(Locator::Id("f-nome")).await?.prop("value").await?;
    assert_eq!(kept.as_deref(), Some(NAME));
    let key = c
        .find(Locator::Id("f-prod_chiave"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(key.as_deref(), Some(""));
    assert!(
        !c.source().await?.contains(SECRET),
        "the key is never echoed"
    );
    accessible(c, axe, "Nuova configurazione (rifiutata)").await;

    // Fixed: saved and listed.
    let base_url = format!("{}/rc", env.mock_provider_url);
    let good = Typed {
        base_url: &base_url,
        ..bad
    };
    fill_and_save(c, &good).await?;
    let done = flash(c).await?;
    assert!(done.contains("creata"), "{done}");
    heading_is(c, CONFIGURATIONS).await;
    assert!(main_text(c).await?.contains(NAME));
    accessible(c, axe, CONFIGURATIONS).await;
    screenshot(c, "recapito-configurazioni").await;
    fits_360(c, CONFIGURATIONS).await?;

    // Edit: the key is "impostata", never shown; left empty it stays.
    open_configuration(c, NAME).await?;
    let page = c.source().await?;
    assert!(!page.contains(SECRET), "the key is never echoed");
    let hint = c
        .find(Locator::Id("f-prod_chiave-hint"))
        .await?
        .text()
        .await?;
    assert!(hint.starts_with("Impostata"), "{hint}");
    accessible(c, axe, "Modifica la configurazione").await;
    fill_and_save(
        c,
        &Typed {
            description: "Avvisi dei tributi comunali, anno 2027",
            key: "",
            ..good
        },
    )
    .await?;
    let done = flash(c).await?;
    assert!(done.contains("aggiornata"), "{done}");

    // The Comune sends a message naming it; it shows among the sent messages.
    let id = configuration_id(c, NAME).await?;
    let subject = "Avviso TARI dalla console Recapito";
    send(env, &id, subject).await;
    let table = sent_messages(c, Some(NAME)).await?;
    assert!(table.contains(subject), "{table}");
    assert!(table.contains(&env.citizens[0]), "{table}");
    assert!(table.contains("inviato"), "{table}");
    accessible(c, axe, "Messaggi inviati").await;
    screenshot(c, "recapito-messaggi").await;
    fits_360(c, "Messaggi inviati").await?;
    sign_out(c).await?;

    // The Comune's API operator sees the same configurations, and deletes this one (confirmed);
    // its security operator is refused.
    sign_in(c, console, "Operatore API Comune di Esempio").await?;
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    assert!(main_text(c).await?.contains(NAME));
    let done = delete_configuration(c, NAME).await?;
    assert!(done.contains("eliminata"), "{done}");
    heading_is(c, CONFIGURATIONS).await;
    let table = c.find(Locator::Css("main table")).await?.text().await?;
    assert!(!table.contains(NAME), "{table}");
    // The messages sent with it are still listed when filtered by its id (by address).
    c.goto(&format!("{console}/recapito/messaggi?configurazione={id}"))
        .await?;
    let main = main_text(c).await?;
    assert!(main.contains(subject), "{main}");
    sign_out(c).await?;
    sign_in(c, console, "Operatore di sicurezza Comune di Esempio").await?;
    c.goto(&format!("{console}/recapito/configurazioni"))
        .await?;
    heading_is(c, "Accesso negato").await;
    sign_out(c).await?;

    // PagoPA's administrator: neither the list, nor the configuration by URL, nor the messages.
    // Not connected, the console has nothing to call the gateway with.
    sign_in(c, console, "Admin PagoPA").await?;
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let main = main_text(c).await?;
    assert!(
        !main.contains(NAME) && main.contains("RECAPITO_NOT_CONNECTED"),
        "{main}"
    );
    c.goto(&format!("{console}/recapito/configurazioni/{id}"))
        .await?;
    let main = main_text(c).await?;
    assert!(
        !main.contains(NAME) && main.contains("RECAPITO_NOT_CONNECTED"),
        "{main}"
    );
    // PagoPA's only client is on the Comune's "Contenuti remoti", not on the gateway's
    // e-service: connected there, Interop gives it a voucher, but the gateway refuses it, and
    // the page says why.
    let done = connect_console(c, None).await?;
    assert!(done.contains("Console collegata"), "{done}");
    let main = main_text(c).await?;
    assert!(
        !main.contains(NAME) && main.contains("VOUCHER_AUDIENCE_INVALID"),
        "{main}"
    );
    c.goto(&format!("{console}/recapito/configurazioni/{id}"))
        .await?;
    let main = main_text(c).await?;
    assert!(!main.contains(NAME) && main.contains("Codice"), "{main}");
    c.goto(&format!("{console}/recapito/messaggi")).await?;
    let main = main_text(c).await?;
    assert!(!main.contains(subject), "{main}");
    Ok(())
}
