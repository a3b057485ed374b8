//! The probe as the citizen's device: a P-256 key made for the run signs each request's
//! lollipop headers as IO's app does (RFC 9421, provider-sdk's signature base), so an entity that
//! verifies lollipop can be probed. The assertion (`x-pagopa-lollipop-auth-jwt`) is a
//! placeholder: there is no login behind the key.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use provider_sdk::contract::FiscalCode;
use provider_sdk::lollipop::{self, DevicePublicKey, byte_sequence};

pub struct Device {
    key: p256::ecdsa::SigningKey,
    /// base64url of the JWK: `x-pagopa-lollipop-public-key`.
    public_key: String,
    thumbprint: String,
}

impl Device {
    /// A key for this run only.
    pub fn generate() -> Device {
        Device::with_key(p256::ecdsa::SigningKey::random(&mut rand_core::OsRng))
    }

    fn with_key(key: p256::ecdsa::SigningKey) -> Device {
        let point = key.verifying_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| {
            let bytes: &[u8] = c.map(|b| &b[..]).unwrap_or_default();
            URL_SAFE_NO_PAD.encode(bytes)
        };
        let jwk = format!(
            r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
            coordinate(point.x()),
            coordinate(point.y())
        );
        let thumbprint = DevicePublicKey::from_jwk_json(jwk.as_bytes())
            .map(|k| k.thumbprint())
            .unwrap_or_default();
        Device {
            key,
            public_key: URL_SAFE_NO_PAD.encode(jwk),
            thumbprint,
        }
    }

    /// The lollipop headers of a `GET original_url` by the citizen, signed at `created` (Unix
    /// seconds), as the app backend forwards them.
    pub fn sign(
        &self,
        fiscal_code: &FiscalCode,
        original_url: &str,
        created: i64,
    ) -> Result<HeaderMap, String> {
        let mut h = HeaderMap::new();
        let nonce = ulid::Ulid::new().to_string();
        let input = format!(
            r#"sig1=("{}" "{}");created={created};nonce="{nonce}";keyid="{}";alg="ecdsa-p256-sha256""#,
            lollipop::ORIGINAL_METHOD,
            lollipop::ORIGINAL_URL,
            self.thumbprint
        );
        let pairs = [
            (lollipop::ORIGINAL_METHOD, "GET".to_owned()),
            (lollipop::ORIGINAL_URL, original_url.to_owned()),
            (lollipop::PUBLIC_KEY, self.public_key.clone()),
            (
                lollipop::ASSERTION_REF,
                format!("sha256-{}", self.thumbprint),
            ),
            ("x-pagopa-lollipop-assertion-type", "OIDC".to_owned()),
            (
                "x-pagopa-lollipop-auth-jwt",
                "gateway-probe.no-assertion.placeholder".to_owned(),
            ),
            (lollipop::USER_ID, fiscal_code.as_str().to_owned()),
            (lollipop::SIGNATURE_INPUT, input),
        ];
        for (name, value) in pairs {
            insert(&mut h, name, &value)?;
        }
        let base = lollipop::signature_base(&h, "sig1").map_err(|e| e.to_string())?;
        let signature: p256::ecdsa::Signature = self.key.sign(base.as_bytes());
        insert(
            &mut h,
            lollipop::SIGNATURE,
            &format!("sig1={}", byte_sequence(&signature.to_bytes())),
        )?;
        Ok(h)
    }
}

fn insert(h: &mut HeaderMap, name: &str, value: &str) -> Result<(), String> {
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("{name}: {e}"))?;
    let value = HeaderValue::from_str(value).map_err(|e| format!("{name}: {e}"))?;
    h.insert(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_headers_verify_and_pass_the_gateways_checks() {
        let fc = FiscalCode::parse("SPNDNL80R13C555X").unwrap();
        let device = Device::generate();
        let url = "https://app-backend.io.italia.it/api/communication/v1/third-party-messages/x";
        let h = device.sign(&fc, url, 1_700_000_000).unwrap();
        let verified = lollipop::verify_at(&h, &fc, 1_700_000_000).expect("verifies");
        assert_eq!(verified.original_url, url);
        assert_eq!(verified.thumbprint, device.thumbprint);
        // What the gateway would pass on: all of them, as they are.
        let forwarded = crate::fetch::lollipop::forwarded(&h, &fc).expect("the gateway's checks");
        assert_eq!(forwarded.len(), crate::fetch::lollipop::REQUIRED.len());
        // Another citizen's request is refused by the entity's verifier.
        let other = FiscalCode::parse("RSSMRA85T10A562S").unwrap();
        assert!(lollipop::verify_at(&h, &other, 1_700_000_000).is_err());
        // Each run its own key.
        assert_ne!(Device::generate().thumbprint, device.thumbprint);
    }
}
