//! Interop vouchers: RS256 JWTs verified against the engine's JWKS (fetched over HTTP, cached,
//! refreshed when an unknown `kid` shows up, at most once a second).

use crate::domain::message::Sender;
use crate::domain::{Code, GatewayError};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The least time between two JWKS fetches (a flood of unknown kids must not become a flood of
/// requests to the engine).
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Deserialize)]
struct VoucherClaims {
    #[serde(rename = "consumerId")]
    consumer_id: Option<String>,
    #[serde(rename = "purposeId")]
    purpose_id: Option<String>,
}

pub struct VoucherVerifier {
    jwks_url: String,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Serializes refreshes; holds when the last one happened.
    refresh: Mutex<Option<Instant>>,
    validation: Validation,
}

fn err(code: Code, detail: impl Into<String>) -> GatewayError {
    GatewayError::new(code, detail)
}

impl VoucherVerifier {
    pub fn new(jwks_url: String, issuer: &str, audience: &str, leeway: u64) -> VoucherVerifier {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        validation.validate_nbf = true;
        validation.leeway = leeway;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        VoucherVerifier {
            jwks_url,
            http,
            keys: RwLock::new(HashMap::new()),
            refresh: Mutex::new(None),
            validation,
        }
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().expect("jwks lock").get(kid).cloned()
    }

    /// Fetches the JWKS again, unless another request did since `asked_at`. Fetches are at
    /// least [`MIN_REFRESH_INTERVAL`] apart: a caller that comes too soon waits for the next slot
    /// instead of being refused (a key rotated in a moment ago must work at once).
    async fn refresh(&self, asked_at: Instant) -> Result<(), GatewayError> {
        let mut last = self.refresh.lock().await;
        if last.is_some_and(|t| t >= asked_at) {
            return Ok(());
        }
        if let Some(t) = *last {
            let wait = MIN_REFRESH_INTERVAL.saturating_sub(t.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let unavailable = |e: String| {
            err(
                Code::JWKS_UNAVAILABLE,
                format!("cannot fetch the Interop JWKS at {}: {e}", self.jwks_url),
            )
        };
        let resp = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(unavailable(format!("status {}", resp.status())));
        }
        let jwks: Jwks = resp.json().await.map_err(|e| unavailable(e.to_string()))?;
        let mut keys = HashMap::new();
        for k in jwks.keys {
            if let (Some(kid), "RSA", Some(n), Some(e)) = (k.kid, k.kty.as_str(), k.n, k.e)
                && let Ok(key) = DecodingKey::from_rsa_components(&n, &e)
            {
                keys.insert(kid, key);
            }
        }
        tracing::info!(keys = keys.len(), "Interop JWKS refreshed");
        *self.keys.write().expect("jwks lock") = keys;
        *last = Some(Instant::now());
        Ok(())
    }

    /// Verifies `token`; the sender is its `consumerId`, the service its `purposeId`.
    pub async fn verify(&self, token: &str) -> Result<Sender, GatewayError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                err(Code::VOUCHER_ALG_NOT_ALLOWED, "vouchers are RS256")
            }
            _ => err(Code::VOUCHER_MALFORMED, format!("not a JWS: {e}")),
        })?;
        if header.alg != Algorithm::RS256 {
            return Err(err(
                Code::VOUCHER_ALG_NOT_ALLOWED,
                format!("vouchers are RS256, not {:?}", header.alg),
            ));
        }
        let kid = header
            .kid
            .ok_or_else(|| err(Code::VOUCHER_MALFORMED, "the voucher has no kid"))?;
        let key = match self.key(&kid) {
            Some(k) => k,
            None => {
                self.refresh(Instant::now()).await?;
                self.key(&kid).ok_or_else(|| {
                    err(Code::VOUCHER_UNKNOWN_KID, format!("no Interop key {kid}"))
                })?
            }
        };
        let data =
            jsonwebtoken::decode::<VoucherClaims>(token, &key, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::InvalidSignature => err(
                        Code::VOUCHER_SIGNATURE_INVALID,
                        "the signature does not verify",
                    ),
                    ErrorKind::ExpiredSignature => {
                        err(Code::VOUCHER_EXPIRED, "the voucher expired")
                    }
                    ErrorKind::ImmatureSignature => err(
                        Code::VOUCHER_NOT_YET_VALID,
                        "the voucher is not valid yet (nbf)",
                    ),
                    ErrorKind::InvalidAudience => err(
                        Code::VOUCHER_AUDIENCE_INVALID,
                        "the voucher is for another audience",
                    ),
                    ErrorKind::InvalidIssuer => err(
                        Code::VOUCHER_ISSUER_INVALID,
                        "the voucher comes from another issuer",
                    ),
                    ErrorKind::MissingRequiredClaim(c) => err(
                        Code::VOUCHER_CLAIMS_MISSING,
                        format!("the voucher lacks {c}"),
                    ),
                    ErrorKind::InvalidAlgorithm => {
                        err(Code::VOUCHER_ALG_NOT_ALLOWED, "vouchers are RS256")
                    }
                    other => err(Code::VOUCHER_MALFORMED, format!("{other:?}")),
                }
            })?;
        match (data.claims.consumer_id, data.claims.purpose_id) {
            (Some(tenant), Some(service_id)) if !tenant.is_empty() && !service_id.is_empty() => {
                Ok(Sender { tenant, service_id })
            }
            _ => Err(err(
                Code::VOUCHER_CLAIMS_MISSING,
                "the voucher lacks consumerId or purposeId",
            )),
        }
    }
}
