//! Interop vouchers of entities: verified by provider-sdk's verifier (the same code entities use:
//! RS256 against the engine's JWKS, refreshed on an unknown `kid`, `iss`, `aud`, `exp`/`nbf`);
//! here its refusals become the gateway's codes and its claims the sender.

use crate::domain::message::Sender;
use crate::domain::{Code, GatewayError};

pub struct VoucherVerifier {
    inner: provider_sdk::auth::VoucherVerifier,
}

impl VoucherVerifier {
    pub fn new(jwks_url: String, issuer: &str, audience: &str, leeway: u64) -> VoucherVerifier {
        VoucherVerifier {
            inner: provider_sdk::auth::VoucherVerifier::new(&jwks_url, issuer, audience, None)
                .with_leeway(leeway),
        }
    }

    /// Verifies `token`; the sender is its `consumerId`, the service its `purposeId`.
    pub async fn verify(&self, token: &str) -> Result<Sender, GatewayError> {
        let info = self.inner.verify(token).await.map_err(|e| {
            let code = Code::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == e.code)
                .unwrap_or(Code::VOUCHER_MALFORMED);
            GatewayError::new(code, e.detail)
        })?;
        match info.consumer_id {
            Some(tenant) if !tenant.is_empty() && !info.purpose_id.is_empty() => Ok(Sender {
                tenant,
                service_id: info.purpose_id,
            }),
            _ => Err(GatewayError::new(
                Code::VOUCHER_CLAIMS_MISSING,
                "the voucher lacks consumerId or purposeId",
            )),
        }
    }
}
