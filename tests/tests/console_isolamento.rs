//! Two entities on one console never see each other's Recapito data, in a real browser on the
//! development stack. Comune di Esempio's administrator connects the console and notes one of the
//! dev world's configurations (its page's address, and the address of the sent messages filtered
//! by it) and one of its sent messages. Then Comune di Prova's administrator connects the console
//! to Comune di Prova's own client by clicks: its configurations and sent messages show nothing
//! of Comune di Esempio's; Comune di Esempio's configuration page (which is its edit form), a
//! forged edit and a forged confirmed deletion (forms posted from Comune di Prova's page with its
//! own valid CSRF token) and the sent messages filtered by that configuration, all by address,
//! are refused with the gateway's NOT_YOUR_CONFIGURATION as a sentence and status 403, and the
//! HTML holds none of the other entity's configuration names, addresses, ids or message
//! subjects. Comune di Prova's API operator is refused alike; its security operator is refused
//! the whole section. Finally Comune di Esempio's configurations are intact and its messages
//! still listed. axe-core on the refusal pages; screenshot `recapito-isolamento` (the refused
//! deletion).
//!
//! Needs `eval "$(scripts/browser)"` (chromium, chromedriver, axe-core); without them the test
//! fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::anagrafica::click_to_next_page;
use e2e::console::recapito::{CONFIGURATIONS, connect_console, open_page, sent_messages};
use e2e::console::{main_text, sign_in, sign_out};
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};

/// The dev world's messages of Comune di Esempio (dev-stack's `populate`).
const SUBJECTS: [&str; 4] = [
    "Benvenuto nei servizi del Comune",
    "Un allegato che il gateway rifiuta",
    "Certificato di residenza pronto",
    "Avviso di pagamento TARI 2026",
];
/// The one sent with the `INTEROP_VOUCHER` configuration, the one the attacker aims at.
const SUBJECT: &str = "Avviso di pagamento TARI 2026";
/// What the dev world named Comune di Esempio's configurations.
const CONFIGURATION_NAME: &str = "Comune di Esempio";
/// The refusal page's heading and the gateway's sentence for NOT_YOUR_CONFIGURATION.
const REFUSED: &str = "Non è stato possibile completare la richiesta";
const NOT_YOURS: &str = "Questa configurazione appartiene a un altro ente.";

#[tokio::test]
async fn an_entity_never_sees_nor_changes_another_entitys_recapito_data() {
    let Some(s) = Session::start().await else {
        return;
    };
    let result = walk(&s.client, &s.env, &s.axe).await;
    s.finish("isolamento", result).await;
}

/// The address of the page shown: path and query.
async fn address(c: &Client) -> Result<String, CmdError> {
    let url = c.current_url().await?;
    Ok(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    })
}

/// What Comune di Esempio owns and another entity must never see.
struct Theirs {
    /// The configuration aimed at, and the dev world's other one.
    ids: [String; 2],
    base_urls: [String; 2],
    /// The configuration's page (its edit form) and the sent messages filtered by it.
    configuration_page: String,
    messages_page: String,
}

impl Theirs {
    /// `html` (a page's source, or its text) holds nothing of Comune di Esempio's. The language
    /// switch of every page carries the address it was asked with (`typed`, the attacker's own
    /// input), so that is taken out first.
    fn absent_from(&self, html: &str, typed: Option<&str>, page: &str) {
        let html = match typed {
            Some(t) => html.replace(&t.replace('&', "&amp;"), "").replace(t, ""),
            None => html.to_owned(),
        };
        let leaks: Vec<&str> = self
            .ids
            .iter()
            .chain(&self.base_urls)
            .map(String::as_str)
            .chain([CONFIGURATION_NAME])
            .chain(SUBJECTS)
            .filter(|s| html.contains(s))
            .collect();
        assert!(leaks.is_empty(), "{page} shows {leaks:?}:\n{html}");
    }
}

