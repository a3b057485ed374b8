//! The authorization server: vouchers from client assertions (`POST /token.oauth2`), the JWKS,
//! and the record of refusals.

pub mod assertion;
pub mod refusal;
pub mod replay;
pub mod signing;

use crate::codes::TokenRequestCause;
use crate::engine::Engine;
use crate::store::{FailureRecord, Store};
use assertion::{AssertionRules, Grant, check};
use refusal::{Refusal, RefusalCode};
use replay::JtiGate;
use serde::{Deserialize, Serialize};
use signing::{KEYS_FRESHNESS, SigningKeys};
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The form of `POST /token.oauth2`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    #[schema(required = true)]
    pub grant_type: Option<String>,
    #[schema(required = true)]
    pub client_assertion_type: Option<String>,
    /// An RS256 JWS signed with a key of the client: header `kid` = the key's kid; claims iss, sub
    /// (= the client id), aud, jti, iat, exp, and `purposeId` for CONSUMER clients (optional
    /// `digest`).
    #[schema(required = true)]
    pub client_assertion: Option<String>,
    /// Optional; if given, must equal the assertion's `sub`.
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// A voucher (CONSUMER client) or an M2M token (API client): an RS256 JWT signed with a key of
    /// /.well-known/jwks.json.
    pub access_token: String,
    pub token_type: String,
    /// Seconds.
    #[schema(minimum = 1)]
    pub expires_in: u32,
}

/// The claims of a voucher for an e-service (SPEC §1 "Vouchers"): provider-sdk's contract type,
/// the one verifiers read.
pub use provider_sdk::voucher::{Audience, Digest, VoucherClaims};

/// The claims of a token for the engine's own M2M API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct M2mClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub client_id: String,
    pub jti: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(rename = "organizationId")]
    pub organization_id: String,
    pub role: String,
}

/// Token-side settings.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub issuer: String,
    pub m2m_audience: String,
    pub m2m_lifespan: u32,
    pub rules: AssertionRules,
}

/// Why a request got no token: malformed request (400, specific) or refused (401, generic).
#[derive(Debug)]
pub enum TokenError {
    BadRequest(TokenRequestCause, String),
    Refused(Refusal),
    Unavailable(String),
}

pub struct TokenService {
    pub settings: TokenSettings,
    pub keys: SigningKeys,
    pub store: Arc<dyn Store>,
    pub jti: JtiGate,
}

