//! Interop vouchers, from both sides: the claims a voucher and a client assertion carry
//! ([`VoucherClaims`], [`ClientAssertionClaims`]), and the client that trades assertions for
//! vouchers ([`VoucherClient`]).
//!
//! A client of an Interop e-service holds a client id, an RSA key uploaded to that client (its
//! `kid`) and one or more purposes. For each call it needs a voucher for the purpose: it signs a
//! client assertion (RS256, `iss` = `sub` = client id, `aud` = the engine's client-assertion
//! audience, a fresh `jti`, `iat`, `exp`, `purposeId`, header `kid`), posts it to the engine's
//! token endpoint, and reuses the voucher until shortly before it expires. [`VoucherClient`]
//! does that for any number of purposes, asking once per purpose however many callers wait
//! (single flight).
//!
//! ```no_run
//! use provider_sdk::voucher::{ClientKey, VoucherClient, VoucherClientConfig};
//!
//! # async fn run() -> Result<(), provider_sdk::client::ClientError> {
//! let key = ClientKey::from_pem_file("client-id", "kid", "/path/to/client.key.pem")?;
//! let vouchers = VoucherClient::new(
//!     VoucherClientConfig::new(
//!         "http://127.0.0.1:8081/token.oauth2",
//!         "recapito-interop/client-assertion",
//!     ),
//!     key,
//! )?;
//! let voucher = vouchers.voucher("purpose-id").await?;
//! # Ok(()) }
//! ```

use crate::client::{ClientError, http_client, read_json, refusal};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A voucher is renewed this long before it expires (or at half its life, if shorter).
const RENEW_BEFORE: Duration = Duration::from_secs(30);
/// Client assertions live this long, seconds.
const ASSERTION_LIFETIME: i64 = 60;
/// The `client_assertion_type` of RFC 7523.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `aud` as one string or a list (a version may name several audiences).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience, as a string.
    One(String),
    /// Several, as a list.
    Many(Vec<String>),
}

impl Audience {
    /// A string for one audience, a list otherwise.
    pub fn from_list(list: Vec<String>) -> Audience {
        if list.len() == 1 {
            Audience::One(list.into_iter().next().unwrap_or_default())
        } else {
            Audience::Many(list)
        }
    }
}

impl From<&str> for Audience {
    fn from(a: &str) -> Audience {
        Audience::One(a.to_owned())
    }
}

/// The `digest` a client may put in its assertion (`{alg: "SHA256", value}`: 64 hex digits of
/// the request it will make), copied into the voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// `SHA256`.
    pub alg: String,
    /// The hash, hex.
    pub value: String,
}

/// The claims of a voucher the engine issues for an e-service call: who calls (`consumerId`,
/// its client, the purpose) and what for (`eserviceId`, `descriptorId`, `producerId`, `aud`).
/// The engine signs exactly this; a verifier reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherClaims {
    /// The engine (`tokens.issuer`).
    pub iss: String,
    /// The e-service version's audience(s).
    pub aud: Audience,
    /// The client id.
    pub sub: String,
    /// The client id, as PDND repeats it.
    pub client_id: String,
    /// The purpose the voucher was issued for.
    #[serde(rename = "purposeId")]
    pub purpose_id: String,
    /// A unique id.
    pub jti: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    pub nbf: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The consumer tenant.
    #[serde(rename = "consumerId")]
    pub consumer_id: String,
    /// The tenant that offers the e-service.
    #[serde(rename = "producerId")]
    pub producer_id: String,
    /// The e-service.
    #[serde(rename = "eserviceId")]
    pub eservice_id: String,
    /// The e-service's version the agreement is on.
    #[serde(rename = "descriptorId")]
    pub descriptor_id: String,
    /// The assertion's `digest`, copied into the voucher when the client sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

