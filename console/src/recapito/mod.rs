//! "Recapito": an entity's remote-content configurations and the messages it sent, through the
//! gateway's sender API. The gateway authenticates senders with an Interop voucher of the
//! tenant's own client: on "Collega la console" an administrator picks one of the tenant's
//! e-service clients and one of its purposes; the console generates a key pair, uploads the
//! public key to that client with the administrator's own token (named "Console Recapito", so it
//! shows on the client's page and deleting it there cuts the console off), and keeps the private
//! key in `data_dir` (0600, one file per tenant, never shown nor logged). From then on the console
//! asks the engine's token endpoint for vouchers with a client assertion (provider-sdk's
//! [`GatewayClient`], which caches them until near expiry).
//!
//! Every rule stays the gateway's: the pages send what was typed and show the gateway's problem
//! as a sentence next to the field it blames ([`SENTENCES`]).

pub mod configurazioni;
pub mod correzioni;
pub mod messaggi;
pub mod verifica;

use crate::engine::EngineError;
use crate::session::{Lang, User};
use crate::web::{self, Admin, Posted, RecapitoUser, Signed, csrf_field, layout};
use crate::{AppState, St, Visit};
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use provider_sdk::client::{ClientConfig, ClientError, Credentials, GatewayClient};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The section's root (the nav entry).
pub const ROOT: &str = "/recapito";
/// The name of the key the console uploads to the tenant's client.
pub const KEY_NAME: &str = "Console Recapito";
/// Who sees the configurations and the sent messages: administrators and API operators.
pub const ROLES: &[&str] = &["admin", "api"];
/// Who connects the console (uploads a key to a client): administrators.
pub const CONNECT_ROLES: &[&str] = &["admin"];

/// The section's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROOT, get(index))
        .route("/recapito/collega", get(connect_page).post(connect))
        .route("/recapito/scollega", post(disconnect))
        .route("/recapito/configurazioni", get(configurazioni::list))
        .route(
            "/recapito/configurazioni/nuova",
            get(configurazioni::new_form).post(configurazioni::create),
        )
        .route(
            "/recapito/configurazioni/{id}",
            get(configurazioni::edit_form).post(configurazioni::update),
        )
        .route(
            "/recapito/configurazioni/{id}/elimina",
            post(configurazioni::delete),
        )
        .route("/recapito/messaggi", get(messaggi::list))
        .route(
            verifica::PATH,
            get(verifica::form_page).post(verifica::probe),
        )
}

