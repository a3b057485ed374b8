//! The gateway fetching remote content from a real HTTP peer: every check and every fault.

use e2e::entity::{Answer, FakeEntity};
use e2e::gateway::{Caller, FakeInterop, Gateway, configuration, message};
use e2e::world::{self, Terms};
use e2e::{Reply, fixture, fixtures};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const CITIZEN: &str = "SPNDNL80R13C555X";
const TESTER: &str = "RSSMRA85T10A562S";

struct Setup {
    interop: FakeInterop,
    gw: Gateway,
    entity: FakeEntity,
}

fn details(with_attachments: bool) -> Value {
    let mut v = json!({"details": {"subject": "Avviso di pagamento TARI 2026", "markdown": "## Avviso\n\nL'importo dovuto per la tassa sui rifiuti è di 120 euro, da pagare entro il 31 dicembre. [Paga](https://comune.example/paga)"}});
    if with_attachments {
        v["attachments"] = json!([{"id": "a1", "content_type": "application/pdf", "name": "avviso.pdf", "url": "/attachments/avviso.pdf?v=1", "category": "DOCUMENT"}]);
    }
    v
}

async fn setup_with(tune: impl FnOnce(&mut gateway::Config)) -> Setup {
    let interop = FakeInterop::start().await;
    let gw = Gateway::spawn_with(&interop.jwks_url, tune).await;
    let entity = FakeEntity::start().await;
    Setup {
        interop,
        gw,
        entity,
    }
}

async fn setup() -> Setup {
    setup_with(|c| {
        c.fetch.timeout_ms = 1_000;
        c.fetch.max_json_bytes = 64 * 1024;
        c.fetch.breaker_failures = 1_000;
    })
    .await
}

impl Setup {
    fn comune(&self) -> Caller {
        self.gw.entity(&self.interop.voucher("comune", "p1"))
    }

    async fn configure(&self, body: Value) -> String {
        self.comune()
            .post("/api/v1/remote-contents/configurations", &body)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/configuration_id")
    }

    /// Submits a message with third-party data `tpd` (merged over the defaults) for `citizen`.
    async fn send(&self, config: &str, citizen: &str, tpd: Value) -> String {
        let mut m = message(citizen, config);
        for (k, v) in tpd.as_object().unwrap() {
            m["content"]["third_party_data"][k] = v.clone();
        }
        if m["content"]["third_party_data"]["has_attachments"] == true {
            m["feature_level_type"] = json!("ADVANCED");
        }
        self.comune()
            .post("/api/v1/messages", &m)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/id")
    }

    async fn open(&self, citizen: &str, id: &str) -> Reply {
        self.gw
            .app(citizen)
            .get(&format!("/api/communication/v1/third-party-messages/{id}"))
            .await
    }
}

#[tokio::test]
async fn details_are_fetched_with_the_citizen_and_the_api_key_and_checked() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let id = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "corr-1", "has_attachments": true}),
        )
        .await;
    s.entity.on("messages/corr-1", Answer::json(&details(true)));
    let r = s.open(CITIZEN, &id).await.expect_status(StatusCode::OK);
    assert_eq!(
        r.body["third_party_message"]["details"]["subject"],
        "Avviso di pagamento TARI 2026"
    );
    assert_eq!(r.body["third_party_message"]["attachments"][0]["id"], "a1");
    assert_eq!(r.body["id"], id.as_str());
    let req = s.entity.received().pop().unwrap();
    assert_eq!(req.path, "/rc/messages/corr-1");
    assert_eq!(req.headers["fiscal_code"], CITIZEN);
    assert_eq!(req.headers["x-api-key"], "secret");
    assert!(
        !req.headers.contains_key("x-pagopa-lollipop-user-id"),
        "lollipop is off"
    );
    // Another citizen cannot open it.
    s.open(TESTER, &id)
        .await
        .expect_problem(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
}

