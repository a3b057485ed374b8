//! The console's router without an engine: headers, sessions, CSRF, development sign-in.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use console::config::DevUser;
use console::{AppState, CSP, Config, router};
use tower::ServiceExt;

fn config(dev: bool) -> Config {
    let mut c = Config {
        // Nothing listens there: the catalogue tells the engine is unreachable.
        engine_url: "http://127.0.0.1:9".into(),
        dev_sign_in: dev,
        ..Config::default()
    };
    c.dev_identity.private_key_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/keys/identity.key.pem"
    )
    .into();
    c.dev_users = vec![DevUser {
        name: "Admin Comune di Esempio".into(),
        tenant_name: "Comune di Esempio".into(),
        tenant_id: Some(COMUNE.into()),
        user_id: ADMIN.into(),
        roles: vec!["admin".into()],
    }];
    // Index 1: an operator of another tenant, whom the stand-in engine refuses the users list.
    c.dev_users.push(DevUser {
        name: "Operatore API Provincia".into(),
        tenant_name: "Provincia".into(),
        tenant_id: Some(PROVINCIA.into()),
        user_id: "0190e8b0-0000-7000-8000-000000000004".into(),
        roles: vec!["api".into()],
    });
    // Index 2: the platform operator, who has no tenant.
    c.dev_users.push(DevUser {
        name: "Operatore della piattaforma".into(),
        tenant_name: String::new(),
        tenant_id: None,
        user_id: "0190e8b0-0000-7000-8000-000000000005".into(),
        roles: vec!["platform".into()],
    });
    c
}

const COMUNE: &str = "0190e8b0-0000-7000-8000-000000000001";
const PROVINCIA: &str = "0190e8b0-0000-7000-8000-000000000003";
const ADMIN: &str = "0190e8b0-0000-7000-8000-000000000002";
const MALLORY: &str = "0190e8b0-0000-7000-8000-0000000000b2";
const VERIFIER: &str = "0190e8b0-0000-7000-8000-0000000000f1";

