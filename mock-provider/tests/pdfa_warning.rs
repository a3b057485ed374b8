//! The mock warns (a `WARN` log line naming the scenario and the validator's failure) when it
//! serves an attachment the gateway's PDF/A-2 validator would refuse, and serves it all the
//! same; a PDF/A attachment gets no warning.

use mock_provider::scenario::Scenario;
use mock_provider::{Scenarios, entity_router};
use provider_sdk::auth::Authentication;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

const FC: &str = "SPNDNL80R13C555X";

fn scenario(id: &str, file: &str) -> Scenario {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "fiscal_code": FC,
        "details": {"subject": "Un allegato", "markdown": "x".repeat(80)},
        "attachments": [{"id": "a1", "content_type": "application/pdf", "name": "a.pdf",
                         "url": "attachments/a.pdf", "category": "DOCUMENT", "file": file}]
    }))
    .unwrap()
}

/// What the log subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// One thread: the server's tasks log through this test's thread-local subscriber.
#[tokio::test(flavor = "current_thread")]
async fn an_attachment_the_gateway_would_refuse_is_served_with_a_warning() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let scenarios: Scenarios = Arc::new(RwLock::new(
        [
            scenario("plain-text", "pdf/not-a-pdf.pdf"),
            scenario("encrypted", "pdf/encrypted.pdf"),
            scenario("pdfa", "pdf/pdfa2b-minimal.pdf"),
        ]
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect(),
    ));
    let fixtures = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"));
    let app = entity_router(scenarios, fixtures.clone(), "/rc", Authentication::None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = reqwest::Client::new();
    for (id, file) in [
        ("plain-text", "pdf/not-a-pdf.pdf"),
        ("encrypted", "pdf/encrypted.pdf"),
        ("pdfa", "pdf/pdfa2b-minimal.pdf"),
    ] {
        let r = client
            .get(format!("{base}/rc/messages/{id}/attachments/a.pdf"))
            .header("fiscal_code", FC)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{id}");
        let body = r.bytes().await.unwrap();
        assert_eq!(body, std::fs::read(fixtures.join(file)).unwrap(), "{id}");
    }

    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 2, "{text}");
    let plain = warnings
        .iter()
        .find(|l| l.contains("scenario=plain-text"))
        .unwrap_or_else(|| panic!("no warning for plain-text: {text}"));
    assert!(
        plain.contains("PDF/A validator would refuse")
            && plain.contains("6.1.2 the file does not start with %PDF-"),
        "{plain}"
    );
    let encrypted = warnings
        .iter()
        .find(|l| l.contains("scenario=encrypted"))
        .unwrap_or_else(|| panic!("no warning for encrypted: {text}"));
    assert!(encrypted.contains("encrypted"), "{encrypted}");
    assert!(!text.contains("scenario=pdfa "), "{text}");
}
