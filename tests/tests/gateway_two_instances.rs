//! Two gateway instances on one PostgreSQL database and no shared memory (issue 8): what goes in
//! through one comes out of the other, at once. Each test has its own schema on the server
//! scripts/test starts (`RECAPITO_TEST_POSTGRES_URL`); without it the tests fail under `CI=true`
//! and are skipped, loudly, otherwise.

use e2e::Reply;
use e2e::entity::{Answer, FakeEntity};
use e2e::gateway::{FakeInterop, Gateway, configuration, message, postgres_database};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CITIZEN: &str = "SPNDNL80R13C555X";

struct Pair {
    interop: FakeInterop,
    one: Gateway,
    two: Gateway,
}

impl Pair {
    /// Two gateways, each with its own data folder, on the same fresh database; `None` when
    /// there is no PostgreSQL to test against (outside CI).
    async fn start() -> Option<Pair> {
        let url = postgres_database().await?;
        let interop = FakeInterop::start().await;
        let tune = |c: &mut gateway::Config| c.database_url = Some(url.clone());
        let one = Gateway::spawn_with(&interop.jwks_url, tune).await;
        let two = Gateway::spawn_with(&interop.jwks_url, tune).await;
        assert_ne!(one.data_dir, two.data_dir);
        Some(Pair { interop, one, two })
    }

    fn entity(&self, gw: &Gateway) -> e2e::gateway::Caller {
        gw.entity(&self.interop.voucher("comune", "p1"))
    }

    async fn configure(&self, gw: &Gateway, base_url: &str) -> String {
        self.entity(gw)
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration(base_url),
            )
            .await
            .expect_status(StatusCode::CREATED)
            .str("/configuration_id")
    }

    async fn submit(&self, gw: &Gateway, body: &Value) -> Reply {
        self.entity(gw).post("/api/v1/messages", body).await
    }
}

fn items(r: &Reply) -> Vec<Value> {
    r.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_message_submitted_through_one_is_listed_opened_and_read_through_the_other() {
    let Some(p) = Pair::start().await else { return };
    let entity = FakeEntity::start().await;
    let config = p.configure(&p.one, &entity.base_url).await;
    // `message` declares a ONCE precondition for third-party id corr-0001.
    let id = p
        .submit(&p.one, &message(CITIZEN, &config))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");

    // Listed and opened through the other instance.
    let inbox = p
        .two
        .app(CITIZEN)
        .get("/api/communication/v1/messages?enrich_result_data=true")
        .await
        .expect_status(StatusCode::OK);
    let listed = items(&inbox);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["is_read"], false);
    let opened = p
        .two
        .app(CITIZEN)
        .get(&format!("/api/communication/v1/messages/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(opened.body["id"], id.as_str());

    // The precondition is shown through the first (which reads the message for it)…
    let pre = json!({"title": "Prima di aprire", "markdown": "Questo messaggio contiene dati riservati."});
    entity.on("messages/corr-0001/precondition", Answer::json(&pre));
    let precondition = format!("/api/communication/v1/third-party-messages/{id}/precondition");
    let shown = p
        .one
        .app(CITIZEN)
        .get(&precondition)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(shown.body, pre);

    // …the message is marked read through the second…
    let r = p
        .two
        .app(CITIZEN)
        .put(
            &format!("/api/communication/v1/messages/{id}/status"),
            &json!({"change_type": "reading", "is_read": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"is_read": true, "is_archived": false}));

    // …and the first knows at once: read, so a ONCE precondition is no longer needed (204).
    p.one
        .app(CITIZEN)
        .get(&precondition)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let inbox = p
        .one
        .app(CITIZEN)
        .get("/api/communication/v1/messages?enrich_result_data=true")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(items(&inbox)[0]["is_read"], true);
    let opened = p
        .one
        .app(CITIZEN)
        .get(&format!("/api/communication/v1/messages/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(opened.body["is_read"], true);
}

#[tokio::test]
async fn a_configuration_changed_on_one_applies_at_once_on_the_other() {
    let Some(p) = Pair::start().await else { return };
    let (before, after) = (FakeEntity::start().await, FakeEntity::start().await);
    let details = json!({"details": {"subject": "Avviso di pagamento TARI 2026",
        "markdown": "L'importo dovuto per la tassa sui rifiuti è di 120 euro, da pagare entro il 31 dicembre dell'anno in corso."}});
    before.on("messages/corr-0001", Answer::json(&details));
    after.on("messages/corr-0001", Answer::json(&details));

    // Created through one, used through the other.
    let config = p.configure(&p.one, &before.base_url).await;
    let id = p
        .submit(&p.two, &message(CITIZEN, &config))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let open = format!("/api/communication/v1/third-party-messages/{id}");
    p.two
        .app(CITIZEN)
        .get(&open)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(before.received().len(), 1);

    // Pointed elsewhere through the first: the second fetches from the new base URL at once.
    let path = format!("/api/v1/remote-contents/configurations/{config}");
    p.entity(&p.one)
        .put(&path, &configuration(&after.base_url))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let listed = p
        .entity(&p.two)
        .get("/api/v1/remote-contents/configurations")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        listed.body["rcConfigList"][0]["prod_environment"]["base_url"],
        after.base_url.as_str()
    );
    p.two
        .app(CITIZEN)
        .get(&open)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(before.received().len(), 1);
    assert_eq!(after.received().len(), 1);

    // Deleted through the second: the first refuses submissions naming it at once.
    p.entity(&p.two)
        .delete(&path)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    p.submit(&p.one, &message(CITIZEN, &config))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "CONFIGURATION_NOT_FOUND");
    p.entity(&p.one)
        .get(&path)
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_sent_to_both_at_once_stores_one_message() {
    let Some(p) = Pair::start().await else { return };
    let config = p.configure(&p.one, "https://api.comune.example/rc").await;
    let body = message(CITIZEN, &config);
    let mut racing = tokio::task::JoinSet::new();
    for i in 0..12 {
        let gw = if i % 2 == 0 { &p.one } else { &p.two };
        let caller = p.entity(gw).with_header("idempotency-key", "pagamento-42");
        let body = body.clone();
        racing.spawn(async move { caller.post("/api/v1/messages", &body).await });
    }
    let ids: std::collections::HashSet<String> = racing
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect_status(StatusCode::CREATED).str("/id"))
        .collect();
    assert_eq!(ids.len(), 1, "one message for one key: {ids:?}");
    // A retry later, through either, gets the same answer.
    for gw in [&p.one, &p.two] {
        let again = p
            .entity(gw)
            .with_header("idempotency-key", "pagamento-42")
            .post("/api/v1/messages", &body)
            .await
            .expect_status(StatusCode::CREATED)
            .str("/id");
        assert!(ids.contains(&again));
    }
    for gw in [&p.one, &p.two] {
        let inbox = gw
            .app(CITIZEN)
            .get("/api/communication/v1/messages?enrich_result_data=true")
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(items(&inbox).len(), 1);
    }
}
