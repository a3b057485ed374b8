//! The gateway's entity and app APIs over HTTP: every constraint, every authentication failure.

use e2e::Reply;
use e2e::gateway::{APP_KEY, AUDIENCE, FakeInterop, Gateway, configuration, key, message};
use gateway::domain::message::MissingPayee;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CITIZEN: &str = "SPNDNL80R13C555X";
const OTHER_CITIZEN: &str = "RSSMRA85T10A562S";

struct Setup {
    interop: FakeInterop,
    gw: Gateway,
    config_id: String,
}

impl Setup {
    /// The entity of tenant "comune" with purpose "p1".
    fn comune(&self) -> e2e::gateway::Caller {
        self.gw.entity(&self.interop.voucher("comune", "p1"))
    }

    fn other_tenant(&self) -> e2e::gateway::Caller {
        self.gw.entity(&self.interop.voucher("altro-ente", "p9"))
    }

    async fn submit(&self, body: &Value) -> Reply {
        self.comune().post("/api/v1/messages", body).await
    }
}

async fn setup() -> Setup {
    let interop = FakeInterop::start().await;
    let gw = Gateway::spawn(&interop.jwks_url).await;
    let c = gw
        .entity(&interop.voucher("comune", "p1"))
        .post(
            "/api/v1/remote-contents/configurations",
            &configuration("https://api.comune.example/rc"),
        )
        .await;
    let config_id = c
        .expect_status(StatusCode::CREATED)
        .str("/configuration_id");
    Setup {
        interop,
        gw,
        config_id,
    }
}

fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent).unwrap()
    };
    if value.is_null() {
        target.as_object_mut().unwrap().remove(last);
    } else {
        target[last] = value;
    }
    v
}

#[tokio::test]
async fn configurations_crud_is_owned_by_the_creating_tenant() {
    let s = setup().await;
    let path = format!("/api/v1/remote-contents/configurations/{}", s.config_id);
    assert_eq!(s.config_id.len(), 26);
    let got = s.comune().get(&path).await.expect_status(StatusCode::OK);
    assert_eq!(got.body["user_id"], "comune");
    assert_eq!(
        got.body["prod_environment"]["details_authentication"]["type"],
        "API_KEY"
    );

    let list = s
        .comune()
        .get("/api/v1/remote-contents/configurations")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(list.body["rcConfigList"].as_array().unwrap().len(), 1);
    let theirs = s
        .other_tenant()
        .get("/api/v1/remote-contents/configurations")
        .await;
    assert_eq!(theirs.body["rcConfigList"], json!([]));
    s.other_tenant()
        .get(&path)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_YOUR_CONFIGURATION");
    s.other_tenant()
        .put(&path, &configuration("https://evil.example"))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_YOUR_CONFIGURATION");
    s.other_tenant()
        .delete(&path)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_YOUR_CONFIGURATION");

    // Changes apply at once: the next read sees them.
    let voucher =
        json!({"type": "INTEROP_VOUCHER", "purpose_id": uuid::Uuid::new_v4().to_string()});
    let replaced = with(
        configuration("https://api2.comune.example/rc"),
        "/prod_environment/details_authentication",
        voucher.clone(),
    );
    s.comune()
        .put(&path, &replaced)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let got = s.comune().get(&path).await;
    assert_eq!(
        got.body["prod_environment"]["base_url"],
        "https://api2.comune.example/rc"
    );
    assert_eq!(
        got.body["prod_environment"]["details_authentication"],
        voucher
    );

    s.comune()
        .delete(&path)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.comune()
        .get(&path)
        .await
        .expect_problem(StatusCode::NOT_FOUND, "CONFIGURATION_NOT_FOUND");
    let bad = s
        .comune()
        .get("/api/v1/remote-contents/configurations/not-a-ulid")
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_PATH");
    // The detail names what the id should be, as it did before ids were typed extractors.
    assert_eq!(bad.body["detail"], "a configuration id is a ULID");
}