#[tokio::test]
async fn an_https_entity_is_verified_and_served() {
    let s = setup_with(|c| {
        c.fetch.timeout_ms = 2_000;
        c.fetch.extra_root_certs = vec![fixtures().join("tls/ca.cert.pem")];
    })
    .await;
    let front = s.entity.tls_front().await;
    let config = s.configure(configuration(&front.base_url)).await;
    let id = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "tls-1", "has_attachments": true}),
        )
        .await;
    s.entity.on("messages/tls-1", Answer::json(&details(true)));
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    s.entity.on(
        "messages/tls-1/attachments/avviso.pdf?v=1",
        Answer::bytes(200, pdf.clone()),
    );
    for _ in 0..2 {
        let r = s.open(CITIZEN, &id).await.expect_status(StatusCode::OK);
        assert_eq!(r.body["third_party_message"]["attachments"][0]["id"], "a1");
    }
    let resp =
        s.gw.http
            .get(format!(
                "{}/api/communication/v1/third-party-messages/{id}/attachments/attachments/avviso.pdf?v=1",
                s.gw.base
            ))
            .bearer_auth(e2e::gateway::APP_KEY)
            .header("fiscal_code", CITIZEN)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
    let req = s.entity.received().pop().unwrap();
    assert_eq!(req.headers["fiscal_code"], CITIZEN);
    assert_eq!(req.headers["x-api-key"], "secret");

    // A gateway that does not trust the test CA refuses the entity's certificate.
    let strict = setup().await;
    let front = strict.entity.tls_front().await;
    let config = strict.configure(configuration(&front.base_url)).await;
    let id = strict.send(&config, CITIZEN, json!({"id": "tls-2"})).await;
    strict
        .entity
        .on("messages/tls-2", Answer::json(&details(false)));
    let r = strict
        .open(CITIZEN, &id)
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "ENTITY_UNREACHABLE");
    assert!(
        r.body["detail"].as_str().unwrap().contains("certificate"),
        "{}",
        r.body
    );
    assert!(strict.entity.received().is_empty());
}

#[tokio::test]
async fn declared_flags_are_checked_against_the_answer() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let cases: Vec<(Value, Value, &str)> = vec![
        (
            json!({"id": "f1", "has_attachments": true}),
            json!({"details": details(false)["details"]}),
            "ATTACHMENTS_NOT_PRESENT",
        ),
        (
            json!({"id": "f2", "has_remote_content": true}),
            json!({}),
            "REMOTE_CONTENT_NOT_PRESENT",
        ),
        (
            json!({"id": "f3"}),
            json!({"details": {"subject": "short", "markdown": "m".repeat(100)}}),
            "SUBJECT_VALIDATION_ERROR",
        ),
        (
            json!({"id": "f4"}),
            json!({"details": {"subject": "A proper subject", "markdown": "too short"}}),
            "MARKDOWN_VALIDATION_ERROR",
        ),
        (
            json!({"id": "f5"}),
            json!({"details": {"subject": "A proper subject", "markdown": format!("{} <script>alert(1)</script>", "m".repeat(90))}}),
            "MARKDOWN_UNSAFE",
        ),
        (
            json!({"id": "f6"}),
            json!({"details": {"subject": "A proper subject", "markdown": format!("{} [x](javascript:alert(1))", "m".repeat(90))}}),
            "MARKDOWN_UNSAFE",
        ),
    ];
    for (tpd, answer, code) in cases {
        let corr = tpd["id"].as_str().unwrap().to_owned();
        let id = s.send(&config, CITIZEN, tpd).await;
        s.entity
            .on(&format!("messages/{corr}"), Answer::json(&answer));
        s.open(CITIZEN, &id)
            .await
            .expect_problem(StatusCode::BAD_GATEWAY, code);
    }
    // Undeclared structures are dropped: no attachments, the stored subject.
    let id = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "f7", "has_remote_content": false, "has_attachments": false}),
        )
        .await;
    s.entity.on("messages/f7", Answer::json(&details(true)));
    let r = s.open(CITIZEN, &id).await.expect_status(StatusCode::OK);
    assert_eq!(r.body["third_party_message"]["attachments"], json!([]));
    assert_eq!(
        r.body["third_party_message"]["details"]["subject"],
        "Avviso di pagamento TARI"
    );
}

