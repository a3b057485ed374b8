//! The console's flows, step by step, by clicks and typing: what the browser tests and the
//! end-to-end journey reuse.

pub mod anagrafica;
pub mod cittadino;
pub mod erogazione;
pub mod fruizione;
pub mod recapito;
pub mod scenari;

pub use fruizione::main_text;

use crate::browser::heading_is;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use serde_json::json;

/// Opens `console`'s sign-in page and signs in with the development sign-in as the user whose
/// name starts with `who` ("Admin Comune di Esempio", "Operatore API Comune di Prova"…).
pub async fn sign_in(c: &Client, console: &str, who: &str) -> Result<(), CmdError> {
    c.goto(&format!("{console}/accesso")).await?;
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(&format!(
        "//button[starts-with(normalize-space(.), 'Accedi come {who}')]"
    )))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    Ok(())
}

/// "Esci", back to the sign-in page.
pub async fn sign_out(c: &Client) -> Result<(), CmdError> {
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accedi").await;
    Ok(())
}

/// The page shown scrolls only vertically at 360 px (`page` names it in a failure, with the
/// first elements wider than the window).
pub async fn fits_360(c: &Client, page: &str) -> Result<(), CmdError> {
    c.set_window_size(360, 800).await?;
    // The page's layout follows the new width.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await?;
    let wide = c
        .execute(
            "return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40));",
            vec![],
        )
        .await?;
    c.set_window_size(1280, 900).await?;
    assert_eq!(
        overflow,
        json!(false),
        "horizontal scrolling at 360 px on {page}: {wide}"
    );
    Ok(())
}

/// The demo entity's gateway client (provider-sdk), made as its own system would make it.
pub fn entity_client(env: &dev_stack::DevEnv) -> provider_sdk::client::GatewayClient {
    use provider_sdk::client::{ClientConfig, Credentials, GatewayClient};
    let s = &env.sender;
    let credentials =
        Credentials::from_pem_file(&s.client_id, &s.kid, &s.purpose_id, &s.private_key_pem_path)
            .unwrap();
    GatewayClient::new(
        ClientConfig::new(
            &env.gateway_url,
            &env.token_endpoint,
            &env.client_assertion_audience,
        ),
        credentials,
    )
    .unwrap()
}

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
