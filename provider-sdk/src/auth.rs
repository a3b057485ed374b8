//! How the gateway's calls are authenticated: a static API key, or an Interop voucher verified
//! against the engine's JWKS (signature, `iss`, `aud`, `exp`/`nbf`, the e-service and its
//! producer, allowed purposes).
//!
//! Why the e-service is pinned: a descriptor's `audience` is chosen by its producer, so `aud`
//! alone does not say which e-service a voucher was issued for. Any tenant could publish an
//! e-service of its own with your audience, subscribe to it and obtain vouchers that carry your
//! `aud`, signed by the same engine. Only `eserviceId` and `producerId` tie a voucher to an
//! agreement on *your* e-service, with its approval, its load thresholds and your power to
//! suspend it. (The engine also refuses to publish an audience another producer already uses,
//! but a verifier must not depend on that.)

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::time::{Duration, Instant};

crate::codes::codes! {
    /// Why a caller was not admitted: refused (`401`), or not checkable right now (`503`).
    AuthCode {
        ApiKeyMissing => "API_KEY_MISSING", 401, "the configured API key header is absent";
        ApiKeyInvalid => "API_KEY_INVALID", 401, "the API key header holds another key";
        VoucherMissing => "VOUCHER_MISSING", 401, "no `Authorization: Bearer` voucher";
        VoucherMalformed => "VOUCHER_MALFORMED", 401, "the voucher is not a JWS with a `kid`";
        VoucherAlgNotAllowed => "VOUCHER_ALG_NOT_ALLOWED", 401, "the voucher is not RS256";
        VoucherUnknownKid => "VOUCHER_UNKNOWN_KID", 401, "no key of the Interop JWKS has the voucher's `kid`";
        VoucherSignatureInvalid => "VOUCHER_SIGNATURE_INVALID", 401, "the voucher's signature does not verify";
        VoucherExpired => "VOUCHER_EXPIRED", 401, "the voucher's `exp` is past";
        VoucherNotYetValid => "VOUCHER_NOT_YET_VALID", 401, "the voucher's `nbf` is in the future";
        VoucherAudienceInvalid => "VOUCHER_AUDIENCE_INVALID", 401, "the voucher's `aud` is not the verifier's audience";
        VoucherIssuerInvalid => "VOUCHER_ISSUER_INVALID", 401, "the voucher was not issued by the configured Interop engine";
        VoucherClaimsMissing => "VOUCHER_CLAIMS_MISSING", 401, "the voucher lacks `exp`, `aud`, `iss`, `purposeId`, `eserviceId` or `producerId`";
        VoucherEserviceNotAllowed => "VOUCHER_ESERVICE_NOT_ALLOWED", 401, "the voucher is for another e-service or producer than the pinned one";
        VoucherPurposeNotAllowed => "VOUCHER_PURPOSE_NOT_ALLOWED", 401, "the voucher's purpose is not among the allowed ones";
        JwksUnavailable => "JWKS_UNAVAILABLE", 503, "the engine's JWKS could not be fetched: vouchers cannot be checked now (`Retry-After: 5`)";
    }
}

/// Why a caller was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct AuthError {
    /// What failed.
    pub code: AuthCode,
    /// A sentence for the log.
    pub detail: String,
}

fn refuse(code: AuthCode, detail: impl Into<String>) -> AuthError {
    AuthError {
        code,
        detail: detail.into(),
    }
}

