//! The entity's side of the gateway: Interop vouchers, remote-content configurations and message
//! submission.
//!
//! An entity is an Interop consumer of the gateway's e-service: it holds a client (id), an RSA key
//! uploaded to that client (`kid`) and a purpose on the gateway's e-service. To call the gateway it
//! signs a client assertion (RS256: `iss` = `sub` = client id, `aud` = the engine's
//! client-assertion audience, `jti`, `iat`, `exp`, `purposeId`, header `kid`), trades it at the
//! engine's token endpoint for a voucher, and sends the voucher as `Authorization: Bearer`.
//! [`GatewayClient`] does all of it, caching the voucher until shortly before it expires.
//!
//! ```no_run
//! use provider_sdk::client::{ClientConfig, Credentials, GatewayClient};
//! use provider_sdk::contract::*;
//!
//! # async fn run() -> Result<(), provider_sdk::client::ClientError> {
//! let credentials = Credentials::from_pem_file(
//!     "client-id", "kid", "purpose-id", "/path/to/client.key.pem",
//! )?;
//! let client = GatewayClient::new(
//!     ClientConfig::new(
//!         "http://127.0.0.1:8080",
//!         "http://127.0.0.1:8081/token.oauth2",
//!         "recapito-interop/client-assertion",
//!     ),
//!     credentials,
//! )?;
//! let configurations = client.configurations().await?;
//! # Ok(()) }
//! ```

use crate::contract::{
    CreatedMessage, NewMessage, NewRcConfiguration, RcConfiguration, RcConfigurationList,
    SentMessages, probe::ProbeRequest,
};
use crate::voucher::{ClientKey, VoucherClient, VoucherClientConfig};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::time::Duration;

mod test_users;

pub use test_users::{
    InboxMessage, InboxPage, PreviewAttachment, PreviewDetails, PreviewMessage,
    PreviewThirdPartyMessage, TestUserInbox,
};

/// At most this much of an unexpected answer is kept in an error.
const KEPT_BODY: usize = 500;

/// What went wrong talking to the engine or the gateway.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The private key is not an RSA key in PEM (code `CLIENT_KEY_INVALID`).
    #[error("CLIENT_KEY_INVALID: {0}")]
    Key(String),
    /// A url or a setting cannot be used (code `CLIENT_CONFIG_INVALID`).
    #[error("CLIENT_CONFIG_INVALID: {0}")]
    Config(String),
    /// The peer could not be reached, or the answer could not be read (code
    /// `CLIENT_TRANSPORT`).
    #[error("CLIENT_TRANSPORT: {url}: {detail}")]
    Transport {
        /// What was called.
        url: String,
        /// Why it failed.
        detail: String,
    },
    /// The engine or the gateway refused with a problem+json answer: its `code` (e.g.
    /// `TOKEN_REFUSED` from the token endpoint, `CONFIGURATION_NOT_FOUND` or
    /// `IDEMPOTENCY_KEY_REUSED` from the gateway).
    #[error("{code} ({status}): {detail}")]
    Problem {
        /// The HTTP status.
        status: u16,
        /// The problem's stable `code`.
        code: String,
        /// The problem's `detail`.
        detail: String,
        /// The problem's `fields`, when it names them.
        fields: Vec<String>,
    },
    /// An answer that is neither the expected body nor a problem (code
    /// `CLIENT_UNEXPECTED_RESPONSE`).
    #[error("CLIENT_UNEXPECTED_RESPONSE: {status}: {body}")]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
}