/// The gateway's codes, the token endpoint's and the SDK's own, and the console's own for this
/// section, as sentences (code, Italian, English). A test checks every gateway code has one.
pub const SENTENCES: &[(&str, &str, &str)] = &[
    (
        "VALIDATION_FAILED",
        "Un campo manca, non è nel formato atteso o supera i limiti.",
        "A field is missing, malformed or out of bounds.",
    ),
    (
        "INVALID_BODY",
        "La richiesta non è il JSON atteso.",
        "The request is not the expected JSON.",
    ),
    (
        "INVALID_PATH",
        "L'indirizzo indica un identificativo non valido.",
        "The address names an invalid identifier.",
    ),
    (
        "INVALID_QUERY",
        "Un filtro non è valido (per esempio una data o una pagina).",
        "A filter is not valid (for example a date or a page).",
    ),
    (
        "CONFIGURATION_ID_REQUIRED",
        "Il messaggio a contenuto remoto deve indicare una configurazione.",
        "A remote-content message must name a configuration.",
    ),
    (
        "ADVANCED_REQUIRED",
        "Gli allegati richiedono il livello ADVANCED.",
        "Attachments need the ADVANCED feature level.",
    ),
    (
        "IDEMPOTENCY_KEY_INVALID",
        "La chiave di idempotenza non è valida.",
        "The idempotency key is not valid.",
    ),
    (
        "FISCAL_CODE_HEADER_MISSING",
        "Manca il codice fiscale del cittadino.",
        "The citizen's fiscal code is missing.",
    ),
    (
        "FISCAL_CODE_HEADER_INVALID",
        "Il codice fiscale del cittadino non è valido.",
        "The citizen's fiscal code is not valid.",
    ),
    (
        "VOUCHER_MISSING",
        "La console non ha presentato un voucher al gateway.",
        "The console presented no voucher to the gateway.",
    ),
    (
        "VOUCHER_MALFORMED",
        "Il voucher non è ben formato.",
        "The voucher is malformed.",
    ),
    (
        "VOUCHER_ALG_NOT_ALLOWED",
        "Il voucher non è firmato con RS256.",
        "The voucher is not signed with RS256.",
    ),
    (
        "VOUCHER_UNKNOWN_KID",
        "Il gateway non conosce la chiave che ha firmato il voucher.",
        "The gateway does not know the key that signed the voucher.",
    ),
    (
        "VOUCHER_SIGNATURE_INVALID",
        "La firma del voucher non è valida.",
        "The voucher's signature is not valid.",
    ),
    (
        "VOUCHER_EXPIRED",
        "Il voucher è scaduto.",
        "The voucher has expired.",
    ),
    (
        "VOUCHER_NOT_YET_VALID",
        "Il voucher non è ancora valido.",
        "The voucher is not valid yet.",
    ),
    (
        "VOUCHER_AUDIENCE_INVALID",
        "Il voucher non è destinato a questo gateway: la finalità scelta è su un altro e-service.",
        "The voucher is not meant for this gateway: the chosen purpose is on another e-service.",
    ),
    (
        "VOUCHER_ISSUER_INVALID",
        "Il voucher non è stato emesso dal motore Interop del gateway.",
        "The voucher was not issued by the gateway's Interop engine.",
    ),
    (
        "VOUCHER_CLAIMS_MISSING",
        "Al voucher mancano dati necessari (fruitore, finalità, e-service, erogatore).",
        "The voucher lacks required claims (consumer, purpose, e-service, producer).",
    ),
    (
        "VOUCHER_ESERVICE_NOT_ALLOWED",
        "Il voucher è per un altro e-service: scegli una finalità sull'e-service del gateway Recapito.",
        "The voucher is for another e-service: choose a purpose on the Recapito gateway's e-service.",
    ),
    (
        "APP_KEY_MISSING",
        "Manca la chiave dell'app.",
        "The app key is missing.",
    ),
    (
        "APP_KEY_INVALID",
        "La chiave dell'app non è valida.",
        "The app key is not valid.",
    ),
    (
        "NOT_YOUR_CONFIGURATION",
        "Questa configurazione appartiene a un altro ente.",
        "This configuration belongs to another entity.",
    ),
    (
        "CONFIGURATION_NOT_FOUND",
        "Configurazione non trovata (per il tuo ente).",
        "Configuration not found (for your entity).",
    ),
    (
        "MESSAGE_NOT_FOUND",
        "Messaggio non trovato (per il tuo ente).",
        "Message not found (for your entity).",
    ),
    (
        "ROUTE_NOT_FOUND",
        "Il gateway non conosce questo indirizzo.",
        "The gateway does not know this address.",
    ),
    (
        "METHOD_NOT_ALLOWED",
        "Il gateway non consente questa operazione qui.",
        "The gateway does not allow this operation here.",
    ),
    (
        "PAYLOAD_TOO_LARGE",
        "I dati inviati sono troppo grandi.",
        "The data sent is too large.",
    ),
    (
        "IDEMPOTENCY_KEY_REUSED",
        "La chiave di idempotenza è già stata usata per un'altra richiesta.",
        "The idempotency key was already used for another request.",
    ),
    (
        "JWKS_UNAVAILABLE",
        "Il gateway non riesce a leggere le chiavi di Interop: riprova.",
        "The gateway cannot read Interop's keys: retry.",
    ),
    (
        "NOT_A_REMOTE_CONTENT_MESSAGE",
        "Il messaggio non ha contenuto remoto.",
        "The message has no remote content.",
    ),
    (
        "ATTACHMENT_NOT_LISTED",
        "L'allegato non è tra quelli del messaggio.",
        "The attachment is not among the message's.",
    ),
    (
        "NOT_A_TEST_USER",
        "Il cittadino non è tra gli utenti di test.",
        "The citizen is not one of the test users.",
    ),
    (
        "NOT_YOUR_TEST_USER",
        "Il codice fiscale non è tra gli utenti di test delle configurazioni del tuo ente.",
        "The fiscal code is not one of the test users of your entity's configurations.",
    ),
    (
        "LOLLIPOP_HEADERS_MISSING",
        "Mancano le intestazioni lollipop.",
        "The lollipop headers are missing.",
    ),
    (
        "LOLLIPOP_HEADERS_INVALID",
        "Un'intestazione lollipop non è valida.",
        "A lollipop header is not valid.",
    ),
    (
        "CONFIGURATION_GONE",
        "La configurazione del messaggio è stata eliminata.",
        "The message's configuration was deleted.",
    ),
    (
        "ENTITY_BAD_REQUEST",
        "Il servizio dell'ente ha risposto 400.",
        "The entity's service answered 400.",
    ),
    (
        "ENTITY_FORBIDDEN",
        "Il servizio dell'ente ha risposto 403.",
        "The entity's service answered 403.",
    ),
    (
        "ENTITY_NOT_FOUND",
        "Il servizio dell'ente ha risposto 404.",
        "The entity's service answered 404.",
    ),
    (
        "ENTITY_TOO_MANY_REQUESTS",
        "Il servizio dell'ente ha risposto 429 (troppe richieste).",
        "The entity's service answered 429 (too many requests).",
    ),
    (
        "ENTITY_UNAVAILABLE",
        "Il servizio dell'ente non è disponibile.",
        "The entity's service is unavailable.",
    ),
    (
        "ENTITY_UNAUTHORIZED",
        "Il servizio dell'ente ha rifiutato le credenziali del gateway.",
        "The entity's service refused the gateway's credentials.",
    ),
    (
        "ENTITY_ERROR",
        "Il servizio dell'ente ha risposto con un errore.",
        "The entity's service answered with an error.",
    ),
    (
        "ENTITY_REDIRECT",
        "Il servizio dell'ente ha risposto con un reindirizzamento, che il gateway non segue.",
        "The entity's service answered with a redirect, which the gateway does not follow.",
    ),
    (
        "ENTITY_UNEXPECTED_STATUS",
        "Il servizio dell'ente ha risposto con uno stato inatteso.",
        "The entity's service answered with an unexpected status.",
    ),
    (
        "ENTITY_UNREACHABLE",
        "Il servizio dell'ente non è raggiungibile.",
        "The entity's service cannot be reached.",
    ),
    (
        "ENTITY_ADDRESS_NOT_ALLOWED",
        "L'indirizzo del servizio non è pubblico: il gateway non lo contatta.",
        "The service's address is not public: the gateway does not call it.",
    ),
    (
        "ENTITY_TIMEOUT",
        "Il servizio dell'ente non ha risposto in tempo.",
        "The entity's service did not answer in time.",
    ),
    (
        "ENTITY_INVALID_RESPONSE",
        "La risposta del servizio dell'ente non rispetta il contratto.",
        "The entity's service answer does not follow the contract.",
    ),
    (
        "ENTITY_RESPONSE_TOO_LARGE",
        "La risposta del servizio dell'ente è troppo grande.",
        "The entity's service answer is too large.",
    ),
    (
        "ENTITY_BUSY",
        "Troppe richieste in corso verso il servizio dell'ente: riprova.",
        "Too many requests to the entity's service in flight: retry.",
    ),
    (
        "ATTACHMENT_VALIDATION_BUSY",
        "La verifica degli allegati è occupata: riprova.",
        "Attachment validation is busy: retry.",
    ),
    (
        "ENTITY_CIRCUIT_OPEN",
        "Il servizio dell'ente ha fallito più volte: il gateway lo mette in pausa.",
        "The entity's service failed repeatedly: the gateway pauses it.",
    ),
    (
        "VOUCHER_REFUSED",
        "Interop ha rifiutato al gateway il voucher per la finalità configurata.",
        "Interop refused the gateway a voucher for the configured purpose.",
    ),
    (
        "INTEROP_UNAVAILABLE",
        "Il motore Interop non è raggiungibile dal gateway.",
        "The Interop engine cannot be reached by the gateway.",
    ),
    (
        "ATTACHMENTS_NOT_PRESENT",
        "Il servizio dell'ente non ha inviato gli allegati dichiarati.",
        "The entity's service sent no declared attachments.",
    ),
    (
        "REMOTE_CONTENT_NOT_PRESENT",
        "Il servizio dell'ente non ha inviato il contenuto dichiarato.",
        "The entity's service sent no declared content.",
    ),
    (
        "SUBJECT_VALIDATION_ERROR",
        "L'oggetto deve avere da 10 a 120 caratteri.",
        "The subject must be 10 to 120 characters.",
    ),
    (
        "MARKDOWN_VALIDATION_ERROR",
        "Il testo deve avere da 80 a 10000 caratteri.",
        "The text must be 80 to 10000 characters.",
    ),
    (
        "MARKDOWN_UNSAFE",
        "Il testo contiene HTML o collegamenti non sicuri.",
        "The text holds HTML or unsafe links.",
    ),
    (
        "PRECONDITION_VALIDATION_ERROR",
        "La precondizione non è valida.",
        "The precondition is not valid.",
    ),
    (
        "ATTACHMENT_METADATA_INVALID",
        "I dati di un allegato non rispettano il contratto.",
        "An attachment's data breaks the contract.",
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
        "L'allegato non è un PDF/A-2.",
        "The attachment is not PDF/A-2.",
    ),
    (
        "ATTACHMENT_TOO_COMPLEX",
        "L'allegato è troppo complesso da verificare.",
        "The attachment is too complex to check.",
    ),
    (
        "STORE_UNAVAILABLE",
        "Il servizio non riesce a leggere i dati: riprova.",
        "The service cannot read its data: retry.",
    ),
    (
        "PROBE_LIMITED",
        "Una verifica di questo ente è già in corso, oppure sono state fatte troppe verifiche nell'ultimo minuto: riprova tra poco.",
        "A check of this entity is already running, or too many checks were made in the last minute: retry shortly.",
    ),
    (
        "PROBE_UNAVAILABLE",
        "Il gateway non è riuscito ad avviare la verifica: riprova più tardi.",
        "The gateway could not start the check: retry later.",
    ),
    // The engine's token endpoint.
    (
        "TOKEN_REFUSED",
        "Interop ha rifiutato il voucher: la chiave della console è stata eliminata dal client, oppure il client, la finalità, la richiesta di fruizione o l'e-service non sono attivi. La causa esatta è nella pagina del client.",
        "Interop refused the voucher: the console's key was deleted from the client, or the client, the purpose, the agreement or the e-service is not active. The exact cause is on the client's page.",
    ),
    (
        "INVALID_TOKEN_REQUEST",
        "La richiesta di voucher non è valida.",
        "The voucher request is not valid.",
    ),
    // provider-sdk's own.
    (
        "CLIENT_KEY_INVALID",
        "La chiave privata della console non è leggibile: collega di nuovo la console.",
        "The console's private key cannot be read: connect the console again.",
    ),
    (
        "CLIENT_CONFIG_INVALID",
        "Gli indirizzi del gateway o del motore Interop non sono validi nella configurazione della console.",
        "The gateway's or the Interop engine's address is not valid in the console's configuration.",
    ),
    (
        "CLIENT_TRANSPORT",
        "Il gateway o il motore Interop non sono raggiungibili: riprova.",
        "The gateway or the Interop engine cannot be reached: retry.",
    ),
    (
        "CLIENT_UNEXPECTED_RESPONSE",
        "Il gateway ha dato una risposta inattesa.",
        "The gateway gave an unexpected answer.",
    ),
    // The console's own.
    (
        "RECAPITO_NOT_CONFIGURED",
        "Questa console non è configurata per il gateway Recapito (gateway_url, token_endpoint, client_assertion_audience, data_dir).",
        "This console is not configured for the Recapito gateway (gateway_url, token_endpoint, client_assertion_audience, data_dir).",
    ),
    (
        "RECAPITO_NOT_CONNECTED",
        "La console non è ancora collegata a un client del tuo ente: un amministratore la collega da «Collega la console».",
        "The console is not connected to a client of your entity yet: an administrator connects it from \"Connect the console\".",
    ),
    (
        "RECAPITO_KEY_STORE",
        "La console non riesce a salvare o leggere la sua chiave nella cartella dei dati.",
        "The console cannot save or read its key in its data folder.",
    ),
    (
        "CONFIRMATION_REQUIRED",
        "Conferma l'operazione spuntando la casella.",
        "Confirm the operation by ticking the box.",
    ),
];