#[tokio::test]
async fn attachment_metadata_and_traversal_urls_are_refused() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    for (n, bad) in [
        json!({"id": "a", "content_type": "text/html", "name": "a.pdf", "url": "a.pdf"}),
        json!({"id": "a", "content_type": "application/pdf", "name": "a.exe", "url": "a.pdf"}),
        json!({"id": "a", "content_type": "application/pdf", "name": "a.pdf", "url": "../../etc/passwd"}),
        json!({"id": "a", "content_type": "application/pdf", "name": "a.pdf", "url": "https://evil.example/a.pdf"}),
        json!({"id": "a", "content_type": "application/pdf", "name": "a.pdf", "url": "a\\b.pdf"}),
        json!({"id": "a", "content_type": "application/pdf", "name": "a.pdf", "url": "a.pdf", "category": "lower"}),
    ]
    .into_iter()
    .enumerate()
    {
        let corr = format!("m{n}");
        let id = s.send(&config, CITIZEN, json!({"id": corr, "has_attachments": true})).await;
        s.entity.on(&format!("messages/{corr}"), Answer::json(&json!({"details": details(false)["details"], "attachments": [bad]})));
        s.open(CITIZEN, &id).await.expect_problem(StatusCode::BAD_GATEWAY, "ATTACHMENT_METADATA_INVALID");
    }
}

#[tokio::test]
async fn entity_statuses_are_mapped_with_named_causes() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let cases = [
        (
            Answer::status(400),
            StatusCode::BAD_REQUEST,
            "ENTITY_BAD_REQUEST",
        ),
        (
            Answer::status(401),
            StatusCode::BAD_GATEWAY,
            "ENTITY_UNAUTHORIZED",
        ),
        (
            Answer::status(403),
            StatusCode::FORBIDDEN,
            "ENTITY_FORBIDDEN",
        ),
        (
            Answer::status(404),
            StatusCode::NOT_FOUND,
            "ENTITY_NOT_FOUND",
        ),
        (
            Answer::status(429),
            StatusCode::TOO_MANY_REQUESTS,
            "ENTITY_TOO_MANY_REQUESTS",
        ),
        (Answer::status(500), StatusCode::BAD_GATEWAY, "ENTITY_ERROR"),
        (
            Answer::status(302).header("location", "https://evil.example/"),
            StatusCode::BAD_GATEWAY,
            "ENTITY_REDIRECT",
        ),
        (
            Answer::bytes(200, b"{not json".to_vec()),
            StatusCode::BAD_GATEWAY,
            "ENTITY_INVALID_RESPONSE",
        ),
        (
            Answer::bytes(200, vec![b' '; 100 * 1024]),
            StatusCode::BAD_GATEWAY,
            "ENTITY_RESPONSE_TOO_LARGE",
        ),
        (
            Answer::json(&details(false)).delayed(Duration::from_secs(3)),
            StatusCode::GATEWAY_TIMEOUT,
            "ENTITY_TIMEOUT",
        ),
    ];
    for (n, (answer, status, code)) in cases.into_iter().enumerate() {
        let corr = format!("s{n}");
        let id = s.send(&config, CITIZEN, json!({"id": corr})).await;
        s.entity.on(&format!("messages/{corr}"), answer);
        s.open(CITIZEN, &id).await.expect_problem(status, code);
    }
    // 503: Retry-After passed on (10 when the entity gives none).
    let id = s.send(&config, CITIZEN, json!({"id": "busy"})).await;
    s.entity.on(
        "messages/busy",
        Answer::status(503).header("retry-after", "42"),
    );
    let resp =
        s.gw.http
            .get(format!(
                "{}/api/communication/v1/third-party-messages/{id}",
                s.gw.base
            ))
            .bearer_auth(e2e::gateway::APP_KEY)
            .header("fiscal_code", CITIZEN)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "42");
    let id = s.send(&config, CITIZEN, json!({"id": "busy2"})).await;
    s.entity.on("messages/busy2", Answer::status(503));
    let resp =
        s.gw.http
            .get(format!(
                "{}/api/communication/v1/third-party-messages/{id}",
                s.gw.base
            ))
            .bearer_auth(e2e::gateway::APP_KEY)
            .header("fiscal_code", CITIZEN)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.headers()["retry-after"], "10");
}

