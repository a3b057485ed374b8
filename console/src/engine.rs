//! The Interop engine's public HTTP API, as the console calls it: always with the signed-in
//! user's own identity token. The engine enforces every rule; the console only shows its answers
//! (its error codes as Italian sentences, with the code).

use crate::session::Lang;
pub use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// An e-service as `GET /eservices` and `GET /eservices/{id}` return it (the fields the pages
/// show).
#[derive(Debug, Clone, Deserialize)]
pub struct EService {
    pub id: String,
    pub producer_id: String,
    pub name: String,
    pub description: String,
    pub technology: String,
    pub mode: String,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub descriptors: Vec<Descriptor>,
}

/// One page of a list, and how many items matched in all.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// A page of the catalogue, and how many e-services matched in all.
pub type CataloguePage = Listed<EService>;

/// Required attributes: each inner list is a group, any one of which satisfies it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Attributes {
    #[serde(default)]
    pub certified: Vec<Vec<RequiredAttribute>>,
    #[serde(default)]
    pub declared: Vec<Vec<RequiredAttribute>>,
    #[serde(default)]
    pub verified: Vec<Vec<RequiredAttribute>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequiredAttribute {
    pub id: String,
    #[serde(default)]
    pub explicit_verification: bool,
}

/// A version of an e-service.
#[derive(Debug, Clone, Deserialize)]
pub struct Descriptor {
    pub id: String,
    pub version: u32,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub audience: Vec<String>,
    #[serde(default)]
    pub voucher_lifespan: Option<u32>,
    #[serde(default)]
    pub daily_calls_per_consumer: Option<u64>,
    #[serde(default)]
    pub daily_calls_total: Option<u64>,
    #[serde(default)]
    pub agreement_approval_policy: Option<String>,
    #[serde(default)]
    pub server_urls: Vec<String>,
    #[serde(default)]
    pub published_at: Option<String>,
}

impl EService {
    /// The newest version that is not a draft, else the newest.
    pub fn current(&self) -> Option<&Descriptor> {
        self.descriptors
            .iter()
            .filter(|d| d.state != "DRAFT")
            .max_by_key(|d| d.version)
            .or_else(|| self.descriptors.iter().max_by_key(|d| d.version))
    }
}

/// An attribute (`GET /attributes`): what the pages name a required attribute by.
#[derive(Debug, Clone, Deserialize)]
pub struct Attribute {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

impl Attributes {
    pub fn is_empty(&self) -> bool {
        self.certified.is_empty() && self.declared.is_empty() && self.verified.is_empty()
    }
}

/// A tenant (`GET /tenants/{id}`): the pages name producers by it.
#[derive(Debug, Clone, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
}

/// A tenant's attributes (`GET /tenants/{id}/attributes`), by id.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TenantAttributes {
    #[serde(default)]
    pub certified: Vec<String>,
    #[serde(default)]
    pub declared: Vec<String>,
    #[serde(default)]
    pub verified: Vec<VerifiedAttribute>,
}

/// A verified attribute and the producers (tenants) that verified it.
#[derive(Debug, Clone, Deserialize)]
pub struct VerifiedAttribute {
    pub id: String,
    #[serde(default)]
    pub verified_by: Vec<String>,
}

/// A user of a tenant (`GET /tenants/{id}/users`).
#[derive(Debug, Clone, Deserialize)]
pub struct TenantUser {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub state: String,
}

/// What went wrong calling the engine: its problem document, or why there was none.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct EngineError {
    pub status: u16,
    pub code: String,
    pub detail: String,
    /// The request's fields at fault, as the engine names them (its problem's `fields`): a
    /// form shows the message next to each.
    pub fields: Vec<String>,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    fields: Vec<String>,
}

/// The console's own codes: the engine cannot be asked or answers nonsense, or a destructive
/// action was not confirmed.
pub const OWN_CODES: &[&str] = &[
    "ENGINE_UNREACHABLE",
    "ENGINE_ANSWER",
    "CONFIRMATION_REQUIRED",
];

