//! The console's flows, step by step, by clicks and typing: what the browser tests and the
//! end-to-end journey reuse.

pub mod anagrafica;
pub mod cittadino;
pub mod erogazione;
pub mod fruizione;
pub mod recapito;
pub mod scenari;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

/// The RFC 7638 thumbprint of an RSA public key, computed here from the PEM on its own.
pub fn thumbprint(public_pem: &str) -> String {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    use sha2::Digest;
    let key = rsa::RsaPublicKey::from_public_key_pem(public_pem).unwrap();
    let b64 = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
    let jwk = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        b64(key.e()),
        b64(key.n())
    );
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(jwk.as_bytes()))
}

/// A voucher request signed with `key_pem` for `purpose`, outside the browser: its status.
pub async fn ask_voucher(
    token_endpoint: &str,
    audience: &str,
    client: &str,
    kid: &str,
    key_pem: &str,
    purpose: &str,
) -> u16 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let claims = json!({"iss": client, "sub": client, "aud": audience,
        "jti": uuid::Uuid::new_v4().to_string(), "iat": now, "exp": now + 60, "purposeId": purpose});
    let jws = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    reqwest::Client::new()
        .post(token_endpoint)
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &jws),
            ("client_id", client),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