/// Verifies Interop vouchers. Keys are fetched from `jwks_url` on first use and again when an
/// unknown `kid` shows up (at most once a second).
pub struct VoucherVerifier {
    jwks_url: String,
    http: reqwest::Client,
    validation: Validation,
    eservice: EServicePin,
    purposes: Option<HashSet<String>>,
    keys: RwLock<HashMap<String, DecodingKey>>,
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// What the verifier reads of a [`crate::voucher::VoucherClaims`]: its members optional, so
/// that a missing one is `VOUCHER_CLAIMS_MISSING` naming it rather than a failed parse.
#[derive(Deserialize)]
struct Claims {
    #[serde(rename = "purposeId")]
    purpose_id: Option<String>,
    #[serde(rename = "consumerId")]
    consumer_id: Option<String>,
    #[serde(rename = "eserviceId")]
    eservice_id: Option<String>,
    #[serde(rename = "producerId")]
    producer_id: Option<String>,
}

/// The e-service a verifier accepts vouchers for, and the tenant that offers it: Interop's
/// `eserviceId` and `producerId` as the engine shows them (`GET /eservices/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EServicePin {
    /// The e-service's id.
    pub eservice_id: String,
    /// The producer's tenant id.
    pub producer_id: String,
}

impl EServicePin {
    /// The e-service `eservice_id` offered by `producer_id`.
    pub fn new(eservice_id: impl Into<String>, producer_id: impl Into<String>) -> EServicePin {
        EServicePin {
            eservice_id: eservice_id.into(),
            producer_id: producer_id.into(),
        }
    }
}

/// What a verified voucher says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherInfo {
    /// The purpose the voucher was issued for.
    pub purpose_id: String,
    /// The consumer tenant (Interop's `consumerId`), when the voucher names it.
    pub consumer_id: Option<String>,
}

impl VoucherVerifier {
    /// A verifier for vouchers issued by `issuer` for `audience` (the audience of the entity's
    /// e-service) on the e-service `eservice` (its id and producer: a voucher for any other
    /// e-service is refused with `VOUCHER_ESERVICE_NOT_ALLOWED`, see the module docs), with keys
    /// from `jwks_url`. `allowed_purposes`: when given, only vouchers for these purposes pass.
    pub fn new(
        jwks_url: &str,
        issuer: &str,
        audience: &str,
        eservice: EServicePin,
        allowed_purposes: Option<Vec<String>>,
    ) -> VoucherVerifier {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        validation.validate_nbf = true;
        validation.leeway = 10;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        VoucherVerifier {
            jwks_url: jwks_url.to_owned(),
            http,
            validation,
            eservice,
            purposes: allowed_purposes.map(|p| p.into_iter().collect()),
            keys: RwLock::new(HashMap::new()),
            last_fetch: tokio::sync::Mutex::new(None),
        }
    }

    /// Tolerated clock difference with the issuer, seconds (default 10).
    pub fn with_leeway(mut self, seconds: u64) -> VoucherVerifier {
        self.validation.leeway = seconds;
        self
    }

