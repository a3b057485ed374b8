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
        user_id: "0190e8b0-0000-7000-8000-000000000002".into(),
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
                        {"id": "u1", "name": "Admin Comune di Esempio", "roles": ["admin"], "state": "ACTIVE", "created_at": "2026-01-01T00:00:00Z"},
                        {"id": "u2", "name": "<script>Mallory</script>", "roles": ["api", "security"], "state": "SUSPENDED", "created_at": "2026-01-01T00:00:00Z"}
                    ]))
                    .into_response()
                } else {
                    problem(403, "ROLE_REQUIRED")
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
                            {"id": C, "kind": "DECLARED", "name": "Servizi <online> & sportello"}]))
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

/// "Anagrafica": the tenant's attributes in three sections, named; its users and roles when the
/// engine lets the user see them, else the engine's refusal as a sentence.
#[tokio::test]
async fn anagrafica_shows_the_tenants_attributes_and_users_as_the_engine_answers() {
    let mut c = config(true);
    c.engine_url = fake_engine().await;
    let app = router(AppState::new(c).unwrap());

    let admin = signed_in_as(&app, 0).await;
    let (status, _, page) = send(&app, get("/anagrafica", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "<title>Anagrafica — Console Recapito</title>",
        r#"<a href="/anagrafica" aria-current="page">Anagrafica</a>"#,
        r#"<a href="/catalogo">Catalogo e-service</a>"#,
        "<h2>Attributi certificati</h2>",
        "Comune <code>0190e8b0-0000-7000-8000-0000000000a1</code>",
        "<h2>Attributi dichiarati</h2>",
        // Names are escaped.
        "Servizi &lt;online&gt; &amp; sportello <code>0190e8b0-0000-7000-8000-0000000000a3</code>",
        "<h2>Attributi verificati</h2>",
        "Città metropolitana <code>0190e8b0-0000-7000-8000-0000000000a2</code> — verificato da Agenzia &lt;Verifiche&gt; &amp; Co, <code>0190e8b0-0000-7000-8000-0000000000f2</code>",
        "<h2>Utenti</h2>",
        "<td>Admin Comune di Esempio</td><td>Amministratore</td><td>Attivo</td>",
        "<td>&lt;script&gt;Mallory&lt;/script&gt;</td><td>Operatore API, Operatore di sicurezza</td><td>Sospeso</td>",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    assert!(!page.contains("<script>"), "{page}");
    assert!(!page.contains("Nessun attributo"), "{page}");
    // The catalogue's nav shows the entry too, not current there.
    let (_, _, cat) = send(&app, get("/catalogo", Some(&admin))).await;
    assert!(
        cat.contains(r#"<a href="/anagrafica">Anagrafica</a>"#),
        "{cat}"
    );

    // Another tenant's operator: empty sections, and the engine's refusal of the users list.
    let operator = signed_in_as(&app, 1).await;
    let (status, _, page) = send(&app, get("/anagrafica", Some(&operator))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "Nessun attributo certificato.",
        "Nessun attributo dichiarato.",
        "Nessun attributo verificato.",
        "Il tuo ruolo non consente questa operazione: chiedi a un amministratore del tuo ente.",
        "<code>ROLE_REQUIRED</code>",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    assert!(!page.contains("<table"), "{page}");

    // The platform operator has no tenant: no nav entry, and the page says there is none.
    let platform = signed_in_as(&app, 2).await;
    let (_, _, cat) = send(&app, get("/catalogo", Some(&platform))).await;
    assert!(!cat.contains("/anagrafica"), "{cat}");
    let (status, _, page) = send(&app, get("/anagrafica", Some(&platform))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("non appartiene a un ente"), "{page}");

    // Signed out: to the sign-in page.
    let (status, h, _) = send(&app, get("/anagrafica", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/accesso");
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