#[tokio::test]
async fn bad_configurations_name_the_field() {
    let s = setup().await;
    let post = |body: Value| {
        let c = s.comune();
        async move {
            c.post("/api/v1/remote-contents/configurations", &body)
                .await
        }
    };
    let base = configuration("https://api.comune.example/rc");
    let cases: Vec<(Value, &str)> = vec![
        (
            with(
                base.clone(),
                "/prod_environment/base_url",
                json!("/relative/path"),
            ),
            "prod_environment.base_url",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/base_url",
                json!("https://user:pw@api.example"),
            ),
            "prod_environment.base_url",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/base_url",
                json!("https://api.example/rc?x=1"),
            ),
            "prod_environment.base_url",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/base_url",
                json!("https://api.example/rc#frag"),
            ),
            "prod_environment.base_url",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/base_url",
                json!("ftp://api.example/rc"),
            ),
            "prod_environment.base_url",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("bad header"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("fiscal_code"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("Fiscal_Code"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("Signature-Input"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("X-PagoPA-Lollipop-User-Id"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("Host"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("Accept"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("Transfer-Encoding"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/header_key_name",
                json!("Keep-Alive"),
            ),
            "prod_environment.details_authentication.header_key_name",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication/key",
                json!(""),
            ),
            "prod_environment.details_authentication.key",
        ),
        (
            with(
                base.clone(),
                "/prod_environment/details_authentication",
                json!({"type": "INTEROP_VOUCHER", "purpose_id": "nope"}),
            ),
            "prod_environment.details_authentication.purpose_id",
        ),
        (
            with(base.clone(), "/prod_environment", Value::Null),
            "prod_environment",
        ),
        (
            with(
                base.clone(),
                "/disable_lollipop_for",
                json!(["NOTAFISCALCODE"]),
            ),
            "disable_lollipop_for[0]",
        ),
        (with(base.clone(), "/name", json!("")), "name"),
    ];
    for (body, field) in cases {
        post(body).await.expect_invalid_field(field);
    }
    let test_env = json!({"base_url": "https://test.comune.example", "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}, "test_users": [CITIZEN, "bad"]});
    let r = post(with(base.clone(), "/test_environment", test_env))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(r.body["fields"], json!(["test_environment.test_users[1]"]));
    // IO's own invalid examples.
    post(with(base.clone(), "/has_precondition", json!("NONE")))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
    post(with(
        base.clone(),
        "/prod_environment/details_authentication/type",
        json!("API-KEY"),
    ))
    .await
    .expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
}

#[tokio::test]
async fn a_submission_is_stored_and_answered_with_its_location() {
    let s = setup().await;
    let r = s
        .submit(&message(CITIZEN, &s.config_id))
        .await
        .expect_status(StatusCode::CREATED);
    let id = r.str("/id");
    assert_eq!(id.len(), 26);
    let back = s
        .comune()
        .get(&format!("/api/v1/messages/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(back.body["sender"], "comune");
    assert_eq!(back.body["sender_service_id"], "p1");
    assert_eq!(
        back.body["content"]["third_party_data"]["configuration_id"],
        s.config_id.as_str()
    );
    s.other_tenant()
        .get(&format!("/api/v1/messages/{id}"))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    // Location header
    let resp =
        s.gw.http
            .post(format!("{}/api/v1/messages", s.gw.base))
            .bearer_auth(s.interop.voucher("comune", "p1"))
            .json(&message(CITIZEN, &s.config_id))
            .send()
            .await
            .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/messages/{}", body["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn every_submission_constraint_is_enforced() {
    let s = setup().await;
    let ok = message(CITIZEN, &s.config_id);
    let long = |n: usize| json!("x".repeat(n));
    let invalid: Vec<(Value, &str)> = vec![
        (
            with(ok.clone(), "/fiscal_code", json!("spndnl80r13c555x")),
            "fiscal_code",
        ),
        (
            with(ok.clone(), "/content/subject", long(9)),
            "content.subject",
        ),
        (
            with(ok.clone(), "/content/subject", long(121)),
            "content.subject",
        ),
        (
            with(ok.clone(), "/content/markdown", long(79)),
            "content.markdown",
        ),
        (
            with(ok.clone(), "/content/markdown", long(10_001)),
            "content.markdown",
        ),
        (
            with(ok.clone(), "/time_to_live", json!(3599)),
            "time_to_live",
        ),
        (
            with(ok.clone(), "/time_to_live", json!(604_801)),
            "time_to_live",
        ),
        (
            with(ok.clone(), "/content/due_date", json!("tomorrow")),
            "content.due_date",
        ),
        (
            with(ok.clone(), "/content/third_party_data/id", json!("")),
            "content.third_party_data.id",
        ),
        (
            with(ok.clone(), "/content/third_party_data/id", json!("..")),
            "content.third_party_data.id",
        ),
        (
            with(
                ok.clone(),
                "/content/third_party_data/configuration_id",
                json!("not-a-ulid"),
            ),
            "content.third_party_data.configuration_id",
        ),
        (
            with(
                ok.clone(),
                "/content/third_party_data/original_receipt_date",
                json!("yesterday"),
            ),
            "content.third_party_data.original_receipt_date",
        ),
    ];
    for (body, field) in invalid {
        s.submit(&body).await.expect_invalid_field(field);
    }
    // Bounds are inclusive.
    for (p, v) in [
        ("/content/subject", long(10)),
        ("/content/subject", long(120)),
        ("/content/markdown", long(80)),
        ("/content/markdown", long(10_000)),
        ("/time_to_live", json!(604_800)),
    ] {
        s.submit(&with(ok.clone(), p, v))
            .await
            .expect_status(StatusCode::CREATED);
    }
    let r = s
        .submit(&with(
            ok.clone(),
            "/content/third_party_data/configuration_id",
            Value::Null,
        ))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "CONFIGURATION_ID_REQUIRED");
    assert_eq!(
        r.body["fields"],
        json!(["content.third_party_data.configuration_id"])
    );
    let unknown = ulid_like();
    s.submit(&with(
        ok.clone(),
        "/content/third_party_data/configuration_id",
        json!(unknown),
    ))
    .await
    .expect_problem(StatusCode::NOT_FOUND, "CONFIGURATION_NOT_FOUND");
    s.other_tenant()
        .post("/api/v1/messages", &ok)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_YOUR_CONFIGURATION");
    let attachments = with(
        ok.clone(),
        "/content/third_party_data/has_attachments",
        json!(true),
    );
    s.submit(&attachments)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "ADVANCED_REQUIRED");
    s.submit(&with(attachments, "/feature_level_type", json!("ADVANCED")))
        .await
        .expect_status(StatusCode::CREATED);
    // A plain message without third-party data needs no configuration.
    s.submit(&with(ok.clone(), "/content/third_party_data", Value::Null))
        .await
        .expect_status(StatusCode::CREATED);
    // Not JSON (IO's 400: the references list no 415), broken JSON, too large.
    let raw_to = |path: &'static str, ct: &'static str, body: Vec<u8>| {
        let req =
            s.gw.http
                .post(format!("{}{path}", s.gw.base))
                .bearer_auth(s.interop.voucher("comune", "p1"))
                .header("content-type", ct)
                .body(body);
        async move { e2e::reply(req.send().await.unwrap()).await }
    };
    let raw = |ct: &'static str, body: Vec<u8>| raw_to("/api/v1/messages", ct, body);
    raw("text/plain", serde_json::to_vec(&ok).unwrap())
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
    raw_to(
        "/api/v1/remote-contents/configurations",
        "text/plain",
        serde_json::to_vec(&configuration("https://api.comune.example/rc")).unwrap(),
    )
    .await
    .expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
    raw("application/json", b"{\"fiscal_code\":".to_vec())
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
    raw("application/json", vec![b' '; 300 * 1024])
        .await
        .expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
}

fn ulid_like() -> String {
    "01ARZ3NDEKTSV4RRFFQ69G5FAV".into()
}

#[tokio::test]
async fn idempotency_keys_answer_retries_with_the_first_answer() {
    let s = setup().await;
    let body = message(CITIZEN, &s.config_id);
    let keyed = s.comune().with_header("idempotency-key", "retry-1");
    let first = keyed
        .post("/api/v1/messages", &body)
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let again = keyed
        .post("/api/v1/messages", &body)
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    assert_eq!(first, again);
    let other_body = with(
        body.clone(),
        "/content/subject",
        json!("Un altro oggetto del messaggio"),
    );
    keyed
        .post("/api/v1/messages", &other_body)
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED");
    // Concurrent retries of a new key store one message.
    let racing = s.comune().with_header("idempotency-key", "race-1");
    let replies = futures_join(&racing, &body, 8).await;
    let ids: std::collections::HashSet<String> = replies.iter().map(|r| r.str("/id")).collect();
    assert_eq!(ids.len(), 1, "one message for one key");
    // The same key from another tenant is another key.
    let theirs = s.other_tenant().with_header("idempotency-key", "retry-1");
    let c = s
        .other_tenant()
        .post(
            "/api/v1/remote-contents/configurations",
            &configuration("https://altro.example"),
        )
        .await
        .str("/configuration_id");
    let id = theirs
        .post("/api/v1/messages", &message(CITIZEN, &c))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    assert_ne!(id, first);
    // Exactly three messages for the citizen: first, the race, the other tenant's.
    let inbox =
        s.gw.app(CITIZEN)
            .get("/api/communication/v1/messages")
            .await;
    assert_eq!(inbox.body["items"].as_array().unwrap().len(), 3);
    s.comune()
        .with_header("idempotency-key", "")
        .post("/api/v1/messages", &body)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "IDEMPOTENCY_KEY_INVALID");
}

async fn futures_join(c: &e2e::gateway::Caller, body: &Value, n: usize) -> Vec<Reply> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (c, body) = (c.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            c.post("/api/v1/messages", &body).await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap().expect_status(StatusCode::CREATED));
    }
    out
}

#[tokio::test]
async fn every_voucher_failure_has_its_own_code() {
    let s = setup().await;
    let path = "/api/v1/remote-contents/configurations";
    let claims = FakeInterop::claims("comune", "p1");
    let t = claims["iat"].as_i64().unwrap();
    let sign = |c: Value| s.interop.sign(&c);
    let expect = |token: String, code: &'static str| {
        let caller = s.gw.entity(&token);
        async move {
            caller
                .get(path)
                .await
                .expect_problem(StatusCode::UNAUTHORIZED, code)
        }
    };
    s.gw.raw(&[])
        .get(path)
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_MISSING");
    s.gw.raw(&[("authorization", "Basic abc")])
        .get(path)
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_MISSING");
    expect("garbage".into(), "VOUCHER_MALFORMED").await;
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"s"),
    )
    .unwrap();
    expect(hs, "VOUCHER_ALG_NOT_ALLOWED").await;
    expect(
        key("keys/client-a.key.pem").sign(&claims).unwrap(),
        "VOUCHER_UNKNOWN_KID",
    )
    .await;
    // A published kid, someone else's signature.
    let good = sign(claims.clone());
    let forged = key("keys/client-a.key.pem").sign(&claims).unwrap();
    let spliced = format!(
        "{}.{}",
        good.rsplit_once('.').unwrap().0,
        forged.rsplit_once('.').unwrap().1
    );
    expect(spliced, "VOUCHER_SIGNATURE_INVALID").await;
    expect(
        sign(with(
            with(claims.clone(), "/exp", json!(t - 120)),
            "/iat",
            json!(t - 400),
        )),
        "VOUCHER_EXPIRED",
    )
    .await;
    expect(
        sign(with(claims.clone(), "/nbf", json!(t + 300))),
        "VOUCHER_NOT_YET_VALID",
    )
    .await;
    expect(
        sign(with(claims.clone(), "/aud", json!("another-eservice"))),
        "VOUCHER_AUDIENCE_INVALID",
    )
    .await;
    expect(
        sign(with(claims.clone(), "/iss", json!("someone-else"))),
        "VOUCHER_ISSUER_INVALID",
    )
    .await;
    expect(
        sign(with(claims.clone(), "/consumerId", Value::Null)),
        "VOUCHER_CLAIMS_MISSING",
    )
    .await;
    expect(
        sign(with(claims.clone(), "/purposeId", Value::Null)),
        "VOUCHER_CLAIMS_MISSING",
    )
    .await;
    // The right audience works (control).
    s.gw.entity(&sign(claims.clone()))
        .get(path)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(claims["aud"], AUDIENCE);
}