    /// Whether the JWKS as last fetched holds the key `kid`: a caller that remembers verified
    /// vouchers stops trusting one whose key the issuer no longer publishes.
    pub fn knows_kid(&self, kid: &str) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(kid)
    }

    async fn fetch(&self, asked_at: Instant) -> Result<(), AuthError> {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|t| t >= asked_at) {
            return Ok(());
        }
        if let Some(t) = *last {
            let wait = Duration::from_secs(1).saturating_sub(t.elapsed());
            tokio::time::sleep(wait).await;
        }
        let unavailable =
            |e: String| refuse(AuthCode::JwksUnavailable, format!("{}: {e}", self.jwks_url));
        let jwks: Jwks = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let keys = jwks
            .keys
            .into_iter()
            .filter_map(|k| Some((k.kid?, DecodingKey::from_rsa_components(&k.n?, &k.e?).ok()?)))
            .collect();
        *self.keys.write().expect("keys lock") = keys;
        *last = Some(Instant::now());
        Ok(())
    }

    /// Verifies a voucher.
    pub async fn verify(&self, token: &str) -> Result<VoucherInfo, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                refuse(AuthCode::VoucherAlgNotAllowed, "vouchers are RS256")
            }
            _ => refuse(AuthCode::VoucherMalformed, format!("not a JWS: {e}")),
        })?;
        if header.alg != Algorithm::RS256 {
            return Err(refuse(AuthCode::VoucherAlgNotAllowed, "vouchers are RS256"));
        }
        let kid = header
            .kid
            .ok_or_else(|| refuse(AuthCode::VoucherMalformed, "no kid"))?;
        let cached = self.keys.read().expect("keys lock").get(&kid).cloned();
        let key = match cached {
            Some(k) => k,
            None => {
                self.fetch(Instant::now()).await?;
                self.keys
                    .read()
                    .expect("keys lock")
                    .get(&kid)
                    .cloned()
                    .ok_or_else(|| refuse(AuthCode::VoucherUnknownKid, format!("no key {kid}")))?
            }
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => {
                    refuse(AuthCode::VoucherSignatureInvalid, "bad signature")
                }
                ErrorKind::ExpiredSignature => refuse(AuthCode::VoucherExpired, "expired"),
                ErrorKind::ImmatureSignature => {
                    refuse(AuthCode::VoucherNotYetValid, "nbf in the future")
                }
                ErrorKind::InvalidAudience => {
                    refuse(AuthCode::VoucherAudienceInvalid, "another audience")
                }
                ErrorKind::InvalidIssuer => {
                    refuse(AuthCode::VoucherIssuerInvalid, "another issuer")
                }
                ErrorKind::MissingRequiredClaim(c) => {
                    refuse(AuthCode::VoucherClaimsMissing, format!("no {c}"))
                }
                ErrorKind::InvalidAlgorithm => {
                    refuse(AuthCode::VoucherAlgNotAllowed, "vouchers are RS256")
                }
                other => refuse(AuthCode::VoucherMalformed, format!("{other:?}")),
            })?
            .claims;
        let pinned = &self.eservice;
        match (&claims.eservice_id, &claims.producer_id) {
            (Some(e), Some(p)) if *e == pinned.eservice_id && *p == pinned.producer_id => {}
            (None, _) | (_, None) => {
                return Err(refuse(
                    AuthCode::VoucherClaimsMissing,
                    "no eserviceId or producerId",
                ));
            }
            (Some(e), Some(p)) => {
                return Err(refuse(
                    AuthCode::VoucherEserviceNotAllowed,
                    format!(
                        "the voucher is for e-service {e} of producer {p}, not for {} of {}",
                        pinned.eservice_id, pinned.producer_id
                    ),
                ));
            }
        }
        let purpose_id = claims
            .purpose_id
            .ok_or_else(|| refuse(AuthCode::VoucherClaimsMissing, "no purposeId"))?;
        if let Some(allowed) = &self.purposes
            && !allowed.contains(&purpose_id)
        {
            return Err(refuse(
                AuthCode::VoucherPurposeNotAllowed,
                format!("purpose {purpose_id} is not allowed here"),
            ));
        }
        Ok(VoucherInfo {
            purpose_id,
            consumer_id: claims.consumer_id,
        })
    }
}

/// How the entity authenticates the gateway.
pub enum Authentication {
    /// No check (tests and local development only).
    None,
    /// A static key in a header (IO's `API_KEY`).
    ApiKey {
        /// The header name, as configured on the gateway.
        header: String,
        /// The key.
        key: String,
    },
    /// An Interop voucher in `Authorization: Bearer`.
    Voucher(Box<VoucherVerifier>),
}

impl Authentication {
    /// Checks a request's headers.
    pub async fn check(&self, headers: &axum::http::HeaderMap) -> Result<(), AuthError> {
        match self {
            Authentication::None => Ok(()),
            Authentication::ApiKey { header, key } => {
                let given = headers
                    .get(header.as_str())
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        refuse(AuthCode::ApiKeyMissing, format!("no {header} header"))
                    })?;
                let same = given.len() == key.len()
                    && given
                        .bytes()
                        .zip(key.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0;
                if same {
                    Ok(())
                } else {
                    Err(refuse(AuthCode::ApiKeyInvalid, "wrong key"))
                }
            }
            Authentication::Voucher(v) => {
                let token = headers
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|h| h.to_str().ok())
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .ok_or_else(|| refuse(AuthCode::VoucherMissing, "no Authorization: Bearer"))?;
                v.verify(token.trim()).await.map(|_| ())
            }
        }
    }
}
