//! The console's "Vista del cittadino" in production mode (`citizen_view = "test_users"`, no app
//! API key) in a real browser, on the development stack: the Comune's administrator opens it
//! before the console is connected (the page says so), connects the console, sees that no
//! configuration has test users yet, creates a configuration whose production environment would
//! refuse the gateway (a wrong key) and adds a test environment with a test user by clicks in
//! "Recapito → Configurazioni"; the Comune sends the TARI notice to that citizen with
//! provider-sdk (the dev world's sender key); the administrator picks the test user from the list,
//! sees the message in the inbox, its precondition, its details (fetched from the test
//! environment: the production one would have failed) and downloads its PDF through the console;
//! the message is still unread afterwards. A fiscal code that is not a test user is refused with
//! the gateway's NOT_YOUR_TEST_USER as a sentence; the Comune's security operator is refused the
//! page by URL. axe-core on each page; the inbox and the message at 360 px; screenshot
//! `cittadino-utenti-di-test`.
//!
//! Needs `eval "$(scripts/browser)"` (chromium, chromedriver, axe-core); without them the test
//! fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::anagrafica::open_section;
use e2e::console::cittadino::{
    accept_precondition, calls, download, open_message, open_test_user_inbox,
};
use e2e::console::recapito::{
    Typed, TypedTest, add_test_environment, configuration_id, connect_console, create_configuration,
};
use e2e::console::{fits_360, main_text, sign_in};
use fantoccini::{Client, Locator};
use provider_sdk::contract::{
    FeatureLevelType, HasPrecondition, MessageContent, NewMessage, ThirdPartyData,
};

const NAME: &str = "Prove per gli utenti di test";
const SUBJECT: &str = "Avviso TARI per un utente di test";

#[tokio::test]
async fn an_entity_sees_its_test_users_messages_as_the_app_shows_them() {
    let Some(s) = Session::start_with(|c| {
        c.citizen_view = console::config::CitizenView::TestUsers;
        c.app_api_key = String::new();
    })
    .await
    else {
        return;
    };
    let result = walk(&s.client, &s.env, &s.axe).await;
    s.finish("cittadino-utenti-di-test", result).await;
}

/// The Comune sends the TARI notice (the mock provider's `avviso-tari-2026`: a ONCE
/// precondition, details, `avviso.pdf`) to `citizen` with `configuration`, as its system would.
async fn send(env: &dev_stack::DevEnv, configuration: &str, citizen: &str) -> String {
    let client = e2e::console::entity_client(env);
    let message = NewMessage {
        fiscal_code: citizen.into(),
        content: MessageContent {
            subject: SUBJECT.into(),
            markdown: "Gentile cittadino, è disponibile l'avviso di pagamento della tassa sui rifiuti. Apri il messaggio per leggere i dettagli e scaricare l'avviso.".into(),
            require_secure_channels: None,
            due_date: None,
            payment_data: None,
            eu_covid_cert: None,
            third_party_data: Some(ThirdPartyData {
                id: "avviso-tari-2026".into(),
                original_sender: None,
                original_receipt_date: None,
                has_attachments: true,
                has_remote_content: true,
                has_precondition: Some(HasPrecondition::Once),
                summary: None,
                configuration_id: Some(configuration.into()),
            }),
        },
        time_to_live: None,
        feature_level_type: Some(FeatureLevelType::Advanced),
        default_addresses: None,
    };
    let key = format!("console-test-users-{}", uuid::Uuid::new_v4());
    client.submit_message(&message, &key).await.unwrap().id
}