/// A refusal shown on a page: the gateway's (or the token endpoint's, or the console's) code,
/// with its detail and the fields it blames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    pub detail: String,
    pub fields: Vec<String>,
}

impl Problem {
    pub fn own(status: u16, code: &str) -> Problem {
        Problem {
            status,
            code: code.into(),
            detail: String::new(),
            fields: Vec::new(),
        }
    }

    /// The sentence for the code, in `l`.
    pub fn sentence(&self, l: Lang) -> &'static str {
        sentence(&self.code, l)
    }

    /// Whether the problem blames `field` or a part of it (`test_users` for `test_users[1]`).
    pub fn concerns(&self, field: &str) -> bool {
        self.fields.iter().any(|f| {
            f == field
                || f.strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
    }
}

impl crate::web::Refusal for Problem {
    fn code(&self) -> &str {
        &self.code
    }
    fn detail(&self) -> &str {
        &self.detail
    }
    fn sentence(&self, l: Lang) -> &'static str {
        Problem::sentence(self, l)
    }
    fn concerns(&self, field: &str) -> bool {
        Problem::concerns(self, field)
    }
}

impl From<ClientError> for Problem {
    fn from(e: ClientError) -> Problem {
        match e {
            ClientError::Problem {
                status,
                code,
                detail,
                fields,
            } => Problem {
                status,
                code,
                detail,
                fields,
            },
            // A transport detail names internal urls: kept out of the page.
            other => Problem {
                status: 502,
                code: other.code().to_owned(),
                detail: String::new(),
                fields: Vec::new(),
            },
        }
    }
}

