//! "Vista del cittadino": a tester picks a citizen and sees what the IO app would show them, from
//! one of two sources ([`Source`]), with the same page code: on the development stack
//! (`citizen_view = "dev"`) the gateway's app API called as IO's app backend calls it (the
//! console's `app_api_key`, the citizen's `fiscal_code` header), for any fiscal code and any
//! signed-in user; in production (`citizen_view = "test_users"`) the gateway's preview
//! (`/api/v1/test-users/{fiscal_code}`) with the vouchers of the signed-in user's entity (its
//! console connected on "Recapito"), for its administrators and API operators, offering only the
//! test users of its configurations (the gateway refuses any other fiscal code and shows only
//! the entity's own messages). Both show the inbox paged as the app API pages it, a message with its precondition first ("Continua"),
//! then its details with the entity's markdown rendered safely and its attachments, each
//! downloadable through the console. For every call the console made, the page says what
//! happened: HTTP status, time taken, the gateway's verdict, and for a refusal its code with a
//! sentence in both languages ([`SENTENCES`]). The routes exist only when configured; `dev` is
//! refused off localhost.

use crate::config::CitizenView;
use crate::recapito;
use crate::session::{Lang, User};
use crate::web::{layout, signed_in, signed_in_as};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, PreEscaped, html};
use provider_sdk::client::GatewayClient;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Messages a page of the inbox (the app API's `page_size`).
const PER_PAGE: u32 = 10;

/// The largest attachment the console passes on (the gateway's own limit is lower by default).
pub const ATTACHMENT_CAP: usize = 30 * 1024 * 1024;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/cittadino", get(inbox))
        .route("/cittadino/messaggi/{id}", get(message))
        .route("/cittadino/messaggi/{id}/allegati/{*url}", get(attachment))
}