#[tokio::test]
async fn an_unreachable_entity_is_a_502_with_its_cause() {
    let s = setup().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = s
        .configure(configuration(&format!("http://127.0.0.1:{closed}/rc")))
        .await;
    let id = s.send(&config, CITIZEN, json!({"id": "x"})).await;
    s.open(CITIZEN, &id)
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "ENTITY_UNREACHABLE");
}

/// IO's `ThirdPartyData.id` is any non-empty string: entities use ids such as `TARI:2026:0001`.
/// At the entity it is exactly one path segment, percent-encoded but for unreserved characters,
/// so `/`, `..`, `?`, `#` or `%` in it never change the path.
#[tokio::test]
async fn third_party_ids_are_any_string_and_one_encoded_segment_at_the_entity() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    let pre = json!({"title": "Prima di aprire", "markdown": "Questo messaggio contiene dati riservati."});
    for (corr, segment) in [
        ("TARI:2026:0001", "TARI%3A2026%3A0001"),
        ("a/../b?x#y%", "a%2F..%2Fb%3Fx%23y%25"),
        ("avviso è ~ok_-.", "avviso%20%C3%A8%20~ok_-."),
    ] {
        s.entity
            .on(&format!("messages/{segment}"), Answer::json(&details(true)));
        s.entity.on(
            &format!("messages/{segment}/precondition"),
            Answer::json(&pre),
        );
        s.entity.on(
            &format!("messages/{segment}/attachments/avviso.pdf?v=1"),
            Answer::bytes(200, pdf.clone()),
        );
        let id = s
            .send(
                &config,
                CITIZEN,
                json!({"id": corr, "has_attachments": true, "has_precondition": "ALWAYS"}),
            )
            .await;
        let base = format!("/api/communication/v1/third-party-messages/{id}");
        let app = s.gw.app(CITIZEN);
        let r = app.get(&base).await.expect_status(StatusCode::OK);
        assert_eq!(r.body["content"]["third_party_data"]["id"], corr);
        app.get(&format!("{base}/precondition"))
            .await
            .expect_status(StatusCode::OK);
        app.get(&format!("{base}/attachments/attachments/avviso.pdf?v=1"))
            .await
            .expect_status(StatusCode::OK);
        let paths: Vec<String> = s
            .entity
            .received()
            .iter()
            .rev()
            .take(4)
            .map(|r| r.path.clone())
            .collect();
        // The attachment is fetched after the details are fetched again to list it.
        assert_eq!(
            paths,
            [
                format!("/rc/messages/{segment}/attachments/avviso.pdf?v=1"),
                format!("/rc/messages/{segment}"),
                format!("/rc/messages/{segment}/precondition"),
                format!("/rc/messages/{segment}"),
            ],
            "{corr}"
        );
    }
    // `.` and `..` would be dot segments however they are escaped (`%2E` is a dot to URL
    // parsers and servers): the only ids that cannot stay one segment are refused, as is "".
    for corr in ["", ".", ".."] {
        let mut m = message(CITIZEN, &config);
        m["content"]["third_party_data"]["id"] = json!(corr);
        let r = s
            .comune()
            .post("/api/v1/messages", &m)
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        assert_eq!(r.body["fields"], json!(["content.third_party_data.id"]));
    }
}

/// Many entities take their API key in `Authorization`: with `API_KEY` the gateway sends no
/// `Authorization` of its own, so that name is allowed (in any case), and the entity gets the key
/// there, once. The headers the gateway sets on every call stay refused.
#[tokio::test]
async fn an_api_key_may_be_sent_in_authorization() {
    let s = setup().await;
    for name in ["Authorization", "authorization"] {
        let mut c = configuration(&s.entity.base_url);
        c["prod_environment"]["details_authentication"] =
            json!({"type": "API_KEY", "header_key_name": name, "key": "Apikey s3cr3t"});
        let config = s.configure(c).await;
        s.entity
            .on("messages/auth-1", Answer::json(&details(false)));
        let id = s.send(&config, CITIZEN, json!({"id": "auth-1"})).await;
        s.open(CITIZEN, &id).await.expect_status(StatusCode::OK);
        let req = s.entity.received().pop().unwrap();
        assert_eq!(req.path, "/rc/messages/auth-1");
        let sent: Vec<_> = req.headers.get_all("authorization").iter().collect();
        assert_eq!(sent, ["Apikey s3cr3t"], "{name}");
        assert_eq!(req.headers["fiscal_code"], CITIZEN);
    }
    let mut c = configuration(&s.entity.base_url);
    c["prod_environment"]["details_authentication"] =
        json!({"type": "API_KEY", "header_key_name": "fiscal_code", "key": "k"});
    let r = s
        .comune()
        .post("/api/v1/remote-contents/configurations", &c)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(
        r.body["fields"],
        json!(["prod_environment.details_authentication.header_key_name"])
    );
}