impl From<EngineError> for Problem {
    fn from(e: EngineError) -> Problem {
        Problem {
            status: e.status,
            code: e.code,
            detail: e.detail,
            fields: e.fields,
        }
    }
}

/// The sentence for `code`, in `l`: the gateway's (and the token endpoint's, the console's),
/// then the engine's (connecting calls the engine), else a generic one.
pub fn sentence(code: &str, l: Lang) -> &'static str {
    SENTENCES
        .iter()
        .chain(crate::engine::SENTENCES)
        .find(|(c, ..)| *c == code)
        .map_or(
            l.t(
                "Il gateway Recapito ha rifiutato la richiesta.",
                "The Recapito gateway refused the request.",
            ),
            |(_, it, en)| l.t(it, en),
        )
}

/// A refusal as a sentence, with its detail and code.
pub fn problem_box(p: &Problem, l: Lang) -> Markup {
    html! {
        div class="error" role="alert" {
            p { (p.sentence(l)) }
            @if !p.detail.is_empty() { p class="detail" { (p.detail) } }
            p class="code" { (l.t("Codice", "Code")) ": " code { (p.code) } }
        }
    }
}

/// A whole page telling a refusal, with the gateway's status.
pub fn problem_page(st: &AppState, visit: &Visit, p: &Problem) -> Response {
    let l = visit.session.lang;
    let status = crate::web::refusal_status(p.status);
    let page = layout(
        l.t("Errore", "Error"),
        visit,
        ROOT,
        html! {
            h1 { (l.t("Non è stato possibile completare la richiesta", "The request could not be completed")) }
            (problem_box(p, l))
            p { a href=(ROOT) { (l.t("Torna a Recapito", "Back to Recapito")) } }
        },
    );
    visit.finish(st, (status, page))
}