async fn send(
    app: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

fn session_cookie(h: &axum::http::HeaderMap) -> String {
    let v = h
        .get(header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    assert!(v.contains("HttpOnly") && v.contains("SameSite=Lax"), "{v}");
    v.split(';').next().unwrap().to_owned()
}

fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn signing_in_by_development_identity_then_out_with_csrf_on_every_form() {
    let app = router(AppState::new(config(true)).unwrap());
    let (status, h, _) = send(&app, get("/catalogo", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/accesso");
    assert_eq!(h.get("content-security-policy").unwrap(), CSP);
    assert!(!CSP.contains("unsafe-inline"), "{CSP}");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");

    let (status, h, page) = send(&app, get("/accesso", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Accedi come Admin Comune di Esempio"),
        "{page}"
    );
    assert!(page.contains("href=\"#contenuto\"") && page.contains("<main id=\"contenuto\""));
    assert!(
        !page.contains("<script") && !page.contains("style="),
        "no inline script or style"
    );
    let cookie = session_cookie(&h);
    let token = csrf(&page);

    // Without the token, or with another, the POST is refused with a page saying why.
    let (status, _, refused) = send(&app, post("/accesso/sviluppo", &cookie, "user=0")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("CSRF_TOKEN_INVALID"), "{refused}");
    let (status, _, _) = send(&app, post("/accesso/sviluppo", &cookie, "user=0&csrf=nope")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, h, _) = send(
        &app,
        post(
            "/accesso/sviluppo",
            &cookie,
            &format!("user=0&csrf={token}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/catalogo");
    let signed = session_cookie(&h);
    assert_ne!(signed, cookie, "a new session id on sign-in");
    // The anonymous session is gone.
    let (status, _, _) = send(&app, get("/catalogo", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Signed in: the engine is unreachable here, and the page says so with the code.
    let (status, _, page) = send(&app, get("/catalogo", Some(&signed))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(page.contains("Admin Comune di Esempio") && page.contains("Comune di Esempio"));
    assert!(
        page.contains("ENGINE_UNREACHABLE") && page.contains("non risponde"),
        "{page}"
    );

    let token = csrf(&page);
    let (status, _, _) = send(&app, post("/esci", &signed, "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, h, _) = send(&app, post("/esci", &signed, &format!("csrf={token}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        h.get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _, _) = send(&app, get("/catalogo", Some(&signed))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn without_dev_sign_in_the_route_does_not_exist() {
    let app = router(AppState::new(config(false)).unwrap());
    let (_, h, page) = send(&app, get("/accesso", None)).await;
    assert!(!page.contains("/accesso/sviluppo"));
    let cookie = session_cookie(&h);
    let (status, _, _) = send(&app, post("/accesso/sviluppo", &cookie, "user=0&csrf=x")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_stylesheet_is_served_from_the_binary() {
    let app = router(AppState::new(config(false)).unwrap());
    let (status, h, css) = send(&app, get("/static/console.css", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        h.get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.contains(":focus"));
}

/// A stand-in for the engine's public API: a catalogue of 45 e-services (one with attribute
/// groups, "Anagrafe", and "Servizio 01" to "Servizio 44") searched and paged as the engine does,
/// and the engine's problem documents for anything else. It checks the console sends the user's token.
async fn fake_engine() -> String {
    use axum::Json;
    use axum::extract::{Path, Query};
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    use serde_json::{Value, json};
    use std::collections::HashMap;
    const ES: &str = "0190e8b0-0000-7000-8000-0000000000e5";
    const D: &str = "0190e8b0-0000-7000-8000-0000000000d1";
    const A: &str = "0190e8b0-0000-7000-8000-0000000000a1";
    const B: &str = "0190e8b0-0000-7000-8000-0000000000a2";
    fn authorized(h: &HeaderMap) -> bool {
        h.get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer ey"))
    }
    fn problem_at(status: u16, code: &str, field: &str) -> axum::response::Response {
        (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            json!({"type": "x", "title": "x", "status": status, "code": code, "detail": "from the engine", "fields": [field]}).to_string(),
        )
            .into_response()
    }
    fn problem(status: u16, code: &str) -> axum::response::Response {
        (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            json!({"type": "x", "title": "x", "status": status, "code": code, "detail": "from the engine"}).to_string(),
        )
            .into_response()
    }
    let descriptor = json!({"id": D, "version": 2, "state": "PUBLISHED", "suspended_from": null,
        "description": "Seconda versione", "audience": ["aud-x"], "voucher_lifespan": 600,
        "daily_calls_per_consumer": 1000, "daily_calls_total": 50000,
        "agreement_approval_policy": "MANUAL", "server_urls": ["https://api.example.it/v2"],
        "created_at": "2026-01-01T00:00:00Z", "published_at": "2026-01-02T00:00:00Z"});
    let eservice = json!({"id": ES, "producer_id": "0190e8b0-0000-7000-8000-000000000001",
        "name": "Anagrafe", "description": "Dati anagrafici dei residenti", "technology": "REST",
        "mode": "DELIVER", "attributes": {"certified": [[{"id": A}, {"id": B, "explicit_verification": true}]],
        "declared": [], "verified": []}, "descriptors": [descriptor.clone()],
        "created_at": "2026-01-01T00:00:00Z"});
    let (e1, e2, d1) = (eservice.clone(), eservice, descriptor);
    const C: &str = "0190e8b0-0000-7000-8000-0000000000a3";
    const DD: &str = "0190e8b0-0000-7000-8000-0000000000a4";
    let app = axum::Router::new()
        // The Comune has attributes of each kind (one verified by a producer the engine names);
        // the Provincia none. Only the Comune's admin may list its users.
        .route(
            "/tenants/{id}/attributes",
            axum::routing::get(move |h: HeaderMap, Path(id): Path<String>| async move {
                if !authorized(&h) {
                    return problem(401, "MISSING_TOKEN");
                }
                match id.as_str() {
                    COMUNE => Json(json!({"id": COMUNE, "name": "Comune di Esempio",
                        "certified": [A], "declared": [C],
                        "verified": [{"id": B, "verified_by": [VERIFIER, "0190e8b0-0000-7000-8000-0000000000f2"]}]}))
                    .into_response(),
                    PROVINCIA => Json(json!({"id": PROVINCIA, "name": "Provincia",
                        "certified": [], "declared": [], "verified": []}))
                    .into_response(),
                    _ => problem(404, "TENANT_NOT_FOUND"),
                }
            }),
        )
        .route(
            "/tenants/{id}/users",
            axum::routing::get(move |Path(id): Path<String>| async move {
                if id == COMUNE {
                    Json(json!([
                        {"id": ADMIN, "name": "Admin Comune di Esempio", "roles": ["admin"], "state": "ACTIVE", "created_at": "2026-01-01T00:00:00Z"},
                        {"id": MALLORY, "name": "<script>Mallory</script>", "roles": ["api", "security"], "state": "SUSPENDED", "created_at": "2026-01-01T00:00:00Z"}
                    ]))
                    .into_response()
                } else {
                    problem(403, "ROLE_REQUIRED")
                }
            })
            // The engine's rules for a new user: a UUID id (else the body is unreadable), a
            // name, at least one role; an existing id is refused.
            .post(|Json(b): Json<Value>| async move {
                let id = b["id"].as_str().unwrap_or_default();
                if id.len() != 36 {
                    return problem(400, "INVALID_BODY");
                }
                if id == MALLORY {
                    return problem_at(409, "USER_ALREADY_EXISTS", "id");
                }
                if b["name"].as_str().unwrap_or_default().trim().is_empty() {
                    return problem_at(400, "VALIDATION_FAILED", "name");
                }
                if b["roles"].as_array().is_none_or(Vec::is_empty) {
                    return problem_at(400, "USER_ROLE_MISMATCH", "roles");
                }
                (StatusCode::CREATED, Json(json!({"id": id, "name": b["name"], "roles": b["roles"],
                    "state": "ACTIVE", "created_at": "2026-01-01T00:00:00Z"}))).into_response()
            }),
        )
        .route(
            "/tenants/{id}/users/{user}/{action}",
            axum::routing::post(|Path((_, user, action)): Path<(String, String, String)>| async move {
                if user == ADMIN {
                    return problem(400, "USER_ROLE_MISMATCH");
                }
                let state = if action == "suspend" { "SUSPENDED" } else { "ACTIVE" };
                Json(json!({"id": user, "name": "<script>Mallory</script>", "roles": ["api"],
                    "state": state, "created_at": "2026-01-01T00:00:00Z"})).into_response()
            }),
        )
        .route(
            "/tenants/{id}/users/{user}",
            axum::routing::delete(|Path((_, user)): Path<(String, String)>| async move {
                if user == MALLORY { StatusCode::NO_CONTENT.into_response() } else { problem(404, "USER_NOT_FOUND") }
            }),
        )
        // Declaring: the Comune declares C already; revoking what it does not declare is refused.
        .route(
            "/tenants/{id}/attributes/declared",
            axum::routing::post(|Json(b): Json<Value>| async move {
                match b["id"].as_str() {
                    Some(C) => problem(409, "ATTRIBUTE_ALREADY_ASSIGNED"),
                    Some(DD) => Json(json!({"id": COMUNE, "name": "Comune di Esempio",
                        "certified": [A], "declared": [C, DD], "verified": []})).into_response(),
                    _ => problem(404, "ATTRIBUTE_NOT_FOUND"),
                }
            }),
        )
        .route(
            "/tenants/{id}/attributes/declared/{attribute}",
            axum::routing::delete(|Path((_, a)): Path<(String, String)>| async move {
                if a == C { StatusCode::NO_CONTENT.into_response() } else { problem(409, "ATTRIBUTE_NOT_ASSIGNED") }
            }),
        )
        .route(
            "/attributes/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                match id.as_str() {
                    C => Json(json!({"id": C, "kind": "DECLARED", "name": "Servizi <online> & sportello"})).into_response(),
                    DD => Json(json!({"id": DD, "kind": "DECLARED", "name": "RPD nominato"})).into_response(),
                    _ => problem(404, "ATTRIBUTE_NOT_FOUND"),
                }
            }),
        )
        .route(
            "/tenants/{id}",
            axum::routing::get(move |Path(id): Path<String>| async move {
                if id == VERIFIER {
                    Json(json!({"id": VERIFIER, "name": "Agenzia <Verifiche> & Co"})).into_response()
                } else {
                    problem(404, "TENANT_NOT_FOUND")
                }
            }),
        )
        .route(
            "/eservices",
            axum::routing::get(move |h: HeaderMap, Query(p): Query<HashMap<String, String>>| async move {
                if !authorized(&h) {
                    return problem(401, "MISSING_TOKEN");
                }
                // The engine's rules: q trimmed, at most 200 characters, case-insensitive in
                // name or description; ordered by name; X-Total-Count before paging.
                let q = p.get("q").map_or("", |q| q.trim()).to_lowercase();
                if q.chars().count() > 200 {
                    return problem(400, "INVALID_QUERY");
                }
                if p.get("limit").map(String::as_str) != Some("20") {
                    return problem(400, "UNEXPECTED_PAGE_SIZE");
                }
                let offset: usize = p["offset"].parse().unwrap();
                let mut all = vec![e1.clone()];
                all.extend((1..=44).map(|n| {
                    json!({"id": format!("0190e8b0-0000-7000-8000-0000000001{n:02}"),
                        "producer_id": "0190e8b0-0000-7000-8000-000000000001",
                        "name": format!("Servizio {n:02}"), "description": format!("Il servizio numero {n}"),
                        "technology": "SOAP", "mode": "DELIVER", "descriptors": []})
                }));
                let found: Vec<Value> = all
                    .into_iter()
                    .filter(|e| {
                        e["name"].as_str().unwrap().to_lowercase().contains(&q)
                            || e["description"].as_str().unwrap().to_lowercase().contains(&q)
                    })
                    .collect();
                let total = found.len().to_string();
                let page: Vec<Value> = found.into_iter().skip(offset).take(20).collect();
                if q == "token scaduto" {
                    return problem(401, "INVALID_TOKEN");
                }
                if q == "senza totale" {
                    return Json(page).into_response();
                }
                ([("x-total-count", total)], Json(page)).into_response()
            }),
        )
        .route(
            "/eservices/{id}",
            axum::routing::get(move |h: HeaderMap, Path(id): Path<String>| async move {
                if !authorized(&h) {
                    return problem(401, "MISSING_TOKEN");
                }
                if id == ES {
                    Json(e2).into_response()
                } else {
                    problem(404, "ESERVICE_NOT_FOUND")
                }
            }),
        )
        .route(
            "/eservices/{id}/descriptors/{did}",
            axum::routing::get(move |Path((_, did)): Path<(String, String)>| async move {
                if did == D {
                    Json(d1).into_response()
                } else {
                    problem(404, "DESCRIPTOR_NOT_FOUND")
                }
            }),
        )
        .route(
            "/attributes",
            axum::routing::get(|| async {
                Json(json!([{"id": A, "kind": "CERTIFIED", "name": "Comune"},
                            {"id": B, "kind": "CERTIFIED", "name": "Città metropolitana"},
                            {"id": C, "kind": "DECLARED", "name": "Servizi <online> & sportello"},
                            {"id": DD, "kind": "DECLARED", "name": "RPD nominato"},
                            {"id": "0190e8b0-0000-7000-8000-0000000000a5", "kind": "VERIFIED", "name": "Misure minime"}]))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn signed_in(app: &axum::Router) -> String {
    signed_in_as(app, 0).await
}

async fn signed_in_as(app: &axum::Router, user: usize) -> String {
    let (_, h, page) = send(app, get("/accesso", None)).await;
    let cookie = session_cookie(&h);
    let form = format!("user={user}&csrf={}", csrf(&page));
    let (_, h, _) = send(app, post("/accesso/sviluppo", &cookie, &form)).await;
    session_cookie(&h)
}

#[tokio::test]
async fn the_catalogue_and_a_version_show_what_the_engine_answers_and_its_errors_as_sentences() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    let app = router(AppState::new(c).unwrap());
    let me = signed_in(&app).await;

    let (status, _, page) = send(&app, get("/catalogo", Some(&me))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Anagrafe") && page.contains("Versione 2 · Pubblicata"),
        "{page}"
    );

    let path = "/catalogo/0190e8b0-0000-7000-8000-0000000000e5/versioni/0190e8b0-0000-7000-8000-0000000000d1";
    let (status, _, page) = send(&app, get(path, Some(&me))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "Anagrafe — versione 2",
        "Seconda versione",
        "Comune <code>0190e8b0-0000-7000-8000-0000000000a1</code>",
        "Città metropolitana <code>0190e8b0-0000-7000-8000-0000000000a2</code> (verifica esplicita)",
        "1000",
        "50000",
        "Manuale",
        "https://api.example.it/v2",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }

    let (status, _, page) = send(
        &app,
        get("/catalogo/0190e8b0-0000-7000-8000-0000000000e5", Some(&me)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("02/01/2026 00:00 UTC"), "{page}");
    assert!(
        page.contains("<code>0190e8b0-0000-7000-8000-000000000001</code>"),
        "the producer's id when the engine does not name it: {page}"
    );

    let (status, _, page) = send(&app, get("/catalogo/nope%2F..", Some(&me))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains("E-service non trovato, o non visibile al tuo ente.")
            && page.contains("<code>ESERVICE_NOT_FOUND</code>"),
        "{page}"
    );
    let missing = "/catalogo/0190e8b0-0000-7000-8000-0000000000e5/versioni/x";
    let (status, _, page) = send(&app, get(missing, Some(&me))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("DESCRIPTOR_NOT_FOUND"), "{page}");
}

/// The catalogue's search form and paging: the console asks the engine for one page of 20 and
/// reads the number of matches from X-Total-Count.
#[tokio::test]
async fn the_catalogue_searches_and_pages_through_the_engine() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    let app = router(AppState::new(c).unwrap());
    let me = signed_in(&app).await;
    let page = |path: &'static str| {
        let app = app.clone();
        let me = me.clone();
        async move {
            let (status, _, page) = send(&app, get(path, Some(&me))).await;
            (status, page)
        }
    };

    let (status, first) = page("/catalogo").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    for part in [
        r#"<form class="search" method="get" action="/catalogo" role="search">"#,
        r#"<label for="q">Cerca per nome o descrizione</label>"#,
        r#"<input type="search" id="q" name="q" value="" maxlength="200">"#,
        "45 e-service visibili al tuo ente.",
        r#"<nav class="pages" aria-label="Pagine del catalogo">"#,
        "Pagina 1 di 3",
        r#"<a rel="next" href="/catalogo?pagina=2">Pagina successiva</a>"#,
        "Servizio 19",
    ] {
        assert!(first.contains(part), "{part} in {first}");
    }
    assert!(!first.contains("rel=\"prev\"") && !first.contains("Servizio 20"));

    let (_, second) = page("/catalogo?pagina=2").await;
    for part in [
        "Pagina 2 di 3",
        r#"<a rel="prev" href="/catalogo">Pagina precedente</a>"#,
        r#"<a rel="next" href="/catalogo?pagina=3">Pagina successiva</a>"#,
        "Servizio 20",
        "Servizio 39",
        "<title>Catalogo e-service, pagina 2 — Console Recapito</title>",
    ] {
        assert!(second.contains(part), "{part} in {second}");
    }
    assert!(!second.contains("Servizio 19") && !second.contains("Servizio 40"));
    let (_, last) = page("/catalogo?pagina=3").await;
    assert!(
        last.contains("Pagina 3 di 3") && last.contains("Servizio 44"),
        "{last}"
    );
    assert!(!last.contains("rel=\"next\""), "{last}");

    // A search is kept in the box and in the paging links.
    let (_, found) = page("/catalogo?q=+servizio+4+").await;
    for part in [
        r#"value="servizio 4""#,
        "5 e-service corrispondono alla ricerca «servizio 4».",
        "Servizio 40",
        "Servizio 44",
        "Pagina 1 di 1",
        r#"<a href="/catalogo">Mostra tutto il catalogo</a>"#,
    ] {
        assert!(found.contains(part), "{part} in {found}");
    }
    assert!(
        !found.contains("Anagrafe")
            && !found.contains("Servizio 04")
            && !found.contains("rel=\"next\""),
        "{found}"
    );
    let (_, found) = page("/catalogo?q=servizio&pagina=2").await;
    assert!(found.contains("Pagina 2 di 3"), "{found}");
    assert!(
        found.contains(r#"<a rel="prev" href="/catalogo?q=servizio">"#)
            && found.contains(r#"<a rel="next" href="/catalogo?q=servizio&amp;pagina=3">"#),
        "{found}"
    );
    // What the user typed is escaped in the page and encoded in the links.
    let (_, odd) = page("/catalogo?q=%3Cb%3E%26").await;
    assert!(odd.contains(r#"value="&lt;b&gt;&amp;""#), "{odd}");
    assert!(
        odd.contains("Nessun e-service corrisponde alla ricerca."),
        "{odd}"
    );
    assert!(
        !odd.contains("Pagina 1 di"),
        "no paging without results: {odd}"
    );

    // A page past the end, or a page number that is not one.
    let (status, past) = page("/catalogo?pagina=9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        past.contains("La pagina 9 non esiste")
            && past.contains(r#"href="/catalogo?pagina=3">Vai all'ultima pagina"#),
        "{past}"
    );
    let (_, odd) = page("/catalogo?pagina=zero").await;
    assert!(odd.contains("Pagina 1 di 3"), "{odd}");

    // The engine's refusal reads as a sentence; a page without the total is the engine's fault.
    let long: &'static str = Box::leak(format!("/catalogo?q={}", "x".repeat(201)).into_boxed_str());
    let (status, refused) = page(long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused.contains("I parametri della ricerca non sono validi.")
            && refused.contains("INVALID_QUERY"),
        "{refused}"
    );
    let (status, broken) = page("/catalogo?q=senza+totale").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(broken.contains("ENGINE_ANSWER"), "{broken}");
}

/// "Anagrafica": the tenant's attributes in three sections, named; an administrator declares
/// and revokes declared attributes, the others read.
#[tokio::test]
async fn anagrafica_shows_the_tenants_attributes_as_the_engine_answers() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    let app = router(AppState::new(c).unwrap());

    let admin = signed_in_as(&app, 0).await;
    let (status, _, page) = send(&app, get("/anagrafica", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "<title>Anagrafica — Console Recapito</title>",
        r#"<a href="/anagrafica" aria-current="page">Anagrafica</a>"#,
        r#"<a href="/utenti">Utenti</a>"#,
        r#"<a href="/catalogo">Catalogo e-service</a>"#,
        "<h2>Attributi certificati</h2>",
        "Assegnati dalla piattaforma",
        "Comune <code>0190e8b0-0000-7000-8000-0000000000a1</code>",
        "<h2>Attributi dichiarati</h2>",
        // Names are escaped.
        "Servizi &lt;online&gt; &amp; sportello <code>0190e8b0-0000-7000-8000-0000000000a3</code>",
        "<h2>Attributi verificati</h2>",
        "Città metropolitana <code>0190e8b0-0000-7000-8000-0000000000a2</code> — verificato da Agenzia &lt;Verifiche&gt; &amp; Co, <code>0190e8b0-0000-7000-8000-0000000000f2</code>",
        // The administrator's forms: revoke (confirmed), and declare one of the others.
        r#"action="/anagrafica/dichiarati/0190e8b0-0000-7000-8000-0000000000a3/revoca""#,
        "Confermo: revocare la dichiarazione di Servizi &lt;online&gt; &amp; sportello",
        r#"<select id="f-attributo" name="attributo" required><option value="0190e8b0-0000-7000-8000-0000000000a4">RPD nominato</option></select>"#,
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    assert!(!page.contains("<script>"), "{page}");
    assert!(!page.contains("Nessun attributo"), "{page}");
    // The catalogue's nav shows the entries too, not current there.
    let (_, _, cat) = send(&app, get("/catalogo", Some(&admin))).await;
    assert!(
        cat.contains(r#"<a href="/anagrafica">Anagrafica</a>"#),
        "{cat}"
    );

    // Declaring: the page after says what changed.
    let token = csrf(&page);
    let (status, h, _) = send(
        &app,
        post(
            "/anagrafica/dichiarati",
            &admin,
            &format!("csrf={token}&attributo=0190e8b0-0000-7000-8000-0000000000a4"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/anagrafica");
    let (_, _, after) = send(&app, get("/anagrafica", Some(&admin))).await;
    assert!(
        after.contains("Attributo «RPD nominato» dichiarato: ora è tra gli attributi dichiarati"),
        "{after}"
    );
    // The engine's refusal, next to the form.
    let (status, _, refused) = send(
        &app,
        post(
            "/anagrafica/dichiarati",
            &admin,
            &format!("csrf={token}&attributo=0190e8b0-0000-7000-8000-0000000000a3"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        refused.contains("L'ente possiede già questo attributo.")
            && refused.contains("ATTRIBUTE_ALREADY_ASSIGNED"),
        "{refused}"
    );
    // Revoking needs the box ticked; then it is done, and said.
    let revoke = "/anagrafica/dichiarati/0190e8b0-0000-7000-8000-0000000000a3/revoca";
    let (status, _, unconfirmed) = send(&app, post(revoke, &admin, &format!("csrf={token}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        unconfirmed.contains("CONFIRMATION_REQUIRED"),
        "{unconfirmed}"
    );
    let (status, _, _) = send(
        &app,
        post(revoke, &admin, &format!("csrf={token}&conferma=si")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, after) = send(&app, get("/anagrafica", Some(&admin))).await;
    assert!(
        after.contains(
            "Dichiarazione dell'attributo «Servizi &lt;online&gt; &amp; sportello» revocata"
        ),
        "{after}"
    );
    // In English.
    let (_, _, _) = send(
        &app,
        post(
            "/lingua",
            &admin,
            &format!("csrf={token}&lang=en&back=/anagrafica"),
        ),
    )
    .await;
    let (_, _, english) = send(&app, get("/anagrafica", Some(&admin))).await;
    for part in [
        r#"<html lang="en">"#,
        "<h2>Certified attributes</h2>",
        "Assigned by the platform",
        "<h2>Declared attributes</h2>",
        "<h2>Verified attributes</h2>",
        " — verified by ",
        "Revoke the declaration",
        r#"<a href="/utenti">Users</a>"#,
    ] {
        assert!(english.contains(part), "{part} in {english}");
    }

    // Another tenant's operator: empty sections, and no forms.
    let operator = signed_in_as(&app, 1).await;
    let (status, _, page) = send(&app, get("/anagrafica", Some(&operator))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "Nessun attributo certificato.",
        "Nessun attributo dichiarato.",
        "Nessun attributo verificato.",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    assert!(
        !page.contains("<select") && !page.contains("revoca"),
        "{page}"
    );

    // The platform operator has no tenant: no nav entry, and the page says there is none.
    let platform = signed_in_as(&app, 2).await;
    let (_, _, cat) = send(&app, get("/catalogo", Some(&platform))).await;
    assert!(
        !cat.contains("/anagrafica") && !cat.contains("/utenti"),
        "{cat}"
    );
    let (status, _, page) = send(&app, get("/anagrafica", Some(&platform))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("non appartiene a un ente"), "{page}");

    // Signed out: to the sign-in page.
    let (status, h, _) = send(&app, get("/anagrafica", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/accesso");
}

/// "Utenti": the tenant's users and roles; an administrator adds (the engine's refusals next to
/// the field they blame, what was typed kept), suspends, reactivates and removes (confirmed);
/// the engine's refusal of the list reads as its sentence.
#[tokio::test]
async fn utenti_lists_adds_suspends_and_removes_users_through_the_engine() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    let app = router(AppState::new(c).unwrap());
    let admin = signed_in_as(&app, 0).await;
    let (status, _, page) = send(&app, get("/utenti", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        r#"<a href="/utenti" aria-current="page">Utenti</a>"#,
        "<caption>Utenti dell'ente e loro ruoli</caption>",
        "Admin Comune di Esempio<br><span class=\"meta\"><code>0190e8b0-0000-7000-8000-000000000002</code></span> (tu)",
        "<td>Amministratore</td><td>Attivo</td>",
        "&lt;script&gt;Mallory&lt;/script&gt;",
        "<td>Operatore API, Operatore di sicurezza</td><td>Sospeso</td>",
        // The other user's actions; none on one's own row.
        r#"action="/utenti/0190e8b0-0000-7000-8000-0000000000b2/riattiva""#,
        r#"action="/utenti/0190e8b0-0000-7000-8000-0000000000b2/rimuovi""#,
        "Confermo: rimuovere &lt;script&gt;Mallory&lt;/script&gt;",
        // The add form: id, name, roles as checkboxes.
        r#"<input id="f-id" name="id" type="text" value="" required"#,
        r#"<input id="f-nome" name="nome" type="text" value="" required maxlength="100">"#,
        r#"<input type="checkbox" name="ruolo_security" value="si">"#,
        "Aggiungi utente",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        !page.contains("/utenti/0190e8b0-0000-7000-8000-000000000002/"),
        "{page}"
    );
    let token = csrf(&page);
    let add = |form: String| {
        let (app, admin) = (app.clone(), admin.clone());
        async move { send(&app, post("/utenti", &admin, &form)).await }
    };

    // A malformed id: the engine cannot read the body; shown next to the id, all kept.
    let (status, _, bad) = add(format!(
        "csrf={token}&id=non-un-uuid&nome=Maria+%3CRossi%3E&ruolo_api=si"
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for part in [
        r#"<p class="field-error" id="f-id-err">I dati inviati non sono nel formato atteso"#,
        r#"value="non-un-uuid""#,
        r#"value="Maria &lt;Rossi&gt;""#,
        r#"<input type="checkbox" name="ruolo_api" value="si" checked>"#,
    ] {
        assert!(bad.contains(part), "{part} in {bad}");
    }
    // No role: next to the roles.
    let id = "0190e8b0-0000-7000-8000-0000000000c1";
    let (status, _, bad) = add(format!("csrf={token}&id={id}&nome=Maria+Rossi")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        bad.contains(r#"<p class="field-error" id="f-ruoli-err">"#)
            && bad.contains("USER_ROLE_MISMATCH")
            && bad.contains(&format!(r#"value="{id}""#))
            && bad.contains(r#"value="Maria Rossi""#),
        "{bad}"
    );
    // An empty name: next to the name.
    let (status, _, bad) = add(format!("csrf={token}&id={id}&nome=+&ruolo_admin=si")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        bad.contains(r#"<p class="field-error" id="f-nome-err">Alcuni dati non sono validi."#)
            && bad.contains(r#"<input type="checkbox" name="ruolo_admin" value="si" checked>"#),
        "{bad}"
    );
    // An existing user: next to the id.
    let (status, _, bad) = add(format!(
        "csrf={token}&id=0190e8b0-0000-7000-8000-0000000000b2&nome=Altro&ruolo_api=si"
    ))
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        bad.contains(
            r#"<p class="field-error" id="f-id-err">Questo utente è già registrato presso l'ente"#
        ),
        "{bad}"
    );
    // Added: the list page says so.
    let (status, h, _) = add(format!(
        "csrf={token}&id={id}&nome=Maria+Rossi&ruolo_api=si&ruolo_security=si"
    ))
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/utenti");
    let (_, _, after) = send(&app, get("/utenti", Some(&admin))).await;
    assert!(
        after.contains("Utente «Maria Rossi» aggiunto, attivo, con i ruoli: Operatore API, Operatore di sicurezza."),
        "{after}"
    );

    // Suspend, reactivate, and the engine's refusal on oneself shown on the row.
    let mallory = "/utenti/0190e8b0-0000-7000-8000-0000000000b2";
    let (status, _, _) = send(
        &app,
        post(
            &format!("{mallory}/sospendi"),
            &admin,
            &format!("csrf={token}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, after) = send(&app, get("/utenti", Some(&admin))).await;
    assert!(after.contains("» sospeso: non può più operare"), "{after}");
    let (status, _, _) = send(
        &app,
        post(
            &format!("{mallory}/riattiva"),
            &admin,
            &format!("csrf={token}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, after) = send(&app, get("/utenti", Some(&admin))).await;
    assert!(after.contains("» riattivato"), "{after}");
    let (status, _, refused) = send(
        &app,
        post(
            &format!("/utenti/{ADMIN}/sospendi"),
            &admin,
            &format!("csrf={token}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("USER_ROLE_MISMATCH"), "{refused}");

    // Removing needs the box ticked.
    let (status, _, unconfirmed) = send(
        &app,
        post(
            &format!("{mallory}/rimuovi"),
            &admin,
            &format!("csrf={token}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        unconfirmed.contains("Conferma l'operazione spuntando la casella."),
        "{unconfirmed}"
    );
    let (status, _, _) = send(
        &app,
        post(
            &format!("{mallory}/rimuovi"),
            &admin,
            &format!("csrf={token}&conferma=si&nome=Mallory"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, after) = send(&app, get("/utenti", Some(&admin))).await;
    assert!(
        after.contains("Utente «Mallory» rimosso dall'ente"),
        "{after}"
    );

    // A user the engine refuses the list reads its sentence, and gets no forms.
    let operator = signed_in_as(&app, 1).await;
    let (status, _, page) = send(&app, get("/utenti", Some(&operator))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Il tuo ruolo non consente questa operazione")
            && page.contains("ROLE_REQUIRED"),
        "{page}"
    );
    assert!(!page.contains("Aggiungi utente"), "{page}");
    // The platform operator has no tenant: refused by URL.
    let platform = signed_in_as(&app, 2).await;
    let (status, _, _) = send(&app, get("/utenti", Some(&platform))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// An expired session is a signed-out one: its GET goes to the sign-in page, its POST is refused
/// (the CSRF token died with it); and the engine's INVALID_TOKEN (an expired identity token)
/// ends the session.
#[tokio::test]
async fn expired_sessions_and_expired_identity_tokens_sign_the_user_out() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    c.session_idle_secs = 1;
    let app = router(AppState::new(c).unwrap());
    let me = signed_in(&app).await;
    let (status, _, page) = send(&app, get("/catalogo", Some(&me))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = csrf(&page);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, h, _) = send(&app, get("/catalogo", Some(&me))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/accesso");
    let (status, _, refused) = send(&app, post("/esci", &me, &format!("csrf={token}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("CSRF_TOKEN_INVALID"), "{refused}");
    let (status, _, refused) = send(
        &app,
        post("/utenti", &me, &format!("csrf={token}&id=x&nome=y")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("CSRF_TOKEN_INVALID"), "{refused}");

    // The engine says the identity token expired: the page says so, and the session is over.
    let me = signed_in(&app).await;
    let (status, _, page) = send(&app, get("/catalogo?q=token+scaduto", Some(&me))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        page.contains("La sessione è scaduta o non è più valida: accedi di nuovo.")
            && page.contains("INVALID_TOKEN"),
        "{page}"
    );
    let (status, h, _) = send(&app, get("/catalogo", Some(&me))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/accesso");
}

/// The catalogue, an e-service and the page-not-found page in English once chosen.
#[tokio::test]
async fn the_catalogue_speaks_english_when_chosen() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    let app = router(AppState::new(c).unwrap());
    let me = signed_in(&app).await;
    let (_, _, page) = send(&app, get("/catalogo", Some(&me))).await;
    let token = csrf(&page);
    let (status, h, _) = send(
        &app,
        post(
            "/lingua",
            &me,
            &format!("csrf={token}&lang=en&back=/catalogo"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/catalogo");
    let (_, _, page) = send(&app, get("/catalogo?pagina=2", Some(&me))).await;
    for part in [
        r#"<html lang="en">"#,
        "<title>E-service catalogue, page 2 — Recapito console</title>",
        "<h1>E-service catalogue</h1>",
        "Search by name or description",
        "45 e-services visible to your organization.",
        r#"<nav class="pages" aria-label="Catalogue pages">"#,
        "Page 2 of 3",
        "Next page",
        "Previous page",
        // The language switch comes back to this very page; a client's own header is ignored.
        r#"<input type="hidden" name="back" value="/catalogo?pagina=2">"#,
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    let mut forged = get("/catalogo", Some(&me));
    forged
        .headers_mut()
        .insert("x-console-page", "//evil.example".parse().unwrap());
    let (_, _, page) = send(&app, forged).await;
    assert!(
        page.contains(r#"name="back" value="/catalogo">"#) && !page.contains("evil"),
        "{page}"
    );
    let (_, _, found) = send(&app, get("/catalogo?q=anagrafe", Some(&me))).await;
    assert!(
        found.contains("1 e-services match the search “anagrafe”.")
            && found.contains("Version 2 · Published"),
        "{found}"
    );
    let (_, _, e) = send(
        &app,
        get("/catalogo/0190e8b0-0000-7000-8000-0000000000e5", Some(&me)),
    )
    .await;
    for part in [
        "<caption>The e-service's versions</caption>",
        "Technology",
        "Producer",
        "Published on",
        "Version 2",
    ] {
        assert!(e.contains(part), "{part} in {e}");
    }
    let (status, _, missing) = send(&app, get("/nessuna-pagina", Some(&me))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        missing.contains("<h1>Page not found</h1>") && missing.contains("Back to the console"),
        "{missing}"
    );
    let (status, _, refused) = send(&app, get("/catalogo/nope", Some(&me))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        refused.contains("E-service not found, or not visible to your organization."),
        "{refused}"
    );
}

/// Every code of the engine's table (`interop::codes::Code`) reads as a sentence, in Italian and
/// in English, and so do the console's own codes: none missing, none twice, no sentence shared by
/// two codes (each tells what happened), none left untranslated; and every code the console
/// explains is the engine's or its own, so a renamed or removed code cannot leave a dead
/// sentence behind.
#[test]
fn every_engine_code_reads_as_its_own_sentence_in_both_languages() {
    use std::collections::HashSet;
    let engine: Vec<&str> = interop::codes::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let sentences = console::engine::SENTENCES;
    let mut codes = HashSet::new();
    let (mut italian, mut english) = (HashSet::new(), HashSet::new());
    for (code, it, en) in sentences {
        assert!(codes.insert(*code), "{code} is explained twice");
        assert!(
            !it.trim().is_empty() && !en.trim().is_empty(),
            "{code} in both languages"
        );
        assert_ne!(it, en, "{code}: the English sentence is a translation");
        assert!(
            italian.insert(*it),
            "{code}: its Italian sentence is another code's"
        );
        assert!(
            english.insert(*en),
            "{code}: its English sentence is another code's"
        );
        if console::engine::OWN_CODES.contains(code) {
            assert!(
                !engine.contains(code),
                "{code} is the engine's, not the console's"
            );
        } else {
            assert!(engine.contains(code), "{code} is not a code of the engine");
        }
    }
    for code in engine.iter().chain(console::engine::OWN_CODES) {
        assert!(codes.contains(code), "{code} has no sentence");
    }
    // A known code reads as its sentence in the session's language; an unknown one generically.
    let e = |code: &str| console::engine::EngineError {
        status: 409,
        code: code.into(),
        detail: String::new(),
        fields: Vec::new(),
    };
    use console::session::Lang;
    assert_eq!(
        e("AGREEMENT_ALREADY_EXISTS").sentence(Lang::En),
        "Your organization already has a live request (agreement) for this e-service."
    );
    assert!(
        e("AGREEMENT_ALREADY_EXISTS")
            .sentence(Lang::It)
            .contains("richiesta di fruizione")
    );
    assert_eq!(
        e("SOMETHING_NEW").sentence(Lang::It),
        "Il motore Interop ha rifiutato la richiesta."
    );
}
