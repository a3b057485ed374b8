//! The Interop engine's management API, end to end over HTTP.

use e2e::{Engine, User, fixture};
use interop::domain::Role;
use interop::domain::ids::UserId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn complete_descriptor(per_consumer: u64, total: u64, policy: &str) -> Value {
    json!({
        "audience": ["https://api.comune.example/rc"],
        "voucher_lifespan": 600,
        "daily_calls_per_consumer": per_consumer,
        "daily_calls_total": total,
        "agreement_approval_policy": policy,
        "server_urls": ["https://api.comune.example/rc/v1"]
    })
}

/// A producer with a published e-service, and a consumer with an ACTIVE agreement on it.
struct World {
    engine: Engine,
    producer: User,
    consumer: User,
    eservice: String,
    descriptor: String,
    agreement: String,
}

async fn published_eservice(
    producer: &User,
    name: &str,
    per_consumer: u64,
    total: u64,
    policy: &str,
) -> (String, String) {
    let e = producer
        .post("/eservices", json!({"name": name, "description": "Remote content of messages", "technology": "REST", "mode": "DELIVER", "descriptor": complete_descriptor(per_consumer, total, policy)}))
        .await
        .expect_status(StatusCode::CREATED);
    let (id, did) = (e.str("/id"), e.str("/descriptors/0/id"));
    producer
        .act(&format!("/eservices/{id}/descriptors/{did}/publish"))
        .await
        .expect_status(StatusCode::OK);
    (id, did)
}