/// What a user reads (Italian, English) for each code the console explains: every code of the
/// engine's table (`tests/pages.rs` checks none is missing, none is twice, and none is left
/// untranslated) and [`OWN_CODES`]. A code the engine adds later reads as a generic refusal,
/// with the code shown next to it, until it gets its sentence here.
pub const SENTENCES: &[(&str, &str, &str)] = &[
    // Not found, or not visible to the user's organization.
    (
        "TENANT_NOT_FOUND",
        "Ente non trovato: controlla di aver seguito un collegamento della console.",
        "Organization not found: check that you followed a link of the console.",
    ),
    (
        "USER_NOT_FOUND",
        "Utente non trovato: forse è già stato rimosso. Ricarica l'elenco degli utenti.",
        "User not found: they may have been removed already. Reload the list of users.",
    ),
    (
        "ATTRIBUTE_NOT_FOUND",
        "Attributo non trovato: scegline uno dall'elenco degli attributi.",
        "Attribute not found: choose one from the list of attributes.",
    ),
    (
        "ESERVICE_NOT_FOUND",
        "E-service non trovato, o non visibile al tuo ente.",
        "E-service not found, or not visible to your organization.",
    ),
    (
        "DESCRIPTOR_NOT_FOUND",
        "Versione dell'e-service non trovata, o non visibile al tuo ente.",
        "E-service version not found, or not visible to your organization.",
    ),
    (
        "AGREEMENT_NOT_FOUND",
        "Richiesta di fruizione non trovata, o il tuo ente non ne è né erogatore né fruitore.",
        "Request (agreement) not found, or your organization is neither its producer nor its consumer.",
    ),
    (
        "PURPOSE_NOT_FOUND",
        "Finalità non trovata, o il tuo ente non ne è né erogatore né fruitore.",
        "Purpose not found, or your organization is neither its producer nor its consumer.",
    ),
    (
        "PURPOSE_VERSION_NOT_FOUND",
        "Stima di carico della finalità non trovata.",
        "Load estimate of the purpose not found.",
    ),
    (
        "CLIENT_NOT_FOUND",
        "Client non trovato, o non sei tra i suoi operatori di sicurezza.",
        "Client not found, or you are not one of its security operators.",
    ),
    (
        "KEY_NOT_FOUND",
        "Chiave pubblica non trovata su questo client: forse è già stata eliminata.",
        "Public key not found on this client: it may have been deleted already.",
    ),
    // Who may do what.
    (
        "ROLE_REQUIRED",
        "Il tuo ruolo non consente questa operazione: chiedi a un amministratore del tuo ente.",
        "Your role does not allow this operation: ask an administrator of your organization.",
    ),
    (
        "NOT_PRODUCER",
        "Solo l'ente erogatore dell'e-service può farlo.",
        "Only the producer of the e-service can do this.",
    ),
    (
        "NOT_CONSUMER",
        "Solo l'ente fruitore può farlo.",
        "Only the consumer can do this.",
    ),
    (
        "NOT_CLIENT_MEMBER",
        "Solo gli operatori di sicurezza del client possono caricarne le chiavi pubbliche.",
        "Only the client's security operators can upload its public keys.",
    ),
    (
        "USER_SUSPENDED",
        "Il tuo utente è sospeso dal tuo ente: chiedi a un amministratore di riattivarlo.",
        "Your user is suspended by your organization: ask an administrator to reactivate it.",
    ),
    (
        "USER_NOT_REGISTERED",
        "Il tuo utente non è registrato presso il tuo ente: chiedi a un amministratore di aggiungerti.",
        "Your user is not registered with your organization: ask an administrator to add you.",
    ),
    (
        "M2M_NOT_ALLOWED",
        "Le chiavi pubbliche non si gestiscono con le API M2M: usa la console.",
        "Public keys are not managed through the M2M API: use the console.",
    ),
    // Bad input.
    (
        "VALIDATION_FAILED",
        "Alcuni dati non sono validi.",
        "Some data is not valid.",
    ),
    (
        "KEY_INVALID_PEM",
        "La chiave non è in formato PEM leggibile: incolla il testo da -----BEGIN PUBLIC KEY----- a -----END PUBLIC KEY-----.",
        "The key is not readable PEM: paste the text from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----.",
    ),
    (
        "KEY_NOT_RSA",
        "Sono accettate solo chiavi RSA.",
        "Only RSA keys are accepted.",
    ),
    (
        "KEY_TOO_SHORT",
        "La chiave RSA deve essere di almeno 2048 bit.",
        "The RSA key must have at least 2048 bits.",
    ),
    (
        "KEY_IS_PRIVATE",
        "Hai caricato una chiave privata: caricala solo pubblica, e tieni la privata per te (considerala compromessa e generane una nuova).",
        "You uploaded a private key: upload only the public one and keep the private one to yourself (consider it compromised and generate a new one).",
    ),
    (
        "KEY_IS_CERTIFICATE",
        "Hai caricato un certificato: carica la chiave pubblica.",
        "You uploaded a certificate: upload the public key.",
    ),
    (
        "KEY_MULTIPLE_BLOCKS",
        "Il testo contiene più di una chiave: caricane una alla volta.",
        "The text holds more than one key: upload one at a time.",
    ),
    (
        "ATTRIBUTE_KIND_MISMATCH",
        "L'attributo è di un altro tipo (certificato, dichiarato o verificato).",
        "The attribute is of another kind (certified, declared or verified).",
    ),
    (
        "USER_ROLE_MISMATCH",
        "I ruoli non lo consentono: un utente ha almeno un ruolo tra amministratore, operatore API e operatore di sicurezza, e un amministratore non può sospendere o rimuovere sé stesso.",
        "The roles do not allow it: a user has at least one role among administrator, API operator and security operator, and administrators cannot suspend or remove themselves.",
    ),
    // The state does not allow it.
    (
        "TENANT_NAME_TAKEN",
        "Esiste già un ente con questo nome.",
        "An organization with this name already exists.",
    ),
    (
        "USER_ALREADY_EXISTS",
        "Questo utente è già registrato presso l'ente (o è già operatore del client).",
        "This user is already registered with the organization (or is already an operator of the client).",
    ),
    (
        "ATTRIBUTE_NAME_TAKEN",
        "Esiste già un attributo di questo tipo con questo nome.",
        "An attribute of this kind with this name already exists.",
    ),
    (
        "ESERVICE_NAME_TAKEN",
        "Il tuo ente ha già un e-service con questo nome: scegline un altro.",
        "Your organization already has an e-service with this name: choose another.",
    ),
    (
        "AUDIENCE_TAKEN",
        "L'audience della versione è già usata da un e-service di un altro erogatore: scegline un'altra.",
        "The version's audience is already used by an e-service of another producer: choose another.",
    ),
    (
        "ESERVICE_IMMUTABLE",
        "Le informazioni generali dell'e-service non si modificano più dopo la pubblicazione della prima versione: crea una nuova versione.",
        "The e-service's general information cannot change after its first version is published: create a new version.",
    ),
    (
        "ESERVICE_HAS_PUBLISHED_VERSIONS",
        "Un e-service che è stato pubblicato non si può cancellare.",
        "An e-service that was published cannot be deleted.",
    ),
    (
        "DRAFT_DESCRIPTOR_EXISTS",
        "Esiste già una bozza di versione: modificala o cancellala prima di crearne un'altra.",
        "A draft version already exists: edit or delete it before creating another.",
    ),
    (
        "DESCRIPTOR_INCOMPLETE",
        "La bozza non è completa: compila i campi indicati prima di pubblicarla.",
        "The draft is not complete: fill in the fields shown before publishing it.",
    ),
    (
        "DESCRIPTOR_STATE_CONFLICT",
        "Lo stato attuale della versione non consente questa operazione: ricarica la pagina.",
        "The version's current state does not allow this operation: reload the page.",
    ),
    (
        "DESCRIPTOR_HAS_AGREEMENTS",
        "La versione ha richieste di fruizione: non si può archiviare.",
        "The version has requests (agreements) on it: it cannot be archived.",
    ),
    (
        "NO_PUBLISHED_DESCRIPTOR",
        "L'e-service non ha una versione pubblicata da sottoscrivere: si sottoscrive solo l'ultima versione pubblicata.",
        "The e-service has no published version to subscribe to: only the latest published version can be.",
    ),
    (
        "AGREEMENT_ALREADY_EXISTS",
        "Il tuo ente ha già una richiesta di fruizione in corso per questo e-service.",
        "Your organization already has a live request (agreement) for this e-service.",
    ),
    (
        "AGREEMENT_STATE_CONFLICT",
        "Lo stato attuale della richiesta di fruizione non consente questa operazione: ricarica la pagina.",
        "The request's (agreement's) current state does not allow this operation: reload the page.",
    ),
    (
        "MISSING_CERTIFIED_ATTRIBUTES",
        "Il tuo ente non possiede un attributo certificato richiesto dall'e-service: la richiesta di fruizione non può essere presentata.",
        "Your organization lacks a certified attribute the e-service requires: the request (agreement) cannot be submitted.",
    ),
    (
        "VERIFIED_ATTRIBUTES_NOT_VERIFIED",
        "Per approvare la richiesta di fruizione, verifica prima gli attributi indicati del fruitore.",
        "To approve the request (agreement), first verify the consumer's attributes shown.",
    ),
    (
        "NO_NEWER_DESCRIPTOR",
        "Non c'è una versione pubblicata più recente a cui aggiornare la richiesta di fruizione.",
        "There is no newer published version to upgrade the request (agreement) to.",
    ),
    (
        "AGREEMENT_NOT_ACTIVE",
        "Le finalità richiedono una richiesta di fruizione attiva su questo e-service.",
        "Purposes need an active request (agreement) on this e-service.",
    ),
    (
        "PURPOSE_STATE_CONFLICT",
        "Lo stato attuale della finalità non consente questa operazione: ricarica la pagina.",
        "The purpose's current state does not allow this operation: reload the page.",
    ),
    (
        "PURPOSE_VERSION_PENDING",
        "Una stima di carico di questa finalità è già in attesa di approvazione dell'erogatore.",
        "A load estimate of this purpose already waits for the producer's approval.",
    ),
    (
        "CLIENT_KIND_MISMATCH",
        "I client API interop non si associano alle finalità: scegli un client e-service.",
        "Interop API clients cannot be attached to purposes: choose an e-service client.",
    ),
    (
        "CLIENT_ALREADY_ON_PURPOSE",
        "Il client è già associato a questa finalità.",
        "The client is already attached to this purpose.",
    ),
    (
        "CLIENT_NOT_ON_PURPOSE",
        "Il client non è associato a questa finalità.",
        "The client is not attached to this purpose.",
    ),
    (
        "KEY_ALREADY_EXISTS",
        "Questa chiave pubblica è già registrata sulla piattaforma: generane una nuova.",
        "This public key is already registered on the platform: generate a new one.",
    ),
    (
        "ATTRIBUTE_ALREADY_ASSIGNED",
        "L'ente possiede già questo attributo.",
        "The organization already holds this attribute.",
    ),
    (
        "ATTRIBUTE_NOT_ASSIGNED",
        "L'ente non possiede questo attributo: forse è già stato revocato.",
        "The organization does not hold this attribute: it may have been revoked already.",
    ),
    (
        "CONCURRENT_MODIFICATION",
        "Qualcun altro ha modificato gli stessi dati nello stesso momento: riprova.",
        "Someone changed the same data at the same time: try again.",
    ),
    // The request itself.
    (
        "INVALID_BODY",
        "I dati inviati non sono nel formato atteso: controlla il campo indicato.",
        "The data sent is not in the expected format: check the field shown.",
    ),
    (
        "PAYLOAD_TOO_LARGE",
        "I dati inviati sono troppo grandi (al massimo 2 MiB).",
        "The data sent is too large (2 MiB at most).",
    ),
    (
        "UNSUPPORTED_MEDIA_TYPE",
        "Il motore Interop non accetta dati in questo formato.",
        "The Interop engine does not accept data in this format.",
    ),
    (
        "INVALID_PATH",
        "L'indirizzo della pagina non è valido: segui un collegamento della console.",
        "The page's address is not valid: follow a link of the console.",
    ),
    (
        "INVALID_QUERY",
        "I parametri della ricerca non sono validi.",
        "The search parameters are not valid.",
    ),
    (
        "INVALID_TOKEN_REQUEST",
        "La richiesta di voucher non è ben formata.",
        "The voucher request is malformed.",
    ),
    (
        "MISSING_TOKEN",
        "Non hai effettuato l'accesso: accedi di nuovo.",
        "You are not signed in: sign in again.",
    ),
    (
        "INVALID_TOKEN",
        "La sessione è scaduta o non è più valida: accedi di nuovo.",
        "Your session has expired or is no longer valid: sign in again.",
    ),
    (
        "TOKEN_REFUSED",
        "Il voucher non è stato rilasciato: il motivo è nell'elenco dei rifiuti del client.",
        "The voucher was not issued: the reason is in the client's list of refusals.",
    ),
    (
        "ROUTE_NOT_FOUND",
        "Il motore Interop non conosce questa operazione.",
        "The Interop engine does not know this operation.",
    ),
    (
        "METHOD_NOT_ALLOWED",
        "Il motore Interop non consente questa operazione su questo indirizzo.",
        "The Interop engine does not allow this operation at this address.",
    ),
    (
        "ROTATION_NOT_POSSIBLE",
        "La chiave di firma è fissata dalla configurazione: si ruota cambiando la configurazione.",
        "The signing key is set by configuration: rotate it by changing the configuration.",
    ),
    (
        "STORE_UNAVAILABLE",
        "L'archivio del motore Interop non è raggiungibile: riprova tra poco.",
        "The Interop engine's store cannot be reached: try again shortly.",
    ),
    // The console's own.
    (
        "ENGINE_UNREACHABLE",
        "Il motore Interop non risponde: riprova tra poco.",
        "The Interop engine does not answer: try again shortly.",
    ),
    (
        "ENGINE_ANSWER",
        "Il motore Interop ha dato una risposta inattesa.",
        "The Interop engine gave an unexpected answer.",
    ),
    (
        "CONFIRMATION_REQUIRED",
        "Conferma l'operazione spuntando la casella.",
        "Confirm the operation by ticking the box.",
    ),
];

