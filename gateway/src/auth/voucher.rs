//! Interop vouchers of entities: verified by provider-sdk's verifier (the same code entities use:
//! RS256 against the engine's JWKS, refreshed on an unknown `kid`, `iss`, `aud`, `exp`/`nbf`, and
//! the gateway's own e-service and producer, so that only an agreement on *this* e-service lets
//! a tenant send);
//! here its refusals become the gateway's codes and its claims the sender.
//!
//! An entity reuses one voucher for many requests until it expires, so a verified voucher is
//! remembered (by its SHA-256) until its `exp`, and while the engine still publishes its signing
//! key: the RSA verification runs once per voucher, not once per request.

use crate::domain::message::Sender;
use crate::domain::{Code, GatewayError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider_sdk::auth::AuthCode;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;

/// How many verified vouchers are remembered at most (a few MB).
const MAX_REMEMBERED: usize = 65_536;

pub struct VoucherVerifier {
    inner: provider_sdk::auth::VoucherVerifier,
    leeway: i64,
    verified: RwLock<HashMap<[u8; 32], Verified>>,
}

#[derive(Clone)]
struct Verified {
    sender: Sender,
    exp: i64,
    kid: String,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The `exp` claim of a token whose signature has been verified.
fn expiry(token: &str) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Exp {
        exp: i64,
    }
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Exp>(&bytes).ok().map(|e| e.exp)
}

impl VoucherVerifier {
    pub fn new(
        jwks_url: String,
        issuer: &str,
        audience: &str,
        eservice: provider_sdk::auth::EServicePin,
        leeway: u64,
    ) -> VoucherVerifier {
        VoucherVerifier {
            inner: provider_sdk::auth::VoucherVerifier::new(
                &jwks_url, issuer, audience, eservice, None,
            )
            .with_leeway(leeway),
            leeway: i64::try_from(leeway).unwrap_or(i64::MAX),
            verified: RwLock::new(HashMap::new()),
        }
    }

    /// Verifies `token`; the sender is its `consumerId`, the service its `purposeId`.
    pub async fn verify(&self, token: &str) -> Result<Sender, GatewayError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(sender) = self.remembered(&digest) {
            return Ok(sender);
        }
        let sender = self.verify_signed(token).await?;
        let kid = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid);
        if let (Some(exp), Some(kid)) = (expiry(token), kid) {
            self.remember(digest, &sender, exp, kid);
        }
        Ok(sender)
    }

    fn remembered(&self, digest: &[u8; 32]) -> Option<Sender> {
        let map = self.verified.read().unwrap_or_else(|p| p.into_inner());
        let v = map.get(digest)?;
        // The same expiry rule as the verifier's: expired once `exp + leeway` has passed; and a
        // key the JWKS dropped (rotation, revocation) ends what it signed.
        (now() < v.exp.saturating_add(self.leeway) && self.inner.knows_kid(&v.kid))
            .then(|| v.sender.clone())
    }

    fn remember(&self, digest: [u8; 32], sender: &Sender, exp: i64, kid: String) {
        let mut map = self.verified.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_REMEMBERED {
            let now = now();
            let leeway = self.leeway;
            map.retain(|_, v| now < v.exp.saturating_add(leeway));
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        map.insert(
            digest,
            Verified {
                sender: sender.clone(),
                exp,
                kid,
            },
        );
    }

    async fn verify_signed(&self, token: &str) -> Result<Sender, GatewayError> {
        let info = self
            .inner
            .verify(token)
            .await
            .map_err(|e| GatewayError::new(code(e.code), e.detail))?;
        match info.consumer_id {
            Some(tenant) if !tenant.is_empty() && !info.purpose_id.is_empty() => Ok(Sender {
                tenant: crate::domain::TenantId::new(tenant),
                service_id: info.purpose_id,
            }),
            _ => Err(GatewayError::new(
                Code::VOUCHER_CLAIMS_MISSING,
                "the voucher lacks consumerId or purposeId",
            )),
        }
    }
}

/// The gateway's code for a refusal of provider-sdk's verifier.
fn code(c: AuthCode) -> Code {
    match c {
        AuthCode::VoucherMissing => Code::VOUCHER_MISSING,
        AuthCode::VoucherMalformed => Code::VOUCHER_MALFORMED,
        AuthCode::VoucherAlgNotAllowed => Code::VOUCHER_ALG_NOT_ALLOWED,
        AuthCode::VoucherUnknownKid => Code::VOUCHER_UNKNOWN_KID,
        AuthCode::VoucherSignatureInvalid => Code::VOUCHER_SIGNATURE_INVALID,
        AuthCode::VoucherExpired => Code::VOUCHER_EXPIRED,
        AuthCode::VoucherNotYetValid => Code::VOUCHER_NOT_YET_VALID,
        AuthCode::VoucherAudienceInvalid => Code::VOUCHER_AUDIENCE_INVALID,
        AuthCode::VoucherIssuerInvalid => Code::VOUCHER_ISSUER_INVALID,
        AuthCode::VoucherClaimsMissing => Code::VOUCHER_CLAIMS_MISSING,
        AuthCode::VoucherEserviceNotAllowed => Code::VOUCHER_ESERVICE_NOT_ALLOWED,
        AuthCode::JwksUnavailable => Code::JWKS_UNAVAILABLE,
        // The gateway's verifier allows every purpose and reads no API key: these refusals
        // cannot come from it, and would be a malformed voucher if they did.
        AuthCode::VoucherPurposeNotAllowed | AuthCode::ApiKeyMissing | AuthCode::ApiKeyInvalid => {
            Code::VOUCHER_MALFORMED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_reads_the_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":1700000000,"sub":"x"}"#);
        assert_eq!(expiry(&format!("h.{payload}.s")), Some(1_700_000_000));
        assert_eq!(expiry("no-dots"), None);
        assert_eq!(expiry("h.!!!.s"), None);
    }

    #[test]
    fn a_remembered_voucher_is_forgotten_at_its_expiry_or_without_its_key() {
        let pin = provider_sdk::auth::EServicePin::new("e", "p");
        let v = VoucherVerifier::new("http://127.0.0.1:9/jwks".into(), "i", "a", pin, 0);
        let sender = Sender {
            tenant: "t".into(),
            service_id: "p".into(),
        };
        v.remember([1; 32], &sender, now() + 60, "k1".into());
        v.remember([2; 32], &sender, now() - 1, "k1".into());
        // The JWKS was never fetched: no key is known, so nothing remembered is trusted.
        assert_eq!(v.remembered(&[1; 32]), None);
        assert_eq!(v.remembered(&[2; 32]), None);
        assert_eq!(v.remembered(&[3; 32]), None);
    }
}