/// How late this instance may see another instance's writes when issuing tokens (its own writes
/// are seen at once): suspending anything stops vouchers everywhere within this time.
pub const STATE_FRESHNESS: std::time::Duration = std::time::Duration::from_millis(50);

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl TokenService {
    /// Validates the request against the engine's current state and issues a token.
    pub async fn issue(
        &self,
        engine: &Engine,
        req: TokenRequest,
    ) -> Result<TokenResponse, TokenError> {
        if req.grant_type.as_deref() != Some("client_credentials") {
            return Err(TokenError::BadRequest(
                TokenRequestCause::UNSUPPORTED_GRANT_TYPE,
                "grant_type must be client_credentials".into(),
            ));
        }
        if req.client_assertion_type.as_deref() != Some(CLIENT_ASSERTION_TYPE) {
            return Err(TokenError::BadRequest(
                TokenRequestCause::INVALID_ASSERTION_TYPE,
                format!("client_assertion_type must be {CLIENT_ASSERTION_TYPE}"),
            ));
        }
        let Some(assertion) = req.client_assertion.as_deref().filter(|a| !a.is_empty()) else {
            return Err(TokenError::BadRequest(
                TokenRequestCause::MISSING_ASSERTION,
                "client_assertion is required".into(),
            ));
        };
        engine
            .catch_up_within(STATE_FRESHNESS)
            .await
            .map_err(|e| TokenError::Unavailable(e.to_string()))?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        // The decision and the log position it was made on.
        let decide = || {
            engine.read(|state, seq| {
                let decision = check(
                    state,
                    &self.settings.rules,
                    assertion,
                    req.client_id.as_deref(),
                    now,
                );
                (decision, seq)
            })
        };
        let checked = match decide() {
            (Ok(checked), _) => checked,
            // What was refused may have been created or re-activated through another instance
            // within the freshness window: read the log and, if the state moved on since the
            // decision (through this catch-up or a concurrent one), decide once more, so that
            // only suspensions (never new grants) are seen late.
            (Err(refusal), decided_on) => {
                engine
                    .catch_up()
                    .await
                    .map_err(|e| TokenError::Unavailable(e.to_string()))?;
                match decide() {
                    (again, seq) if seq > decided_on => again.map_err(TokenError::Refused)?,
                    _ => return Err(TokenError::Refused(refusal)),
                }
            }
        };
        let first = self
            .jti
            .first_use(checked.client, &checked.jti, checked.expires_at)
            .await
            .map_err(TokenError::Unavailable)?;
        if !first {
            let mut r = Refusal::new(
                RefusalCode::JTI_REPLAYED,
                format!("jti {:?} was already used", checked.jti),
            );
            r.client_id = Some(checked.client);
            r.kid = Some(checked.kid.to_string());
            return Err(TokenError::Refused(r));
        }
        // Another instance may have rotated the key: sign with the store's current one.
        self.keys.refresh_quietly(KEYS_FRESHNESS).await;
        let jti = Uuid::new_v4().to_string();
        let (token, expires_in) = match checked.grant {
            Grant::Consumer {
                client,
                purpose,
                consumer,
                producer,
                eservice,
                descriptor,
                audience,
                lifespan,
                digest,
            } => {
                let claims = VoucherClaims {
                    iss: self.settings.issuer.clone(),
                    aud: Audience::from_list(audience),
                    sub: client.to_string(),
                    client_id: client.to_string(),
                    purpose_id: purpose.to_string(),
                    jti,
                    iat: now,
                    nbf: now,
                    exp: now + i64::from(lifespan),
                    consumer_id: consumer.to_string(),
                    producer_id: producer.to_string(),
                    eservice_id: eservice.to_string(),
                    descriptor_id: descriptor.to_string(),
                    digest,
                };
                (self.keys.sign(&claims), lifespan)
            }
            Grant::Api {
                client,
                organization,
            } => {
                let lifespan = self.settings.m2m_lifespan;
                let claims = M2mClaims {
                    iss: self.settings.issuer.clone(),
                    aud: self.settings.m2m_audience.clone(),
                    sub: client.to_string(),
                    client_id: client.to_string(),
                    jti,
                    iat: now,
                    nbf: now,
                    exp: now + i64::from(lifespan),
                    organization_id: organization.to_string(),
                    role: "m2m".into(),
                };
                (self.keys.sign(&claims), lifespan)
            }
        };
        let access_token = token.map_err(|e| TokenError::Unavailable(e.to_string()))?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        })
    }

    /// Logs a refusal with its exact cause and records it for the client's owner.
    pub async fn record(&self, refusal: &Refusal) {
        tracing::warn!(
            code = refusal.code.as_str(),
            client_id = ?refusal.client_id.map(|c| c.to_string()),
            kid = ?refusal.kid,
            purpose_id = ?refusal.purpose_id,
            detail = %refusal.detail,
            "token refused"
        );
        let Some(client) = refusal.client_id else {
            return;
        };
        let failure = FailureRecord {
            at: now_rfc3339(),
            kid: refusal.kid.clone(),
            purpose_id: refusal.purpose_id.clone(),
            code: refusal.code.as_str().to_owned(),
            detail: refusal.detail.clone(),
        };
        if let Err(e) = self
            .store
            .record_failure(&client.to_string(), &failure)
            .await
        {
            tracing::error!(error = %e, "cannot record a token failure");
        }
    }
}