#[tokio::test]
async fn the_precondition_follows_ios_rule() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let pre = json!({"title": "Prima di aprire", "markdown": "Questo messaggio contiene dati riservati."});
    s.entity.on("messages/p1/precondition", Answer::json(&pre));
    let id = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "p1", "has_precondition": "ONCE"}),
        )
        .await;
    let path = format!("/api/communication/v1/third-party-messages/{id}/precondition");
    let r =
        s.gw.app(CITIZEN)
            .get(&path)
            .await
            .expect_status(StatusCode::OK);
    assert_eq!(r.body, pre);
    s.gw.app(CITIZEN)
        .put(
            &format!("/api/communication/v1/messages/{id}/status"),
            &json!({"change_type": "reading", "is_read": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    // Read, a ONCE precondition is not needed: IO's 204, empty, and the entity is not asked.
    let asked = s.entity.received().len();
    let r =
        s.gw.app(CITIZEN)
            .get(&path)
            .await
            .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(r.body, Value::Null);
    assert_eq!(s.entity.received().len(), asked);
    let never = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "p1", "has_precondition": "NEVER"}),
        )
        .await;
    s.gw.app(CITIZEN)
        .get(&format!(
            "/api/communication/v1/third-party-messages/{never}/precondition"
        ))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let always = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "p1", "has_precondition": "ALWAYS"}),
        )
        .await;
    s.gw.app(CITIZEN)
        .put(
            &format!("/api/communication/v1/messages/{always}/status"),
            &json!({"change_type": "reading", "is_read": true}),
        )
        .await;
    s.gw.app(CITIZEN)
        .get(&format!(
            "/api/communication/v1/third-party-messages/{always}/precondition"
        ))
        .await
        .expect_status(StatusCode::OK);
    s.entity.on(
        "messages/p2/precondition",
        Answer::json(&json!({"title": "", "markdown": "x"})),
    );
    let bad = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "p2", "has_precondition": "ALWAYS"}),
        )
        .await;
    s.gw.app(CITIZEN)
        .get(&format!(
            "/api/communication/v1/third-party-messages/{bad}/precondition"
        ))
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "PRECONDITION_VALIDATION_ERROR");
}

