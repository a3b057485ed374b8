//! Interop worlds built through the engine's management API, as the tests need them: a producer
//! publishes an e-service, a consumer subscribes and activates a purpose, a client with a key is
//! attached to it.

use crate::{User, fixture};
use reqwest::StatusCode;
use serde_json::json;

/// The terms of the e-service's descriptor and of the consumer's purpose.
pub struct Terms<'a> {
    pub audience: &'a str,
    pub voucher_lifespan: u64,
    pub daily_calls_per_consumer: u64,
    pub daily_calls_total: u64,
    /// The purpose's estimate.
    pub daily_calls: u64,
}

impl<'a> Terms<'a> {
    /// Generous thresholds, vouchers for 600 s.
    pub fn new(audience: &'a str) -> Terms<'a> {
        Terms {
            audience,
            voucher_lifespan: 600,
            daily_calls_per_consumer: 100_000,
            daily_calls_total: 100_000,
            daily_calls: 1_000,
        }
    }
}

/// What `subscribe` created.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub eservice: String,
    pub descriptor: String,
    pub agreement: String,
    pub purpose: String,
    pub version: String,
}

/// `producer` publishes an e-service with `terms` (automatic approval): `(e-service, descriptor)`.
pub async fn publish(producer: &User, terms: &Terms<'_>) -> (String, String) {
    let audience = terms.audience;
    let descriptor = json!({"audience": [audience], "voucher_lifespan": terms.voucher_lifespan,
        "daily_calls_per_consumer": terms.daily_calls_per_consumer, "daily_calls_total": terms.daily_calls_total,
        "agreement_approval_policy": "AUTOMATIC", "server_urls": ["https://api.example/"]});
    let e = producer
        .post(
            "/eservices",
            json!({"name": format!("E-service {audience}"), "description": "Servizio per i test",
            "technology": "REST", "mode": "DELIVER", "descriptor": descriptor}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let (eservice, descriptor) = (e.str("/id"), e.str("/descriptors/0/id"));
    producer
        .act(&format!(
            "/eservices/{eservice}/descriptors/{descriptor}/publish"
        ))
        .await
        .expect_status(StatusCode::OK);
    (eservice, descriptor)
}

/// `consumer` subscribes to `eservice` (activated at once under automatic approval): the
/// agreement.
pub async fn agree(consumer: &User, eservice: &str) -> String {
    let agreement = consumer
        .post("/agreements", json!({"eservice_id": eservice}))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    consumer
        .act(&format!("/agreements/{agreement}/submit"))
        .await
        .expect_status(StatusCode::OK);
    agreement
}

/// `producer` publishes an e-service for `terms.audience` (automatic approval); `consumer`
/// subscribes and activates a purpose.
pub async fn subscribe(producer: &User, consumer: &User, terms: &Terms<'_>) -> Subscription {
    let audience = terms.audience;
    let (eservice, descriptor) = publish(producer, terms).await;
    let agreement = agree(consumer, &eservice).await;
    let p = consumer
        .post("/purposes", json!({"eservice_id": eservice, "title": format!("Uso di {audience}"),
            "description": "Finalità dei test", "risk_analysis": {"v": 1}, "daily_calls": terms.daily_calls}))
        .await
        .expect_status(StatusCode::CREATED);
    let (purpose, version) = (p.str("/id"), p.str("/versions/0/id"));
    consumer
        .act(&format!("/purposes/{purpose}/versions/{version}/activate"))
        .await
        .expect_status(StatusCode::OK);
    Subscription {
        eservice,
        descriptor,
        agreement,
        purpose,
        version,
    }
}

/// A consumer client of `owner` holding the fixture public key `keys/{key}.pub.pem`:
/// `(client id, kid)`.
pub async fn client_with_key(owner: &User, name: &str, key: &str) -> (String, String) {
    let client = owner
        .post(
            "/clients",
            json!({"name": name, "kind": "CONSUMER", "members": [owner.id]}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let kid = owner
        .post(
            &format!("/clients/{client}/keys"),
            json!({"name": name, "key": fixture(&format!("keys/{key}.pub.pem"))}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/kid");
    (client, kid)
}

/// Attaches `purpose` to `client` (both `owner`'s).
pub async fn attach(owner: &User, client: &str, purpose: &str) {
    owner
        .post(
            &format!("/clients/{client}/purposes"),
            json!({"purpose_id": purpose}),
        )
        .await
        .expect_status(StatusCode::OK);
}
