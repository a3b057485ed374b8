//! The "Erogazione" pages against a stand-in engine: the requests' list asks the engine for one
//! page only (never every request: the list is meant for 100 000 of them) and names the page's
//! consumers and e-services with one call per distinct one; the section is refused to a security
//! operator, by URL too, and missing from its navigation.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use console::config::DevUser;
use console::{AppState, Config, router};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const PRODUCER: &str = "0190e8b0-0000-7000-8000-0000000000a1";

fn config(engine_url: &str) -> Config {
    let mut c = Config {
        engine_url: engine_url.into(),
        dev_sign_in: true,
        ..Config::default()
    };
    c.dev_identity.private_key_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/keys/identity.key.pem"
    )
    .into();
    let user = |name: &str, id: &str, role: &str| DevUser {
        name: name.into(),
        tenant_name: "PagoPA".into(),
        tenant_id: Some(PRODUCER.into()),
        user_id: id.into(),
        roles: vec![role.into()],
    };
    c.dev_users = vec![
        user(
            "Admin PagoPA",
            "0190e8b0-0000-7000-8000-0000000000b1",
            "admin",
        ),
        user(
            "Operatore di sicurezza PagoPA",
            "0190e8b0-0000-7000-8000-0000000000b2",
            "security",
        ),
    ];
    c
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// Signs in as development user `user` (by index): the session cookie.
async fn signed_in_as(app: &axum::Router, user: usize) -> String {
    let res = app
        .clone()
        .oneshot(Request::get("/accesso").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let page = String::from_utf8_lossy(&bytes);
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page[at..].split('"').next().unwrap();
    let res = app
        .clone()
        .oneshot(
            Request::post("/accesso/sviluppo")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("user={user}&csrf={csrf}")))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// What the stand-in engine was asked.
#[derive(Default)]
struct Calls {
    agreements: Vec<HashMap<String, String>>,
    tenants: Vec<String>,
    eservices: Vec<String>,
    /// The reason request `a1` was rejected with, once it was.
    rejected: Option<String>,
}

/// A producer with 100 000 requests from three consumers on two e-services: `GET /agreements`
/// answers the page asked for (and refuses a list without `limit`), `GET /tenants/{id}` and
/// `GET /eservices/{id}` name them; every call is recorded.
async fn stand_in() -> (String, Arc<Mutex<Calls>>) {
    use axum::Json;
    use axum::extract::{Path, Query, State};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use serde_json::json;
    type Seen = State<Arc<Mutex<Calls>>>;
    const TOTAL: u64 = 100_000;
    async fn agreements(
        State(calls): Seen,
        Query(q): Query<HashMap<String, String>>,
    ) -> axum::response::Response {
        calls.lock().unwrap().agreements.push(q.clone());
        let Some(limit) = q.get("limit").and_then(|l| l.parse::<u64>().ok()) else {
            return (StatusCode::BAD_REQUEST, "a list of 100 000 without a limit").into_response();
        };
        let offset: u64 = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        let items: Vec<_> = (offset..(offset + limit).min(TOTAL))
            .map(|i| {
                json!({"id": format!("a{i}"), "eservice_id": format!("e{}", i % 2),
                       "descriptor_id": "d1", "producer_id": PRODUCER,
                       "consumer_id": format!("c{}", i % 3), "state": "PENDING",
                       "suspended_by_consumer": false, "suspended_by_producer": false,
                       "created_at": "2026-12-07T10:00:00Z", "updated_at": "2026-12-07T10:00:00Z"})
            })
            .collect();
        ([("x-total-count", TOTAL.to_string())], Json(items)).into_response()
    }
    async fn tenant(State(calls): Seen, Path(id): Path<String>) -> Json<serde_json::Value> {
        calls.lock().unwrap().tenants.push(id.clone());
        Json(
            json!({"id": id, "name": format!("Ente {id}"), "certified": [], "declared": [], "verified": []}),
        )
    }
    async fn eservice(State(calls): Seen, Path(id): Path<String>) -> Json<serde_json::Value> {
        calls.lock().unwrap().eservices.push(id.clone());
        Json(
            json!({"id": id, "producer_id": PRODUCER, "name": format!("Servizio {id}"),
            "description": "Un servizio", "technology": "REST", "mode": "DELIVER",
            "descriptors": [{"id": "d1", "version": 3, "state": "PUBLISHED"}]}),
        )
    }
    fn one(calls: &Calls, id: &str) -> serde_json::Value {
        json!({"id": id, "eservice_id": "e0", "descriptor_id": "d1", "producer_id": PRODUCER,
               "consumer_id": "c0",
               "state": if calls.rejected.is_some() { "REJECTED" } else { "PENDING" },
               "rejection_reason": calls.rejected,
               "updated_at": "2026-12-07T10:00:00Z"})
    }
    async fn agreement(State(calls): Seen, Path(id): Path<String>) -> Json<serde_json::Value> {
        Json(one(&calls.lock().unwrap(), &id))
    }
    /// As the engine: a reason of 10 to 1000 characters, else VALIDATION_FAILED naming it.
    async fn reject(
        State(calls): Seen,
        Path(id): Path<String>,
        Json(b): Json<serde_json::Value>,
    ) -> axum::response::Response {
        let reason = b["reason"].as_str().unwrap_or_default().to_owned();
        if reason.trim().chars().count() < 10 {
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/problem+json")],
                Json(json!({"code": "VALIDATION_FAILED", "status": 400,
                            "detail": "reason must be 10..1000 characters", "fields": ["reason"]})),
            )
                .into_response();
        }
        let mut c = calls.lock().unwrap();
        c.rejected = Some(reason);
        Json(one(&c, &id)).into_response()
    }
    async fn attributes() -> Json<serde_json::Value> {
        Json(json!([]))
    }
    let calls = Arc::new(Mutex::new(Calls::default()));
    let app = axum::Router::new()
        .route("/agreements", get(agreements))
        .route("/agreements/{id}", get(agreement))
        .route("/agreements/{id}/reject", axum::routing::post(reject))
        .route("/attributes", get(attributes))
        .route("/tenants/{id}", get(tenant))
        .route("/eservices/{id}", get(eservice))
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, calls)
}