/// The claims of a client assertion (what a client signs to ask for a voucher).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAssertionClaims {
    /// The client id.
    pub iss: String,
    /// The client id.
    pub sub: String,
    /// The engine's client-assertion audience.
    pub aud: String,
    /// A unique id: the engine refuses one it has seen.
    pub jti: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The purpose a voucher is asked for.
    #[serde(rename = "purposeId")]
    pub purpose_id: String,
}

impl ClientAssertionClaims {
    /// Fresh claims for `client_id` asking for `purpose_id`, valid for a minute from now.
    pub fn new(client_id: &str, audience: &str, purpose_id: &str) -> ClientAssertionClaims {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        ClientAssertionClaims {
            iss: client_id.to_owned(),
            sub: client_id.to_owned(),
            aud: audience.to_owned(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat: now,
            exp: now + ASSERTION_LIFETIME,
            purpose_id: purpose_id.to_owned(),
        }
    }
}

/// An Interop client and the RSA key it uploaded: signs client assertions.
pub struct ClientKey {
    client_id: String,
    kid: String,
    key: EncodingKey,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("client_id", &self.client_id)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl ClientKey {
    /// The client `client_id` with its RSA private key in PEM (PKCS#8 or PKCS#1), uploaded as
    /// `kid`.
    pub fn from_pem(
        client_id: &str,
        kid: &str,
        private_key_pem: &[u8],
    ) -> Result<ClientKey, ClientError> {
        let key = EncodingKey::from_rsa_pem(private_key_pem)
            .map_err(|e| ClientError::Key(format!("not an RSA private key in PEM: {e}")))?;
        Ok(ClientKey {
            client_id: client_id.to_owned(),
            kid: kid.to_owned(),
            key,
        })
    }

    /// The same, from a PEM file.
    pub fn from_pem_file(
        client_id: &str,
        kid: &str,
        path: impl AsRef<Path>,
    ) -> Result<ClientKey, ClientError> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map_err(|e| ClientError::Key(format!("cannot read {}: {e}", path.display())))?;
        ClientKey::from_pem(client_id, kid, &pem)
    }

    /// The Interop client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Signs `claims` as a client assertion (RS256, header `kid`).
    pub fn sign(&self, claims: &ClientAssertionClaims) -> Result<String, ClientError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.key)
            .map_err(|e| ClientError::Key(format!("cannot sign the client assertion: {e}")))
    }

    /// A fresh signed client assertion asking for `purpose_id`, for `audience` (the engine's
    /// client-assertion audience).
    pub fn client_assertion(
        &self,
        audience: &str,
        purpose_id: &str,
    ) -> Result<String, ClientError> {
        self.sign(&ClientAssertionClaims::new(
            &self.client_id,
            audience,
            purpose_id,
        ))
    }
}

/// Where the token endpoint is, and how long vouchers are kept.
#[derive(Debug, Clone)]
pub struct VoucherClientConfig {
    /// The engine's token endpoint, e.g. `http://127.0.0.1:8081/token.oauth2`.
    pub token_endpoint: String,
    /// The `aud` of client assertions (the engine's `client_assertion_audience`).
    pub client_assertion_audience: String,
    /// Connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Total timeout of one token request (default 30 s).
    pub timeout: Duration,
    /// The longest a voucher is reused, however long it is valid (default: no bound). Interop's
    /// suspensions reach a client only when it asks for a new voucher: this bounds how long a
    /// suspended purpose, agreement or e-service keeps working through it.
    pub max_reuse: Option<Duration>,
}

impl VoucherClientConfig {
    /// A configuration with the default timeouts and no reuse bound.
    pub fn new(token_endpoint: &str, client_assertion_audience: &str) -> VoucherClientConfig {
        VoucherClientConfig {
            token_endpoint: token_endpoint.to_owned(),
            client_assertion_audience: client_assertion_audience.to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_reuse: None,
        }
    }
}