/// The gateway's codes the app API answers with, as sentences (Italian, English).
/// `tests::the_sentences_follow_the_gateways_code_table` holds it to the gateway's table.
pub const SENTENCES: &[(&str, &str, &str)] = &[
    (
        "INVALID_PATH",
        "Un parametro del percorso non è valido (per esempio non è un ULID).",
        "A path parameter is malformed (e.g. not a ULID).",
    ),
    (
        "INVALID_QUERY",
        "Un parametro della richiesta non è valido o è fuori dai limiti.",
        "A query parameter is malformed or out of bounds.",
    ),
    (
        "INVALID_BODY",
        "Il corpo della richiesta non è il JSON atteso.",
        "The request body is not the expected JSON.",
    ),
    (
        "VALIDATION_FAILED",
        "Un campo manca, è malformato o fuori dai limiti.",
        "A field is missing, malformed or out of bounds.",
    ),
    (
        "FISCAL_CODE_HEADER_MISSING",
        "Manca il codice fiscale del cittadino (intestazione fiscal_code).",
        "The citizen's fiscal code is missing (fiscal_code header).",
    ),
    (
        "FISCAL_CODE_HEADER_INVALID",
        "Il codice fiscale indicato non è un codice fiscale valido.",
        "The fiscal code given is not a valid fiscal code.",
    ),
    (
        "APP_KEY_MISSING",
        "La console non ha inviato la chiave dell'app API.",
        "The console sent no app API key.",
    ),
    (
        "APP_KEY_INVALID",
        "La chiave dell'app API della console non è tra quelle configurate nel gateway.",
        "The console's app API key is not one of the gateway's configured keys.",
    ),
    (
        "MESSAGE_NOT_FOUND",
        "Il messaggio non esiste o non è di questo cittadino.",
        "The message does not exist or is not this citizen's.",
    ),
    (
        "ROUTE_NOT_FOUND",
        "Il gateway non ha questo indirizzo.",
        "The gateway has no such endpoint.",
    ),
    (
        "METHOD_NOT_ALLOWED",
        "Il gateway non accetta questo metodo qui.",
        "The gateway does not accept this method here.",
    ),
    (
        "PAYLOAD_TOO_LARGE",
        "La richiesta è più grande del consentito.",
        "The request is larger than allowed.",
    ),
    (
        "NOT_A_REMOTE_CONTENT_MESSAGE",
        "Il messaggio non ha contenuto remoto: non c'è nulla da chiedere all'ente.",
        "The message has no remote content: there is nothing to fetch from the entity.",
    ),
    (
        "ATTACHMENT_NOT_LISTED",
        "L'allegato non è tra quelli che l'ente elenca per il messaggio.",
        "The attachment is not among those the entity lists for the message.",
    ),
    (
        "NOT_A_TEST_USER",
        "È configurato solo l'ambiente di test e il cittadino non è tra i suoi utenti di test.",
        "Only a test environment is configured and the citizen is not one of its test users.",
    ),
    (
        "NOT_YOUR_TEST_USER",
        "Questo codice fiscale non è tra gli utenti di test delle configurazioni del tuo ente: aggiungilo all'ambiente di test di una configurazione in Recapito → Configurazioni.",
        "This fiscal code is not one of the test users of your entity's configurations: add it to a configuration's test environment in Recapito → Configurations.",
    ),
    (
        "LOLLIPOP_HEADERS_MISSING",
        "La configurazione richiede lollipop per questo cittadino e mancano le intestazioni lollipop.",
        "The configuration enables lollipop for this citizen and the lollipop headers are missing.",
    ),
    (
        "LOLLIPOP_HEADERS_INVALID",
        "Un'intestazione lollipop è malformata.",
        "A lollipop header is malformed.",
    ),
    (
        "CONFIGURATION_GONE",
        "L'ente ha cancellato la configurazione del contenuto remoto di questo messaggio.",
        "The entity deleted this message's remote-content configuration.",
    ),
    (
        "ENTITY_BAD_REQUEST",
        "L'ente ha risposto 400 (richiesta non valida).",
        "The entity answered 400 (bad request).",
    ),
    (
        "ENTITY_FORBIDDEN",
        "L'ente ha risposto 403 (accesso negato).",
        "The entity answered 403 (forbidden).",
    ),
    (
        "ENTITY_NOT_FOUND",
        "L'ente ha risposto 404 (non trovato).",
        "The entity answered 404 (not found).",
    ),
    (
        "ENTITY_TOO_MANY_REQUESTS",
        "L'ente ha risposto 429 (troppe richieste).",
        "The entity answered 429 (too many requests).",
    ),
    (
        "ENTITY_UNAVAILABLE",
        "L'ente ha risposto 503 (non disponibile); il suo Retry-After è riportato.",
        "The entity answered 503 (unavailable); its Retry-After is passed on.",
    ),
    (
        "ENTITY_UNAUTHORIZED",
        "L'ente ha rifiutato le credenziali del gateway (401).",
        "The entity refused the gateway's credentials (401).",
    ),
    (
        "ENTITY_ERROR",
        "L'ente ha risposto con un errore 5xx.",
        "The entity answered with a 5xx error.",
    ),
    (
        "ENTITY_REDIRECT",
        "L'ente ha risposto con un reindirizzamento, che il gateway non segue mai.",
        "The entity answered with a redirect, which the gateway never follows.",
    ),
    (
        "ENTITY_UNEXPECTED_STATUS",
        "L'ente ha risposto con uno stato che il contratto non prevede.",
        "The entity answered with a status the contract does not have.",
    ),
    (
        "ENTITY_UNREACHABLE",
        "L'ente non è raggiungibile (connessione rifiutata o interrotta).",
        "The entity could not be reached (connection refused or reset).",
    ),
    (
        "ENTITY_ADDRESS_NOT_ALLOWED",
        "L'indirizzo dell'ente non è pubblico e non è tra quelli consentiti: nessuna connessione tentata.",
        "The entity's address is not public and not allowed: no connection was attempted.",
    ),
    (
        "ENTITY_TIMEOUT",
        "L'ente non ha risposto in tempo.",
        "The entity did not answer in time.",
    ),
    (
        "ENTITY_INVALID_RESPONSE",
        "La risposta dell'ente non è il JSON del contratto.",
        "The entity's answer is not the JSON of the contract.",
    ),
    (
        "ENTITY_RESPONSE_TOO_LARGE",
        "La risposta dell'ente è più grande del consentito.",
        "The entity's answer is larger than allowed.",
    ),
    (
        "ENTITY_BUSY",
        "Troppe richieste verso questo ente sono in corso; riprova.",
        "Too many requests to this entity are in flight; retry.",
    ),
    (
        "ATTACHMENT_VALIDATION_BUSY",
        "Tutti i posti per la verifica dei PDF sono occupati; riprova.",
        "Every PDF validation slot is busy; retry.",
    ),
    (
        "ENTITY_CIRCUIT_OPEN",
        "L'ente ha fallito ripetutamente: il gateway sospende le chiamate; riprova più tardi.",
        "The entity failed repeatedly: the gateway pauses calls to it; retry later.",
    ),
    (
        "VOUCHER_REFUSED",
        "Interop ha rifiutato al gateway il voucher per la finalità configurata.",
        "Interop refused the gateway a voucher for the configured purpose.",
    ),
    (
        "INTEROP_UNAVAILABLE",
        "Il servizio token di Interop non è raggiungibile.",
        "Interop's token endpoint could not be reached.",
    ),
    (
        "ATTACHMENTS_NOT_PRESENT",
        "Il messaggio dichiara allegati (has_attachments) ma l'ente non ne ha inviati.",
        "The message declares attachments (has_attachments) but the entity sent none.",
    ),
    (
        "REMOTE_CONTENT_NOT_PRESENT",
        "Il messaggio dichiara contenuto remoto (has_remote_content) ma l'ente non ha inviato i dettagli.",
        "The message declares remote content (has_remote_content) but the entity sent no details.",
    ),
    (
        "SUBJECT_VALIDATION_ERROR",
        "L'oggetto inviato dall'ente non è lungo da 10 a 120 caratteri.",
        "The entity's subject is not 10 to 120 characters long.",
    ),
    (
        "MARKDOWN_VALIDATION_ERROR",
        "Il testo (markdown) inviato dall'ente non è lungo da 80 a 10000 caratteri.",
        "The entity's markdown is not 80 to 10000 characters long.",
    ),
    (
        "MARKDOWN_UNSAFE",
        "Il testo (markdown) dell'ente contiene HTML o un link che l'app non può aprire in sicurezza.",
        "The entity's markdown holds raw HTML or a link the app cannot open safely.",
    ),
    (
        "PRECONDITION_VALIDATION_ERROR",
        "La precondizione dell'ente non ha titolo o testo, o contiene markdown non sicuro.",
        "The entity's precondition lacks a title or markdown, or holds unsafe markdown.",
    ),
    (
        "ATTACHMENT_METADATA_INVALID",
        "L'id, il nome, il tipo, l'url o la categoria di un allegato non rispettano il contratto.",
        "An attachment's id, name, content type, url or category breaks the contract.",
    ),
    (
        "ATTACHMENT_NOT_PDF",
        "L'allegato non è un PDF leggibile.",
        "The attachment is not a readable PDF.",
    ),
    (
        "ATTACHMENT_ENCRYPTED",
        "L'allegato è cifrato.",
        "The attachment is encrypted.",
    ),
    (
        "ATTACHMENT_NOT_PDFA",
        "L'allegato non è conforme a PDF/A-2: il dettaglio indica la prima regola violata (veraPDF).",
        "The attachment does not conform to PDF/A-2: the detail names the first broken rule (veraPDF).",
    ),
    (
        "ATTACHMENT_TOO_COMPLEX",
        "Verificare l'allegato richiederebbe più tempo o memoria di quanto consentito.",
        "Checking the attachment would take more time or memory than allowed.",
    ),
    (
        "STORE_UNAVAILABLE",
        "L'archivio del gateway non è raggiungibile; riprova.",
        "The gateway's store cannot be reached; retry.",
    ),
    (
        "GATEWAY_UNREACHABLE",
        "La console non riesce a raggiungere il gateway.",
        "The console cannot reach the gateway.",
    ),
    (
        "ATTACHMENT_TOO_LARGE_FOR_CONSOLE",
        "L'allegato supera il limite della console.",
        "The attachment exceeds the console's limit.",
    ),
];

/// The gateway's codes that only the sending side (vouchers, submission, configurations) can
/// answer: the app API never does, so they have no sentence here.
pub const NOT_APP_CODES: &[&str] = &[
    "CONFIGURATION_ID_REQUIRED",
    "ADVANCED_REQUIRED",
    "IDEMPOTENCY_KEY_INVALID",
    "IDEMPOTENCY_KEY_REUSED",
    "VOUCHER_MISSING",
    "VOUCHER_MALFORMED",
    "VOUCHER_ALG_NOT_ALLOWED",
    "VOUCHER_UNKNOWN_KID",
    "VOUCHER_SIGNATURE_INVALID",
    "VOUCHER_EXPIRED",
    "VOUCHER_NOT_YET_VALID",
    "VOUCHER_AUDIENCE_INVALID",
    "VOUCHER_ISSUER_INVALID",
    "VOUCHER_CLAIMS_MISSING",
    "VOUCHER_ESERVICE_NOT_ALLOWED",
    "NOT_YOUR_CONFIGURATION",
    "CONFIGURATION_NOT_FOUND",
    "JWKS_UNAVAILABLE",
    "PROBE_LIMITED",
    "PROBE_UNAVAILABLE",
];

/// The sentence of `code`: the app API's ([`SENTENCES`]), else the entity API's and the token
/// endpoint's (the preview is called with the entity's vouchers: "Recapito"'s sentences), else a
/// generic one.
pub fn sentence(code: &str, l: Lang) -> &'static str {
    match SENTENCES.iter().find(|(c, _, _)| *c == code) {
        Some((_, it, en)) => l.t(it, en),
        None => recapito::sentence(code, l),
    }
}