#[tokio::test]
async fn attachments_are_validated_pdfs_and_only_listed_urls_download() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let id = s
        .send(
            &config,
            CITIZEN,
            json!({"id": "d1", "has_attachments": true}),
        )
        .await;
    s.entity.on("messages/d1", Answer::json(&details(true)));
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    let get = |url: &str| {
        let req =
            s.gw.http
                .get(format!(
                    "{}/api/communication/v1/third-party-messages/{id}/attachments/{url}",
                    s.gw.base
                ))
                .bearer_auth(e2e::gateway::APP_KEY)
                .header("fiscal_code", CITIZEN);
        async move { req.send().await.unwrap() }
    };
    s.entity.on(
        "messages/d1/attachments/avviso.pdf?v=1",
        Answer::bytes(200, pdf.clone()),
    );
    let resp = get("attachments/avviso.pdf?v=1").await;
    assert_eq!(resp.status(), 200);
    // IO's app contract: the attachment is `application/octet-stream`.
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
    let unlisted = e2e::reply(get("attachments/other.pdf").await).await;
    unlisted.expect_problem(StatusCode::NOT_FOUND, "ATTACHMENT_NOT_LISTED");
    for (file, code) in [
        ("pdf/not-a-pdf.pdf", "ATTACHMENT_NOT_PDF"),
        ("pdf/encrypted.pdf", "ATTACHMENT_ENCRYPTED"),
    ] {
        s.entity.on(
            "messages/d1/attachments/avviso.pdf?v=1",
            Answer::bytes(200, std::fs::read(fixtures().join(file)).unwrap()),
        );
        e2e::reply(get("attachments/avviso.pdf?v=1").await)
            .await
            .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, code);
    }
    // A PDF, but not PDF/A-2: the detail names veraPDF's rule and why.
    let mut junk = pdf.clone();
    junk.extend_from_slice(b"\nJUNK JUNK\n");
    s.entity.on(
        "messages/d1/attachments/avviso.pdf?v=1",
        Answer::bytes(200, junk),
    );
    let refused = e2e::reply(get("attachments/avviso.pdf?v=1").await)
        .await
        .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "ATTACHMENT_NOT_PDFA");
    let detail = refused.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("6.1.3-3 ") && detail.contains("after the last end-of-file marker"),
        "{detail}"
    );
    // Truncated: the PDF cut in half.
    s.entity.on(
        "messages/d1/attachments/avviso.pdf?v=1",
        Answer::bytes(200, pdf[..pdf.len() / 2].to_vec()),
    );
    e2e::reply(get("attachments/avviso.pdf?v=1").await)
        .await
        .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "ATTACHMENT_NOT_PDF");
}

#[tokio::test]
async fn test_users_go_to_the_test_environment_and_only_they_do() {
    let s = setup().await;
    let test_entity = FakeEntity::start().await;
    let only_test = json!({
        "name": "Solo test", "description": "Ambiente di prova", "has_precondition": "NEVER", "is_lollipop_enabled": false, "disable_lollipop_for": [],
        "test_environment": {"base_url": test_entity.base_url, "details_authentication": {"type": "API_KEY", "header_key_name": "X-Test-Key", "key": "t"}, "test_users": [TESTER]}
    });
    let config = s.configure(only_test).await;
    test_entity.on("messages/t1", Answer::json(&details(false)));
    let id = s.send(&config, TESTER, json!({"id": "t1"})).await;
    s.open(TESTER, &id).await.expect_status(StatusCode::OK);
    assert_eq!(test_entity.received()[0].headers["x-test-key"], "t");
    let id = s.send(&config, CITIZEN, json!({"id": "t1"})).await;
    s.open(CITIZEN, &id)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_A_TEST_USER");
}

#[tokio::test]
async fn lollipop_headers_are_required_checked_and_passed_through() {
    let s = setup().await;
    let mut c = configuration(&s.entity.base_url);
    c["is_lollipop_enabled"] = json!(true);
    c["disable_lollipop_for"] = json!([TESTER]);
    let config = s.configure(c).await;
    s.entity.on("messages/l1", Answer::json(&details(false)));
    let id = s.send(&config, CITIZEN, json!({"id": "l1"})).await;
    let path = format!("/api/communication/v1/third-party-messages/{id}");
    s.gw.app(CITIZEN)
        .get(&path)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "LOLLIPOP_HEADERS_MISSING");
    let lollipop = [
        ("x-pagopa-lollipop-original-method", "GET"),
        (
            "x-pagopa-lollipop-original-url",
            "https://app.io.example/api/v1/third-party-messages/x",
        ),
        (
            "signature-input",
            "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n\";alg=\"ecdsa-p256-sha256\";keyid=\"k\"",
        ),
        ("signature", "sig1=:MEUCIQDx:"),
        (
            "x-pagopa-lollipop-assertion-ref",
            "sha256-6LvipIvFuhyorHpUqK3HjySC5Y6gshXHFBhU9EJ4DoM",
        ),
        ("x-pagopa-lollipop-assertion-type", "SAML"),
        ("x-pagopa-lollipop-auth-jwt", "aaa.bbb.ccc"),
        ("x-pagopa-lollipop-public-key", "eyJrdHkiOiJFQyJ9"),
        ("x-pagopa-lollipop-user-id", CITIZEN),
    ];
    let mut app = s.gw.app(CITIZEN);
    for (k, v) in lollipop {
        app = app.with_header(k, v);
    }
    app.get(&path).await.expect_status(StatusCode::OK);
    let req = s.entity.received().pop().unwrap();
    for (k, v) in lollipop {
        assert_eq!(req.headers[k], v, "{k} passed through");
    }
    // A repeated header is refused (it could say one thing to the gateway, another to the entity).
    let repeated = app.clone().with_header("x-pagopa-lollipop-user-id", TESTER);
    let r = repeated
        .get(&path)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "LOLLIPOP_HEADERS_INVALID");
    assert_eq!(r.body["fields"], json!(["x-pagopa-lollipop-user-id"]));
    // Another citizen's user id.
    let mut other = s.gw.app(CITIZEN);
    for (k, v) in lollipop {
        other = other.with_header(
            k,
            if k == "x-pagopa-lollipop-user-id" {
                TESTER
            } else {
                v
            },
        );
    }
    other
        .get(&path)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "LOLLIPOP_HEADERS_INVALID");
    // A citizen lollipop is disabled for needs no headers.
    let id = s.send(&config, TESTER, json!({"id": "l1"})).await;
    s.gw.app(TESTER)
        .get(&format!("/api/communication/v1/third-party-messages/{id}"))
        .await
        .expect_status(StatusCode::OK);
}