async fn world(per_consumer: u64, total: u64) -> World {
    let engine = Engine::spawn().await;
    let producer = engine.tenant("PagoPA").await;
    let consumer = engine.tenant("Comune di Esempio").await;
    let (eservice, descriptor) = published_eservice(
        &producer,
        "Messaggi remoti",
        per_consumer,
        total,
        "AUTOMATIC",
    )
    .await;
    let a = consumer
        .post("/agreements", json!({"eservice_id": eservice}))
        .await
        .expect_status(StatusCode::CREATED);
    let agreement = a.str("/id");
    let a = consumer
        .act(&format!("/agreements/{agreement}/submit"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(a.body["state"], "ACTIVE");
    World {
        engine,
        producer,
        consumer,
        eservice,
        descriptor,
        agreement,
    }
}

async fn purpose(w: &World, calls: u64) -> (String, String) {
    let p = w
        .consumer
        .post("/purposes", json!({"eservice_id": w.eservice, "title": "Invio avvisi", "description": "Avvisi di pagamento ai cittadini", "risk_analysis": {"version": "3.0", "answers": {"purpose": "INSTITUTIONAL"}}, "daily_calls": calls}))
        .await
        .expect_status(StatusCode::CREATED);
    (p.str("/id"), p.str("/versions/0/id"))
}

/// Registers a user in the admin's tenant and returns them with a token.
async fn add_user(engine: &Engine, admin: &User, roles: &[&str]) -> User {
    let id = UserId::random();
    admin
        .post(
            &format!("/tenants/{}/users", admin.tenant_id()),
            json!({"id": id, "name": "Operatore", "roles": roles}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let parsed: Vec<Role> = roles.iter().map(|r| Role::parse(r).unwrap()).collect();
    engine.user(id, admin.tenant, &parsed)
}

#[tokio::test]
async fn health_and_openapi_are_served() {
    let engine = Engine::spawn().await;
    let r = e2e::reply(
        engine
            .http
            .get(format!("{}/healthz", engine.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = e2e::reply(
        engine
            .http
            .get(format!("{}/openapi.json", engine.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body["openapi"].as_str().unwrap_or("").starts_with("3."),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn requests_without_a_valid_identity_are_refused_with_a_code() {
    let engine = Engine::spawn().await;
    let admin = engine.tenant("Comune di Esempio").await;
    let anonymous = e2e::reply(
        engine
            .http
            .get(format!("{}/eservices", engine.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    anonymous.expect_problem(StatusCode::UNAUTHORIZED, "MISSING_TOKEN");

    // Signed by another key (a client key, not the identity issuer's).
    let forged = interop::api::auth::IdentityIssuer::new(
        fixture("keys/client-a.key.pem").as_bytes(),
        e2e::IDP_ISSUER,
        e2e::IDP_AUDIENCE,
    )
    .unwrap();
    let token = forged
        .mint(admin.id, admin.tenant, &[Role::Admin], 600)
        .unwrap();
    let r = e2e::reply(
        engine
            .http
            .get(format!("{}/eservices", engine.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect_problem(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // Expired long ago (beyond the leeway).
    let expired = engine
        .idp
        .mint(admin.id, admin.tenant, &[Role::Admin], -3600)
        .unwrap();
    let r = e2e::reply(
        engine
            .http
            .get(format!("{}/eservices", engine.base))
            .bearer_auth(expired)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect_problem(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // Not valid before an hour from now (beyond the leeway).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let premature = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &json!({"iss": e2e::IDP_ISSUER, "aud": e2e::IDP_AUDIENCE, "sub": admin.id, "tenant_id": admin.tenant,
                "roles": ["admin"], "iat": now, "nbf": now + 3600, "exp": now + 7200}),
        &jsonwebtoken::EncodingKey::from_rsa_pem(fixture("keys/identity.key.pem").as_bytes()).unwrap(),
    )
    .unwrap();
    let r = e2e::reply(
        engine
            .http
            .get(format!("{}/eservices", engine.base))
            .bearer_auth(premature)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect_problem(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // A well-signed token for a user the tenant never registered.
    let stranger = engine.user(UserId::random(), admin.tenant, &[Role::Admin]);
    stranger
        .get("/eservices")
        .await
        .expect_problem(StatusCode::FORBIDDEN, "USER_NOT_REGISTERED");

    // A suspended user, then reactivated; the admin cannot suspend itself.
    let operator = add_user(&engine, &admin, &["api"]).await;
    operator
        .get("/eservices")
        .await
        .expect_status(StatusCode::OK);
    let t = admin.tenant_id();
    admin
        .act(&format!("/tenants/{t}/users/{}/suspend", operator.id))
        .await
        .expect_status(StatusCode::OK);
    operator
        .get("/eservices")
        .await
        .expect_problem(StatusCode::FORBIDDEN, "USER_SUSPENDED");
    admin
        .act(&format!("/tenants/{t}/users/{}/activate", operator.id))
        .await
        .expect_status(StatusCode::OK);
    operator
        .get("/eservices")
        .await
        .expect_status(StatusCode::OK);
    admin
        .act(&format!("/tenants/{t}/users/{}/suspend", admin.id))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "USER_ROLE_MISMATCH");

    // Every user of the tenant reads who is who (the console's "Utenti" page); users of other
    // tenants do not.
    let users = operator
        .get(&format!("/tenants/{t}/users"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        users.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        users.body
    );
    let stranger_admin = engine.tenant("Provincia di Esempio").await;
    stranger_admin
        .get(&format!("/tenants/{t}/users"))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "ROLE_REQUIRED");
    // A new user without a role, or an existing one: the problem names the field at fault.
    let no_role = admin
        .post(
            &format!("/tenants/{t}/users"),
            json!({"id": UserId::random(), "name": "Senza ruolo", "roles": []}),
        )
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "USER_ROLE_MISMATCH");
    assert_eq!(no_role.body["fields"], json!(["roles"]), "{}", no_role.body);
    let again = admin
        .post(
            &format!("/tenants/{t}/users"),
            json!({"id": operator.id, "name": "Di nuovo", "roles": ["api"]}),
        )
        .await
        .expect_problem(StatusCode::CONFLICT, "USER_ALREADY_EXISTS");
    assert_eq!(again.body["fields"], json!(["id"]), "{}", again.body);

    // Claiming a role the tenant did not grant does not give it.
    let pretender = engine.user(operator.id, admin.tenant, &[Role::Admin]);
    pretender
        .get("/eservices")
        .await
        .expect_problem(StatusCode::FORBIDDEN, "ROLE_REQUIRED");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_code() {
    let engine = Engine::spawn().await;
    let admin = engine.tenant("Comune di Esempio").await;
    admin
        .get("/eservices/not-a-uuid")
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_PATH");
    admin
        .get(&format!("/eservices/{}", uuid::Uuid::new_v4()))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "ESERVICE_NOT_FOUND");
    admin
        .get("/no-such-thing")
        .await
        .expect_problem(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
    admin
        .call(Method::PATCH, "/eservices", None)
        .await
        .expect_problem(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    admin
        .post("/eservices", json!({"name": "x"}))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
    let r = admin
        .post("/eservices", json!({"name": "Servizio", "description": "Una descrizione", "technology": "REST", "mode": "DELIVER", "descriptor": {"voucher_lifespan": 30}}))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(r.body["fields"], json!(["voucher_lifespan"]));
    let r = admin
        .post("/eservices", json!({"name": "Servizio", "description": "Una descrizione", "technology": "REST", "mode": "DELIVER", "descriptor": {"daily_calls_per_consumer": 10, "daily_calls_total": 5}}))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(r.body["fields"], json!(["daily_calls_per_consumer"]));
    // Raw garbage instead of JSON.
    let r = e2e::reply(
        engine
            .http
            .post(format!("{}/eservices", engine.base))
            .bearer_auth(&admin.token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect_problem(StatusCode::BAD_REQUEST, "INVALID_BODY");
}

/// `GET /eservices` with a query, read raw: the names in the answer and its `X-Total-Count`.
async fn catalogue(engine: &Engine, user: &User, query: &str) -> (Vec<String>, u64) {
    let resp = engine
        .http
        .get(format!("{}/eservices{query}", engine.base))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    let total = resp.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    let names = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    (names, total)
}

/// Seed: "Catalogue: published e-services with search and paging".
#[tokio::test]
async fn the_catalogue_searches_and_pages() {
    let engine = Engine::spawn().await;
    let producer = engine.tenant("PagoPA").await;
    let consumer = engine.tenant("Comune di Esempio").await;
    for name in ["Catasto gamma", "anagrafe beta", "Anagrafe alfa"] {
        published_eservice(&producer, name, 10, 100, "AUTOMATIC").await;
    }
    producer
        .post("/eservices", json!({"name": "Anagrafe bozza", "description": "Not published yet", "technology": "REST", "mode": "DELIVER"}))
        .await
        .expect_status(StatusCode::CREATED);
    let all = ["Anagrafe alfa", "anagrafe beta", "Catasto gamma"];

    // No parameter: every visible e-service (no drafts of others), by name case-insensitively.
    assert_eq!(
        catalogue(&engine, &consumer, "").await,
        (all.map(String::from).to_vec(), 3)
    );
    let (names, total) = catalogue(&engine, &consumer, "?q=%20ANAGRAFE%20").await;
    assert_eq!(
        (names, total),
        (vec!["Anagrafe alfa".into(), "anagrafe beta".into()], 2)
    );
    // The description is searched too.
    assert_eq!(
        catalogue(&engine, &consumer, "?q=remote+CONTENT").await.1,
        3
    );
    assert_eq!(
        catalogue(&engine, &consumer, "?q=nulla+del+genere").await,
        (vec![], 0)
    );
    // Paging: the header counts the matches before paging.
    let (names, total) = catalogue(&engine, &consumer, "?q=anagrafe&offset=1&limit=1").await;
    assert_eq!((names, total), (vec!["anagrafe beta".into()], 2));
    let (names, total) = catalogue(&engine, &consumer, "?offset=0&limit=2").await;
    assert_eq!((names, total), (vec![all[0].into(), all[1].into()], 3));
    assert_eq!(
        catalogue(&engine, &consumer, "?offset=2&limit=500").await.0,
        [all[2]]
    );
    assert_eq!(
        catalogue(&engine, &consumer, "?offset=9&limit=1").await,
        (vec![], 3)
    );
    // The producer sees its draft; `mine` combines with `q`.
    let (names, total) = catalogue(&engine, &producer, "?mine=true&q=bozza").await;
    assert_eq!((names, total), (vec!["Anagrafe bozza".into()], 1));

    for (query, says) in [
        ("?limit=0", "limit must be 1..=500"),
        ("?limit=501", "limit must be 1..=500"),
        ("?offset=-1", "offset"),
        ("?limit=ten", "limit"),
    ] {
        let r = consumer
            .get(&format!("/eservices{query}"))
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "INVALID_QUERY");
        assert!(
            r.body["detail"].as_str().unwrap().contains(says),
            "{query}: {}",
            r.body
        );
    }
    let r = consumer
        .get(&format!("/eservices?q={}", "a".repeat(201)))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "INVALID_QUERY");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("at most 200 characters"),
        "{}",
        r.body
    );
    // 200 characters, padded with blanks that the trim drops, are fine.
    assert_eq!(
        catalogue(&engine, &consumer, &format!("?q=+{}+", "a".repeat(200)))
            .await
            .1,
        0
    );
}

/// Seed: "Pubblicare una versione di e-service", "Creare una nuova versione", "Archiviare",
/// "Cancellare una bozza", "Clonare un e-service".
/// `GET {path}` as `user`: the ids listed and `X-Total-Count`, or the problem's code.
async fn listed(engine: &Engine, user: &User, path: &str) -> Result<(Vec<String>, u64), String> {
    let resp = engine
        .http
        .get(format!("{}{path}", engine.base))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    if resp.status() != StatusCode::OK {
        let body: Value = resp.json().await.unwrap();
        return Err(body["code"].as_str().unwrap_or_default().to_owned());
    }
    let total = resp.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    let ids = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    Ok((ids, total))
}

/// The consoles' lists: agreements and purposes filtered by side, state and e-service, paged,
/// with the number of matches; another tenant sees none of them, whatever it asks.
#[tokio::test]
async fn agreements_and_purposes_are_listed_by_side_and_state_and_paged() {
    let w = world(1_000, 10_000).await;
    let (p1, _) = purpose(&w, 10).await;
    let (p2, v2) = purpose(&w, 5_000).await;
    // Above the threshold: activating it leaves it waiting for the producer's approval.
    let v = w
        .consumer
        .act(&format!("/purposes/{p2}/versions/{v2}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v.body["versions"][0]["state"], "WAITING_FOR_APPROVAL");
    let e = &w.engine;
    let a = w.agreement.clone();
    assert_eq!(
        listed(e, &w.consumer, "/agreements?side=consumer").await,
        Ok((vec![a.clone()], 1))
    );
    assert_eq!(
        listed(e, &w.consumer, "/agreements?side=producer").await,
        Ok((vec![], 0))
    );
    assert_eq!(
        listed(e, &w.producer, "/agreements?side=producer&state=ACTIVE").await,
        Ok((vec![a.clone()], 1))
    );
    assert_eq!(
        listed(e, &w.producer, "/agreements?side=producer&state=PENDING").await,
        Ok((vec![], 0))
    );
    let on = format!("/agreements?eservice={}&limit=1", w.eservice);
    assert_eq!(listed(e, &w.producer, &on).await, Ok((vec![a.clone()], 1)));
    assert_eq!(
        listed(e, &w.consumer, "/agreements?offset=1&limit=1").await,
        Ok((vec![], 1))
    );
    // Newest first.
    assert_eq!(
        listed(e, &w.consumer, "/purposes?side=consumer").await,
        Ok((vec![p2.clone(), p1.clone()], 2))
    );
    let waiting = "/purposes?side=producer&version_state=WAITING_FOR_APPROVAL";
    assert_eq!(
        listed(e, &w.producer, waiting).await,
        Ok((vec![p2.clone()], 1))
    );
    assert_eq!(
        listed(e, &w.producer, "/purposes?limit=1&offset=1").await,
        Ok((vec![p1], 2))
    );
    let stranger = e.tenant("Provincia").await;
    for path in [
        "/agreements",
        "/agreements?side=producer",
        "/purposes",
        waiting,
    ] {
        assert_eq!(listed(e, &stranger, path).await, Ok((vec![], 0)), "{path}");
    }
    for bad in [
        "/agreements?limit=0",
        "/agreements?limit=501",
        "/agreements?side=both",
        "/agreements?state=OPEN",
        "/agreements?eservice=x",
        "/purposes?version_state=WAITING",
        "/purposes?offset=-1",
    ] {
        assert_eq!(
            listed(e, &w.consumer, bad).await,
            Err("INVALID_QUERY".to_owned()),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn eservice_lifecycle_over_http() {
    let engine = Engine::spawn().await;
    let producer = engine.tenant("PagoPA").await;
    let e = producer
        .post("/eservices", json!({"name": "Messaggi remoti", "description": "Remote content of messages", "technology": "REST", "mode": "DELIVER"}))
        .await
        .expect_status(StatusCode::CREATED);
    let (id, v1) = (e.str("/id"), e.str("/descriptors/0/id"));
    assert_eq!(e.body["descriptors"][0]["state"], "DRAFT");
    assert_eq!(e.body["descriptors"][0]["version"], 1);

    // Incomplete draft: the error names the missing fields.
    let r = producer
        .act(&format!("/eservices/{id}/descriptors/{v1}/publish"))
        .await
        .expect_problem(StatusCode::CONFLICT, "DESCRIPTOR_INCOMPLETE");
    let fields: Vec<&str> = r.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"audience") && fields.contains(&"voucher_lifespan"),
        "{fields:?}"
    );

    producer
        .call(
            Method::PUT,
            &format!("/eservices/{id}/descriptors/{v1}"),
            Some(complete_descriptor(100, 1000, "AUTOMATIC")),
        )
        .await
        .expect_status(StatusCode::OK);
    let d = producer
        .act(&format!("/eservices/{id}/descriptors/{v1}/publish"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(d.body["state"], "PUBLISHED");

    // General information is frozen after v1.
    producer
        .call(Method::PUT, &format!("/eservices/{id}"), Some(json!({"name": "Altro nome", "description": "Remote content of messages", "technology": "REST", "mode": "DELIVER"})))
        .await
        .expect_problem(StatusCode::CONFLICT, "ESERVICE_IMMUTABLE");
    producer
        .delete(&format!("/eservices/{id}"))
        .await
        .expect_problem(StatusCode::CONFLICT, "ESERVICE_HAS_PUBLISHED_VERSIONS");

    // v2 draft copies v1; only one draft at a time.
    let v2 = producer
        .post(&format!("/eservices/{id}/descriptors"), Value::Null)
        .await;
    let v2 = v2.expect_status(StatusCode::CREATED);
    assert_eq!(v2.body["version"], 2);
    assert_eq!(v2.body["voucher_lifespan"], 600);
    let v2 = v2.str("/id");
    producer
        .act(&format!("/eservices/{id}/descriptors"))
        .await
        .expect_problem(StatusCode::CONFLICT, "DRAFT_DESCRIPTOR_EXISTS");

    // Other tenants never see drafts.
    let other = engine.tenant("Comune di Esempio").await;
    let seen = other
        .get(&format!("/eservices/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(seen.body["descriptors"].as_array().unwrap().len(), 1);

    // Publishing v2 deprecates v1; v1 can then be archived (no agreement on it).
    producer
        .act(&format!("/eservices/{id}/descriptors/{v2}/publish"))
        .await
        .expect_status(StatusCode::OK);
    let v1d = producer
        .get(&format!("/eservices/{id}/descriptors/{v1}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v1d.body["state"], "DEPRECATED");
    producer
        .act(&format!("/eservices/{id}/descriptors/{v2}/archive"))
        .await
        .expect_problem(StatusCode::CONFLICT, "DESCRIPTOR_STATE_CONFLICT");

    // Suspend and reactivate return to the previous state.
    producer
        .act(&format!("/eservices/{id}/descriptors/{v1}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    let back = producer
        .act(&format!("/eservices/{id}/descriptors/{v1}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(back.body["state"], "DEPRECATED");
    let archived = producer
        .act(&format!("/eservices/{id}/descriptors/{v1}/archive"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(archived.body["state"], "ARCHIVED");

    // A third draft can be deleted; published versions cannot.
    let v3 = producer
        .post(&format!("/eservices/{id}/descriptors"), Value::Null)
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    producer
        .delete(&format!("/eservices/{id}/descriptors/{v2}"))
        .await
        .expect_problem(StatusCode::CONFLICT, "DESCRIPTOR_STATE_CONFLICT");
    producer
        .delete(&format!("/eservices/{id}/descriptors/{v3}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);

    // Clone: a new e-service, draft, version 1.
    let c = producer
        .post(
            &format!("/eservices/{id}/clone"),
            json!({"descriptor_id": v2}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(c.body["descriptors"][0]["version"], 1);
    assert_eq!(c.body["descriptors"][0]["state"], "DRAFT");
    assert_ne!(c.str("/id"), id);
    // Non-producers cannot manage it.
    other
        .act(&format!("/eservices/{id}/descriptors/{v2}/suspend"))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_PRODUCER");
}

/// Seed: "Come funzionano gli attributi?", "Fruitore: sottoscrivere", "Erogatore: approvare".
#[tokio::test]
async fn agreements_follow_attributes_and_approval() {
    let engine = Engine::spawn().await;
    let platform = engine.platform();
    let producer = engine.tenant("PagoPA").await;
    let consumer = engine.tenant("Comune di Esempio").await;
    let comune = platform
        .post(
            "/attributes",
            json!({"kind": "CERTIFIED", "name": "Comune", "description": "Ente locale: comune"}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let regione = platform
        .post(
            "/attributes",
            json!({"kind": "CERTIFIED", "name": "Regione", "description": "Ente locale: regione"}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let dpo = producer.post("/attributes", json!({"kind": "VERIFIED", "name": "DPO nominato", "description": "Ha nominato un DPO"})).await.expect_status(StatusCode::CREATED).str("/id");
    let e = producer
        .post("/eservices", json!({
            "name": "Messaggi remoti", "description": "Remote content of messages", "technology": "REST", "mode": "DELIVER",
            "attributes": {"certified": [[{"id": comune}, {"id": regione}]], "verified": [[{"id": dpo, "explicit_verification": true}]]},
            "descriptor": complete_descriptor(100, 1000, "AUTOMATIC")
        }))
        .await
        .expect_status(StatusCode::CREATED);
    let (eid, did) = (e.str("/id"), e.str("/descriptors/0/id"));
    producer
        .act(&format!("/eservices/{eid}/descriptors/{did}/publish"))
        .await
        .expect_status(StatusCode::OK);

    // Without the certified attribute: MISSING_CERTIFIED_ATTRIBUTES, and submit is refused.
    let a = consumer
        .post("/agreements", json!({"eservice_id": eid}))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(a.body["state"], "MISSING_CERTIFIED_ATTRIBUTES");
    let aid = a.str("/id");
    consumer
        .act(&format!("/agreements/{aid}/submit"))
        .await
        .expect_problem(StatusCode::CONFLICT, "MISSING_CERTIFIED_ATTRIBUTES");
    consumer
        .post("/agreements", json!({"eservice_id": eid}))
        .await
        .expect_problem(StatusCode::CONFLICT, "AGREEMENT_ALREADY_EXISTS");

    // "Regione" satisfies the OR-group: the agreement becomes a draft.
    let ct = consumer.tenant_id();
    platform
        .post(
            &format!("/tenants/{ct}/attributes/certified"),
            json!({"id": regione}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        consumer.get(&format!("/agreements/{aid}")).await.body["state"],
        "DRAFT"
    );

    // A verified attribute this producer must verify: PENDING, and approval is refused until verified.
    let a = consumer
        .act(&format!("/agreements/{aid}/submit"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(a.body["state"], "PENDING");
    producer
        .act(&format!("/agreements/{aid}/approve"))
        .await
        .expect_problem(StatusCode::CONFLICT, "VERIFIED_ATTRIBUTES_NOT_VERIFIED");
    consumer
        .act(&format!("/agreements/{aid}/approve"))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_PRODUCER");
    producer
        .post(
            &format!("/tenants/{ct}/attributes/verified"),
            json!({"id": dpo}),
        )
        .await
        .expect_status(StatusCode::OK);
    let a = producer
        .act(&format!("/agreements/{aid}/approve"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(a.body["state"], "ACTIVE");

    // Revoking the certified attribute suspends it "by the platform"; restoring lifts that.
    platform
        .delete(&format!("/tenants/{ct}/attributes/certified/{regione}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let a = consumer.get(&format!("/agreements/{aid}")).await;
    assert_eq!(
        (
            a.body["state"].clone(),
            a.body["suspended_by_platform"].clone()
        ),
        (json!("SUSPENDED"), json!(true))
    );
    platform
        .post(
            &format!("/tenants/{ct}/attributes/certified"),
            json!({"id": comune}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        consumer.get(&format!("/agreements/{aid}")).await.body["state"],
        "ACTIVE"
    );

    // Only the platform certifies.
    producer
        .post(
            &format!("/tenants/{ct}/attributes/certified"),
            json!({"id": regione}),
        )
        .await
        .expect_problem(StatusCode::FORBIDDEN, "ROLE_REQUIRED");
}

/// Seed: "Erogatore: approvare" (reject) and re-subscription after a rejection.
#[tokio::test]
async fn manual_policy_reject_then_resubmit() {
    let engine = Engine::spawn().await;
    let producer = engine.tenant("PagoPA").await;
    let consumer = engine.tenant("Comune di Esempio").await;
    let (eid, _) = published_eservice(&producer, "Messaggi remoti", 10, 10, "MANUAL").await;
    let aid = consumer
        .post("/agreements", json!({"eservice_id": eid}))
        .await
        .str("/id");
    assert_eq!(
        consumer
            .act(&format!("/agreements/{aid}/submit"))
            .await
            .body["state"],
        "PENDING"
    );
    producer
        .post(&format!("/agreements/{aid}/reject"), json!({"reason": "x"}))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = producer
        .post(
            &format!("/agreements/{aid}/reject"),
            json!({"reason": "Documentazione mancante"}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body["state"], "REJECTED");
    assert_eq!(r.body["rejection_reason"], "Documentazione mancante");
    let again = consumer
        .post("/agreements", json!({"eservice_id": eid}))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    consumer
        .act(&format!("/agreements/{again}/submit"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        producer
            .act(&format!("/agreements/{again}/approve"))
            .await
            .expect_status(StatusCode::OK)
            .body["state"],
        "ACTIVE"
    );
}

/// Seed: "Gestire il carico dell'e-service", "Aggiornare la stima di carico", "Sospendere una
/// finalità", "Archiviare una finalità", "Eliminare una finalità".
#[tokio::test]
async fn purposes_and_the_load_threshold_over_http() {
    let w = world(100, 150).await;
    let (p1, v1) = purpose(&w, 60).await;
    let r = w
        .consumer
        .act(&format!("/purposes/{p1}/versions/{v1}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body["versions"][0]["state"], "ACTIVE");

    // 60 + 41 > 100 per consumer: waits for the producer, who sees it among "finalità da evadere".
    let (p2, v2) = purpose(&w, 41).await;
    let r = w
        .consumer
        .act(&format!("/purposes/{p2}/versions/{v2}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body["versions"][0]["state"], "WAITING_FOR_APPROVAL");
    let waiting = w
        .producer
        .get(&format!("/eservices/{}/waiting-purposes", w.eservice))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(waiting.body.as_array().unwrap().len(), 1);
    w.consumer
        .get(&format!("/eservices/{}/waiting-purposes", w.eservice))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_PRODUCER");

    // The producer announces a date (the consumer sees it), moves it, then activates.
    let path = format!("/purposes/{p2}/versions/{v2}/expected-approval-date");
    w.producer
        .call(
            Method::PUT,
            &path,
            Some(json!({"expected_approval_date": "2099-01-31"})),
        )
        .await
        .expect_status(StatusCode::OK);
    w.producer
        .call(
            Method::PUT,
            &path,
            Some(json!({"expected_approval_date": "2099-02-28"})),
        )
        .await
        .expect_status(StatusCode::OK);
    w.consumer
        .call(
            Method::PUT,
            &path,
            Some(json!({"expected_approval_date": "2099-02-28"})),
        )
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_PRODUCER");
    assert_eq!(
        w.consumer.get(&format!("/purposes/{p2}")).await.body["versions"][0]["expected_approval_date"],
        "2099-02-28"
    );
    let r = w
        .producer
        .act(&format!("/purposes/{p2}/versions/{v2}/approve"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body["versions"][0]["state"], "ACTIVE");

    // Remaining calls: 100 - 101 → 0 per consumer, 150 - 101 = 49 total.
    let rem = w
        .consumer
        .get(&format!("/purposes/{p1}/remaining-daily-calls"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        (
            rem.body["remaining_per_consumer"].clone(),
            rem.body["remaining_total"].clone()
        ),
        (json!(0), json!(49))
    );

    // Suspending frees load: a new estimate for p1 (60 → 59) now fits once p2 is suspended.
    w.consumer
        .act(&format!("/purposes/{p2}/versions/{v2}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    let r = w
        .consumer
        .post(
            &format!("/purposes/{p1}/versions"),
            json!({"daily_calls": 100}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let states: Vec<&str> = r.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["ARCHIVED", "ACTIVE"]);

    // Reactivating p2 (41 more) no longer fits: it goes back to the producer.
    let r = w
        .consumer
        .act(&format!("/purposes/{p2}/versions/{v2}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body["versions"][0]["state"], "WAITING_FOR_APPROVAL");

    // Archive frees load; drafts only can be deleted.
    let current = r.body["versions"][0]["id"].as_str().unwrap().to_owned();
    w.consumer
        .act(&format!("/purposes/{p2}/versions/{current}/archive"))
        .await
        .expect_status(StatusCode::OK);
    w.consumer
        .delete(&format!("/purposes/{p1}"))
        .await
        .expect_problem(StatusCode::CONFLICT, "PURPOSE_STATE_CONFLICT");
    let (p3, _) = purpose(&w, 1).await;
    w.consumer
        .delete(&format!("/purposes/{p3}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    w.consumer.post("/purposes", json!({"eservice_id": w.eservice, "title": "Invio avvisi", "description": "Avvisi di pagamento", "risk_analysis": {}, "daily_calls": 1})).await.expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
}

/// Seed: "Operatività e sospensioni" — "Questa finalità può accedere all'e-service?".
#[tokio::test]
async fn operativity_names_the_blocking_point_and_who() {
    let w = world(100, 100).await;
    let (p, v) = purpose(&w, 10).await;
    let op = format!("/purposes/{p}/operativity");
    let r = w.consumer.get(&op).await;
    assert_eq!(r.body["operative"], false);
    assert_eq!(r.body["blockers"][0]["point"], "PURPOSE");
    w.consumer
        .act(&format!("/purposes/{p}/versions/{v}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        w.consumer.get(&op).await.body,
        json!({"purpose_id": p, "operative": true, "blockers": []})
    );

    // 1. The producer suspends the version.
    let d = format!("/eservices/{}/descriptors/{}", w.eservice, w.descriptor);
    w.producer
        .act(&format!("{d}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    let r = w.consumer.get(&op).await;
    assert_eq!(
        r.body["blockers"],
        json!([{"point": "DESCRIPTOR", "descriptor_id": w.descriptor, "state": "SUSPENDED"}])
    );
    w.producer
        .act(&format!("{d}/activate"))
        .await
        .expect_status(StatusCode::OK);

    // 2. Both sides suspend the agreement; each lifts only its own flag.
    let a = format!("/agreements/{}", w.agreement);
    w.producer
        .act(&format!("{a}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    w.consumer
        .act(&format!("{a}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    let r = w.producer.get(&op).await;
    assert_eq!(r.body["blockers"][0]["point"], "AGREEMENT");
    assert_eq!(
        r.body["blockers"][0]["suspended_by"],
        json!(["CONSUMER", "PRODUCER"])
    );
    w.consumer
        .act(&format!("{a}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        w.consumer.get(&op).await.body["blockers"][0]["suspended_by"],
        json!(["PRODUCER"])
    );
    w.consumer
        .act(&format!("{a}/activate"))
        .await
        .expect_problem(StatusCode::CONFLICT, "AGREEMENT_STATE_CONFLICT");
    w.producer
        .act(&format!("{a}/activate"))
        .await
        .expect_status(StatusCode::OK);

    // 3. The purpose suspended by the producer.
    w.producer
        .act(&format!("/purposes/{p}/versions/{v}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    let r = w.consumer.get(&op).await;
    assert_eq!(
        r.body["blockers"],
        json!([{"point": "PURPOSE", "state": "SUSPENDED", "suspended_by": ["PRODUCER"]}])
    );
    w.consumer
        .act(&format!("/purposes/{p}/versions/{v}/activate"))
        .await
        .expect_problem(StatusCode::CONFLICT, "PURPOSE_STATE_CONFLICT");
    w.producer
        .act(&format!("/purposes/{p}/versions/{v}/activate"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(w.consumer.get(&op).await.body["operative"], true);

    // A third tenant cannot even see the purpose.
    let stranger = w.engine.tenant("Altro Ente").await;
    stranger
        .get(&op)
        .await
        .expect_problem(StatusCode::NOT_FOUND, "PURPOSE_NOT_FOUND");
}

/// Seed: "Aggiornare una richiesta di fruizione", "Archiviare una versione di e-service".
#[tokio::test]
async fn upgrade_moves_purposes_to_the_new_version_and_frees_the_old_one() {
    let w = world(10, 10).await;
    let (p, v) = purpose(&w, 10).await;
    w.consumer
        .act(&format!("/purposes/{p}/versions/{v}/activate"))
        .await
        .expect_status(StatusCode::OK);
    w.consumer
        .act(&format!("/agreements/{}/upgrade", w.agreement))
        .await
        .expect_problem(StatusCode::CONFLICT, "NO_NEWER_DESCRIPTOR");

    let v2 = w
        .producer
        .post(
            &format!("/eservices/{}/descriptors", w.eservice),
            complete_descriptor(50, 50, "AUTOMATIC"),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    w.producer
        .act(&format!(
            "/eservices/{}/descriptors/{v2}/publish",
            w.eservice
        ))
        .await
        .expect_status(StatusCode::OK);
    // Still on v1 (deprecated versions keep working): 10 + 20 > 10 waits.
    assert_eq!(
        w.consumer
            .post(
                &format!("/purposes/{p}/versions"),
                json!({"daily_calls": 20})
            )
            .await
            .body["versions"][1]["state"],
        "WAITING_FOR_APPROVAL"
    );
    w.producer
        .act(&format!(
            "/eservices/{}/descriptors/{}/archive",
            w.eservice, w.descriptor
        ))
        .await
        .expect_problem(StatusCode::CONFLICT, "DESCRIPTOR_HAS_AGREEMENTS");

    let new = w
        .consumer
        .act(&format!("/agreements/{}/upgrade", w.agreement))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(new.body["descriptor_id"], v2);
    assert_eq!(new.body["state"], "ACTIVE");
    assert_eq!(
        w.consumer
            .get(&format!("/agreements/{}", w.agreement))
            .await
            .body["state"],
        "ARCHIVED"
    );
    assert_eq!(
        w.consumer
            .get(&format!("/purposes/{p}/operativity"))
            .await
            .body["operative"],
        true
    );
    let rem = w
        .consumer
        .get(&format!("/purposes/{p}/remaining-daily-calls"))
        .await;
    assert_eq!(rem.body["daily_calls_per_consumer"], 50);
    w.producer
        .act(&format!(
            "/eservices/{}/descriptors/{}/archive",
            w.eservice, w.descriptor
        ))
        .await
        .expect_status(StatusCode::OK);
}

/// Seed: "Client", "Gestire gli operatori di un client", "Caricare una chiave pubblica",
/// "Eliminare un client", "Operatori di sicurezza".
#[tokio::test]
async fn clients_keys_and_security_operators() {
    let w = world(100, 100).await;
    let (p, _) = purpose(&w, 10).await;
    let alice = add_user(&w.engine, &w.consumer, &["security"]).await;
    let bob = add_user(&w.engine, &w.consumer, &["security"]).await;
    let api_op = add_user(&w.engine, &w.consumer, &["api"]).await;

    let c = w
        .consumer
        .post(
            "/clients",
            json!({"name": "Gateway", "kind": "CONSUMER", "members": [alice.id]}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let other = w
        .consumer
        .post(
            "/clients",
            json!({"name": "Altro client", "kind": "CONSUMER", "members": [bob.id]}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    let m2m = w
        .consumer
        .post("/clients", json!({"name": "M2M", "kind": "API"}))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    w.consumer
        .post(
            "/clients",
            json!({"name": "Bad", "kind": "CONSUMER", "members": [api_op.id]}),
        )
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "USER_ROLE_MISMATCH");

    // A security operator sees only the clients they belong to.
    let listed: Vec<String> = alice
        .get("/clients")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, std::slice::from_ref(&c));
    alice
        .get(&format!("/clients/{other}"))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "CLIENT_NOT_FOUND");
    assert_eq!(
        w.consumer
            .get("/clients")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Keys: members only; validated; kid unique platform-wide.
    let pem = fixture("keys/client-a.pub.pem");
    bob.post(
        &format!("/clients/{c}/keys"),
        json!({"name": "k", "key": pem}),
    )
    .await
    .expect_problem(StatusCode::NOT_FOUND, "CLIENT_NOT_FOUND");
    w.consumer
        .post(
            &format!("/clients/{c}/keys"),
            json!({"name": "k", "key": pem}),
        )
        .await
        .expect_problem(StatusCode::FORBIDDEN, "NOT_CLIENT_MEMBER");
    alice
        .post(
            &format!("/clients/{c}/keys"),
            json!({"name": "k", "key": fixture("keys/client-a.key.pem")}),
        )
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "KEY_IS_PRIVATE");
    alice
        .post(
            &format!("/clients/{c}/keys"),
            json!({"name": "k", "key": fixture("keys/client-a.cert.pem")}),
        )
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "KEY_IS_CERTIFICATE");
    alice
        .post(
            &format!("/clients/{c}/keys"),
            json!({"name": "k", "key": fixture("keys/short-1024.pub.pem")}),
        )
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "KEY_TOO_SHORT");
    alice
        .post(
            &format!("/clients/{c}/keys"),
            json!({"name": "k", "key": fixture("keys/ec-p256.pub.pem")}),
        )
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "KEY_NOT_RSA");
    let k = alice
        .post(
            &format!("/clients/{c}/keys"),
            json!({"name": "gateway key", "key": pem}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let kid = k.str("/kid");
    assert_eq!(kid.len(), 43);
    bob.post(
        &format!("/clients/{other}/keys"),
        json!({"name": "same", "key": fixture("keys/client-a.pkcs1.pub.pem")}),
    )
    .await
    .expect_problem(StatusCode::CONFLICT, "KEY_ALREADY_EXISTS");

    // API clients are for the M2M API only.
    w.consumer
        .post(
            &format!("/clients/{m2m}/purposes"),
            json!({"purpose_id": p}),
        )
        .await
        .expect_problem(StatusCode::CONFLICT, "CLIENT_KIND_MISMATCH");
    w.consumer
        .post(&format!("/clients/{c}/purposes"), json!({"purpose_id": p}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        w.consumer.get(&format!("/purposes/{p}")).await.body["clients"],
        json!([c])
    );
    alice
        .post(&format!("/clients/{c}/purposes"), json!({"purpose_id": p}))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "ROLE_REQUIRED");

    // Removing alice from the client keeps her key; she no longer sees the client.
    w.consumer
        .delete(&format!("/clients/{c}/members/{}", alice.id))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    alice
        .get(&format!("/clients/{c}"))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "CLIENT_NOT_FOUND");
    assert_eq!(
        w.consumer.get(&format!("/clients/{c}/keys")).await.body[0]["kid"],
        kid
    );

    // Detaching from the purpose, then deleting the client removes its keys (the kid is free again).
    w.consumer
        .delete(&format!("/clients/{c}/purposes/{p}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    w.consumer
        .delete(&format!("/clients/{c}/purposes/{p}"))
        .await
        .expect_problem(StatusCode::CONFLICT, "CLIENT_NOT_ON_PURPOSE");
    w.consumer
        .delete(&format!("/clients/{c}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    bob.post(
        &format!("/clients/{other}/keys"),
        json!({"name": "same", "key": pem}),
    )
    .await
    .expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn state_survives_a_restart_of_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::spawn_at(dir.path().to_path_buf()).await;
    let admin = engine.tenant("Comune di Esempio").await;
    let c = admin
        .post("/clients", json!({"name": "Gateway", "kind": "CONSUMER"}))
        .await
        .expect_status(StatusCode::CREATED)
        .str("/id");
    drop(engine);
    let engine = Engine::spawn_at(dir.path().to_path_buf()).await;
    let admin = engine.user(admin.id, admin.tenant, &[Role::Admin]);
    assert_eq!(
        admin
            .get(&format!("/clients/{c}"))
            .await
            .expect_status(StatusCode::OK)
            .body["name"],
        "Gateway"
    );
}

/// Two engines on one database (two instances): concurrent commands on the same aggregate cannot
/// both win.
#[tokio::test]
async fn two_instances_cannot_both_win_a_race() {
    let dir = tempfile::tempdir().unwrap();
    let a = Engine::spawn_at(dir.path().to_path_buf()).await;
    let b = Engine::spawn_at(dir.path().to_path_buf()).await;
    let producer = a.tenant("PagoPA").await;
    let consumer = a.tenant("Comune di Esempio").await;
    let (eid, _) = published_eservice(&producer, "Messaggi remoti", 10, 10, "AUTOMATIC").await;
    let on_b = b.user(consumer.id, consumer.tenant, &[Role::Admin]);
    for _ in 0..5 {
        let body = json!({"eservice_id": eid});
        let (r1, r2) = tokio::join!(
            consumer.post("/agreements", body.clone()),
            on_b.post("/agreements", body)
        );
        let created = [&r1, &r2]
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "{} / {}", r1.body, r2.body);
        let loser = if r1.status == StatusCode::CREATED {
            &r2
        } else {
            &r1
        };
        assert_eq!(
            loser.body["code"], "AGREEMENT_ALREADY_EXISTS",
            "{}",
            loser.body
        );
        let winner = if r1.status == StatusCode::CREATED {
            &r1
        } else {
            &r2
        };
        consumer
            .delete(&format!("/agreements/{}", winner.str("/id")))
            .await
            .expect_status(StatusCode::NO_CONTENT);
    }
}

/// Who operates the platform is the engine's configuration, never a token's claim: a tenant's
/// admin, a suspended user or an unknown subject claiming `platform` are refused; the configured
/// operator is the platform.
#[tokio::test]
async fn the_platform_role_is_never_taken_from_a_token_claim() {
    let engine = Engine::spawn().await;
    let admin = engine.tenant("Comune di Esempio").await;
    let body = json!({"kind": "CERTIFIED", "name": "Attributo rubato", "description": "Creato da chi non è la piattaforma"});
    for (who, user) in [
        (
            "the tenant's admin",
            engine.user(admin.id, admin.tenant, &[Role::Platform]),
        ),
        (
            "a subject the engine does not know",
            engine.user(UserId::random(), None, &[Role::Platform]),
        ),
        (
            "the operator, with a tenant",
            engine.user(e2e::PLATFORM_OPERATOR, admin.tenant, &[Role::Platform]),
        ),
    ] {
        let r = user.post("/attributes", body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert_eq!(r.body["code"], "ROLE_REQUIRED", "{who}: {}", r.body);
    }
    let suspended = add_user(&engine, &admin, &["api"]).await;
    admin
        .act(&format!(
            "/tenants/{}/users/{}/suspend",
            admin.tenant_id(),
            suspended.id
        ))
        .await
        .expect_status(StatusCode::OK);
    engine
        .user(suspended.id, suspended.tenant, &[Role::Platform])
        .post("/attributes", body.clone())
        .await
        .expect_problem(StatusCode::FORBIDDEN, "ROLE_REQUIRED");
    engine
        .platform()
        .post("/attributes", body)
        .await
        .expect_status(StatusCode::CREATED);
}

/// A body past the limit is a documented 413 with its own code, on every kind of body.
#[tokio::test]
async fn oversized_bodies_are_413_payload_too_large() {
    let engine = Engine::spawn().await;
    let admin = engine.tenant("Comune di Esempio").await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    for path in [
        "/tenants".to_owned(),
        "/eservices".to_owned(),
        format!("/eservices/{}/descriptors", uuid::Uuid::new_v4()),
    ] {
        let r = e2e::reply(
            engine
                .http
                .post(format!("{}{path}", engine.base))
                .bearer_auth(&admin.token)
                .header("content-type", "application/json")
                .body(huge.clone())
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    }
    let r = e2e::reply(
        engine
            .http
            .post(format!("{}/tenants", engine.base))
            .bearer_auth(&admin.token)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
}

/// The console's "Client" list: a tenant's clients filtered by kind, newest first, paged, with
/// the number of matches; a security operator sees only the clients they are a member of, and
/// another tenant sees none.
#[tokio::test]
async fn clients_are_listed_by_kind_and_paged() {
    let w = world(1_000, 10_000).await;
    let e = &w.engine;
    let security = add_user(e, &w.consumer, &["security"]).await;
    let mut made = Vec::new();
    for (name, kind, members) in [
        ("Client uno", "CONSUMER", json!([])),
        ("Client API", "API", json!([])),
        ("Client due", "CONSUMER", json!([security.id])),
    ] {
        let c = w
            .consumer
            .post(
                "/clients",
                json!({"name": name, "kind": kind, "members": members}),
            )
            .await
            .expect_status(StatusCode::CREATED);
        made.push(c.str("/id"));
        // Distinct creation instants keep "newest first" unambiguous.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (one, api, two) = (made[0].clone(), made[1].clone(), made[2].clone());
    assert_eq!(
        listed(e, &w.consumer, "/clients").await,
        Ok((vec![two.clone(), api.clone(), one.clone()], 3))
    );
    assert_eq!(
        listed(e, &w.consumer, "/clients?kind=CONSUMER").await,
        Ok((vec![two.clone(), one.clone()], 2))
    );
    assert_eq!(
        listed(e, &w.consumer, "/clients?kind=API").await,
        Ok((vec![api], 1))
    );
    assert_eq!(
        listed(e, &w.consumer, "/clients?offset=1&limit=1").await,
        Ok((vec![made[1].clone()], 3))
    );
    assert_eq!(listed(e, &security, "/clients").await, Ok((vec![two], 1)));
    let stranger = e.tenant("Provincia").await;
    assert_eq!(listed(e, &stranger, "/clients").await, Ok((vec![], 0)));
    for bad in [
        "/clients?limit=0",
        "/clients?limit=501",
        "/clients?kind=consumer",
        "/clients?offset=-1",
    ] {
        assert_eq!(
            listed(e, &w.consumer, bad).await,
            Err("INVALID_QUERY".to_owned()),
            "{bad}"
        );
    }
}