#[tokio::test]
async fn a_new_interop_key_is_picked_up_on_its_first_voucher() {
    let s = setup().await;
    s.comune()
        .get("/api/v1/remote-contents/configurations")
        .await
        .expect_status(StatusCode::OK);
    let second = s.interop.publish("keys/client-a.key.pem");
    let voucher = s
        .interop
        .sign_with(second, &FakeInterop::claims("comune", "p1"));
    s.gw.entity(&voucher)
        .get("/api/v1/remote-contents/configurations")
        .await
        .expect_status(StatusCode::OK);
}

/// A voucher the gateway verified earlier (and remembers) stops working once the engine no
/// longer publishes the key that signed it.
#[tokio::test]
async fn a_voucher_whose_key_left_the_jwks_is_refused_even_if_seen_before() {
    let s = setup().await;
    let old = s.interop.voucher("comune", "p1");
    let list = |v: String| {
        let caller = s.gw.entity(&v);
        async move { caller.get("/api/v1/remote-contents/configurations").await }
    };
    list(old.clone()).await.expect_status(StatusCode::OK);
    list(old.clone()).await.expect_status(StatusCode::OK);
    // Rotation: a new key is published and the old one withdrawn.
    let new = s.interop.publish("keys/client-a.key.pem");
    let fresh = s
        .interop
        .sign_with(new, &FakeInterop::claims("comune", "p1"));
    s.interop.keys.write().unwrap().remove(0);
    // Its first voucher makes the gateway fetch the JWKS again.
    list(fresh).await.expect_status(StatusCode::OK);
    list(old)
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_UNKNOWN_KID");
}

