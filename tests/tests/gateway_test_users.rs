//! The entity's preview of its test users' view (`/api/v1/test-users/{fiscal_code}/…`) on a real
//! gateway: only the caller's test users, only the caller's messages, nothing changed by reading,
//! and lollipop signed by a test device.

use e2e::entity::{Answer, FakeEntity};
use e2e::gateway::{Caller, FakeInterop, Gateway, message};
use e2e::{Reply, fixtures};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The Comune's test user.
const TESTER: &str = "RSSMRA85T10A562S";
/// A citizen who is nobody's test user.
const CITIZEN: &str = "SPNDNL80R13C555X";

struct Setup {
    interop: FakeInterop,
    gw: Gateway,
    /// The Comune's production endpoint.
    prod: FakeEntity,
    /// The Comune's test endpoint (its test users' fetches go there).
    test: FakeEntity,
}

fn details(with_attachments: bool) -> Value {
    let mut v = json!({"details": {"subject": "Avviso di pagamento TARI 2026", "markdown": "## Avviso\n\nL'importo dovuto per la tassa sui rifiuti è di 120 euro, da pagare entro il 31 dicembre. [Paga](https://comune.example/paga)"}});
    if with_attachments {
        v["attachments"] = json!([{"id": "a1", "content_type": "application/pdf", "name": "avviso.pdf", "url": "/attachments/avviso.pdf", "category": "DOCUMENT"}]);
    }
    v
}

fn environment(base_url: &str) -> Value {
    json!({"base_url": base_url, "details_authentication": {"type": "API_KEY", "header_key_name": "X-Api-Key", "key": "secret"}})
}

/// A configuration with a production environment and a test one for `test_users`.
fn configuration(prod: &str, test: &str, test_users: &[&str]) -> Value {
    let mut test_environment = environment(test);
    test_environment["test_users"] = json!(test_users);
    json!({
        "name": "Comune di Esempio", "description": "Avvisi di pagamento",
        "has_precondition": "ONCE", "is_lollipop_enabled": false, "disable_lollipop_for": [],
        "prod_environment": environment(prod),
        "test_environment": test_environment,
    })
}

async fn setup() -> Setup {
    let interop = FakeInterop::start().await;
    let gw = Gateway::spawn_with(&interop.jwks_url, |c| {
        c.fetch.timeout_ms = 2_000;
        c.fetch.breaker_failures = 1_000;
    })
    .await;
    Setup {
        interop,
        gw,
        prod: FakeEntity::start().await,
        test: FakeEntity::start().await,
    }
}

impl Setup {
    fn comune(&self) -> Caller {
        self.gw.entity(&self.interop.voucher("comune", "p1"))
    }

    fn altro(&self) -> Caller {
        self.gw.entity(&self.interop.voucher("altro-ente", "p2"))
    }

    async fn configure(&self, who: &Caller, body: Value) -> String {
        who.post("/api/v1/remote-contents/configurations", &body)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/configuration_id")
    }

    /// Submits, as `who`, a message for `citizen` with third-party data `tpd` merged over the
    /// defaults.
    async fn send(&self, who: &Caller, config: &str, citizen: &str, tpd: Value) -> String {
        let mut m = message(citizen, config);
        for (k, v) in tpd.as_object().unwrap() {
            m["content"]["third_party_data"][k] = v.clone();
        }
        if m["content"]["third_party_data"]["has_attachments"] == true {
            m["feature_level_type"] = json!("ADVANCED");
        }
        who.post("/api/v1/messages", &m)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/id")
    }

    async fn status(&self, citizen: &str, id: &str) -> (Value, Value) {
        let r = self
            .gw
            .app(citizen)
            .get(&format!("/api/communication/v1/messages/{id}"))
            .await
            .expect_status(StatusCode::OK);
        (r.body["is_read"].clone(), r.body["is_archived"].clone())
    }

    async fn download(&self, voucher: &str, path: &str) -> reqwest::Response {
        self.gw
            .http
            .get(format!("{}{path}", self.gw.base))
            .bearer_auth(voucher)
            .send()
            .await
            .unwrap()
    }
}

fn preview(fc: &str, rest: &str) -> String {
    format!("/api/v1/test-users/{fc}{rest}")
}