/// Whether the page is open to `user` (the nav shows it): with `dev` every signed-in user, with
/// `test_users` an entity's administrators and API operators ("Recapito"'s roles).
pub fn shown_to(config: &crate::Config, user: Option<&User>) -> bool {
    config.citizen_view_on()
        && (config.citizen_view == CitizenView::Dev
            || user
                .is_some_and(|u| u.tenant_id.is_some() && crate::web::has_role(u, recapito::ROLES)))
}

/// Where the page's answers come from: one call, two sources.
pub enum Source {
    /// The gateway's app API as IO's app backend calls it (`citizen_view = "dev"`).
    App,
    /// The gateway's preview of the entity's test users (`citizen_view = "test_users"`), with
    /// the signed-in user's entity's vouchers.
    TestUsers(Arc<GatewayClient>),
}

impl Source {
    /// `GET` of an app API `path` (`messages?…`, `messages/{id}`, `third-party-messages/…`) for
    /// citizen `fc`: under `/api/communication/v1/` with the app key, or under
    /// `/api/v1/test-users/{fc}/` with a voucher (asked again once if the gateway refuses it).
    async fn get(&self, st: &AppState, what: String, fc: &str, path: &str) -> Call {
        let base = st.config.gateway_url.as_deref().unwrap_or_default();
        let base = base.trim_end_matches('/');
        match self {
            Source::App => {
                let url = format!("{base}/api/communication/v1/{path}");
                let req = http()
                    .get(url)
                    .bearer_auth(&st.config.app_api_key)
                    .header("fiscal_code", fc);
                send(what, req).await
            }
            Source::TestUsers(gateway) => {
                let url = format!(
                    "{base}/api/v1/test-users/{}/{path}",
                    crate::engine::encode(fc)
                );
                let mut attempt = 0;
                loop {
                    let start = Instant::now();
                    let voucher = match gateway.voucher().await {
                        Ok(v) => v,
                        Err(e) => {
                            return Call {
                                what,
                                status: e.status().unwrap_or(502),
                                took: start.elapsed(),
                                refusal: Some((e.code().to_owned(), String::new())),
                                headers: Default::default(),
                                body: Default::default(),
                            };
                        }
                    };
                    let call = send(what.clone(), http().get(&url).bearer_auth(voucher)).await;
                    if call.status == 401 && attempt == 0 {
                        gateway.forget_voucher().await;
                        attempt += 1;
                        continue;
                    }
                    return call;
                }
            }
        }
    }

    /// Who the calls are made as, for the calls' table.
    fn caption(&self, l: Lang) -> &'static str {
        match self {
            Source::App => l.t(
                "Chiamate della console all'app API del gateway",
                "The console's calls to the gateway's app API",
            ),
            Source::TestUsers(_) => l.t(
                "Chiamate della console all'anteprima degli utenti di test del gateway, con il voucher del tuo ente",
                "The console's calls to the gateway's test users' preview, with your entity's voucher",
            ),
        }
    }
}

/// The signed-in visitor and the page's source; otherwise the page to show instead (sign-in,
/// a role that may not, a console not connected to the entity's client).
async fn open(st: &AppState, headers: &HeaderMap) -> Result<(Visit, Source), Response> {
    if st.config.citizen_view != CitizenView::TestUsers {
        return signed_in(st, headers)
            .map(|(visit, _)| (visit, Source::App))
            .map_err(|r| *r);
    }
    let (visit, user) = signed_in_as(st, headers, recapito::ROLES).map_err(|r| *r)?;
    match recapito::gateway(st, &user) {
        Ok(g) => Ok((visit, Source::TestUsers(g))),
        Err(p) => {
            let l = visit.session.lang;
            let status = crate::web::refusal_status(p.status);
            let page = layout(
                l.t("Vista del cittadino", "Citizen's view"),
                &visit,
                "/cittadino",
                html! {
                    h1 { (l.t("Vista del cittadino", "Citizen's view")) }
                    (recapito::problem_box(&p, l))
                    p {
                        (l.t("La vista del cittadino mostra ciò che l'app mostrerebbe agli utenti di test del tuo ente, tramite il gateway con un voucher del tuo ente: serve la console collegata al client del tuo ente.",
                             "The citizen's view shows what the app would show your entity's test users, through the gateway with a voucher of your entity: the console must be connected to your entity's client."))
                    }
                    p { a href=(recapito::ROOT) { (l.t("Vai a Recapito", "Go to Recapito")) } }
                },
            );
            Err(visit.finish(st, (status, page)))
        }
    }
}

/// The link schemes the gateway lets through (`gateway::domain::remote`'s policy).
const SAFE_SCHEMES: &[&str] = &["https", "http", "mailto", "tel", "ioit"];

/// Whether a link target is one the gateway allows: a safe scheme, or relative.
fn safe_link(url: &str) -> bool {
    let url = url.trim();
    match url.split_once(':') {
        None => true,
        Some((scheme, _)) => {
            let plain = scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if plain {
                SAFE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
            } else {
                url.starts_with('/') || url.starts_with('#') || url.starts_with('?')
            }
        }
    }
}

/// `text` with `& < > " '` escaped for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The entity's markdown as HTML, with the gateway's policy applied even if the gateway let
/// something through: raw HTML is shown as text (escaped), images are replaced by their text
/// (nothing is loaded from elsewhere; the CSP would block it anyway), links with an unsafe scheme
/// (`javascript:`, `data:`…) become plain text, and the others open with
/// `rel="noopener noreferrer"`.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
    let mut open_links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    )
    .filter_map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Link {
            dest_url, title, ..
        }) => {
            if safe_link(&dest_url) {
                open_links.push(true);
                let title = if title.is_empty() {
                    String::new()
                } else {
                    format!(" title=\"{}\"", escape(&title))
                };
                Some(Event::InlineHtml(CowStr::from(format!(
                    "<a href=\"{}\"{title} rel=\"noopener noreferrer\">",
                    escape(dest_url.trim())
                ))))
            } else {
                open_links.push(false);
                None
            }
        }
        Event::End(TagEnd::Link) => match open_links.pop() {
            Some(true) => Some(Event::InlineHtml(CowStr::from("</a>"))),
            _ => None,
        },
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn http() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client")
    })
}

/// One call the console made to the gateway's app API, and what happened.
pub struct Call {
    /// What was asked, for the page ("Precondizione", "Dettagli", "Allegato …").
    pub what: String,
    pub status: u16,
    pub took: Duration,
    /// The refusal's code and detail (problem+json), when it was refused.
    pub refusal: Option<(String, String)>,
    pub headers: reqwest::header::HeaderMap,
    pub body: axum::body::Bytes,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
}