impl EngineError {
    /// The sentence a user reads, in `lang`, for the engine's code.
    pub fn sentence(&self, lang: Lang) -> &'static str {
        SENTENCES
            .iter()
            .find(|(code, ..)| *code == self.code)
            .map_or(
                lang.t(
                    "Il motore Interop ha rifiutato la richiesta.",
                    "The Interop engine refused the request.",
                ),
                |(_, it, en)| lang.t(it, en),
            )
    }

    /// Whether the engine blamed `field` (a form shows the sentence next to it).
    pub fn concerns(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f == field)
    }

    fn unreachable(e: reqwest::Error) -> EngineError {
        EngineError {
            status: 502,
            code: "ENGINE_UNREACHABLE".into(),
            detail: e.to_string(),
            fields: Vec::new(),
        }
    }
}

/// The engine's base URL and an HTTP client.
#[derive(Clone)]
pub struct Engine {
    base: String,
    http: reqwest::Client,
}

impl Engine {
    pub fn new(base: &str) -> Engine {
        Engine {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .build()
                .expect("HTTP client"),
        }
    }

    /// `GET {base}{path}` with `token`, decoded.
    pub async fn get<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Result<T, EngineError> {
        let (_, body) = self.fetch(token, path).await?;
        decode(&body)
    }