/// The section's sub-pages, as a second-level nav.
/// "Collega la console" only for the roles that may connect it.
pub fn subnav(visit: &Visit, current: &str) -> Markup {
    let l = visit.session.lang;
    let admin = visit
        .session
        .user
        .as_ref()
        .is_some_and(|u| web::has_role(u, CONNECT_ROLES));
    let mut items = vec![
        (
            "/recapito/configurazioni",
            l.t("Configurazioni", "Configurations"),
        ),
        (
            "/recapito/messaggi",
            l.t("Messaggi inviati", "Sent messages"),
        ),
        (
            verifica::PATH,
            l.t("Verifica dell'endpoint", "Endpoint check"),
        ),
    ];
    if admin {
        items.push((
            "/recapito/collega",
            l.t("Collega la console", "Connect the console"),
        ));
    }
    html! {
        nav class="subnav" aria-label=(l.t("Sezione Recapito", "Recapito section")) {
            ul {
                @for (href, label) in items {
                    li {
                        @if href == current { a href=(href) aria-current="page" { (label) } }
                        @else { a href=(href) { (label) } }
                    }
                }
            }
        }
    }
}

/// What the console keeps of a tenant's connection besides the private key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub client_id: String,
    pub kid: String,
    pub purpose_id: String,
    pub connected_at: String,
}

/// Whether `tenant` can name a file: the engine's tenant ids are UUIDs.
fn safe_id(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant.len() <= 64
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The folder of the tenants' keys.
fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("recapito")
}

fn paths(data_dir: &Path, tenant: &str) -> Option<(PathBuf, PathBuf)> {
    safe_id(tenant).then(|| {
        let d = keys_dir(data_dir);
        (
            d.join(format!("{tenant}.key.pem")),
            d.join(format!("{tenant}.json")),
        )
    })
}

/// Writes `bytes` to `path`, readable by the console's user only (0600), replacing it whole.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Saves a tenant's connection: its private key and what it was uploaded as.
pub fn save_connection(
    data_dir: &Path,
    tenant: &str,
    c: &Connection,
    private_pem: &[u8],
) -> std::io::Result<()> {
    let (key, meta) =
        paths(data_dir, tenant).ok_or_else(|| std::io::Error::other("not a tenant id"))?;
    let dir = keys_dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    write_private(&key, private_pem)?;
    write_private(
        &meta,
        &serde_json::to_vec_pretty(c).map_err(std::io::Error::other)?,
    )
}

/// A tenant's connection, if any.
pub fn load_connection(data_dir: &Path, tenant: &str) -> Option<Connection> {
    let (_, meta) = paths(data_dir, tenant)?;
    serde_json::from_slice(&std::fs::read(meta).ok()?).ok()
}

/// Forgets a tenant's connection (its private key too).
pub fn remove_connection(data_dir: &Path, tenant: &str) {
    if let Some((key, meta)) = paths(data_dir, tenant) {
        let _ = std::fs::remove_file(key);
        let _ = std::fs::remove_file(meta);
    }
}

/// A new RSA key pair: (private PKCS#8 PEM, public SPKI PEM).
pub fn generate_key_pair() -> Result<(String, String), String> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let private =
        rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
    let public = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    Ok((pem.to_string(), public))
}

type Clients = Mutex<HashMap<String, Arc<GatewayClient>>>;

/// The gateway clients, one per connected tenant (and key), with their cached vouchers.
fn clients() -> &'static Clients {
    static CLIENTS: OnceLock<Clients> = OnceLock::new();
    CLIENTS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The gateway client acting for `user`'s tenant: its connection's key, vouchers cached until