#[tokio::test]
async fn an_unreachable_jwks_is_a_503() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gw = Gateway::spawn(&format!("http://127.0.0.1:{closed}/.well-known/jwks.json")).await;
    let interop = FakeInterop::start().await;
    gw.entity(&interop.voucher("comune", "p1"))
        .get("/api/v1/remote-contents/configurations")
        .await
        .expect_problem(StatusCode::SERVICE_UNAVAILABLE, "JWKS_UNAVAILABLE");
}

#[tokio::test]
async fn the_app_api_needs_its_key_and_a_citizen() {
    let s = setup().await;
    let path = "/api/communication/v1/messages";
    s.gw.raw(&[("fiscal_code", CITIZEN)])
        .get(path)
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "APP_KEY_MISSING");
    s.gw.raw(&[("authorization", "Bearer wrong"), ("fiscal_code", CITIZEN)])
        .get(path)
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "APP_KEY_INVALID");
    let auth = format!("Bearer {APP_KEY}");
    s.gw.raw(&[("authorization", &auth)])
        .get(path)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "FISCAL_CODE_HEADER_MISSING");
    s.gw.app("NOTAFISCALCODE00")
        .get(path)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "FISCAL_CODE_HEADER_INVALID");
    // A voucher is not an app key.
    s.gw.raw(&[
        (
            "authorization",
            &format!("Bearer {}", s.interop.voucher("comune", "p1")),
        ),
        ("fiscal_code", CITIZEN),
    ])
    .get(path)
    .await
    .expect_problem(StatusCode::UNAUTHORIZED, "APP_KEY_INVALID");
}

#[tokio::test]
async fn the_inbox_is_paged_newest_first_and_private() {
    let s = setup().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let m = with(
            message(CITIZEN, &s.config_id),
            "/content/subject",
            json!(format!("Messaggio numero {i:02}")),
        );
        ids.push(
            s.submit(&m)
                .await
                .expect_status(StatusCode::CREATED)
                .str("/id"),
        );
    }
    let theirs = s
        .submit(&message(OTHER_CITIZEN, &s.config_id))
        .await
        .str("/id");
    let app = s.gw.app(CITIZEN);
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();

    let p1 = app
        .get("/api/communication/v1/messages?page_size=3")
        .await
        .expect_status(StatusCode::OK);
    let got = |r: &Reply| {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(got(&p1), newest_first[..3]);
    assert_eq!(p1.body["items"][0]["fiscal_code"], CITIZEN);
    assert_eq!(p1.body["items"][0]["sender_service_id"], "p1");
    let next = p1.str("/next");
    let p2 = app
        .get(&format!(
            "/api/communication/v1/messages?page_size=3&maximum_id={next}"
        ))
        .await;
    assert_eq!(got(&p2), newest_first[3..6]);
    let p3 = app
        .get(&format!(
            "/api/communication/v1/messages?page_size=3&maximum_id={}",
            p2.str("/next")
        ))
        .await;
    assert_eq!(got(&p3), newest_first[6..]);
    assert!(
        p3.body.get("next").is_none(),
        "no next on the last page: {}",
        p3.body
    );
    // minimum_id: only newer than.
    let newer = app
        .get(&format!(
            "/api/communication/v1/messages?minimum_id={}",
            ids[4]
        ))
        .await;
    assert_eq!(got(&newer), [ids[6].clone(), ids[5].clone()]);
    // Enriched data.
    let e = app
        .get("/api/communication/v1/messages?page_size=1&enrich_result_data=true")
        .await;
    assert_eq!(e.body["items"][0]["message_title"], "Messaggio numero 06");
    assert_eq!(e.body["items"][0]["has_precondition"], true);
    assert_eq!(e.body["items"][0]["is_read"], false);
    let item = e.body["items"][0].as_object().unwrap();
    for k in [
        "message_title",
        "has_attachments",
        "has_precondition",
        "is_read",
        "is_archived",
        "service_name",
        "organization_name",
        "organization_fiscal_code",
    ] {
        assert!(item.contains_key(k), "an enriched item has {k}: {item:?}");
    }
    assert_eq!(item["organization_fiscal_code"], "");
    // Without enrich_result_data, none of them.
    let plain = app.get("/api/communication/v1/messages?page_size=1").await;
    let keys: Vec<&str> = plain.body["items"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "fiscal_code",
            "id",
            "sender_service_id",
            "time_to_live"
        ]
    );

    // One message; another citizen's is not found.
    let m = app
        .get(&format!("/api/communication/v1/messages/{}", ids[0]))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(m.body["content"]["subject"], "Messaggio numero 00");
    app.get(&format!("/api/communication/v1/messages/{theirs}"))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    let bad = app
        .get("/api/communication/v1/messages/xyz")
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_PATH");
    assert_eq!(bad.body["detail"], "a message id is a ULID");
    // Also when the id is one of two path parameters.
    let bad = app
        .get("/api/communication/v1/third-party-messages/xyz/attachments/doc/a.pdf")
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_PATH");
    assert_eq!(bad.body["detail"], "a message id is a ULID");
    for bad in [
        "page_size=0",
        "page_size=101",
        "maximum_id=zzz",
        "page_size=abc",
    ] {
        app.get(&format!("/api/communication/v1/messages?{bad}"))
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "INVALID_QUERY");
    }
}