/// What the console answers the browser's session (its cookies) for `path`: a GET, or a POST of
/// `form` when given. The status, which WebDriver does not tell, and the page.
async fn answer(
    c: &Client,
    console: &str,
    path: &str,
    form: Option<&[(&str, &str)]>,
) -> Result<(u16, String), CmdError> {
    let cookies = c
        .get_all_cookies()
        .await?
        .iter()
        .map(|k| format!("{}={}", k.name(), k.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{console}{path}");
    let request = match form {
        Some(f) => http.post(url).form(f),
        None => http.get(url),
    };
    let r = request.header("cookie", cookies).send().await.unwrap();
    Ok((r.status().as_u16(), r.text().await.unwrap()))
}

/// The CSRF token of the signed-in session, as the page shown carries it.
async fn csrf(c: &Client) -> Result<String, CmdError> {
    let token = c
        .find(Locator::Css("input[name=csrf]"))
        .await?
        .prop("value")
        .await?;
    Ok(token.unwrap_or_default())
}

/// What an attacker does from the console's page shown: adds a form posting `fields` (and the
/// session's own CSRF token, read from the page) to `action`, and presses its button.
async fn post_forged_form(
    c: &Client,
    action: &str,
    fields: &[(&str, &str)],
) -> Result<(), CmdError> {
    let fields: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    c.execute(
        "const [action, fields] = arguments;
         const f = document.createElement('form');
         f.method = 'post'; f.action = action; f.id = 'forged';
         const add = (name, value) => {
           const i = document.createElement('input');
           i.type = 'hidden'; i.name = name; i.value = value; f.appendChild(i);
         };
         add('csrf', document.querySelector('input[name=csrf]').value);
         for (const [k, v] of Object.entries(fields)) add(k, v);
         const b = document.createElement('button');
         b.type = 'submit'; b.textContent = 'Invia'; f.appendChild(b);
         document.querySelector('main').appendChild(f);",
        vec![serde_json::json!(action), serde_json::Value::Object(fields)],
    )
    .await?;
    let button = c.find(Locator::Css("form#forged button")).await?;
    click_to_next_page(c, button).await
}

/// The page shown is the console's refusal with the gateway's NOT_YOUR_CONFIGURATION.
async fn refused_as_not_yours(c: &Client, what: &str) -> Result<(), CmdError> {
    let main = main_text(c).await?;
    assert!(
        main.contains(NOT_YOURS) && main.contains("Codice: NOT_YOUR_CONFIGURATION"),
        "{what}: {main}"
    );
    Ok(())
}

/// The attacks of an entity's user who may see the section (`who`, signed in, the console
/// connected for its entity): every address and forged form aimed at `theirs` is refused, and
/// nothing of theirs shows.
async fn attacks_fail(
    c: &Client,
    console: &str,
    theirs: &Theirs,
    axe: &str,
    who: &str,
) -> Result<(), CmdError> {
    // The configuration's page, which is its edit form: refused with the gateway's code.
    let page = &theirs.configuration_page;
    c.goto(&format!("{console}{page}")).await?;
    heading_is(c, REFUSED).await;
    refused_as_not_yours(c, "the configuration's page").await?;
    assert!(
        c.find_all(Locator::Css("main form")).await?.is_empty(),
        "no form on the refusal"
    );
    theirs.absent_from(&c.source().await?, Some(page), &format!("{who}: {page}"));
    accessible(c, axe, "Configurazione di un altro ente").await;
    let (status, html) = answer(c, console, page, None).await?;
    assert_eq!(status, 403, "{html}");
    theirs.absent_from(&html, Some(page), page);

    // A forged edit, from the entity's own list, with its own CSRF token: refused, and the
    // configuration keeps its name (checked at the end).
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let edit = [
        ("nome", "Rubata"),
        ("descrizione", "Modificata da un altro ente"),
        ("precondizione", "ONCE"),
        ("prod_url", "https://attaccante.example/rc"),
        ("prod_auth", "API_KEY"),
        ("prod_header", "X-Api-Key"),
        ("prod_chiave", "rubata"),
    ];
    post_forged_form(c, page, &edit).await?;
    heading_is(c, REFUSED).await;
    refused_as_not_yours(c, "a forged edit").await?;
    theirs.absent_from(&c.source().await?, None, &format!("{who}: forged edit"));
    let token = csrf(c).await?;
    let mut posted = vec![("csrf", token.as_str())];
    posted.extend(edit);
    let (status, html) = answer(c, console, page, Some(&posted)).await?;
    assert_eq!(status, 403, "{html}");

    // A forged deletion, confirmed, with its own CSRF token: refused.
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let delete = format!("{page}/elimina");
    post_forged_form(c, &delete, &[("conferma", "si")]).await?;
    heading_is(c, REFUSED).await;
    refused_as_not_yours(c, "a forged deletion").await?;
    theirs.absent_from(&c.source().await?, None, &format!("{who}: forged deletion"));
    accessible(c, axe, "Eliminazione rifiutata").await;
    if who.starts_with("Admin") {
        screenshot(c, "recapito-isolamento").await;
    }
    let token = csrf(c).await?;
    let (status, html) = answer(
        c,
        console,
        &delete,
        Some(&[("csrf", token.as_str()), ("conferma", "si")]),
    )
    .await?;
    assert_eq!(status, 403, "{html}");

    // The sent messages filtered by their configuration: refused, none of their messages.
    let messages = &theirs.messages_page;
    c.goto(&format!("{console}{messages}")).await?;
    heading_is(c, "Messaggi inviati").await;
    refused_as_not_yours(c, "the sent messages filtered by their configuration").await?;
    assert!(
        c.find_all(Locator::Css("main table")).await?.is_empty(),
        "no table of messages"
    );
    theirs.absent_from(
        &c.source().await?,
        Some(messages),
        &format!("{who}: {messages}"),
    );
    accessible(c, axe, "Messaggi inviati, configurazione di un altro ente").await;
    let (status, html) = answer(c, console, messages, None).await?;
    assert_eq!(status, 403, "{html}");
    Ok(())
}

async fn walk(c: &Client, env: &dev_stack::DevEnv, axe: &str) -> Result<(), CmdError> {
    let console = &env.console_url;
    let prova = env
        .second_entity
        .as_ref()
        .expect("the dev world's second entity");
    assert_eq!(prova.name, "Comune di Prova");
    let (target, other) = (
        env.configurations.interop_voucher.clone(),
        env.configurations.api_key.clone(),
    );
    let provider = &env.mock_provider_url;

    // Comune di Esempio connects the console and notes one of its configurations and messages.
    sign_in(c, console, "Admin Comune di Esempio").await?;
    let done = connect_console(c, None).await?;
    assert!(done.contains("Console collegata"), "{done}");
    heading_is(c, CONFIGURATIONS).await;
    let main = main_text(c).await?;
    assert!(main.contains(&target) && main.contains(&other), "{main}");
    let link = c
        .find(Locator::XPath(&format!(
            "//table//tr[td/code[normalize-space(.)='{target}']]/th//a"
        )))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, "Modifica la configurazione").await;
    let configuration_page = address(c).await?;
    let base_url = c
        .find(Locator::Id("f-prod_url"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(base_url, Some(format!("{provider}/rc-interop")));
    open_page(c, "Messaggi inviati", "Messaggi inviati").await?;
    c.find(Locator::Id("f-configurazione"))
        .await?
        .select_by_value(&target)
        .await?;
    let button = c
        .find(Locator::XPath("//button[normalize-space(.)='Filtra']"))
        .await?;
    click_to_next_page(c, button).await?;
    heading_is(c, "Messaggi inviati").await;
    let messages_page = address(c).await?;
    assert!(messages_page.contains(&target), "{messages_page}");
    let table = c.find(Locator::Css("main table")).await?.text().await?;
    assert!(table.contains(SUBJECT), "{table}");
    sign_out(c).await?;
    let theirs = Theirs {
        ids: [target.clone(), other.clone()],
        base_urls: [format!("{provider}/rc-interop"), format!("{provider}/rc")],
        configuration_page,
        messages_page,
    };

    // Comune di Prova's administrator: not connected, nothing to call the gateway with.
    sign_in(c, console, "Admin Comune di Prova").await?;
    c.goto(&format!("{console}{}", theirs.configuration_page))
        .await?;
    let main = main_text(c).await?;
    assert!(main.contains("RECAPITO_NOT_CONNECTED"), "{main}");
    theirs.absent_from(
        &c.source().await?,
        Some(&theirs.configuration_page),
        "not connected",
    );

    // Connected, by clicks, to Comune di Prova's own client: its lists hold nothing of theirs.
    let done = connect_console(c, None).await?;
    assert!(done.contains("Console collegata"), "{done}");
    heading_is(c, CONFIGURATIONS).await;
    let main = main_text(c).await?;
    assert!(main.contains("Nessuna configurazione."), "{main}");
    theirs.absent_from(&c.source().await?, None, "Comune di Prova's configurations");
    open_page(c, "Collega la console", "Collega la console").await?;
    let status = c.find(Locator::Css("main p.status")).await?.text().await?;
    assert!(status.contains(&prova.client_id), "{status}");
    assert!(!status.contains(&env.sender.client_id), "{status}");
    let messages = sent_messages(c, None).await?;
    assert!(
        messages.contains("Nessun messaggio inviato con questi filtri."),
        "{messages}"
    );
    theirs.absent_from(&c.source().await?, None, "Comune di Prova's sent messages");
    attacks_fail(c, console, &theirs, axe, "Admin Comune di Prova").await?;
    sign_out(c).await?;

    // Its API operator, on the same connection: the same refusals.
    sign_in(c, console, "Operatore API Comune di Prova").await?;
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let main = main_text(c).await?;
    assert!(main.contains("Nessuna configurazione."), "{main}");
    theirs.absent_from(
        &c.source().await?,
        None,
        "the API operator's configurations",
    );
    let messages = sent_messages(c, None).await?;
    assert!(
        messages.contains("Nessun messaggio inviato con questi filtri."),
        "{messages}"
    );
    attacks_fail(c, console, &theirs, axe, "Operatore API Comune di Prova").await?;
    sign_out(c).await?;

    // Its security operator: no Recapito in the navigation, every page of it refused.
    sign_in(c, console, "Operatore di sicurezza Comune di Prova").await?;
    assert!(
        c.find_all(Locator::XPath("//nav//a[@href='/recapito']"))
            .await?
            .is_empty(),
        "no Recapito entry for a security operator"
    );
    for page in [
        "/recapito".to_owned(),
        "/recapito/configurazioni".to_owned(),
        theirs.configuration_page.clone(),
        theirs.messages_page.clone(),
    ] {
        c.goto(&format!("{console}{page}")).await?;
        heading_is(c, "Accesso negato").await;
        theirs.absent_from(&c.source().await?, Some(&page), &page);
        let (status, _) = answer(c, console, &page, None).await?;
        assert_eq!(status, 403, "{page}");
    }
    // A forged deletion, with the session's own CSRF token: refused for the role first.
    let token = csrf(c).await?;
    let (status, html) = answer(
        c,
        console,
        &format!("{}/elimina", theirs.configuration_page),
        Some(&[("csrf", token.as_str()), ("conferma", "si")]),
    )
    .await?;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("ROLE_REQUIRED"), "{html}");
    sign_out(c).await?;

    // Comune di Esempio: its configurations intact (the name and address of the one aimed at),
    // its messages still there.
    sign_in(c, console, "Admin Comune di Esempio").await?;
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let main = main_text(c).await?;
    assert!(
        main.contains(&target) && main.contains(&other) && !main.contains("Rubata"),
        "{main}"
    );
    c.find(Locator::XPath(&format!(
        "//table//tr[td/code[normalize-space(.)='{target}']]/th//a"
    )))
    .await?
    .click()
    .await?;
    heading_is(c, "Modifica la configurazione").await;
    let name = c.find(Locator::Id("f-nome")).await?.prop("value").await?;
    assert_eq!(name.as_deref(), Some(CONFIGURATION_NAME));
    let base_url = c
        .find(Locator::Id("f-prod_url"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(base_url, Some(format!("{provider}/rc-interop")));
    let messages = sent_messages(c, None).await?;
    for subject in SUBJECTS {
        assert!(messages.contains(subject), "{subject} in {messages}");
    }
    Ok(())
}