/// near expiry. Refused when the console is not configured or not connected.
pub fn gateway(st: &AppState, user: &User) -> Result<Arc<GatewayClient>, Problem> {
    let c = &st.config;
    let (Some(gateway_url), Some(data_dir)) = (&c.gateway_url, &c.data_dir) else {
        return Err(Problem::own(503, "RECAPITO_NOT_CONFIGURED"));
    };
    let tenant = user.tenant_id.as_deref().unwrap_or_default();
    let conn = load_connection(data_dir, tenant)
        .ok_or_else(|| Problem::own(409, "RECAPITO_NOT_CONNECTED"))?;
    let cache_key = format!("{}|{tenant}|{}", data_dir.display(), conn.kid);
    if let Some(g) = clients().lock().expect("clients").get(&cache_key) {
        return Ok(g.clone());
    }
    let (key_path, _) =
        paths(data_dir, tenant).ok_or_else(|| Problem::own(409, "RECAPITO_NOT_CONNECTED"))?;
    let pem = std::fs::read(key_path).map_err(|_| Problem::own(500, "RECAPITO_KEY_STORE"))?;
    let creds = Credentials::from_pem(&conn.client_id, &conn.kid, &conn.purpose_id, &pem)?;
    let g = Arc::new(GatewayClient::new(
        ClientConfig::new(gateway_url, &c.token_endpoint, &c.client_assertion_audience),
        creds,
    )?);
    let mut all = clients().lock().expect("clients");
    all.retain(|k, _| !k.starts_with(&format!("{}|{tenant}|", data_dir.display())));
    all.insert(cache_key, g.clone());
    Ok(g)
}

/// Drops the cached gateway client of `tenant` (after a new connection or a disconnection).
fn forget(data_dir: &Path, tenant: &str) {
    let prefix = format!("{}|{tenant}|", data_dir.display());
    clients()
        .lock()
        .expect("clients")
        .retain(|k, _| !k.starts_with(&prefix));
}

/// "Recapito": the section's index.
pub async fn index(State(st): St, Signed(visit, user, _): Signed<RecapitoUser>) -> Response {
    let l = visit.session.lang;
    let connection = st
        .config
        .data_dir
        .as_deref()
        .and_then(|d| load_connection(d, user.tenant_id.as_deref().unwrap_or_default()));
    let body = html! {
        h1 { "Recapito" }
        p { (l.t("Le configurazioni dei contenuti remoti del tuo ente e i messaggi che ha inviato, tramite l'API del gateway Recapito con un voucher Interop del tuo ente.",
                 "Your entity's remote-content configurations and the messages it sent, through the Recapito gateway's API with an Interop voucher of your entity.")) }
        (subnav(&visit, ROOT))
        @match &connection {
            Some(c) => p { (l.t("La console è collegata al client", "The console is connected to client")) " " code { (c.client_id) } "." },
            None => p { (l.t("La console non è ancora collegata: un amministratore la collega da «Collega la console».", "The console is not connected yet: an administrator connects it from \"Connect the console\".")) },
        }
    };
    visit.finish(&st, layout("Recapito", &visit, ROOT, body))
}

#[derive(Deserialize)]
struct EngineClient {
    id: String,
    name: String,
    kind: String,
    #[serde(default)]
    purposes: Vec<String>,
}

#[derive(Deserialize)]
struct EnginePurpose {
    id: String,
    title: String,
    #[serde(default)]
    versions: Vec<EngineVersion>,
}

#[derive(Deserialize)]
struct EngineVersion {
    state: String,
}

/// The choices of "Collega la console": (value `client purpose`, label), for each e-service
/// client of the tenant and each of its active purposes.
async fn choices(st: &AppState, user: &User) -> Result<Vec<(String, String)>, Problem> {
    let clients = st
        .engine
        .page::<EngineClient>(&user.token, "/clients?kind=CONSUMER&limit=500")
        .await?
        .items;
    let purposes = st
        .engine
        .page::<EnginePurpose>(&user.token, "/purposes?side=consumer&limit=500")
        .await?
        .items;
    let active: HashMap<&str, &str> = purposes
        .iter()
        .filter(|p| p.versions.iter().any(|v| v.state == "ACTIVE"))
        .map(|p| (p.id.as_str(), p.title.as_str()))
        .collect();
    let mut out = Vec::new();
    for c in clients.iter().filter(|c| c.kind == "CONSUMER") {
        for p in &c.purposes {
            if let Some(title) = active.get(p.as_str()) {
                out.push((format!("{} {p}", c.id), format!("{} — {title}", c.name)));
            }
        }
    }
    Ok(out)
}

/// "Collega la console".
pub async fn connect_page(State(st): St, Signed(visit, user, _): Signed<Admin>) -> Response {
    render_connect(&st, &visit, &user, None).await
}

