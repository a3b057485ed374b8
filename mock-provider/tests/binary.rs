//! The mock-provider binary: scenario files, the admin endpoint, faults.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FC: &str = "SPNDNL80R13C555X";

struct Running(Child, String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port. The port is free when chosen but another test process may
/// take it before the child binds: a child that exits is started again on another port.
async fn start() -> Running {
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let scenarios = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/scenarios");
        let child = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
            .args([
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--scenarios",
                scenarios,
                "--api-key-header",
                "X-Api-Key",
                "--api-key",
                "secret",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut running = Running(child, format!("http://127.0.0.1:{port}"));
        // Generous: the whole workspace's tests share the machine's cores.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if reqwest::get(format!("{}/rc/messages/x", running.1))
                .await
                .is_ok()
            {
                return running;
            }
            if running.0.try_wait().unwrap().is_some() {
                break; // exited: most likely the port was taken meanwhile
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("mock-provider did not start");
}

async fn get(base: &str, path: &str, fc: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}/rc/{path}"))
        .header("x-api-key", "secret")
        .header("fiscal_code", fc)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn serves_scenarios_and_faults() {
    let m = start().await;
    let r = get(&m.1, "messages/avviso-tari-2026", FC).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["details"]["subject"], "Avviso di pagamento TARI 2026");
    assert_eq!(
        get(&m.1, "messages/avviso-tari-2026", "RSSMRA85T10A562S")
            .await
            .status(),
        404,
        "another citizen"
    );
    let pdf = get(&m.1, "messages/avviso-tari-2026/attachments/avviso.pdf", FC)
        .await
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let no_key = reqwest::Client::new()
        .get(format!("{}/rc/messages/avviso-tari-2026", m.1))
        .header("fiscal_code", FC)
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 401);

    // New scenarios at run time, with faults.
    let put = |id: &str, body: serde_json::Value| {
        let req = reqwest::Client::new()
            .put(format!("{}/admin/scenarios/{id}", m.1))
            .json(&body);
        async move { assert_eq!(req.send().await.unwrap().status(), 204) }
    };
    let details = serde_json::json!({"subject": "Soggetto di prova", "markdown": "m".repeat(90)});
    put("busy", serde_json::json!({"id": "busy", "fiscal_code": FC, "details": details, "fault": {"status": 503, "retry_after": "30"}})).await;
    let r = get(&m.1, "messages/busy", FC).await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (503, "30")
    );
    put("moved", serde_json::json!({"id": "moved", "fiscal_code": FC, "details": details, "fault": {"redirect": "https://elsewhere.example/"}})).await;
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_follow
        .get(format!("{}/rc/messages/moved", m.1))
        .header("x-api-key", "secret")
        .header("fiscal_code", FC)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    put("broken", serde_json::json!({"id": "broken", "fiscal_code": FC, "details": details, "fault": {"body": "{not json"}})).await;
    assert_eq!(
        get(&m.1, "messages/broken", FC).await.text().await.unwrap(),
        "{not json"
    );
    put("big", serde_json::json!({"id": "big", "fiscal_code": FC, "details": details, "fault": {"pad_bytes": 2000000}})).await;
    assert!(
        get(&m.1, "messages/big", FC)
            .await
            .bytes()
            .await
            .unwrap()
            .len()
            > 2_000_000
    );
    put("cut", serde_json::json!({"id": "cut", "fiscal_code": FC, "details": details, "fault": {"truncate": true}})).await;
    let cut = reqwest::Client::new()
        .get(format!("{}/rc/messages/cut", m.1))
        .header("x-api-key", "secret")
        .header("fiscal_code", FC)
        .send()
        .await;
    let broken = match cut {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(broken, "the body is cut before its announced length");
}
