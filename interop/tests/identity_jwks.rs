//! The engine trusting an identity issuer's JSON Web Key Set (`identity.jwks_url`) over HTTP:
//! it starts while the set is unreachable (logged, identity tokens refused with
//! `401 INVALID_TOKEN`), picks the set up once it is served (a token naming an unknown key
//! fetches it, at most once per `identity.jwks_min_refresh_secs`), and then accepts RS256 and
//! ES256 tokens by `kid` — a platform operator registering a tenant, its administrator reading
//! the catalogue — and still refuses a token for another audience.

use axum::Json;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use interop::{Application, Config};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const ISSUER: &str = "https://idp.example";
const AUDIENCE: &str = "recapito-console";
const OPERATOR: &str = "0b6f1c2e-7a43-4d5e-9f10-2c3b4a5d6e7f";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/keys")
            .join(name),
    )
    .unwrap()
}

/// The key set: the RSA identity fixture as `rsa-1`, the P-256 fixture as `ec-1` (ES256).
fn key_set() -> Value {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let rsa = rsa::RsaPrivateKey::from_pkcs8_pem(&fixture("identity.key.pem")).unwrap();
    let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &ec_der()).unwrap();
    let point = ec.public_key().as_ref().to_vec();
    json!({ "keys": [
        { "kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
          "n": URL_SAFE_NO_PAD.encode(rsa.n().to_bytes_be()),
          "e": URL_SAFE_NO_PAD.encode(rsa.e().to_bytes_be()) },
        { "kty": "EC", "crv": "P-256", "kid": "ec-1", "use": "sig", "alg": "ES256",
          "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
          "y": URL_SAFE_NO_PAD.encode(&point[33..65]) },
    ]})
}

fn ec_der() -> Vec<u8> {
    let pem = fixture("ec-p256.key.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn token(
    alg: Algorithm,
    kid: &str,
    sub: &str,
    tenant: Option<&str>,
    roles: &[&str],
    aud: &str,
) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_der(&ec_der()),
        _ => EncodingKey::from_rsa_pem(fixture("identity.key.pem").as_bytes()).unwrap(),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = json!({
        "iss": ISSUER, "aud": aud, "sub": sub, "roles": roles,
        "iat": now, "exp": now + 300, "nonce": "ignored by the engine",
    });
    if let Some(t) = tenant {
        claims["tenant_id"] = json!(t);
    }
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn identity_tokens_are_verified_with_the_issuers_key_set() {
    let dir = tempfile::tempdir().unwrap();
    let jwks_port = free_port();
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.identity.issuer = ISSUER.into();
    config.identity.audience = AUDIENCE.into();
    config.identity.jwks_url = Some(format!("http://127.0.0.1:{jwks_port}/jwks"));
    config.identity.jwks_min_refresh_secs = 1;
    config.identity.platform_operators = vec![OPERATOR.parse().unwrap()];

    // The set cannot be reached: the engine starts anyway, and refuses identity tokens.
    let app = Application::build(&config)
        .await
        .expect("starts without its key set");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(async move {
        let _ = app.run_until(std::future::pending()).await;
    });
    let operator = token(Algorithm::RS256, "rsa-1", OPERATOR, None, &[], AUDIENCE);
    let tenant = json!({"name": "Comune di Esempio", "admin": {"id": "2f0c4a8e-1b7d-4c8e-9a51-6d3f2b7e9c10", "name": "Ada"}});
    let (status, body) = call(
        &base,
        reqwest::Method::POST,
        "/tenants",
        &operator,
        Some(tenant.clone()),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("INVALID_TOKEN")),
        "{body}"
    );

    // Now the issuer serves its set; once jwks_min_refresh_secs has passed, the next token
    // naming a key the engine does not hold fetches it.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", jwks_port))
        .await
        .unwrap();
    let set = key_set();
    let app = axum::Router::new().route("/jwks", get(move || async move { Json(set) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = call(
        &base,
        reqwest::Method::POST,
        "/tenants",
        &operator,
        Some(tenant),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let tenant_id = body["id"].as_str().unwrap().to_owned();

    // The tenant's administrator, with an ES256 token.
    let admin = token(
        Algorithm::ES256,
        "ec-1",
        "2f0c4a8e-1b7d-4c8e-9a51-6d3f2b7e9c10",
        Some(&tenant_id),
        &["admin"],
        AUDIENCE,
    );
    let (status, body) = call(&base, reqwest::Method::GET, "/eservices", &admin, None).await;
    assert_eq!(status, 200, "{body}");

    // A token for another audience, an unknown kid, a key used with another algorithm.
    for (bad, why) in [
        (
            token(
                Algorithm::ES256,
                "ec-1",
                OPERATOR,
                None,
                &[],
                "another-client",
            ),
            "audience",
        ),
        (
            token(Algorithm::RS256, "rsa-2", OPERATOR, None, &[], AUDIENCE),
            "unknown kid",
        ),
        (
            token(Algorithm::RS256, "ec-1", OPERATOR, None, &[], AUDIENCE),
            "the EC key's kid on an RSA signature",
        ),
    ] {
        let (status, body) = call(&base, reqwest::Method::GET, "/eservices", &bad, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("INVALID_TOKEN")),
            "{why}: {body}"
        );
    }
}