/// Every preview operation on message `id` of test user `fc`.
fn every_operation(fc: &str, id: &str) -> Vec<String> {
    vec![
        preview(fc, "/messages"),
        preview(fc, &format!("/messages/{id}")),
        preview(fc, &format!("/third-party-messages/{id}/precondition")),
        preview(fc, &format!("/third-party-messages/{id}")),
        preview(
            fc,
            &format!("/third-party-messages/{id}/attachments/attachments/avviso.pdf"),
        ),
    ]
}

#[tokio::test]
async fn only_the_callers_test_users_and_only_its_messages_are_previewed() {
    let s = setup().await;
    let comune = s.comune();
    let altro = s.altro();
    let config = s
        .configure(
            &comune,
            configuration(&s.prod.base_url, &s.test.base_url, &[TESTER]),
        )
        .await;
    // Another entity, with its own configuration (no test users), writes to the same citizen.
    let other_config = s
        .configure(
            &altro,
            configuration(&s.prod.base_url, &s.test.base_url, &[]),
        )
        .await;
    let first = s.send(&comune, &config, TESTER, json!({"id": "c1"})).await;
    let theirs = s
        .send(&altro, &other_config, TESTER, json!({"id": "x1"}))
        .await;
    let second = s.send(&comune, &config, TESTER, json!({"id": "c2"})).await;
    let to_citizen = s.send(&comune, &config, CITIZEN, json!({"id": "c3"})).await;

    // The inbox: the caller's messages to its test user, newest first, in the app's shape and
    // paging.
    let page = comune
        .get(&preview(TESTER, "/messages?enrich_result_data=true"))
        .await
        .expect_status(StatusCode::OK);
    let ids: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    assert_eq!(page.body["items"][0]["fiscal_code"], TESTER);
    assert_eq!(page.body["items"][0]["is_read"], false);
    assert_eq!(page.body["items"][0]["organization_name"], "comune");
    let p1 = comune
        .get(&preview(TESTER, "/messages?page_size=1"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(p1.body["items"][0]["id"], second.as_str());
    assert_eq!(p1.body["next"], second.as_str());
    let p2 = comune
        .get(&preview(
            TESTER,
            &format!("/messages?page_size=1&maximum_id={second}"),
        ))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(p2.body["items"][0]["id"], first.as_str());
    assert!(p2.body.get("next").is_none(), "{}", p2.body);
    // The app's own inbox holds the other entity's message too: the preview does not.
    let app =
        s.gw.app(TESTER)
            .get("/api/communication/v1/messages")
            .await
            .expect_status(StatusCode::OK);
    assert_eq!(app.body["items"].as_array().unwrap().len(), 3);

    // One message, as the app shows it.
    let one = comune
        .get(&preview(TESTER, &format!("/messages/{first}")))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(one.body["content"]["subject"], "Avviso di pagamento TARI");
    assert_eq!(one.body["is_read"], false);

    // Another sender's message, and the caller's message to another citizen, are not found
    // (as for a stranger), through every operation that names a message.
    for id in [
        &theirs,
        &to_citizen,
        &"01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(),
    ] {
        for path in &every_operation(TESTER, id)[1..] {
            comune
                .get(path)
                .await
                .expect_problem(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
        }
    }
    // Not a test user of the caller's configurations: refused before anything is looked up,
    // whoever the messages are from; another entity cannot preview the Comune's test user.
    for path in every_operation(CITIZEN, &to_citizen) {
        let r = comune
            .get(&path)
            .await
            .expect_problem(StatusCode::FORBIDDEN, "NOT_YOUR_TEST_USER");
        assert!(
            r.body["detail"].as_str().unwrap().contains("test user"),
            "{}",
            r.body
        );
    }
    for path in every_operation(TESTER, &theirs) {
        altro
            .get(&path)
            .await
            .expect_problem(StatusCode::FORBIDDEN, "NOT_YOUR_TEST_USER");
    }
    // Not a fiscal code; no voucher.
    comune
        .get(&preview("rssmra85t10a562s", "/messages"))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_PATH");
    s.gw.raw(&[])
        .get(&preview(TESTER, "/messages"))
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "VOUCHER_MISSING");
    // The app key is not a voucher.
    s.gw.app(TESTER)
        .get(&preview(TESTER, "/messages"))
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    // Nothing of this reached an entity.
    assert!(s.prod.received().is_empty() && s.test.received().is_empty());
}

#[tokio::test]
async fn a_preview_fetches_like_the_app_and_changes_no_status() {
    let s = setup().await;
    let comune = s.comune();
    let config = s
        .configure(
            &comune,
            configuration(&s.prod.base_url, &s.test.base_url, &[TESTER]),
        )
        .await;
    let id = s
        .send(
            &comune,
            &config,
            TESTER,
            json!({"id": "p1", "has_attachments": true, "has_precondition": "ONCE"}),
        )
        .await;
    s.test.on("messages/p1", Answer::json(&details(true)));
    s.test.on(
        "messages/p1/precondition",
        Answer::json(&json!({"title": "Prima di aprire", "markdown": "Il messaggio contiene dati sulla tua situazione tributaria."})),
    );
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    s.test.on(
        "messages/p1/attachments/avviso.pdf",
        Answer::bytes(200, pdf.clone()),
    );

    // The ONCE precondition, again and again: a preview never consumes it.
    for _ in 0..2 {
        let p = comune
            .get(&preview(
                TESTER,
                &format!("/third-party-messages/{id}/precondition"),
            ))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(p.body["title"], "Prima di aprire");
    }
    // The details, checked as for the app, from the test environment with the test user's
    // fiscal code.
    let d = comune
        .get(&preview(TESTER, &format!("/third-party-messages/{id}")))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        d.body["third_party_message"]["details"]["subject"],
        "Avviso di pagamento TARI 2026"
    );
    assert_eq!(d.body["third_party_message"]["attachments"][0]["id"], "a1");
    let req = s.test.received().pop().unwrap();
    assert_eq!(req.path, "/rc/messages/p1");
    assert_eq!(req.headers["fiscal_code"], TESTER);
    assert_eq!(req.headers["x-api-key"], "secret");
    assert!(
        s.prod.received().is_empty(),
        "a test user goes to the test environment"
    );
    // The attachment, checked as a PDF/A and streamed.
    let voucher = s.interop.voucher("comune", "p1");
    let r = s
        .download(
            &voucher,
            &preview(
                TESTER,
                &format!("/third-party-messages/{id}/attachments/attachments/avviso.pdf"),
            ),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("avviso.pdf")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // An url the entity does not list is refused, as for the app.
    let r = s
        .download(
            &voucher,
            &preview(
                TESTER,
                &format!("/third-party-messages/{id}/attachments/attachments/altro.pdf"),
            ),
        )
        .await;
    assert_eq!(r.status(), 404);
    // The same checks: an unsafe answer is refused with the app's code.
    let bad = s.send(&comune, &config, TESTER, json!({"id": "p2"})).await;
    s.test.on(
        "messages/p2",
        Answer::json(&json!({"details": {"subject": "Avviso di pagamento TARI", "markdown": format!("<script>x</script> {}", "a".repeat(100))}})),
    );
    comune
        .get(&preview(TESTER, &format!("/third-party-messages/{bad}")))
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "MARKDOWN_UNSAFE");

    // After all this, the message is still unread and not archived, and the app still gets the
    // precondition.
    assert_eq!(s.status(TESTER, &id).await, (json!(false), json!(false)));
    s.gw.app(TESTER)
        .get(&format!(
            "/api/communication/v1/third-party-messages/{id}/precondition"
        ))
        .await
        .expect_status(StatusCode::OK);
    // Once the citizen's app marks it read, the preview shows what the app would: no
    // precondition (and reads the status, never writes it).
    s.gw.app(TESTER)
        .put(
            &format!("/api/communication/v1/messages/{id}/status"),
            &json!({"change_type": "reading", "is_read": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    let r: Reply = comune
        .get(&preview(
            TESTER,
            &format!("/third-party-messages/{id}/precondition"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let one = comune
        .get(&preview(TESTER, &format!("/messages/{id}")))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        (&one.body["is_read"], &one.body["is_archived"]),
        (&json!(true), &json!(false))
    );
}

#[tokio::test]
async fn lollipop_is_signed_by_a_test_device() {
    let s = setup().await;
    let comune = s.comune();
    let mut body = configuration(&s.prod.base_url, &s.test.base_url, &[TESTER]);
    body["is_lollipop_enabled"] = json!(true);
    let config = s.configure(&comune, body).await;
    let id = s.send(&comune, &config, TESTER, json!({"id": "l1"})).await;
    s.test.on("messages/l1", Answer::json(&details(false)));
    // The app must bring the citizen's lollipop headers…
    s.gw.app(TESTER)
        .get(&format!("/api/communication/v1/third-party-messages/{id}"))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "LOLLIPOP_HEADERS_MISSING");
    // …the preview has no device of the citizen's: a test device made for the request signs.
    comune
        .get(&preview(TESTER, &format!("/third-party-messages/{id}")))
        .await
        .expect_status(StatusCode::OK);
    let req = s.test.received().pop().unwrap();
    assert_eq!(req.headers["x-pagopa-lollipop-user-id"], TESTER);
    let url = req.headers["x-pagopa-lollipop-original-url"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        url,
        format!("https://recapito-preview.invalid/api/communication/v1/third-party-messages/{id}")
    );
    // The signature verifies (an entity checking it accepts the preview), for the test user
    // only.
    let tester = provider_sdk::contract::FiscalCode::parse(TESTER).unwrap();
    provider_sdk::lollipop::verify(&req.headers, &tester).expect("the test device's signature");
    let other = provider_sdk::contract::FiscalCode::parse(CITIZEN).unwrap();
    assert!(provider_sdk::lollipop::verify(&req.headers, &other).is_err());

    // An attachment: signed for the app's attachment url (anything but visible ASCII
    // percent-encoded, as a header must be).
    let with_pdf = s
        .send(
            &comune,
            &config,
            TESTER,
            json!({"id": "l2", "has_attachments": true}),
        )
        .await;
    let mut listed = details(true);
    listed["attachments"][0]["url"] = json!("/attachments/avviso-città.pdf");
    s.test.on("messages/l2", Answer::json(&listed));
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    s.test.on(
        "messages/l2/attachments/avviso-citt%C3%A0.pdf",
        Answer::bytes(200, pdf.clone()),
    );
    let voucher = s.interop.voucher("comune", "p1");
    let r = s
        .download(
            &voucher,
            &preview(
                TESTER,
                &format!(
                    "/third-party-messages/{with_pdf}/attachments/attachments/avviso-citt%C3%A0.pdf"
                ),
            ),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let req = s.test.received().pop().unwrap();
    assert_eq!(
        req.headers["x-pagopa-lollipop-original-url"],
        format!(
            "https://recapito-preview.invalid/api/communication/v1/third-party-messages/{with_pdf}/attachments/attachments/avviso-citt%C3%A0.pdf"
        )
        .as_str()
    );
    provider_sdk::lollipop::verify(&req.headers, &tester).expect("the test device's signature");
}

/// The preview is in `/openapi.json`: its five operations under the tag `test-users`, with the
/// entity API's security, the app API's answer schemas and its own refusals.
#[tokio::test]
async fn the_preview_is_documented() {
    let s = setup().await;
    let doc =
        s.gw.raw(&[])
            .get("/openapi.json")
            .await
            .expect_status(StatusCode::OK)
            .body;
    let schema = |op: &Value| {
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].clone()
    };
    let paths = &doc["paths"];
    let base = "/api/v1/test-users/{fiscal_code}";
    let ops = [
        ("/messages", "getTestUserMessages", Some("getUserMessages")),
        (
            "/messages/{id}",
            "getTestUserMessage",
            Some("getUserMessage"),
        ),
        (
            "/third-party-messages/{id}/precondition",
            "getTestUserThirdPartyMessagePrecondition",
            Some("getThirdPartyMessagePrecondition"),
        ),
        (
            "/third-party-messages/{id}",
            "getTestUserThirdPartyMessage",
            Some("getThirdPartyMessage"),
        ),
        (
            "/third-party-messages/{id}/attachments/{attachment_url}",
            "getTestUserThirdPartyMessageAttachment",
            None,
        ),
    ];
    for (rest, id, app) in ops {
        let op = &paths[format!("{base}{rest}")]["get"];
        assert_eq!(op["operationId"], id, "{rest}");
        assert_eq!(op["tags"], json!(["test-users"]), "{rest}");
        assert_eq!(op["security"], json!([{"interopVoucher": []}]), "{rest}");
        let forbidden = &op["responses"]["403"]["x-problem-codes"];
        assert!(
            forbidden
                .as_array()
                .is_some_and(|c| c.contains(&json!("NOT_YOUR_TEST_USER"))),
            "{rest}: {forbidden}"
        );
        // The same answers as the app API's operation.
        if let Some(app) = app {
            let app_op = paths
                .as_object()
                .unwrap()
                .values()
                .find_map(|item| (item["get"]["operationId"] == app).then(|| &item["get"]))
                .unwrap();
            assert_eq!(schema(op), schema(app_op), "{rest}");
        }
    }
    assert!(
        doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "test-users")
    );
}