/// A slow entity holding all its slots does not delay another entity's requests.
#[tokio::test]
async fn one_slow_entity_never_slows_another() {
    let s = setup_with(|c| {
        c.fetch.timeout_ms = 10_000;
        c.fetch.per_entity_concurrency = 4;
        c.fetch.queue_timeout_ms = 5_000;
    })
    .await;
    let fast = FakeEntity::start().await;
    let slow_config = s.configure(configuration(&s.entity.base_url)).await;
    let fast_config = s.configure(configuration(&fast.base_url)).await;
    s.entity.on(
        "messages/slow",
        Answer::json(&details(false)).delayed(Duration::from_secs(3)),
    );
    fast.on("messages/fast", Answer::json(&details(false)));
    let slow_id = s.send(&slow_config, CITIZEN, json!({"id": "slow"})).await;
    let fast_id = s.send(&fast_config, CITIZEN, json!({"id": "fast"})).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut slow = Vec::new();
    for _ in 0..12 {
        let (app, path, done) = (
            s.gw.app(CITIZEN),
            format!("/api/communication/v1/third-party-messages/{slow_id}"),
            done.clone(),
        );
        slow.push(tokio::spawn(async move {
            let r = app.get(&path).await;
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            r
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..5 {
        s.open(CITIZEN, &fast_id)
            .await
            .expect_status(StatusCode::OK);
    }
    assert_eq!(
        done.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the fast entity's answers came while every slow request was still pending"
    );
    for t in slow {
        let _ = t.await;
    }
}

#[tokio::test]
async fn a_failing_entity_trips_its_circuit() {
    let s = setup_with(|c| {
        c.fetch.breaker_failures = 3;
        c.fetch.breaker_open_ms = 60_000;
    })
    .await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    s.entity.on("messages/e", Answer::status(500));
    let id = s.send(&config, CITIZEN, json!({"id": "e"})).await;
    for _ in 0..3 {
        s.open(CITIZEN, &id)
            .await
            .expect_problem(StatusCode::BAD_GATEWAY, "ENTITY_ERROR");
    }
    s.open(CITIZEN, &id)
        .await
        .expect_problem(StatusCode::SERVICE_UNAVAILABLE, "ENTITY_CIRCUIT_OPEN");
    assert_eq!(
        s.entity.received().len(),
        3,
        "no call while the circuit is open"
    );
}

#[tokio::test]
async fn a_deleted_configuration_and_a_plain_message_are_named() {
    let s = setup().await;
    let config = s.configure(configuration(&s.entity.base_url)).await;
    let id = s.send(&config, CITIZEN, json!({"id": "g"})).await;
    s.comune()
        .delete(&format!("/api/v1/remote-contents/configurations/{config}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.open(CITIZEN, &id)
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "CONFIGURATION_GONE");
    let mut plain = message(CITIZEN, &config);
    plain["content"]
        .as_object_mut()
        .unwrap()
        .remove("third_party_data");
    let plain = s.comune().post("/api/v1/messages", &plain).await.str("/id");
    s.open(CITIZEN, &plain)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "NOT_A_REMOTE_CONTENT_MESSAGE");
    let _ = fixture("pdf/README.md");
}

/// The voucher path against the real engine: the gateway (tenant "PagoPA") is a consumer of the
/// entity's e-service; it obtains a voucher for its purpose, reuses it across requests, and the
/// entity's refusal points are named when Interop stops issuing.
#[tokio::test]
async fn interop_voucher_authentication_against_the_real_engine() {
    let engine = e2e::Engine::spawn().await;
    let comune = engine.tenant("Comune di Esempio").await;
    let pagopa = engine.tenant("PagoPA").await;
    // The entity publishes its remote-content e-service; the gateway's operator subscribes.
    let sub = world::subscribe(&comune, &pagopa, &Terms::new("comune-remote-content")).await;
    let (client, kid) = world::client_with_key(&pagopa, "Gateway", "client-a").await;
    world::attach(&pagopa, &client, &sub.purpose).await;
    let purpose = sub.purpose.clone();

    let engine_base = engine.base.clone();
    let s = setup_with(move |c| {
        c.interop_client = Some(gateway::config::InteropClientConfig {
            token_url: format!("{engine_base}/token.oauth2"),
            client_id: client,
            kid,
            private_key_path: fixtures().join("keys/client-a.key.pem"),
            assertion_audience: "recapito-interop/client-assertion".into(),
            voucher_reuse_secs: gateway::config::DEFAULT_VOUCHER_REUSE_SECS,
        });
    })
    .await;
    let mut conf = configuration(&s.entity.base_url);
    conf["prod_environment"]["details_authentication"] =
        json!({"type": "INTEROP_VOUCHER", "purpose_id": purpose});
    let config = s.configure(conf).await;
    s.entity.on("messages/v1", Answer::json(&details(false)));
    let id = s.send(&config, CITIZEN, json!({"id": "v1"})).await;
    // Ten requests at once, before any voucher exists: one voucher request (single flight);
    // without it each request would carry a voucher of its own (distinct jti).
    let mut opens = Vec::new();
    for _ in 0..10 {
        let (app, path) = (
            s.gw.app(CITIZEN),
            format!("/api/communication/v1/third-party-messages/{id}"),
        );
        opens.push(tokio::spawn(async move { app.get(&path).await }));
    }
    for o in opens {
        o.await.unwrap().expect_status(StatusCode::OK);
    }
    s.open(CITIZEN, &id).await.expect_status(StatusCode::OK);
    let received = s.entity.received();
    assert_eq!(received.len(), 11);
    let bearer: Vec<String> = received
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert!(
        bearer.iter().all(|b| b == &bearer[0]),
        "one voucher for concurrent requests, cached afterwards"
    );
    let token = bearer[0].strip_prefix("Bearer ").unwrap();
    // The voucher verifies against the engine's JWKS, for the entity's audience and our purpose.
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwks = e2e::reply(
        engine
            .http
            .get(format!("{}/.well-known/jwks.json", engine.base))
            .send()
            .await
            .unwrap(),
    )
    .await
    .body;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header.kid.clone().unwrap().as_str())
        .unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&["comune-remote-content"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &v)
        .unwrap()
        .claims;
    assert_eq!(claims["purposeId"], purpose.as_str());
    assert_eq!(claims["consumerId"], pagopa.tenant_id().to_string());

    // The entity suspends the agreement: the next voucher is refused, and the app is told why.
    comune
        .act(&format!("/agreements/{}/suspend", sub.agreement))
        .await
        .expect_status(StatusCode::OK);
    let s2 = s.gw.app(CITIZEN);
    // The cached voucher still works until the entity refuses it; when it does, the gateway asks again.
    s.entity.on("messages/v1", Answer::status(401));
    s2.get(&format!("/api/communication/v1/third-party-messages/{id}"))
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "ENTITY_UNAUTHORIZED");
    s.entity.on("messages/v1", Answer::json(&details(false)));
    s2.get(&format!("/api/communication/v1/third-party-messages/{id}"))
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "VOUCHER_REFUSED");
}