#[tokio::test]
async fn the_requests_list_asks_for_one_page_and_names_each_consumer_and_eservice_once() {
    let (engine, calls) = stand_in().await;
    let app = router(AppState::new(config(&engine)).unwrap());
    let cookie = signed_in_as(&app, 0).await;
    let (status, page) = send(
        &app,
        get("/erogazione/richieste?stato=PENDING&pagina=3", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    {
        let seen = calls.lock().unwrap();
        assert_eq!(seen.agreements.len(), 1);
        let q = &seen.agreements[0];
        for (k, v) in [
            ("side", "producer"),
            ("state", "PENDING"),
            ("offset", "40"),
            ("limit", "20"),
        ] {
            assert_eq!(q.get(k).map(String::as_str), Some(v), "{k} in {q:?}");
        }
        let mut tenants = seen.tenants.clone();
        tenants.sort();
        assert_eq!(
            tenants,
            ["c0", "c1", "c2"],
            "one call per distinct consumer"
        );
        let mut eservices = seen.eservices.clone();
        eservices.sort();
        assert_eq!(eservices, ["e0", "e1"], "one call per distinct e-service");
        assert_eq!(page.matches("<tr>").count(), 21, "a header and 20 rows");
        assert!(
            page.contains("Ente c1") && page.contains("Servizio e0, versione 3"),
            "{page}"
        );
        assert!(page.contains("Pagina 3 di 5000"), "{page}");
        assert!(
            page.contains("/erogazione/richieste?stato=PENDING&amp;pagina=4"),
            "the paging links keep the filter: {page}"
        );
        assert!(
            page.contains("href=\"/erogazione/richieste/a40\""),
            "{page}"
        );
    }
    // A state the console does not know is not passed on: every state, still one page.
    let (status, _) = send(&app, get("/erogazione/richieste?stato=NOPE", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let q = calls.lock().unwrap().agreements[1].clone();
    assert!(!q.contains_key("state"), "{q:?}");
    assert_eq!(q.get("limit").map(String::as_str), Some("20"));
}

#[tokio::test]
async fn a_security_operator_is_refused_the_section_and_does_not_see_it() {
    let (engine, calls) = stand_in().await;
    let app = router(AppState::new(config(&engine)).unwrap());
    let admin = signed_in_as(&app, 0).await;
    let (_, page) = send(&app, get("/anagrafica", &admin)).await;
    assert!(page.contains("href=\"/erogazione\""), "{page}");
    let security = signed_in_as(&app, 1).await;
    let (_, page) = send(&app, get("/anagrafica", &security)).await;
    assert!(!page.contains("href=\"/erogazione\""), "{page}");
    for path in [
        "/erogazione",
        "/erogazione/e-service",
        "/erogazione/e-service/nuovo",
        "/erogazione/e-service/e0/passo-2",
        "/erogazione/richieste",
        "/erogazione/richieste/a1",
        "/erogazione/finalita",
        "/erogazione/finalita/p1",
    ] {
        let (status, page) = send(&app, get(path, &security)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("ROLE_REQUIRED"), "{path}: {page}");
    }
    assert!(
        calls.lock().unwrap().agreements.is_empty(),
        "refused before asking the engine"
    );
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_keeps_what_was_typed_then_says_the_new_state() {
    let (engine, calls) = stand_in().await;
    let app = router(AppState::new(config(&engine)).unwrap());
    let cookie = signed_in_as(&app, 0).await;
    let (status, page) = send(&app, get("/erogazione/richieste/a1", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Richiesta di fruizione di Ente c0") && page.contains("In attesa"),
        "{page}"
    );
    assert!(page.contains("Approva la richiesta") && page.contains("Rifiuta la richiesta"));
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page[at..].split('"').next().unwrap().to_owned();

    // Too short: the engine's sentence next to the reason, the text kept.
    let (status, page) = send(
        &app,
        post(
            "/erogazione/richieste/a1/rifiuta",
            &cookie,
            &format!("csrf={csrf}&reason=%3Cbreve%3E"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("id=\"f-reason-err\"") && page.contains("reason must be 10..1000"),
        "{page}"
    );
    assert!(page.contains("&lt;breve&gt;</textarea>"), "{page}");
    assert!(calls.lock().unwrap().rejected.is_none());

    // A reason: rejected; the next page says so and shows the reason.
    let res = app
        .clone()
        .oneshot(post(
            "/erogazione/richieste/a1/rifiuta",
            &cookie,
            &format!("csrf={csrf}&reason=Documentazione+non+sufficiente"),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/erogazione/richieste/a1");
    let (_, page) = send(&app, get("/erogazione/richieste/a1", &cookie)).await;
    assert!(
        page.contains("La richiesta è rifiutata: il fruitore legge il motivo"),
        "{page}"
    );
    assert!(page.contains("Documentazione non sufficiente"), "{page}");
    assert!(
        !page.contains("Approva la richiesta"),
        "no action left: {page}"
    );

    // Without its CSRF token the form is refused before the engine is asked.
    let (status, _) = send(
        &app,
        post("/erogazione/richieste/a1/approva", &cookie, "csrf=nope"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
