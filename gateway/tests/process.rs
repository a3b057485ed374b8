//! The real `gateway` binary: no acknowledged submission is lost to `kill -9`, and its logs at
//! info level hold neither message content nor fiscal codes.

use axum::routing::get;
use axum::{Json, Router};
use interop::token::signing::SigningKeys;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const APP_KEY: &str = "process-test-key";
const SUBJECT: &str = "Avviso di pagamento riservato";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A JWKS on loopback for the fixture key; returns its URL and the signer.
async fn jwks() -> (String, Arc<SigningKeys>) {
    let keys = Arc::new(
        SigningKeys::configured(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys/client-b.key.pem"),
        )
        .unwrap(),
    );
    let served = keys.clone();
    let app = Router::new().route(
        "/.well-known/jwks.json",
        get(move || async move { Json(served.jwks(0)) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, keys)
}

fn voucher(keys: &SigningKeys) -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    keys.sign(&json!({"iss": "recapito-interop", "aud": "recapito-gateway", "iat": t, "nbf": t, "exp": t + 600, "consumerId": "comune", "purposeId": "p1", "eserviceId": "e", "producerId": "gateway-operator"})).unwrap()
}

async fn start(dir: &Path, jwks_url: &str, port: u16, log: &Path) -> Child {
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!("bind = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[auth]\ninterop_jwks_url = \"{jwks_url}\"\neservice_id = \"e\"\nproducer_id = \"gateway-operator\"\napp_api_keys = [\"{APP_KEY}\"]\n", dir.join("data").display()),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("GATEWAY_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the gateway did not get ready");
}

fn citizen(i: usize) -> String {
    // Valid fiscal codes: vary the three digits of the municipality code.
    format!("SPNDNL80R13C{:03}X", i % 1000)
}

#[tokio::test]
async fn acknowledged_submissions_survive_kill_9_and_logs_hide_content() {
    let dir = tempfile::tempdir().unwrap();
    let (jwks_url, keys) = jwks().await;
    let log = dir.path().join("gateway.log");
    let port = free_port();
    let mut child = start(dir.path(), &jwks_url, port, &log).await;
    let http = reqwest::Client::new();
    let token = voucher(&keys);

    // Submit from 8 connections; keep every acknowledged id; kill while requests are in flight.
    let acked = Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (http, token, acked) = (http.clone(), token.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let fc = citizen(w * 1000 + i);
                let body = json!({"fiscal_code": fc, "content": {"subject": SUBJECT, "markdown": "Contenuto riservato del messaggio: importo dovuto, scadenza e modalità di pagamento dell'avviso."}});
                let r = http.post(format!("http://127.0.0.1:{port}/api/v1/messages")).bearer_auth(&token).json(&body).send().await;
                match r {
                    Ok(r) if r.status() == 201 => {
                        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
                        acked.lock().unwrap().push((id, fc));
                    }
                    _ => break, // the process is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "too few submissions to mean anything: {}",
        acked.len()
    );

    let port = free_port();
    let mut child = start(
        dir.path(),
        &jwks_url,
        port,
        &dir.path().join("gateway2.log"),
    )
    .await;
    for (id, fc) in &acked {
        let r = http
            .get(format!(
                "http://127.0.0.1:{port}/api/communication/v1/messages/{id}"
            ))
            .bearer_auth(APP_KEY)
            .header("fiscal_code", fc)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "acknowledged message {id} lost after kill -9"
        );
    }
    let _ = child.kill();
    let _ = child.wait();

    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("message accepted"),
        "the test reads the right log"
    );
    assert!(
        !logs.contains(SUBJECT) && !logs.contains("riservato"),
        "message content in the logs"
    );
    for (_, fc) in acked.iter().take(20) {
        assert!(
            !logs.contains(fc.as_str()),
            "fiscal code {fc} in clear in the logs"
        );
    }
}

#[test]
fn a_low_soft_open_file_limit_is_raised_to_the_hard_one_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!("bind = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n[auth]\ninterop_jwks_url = \"http://127.0.0.1:9/jwks.json\"\neservice_id = \"e\"\nproducer_id = \"gateway-operator\"\napp_api_keys = [\"{APP_KEY}\"]\n", dir.path().join("data").display()),
    )
    .unwrap();
    let mut gateway = Command::new(env!("CARGO_BIN_EXE_gateway"));
    gateway
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("GATEWAY_LOG_FORMAT", "json");
    service_kit::testing::assert_raises_the_open_file_limit(
        &gateway,
        &dir.path().join("gateway.log"),
    );
}

#[test]
fn a_zero_server_setting_in_the_environment_is_refused_at_start() {
    service_kit::testing::assert_refused_at_start(
        Command::new(env!("CARGO_BIN_EXE_gateway"))
            .arg("serve")
            .env("GATEWAY_SERVER__HEADER_READ_TIMEOUT_MS", "0"),
        "server.header_read_timeout_ms must be at least 1",
    );
}

/// `gateway check-pdf` refuses a PDF bomb with a FAIL line (and exit status 1) instead of
/// working on it without end, and still passes the valid file next to it.
#[test]
fn check_pdf_prints_a_fail_line_for_a_pdf_bomb() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pdf/pdfa2b-minimal.pdf");
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.pdf");
    let base = std::fs::read(&fixture).unwrap();
    std::fs::write(
        &bomb,
        pdfa::bombs::object_streams(&base, 600, 32 * 1024 * 1024),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("check-pdf")
        .arg(&fixture)
        .arg(&bomb)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("PASS {}", fixture.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("FAIL {}: limits ", bomb.display())),
        "{stdout}"
    );
}

/// `gateway check-pdf` takes the `check-pdf` binary's options: `--json` (every finding, for
/// entities' CI) and `--flavour`; an unknown flavour is a usage error (exit status 2).
#[test]
fn check_pdf_speaks_json_and_takes_a_flavour() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pdf/pdfa2b-minimal.pdf");
    let encrypted = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pdf/encrypted.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(["check-pdf", "--json", "--flavour", "2b"])
        .arg(&fixture)
        .arg(&encrypted)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let files: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(files[0]["verdict"], "pass", "{files}");
    assert_eq!(files[0]["flavour"], "2b", "{files}");
    assert_eq!(files[1]["verdict"], "fail", "{files}");
    assert!(files[1]["findings"][0]["rule"].is_string(), "{files}");
    let bad = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(["check-pdf", "--flavour", "3z"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("unknown PDF/A flavour"), "{stderr}");
}