    /// `GET {base}{path}` with `token`: a success's headers and body, or the engine's problem.
    async fn fetch(
        &self,
        token: &str,
        path: &str,
    ) -> Result<(reqwest::header::HeaderMap, axum::body::Bytes), EngineError> {
        self.call(Method::GET, token, path, None).await
    }

    /// `GET {base}{path}` with `token`: one page of a list, and how many items matched in all
    /// (the engine's `X-Total-Count`).
    pub async fn page<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Result<Listed<T>, EngineError> {
        let (headers, body) = self.fetch(token, path).await?;
        let total = headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| EngineError {
                status: 502,
                code: "ENGINE_ANSWER".into(),
                detail: format!("the answer to {path} has no valid X-Total-Count"),
                fields: Vec::new(),
            })?;
        Ok(Listed {
            items: decode(&body)?,
            total,
        })
    }

    /// `method {base}{path}` with `token` and a JSON `body` (if any), the answer decoded (an
    /// empty answer, such as a 204, decodes as JSON `null`: ask for `()` or an `Option`).
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, EngineError> {
        let (_, answer) = self.call(method, token, path, body).await?;
        if answer.is_empty() {
            return decode(b"null");
        }
        decode(&answer)
    }

    /// One call: a success's headers and body, or the engine's problem.
    async fn call(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(reqwest::header::HeaderMap, axum::body::Bytes), EngineError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let answer = request.send().await.map_err(EngineError::unreachable)?;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let body = answer.bytes().await.map_err(EngineError::unreachable)?;
        if (200..300).contains(&status) {
            return Ok((headers, body));
        }
        let p: Problem = serde_json::from_slice(&body).unwrap_or(Problem {
            code: String::new(),
            detail: String::from_utf8_lossy(&body).chars().take(200).collect(),
            fields: Vec::new(),
        });
        Err(EngineError {
            status,
            code: if p.code.is_empty() {
                format!("HTTP_{status}")
            } else {
                p.code
            },
            detail: p.detail,
            fields: p.fields,
        })
    }

    /// One page of the catalogue (`GET /eservices?q=&offset=&limit=`): the engine filters,
    /// orders and pages, and tells the number of matches in `X-Total-Count`.
    pub async fn eservices(
        &self,
        token: &str,
        search: &str,
        offset: u64,
        limit: u64,
    ) -> Result<CataloguePage, EngineError> {
        let path = format!(
            "/eservices?q={}&offset={offset}&limit={limit}",
            encode(search)
        );
        self.page(token, &path).await
    }

    pub async fn attributes(&self, token: &str) -> Result<Vec<Attribute>, EngineError> {
        self.get(token, "/attributes").await
    }

    pub async fn tenant(&self, token: &str, id: &str) -> Result<Tenant, EngineError> {
        self.get(token, &format!("/tenants/{}", encode(id))).await
    }

    pub async fn tenant_attributes(
        &self,
        token: &str,
        id: &str,
    ) -> Result<TenantAttributes, EngineError> {
        self.get(token, &format!("/tenants/{}/attributes", encode(id)))
            .await
    }

    pub async fn tenant_users(
        &self,
        token: &str,
        id: &str,
    ) -> Result<Vec<TenantUser>, EngineError> {
        self.get(token, &format!("/tenants/{}/users", encode(id)))
            .await
    }

    pub async fn eservice(&self, token: &str, id: &str) -> Result<EService, EngineError> {
        self.get(token, &format!("/eservices/{}", encode(id))).await
    }
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, EngineError> {
    serde_json::from_slice(body).map_err(|e| EngineError {
        status: 502,
        code: "ENGINE_ANSWER".into(),
        detail: e.to_string(),
        fields: Vec::new(),
    })
}

/// A path segment or query value, percent-encoded (ids are UUIDs; anything else is passed on safely and the
/// engine answers INVALID_PATH).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