/// Sends `req` (a `GET` to the gateway) and reads its answer into a [`Call`], the body capped
/// at [`ATTACHMENT_CAP`].
async fn send(what: String, req: reqwest::RequestBuilder) -> Call {
    let start = Instant::now();
    let sent = req.send().await;
    let unreachable = |what: String, e: String, took| Call {
        what,
        status: 502,
        took,
        refusal: Some(("GATEWAY_UNREACHABLE".into(), e)),
        headers: Default::default(),
        body: Default::default(),
    };
    let answer = match sent {
        Ok(a) => a,
        Err(e) => return unreachable(what, e.to_string(), start.elapsed()),
    };
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    if answer
        .content_length()
        .is_some_and(|n| n > ATTACHMENT_CAP as u64)
    {
        return Call {
            what,
            status,
            took: start.elapsed(),
            refusal: Some((
                "ATTACHMENT_TOO_LARGE_FOR_CONSOLE".into(),
                format!("more than {ATTACHMENT_CAP} bytes"),
            )),
            headers,
            body: Default::default(),
        };
    }
    // Read by chunks, so that an answer without Content-Length is capped too.
    let mut answer = answer;
    let mut buf = Vec::new();
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > ATTACHMENT_CAP {
                    return Call {
                        what,
                        status,
                        took: start.elapsed(),
                        refusal: Some((
                            "ATTACHMENT_TOO_LARGE_FOR_CONSOLE".into(),
                            format!("more than {ATTACHMENT_CAP} bytes"),
                        )),
                        headers,
                        body: Default::default(),
                    };
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return unreachable(what, e.to_string(), start.elapsed()),
        }
    }
    let body = axum::body::Bytes::from(buf);
    let took = start.elapsed();
    let refusal = (status >= 400).then(|| {
        let p: Problem = serde_json::from_slice(&body).unwrap_or(Problem {
            code: format!("HTTP_{status}"),
            detail: String::from_utf8_lossy(&body).chars().take(300).collect(),
        });
        (p.code, p.detail)
    });
    Call {
        what,
        status,
        took,
        refusal,
        headers,
        body,
    }
}

/// The `fiscal_code` query parameter, upper-cased and trimmed.
fn citizen_param(params: &HashMap<String, String>) -> String {
    params
        .get("cf")
        .map(|s| s.trim().to_ascii_uppercase())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct InboxItem {
    id: String,
    created_at: String,
    #[serde(default)]
    message_title: Option<String>,
    #[serde(default)]
    organization_name: Option<String>,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    has_attachments: Option<bool>,
    #[serde(default)]
    has_precondition: Option<bool>,
    #[serde(default)]
    is_read: Option<bool>,
    #[serde(default)]
    is_archived: Option<bool>,
}

#[derive(Deserialize)]
struct InboxPage {
    items: Vec<InboxItem>,
    #[serde(default)]
    next: Option<String>,
}

fn intro(source: &Source, l: Lang) -> Markup {
    html! {
        p class="hint" {
            @match source {
                Source::App => {
                    (l.t(
                        "Solo ambiente di sviluppo: la console chiama l'app API del gateway come farebbe il backend dell'app IO, con la propria chiave, per il cittadino scelto. Ogni utente autenticato può usare questa pagina.",
                        "Development environment only: the console calls the gateway's app API as IO's app backend would, with its own key, for the citizen chosen. Every signed-in user may use this page.",
                    ))
                }
                Source::TestUsers(_) => {
                    (l.t(
                        "Ciò che l'app IO mostrerebbe a un utente di test delle configurazioni del tuo ente: solo i messaggi inviati dal tuo ente, con i controlli del gateway. La console chiama l'anteprima del gateway con un voucher del tuo ente; leggere un messaggio qui non lo segna come letto.",
                        "What the IO app would show a test user of your entity's configurations: only the messages your entity sent, with the gateway's checks. The console calls the gateway's preview with a voucher of your entity; reading a message here does not mark it read.",
                    ))
                }
            }
        }
    }
}

/// The citizens the page offers.
enum Choices {
    /// The demo world's (`dev_citizens`); any fiscal code may be typed.
    Dev,
    /// The test users of the entity's configurations: (fiscal code, the configurations' names).
    TestUsers(Vec<(String, String)>),
    /// The entity's configurations could not be read.
    Unavailable(recapito::Problem),
}

/// The test users of `configurations`, each once, with the names of the configurations that
/// list it, by fiscal code.
fn test_users(configurations: &[provider_sdk::contract::RcConfiguration]) -> Vec<(String, String)> {
    let mut users: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for c in configurations {
        if let Some(t) = &c.configuration.test_environment {
            for fc in &t.test_users {
                let names = users.entry(fc.to_ascii_uppercase()).or_default();
                if !names.contains(&c.configuration.name) {
                    names.push(c.configuration.name.clone());
                }
            }
        }
    }
    users
        .into_iter()
        .map(|(fc, names)| (fc, names.join(", ")))
        .collect()
}

fn archived_field(l: Lang, archived: bool) -> Markup {
    html! {
        div class="field" {
            label for="archiviati" { (l.t("Messaggi", "Messages")) }
            select id="archiviati" name="archiviati" {
                option value="no" selected[!archived] { (l.t("In arrivo", "Inbox")) }
                option value="si" selected[archived] { (l.t("Archiviati", "Archived")) }
            }
        }
    }
}

fn picker(st: &AppState, choices: &Choices, l: Lang, fc: &str, archived: bool) -> Markup {
    let users = match choices {
        Choices::Dev => {
            return html! {
                form method="get" action="/cittadino" class="cittadino-scelta" {
                    div class="field" {
                        label for="cf" { (l.t("Codice fiscale del cittadino", "Citizen's fiscal code")) }
                        input id="cf" name="cf" type="text" value=(fc) required maxlength="16"
                            autocomplete="off" list="cittadini-dev" aria-describedby="cf-hint";
                        p class="hint" id="cf-hint" {
                            (l.t("Scrivi un codice fiscale o scegline uno del mondo di prova:", "Type a fiscal code or pick one of the demo world's:"))
                            " "
                            @for (i, c) in st.config.dev_citizens.iter().enumerate() {
                                @if i > 0 { ", " }
                                a href={ "/cittadino?cf=" (crate::engine::encode(c)) } { code { (c) } }
                            }
                        }
                        datalist id="cittadini-dev" {
                            @for c in &st.config.dev_citizens { option value=(c) {} }
                        }
                    }
                    (archived_field(l, archived))
                    div class="actions" {
                        button type="submit" { (l.t("Apri la casella del cittadino", "Open the citizen's inbox")) }
                    }
                }
            };
        }
        Choices::Unavailable(p) => return recapito::problem_box(p, l),
        Choices::TestUsers(users) => users,
    };
    if users.is_empty() {
        return html! {
            p class="vuoto" {
                (l.t("Le configurazioni del tuo ente non hanno utenti di test. Aggiungine uno all'ambiente di test di una configurazione in ",
                     "Your entity's configurations have no test users. Add one to a configuration's test environment in "))
                a href="/recapito/configurazioni" { (l.t("Recapito → Configurazioni", "Recapito → Configurations")) }
                "."
            }
        };
    }
    html! {
        form method="get" action="/cittadino" class="cittadino-scelta" {
            div class="field" {
                label for="cf" { (l.t("Utente di test", "Test user")) }
                select id="cf" name="cf" required aria-describedby="cf-hint" {
                    option value="" selected[fc.is_empty()] { (l.t("Scegli un utente di test", "Choose a test user")) }
                    @for (c, names) in users {
                        option value=(c) selected[c == fc] { (c) " — " (names) }
                    }
                }
                p class="hint" id="cf-hint" {
                    (l.t("Solo gli utenti di test delle configurazioni del tuo ente (ambiente di test).",
                         "Only the test users of your entity's configurations (test environment)."))
                }
            }
            (archived_field(l, archived))
            div class="actions" {
                button type="submit" { (l.t("Apri la casella dell'utente di test", "Open the test user's inbox")) }
            }
        }
    }
}

/// The veraPDF rule id (`6.1.3-1`) an ATTACHMENT_NOT_PDFA detail starts with.
pub fn pdfa_clause<'a>(code: &str, detail: &'a str) -> Option<&'a str> {
    if code != "ATTACHMENT_NOT_PDFA" {
        return None;
    }
    let first = detail
        .split_whitespace()
        .next()?
        .trim_end_matches([':', ',']);
    let shaped = first.starts_with(|c: char| c.is_ascii_digit())
        && first.contains('.')
        && first
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    shaped.then_some(first)
}