#[tokio::test]
async fn status_changes_read_and_archive() {
    let s = setup().await;
    let id = s.submit(&message(CITIZEN, &s.config_id)).await.str("/id");
    let kept = s.submit(&message(CITIZEN, &s.config_id)).await.str("/id");
    let app = s.gw.app(CITIZEN);
    let status = format!("/api/communication/v1/messages/{id}/status");
    let r = app
        .put(&status, &json!({"change_type": "reading", "is_read": true}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"is_read": true, "is_archived": false}));
    let r = app
        .put(
            &status,
            &json!({"change_type": "archiving", "is_archived": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"is_read": true, "is_archived": true}));
    // Archived messages are listed only with archived=true.
    let inbox = app.get("/api/communication/v1/messages").await;
    assert_eq!(inbox.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(inbox.body["items"][0]["id"], kept.as_str());
    let archive = app
        .get("/api/communication/v1/messages?archived=true")
        .await;
    assert_eq!(archive.body["items"][0]["id"], id.as_str());
    let r = app
        .put(
            &status,
            &json!({"change_type": "bulk", "is_archived": false, "is_read": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"is_read": true, "is_archived": false}));
    app.put(
        &status,
        &json!({"change_type": "reading", "is_read": false}),
    )
    .await
    .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.put(&status, &json!({"change_type": "archiving"}))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.put(&status, &json!({"change_type": "deleting"}))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    s.gw.app(OTHER_CITIZEN)
        .put(&status, &json!({"change_type": "reading", "is_read": true}))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let s = setup().await;
    let r =
        s.gw.raw(&[])
            .get("/healthz")
            .await
            .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"status": "ok"}));
    let r =
        s.gw.raw(&[])
            .get("/readyz")
            .await
            .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"status": "ready"}));
    let doc =
        s.gw.raw(&[])
            .get("/openapi.json")
            .await
            .expect_status(StatusCode::OK);
    assert_eq!(doc.content_type, "application/json");
    assert_eq!(
        doc.body,
        serde_json::from_str::<serde_json::Value>(gateway::api::ops::openapi_json()).unwrap(),
        "/openapi.json serves the generated document"
    );
    s.gw.raw(&[])
        .get("/nope")
        .await
        .expect_problem(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
    s.gw.raw(&[])
        .delete("/api/v1/messages")
        .await
        .expect_problem(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    s.submit(&message(CITIZEN, &s.config_id))
        .await
        .expect_status(StatusCode::CREATED);
    let m =
        s.gw.http
            .get(format!("{}/metrics", s.gw.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        m.contains("recapito_gateway_messages_submitted_total 1"),
        "{m}"
    );
    assert!(
        m.contains(r#"route="/api/v1/messages",status="201""#),
        "{m}"
    );
}

/// The whole chain with the real engine: the entity obtains a voucher for the gateway's e-service
/// and submits.
/// A voucher from the real engine for `client` (holding `keys/client-a`) and `purpose`.
async fn real_voucher(engine: &e2e::Engine, client: &str, kid: &str, purpose: &str) -> String {
    use provider_sdk::voucher::{ClientKey, VoucherClient, VoucherClientConfig};
    let key = ClientKey::from_pem(
        client,
        kid,
        e2e::fixture("keys/client-a.key.pem").as_bytes(),
    )
    .unwrap();
    let config = VoucherClientConfig::new(
        &format!("{}/token.oauth2", engine.base),
        "recapito-interop/client-assertion",
    );
    VoucherClient::new(config, key)
        .unwrap()
        .voucher(purpose)
        .await
        .unwrap()
}

/// A gateway that accepts vouchers of the real `engine` for `eservice` of `producer`.
async fn pinned_gateway(engine: &e2e::Engine, eservice: &str, producer: &e2e::User) -> Gateway {
    let (eservice, producer) = (eservice.to_owned(), producer.tenant_id().to_string());
    Gateway::spawn_with(&format!("{}/.well-known/jwks.json", engine.base), |c| {
        c.auth.eservice_id = eservice;
        c.auth.producer_id = producer;
    })
    .await
}

#[tokio::test]
async fn an_entity_submits_with_a_voucher_from_the_real_engine() {
    let engine = e2e::Engine::spawn().await;
    let operator = engine.tenant("PagoPA").await;
    let comune = engine.tenant("Comune di Esempio").await;
    let terms = e2e::world::Terms {
        voucher_lifespan: 300,
        ..e2e::world::Terms::new(AUDIENCE)
    };
    let sending = e2e::world::subscribe(&operator, &comune, &terms).await;
    let pid = sending.purpose;
    let (client, kid) = e2e::world::client_with_key(&comune, "Invii", "client-a").await;
    e2e::world::attach(&comune, &client, &pid).await;
    let token = real_voucher(&engine, &client, &kid, &pid).await;

    let gw = pinned_gateway(&engine, &sending.eservice, &operator).await;
    let entity = gw.entity(&token);
    let c = entity
        .post(
            "/api/v1/remote-contents/configurations",
            &configuration("https://api.comune.example/rc"),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(c.body["user_id"], comune.tenant_id().to_string());
    let id = entity
        .post(
            "/api/v1/messages",
            &message(CITIZEN, &c.str("/configuration_id")),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let m = gw
        .app(CITIZEN)
        .get(&format!("/api/communication/v1/messages/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(m.body["sender_service_id"], pid.as_str());
}

/// The attack: a tenant without an agreement on the gateway's e-service publishes its own
/// e-service with the gateway's audience, subscribes to it, and sends with the voucher. The
/// engine refuses the publication (an audience belongs to one producer); and a voucher for any
/// other e-service carrying the gateway's audience — here the operator's own second e-service,
/// which the engine lets it publish — is refused by the gateway, which accepts its own
/// e-service only.
#[tokio::test]
async fn a_voucher_for_another_eservice_with_the_gateways_audience_cannot_send() {
    let engine = e2e::Engine::spawn().await;
    let operator = engine.tenant("PagoPA").await;
    let intruder = engine.tenant("Ente Intruso").await;
    let gateway_eservice = e2e::world::publish(&operator, &e2e::world::Terms::new(AUDIENCE))
        .await
        .0;

    // `producer` drafts an e-service named `name` with the gateway's audience and publishes it.
    let publish = |producer: e2e::User, name: &'static str| async move {
        let descriptor = json!({"audience": [AUDIENCE], "voucher_lifespan": 300,
            "daily_calls_per_consumer": 1000, "daily_calls_total": 1000,
            "agreement_approval_policy": "AUTOMATIC", "server_urls": ["https://api.example/"]});
        let e = producer
            .post(
                "/eservices",
                json!({"name": name, "description": "Con l'audience del gateway",
                       "technology": "REST", "mode": "DELIVER", "descriptor": descriptor}),
            )
            .await
            .expect_status(StatusCode::CREATED);
        let (id, descriptor) = (e.str("/id"), e.str("/descriptors/0/id"));
        let published = producer
            .act(&format!("/eservices/{id}/descriptors/{descriptor}/publish"))
            .await;
        (id, published)
    };

    // 1. Another producer cannot publish an e-service with the gateway's audience.
    publish(intruder.clone(), "Finto recapito")
        .await
        .1
        .expect_problem(StatusCode::CONFLICT, "AUDIENCE_TAKEN");

    // 2. A voucher whose `aud` is the gateway's but whose e-service is not.
    let (other, published) = publish(operator.clone(), "Altro servizio").await;
    published.expect_status(StatusCode::OK);
    let agreement = e2e::world::agree(&intruder, &other).await;
    assert!(!agreement.is_empty());
    let p = intruder
        .post(
            "/purposes",
            json!({"eservice_id": other, "title": "Invii non autorizzati",
            "description": "Finalità dell'attacco", "risk_analysis": {"v": 1}, "daily_calls": 10}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let (purpose, version) = (p.str("/id"), p.str("/versions/0/id"));
    intruder
        .act(&format!("/purposes/{purpose}/versions/{version}/activate"))
        .await
        .expect_status(StatusCode::OK);
    let (client, kid) = e2e::world::client_with_key(&intruder, "Attacco", "client-a").await;
    e2e::world::attach(&intruder, &client, &purpose).await;
    let token = real_voucher(&engine, &client, &kid, &purpose).await;

    let gw = pinned_gateway(&engine, &gateway_eservice, &operator).await;
    let entity = gw.entity(&token);
    entity
        .post(
            "/api/v1/remote-contents/configurations",
            &configuration("https://api.intruso.example/rc"),
        )
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_ESERVICE_NOT_ALLOWED");
    entity
        .post("/api/v1/messages", &json!({"fiscal_code": CITIZEN, "content": {
            "subject": "Messaggio non autorizzato",
            "markdown": "Questo messaggio non dovrebbe mai arrivare al cittadino, perché il mittente non ha un accordo sull'e-service del gateway."}}))
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_ESERVICE_NOT_ALLOWED");
    assert_eq!(
        gw.app(CITIZEN)
            .get("/api/communication/v1/messages")
            .await
            .expect_status(StatusCode::OK)
            .body["items"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "the citizen sees nothing"
    );
}

/// `with`, but a `null` value is sent as `null` instead of removing the member.
fn with_null(mut v: Value, pointer: &str) -> Value {
    *v.pointer_mut(pointer).unwrap() = Value::Null;
    v
}

fn app_reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/reference/io-app-communication.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The members the app contract requires of a message's `payment_data`
/// (`PaymentDataWithRequiredPayee`: its base's, its own, and the payee's), as pointers.
fn required_payment_members() -> Vec<String> {
    let r = app_reference();
    let schemas = &r["schemas"];
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let mut out: Vec<String> = names(&schemas["PaymentDataBase"]["required"])
        .into_iter()
        .map(|n| format!("/{n}"))
        .collect();
    let own = schemas["PaymentDataWithRequiredPayee"]["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p.get("required").is_some())
        .unwrap();
    out.extend(names(&own["required"]).into_iter().map(|n| format!("/{n}")));
    out.extend(
        names(&schemas["Payee"]["required"])
            .into_iter()
            .map(|n| format!("/payee/{n}")),
    );
    out
}

#[tokio::test]
async fn payment_data_covid_cert_and_default_addresses_follow_ios_contract() {
    let s = setup().await;
    let ok = message(CITIZEN, &s.config_id);
    let payment = json!({"amount": 12_345, "notice_number": "012345678901234567", "payee": {"fiscal_code": "01234567890"}});
    let paying = with(ok.clone(), "/content/payment_data", payment.clone());
    let invalid: Vec<(Value, &str)> = vec![
        (
            with(
                paying.clone(),
                "/content/payment_data/notice_number",
                Value::Null,
            ),
            "content.payment_data.notice_number",
        ),
        (
            with(
                paying.clone(),
                "/content/payment_data/notice_number",
                json!("412345678901234567"),
            ),
            "content.payment_data.notice_number",
        ),
        (
            with(
                paying.clone(),
                "/content/payment_data/notice_number",
                json!("01234567890123456"),
            ),
            "content.payment_data.notice_number",
        ),
        (
            with(paying.clone(), "/content/payment_data/amount", Value::Null),
            "content.payment_data.amount",
        ),
        (
            with(paying.clone(), "/content/payment_data/amount", json!(0)),
            "content.payment_data.amount",
        ),
        (
            with(
                paying.clone(),
                "/content/payment_data/amount",
                json!(10_000_000_000_u64),
            ),
            "content.payment_data.amount",
        ),
        (
            with(paying.clone(), "/content/payment_data/amount", json!(1.5)),
            "content.payment_data.amount",
        ),
        (
            with(
                paying.clone(),
                "/content/payment_data/invalid_after_due_date",
                json!("yes"),
            ),
            "content.payment_data.invalid_after_due_date",
        ),
        (
            with(paying.clone(), "/content/payment_data/payee", Value::Null),
            "content.payment_data.payee",
        ),
        (
            with(
                paying.clone(),
                "/content/payment_data/payee/fiscal_code",
                json!("SPNDNL80R13C555X"),
            ),
            "content.payment_data.payee.fiscal_code",
        ),
        (
            with(ok.clone(), "/content/payment_data", json!("paid")),
            "content.payment_data",
        ),
        (
            with(ok.clone(), "/content/eu_covid_cert", json!({})),
            "content.eu_covid_cert.auth_code",
        ),
        (
            with(
                ok.clone(),
                "/content/eu_covid_cert",
                json!({"auth_code": 7}),
            ),
            "content.eu_covid_cert.auth_code",
        ),
        (
            with(
                ok.clone(),
                "/default_addresses",
                json!({"email": "not an email"}),
            ),
            "default_addresses.email",
        ),
        (
            with(ok.clone(), "/default_addresses", json!({"email": "a@b"})),
            "default_addresses.email",
        ),
        (
            with(ok.clone(), "/default_addresses", json!({"email": 3})),
            "default_addresses.email",
        ),
    ];
    for (body, field) in invalid {
        s.submit(&body).await.expect_invalid_field(field);
    }
    // Accepted, stored, and read back by the app with every member its contract requires.
    let full = with(
        with(
            paying,
            "/content/eu_covid_cert",
            json!({"auth_code": "ABC123"}),
        ),
        "/default_addresses",
        json!({"email": "mario.rossi@example.it"}),
    );
    let id = s
        .submit(&full)
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let back =
        s.gw.app(CITIZEN)
            .get(&format!("/api/communication/v1/messages/{id}"))
            .await
            .expect_status(StatusCode::OK);
    let stored = &back.body["content"]["payment_data"];
    assert_eq!(stored, &payment);
    let required = required_payment_members();
    assert!(required.contains(&"/payee/fiscal_code".to_owned()));
    for m in required {
        assert!(stored.pointer(&m).is_some(), "{m} missing: {stored}");
    }
    assert_eq!(
        back.body["content"]["eu_covid_cert"],
        json!({"auth_code": "ABC123"})
    );
}

/// IO completes a payment without `payee` with the sender organization's fiscal code from its
/// registry; the gateway does the same from `submission.organization_fiscal_codes` (the default
/// policy), refuses a sender it has no fiscal code for, and with `missing_payee = "refuse"`
/// refuses every payment without one.
#[tokio::test]
async fn a_payment_without_payee_gets_the_senders_organization_as_io_does() {
    let interop = FakeInterop::start().await;
    let registered = |policy: MissingPayee| {
        move |c: &mut gateway::Config| {
            c.submission.missing_payee = policy;
            c.submission.organization_fiscal_codes =
                [("comune".to_owned(), "80012345678".to_owned())].into();
        }
    };
    let payment = json!({"amount": 12_345, "notice_number": "012345678901234567"});
    for (policy, tenant, filled) in [
        (MissingPayee::SenderOrganization, "comune", true),
        (MissingPayee::SenderOrganization, "altro-comune", false),
        (MissingPayee::Refuse, "comune", false),
    ] {
        let gw = Gateway::spawn_with(&interop.jwks_url, registered(policy)).await;
        let entity = gw.entity(&interop.voucher(tenant, "p1"));
        let config_id = entity
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration("https://api.comune.example/rc"),
            )
            .await
            .expect_status(StatusCode::CREATED)
            .str("/configuration_id");
        let body = with(
            message(CITIZEN, &config_id),
            "/content/payment_data",
            payment.clone(),
        );
        let r = entity.post("/api/v1/messages", &body).await;
        if !filled {
            let r = r.expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
            assert_eq!(
                r.body["fields"],
                json!(["content.payment_data.payee"]),
                "{policy:?} {tenant}"
            );
            continue;
        }
        let id = r.expect_status(StatusCode::CREATED).str("/id");
        let back = gw
            .app(CITIZEN)
            .get(&format!("/api/communication/v1/messages/{id}"))
            .await
            .expect_status(StatusCode::OK);
        let stored = &back.body["content"]["payment_data"];
        assert_eq!(stored["payee"], json!({"fiscal_code": "80012345678"}));
        for m in required_payment_members() {
            assert!(stored.pointer(&m).is_some(), "{m} missing: {stored}");
        }
        // A payee the sender names is kept as named.
        let named = with(
            body,
            "/content/payment_data/payee",
            json!({"fiscal_code": "01234567890"}),
        );
        let id = entity
            .post("/api/v1/messages", &named)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/id");
        let back = gw
            .app(CITIZEN)
            .get(&format!("/api/communication/v1/messages/{id}"))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(
            back.body["content"]["payment_data"]["payee"],
            json!({"fiscal_code": "01234567890"})
        );
    }
}

#[tokio::test]
async fn null_is_refused_where_the_contract_types_a_value() {
    let s = setup().await;
    let ok = with(
        with(
            with(message(CITIZEN, &s.config_id), "/time_to_live", json!(3600)),
            "/content/due_date",
            json!("2026-12-31T00:00:00Z"),
        ),
        "/content/third_party_data/summary",
        json!("TARI 2026"),
    );
    s.submit(&ok).await.expect_status(StatusCode::CREATED);
    for (pointer, field) in [
        ("/time_to_live", "time_to_live"),
        ("/content/due_date", "content.due_date"),
        (
            "/content/third_party_data/summary",
            "content.third_party_data.summary",
        ),
        (
            "/content/third_party_data/configuration_id",
            "content.third_party_data.configuration_id",
        ),
    ] {
        let r = s
            .submit(&with_null(ok.clone(), pointer))
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        assert_eq!(r.body["fields"], json!([field]), "{}", r.body);
    }
    for (member, field) in [
        ("payment_data", "content.payment_data"),
        ("eu_covid_cert", "content.eu_covid_cert"),
        ("third_party_data", "content.third_party_data"),
        ("require_secure_channels", "content.require_secure_channels"),
    ] {
        let mut body = ok.clone();
        body["content"][member] = Value::Null;
        let r = s
            .submit(&body)
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        assert_eq!(r.body["fields"], json!([field]), "{}", r.body);
    }
    for (member, field) in [
        ("feature_level_type", "feature_level_type"),
        ("default_addresses", "default_addresses"),
    ] {
        let mut body = ok.clone();
        body[member] = Value::Null;
        let r = s
            .submit(&body)
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        assert_eq!(r.body["fields"], json!([field]), "{}", r.body);
    }
    // Configurations: an environment is an object or absent.
    let mut conf = configuration("https://api.comune.example/rc");
    conf["test_environment"] = Value::Null;
    let r = s
        .comune()
        .post("/api/v1/remote-contents/configurations", &conf)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(r.body["fields"], json!(["test_environment"]), "{}", r.body);
}

/// `GET /api/v1/messages`: each sender lists only what it sent, newest first, by configuration
/// and time, page by page; bad parameters are `INVALID_QUERY`.
#[tokio::test]
async fn a_sender_lists_only_its_own_sent_messages() {
    let s = setup().await;
    let mut mine = Vec::new();
    for i in 0..5 {
        let m = with(
            message(CITIZEN, &s.config_id),
            "/content/subject",
            json!(format!("Messaggio inviato numero {i:02}")),
        );
        mine.push(
            s.submit(&m)
                .await
                .expect_status(StatusCode::CREATED)
                .str("/id"),
        );
    }
    let plain = with(
        message(OTHER_CITIZEN, &s.config_id),
        "/content/third_party_data",
        Value::Null,
    );
    mine.push(
        s.submit(&plain)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/id"),
    );
    // The other sender, with its own configuration.
    let other = s.other_tenant();
    let their_config = other
        .post(
            "/api/v1/remote-contents/configurations",
            &configuration("https://api.altro.example/rc"),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/configuration_id");
    let mut theirs = Vec::new();
    for _ in 0..2 {
        theirs.push(
            other
                .post("/api/v1/messages", &message(CITIZEN, &their_config))
                .await
                .expect_status(StatusCode::CREATED)
                .str("/id"),
        );
    }
    let ids = |r: &Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let newest_first: Vec<String> = mine.iter().rev().cloned().collect();
    let comune = s.comune();

    // Everything of the caller's, newest first, and nothing else.
    let all = comune
        .get("/api/v1/messages")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(ids(&all), newest_first);
    assert!(all.body.get("next").is_none(), "{}", all.body);
    let item = &all.body["items"][1];
    assert_eq!(item["fiscal_code"], CITIZEN);
    assert_eq!(item["subject"], "Messaggio inviato numero 04");
    assert_eq!(item["configuration_id"], s.config_id.as_str());
    assert_eq!(
        (item["is_read"].clone(), item["is_archived"].clone()),
        (json!(false), json!(false))
    );
    assert!(item["created_at"].as_str().unwrap().starts_with("20"));
    assert_eq!(all.body["items"][0]["fiscal_code"], OTHER_CITIZEN);
    assert!(all.body["items"][0].get("configuration_id").is_none());
    let them = other
        .get("/api/v1/messages")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(ids(&them), theirs.iter().rev().cloned().collect::<Vec<_>>());

    // By configuration: the caller's own; another sender's configuration id lists nothing.
    let by_config = comune
        .get(&format!("/api/v1/messages?configuration={}", s.config_id))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(ids(&by_config), newest_first[1..]);
    for (caller, config) in [(&other, &s.config_id), (&comune, &their_config)] {
        let r = caller
            .get(&format!("/api/v1/messages?configuration={config}"))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(ids(&r), Vec::<String>::new());
    }

    // Pages of 4: then the rest, with the same filter; the last page has no `next`.
    let p1 = comune
        .get("/api/v1/messages?limit=4")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(ids(&p1), newest_first[..4]);
    let next = p1.str("/next");
    let p2 = comune
        .get(&format!("/api/v1/messages?limit=4&cursor={next}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(ids(&p2), newest_first[4..]);
    assert!(p2.body.get("next").is_none());
    // Another sender's cursor only positions it among its own messages.
    let r = other
        .get(&format!("/api/v1/messages?cursor={next}"))
        .await
        .expect_status(StatusCode::OK);
    assert!(ids(&r).iter().all(|id| theirs.contains(id)));

    // From (inclusive) and to (exclusive), on created_at, in any offset.
    let created: Vec<(String, String, i64)> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let at = m["created_at"].as_str().unwrap();
            let ms = gateway::domain::message::instant_ms(at).unwrap();
            (m["id"].as_str().unwrap().to_owned(), at.to_owned(), ms)
        })
        .collect();
    let (from, to) = (&created[4], &created[1]);
    let window = comune
        .get(&format!(
            "/api/v1/messages?from={}&to={}",
            urlencode(&from.1),
            urlencode(&to.1.replace('Z', "+00:00"))
        ))
        .await
        .expect_status(StatusCode::OK);
    let expected: Vec<String> = created
        .iter()
        .filter(|(_, _, ms)| (from.2..to.2).contains(ms))
        .map(|(id, _, _)| id.clone())
        .collect();
    assert_eq!(ids(&window), expected, "{created:?}");
    if from.2 < to.2 {
        assert!(expected.contains(&from.0) && !expected.contains(&to.0));
    }

    // The citizen's status, as the app set it.
    s.gw.app(CITIZEN)
        .put(
            &format!("/api/communication/v1/messages/{}/status", mine[0]),
            &json!({"change_type": "bulk", "is_read": true, "is_archived": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    let after = comune.get("/api/v1/messages").await;
    let first = &after.body["items"][5];
    assert_eq!(first["id"], mine[0].as_str());
    assert_eq!(
        (first["is_read"].clone(), first["is_archived"].clone()),
        (json!(true), json!(true))
    );

    // Bad parameters.
    for query in [
        "limit=0",
        "limit=101",
        "limit=many",
        "from=yesterday",
        "to=2026-13-01T00:00:00Z",
        "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "configuration=not-a-ulid",
        "cursor=nope",
        "cursor=12.not-a-ulid",
    ] {
        let r = comune.get(&format!("/api/v1/messages?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["code"], "INVALID_QUERY", "{query}: {}", r.body);
    }
    // And a voucher, as every sender endpoint.
    s.gw.raw(&[])
        .get("/api/v1/messages")
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_MISSING");
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('+', "%2B")
}
