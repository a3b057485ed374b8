//! The gateway as an Interop consumer: it asks the engine for vouchers for the purposes that
//! `INTEROP_VOUCHER` configurations name, reuses each until shortly before it expires but for at
//! most `voucher_reuse_secs` (a suspension in Interop shows only when a new voucher is asked
//! for), and makes one request per purpose however many citizens ask at once (single flight).

use crate::config::InteropClientConfig;
use crate::domain::{Code, GatewayError};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A voucher is renewed this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(30);

struct Cached {
    token: String,
    valid_until: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

pub struct VoucherSource {
    config: InteropClientConfig,
    key: EncodingKey,
    http: reqwest::Client,
    slots: Mutex<HashMap<String, Slot>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

impl VoucherSource {
    pub fn new(config: InteropClientConfig) -> Result<VoucherSource, String> {
        let pem = std::fs::read(&config.private_key_path)
            .map_err(|e| format!("cannot read {}: {e}", config.private_key_path.display()))?;
        let key = EncodingKey::from_rsa_pem(&pem).map_err(|e| {
            format!(
                "{} is not an RSA private key: {e}",
                config.private_key_path.display()
            )
        })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(VoucherSource {
            config,
            key,
            http,
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// A valid voucher for `purpose`: cached, or obtained now (once for all concurrent callers).
    pub async fn voucher(&self, purpose: &str) -> Result<String, GatewayError> {
        let slot = self
            .slots
            .lock()
            .expect("slots lock")
            .entry(purpose.to_owned())
            .or_default()
            .clone();
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.valid_until
        {
            return Ok(c.token.clone());
        }
        let (token, lifetime) = self.request(purpose).await?;
        let reuse = lifetime
            .saturating_sub(RENEW_BEFORE)
            .min(Duration::from_secs(self.config.voucher_reuse_secs));
        *cached = Some(Cached {
            token: token.clone(),
            valid_until: Instant::now() + reuse,
        });
        Ok(token)
    }

    /// Forgets a voucher the entity refused (revoked upstream); the next call asks again.
    pub fn forget(&self, purpose: &str) {
        if let Some(slot) = self.slots.lock().expect("slots lock").get(purpose)
            && let Ok(mut c) = slot.try_lock()
        {
            *c = None;
        }
    }

    async fn request(&self, purpose: &str) -> Result<(String, Duration), GatewayError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.config.kid.clone());
        header.typ = Some("JWT".into());
        let claims = serde_json::json!({
            "iss": self.config.client_id, "sub": self.config.client_id, "aud": self.config.assertion_audience,
            "jti": uuid::Uuid::new_v4().to_string(), "iat": now, "exp": now + 60, "purposeId": purpose,
        });
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            GatewayError::new(
                Code::VOUCHER_REFUSED,
                format!("cannot sign the client assertion: {e}"),
            )
        })?;
        let form = [
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
            ("client_id", self.config.client_id.as_str()),
        ];
        let resp = self
            .http
            .post(&self.config.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                GatewayError::new(
                    Code::INTEROP_UNAVAILABLE,
                    format!("token endpoint {}: {e}", self.config.token_url),
                )
            })?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            let detail: String = body.chars().take(300).collect();
            tracing::warn!(purpose_id = purpose, %status, "Interop refused a voucher");
            return Err(GatewayError::new(
                Code::VOUCHER_REFUSED,
                format!("Interop refused a voucher for purpose {purpose} ({status}): {detail}"),
            ));
        }
        let t: TokenResponse = resp.json().await.map_err(|e| {
            GatewayError::new(
                Code::INTEROP_UNAVAILABLE,
                format!("unreadable token response: {e}"),
            )
        })?;
        Ok((t.access_token, Duration::from_secs(t.expires_in)))
    }
}