struct Cached {
    token: String,
    renew_at: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

/// When a voucher obtained at `now`, valid for `lifetime`, is asked for again: 30 s before it
/// expires (or at half its life, if shorter), at most `max_reuse` after `now`. `expires_in` comes
/// from the token endpoint: an absurd one must not overflow the clock, so the reuse is also
/// bounded by a day.
fn renew_at(now: Instant, lifetime: Duration, max_reuse: Option<Duration>) -> Instant {
    const LONGEST: Duration = Duration::from_secs(86_400);
    let keep = (lifetime - RENEW_BEFORE.min(lifetime / 2))
        .min(max_reuse.unwrap_or(LONGEST))
        .min(LONGEST);
    now + keep
}

/// Vouchers for one Interop client, any number of purposes: cached until shortly before they
/// expire (or `max_reuse`), one token request per purpose however many callers wait.
pub struct VoucherClient {
    config: VoucherClientConfig,
    key: ClientKey,
    http: reqwest::Client,
    slots: Mutex<HashMap<String, Slot>>,
}

impl VoucherClient {
    /// A client for `config`, signing with `key`.
    pub fn new(config: VoucherClientConfig, key: ClientKey) -> Result<VoucherClient, ClientError> {
        let http = http_client(
            ("token_endpoint", &config.token_endpoint),
            config.connect_timeout,
            config.timeout,
        )?;
        Ok(VoucherClient {
            config,
            key,
            http,
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// The client's key.
    pub fn key(&self) -> &ClientKey {
        &self.key
    }

    /// The token endpoint.
    pub fn token_endpoint(&self) -> &str {
        &self.config.token_endpoint
    }

    /// A fresh signed client assertion asking for `purpose_id`.
    pub fn client_assertion(&self, purpose_id: &str) -> Result<String, ClientError> {
        self.key
            .client_assertion(&self.config.client_assertion_audience, purpose_id)
    }

    fn slot(&self, purpose_id: &str) -> Slot {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(purpose_id.to_owned())
            .or_default()
            .clone()
    }

    /// A valid voucher for `purpose_id`: the cached one, or a new one from the token endpoint
    /// (one request for all concurrent callers of the same purpose).
    pub async fn voucher(&self, purpose_id: &str) -> Result<String, ClientError> {
        let slot = self.slot(purpose_id);
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        let (token, lifetime) = self.request(purpose_id).await?;
        *cached = Some(Cached {
            token: token.clone(),
            renew_at: renew_at(Instant::now(), lifetime, self.config.max_reuse),
        });
        Ok(token)
    }

    /// Forgets the voucher of `purpose_id` (revoked upstream, refused by its e-service): the
    /// next call asks for a new one. A request in flight for it is not waited for: what it
    /// brings is new anyway.
    pub fn forget(&self, purpose_id: &str) {
        if let Some(slot) = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(purpose_id)
            && let Ok(mut c) = slot.try_lock()
        {
            *c = None;
        }
    }

    /// Asks the token endpoint for a voucher: the token and its lifetime.
    async fn request(&self, purpose_id: &str) -> Result<(String, Duration), ClientError> {
        let assertion = self.client_assertion(purpose_id)?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
            ("client_id", self.key.client_id.as_str()),
        ];
        let url = &self.config.token_endpoint;
        let resp =
            self.http
                .post(url)
                .form(&form)
                .send()
                .await
                .map_err(|e| ClientError::Transport {
                    url: url.clone(),
                    detail: e.to_string(),
                })?;
        if !resp.status().is_success() {
            return Err(refusal(resp).await);
        }
        let t: TokenResponse = read_json(url, resp).await?;
        Ok((t.access_token, Duration::from_secs(t.expires_in)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voucher_is_renewed_before_it_expires_and_never_past_a_day() {
        let now = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(renew_at(now, s(600), None), now + s(570));
        assert_eq!(renew_at(now, s(40), None), now + s(20));
        assert_eq!(renew_at(now, s(600), Some(s(60))), now + s(60));
        assert_eq!(renew_at(now, s(0), None), now);
        // A token endpoint answering `expires_in: u64::MAX` must not panic the client.
        assert_eq!(renew_at(now, s(u64::MAX), None), now + s(86_400));
    }
}