async fn render_connect(
    st: &AppState,
    visit: &Visit,
    user: &User,
    error: Option<&Problem>,
) -> Response {
    let l = visit.session.lang;
    let title = l.t("Collega la console", "Connect the console");
    let configured = st.config.gateway_url.is_some() && st.config.data_dir.is_some();
    let connection = st
        .config
        .data_dir
        .as_deref()
        .and_then(|d| load_connection(d, user.tenant_id.as_deref().unwrap_or_default()));
    let options = if configured {
        choices(st, user).await
    } else {
        Err(Problem::own(503, "RECAPITO_NOT_CONFIGURED"))
    };
    let status = error.map_or(StatusCode::OK, |e| web::refusal_status(e.status));
    let body = html! {
        h1 { (title) }
        (subnav(visit, "/recapito/collega"))
        p { (l.t("La console chiede al motore Interop i voucher per il gateway Recapito come farebbe un sistema del tuo ente: con una chiave caricata su un client del tuo ente, per una finalità attiva sull'e-service del gateway.",
                 "The console asks the Interop engine for the Recapito gateway's vouchers as a system of your entity would: with a key uploaded to a client of your entity, for an active purpose on the gateway's e-service.")) }
        p { (l.t("Collegando, la console genera una coppia di chiavi, carica la chiave pubblica sul client scelto con il nome «Console Recapito» (la vedi nella pagina del client: eliminandola lì la console resta scollegata) e conserva la chiave privata solo nella sua cartella dei dati.",
                 "When connecting, the console generates a key pair, uploads the public key to the chosen client named \"Console Recapito\" (you see it on the client's page: deleting it there cuts the console off) and keeps the private key only in its data folder.")) }
        @if let Some(e) = error { (problem_box(e, l)) }
        @if let Some(c) = &connection {
            p class="status" {
                (l.t("Collegata al client", "Connected to client")) " " code { (c.client_id) }
                ", " (l.t("finalità", "purpose")) " " code { (c.purpose_id) }
                ", " (l.t("chiave", "key")) " " code { (c.kid) } " (" (web::when(&c.connected_at)) ")."
            }
        }
        @match &options {
            Err(e) => (problem_box(e, l)),
            Ok(opts) if opts.is_empty() => p { (l.t("Nessun client del tuo ente è associato a una finalità attiva: in Fruizione crea un client e associalo alla finalità sull'e-service del gateway.",
                                                   "No client of your entity is attached to an active purpose: in Fruizione create a client and attach it to the purpose on the gateway's e-service.")) },
            Ok(opts) => form method="post" action="/recapito/collega" {
                (csrf_field(visit))
                div class="field" {
                    label for="f-scelta" { (l.t("Client e finalità", "Client and purpose")) " " span class="req" { (l.t("(obbligatorio)", "(required)")) } }
                    select id="f-scelta" name="scelta" required {
                        @for (value, label) in opts { option value=(value) { (label) } }
                    }
                }
                div class="actions" {
                    button type="submit" { @if connection.is_some() { (l.t("Collega di nuovo (nuova chiave)", "Connect again (new key)")) } @else { (title) } }
                }
            },
        }
        @if let Some(c) = &connection {
            h2 { (l.t("Scollega", "Disconnect")) }
            form method="post" action="/recapito/scollega" {
                (csrf_field(visit))
                input type="hidden" name="client" value=(c.client_id);
                input type="hidden" name="kid" value=(c.kid);
                (web::confirm_field(visit, l.t("elimina la chiave «Console Recapito» dal client e la chiave privata dalla console", "delete the \"Console Recapito\" key from the client and the private key from the console")))
                div class="actions" { button type="submit" { (l.t("Scollega la console", "Disconnect the console")) } }
            }
        }
    };
    visit.finish(st, (status, layout(title, visit, ROOT, body)))
}

/// Connects the console to the chosen client and purpose: a new key pair, its public half
/// uploaded with the administrator's token, its private half saved (0600), then a first voucher.
pub async fn connect(State(st): St, Posted(visit, user, form, _): Posted<Admin>) -> Response {
    let l = visit.session.lang;
    let Some(data_dir) = st
        .config
        .data_dir
        .clone()
        .filter(|_| st.config.gateway_url.is_some())
    else {
        return render_connect(
            &st,
            &visit,
            &user,
            Some(&Problem::own(503, "RECAPITO_NOT_CONFIGURED")),
        )
        .await;
    };
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let Some((client, purpose)) = form
        .get("scelta")
        .and_then(|s| s.trim().split_once(' '))
        .map(|(c, p)| (c.to_owned(), p.to_owned()))
    else {
        let mut p = Problem::own(400, "VALIDATION_FAILED");
        p.fields = vec!["scelta".into()];
        return render_connect(&st, &visit, &user, Some(&p)).await;
    };
    let pair = tokio::task::spawn_blocking(generate_key_pair).await;
    let Ok(Ok((private_pem, public_pem))) = pair else {
        return render_connect(
            &st,
            &visit,
            &user,
            Some(&Problem::own(500, "RECAPITO_KEY_STORE")),
        )
        .await;
    };
    let path = format!("/clients/{}/keys", crate::engine::encode(&client));
    let uploaded: Result<serde_json::Value, EngineError> = st
        .engine
        .send(
            Method::POST,
            &user.token,
            &path,
            Some(&json!({ "name": KEY_NAME, "key": public_pem })),
        )
        .await;
    let kid = match uploaded {
        Ok(v) => v["kid"].as_str().unwrap_or_default().to_owned(),
        Err(e) => return render_connect(&st, &visit, &user, Some(&e.into())).await,
    };
    let conn = Connection {
        client_id: client,
        kid,
        purpose_id: purpose,
        connected_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    };
    if save_connection(&data_dir, &tenant, &conn, private_pem.as_bytes()).is_err() {
        return render_connect(
            &st,
            &visit,
            &user,
            Some(&Problem::own(500, "RECAPITO_KEY_STORE")),
        )
        .await;
    }
    forget(&data_dir, &tenant);
    // A first voucher tells at once whether the choice works.
    let first = match gateway(&st, &user) {
        Ok(g) => g.voucher().await.map(|_| ()).map_err(Problem::from),
        Err(p) => Err(p),
    };
    match first {
        Ok(()) => {
            web::flash(&st, &visit, l.t(
                "Console collegata: la chiave «Console Recapito» è sul client e Interop ha rilasciato un voucher per la finalità scelta.",
                "Console connected: the \"Console Recapito\" key is on the client and Interop issued a voucher for the chosen purpose.",
            ));
            visit.finish(&st, web::redirect("/recapito/configurazioni"))
        }
        Err(p) => render_connect(&st, &visit, &user, Some(&p)).await,
    }
}