/// The calls' table: what was asked, status, time, the gateway's verdict, code and meaning.
fn calls_table(source: &Source, calls: &[Call], l: Lang) -> Markup {
    html! {
        div class="table-scroll" tabindex="0" role="region" aria-labelledby="chiamate-caption" {
            table class="chiamate" {
                caption id="chiamate-caption" { (source.caption(l)) }
                thead {
                    tr {
                        th scope="col" { (l.t("Chiamata", "Call")) }
                        th scope="col" { (l.t("Stato HTTP", "HTTP status")) }
                        th scope="col" { (l.t("Durata", "Time")) }
                        th scope="col" { (l.t("Esito del gateway", "The gateway's verdict")) }
                    }
                }
                tbody {
                    @for c in calls {
                        tr {
                            th scope="row" { (c.what) }
                            td class="num" { (c.status) }
                            td class="num" { (c.took.as_millis()) " ms" }
                            td {
                                @match &c.refusal {
                                    None if c.status == 204 => { (l.t("Nessuna precondizione da mostrare", "No precondition to show")) }
                                    None => { span class="esito-ok" { (l.t("Superata: ogni controllo è passato", "Passed: every check succeeded")) } }
                                    Some((code, detail)) => {
                                        p class="esito-ko" { strong { (l.t("Rifiutata", "Refused")) } ": " code { (code) } }
                                        p { span lang="it" { (sentence(code, Lang::It)) } }
                                        p { span lang="en" { (sentence(code, Lang::En)) } }
                                        @if let Some(rule) = pdfa_clause(code, detail) {
                                            p { (l.t("Regola PDF/A-2 violata (veraPDF)", "PDF/A-2 rule broken (veraPDF)")) ": " code class="regola" { (rule) } }
                                        }
                                        @if !detail.is_empty() {
                                            p class="dettaglio" { (l.t("Dettaglio", "Detail")) ": " (detail) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn not_found(st: &AppState, visit: &Visit, source: &Source, l: Lang, call: &Call) -> Response {
    let (code, detail) = call
        .refusal
        .clone()
        .unwrap_or_else(|| ("HTTP_502".into(), String::new()));
    let page = layout(
        l.t("Vista del cittadino", "Citizen's view"),
        visit,
        "/cittadino",
        html! {
            h1 { (l.t("Vista del cittadino", "Citizen's view")) }
            div class="error" role="alert" {
                p { (sentence(&code, l)) }
                p class="code" { (l.t("Codice", "Code")) ": " code { (code) } }
                @if !detail.is_empty() { p { (detail) } }
            }
            (calls_table(source, std::slice::from_ref(call), l))
            p { a href="/cittadino" { (l.t("Torna alla vista del cittadino", "Back to the citizen's view")) } }
        },
    );
    let status = crate::web::refusal_status(call.status);
    visit.finish(st, (status, page))
}

async fn inbox(
    State(st): St,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (visit, source) = match open(&st, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let l = visit.session.lang;
    let fc = citizen_param(&params);
    let archived = params.get("archiviati").is_some_and(|v| v == "si");
    let choices = match &source {
        Source::App => Choices::Dev,
        Source::TestUsers(g) => match g.configurations().await {
            Ok(cs) => Choices::TestUsers(test_users(&cs)),
            Err(e) => Choices::Unavailable(e.into()),
        },
    };
    let mut body = html! {
        h1 { (l.t("Vista del cittadino", "Citizen's view")) }
        (intro(&source, l))
        (picker(&st, &choices, l, &fc, archived))
    };
    if !fc.is_empty() {
        let mut path =
            format!("messages?enrich_result_data=true&page_size={PER_PAGE}&archived={archived}");
        let before = params.get("prima_di").filter(|s| !s.is_empty());
        if let Some(id) = before {
            path.push_str(&format!("&maximum_id={}", crate::engine::encode(id)));
        }
        let call = source
            .get(&st, l.t("Casella", "Inbox").into(), &fc, &path)
            .await;
        let page: Option<InboxPage> = if call.refusal.is_none() {
            serde_json::from_slice(&call.body).ok()
        } else {
            None
        };
        let cf = crate::engine::encode(&fc);
        let archiviati = if archived { "si" } else { "no" };
        body = html! {
            (body)
            h2 { (l.t("Messaggi di", "Messages of")) " " code { (fc) } }
            @match &page {
                None => {
                    @let (code, detail) = call.refusal.clone().unwrap_or_else(|| ("ENTITY_INVALID_RESPONSE".into(), String::new()));
                    div class="error" role="alert" {
                        p { (sentence(&code, l)) }
                        p class="code" { (l.t("Codice", "Code")) ": " code { (code) } }
                        @if !detail.is_empty() { p { (detail) } }
                    }
                }
                Some(p) if p.items.is_empty() => {
                    p { (l.t("Nessun messaggio.", "No messages.")) }
                }
                Some(p) => {
                    ul class="cards casella" {
                        @for m in &p.items {
                            li class="card" {
                                h3 {
                                    a href={ "/cittadino/messaggi/" (crate::engine::encode(&m.id)) "?cf=" (cf) } {
                                        (m.message_title.as_deref().unwrap_or(&m.id))
                                    }
                                }
                                p {
                                    (l.t("Mittente (id dell'ente su Interop)", "Sender (the entity's Interop id)")) ": "
                                    (m.organization_name.as_deref().unwrap_or_default())
                                    @if let Some(s) = &m.service_name { " · " (l.t("servizio", "service")) " " code { (s) } }
                                }
                                p { (l.t("Ricevuto il", "Received on")) " " (crate::web::when(&m.created_at)) }
                                p class="stato" {
                                    @if m.is_read == Some(true) { (l.t("Letto", "Read")) } @else { strong { (l.t("Da leggere", "Unread")) } }
                                    @if m.is_archived == Some(true) { " · " (l.t("Archiviato", "Archived")) }
                                    @if m.has_attachments == Some(true) { " · " (l.t("Con allegati", "With attachments")) }
                                    @if m.has_precondition == Some(true) { " · " (l.t("Con precondizione", "With a precondition")) }
                                }
                            }
                        }
                    }
                    nav aria-label=(l.t("Pagine della casella", "Inbox pages")) class="pager" {
                        @if before.is_some() {
                            a href={ "/cittadino?cf=" (cf) "&archiviati=" (archiviati) } { (l.t("Prima pagina", "First page")) }
                            " "
                        }
                        @if let Some(next) = &p.next {
                            a href={ "/cittadino?cf=" (cf) "&archiviati=" (archiviati) "&prima_di=" (crate::engine::encode(next)) } rel="next" {
                                (l.t("Messaggi precedenti", "Older messages"))
                            }
                        }
                    }
                }
            }
            (calls_table(&source, std::slice::from_ref(&call), l))
        };
    }
    visit.finish(
        &st,
        layout(
            l.t("Vista del cittadino", "Citizen's view"),
            &visit,
            "/cittadino",
            body,
        ),
    )
}

#[derive(Deserialize)]
struct Stored {
    created_at: String,
    sender_service_id: String,
    content: StoredContent,
    #[serde(default)]
    is_read: bool,
}

#[derive(Deserialize)]
struct StoredContent {
    subject: String,
    #[serde(default)]
    markdown: String,
    #[serde(default)]
    third_party_data: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Precondition {
    title: String,
    markdown: String,
}

#[derive(Deserialize)]
struct Details {
    third_party_message: ThirdPartyMessage,
}

#[derive(Deserialize)]
struct ThirdPartyMessage {
    #[serde(default)]
    details: Option<RemoteDetails>,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct RemoteDetails {
    subject: String,
    markdown: String,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(default)]
    name: Option<String>,
    url: String,
    #[serde(default)]
    content_type: Option<String>,
}

/// The console's path of an attachment of message `id` (the url without its leading `/`, each
/// segment encoded).
fn attachment_href(id: &str, url: &str, cf: &str) -> String {
    let (path, query) = match url.trim_start_matches('/').split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (url.trim_start_matches('/').to_owned(), None),
    };
    let path = path
        .split('/')
        .map(crate::engine::encode)
        .collect::<Vec<_>>()
        .join("/");
    let mut href = format!(
        "/cittadino/messaggi/{}/allegati/{path}?cf={}",
        crate::engine::encode(id),
        crate::engine::encode(cf)
    );
    if let Some(q) = query {
        href.push_str("&q=");
        href.push_str(&crate::engine::encode(&q));
    }
    href
}

/// The app API's path of an attachment (`attachment_url` keeps slashes and its query).
fn attachment_api_path(id: &str, url: &str) -> String {
    let url = url.trim_start_matches('/');
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    let path = path
        .split('/')
        .map(crate::engine::encode)
        .collect::<Vec<_>>()
        .join("/");
    match query {
        Some(q) => format!(
            "third-party-messages/{}/attachments/{path}?{q}",
            crate::engine::encode(id)
        ),
        None => format!(
            "third-party-messages/{}/attachments/{path}",
            crate::engine::encode(id)
        ),
    }
}

async fn message(
    State(st): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (visit, source) = match open(&st, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let l = visit.session.lang;
    let fc = citizen_param(&params);
    let eid = crate::engine::encode(&id);
    let cf = crate::engine::encode(&fc);
    let go_on = params.get("continua").is_some_and(|v| v == "si");
    let stored_call = source
        .get(
            &st,
            l.t("Messaggio", "Message").into(),
            &fc,
            &format!("messages/{eid}"),
        )
        .await;
    let stored: Stored = match (
        &stored_call.refusal,
        serde_json::from_slice(&stored_call.body),
    ) {
        (None, Ok(s)) => s,
        _ => return not_found(&st, &visit, &source, l, &stored_call),
    };
    let mut calls = vec![stored_call];
    let back = html! {
        p { a href={ "/cittadino?cf=" (cf) } { (l.t("Torna alla casella del cittadino", "Back to the citizen's inbox")) } }
    };
    let head = html! {
        h1 { (stored.content.subject) }
        p {
            (l.t("Cittadino", "Citizen")) ": " code { (fc) } " · "
            (l.t("Servizio", "Service")) ": " code { (stored.sender_service_id) } " · "
            (l.t("Ricevuto il", "Received on")) " " (crate::web::when(&stored.created_at))
            " · " @if stored.is_read { (l.t("Letto", "Read")) } @else { (l.t("Da leggere", "Unread")) }
        }
    };
    let title = stored.content.subject.clone();
    if stored.content.third_party_data.is_none() {
        let body = html! {
            (head)
            div class="messaggio" { (PreEscaped(render_markdown(&stored.content.markdown))) }
            (calls_table(&source, &calls, l))
            (back)
        };
        return visit.finish(&st, layout(&title, &visit, "/cittadino", body));
    }
    // The precondition first, as the app does.
    if !go_on {
        let call = source
            .get(
                &st,
                l.t("Precondizione", "Precondition").into(),
                &fc,
                &format!("third-party-messages/{eid}/precondition"),
            )
            .await;
        let shown = (call.status == 200 && call.refusal.is_none())
            .then(|| serde_json::from_slice::<Precondition>(&call.body).ok())
            .flatten();
        let refused = call.refusal.is_some();
        if shown.is_some() || refused {
            calls.push(call);
            let body = html! {
                (head)
                @if let Some(p) = &shown {
                    section class="precondizione" aria-labelledby="precondizione-titolo" {
                        h2 id="precondizione-titolo" { (p.title) }
                        div class="messaggio" { (PreEscaped(render_markdown(&p.markdown))) }
                        p class="actions" {
                            a class="button" href={ "/cittadino/messaggi/" (eid) "?cf=" (cf) "&continua=si" } { (l.t("Continua", "Continue")) }
                        }
                    }
                } @else {
                    div class="error" role="alert" {
                        p { (l.t("Il gateway ha rifiutato la precondizione: l'app mostrerebbe un errore.", "The gateway refused the precondition: the app would show an error.")) }
                    }
                    p { a href={ "/cittadino/messaggi/" (eid) "?cf=" (cf) "&continua=si" } { (l.t("Apri comunque il messaggio", "Open the message anyway")) } }
                }
                (calls_table(&source, &calls, l))
                (back)
            };
            return visit.finish(&st, layout(&title, &visit, "/cittadino", body));
        }
        calls.push(call);
    }
    let details_call = source
        .get(
            &st,
            l.t("Dettagli", "Details").into(),
            &fc,
            &format!("third-party-messages/{eid}"),
        )
        .await;
    let details: Option<Details> = if details_call.refusal.is_none() {
        serde_json::from_slice(&details_call.body).ok()
    } else {
        None
    };
    calls.push(details_call);
    let mut attachments = Vec::new();
    if let Some(d) = &details {
        for a in &d.third_party_message.attachments {
            let name = a.name.clone().unwrap_or_else(|| a.url.clone());
            let call = source
                .get(
                    &st,
                    format!("{} {name}", l.t("Allegato", "Attachment")),
                    &fc,
                    &attachment_api_path(&id, &a.url),
                )
                .await;
            let ok = call.refusal.is_none();
            calls.push(Call {
                body: Default::default(),
                ..call
            });
            attachments.push((a, name, ok));
        }
    }
    let body = html! {
        (head)
        @match &details {
            None => {
                div class="error" role="alert" {
                    p { (l.t("Il gateway ha rifiutato i dettagli del messaggio: l'app mostrerebbe un errore. Il motivo è nella tabella delle chiamate.", "The gateway refused the message's details: the app would show an error. The reason is in the calls' table.")) }
                }
            }
            Some(d) => {
                @if let Some(rd) = &d.third_party_message.details {
                    // The entity's subject, when it differs from the one submitted.
                    @if rd.subject != stored.content.subject { h2 { (rd.subject) } }
                    div class="messaggio" { (PreEscaped(render_markdown(&rd.markdown))) }
                } @else {
                    div class="messaggio" { (PreEscaped(render_markdown(&stored.content.markdown))) }
                }
                @if !attachments.is_empty() {
                    h2 { (l.t("Allegati", "Attachments")) }
                    ul class="allegati" {
                        @for (a, name, ok) in &attachments {
                            li {
                                a href=(attachment_href(&id, &a.url, &fc)) download { (l.t("Scarica", "Download")) " " (name) }
                                @if let Some(ct) = &a.content_type { " (" (ct) ")" }
                                @if !ok { " — " strong class="esito-ko" { (l.t("rifiutato dal gateway", "refused by the gateway")) } }
                            }
                        }
                    }
                }
            }
        }
        (calls_table(&source, &calls, l))
        (back)
    };
    visit.finish(&st, layout(&title, &visit, "/cittadino", body))
}

/// An attachment, proxied from the app API: the gateway's bytes with its content type and
/// disposition, up to [`ATTACHMENT_CAP`]; a refusal is a page with its code and meaning.
async fn attachment(
    State(st): St,
    headers: HeaderMap,
    Path((id, url)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (visit, source) = match open(&st, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let l = visit.session.lang;
    let fc = citizen_param(&params);
    let url = match params.get("q") {
        Some(q) => format!("{url}?{q}"),
        None => url,
    };
    let call = source
        .get(
            &st,
            format!("{} {url}", l.t("Allegato", "Attachment")),
            &fc,
            &attachment_api_path(&id, &url),
        )
        .await;
    if call.refusal.is_some() || call.status != 200 {
        return not_found(&st, &visit, &source, l, &call);
    }
    let pass = |name: header::HeaderName, default: &'static str| {
        call.headers
            .get(name.as_str())
            .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
            .unwrap_or(HeaderValue::from_static(default))
    };
    let content_type = pass(header::CONTENT_TYPE, "application/octet-stream");
    let disposition = pass(header::CONTENT_DISPOSITION, "attachment");
    visit.finish(
        &st,
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            call.body,
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn raw_html_is_escaped_and_unsafe_links_dropped() {
        let html = render_markdown(
            "Hello <script>alert(1)</script> **world**\n\n<div onclick=\"x\">block</div>\n\n\
             [bad](javascript:alert(1)) [good](https://example.it \"t\") ![img](https://evil.example/x.png)\n\n\
             [data](data:text/html,hi) [rel](/path) [Mail](MAILTO:a@b.it)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(">bad"), "the link's text stays: {html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.it\" title=\"t\" rel=\"noopener noreferrer\">good</a>"
            ),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("img"), "the image's text stays: {html}");
        assert!(
            html.contains("<a href=\"/path\" rel=\"noopener noreferrer\">"),
            "{html}"
        );
        assert!(html.contains("href=\"MAILTO:a@b.it\""), "{html}");
        assert!(html.contains("<strong>world</strong>"), "{html}");
    }

    #[test]
    fn link_targets_cannot_break_out_of_the_attribute() {
        let html = render_markdown("[x](https://a.it/\"onmouseover=\"alert(1))");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn the_sentences_follow_the_gateways_code_table() {
        let gateway: Vec<&str> = gateway::domain::Code::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        let console_only = ["GATEWAY_UNREACHABLE", "ATTACHMENT_TOO_LARGE_FOR_CONSOLE"];
        for (code, it, en) in SENTENCES {
            assert!(
                gateway.contains(code) || console_only.contains(code),
                "{code} is not a gateway code"
            );
            assert!(!it.is_empty() && !en.is_empty() && it != en, "{code}");
        }
        for code in &gateway {
            let explained = SENTENCES.iter().any(|(c, _, _)| c == code);
            let excluded = NOT_APP_CODES.contains(code);
            assert!(
                explained != excluded,
                "{code}: every gateway code is either explained (the app API may answer it) or \
                 listed as the sending side's only"
            );
        }
        for code in NOT_APP_CODES {
            assert!(gateway.contains(code), "{code} is not a gateway code");
        }
    }

    /// A stand-in gateway's app API: two inbox pages (the first with `next`), one message whose
    /// subject holds HTML; it answers 401 APP_KEY_INVALID unless the key is `k`.
    async fn stand_in_gateway() -> String {
        use axum::Json;
        use axum::routing::get;
        use serde_json::json;
        async fn inbox(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
            if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer k") {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"code": "APP_KEY_INVALID", "detail": "unknown app API key"})),
                )
                    .into_response();
            }
            assert_eq!(headers["fiscal_code"], "RSSMRA85T10A562S");
            assert_eq!(q["enrich_result_data"], "true");
            let item = |id: &str, title: &str| {
                json!({"id": id, "fiscal_code": "RSSMRA85T10A562S", "time_to_live": 3600,
                    "created_at": "2026-12-07T10:00:00Z", "sender_service_id": "svc",
                    "message_title": title, "has_attachments": false, "has_precondition": false,
                    "is_read": true, "is_archived": false, "service_name": "svc",
                    "organization_name": "ente", "organization_fiscal_code": ""})
            };
            match q.get("maximum_id").map(String::as_str) {
                None => Json(
                    json!({"items": [item("02", "<b>Secondo</b>")], "prev": "02", "next": "02"}),
                ),
                Some("02") => Json(json!({"items": [item("01", "Primo")], "prev": "01"})),
                Some(other) => panic!("maximum_id {other}"),
            }
            .into_response()
        }
        let app = axum::Router::new().route("/api/communication/v1/messages", get(inbox));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    async fn page(app: &axum::Router, cookie: &str, path: &str) -> (StatusCode, String) {
        use tower::ServiceExt;
        let req = axum::http::Request::get(path)
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn the_inbox_pages_as_the_app_api_and_says_why_a_call_was_refused() {
        let gateway = stand_in_gateway().await;
        let off = crate::AppState::new(crate::Config::default()).unwrap();
        let (id, _) = off.sessions.create(Some(platform_operator()));
        let app = crate::router(off);
        let cookie = format!("{}={id}", crate::session::COOKIE);
        assert_eq!(
            page(&app, &cookie, "/cittadino").await.0,
            StatusCode::NOT_FOUND
        );

        let mut config = crate::Config {
            gateway_url: Some(gateway),
            app_api_key: "k".into(),
            citizen_view: crate::config::CitizenView::Dev,
            dev_citizens: vec!["RSSMRA85T10A562S".into()],
            ..crate::Config::default()
        };
        let state = crate::AppState::new(config.clone()).unwrap();
        // Any signed-in user, the platform operator too.
        let (id, _) = state.sessions.create(Some(platform_operator()));
        let app = crate::router(state);
        let cookie = format!("{}={id}", crate::session::COOKIE);
        let (status, html) = page(&app, "", "/cittadino").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
        let (status, html) = page(&app, &cookie, "/cittadino").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("href=\"/cittadino\" aria-current=\"page\""),
            "{html}"
        );
        assert!(html.contains("/cittadino?cf=RSSMRA85T10A562S"), "{html}");
        assert!(!html.contains(">k<"), "the key is never shown");

        let (status, html) = page(&app, &cookie, "/cittadino?cf=rssmra85t10a562s").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("&lt;b&gt;Secondo&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>Secondo"), "{html}");
        assert!(
            html.contains("href=\"/cittadino?cf=RSSMRA85T10A562S&amp;archiviati=no&amp;prima_di=02\" rel=\"next\""),
            "{html}"
        );
        let (_, html) = page(
            &app,
            &cookie,
            "/cittadino?cf=RSSMRA85T10A562S&archiviati=no&prima_di=02",
        )
        .await;
        assert!(html.contains(">Primo<"), "{html}");
        assert!(!html.contains("rel=\"next\""), "the last page: {html}");
        assert!(html.contains("Prima pagina"), "{html}");

        // A wrong key: the gateway's code and both sentences.
        config.app_api_key = "wrong".into();
        let state = crate::AppState::new(config).unwrap();
        let (id, _) = state.sessions.create(Some(platform_operator()));
        let app = crate::router(state);
        let cookie = format!("{}={id}", crate::session::COOKIE);
        let (_, html) = page(&app, &cookie, "/cittadino?cf=RSSMRA85T10A562S").await;
        assert!(html.contains("APP_KEY_INVALID"), "{html}");
        assert!(
            html.contains("La chiave dell&#39;app API") || html.contains("La chiave dell'app API"),
            "{html}"
        );
        assert!(
            html.contains("The console's app API key")
                || html.contains("The console&#39;s app API key"),
            "{html}"
        );
        assert!(html.contains("<td class=\"num\">401</td>"), "{html}");
    }

    fn platform_operator() -> crate::session::User {
        crate::session::User {
            name: "Operatore della piattaforma".into(),
            tenant_name: String::new(),
            tenant_id: None,
            roles: vec!["platform".into()],
            token: "t".into(),
        }
    }

    #[test]
    fn the_test_users_are_offered_once_with_their_configurations() {
        let c = |name: &str, users: &[&str]| -> provider_sdk::contract::RcConfiguration {
            let mut v = serde_json::json!({
                "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "user_id": "t",
                "name": name, "description": "d", "has_precondition": "NEVER",
                "is_lollipop_enabled": false, "disable_lollipop_for": [],
                "prod_environment": {"base_url": "https://rc.example.it/",
                    "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
            });
            if !users.is_empty() {
                v["test_environment"] = serde_json::json!({"base_url": "https://t.example.it/",
                    "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"},
                    "test_users": users});
            }
            serde_json::from_value(v).unwrap()
        };
        let all = [
            c("Tari", &["RSSMRA85T10A562S"]),
            c("Senza test", &[]),
            c("Imu", &["SPNDNL80R13C555X", "RSSMRA85T10A562S"]),
        ];
        assert_eq!(
            test_users(&all),
            [
                ("RSSMRA85T10A562S".to_owned(), "Tari, Imu".to_owned()),
                ("SPNDNL80R13C555X".to_owned(), "Imu".to_owned()),
            ]
        );
    }

    #[test]
    fn with_test_users_the_page_is_for_an_entitys_administrators_and_api_operators() {
        let config = crate::Config {
            gateway_url: Some("http://127.0.0.1:8080".into()),
            citizen_view: CitizenView::TestUsers,
            ..crate::Config::default()
        };
        let user = |roles: &[&str], tenant: bool| crate::session::User {
            name: "u".into(),
            tenant_name: String::new(),
            tenant_id: tenant.then(|| "ente".into()),
            roles: roles.iter().map(|r| (*r).into()).collect(),
            token: "t".into(),
        };
        assert!(shown_to(&config, Some(&user(&["admin"], true))));
        assert!(shown_to(&config, Some(&user(&["api"], true))));
        assert!(!shown_to(&config, Some(&user(&["security"], true))));
        assert!(!shown_to(&config, Some(&platform_operator())));
        assert!(!shown_to(&config, None));
        let dev = crate::Config {
            citizen_view: CitizenView::Dev,
            ..config
        };
        assert!(shown_to(&dev, Some(&platform_operator())));
    }

    #[test]
    fn the_pdfa_clause_is_the_details_first_word() {
        assert_eq!(
            pdfa_clause(
                "ATTACHMENT_NOT_PDFA",
                "6.6.2.1-1 The document catalog dictionary"
            ),
            Some("6.6.2.1-1")
        );
        assert_eq!(pdfa_clause("ATTACHMENT_NOT_PDFA", "not a rule"), None);
        assert_eq!(pdfa_clause("ATTACHMENT_NOT_PDF", "6.1.3-1 x"), None);
    }

    #[test]
    fn attachment_paths_keep_slashes_and_queries() {
        assert_eq!(
            attachment_api_path("01H", "/files/a b.pdf?v=1"),
            "third-party-messages/01H/attachments/files/a%20b%2Epdf?v=1"
        );
        assert_eq!(
            attachment_href("01H", "/files/a.pdf?v=1", "RSSMRA85T10A562S"),
            "/cittadino/messaggi/01H/allegati/files/a%2Epdf?cf=RSSMRA85T10A562S&q=v%3D1"
        );
    }
}
