//! The mock entity checks lollipop like a real one: server-wide (`entity_router_with`, the
//! binary's `--lollipop`) or per scenario (`"lollipop": true`), with provider-sdk's verifier.

use mock_provider::{LollipopPolicy, Scenarios, admin_router, entity_router, entity_router_with};
use provider_sdk::auth::Authentication;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

const FC: &str = "SPNDNL80R13C555X";
const OTHER_FC: &str = "RSSMRA85T10A562S";

/// A request for `FC` signed by a device key (a fixed vector of provider-sdk's lollipop tests,
/// `provider-sdk/tests/lollipop.rs`, signed with `fixtures/keys/lollipop/device-p256.key.pem`).
const SIGNED: &[(&str, &str)] = &[
    ("x-pagopa-lollipop-original-method", "GET"),
    (
        "x-pagopa-lollipop-original-url",
        "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1",
    ),
    (
        "x-pagopa-lollipop-public-key",
        "eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6Ik56LWl0cG9EX0huRUJuZlFMN1R2Z3prYmtxWDdwbG1IRlhCZG5pQjFwdFEiLCJ5IjoidGdIWml5OEZOZE1Ha2JOX2F4Y2hzUmRJaXZJMXpVQjJ2SlZpZGI0dmx5ZyJ9",
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "sha256-O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg",
    ),
    ("x-pagopa-lollipop-assertion-type", "SAML"),
    ("x-pagopa-lollipop-auth-jwt", "aJwt"),
    ("x-pagopa-lollipop-user-id", "SPNDNL80R13C555X"),
    (
        "content-digest",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ),
    (
        "signature-input",
        "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n-1\";keyid=\"O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg\";alg=\"ecdsa-p256-sha256\"",
    ),
    (
        "signature",
        "sig1=:lJWlZbjZ1kxB5BkiegmggkRLOcxo3RsRG+BTzRaASabc0hK7jCSjfpv/Ym4aQXeR4j0I0RP7NzG2zMt+U2vBtQ==:",
    ),
];

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"))
}

fn scenarios() -> Scenarios {
    Arc::new(RwLock::new(
        mock_provider::scenario::load_dir(&fixtures().join("scenarios")).unwrap(),
    ))
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// GET `path` for `fc`, with the signed headers or none; the status and the problem's code.
async fn get(base: &str, path: &str, fc: &str, signed: bool) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .get(format!("{base}/rc/{path}"))
        .header("fiscal_code", fc);
    if signed {
        for (k, v) in SIGNED {
            req = req.header(*k, *v);
        }
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn a_lollipop_entity_refuses_unsigned_tampered_and_other_citizens_requests() {
    let app = entity_router_with(
        scenarios(),
        fixtures(),
        "/rc",
        Authentication::None,
        LollipopPolicy::Required,
    );
    let base = serve(app).await;
    let path = "messages/avviso-tari-2026";
    assert_eq!(get(&base, path, FC, true).await, (200, String::new()));
    assert_eq!(
        get(&base, path, FC, false).await,
        (401, "LOLLIPOP_HEADER_MISSING".into())
    );
    assert_eq!(
        get(&base, path, OTHER_FC, true).await,
        (403, "LOLLIPOP_USER_ID_MISMATCH".into())
    );
    let r = reqwest::Client::new()
        .get(format!("{base}/rc/{path}"))
        .header("fiscal_code", FC)
        .headers(
            SIGNED
                .iter()
                .map(|(k, v)| {
                    let v = if *k == "x-pagopa-lollipop-original-url" {
                        "https://elsewhere.example/"
                    } else {
                        v
                    };
                    (k.parse().unwrap(), v.parse().unwrap())
                })
                .collect(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "LOLLIPOP_SIGNATURE_INVALID"
    );
    // WhenPresent: unsigned requests pass, signed ones are verified.
    let app = entity_router_with(
        scenarios(),
        fixtures(),
        "/rc",
        Authentication::None,
        LollipopPolicy::WhenPresent,
    );
    let base = serve(app).await;
    assert_eq!(get(&base, path, FC, false).await.0, 200);
    assert_eq!(get(&base, path, OTHER_FC, true).await.0, 403);
}

#[tokio::test]
async fn a_scenario_can_require_lollipop_at_run_time() {
    let s = scenarios();
    let app =
        entity_router(s.clone(), fixtures(), "/rc", Authentication::None).merge(admin_router(s));
    let base = serve(app).await;
    let scenario = serde_json::json!({
        "id": "ignored", "fiscal_code": FC, "lollipop": true,
        "details": {"subject": "Avviso firmato dal dispositivo", "markdown": "m".repeat(80)},
    });
    let put = reqwest::Client::new()
        .put(format!("{base}/admin/scenarios/firmato"))
        .json(&scenario)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    assert_eq!(
        get(&base, "messages/firmato", FC, false).await,
        (401, "LOLLIPOP_HEADER_MISSING".into())
    );
    assert_eq!(get(&base, "messages/firmato", FC, true).await.0, 200);
    assert_eq!(
        get(&base, "messages/firmato", OTHER_FC, true).await,
        (403, "LOLLIPOP_USER_ID_MISMATCH".into())
    );
    // Other scenarios keep the server's policy (off).
    assert_eq!(
        get(&base, "messages/avviso-tari-2026", FC, false).await.0,
        200
    );
}

#[tokio::test]
async fn the_binary_takes_lollipop_on_its_command_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mock-provider"))
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--lollipop",
            "required",
            "--scenarios",
        ])
        .arg(fixtures().join("scenarios"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut answered = None;
    while std::time::Instant::now() < deadline && answered.is_none() {
        if reqwest::get(format!("{base}/rc/messages/x")).await.is_ok() {
            answered = Some(());
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let unsigned = get(&base, "messages/avviso-tari-2026", FC, false).await;
    let signed = get(&base, "messages/avviso-tari-2026", FC, true).await;
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered.is_some(), "mock-provider did not start");
    assert_eq!(unsigned, (401, "LOLLIPOP_HEADER_MISSING".into()));
    assert_eq!(signed.0, 200);
}