/// Disconnects: deletes the key from the client (administrator's token) and the private key.
pub async fn disconnect(State(st): St, Posted(visit, user, form, _): Posted<Admin>) -> Response {
    let l = visit.session.lang;
    if !web::confirmed(&form) {
        let mut p = Problem::own(400, "CONFIRMATION_REQUIRED");
        p.fields = vec!["conferma".into()];
        return render_connect(&st, &visit, &user, Some(&p)).await;
    }
    let Some(data_dir) = st.config.data_dir.clone() else {
        return render_connect(
            &st,
            &visit,
            &user,
            Some(&Problem::own(503, "RECAPITO_NOT_CONFIGURED")),
        )
        .await;
    };
    let tenant = user.tenant_id.clone().unwrap_or_default();
    if let Some(c) = load_connection(&data_dir, &tenant) {
        let path = format!(
            "/clients/{}/keys/{}",
            crate::engine::encode(&c.client_id),
            crate::engine::encode(&c.kid)
        );
        let done: Result<serde_json::Value, EngineError> = st
            .engine
            .send(
                Method::DELETE,
                &user.token,
                &path,
                None::<&serde_json::Value>,
            )
            .await;
        // A key already deleted on the client's page is fine: the console forgets its half.
        if let Err(e) = done
            && e.status != 404
        {
            return render_connect(&st, &visit, &user, Some(&e.into())).await;
        }
    }
    remove_connection(&data_dir, &tenant);
    forget(&data_dir, &tenant);
    web::flash(
        &st,
        &visit,
        l.t(
            "Console scollegata: la chiave è stata eliminata dal client e dalla console.",
            "Console disconnected: the key was deleted from the client and from the console.",
        ),
    );
    visit.finish(&st, web::redirect("/recapito/collega"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the gateway's table (`gateway/src/domain/error.rs`) has a sentence.
    #[test]
    fn every_gateway_code_has_a_sentence() {
        let table = include_str!("../../../gateway/src/domain/error.rs");
        let start = table.find("codes! {").expect("the code table");
        let codes: Vec<&str> = table[start..]
            .lines()
            .filter_map(|line| line.trim().split_once(" => ").map(|(c, _)| c.trim()))
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'))
            .collect();
        assert!(codes.len() > 50, "read the table: {codes:?}");
        for code in codes {
            assert!(
                SENTENCES
                    .iter()
                    .any(|(c, it, en)| *c == code && !it.is_empty() && !en.is_empty()),
                "no sentence for the gateway's {code}"
            );
        }
        for code in [
            "TOKEN_REFUSED",
            "CLIENT_TRANSPORT",
            "RECAPITO_NOT_CONNECTED",
        ] {
            assert!(SENTENCES.iter().any(|(c, ..)| *c == code), "{code}");
        }
    }

    #[test]
    fn problems_blame_fields_and_their_parts() {
        let p = Problem {
            status: 400,
            code: "VALIDATION_FAILED".into(),
            detail: String::new(),
            fields: vec!["test_environment.test_users[1]".into()],
        };
        assert!(p.concerns("test_environment.test_users"));
        assert!(!p.concerns("test_environment.test_user"));
        assert!(!p.concerns("prod_environment.base_url"));
    }

    #[test]
    fn a_connection_is_kept_readable_by_the_console_only() {
        let dir = tempfile::tempdir().unwrap();
        let c = Connection {
            client_id: "c".into(),
            kid: "k".into(),
            purpose_id: "p".into(),
            connected_at: "2026-12-07T20:00:00Z".into(),
        };
        let tenant = "0b6b3a4e-1f0c-4a53-9d59-000000000001";
        save_connection(dir.path(), tenant, &c, b"PRIVATE").unwrap();
        assert_eq!(load_connection(dir.path(), tenant), Some(c));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let (key, meta) = paths(dir.path(), tenant).unwrap();
            for f in [key, meta] {
                let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600);
            }
        }
        assert!(paths(dir.path(), "../etc").is_none());
        remove_connection(dir.path(), tenant);
        assert_eq!(load_connection(dir.path(), tenant), None);
    }
}
