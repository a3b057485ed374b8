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

/// What a user reads (Italian, English) for each code the console explains: the engine's codes (checked
/// against the engine's code table by `tests/pages.rs`) and [`OWN_CODES`]. Any other code reads
/// as a generic refusal, with the code shown next to it.
pub const SENTENCES: &[(&str, &str, &str)] = &[
    (
        "MISSING_TOKEN",
        "La sessione non è più valida: accedi di nuovo.",
        "Your session is no longer valid: sign in again.",
    ),
    (
        "INVALID_TOKEN",
        "La sessione non è più valida: accedi di nuovo.",
        "Your session is no longer valid: sign in again.",
    ),
    (
        "USER_NOT_REGISTERED",
        "Il tuo utente non è registrato presso il tuo ente.",
        "Your user is not registered with your organization.",
    ),
    (
        "USER_SUSPENDED",
        "Il tuo utente è sospeso.",
        "Your user is suspended.",
    ),
    (
        "ROLE_REQUIRED",
        "Il tuo ruolo non consente questa operazione.",
        "Your role does not allow this operation.",
    ),
    (
        "NOT_PRODUCER",
        "Solo l'ente erogatore può farlo.",
        "Only the producer can do this.",
    ),
    (
        "ESERVICE_NOT_FOUND",
        "E-service non trovato, o non visibile al tuo ente.",
        "E-service not found, or not visible to your organization.",
    ),
    (
        "DESCRIPTOR_NOT_FOUND",
        "Versione non trovata, o non visibile al tuo ente.",
        "Version not found, or not visible to your organization.",
    ),
    (
        "INVALID_PATH",
        "L'indirizzo della pagina non è valido.",
        "The page's address is not valid.",
    ),
    (
        "INVALID_QUERY",
        "I parametri della ricerca non sono validi.",
        "The search parameters are not valid.",
    ),
    (
        "VALIDATION_FAILED",
        "Alcuni dati non sono validi.",
        "Some data is not valid.",
    ),
    (
        "TENANT_NOT_FOUND",
        "Ente non trovato.",
        "Organization not found.",
    ),
    (
        "ATTRIBUTE_NOT_FOUND",
        "Attributo non trovato.",
        "Attribute not found.",
    ),
    (
        "CONCURRENT_MODIFICATION",
        "Modifiche concorrenti: riprova.",
        "Someone changed this at the same time: try again.",
    ),
    (
        "ENGINE_UNREACHABLE",
        "Il motore Interop non risponde: riprova tra poco.",
        "The Interop engine does not answer: try again shortly.",
    ),
    (
        "CONFIRMATION_REQUIRED",
        "Conferma l'operazione spuntando la casella.",
        "Confirm the operation by ticking the box.",
    ),
    (
        "ENGINE_ANSWER",
        "Il motore Interop ha dato una risposta inattesa.",
        "The Interop engine gave an unexpected answer.",
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