async fn walk(
    c: &Client,
    env: &dev_stack::DevEnv,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let console = &env.console_url;
    let tester = env.citizens[0].as_str();
    let stranger = env.citizens[1].as_str();
    sign_in(c, console, "Admin Comune di Esempio").await?;

    // Not connected yet: the page says so, and where to connect the console.
    open_section(c, "Vista del cittadino").await?;
    let main = main_text(c).await?;
    assert!(main.contains("non è ancora collegata"), "{main}");
    assert!(main.contains("RECAPITO_NOT_CONNECTED"), "{main}");
    accessible(c, axe, "Vista del cittadino (non collegata)").await;

    // Connected: the dev world's configurations have no test users yet.
    let done = connect_console(c, None).await?;
    assert!(done.contains("Console collegata"), "{done}");
    open_section(c, "Vista del cittadino").await?;
    let main = main_text(c).await?;
    assert!(main.contains("non hanno utenti di test"), "{main}");
    accessible(c, axe, "Vista del cittadino (nessun utente di test)").await;

    // A configuration whose production environment would refuse the gateway (a wrong key), and
    // its test environment with the test user, by clicks in "Recapito → Configurazioni".
    let rc = format!("{}/rc", env.mock_provider_url);
    create_configuration(
        c,
        &Typed {
            name: NAME,
            description: "Avvisi di prova per gli utenti di test",
            base_url: &rc,
            header: "X-Api-Key",
            key: "non-la-chiave-del-fornitore",
        },
    )
    .await?;
    let done = add_test_environment(
        c,
        NAME,
        &TypedTest {
            base_url: &rc,
            header: "X-Api-Key",
            key: "dev-provider-key",
            test_users: tester,
        },
    )
    .await?;
    assert!(done.contains("aggiornata"), "{done}");
    let id = configuration_id(c, NAME).await?;
    let message_id = send(env, &id, tester).await;

    // The test user's inbox, as the app lists it: the Comune's messages only.
    open_test_user_inbox(c, tester).await?;
    let main = main_text(c).await?;
    assert!(main.contains(SUBJECT), "{main}");
    let options = c.find(Locator::Id("cf")).await?.text().await?;
    assert!(
        options.contains(tester) && options.contains(NAME),
        "{options}"
    );
    assert!(!options.contains(stranger), "only test users: {options}");
    let caption = c
        .find(Locator::Css("table.chiamate caption"))
        .await?
        .text()
        .await?;
    assert!(caption.contains("voucher"), "{caption}");
    accessible(c, axe, "Vista del cittadino (utente di test)").await;
    screenshot(c, "cittadino-utenti-di-test").await;
    fits_360(c, "Vista del cittadino (utente di test)").await?;

    // The message: its precondition, then its details from the test environment (the production
    // one would have refused the gateway's key), then its PDF through the console.
    open_message(c, SUBJECT).await?;
    let title = accept_precondition(c).await?;
    assert_eq!(title, "Prima di aprire");
    heading_is(c, SUBJECT).await;
    let main = main_text(c).await?;
    assert!(main.contains("120 euro"), "{main}");
    let rows = calls(c).await?;
    assert!(
        rows.iter()
            .all(|(_, status, verdict)| status == "200" && verdict.starts_with("Superata")),
        "{rows:?}"
    );
    accessible(c, axe, "Messaggio dell'utente di test").await;
    fits_360(c, "Messaggio dell'utente di test").await?;
    let (bytes, _, disposition) = download(c, "avviso.pdf").await?;
    assert!(bytes.starts_with(b"%PDF"), "not the PDF");
    assert!(disposition.contains("avviso.pdf"), "{disposition}");

    // Reading it in the preview changed nothing: still unread, its precondition still shown.
    open_test_user_inbox(c, tester).await?;
    let card = c
        .find(Locator::XPath(&format!(
            "//li[contains(@class,'card')][.//a[contains(@href,'{message_id}')]]"
        )))
        .await?
        .text()
        .await?;
    assert!(card.contains("Da leggere"), "{card}");
    open_message(c, SUBJECT).await?;
    assert_eq!(accept_precondition(c).await?, "Prima di aprire");

    // A fiscal code that is not a test user of the Comune's configurations: the gateway's
    // refusal as a sentence (checked by URL: the list does not offer it).
    c.goto(&format!("{console}/cittadino?cf={stranger}"))
        .await?;
    heading_is(c, "Vista del cittadino").await;
    let main = main_text(c).await?;
    assert!(main.contains("NOT_YOUR_TEST_USER"), "{main}");
    assert!(
        main.contains("non è tra gli utenti di test delle configurazioni del tuo ente"),
        "{main}"
    );
    accessible(c, axe, "Vista del cittadino (non un utente di test)").await;

    // The Comune's security operator: no such page for them.
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accedi").await;
    sign_in(c, console, "Operatore di sicurezza Comune di Esempio").await?;
    let nav = c.find(Locator::Css("nav.sections")).await?.text().await?;
    assert!(!nav.contains("Vista del cittadino"), "{nav}");
    c.goto(&format!("{console}/cittadino")).await?;
    heading_is(c, "Accesso negato").await;
    Ok(())
}