impl ClientError {
    /// The stable code: the problem's own for [`ClientError::Problem`], `CLIENT_*` otherwise.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Key(_) => "CLIENT_KEY_INVALID",
            ClientError::Config(_) => "CLIENT_CONFIG_INVALID",
            ClientError::Transport { .. } => "CLIENT_TRANSPORT",
            ClientError::Problem { code, .. } => code,
            ClientError::Unexpected { .. } => "CLIENT_UNEXPECTED_RESPONSE",
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Problem { status, .. } | ClientError::Unexpected { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// The entity's Interop identity: its client, the key it uploaded there and the purpose it calls
/// the gateway for.
#[derive(Debug)]
pub struct Credentials {
    key: ClientKey,
    purpose_id: String,
}

impl Credentials {
    /// Credentials from an RSA private key in PEM (PKCS#8 or PKCS#1).
    pub fn from_pem(
        client_id: &str,
        kid: &str,
        purpose_id: &str,
        private_key_pem: &[u8],
    ) -> Result<Credentials, ClientError> {
        Ok(Credentials {
            key: ClientKey::from_pem(client_id, kid, private_key_pem)?,
            purpose_id: purpose_id.to_owned(),
        })
    }

    /// Credentials from a PEM file.
    pub fn from_pem_file(
        client_id: &str,
        kid: &str,
        purpose_id: &str,
        path: impl AsRef<Path>,
    ) -> Result<Credentials, ClientError> {
        Ok(Credentials {
            key: ClientKey::from_pem_file(client_id, kid, path)?,
            purpose_id: purpose_id.to_owned(),
        })
    }

    /// The Interop client id.
    pub fn client_id(&self) -> &str {
        self.key.client_id()
    }

    /// The purpose vouchers are asked for.
    pub fn purpose_id(&self) -> &str {
        &self.purpose_id
    }

    /// A signed client assertion for `audience` (the engine's client-assertion audience).
    pub fn client_assertion(&self, audience: &str) -> Result<String, ClientError> {
        self.key.client_assertion(audience, &self.purpose_id)
    }
}

/// Where the gateway and the engine are.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The gateway's base url, e.g. `http://127.0.0.1:8080`.
    pub gateway_url: String,
    /// The engine's token endpoint, e.g. `http://127.0.0.1:8081/token.oauth2`.
    pub token_endpoint: String,
    /// The `aud` of client assertions (the engine's `client_assertion_audience`).
    pub client_assertion_audience: String,
    /// Connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Total timeout of one request (default 30 s).
    pub timeout: Duration,
}

impl ClientConfig {
    /// A configuration with the default timeouts.
    pub fn new(gateway_url: &str, token_endpoint: &str, audience: &str) -> ClientConfig {
        ClientConfig {
            gateway_url: gateway_url.trim_end_matches('/').to_owned(),
            token_endpoint: token_endpoint.to_owned(),
            client_assertion_audience: audience.to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A client of the gateway's entity API, authenticated with Interop vouchers it obtains itself.
pub struct GatewayClient {
    config: ClientConfig,
    purpose_id: String,
    vouchers: VoucherClient,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct ProblemBody {
    /// Absent from the token endpoint's answers, which follow PDND's closed `Problem`: there the
    /// code is the last segment of `type`.
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    fields: Vec<String>,
}

impl ProblemBody {
    fn code(&self) -> Option<String> {
        self.code.clone().or_else(|| {
            let (_, code) = self.kind.as_deref()?.rsplit_once("/problems/")?;
            (!code.is_empty()).then(|| code.to_owned())
        })
    }
}

/// An HTTP client for the peer at `url` (named by its setting, for the error): the url must
/// parse, redirects are never followed, both timeouts bound every request.
pub(crate) fn http_client(
    (setting, url): (&str, &str),
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, ClientError> {
    reqwest::Url::parse(url).map_err(|e| ClientError::Config(format!("{setting} {url:?}: {e}")))?;
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ClientError::Config(e.to_string()))
}

/// Reads a failed answer: a problem+json becomes [`ClientError::Problem`].
pub(crate) async fn refusal(resp: reqwest::Response) -> ClientError {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap_or_default();
    let problem = serde_json::from_slice::<ProblemBody>(&bytes)
        .ok()
        .and_then(|p| Some((p.code()?, p)));
    match problem {
        Some((code, p)) => ClientError::Problem {
            status,
            code,
            detail: p.detail,
            fields: p.fields,
        },
        None => ClientError::Unexpected {
            status,
            body: String::from_utf8_lossy(&bytes)
                .chars()
                .take(KEPT_BODY)
                .collect(),
        },
    }
}

/// Reads a successful answer's JSON body.
pub(crate) async fn read_json<T: DeserializeOwned>(
    url: &str,
    resp: reqwest::Response,
) -> Result<T, ClientError> {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| ClientError::Transport {
        url: url.to_owned(),
        detail: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|_| ClientError::Unexpected {
        status,
        body: String::from_utf8_lossy(&bytes)
            .chars()
            .take(KEPT_BODY)
            .collect(),
    })
}

impl GatewayClient {
    /// A client for `config`, acting with `credentials`.
    pub fn new(
        config: ClientConfig,
        credentials: Credentials,
    ) -> Result<GatewayClient, ClientError> {
        let http = http_client(
            ("gateway_url", &config.gateway_url),
            config.connect_timeout,
            config.timeout,
        )?;
        let vouchers = VoucherClient::new(
            VoucherClientConfig {
                connect_timeout: config.connect_timeout,
                timeout: config.timeout,
                ..VoucherClientConfig::new(
                    &config.token_endpoint,
                    &config.client_assertion_audience,
                )
            },
            credentials.key,
        )?;
        Ok(GatewayClient {
            config,
            purpose_id: credentials.purpose_id,
            vouchers,
            http,
        })
    }

    /// The Interop client id this client acts as.
    pub fn client_id(&self) -> &str {
        self.vouchers.key().client_id()
    }

    /// The purpose this client's vouchers are for.
    pub fn purpose_id(&self) -> &str {
        &self.purpose_id
    }

    /// A valid voucher: the cached one, or a new one from the token endpoint (one request for
    /// all concurrent callers).
    pub async fn voucher(&self) -> Result<String, ClientError> {
        self.vouchers.voucher(&self.purpose_id).await
    }

    /// Forgets the cached voucher: the next call asks for a new one.
    pub async fn forget_voucher(&self) {
        self.vouchers.forget(&self.purpose_id);
    }

    /// One call to the gateway with the voucher; a `401` (a voucher revoked or expired early)
    /// is retried once with a new voucher.
    async fn call(
        &self,
        method: Method,
        path: &str,
        json: Option<&(dyn erased::Json + Sync)>,
        idempotency_key: Option<&str>,
    ) -> Result<reqwest::Response, ClientError> {
        let url = format!("{}{path}", self.config.gateway_url);
        for attempt in 0..2 {
            let voucher = self.voucher().await?;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&voucher);
            if let Some(key) = idempotency_key {
                req = req.header("Idempotency-Key", key);
            }
            if let Some(b) = json {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.to_json());
            }
            let resp = req.send().await.map_err(|e| ClientError::Transport {
                url: url.clone(),
                detail: e.to_string(),
            })?;
            if resp.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                self.forget_voucher().await;
                continue;
            }
            if !resp.status().is_success() {
                return Err(refusal(resp).await);
            }
            return Ok(resp);
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// `POST /api/v1/remote-contents/configurations`: registers a configuration.
    pub async fn create_configuration(
        &self,
        configuration: &NewRcConfiguration,
    ) -> Result<RcConfiguration, ClientError> {
        let path = "/api/v1/remote-contents/configurations";
        let resp = self
            .call(Method::POST, path, Some(configuration), None)
            .await?;
        read_json(path, resp).await
    }

    /// `GET /api/v1/remote-contents/configurations`: the entity's configurations.
    pub async fn configurations(&self) -> Result<Vec<RcConfiguration>, ClientError> {
        let path = "/api/v1/remote-contents/configurations";
        let resp = self.call(Method::GET, path, None, None).await?;
        Ok(read_json::<RcConfigurationList>(path, resp)
            .await?
            .rc_config_list)
    }

    /// `GET /api/v1/remote-contents/configurations/{id}`.
    pub async fn configuration(&self, id: &str) -> Result<RcConfiguration, ClientError> {
        let path = format!("/api/v1/remote-contents/configurations/{id}");
        let resp = self.call(Method::GET, &path, None, None).await?;
        read_json(&path, resp).await
    }

    /// `PUT /api/v1/remote-contents/configurations/{id}`: replaces a configuration (effective at
    /// the gateway's next fetch).
    pub async fn update_configuration(
        &self,
        id: &str,
        configuration: &NewRcConfiguration,
    ) -> Result<(), ClientError> {
        let path = format!("/api/v1/remote-contents/configurations/{id}");
        self.call(Method::PUT, &path, Some(configuration), None)
            .await?;
        Ok(())
    }

    /// `DELETE /api/v1/remote-contents/configurations/{id}`.
    pub async fn delete_configuration(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/api/v1/remote-contents/configurations/{id}");
        self.call(Method::DELETE, &path, None, None).await?;
        Ok(())
    }

    /// `POST /api/v1/messages` with an `Idempotency-Key`: a retry with the same key and body
    /// answers the same id and creates nothing; the same key with another body is refused
    /// (`IDEMPOTENCY_KEY_REUSED`).
    pub async fn submit_message(
        &self,
        message: &NewMessage,
        idempotency_key: &str,
    ) -> Result<CreatedMessage, ClientError> {
        let path = "/api/v1/messages";
        let resp = self
            .call(Method::POST, path, Some(message), Some(idempotency_key))
            .await?;
        read_json(path, resp).await
    }

    /// `POST /api/v1/remote-contents/configurations/{id}/probe`: the gateway probes the
    /// configuration `id` itself, with the configuration's own authentication, as it would
    /// fetch `request.message_id` for `request.fiscal_code`, and answers every check (the report
    /// `gateway probe --json` prints). Failed checks are in the report; a refusal to probe is an
    /// error (`PROBE_LIMITED` with its `Retry-After` when this tenant's probes are spent).
    pub async fn probe(
        &self,
        id: &str,
        request: &ProbeRequest,
    ) -> Result<crate::contract::probe::Report, ClientError> {
        let path = format!("/api/v1/remote-contents/configurations/{id}/probe");
        let resp = self.call(Method::POST, &path, Some(request), None).await?;
        read_json(&path, resp).await
    }

    /// `GET /api/v1/messages`: one page of the messages this client's tenant sent, newest
    /// first, as `filter` narrows them (only the caller's own messages, whatever the filter).
    /// The next page is `filter.cursor = page.next`; `next` is `None` on the last page.
    pub async fn sent_messages(
        &self,
        filter: &SentMessagesFilter,
    ) -> Result<SentMessages, ClientError> {
        let path = format!("/api/v1/messages{}", filter.query_string());
        let resp = self.call(Method::GET, &path, None, None).await?;
        read_json(&path, resp).await
    }
}

/// Which sent messages [`GatewayClient::sent_messages`] lists; the default is the newest 20.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentMessagesFilter {
    /// Only the messages sent with this remote-content configuration (its id).
    pub configuration: Option<String>,
    /// Only the messages created at or after this RFC 3339 instant.
    pub from: Option<String>,
    /// Only the messages created before this RFC 3339 instant.
    pub to: Option<String>,
    /// At most this many messages (1..=100; the gateway's default is 20).
    pub limit: Option<u32>,
    /// The `next` of the previous page: the page after it.
    pub cursor: Option<String>,
}

impl SentMessagesFilter {
    /// `?name=value&...` (percent-encoded; `+` of an offset included), or `""` when empty.
    fn query_string(&self) -> String {
        let limit = self.limit.map(|l| l.to_string());
        let pairs = [
            ("configuration", self.configuration.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("limit", limit.as_deref()),
            ("cursor", self.cursor.as_deref()),
        ];
        let mut url = reqwest::Url::parse("http://query.invalid/").expect("a valid url");
        {
            let mut q = url.query_pairs_mut();
            for (name, value) in pairs {
                if let Some(v) = value {
                    q.append_pair(name, v);
                }
            }
        }
        url.query()
            .filter(|q| !q.is_empty())
            .map(|q| format!("?{q}"))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod sent_filter_tests {
    use super::SentMessagesFilter;

    #[test]
    fn an_empty_filter_sends_no_query() {
        assert_eq!(SentMessagesFilter::default().query_string(), "");
    }

    #[test]
    fn the_filter_is_percent_encoded() {
        let f = SentMessagesFilter {
            configuration: Some("01ARZ3NDEKTSV4RRFFQ69G5FAV".into()),
            from: Some("2026-01-02T03:04:05+01:00".into()),
            to: None,
            limit: Some(5),
            cursor: Some("1767323045678.01ARZ3NDEKTSV4RRFFQ69G5FAV".into()),
        };
        assert_eq!(
            f.query_string(),
            "?configuration=01ARZ3NDEKTSV4RRFFQ69G5FAV&from=2026-01-02T03%3A04%3A05%2B01%3A00\
             &limit=5&cursor=1767323045678.01ARZ3NDEKTSV4RRFFQ69G5FAV"
        );
    }
}

/// Serializable bodies behind one object-safe trait (so `call` is not generic).
mod erased {
    /// A body that serializes to JSON.
    pub trait Json {
        fn to_json(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap_or_default()
        }
    }
}
