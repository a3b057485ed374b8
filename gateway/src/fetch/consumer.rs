//! The gateway as an Interop consumer: it asks the engine for vouchers for the purposes that
//! `INTEROP_VOUCHER` configurations name, with provider-sdk's [`VoucherClient`] (the one voucher
//! client of the workspace): each reused until shortly before it expires but for at most
//! `voucher_reuse_secs` (a suspension in Interop shows only when a new voucher is asked for), one
//! request per purpose however many citizens ask at once (single flight). Here its failures
//! become the gateway's codes.

use crate::config::InteropClientConfig;
use crate::domain::{Code, GatewayError};
use provider_sdk::client::ClientError;
use provider_sdk::voucher::{ClientKey, VoucherClient, VoucherClientConfig};
use std::time::Duration;

pub struct VoucherSource {
    client: VoucherClient,
}

impl VoucherSource {
    pub fn new(config: InteropClientConfig) -> Result<VoucherSource, String> {
        let key =
            ClientKey::from_pem_file(&config.client_id, &config.kid, &config.private_key_path)
                .map_err(|e| format!("interop_client.private_key_path: {e}"))?;
        let client = VoucherClient::new(
            VoucherClientConfig {
                connect_timeout: Duration::from_secs(2),
                timeout: Duration::from_secs(5),
                max_reuse: Some(Duration::from_secs(config.voucher_reuse_secs)),
                ..VoucherClientConfig::new(&config.token_url, &config.assertion_audience)
            },
            key,
        )
        .map_err(|e| format!("interop_client: {e}"))?;
        Ok(VoucherSource { client })
    }

    /// A valid voucher for `purpose`: cached, or obtained now (once for all concurrent callers).
    pub async fn voucher(&self, purpose: &str) -> Result<String, GatewayError> {
        self.client.voucher(purpose).await.map_err(|e| {
            let e = refused(purpose, self.client.token_endpoint(), e);
            if e.code == Code::VOUCHER_REFUSED {
                tracing::warn!(purpose_id = purpose, detail = %e.detail, "Interop refused a voucher");
            }
            e
        })
    }

    /// Forgets a voucher the entity refused (revoked upstream); the next call asks again.
    pub fn forget(&self, purpose: &str) {
        self.client.forget(purpose);
    }
}

/// What the app is told when no voucher could be had: the engine unreachable or unreadable is
/// `INTEROP_UNAVAILABLE`, a refusal (or a key that cannot sign) `VOUCHER_REFUSED`.
fn refused(purpose: &str, token_url: &str, e: ClientError) -> GatewayError {
    match e {
        ClientError::Transport { detail, .. } => GatewayError::new(
            Code::INTEROP_UNAVAILABLE,
            format!("token endpoint {token_url}: {detail}"),
        ),
        ClientError::Unexpected { status, body } if (200..300).contains(&status) => {
            GatewayError::new(
                Code::INTEROP_UNAVAILABLE,
                format!("unreadable token response: {body}"),
            )
        }
        e => {
            let detail = match e.status() {
                Some(status) => format!(
                    "Interop refused a voucher for purpose {purpose} ({status}): {}",
                    e.to_string().chars().take(300).collect::<String>()
                ),
                None => format!("no voucher for purpose {purpose}: {e}"),
            };
            GatewayError::new(Code::VOUCHER_REFUSED, detail)
        }
    }
}
