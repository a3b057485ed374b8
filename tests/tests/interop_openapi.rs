//! Keeps the Interop engine's OpenAPI document (generated from the code by
//! `interop::api::openapi()`, served at `/openapi.json`) honest against the running engine:
//!
//! - the served document is the generated one, and it is OpenAPI 3.1;
//! - every documented operation is routed (called without a token: the answer is the expected
//!   401, not ROUTE_NOT_FOUND / METHOD_NOT_ALLOWED);
//! - every error code the code can give is in the `Problem.code` enum (and no stale one is);
//! - the document hangs together ($refs resolve, path parameters are declared, …);
//! - real answers of a small end-to-end flow match the documented response schemas.
//!
//! That every route is documented needs no check: the engine's router is built from the
//! documented handlers (utoipa-axum's `OpenApiRouter`), so an undocumented route cannot be served.

use e2e::openapi::{collect_refs, operations, parameters, resolve, template_names};
use e2e::{Engine, User, fixture};
use interop::domain::Role;
use interop::domain::ids::{TenantId, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// The operations reachable without a bearer token.
const PUBLIC: &[(&str, &str)] = &[
    ("/healthz", "get"),
    ("/openapi.json", "get"),
    ("/token.oauth2", "post"),
    ("/.well-known/jwks.json", "get"),
];

/// The generated document (what `/openapi.json` serves).
fn document() -> Value {
    serde_json::to_value(interop::api::openapi()).expect("the document serializes")
}

/// A valid-looking kid: 43 characters of base64url.
fn some_kid() -> String {
    format!("{}AbCdEf-_xyz", uuid::Uuid::new_v4().simple())[..43].to_owned()
}

/// The path with every parameter replaced by a value its schema accepts.
fn concrete(doc: &Value, path: &str, op: &Value) -> String {
    let params = parameters(doc, path, op);
    let mut out = path.to_owned();
    for name in template_names(path) {
        let p = params
            .iter()
            .find(|p| p["in"] == "path" && p["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{path}: path parameter {name} is not declared"));
        let schema = resolve(doc, &p["schema"]);
        let value = if schema["format"] == "uuid" {
            uuid::Uuid::new_v4().to_string()
        } else if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
            first.as_str().expect("string enum").to_owned()
        } else if name == "kid" || schema["minLength"] == 43 {
            some_kid()
        } else {
            panic!("{path}: no idea how to fill parameter {name} ({schema})");
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}

// ------------------------------------------------------------------------------------------------
// (a) The served document.

#[tokio::test]
async fn served_document_is_openapi_3_1() {
    let engine = Engine::spawn().await;
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
        r.content_type.starts_with("application/json"),
        "content type {}",
        r.content_type
    );
    assert!(r.body.is_object(), "not a JSON object: {}", r.body);
    let version = r.body["openapi"].as_str().unwrap_or_default();
    let minor = version.strip_prefix("3.1.").unwrap_or_else(|| {
        panic!("openapi is {version:?}, expected 3.1.x");
    });
    assert!(
        !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()),
        "openapi is {version:?}"
    );
    assert_eq!(r.body["info"]["title"], "Recapito Interop engine");
    assert!(r.body["info"]["version"].is_string());
    assert_eq!(
        r.body,
        document(),
        "the served document is the generated one"
    );
}

// ------------------------------------------------------------------------------------------------
// (b) Every documented operation is routed.

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let doc = document();
    let engine = Engine::spawn().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut public_seen = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let public = op["security"].as_array().is_some_and(Vec::is_empty);
        if public {
            public_seen.insert((path.clone(), method.clone()));
        }
        let url = format!("{}{}", engine.base, concrete(&doc, &path, &op));
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = e2e::reply(engine.http.request(m, &url).send().await.unwrap()).await;
        let code = r.body["code"].as_str().unwrap_or_default().to_owned();
        checked += 1;
        let what = format!("{} {path} → {} {}", method.to_uppercase(), r.status, r.body);
        if code == "ROUTE_NOT_FOUND" || code == "METHOD_NOT_ALLOWED" {
            failures.push(format!("not routed: {what}"));
        } else if public && method == "get" {
            if r.status != StatusCode::OK {
                failures.push(format!("expected 200: {what}"));
            }
        } else if public {
            let s = r.status;
            if !s.is_client_error()
                || s == StatusCode::NOT_FOUND
                || s == StatusCode::METHOD_NOT_ALLOWED
            {
                failures.push(format!("expected a 4xx refusal (not 404/405): {what}"));
            }
        } else if r.status != StatusCode::UNAUTHORIZED
            || code != "MISSING_TOKEN"
            || r.content_type != "application/problem+json"
        {
            failures.push(format!("expected 401 MISSING_TOKEN problem+json: {what}"));
        }
    }
    let expected: BTreeSet<(String, String)> = PUBLIC
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
    assert_eq!(
        public_seen, expected,
        "the operations documented without authentication (`security: []`)"
    );
    assert!(checked > 40, "only {checked} operations checked");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ------------------------------------------------------------------------------------------------
// (c) Every error code is documented.

fn problem_codes(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas/Problem/properties/code/enum")
        .and_then(Value::as_array)
        .expect("Problem.code has an enum")
        .iter()
        .map(|c| c.as_str().expect("codes are strings").to_owned())
        .collect()
}

#[test]
fn every_error_code_is_in_the_problem_enum() {
    let doc = document();
    let codes = problem_codes(&doc);
    let set: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    assert_eq!(set.len(), codes.len(), "duplicate codes in Problem.code");

    let mut missing = Vec::new();
    let mut known = BTreeSet::new();
    // The engine's one code table holds every code it answers with (the domain's, the HTTP
    // layer's and the token endpoints').
    for code in interop::codes::Code::ALL {
        known.insert(code.as_str());
        if !set.contains(code.as_str()) {
            missing.push(code.as_str());
        }
    }
    for code in interop::domain::ErrorCode::ALL {
        if !set.contains(code.as_str()) {
            missing.push(code.as_str());
        }
    }
    assert!(
        missing.is_empty(),
        "codes missing from Problem.code: {missing:?}"
    );

    // No stale code: every listed code is in the table.
    let stale: Vec<&str> = set
        .iter()
        .filter(|c| !known.contains(*c))
        .copied()
        .collect();
    assert!(
        stale.is_empty(),
        "Problem.code lists codes the engine never gives: {stale:?}"
    );
}

#[test]
fn every_token_refusal_cause_is_in_the_token_failure_enum() {
    let doc = document();
    let documented: BTreeSet<&str> = doc
        .pointer("/components/schemas/TokenFailure/properties/code/enum")
        .and_then(Value::as_array)
        .expect("TokenFailure.code has an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let causes: BTreeSet<&str> = interop::token::refusal::RefusalCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        documented, causes,
        "TokenFailure.code must list exactly the RefusalCode causes"
    );
}

// ------------------------------------------------------------------------------------------------
// (d) The document hangs together.

#[test]
fn the_document_is_consistent() {
    let doc = document();
    let mut problems = Vec::new();

    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in &refs {
        let ok = r
            .strip_prefix('#')
            .is_some_and(|p| doc.pointer(p).is_some());
        if !ok {
            problems.push(format!("dangling $ref {r}"));
        }
    }

    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let at = format!("{} {path}", method.to_uppercase());
        match op["operationId"].as_str() {
            Some(id) if ids.insert(id.to_owned()) => {}
            other => problems.push(format!("{at}: missing or duplicate operationId {other:?}")),
        }
        if op["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            problems.push(format!("{at}: no description (who may call it)"));
        }
        let params = parameters(&doc, &path, &op);
        let declared: BTreeSet<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let used: BTreeSet<String> = template_names(&path).into_iter().collect();
        if declared != used.iter().map(String::as_str).collect() {
            problems.push(format!(
                "{at}: path parameters {declared:?} ≠ template {used:?}"
            ));
        }
        for p in params.iter().filter(|p| p["in"] == "path") {
            if p["required"] != true {
                problems.push(format!("{at}: path parameter {} not required", p["name"]));
            }
        }
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        if !responses.keys().any(|s| s.starts_with('2')) {
            problems.push(format!("{at}: no success response"));
        }
        let public = op["security"].as_array().is_some_and(Vec::is_empty);
        if !public && !responses.contains_key("401") {
            problems.push(format!("{at}: authenticated but no 401 documented"));
        }
        for (status, resp) in &responses {
            let resp = resolve(&doc, resp);
            if status.starts_with('4') || status.starts_with('5') {
                let schema = resp.pointer("/content/application~1problem+json/schema");
                // The token endpoint answers PDND's closed Problem instead (`TokenProblem`).
                let expected = if path == "/token.oauth2" {
                    "/components/schemas/TokenProblem"
                } else {
                    "/components/schemas/Problem"
                };
                let ok = schema.is_some_and(|s| resolve(&doc, s) == doc.pointer(expected).unwrap());
                if !ok {
                    problems.push(format!("{at}: {status} is not a Problem"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

// ------------------------------------------------------------------------------------------------
// (e) Real answers match the documented schemas.

/// A small JSON Schema checker for the subset the document uses: $ref, allOf (merged objects),
/// anyOf/oneOf, type (incl. arrays of types), enum, const, properties/required (undocumented
/// properties are errors), items, minimum/maximum, minLength/maxLength.
struct Checker<'a> {
    doc: &'a Value,
    errors: Vec<String>,
}

impl Checker<'_> {
    /// Properties and required names of an object schema, merged across allOf.
    fn object_parts(&self, s: &Value, props: &mut Map<String, Value>, req: &mut Vec<String>) {
        let s = resolve(self.doc, s);
        if let Some(all) = s["allOf"].as_array() {
            for sub in all {
                self.object_parts(sub, props, req);
            }
        }
        if let Some(p) = s["properties"].as_object() {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        if let Some(r) = s["required"].as_array() {
            req.extend(r.iter().filter_map(|x| x.as_str().map(str::to_owned)));
        }
    }

    fn errors_of(&self, schema: &Value, v: &Value, at: &str) -> Vec<String> {
        let mut c = Checker {
            doc: self.doc,
            errors: Vec::new(),
        };
        c.check(schema, v, at);
        c.errors
    }

    fn check(&mut self, schema: &Value, v: &Value, at: &str) {
        let s = resolve(self.doc, schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = s[key].as_array() {
                let all: Vec<Vec<String>> =
                    branches.iter().map(|b| self.errors_of(b, v, at)).collect();
                if !all.iter().any(Vec::is_empty) {
                    self.errors.push(format!(
                        "{at}: matches no branch of {key}: {}",
                        all.concat().join("; ")
                    ));
                    return;
                }
            }
        }
        if let Some(c) = s.get("const")
            && c != v
        {
            self.errors.push(format!("{at}: {v} ≠ const {c}"));
        }
        if let Some(e) = s["enum"].as_array()
            && !e.contains(v)
        {
            self.errors.push(format!("{at}: {v} not in enum"));
        }
        let types: Vec<&str> = match &s["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() {
            let ok = types.iter().any(|t| match *t {
                "null" => v.is_null(),
                "boolean" => v.is_boolean(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "string" => v.is_string(),
                "array" => v.is_array(),
                "object" => v.is_object(),
                _ => false,
            });
            if !ok {
                self.errors
                    .push(format!("{at}: {v} is not of type {types:?}"));
                return;
            }
        }
        if let Some(n) = v.as_f64() {
            if s["minimum"].as_f64().is_some_and(|m| n < m) {
                self.errors
                    .push(format!("{at}: {n} < minimum {}", s["minimum"]));
            }
            if s["maximum"].as_f64().is_some_and(|m| n > m) {
                self.errors
                    .push(format!("{at}: {n} > maximum {}", s["maximum"]));
            }
        }
        if let Some(text) = v.as_str() {
            let n = text.chars().count() as u64;
            if s["minLength"].as_u64().is_some_and(|m| n < m)
                || s["maxLength"].as_u64().is_some_and(|m| n > m)
            {
                self.errors
                    .push(format!("{at}: {text:?} has a length out of bounds"));
            }
        }
        if let Some(items) = v.as_array()
            && let Some(item_schema) = s.get("items")
        {
            for (i, x) in items.iter().enumerate() {
                self.check(item_schema, x, &format!("{at}[{i}]"));
            }
        }
        if let Some(obj) = v.as_object() {
            let mut props = Map::new();
            let mut req = Vec::new();
            self.object_parts(s, &mut props, &mut req);
            if props.is_empty() && req.is_empty() {
                return; // a free-form object (e.g. risk_analysis)
            }
            for r in &req {
                if !obj.contains_key(r) {
                    self.errors.push(format!("{at}: required {r:?} is missing"));
                }
            }
            for (k, x) in obj {
                match props.get(k) {
                    Some(ps) => self.check(ps, x, &format!("{at}.{k}")),
                    None => self
                        .errors
                        .push(format!("{at}: property {k:?} is not documented")),
                }
            }
        }
    }
}

struct Flow {
    doc: Value,
    engine: Engine,
    errors: Vec<String>,
    answers: usize,
}

impl Flow {
    /// Checks an answer against the documented response for (template, method, status).
    fn verify(&mut self, method: &str, template: &str, r: &e2e::Reply) {
        let at = format!("{} {template} {}", method.to_uppercase(), r.status.as_u16());
        self.answers += 1;
        let Some(resp) = self
            .doc
            .pointer(&format!(
                "/paths/{}/{method}/responses/{}",
                template.replace('~', "~0").replace('/', "~1"),
                r.status.as_u16()
            ))
            .map(|x| resolve(&self.doc, x).clone())
        else {
            self.errors
                .push(format!("{at}: this status is not documented ({})", r.body));
            return;
        };
        let Some(content) = resp["content"].as_object() else {
            if !r.body.is_null() {
                self.errors
                    .push(format!("{at}: documented without a body, got {}", r.body));
            }
            return;
        };
        let media = r.content_type.split(';').next().unwrap_or_default().trim();
        let Some(m) = content.get(media) else {
            self.errors.push(format!(
                "{at}: content type {media:?} not documented ({:?})",
                content.keys().collect::<Vec<_>>()
            ));
            return;
        };
        let checker = Checker {
            doc: &self.doc,
            errors: Vec::new(),
        };
        let errors = checker.errors_of(&m["schema"], &r.body, &at);
        self.errors.extend(errors);
    }

    async fn call(
        &mut self,
        who: &User,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let r = who.call(method.clone(), path, body).await;
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        self.verify(&method.as_str().to_lowercase(), template, &r);
        r.body
    }

    /// A request without a token.
    async fn anonymous(&self, method: Method, path: &str) -> e2e::Reply {
        let url = format!("{}{path}", self.engine.base);
        e2e::reply(self.engine.http.request(method, url).send().await.unwrap()).await
    }
}

fn s(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v}"))
        .to_owned()
}

/// base64url without padding (for a hand-made client assertion).
fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn real_answers_match_the_documented_schemas() {
    use Method as M;
    use StatusCode as S;
    let engine = Engine::spawn().await;
    let mut f = Flow {
        doc: document(),
        engine,
        errors: Vec::new(),
        answers: 0,
    };
    let platform = f.engine.platform();

    // Health and the public documents.
    let r = f.anonymous(M::GET, "/healthz").await;
    f.verify("get", "/healthz", &r);

    // Tenants, users, attributes.
    let mut admins = Vec::new();
    for name in ["Produttore di prova", "Fruitore di prova"] {
        let admin = UserId::random();
        let t = f
            .call(
                &platform,
                M::POST,
                "/tenants",
                "/tenants",
                Some(json!({"name": name, "admin": {"id": admin, "name": "Admin"}})),
                S::CREATED,
            )
            .await;
        let tenant: TenantId = s(&t, "/id").parse().unwrap();
        admins.push(f.engine.user(admin, Some(tenant), &[Role::Admin]));
    }
    let (producer, consumer) = (admins[0].clone(), admins[1].clone());
    let (pt, ct) = (producer.tenant_id(), consumer.tenant_id());
    f.call(&producer, M::GET, "/tenants", "/tenants", None, S::OK)
        .await;
    f.call(
        &producer,
        M::GET,
        "/tenants/{id}",
        &format!("/tenants/{ct}"),
        None,
        S::OK,
    )
    .await;
    let security = UserId::random();
    f.call(
        &consumer,
        M::POST,
        "/tenants/{id}/users",
        &format!("/tenants/{ct}/users"),
        Some(json!({"id": security, "name": "Operatore", "roles": ["security"]})),
        S::CREATED,
    )
    .await;
    f.call(
        &consumer,
        M::GET,
        "/tenants/{id}/users",
        &format!("/tenants/{ct}/users"),
        None,
        S::OK,
    )
    .await;
    let security = f.engine.user(security, Some(ct), &[Role::Security]);
    let certified = f
        .call(
            &platform,
            M::POST,
            "/attributes",
            "/attributes",
            Some(json!({"kind": "CERTIFIED", "name": "Comune", "description": "Un comune"})),
            S::CREATED,
        )
        .await;
    let certified = s(&certified, "/id");
    let declared = f
        .call(
            &consumer,
            M::POST,
            "/attributes",
            "/attributes",
            Some(json!({"kind": "DECLARED", "name": "Dichiarato", "description": "Dichiarato"})),
            S::CREATED,
        )
        .await;
    let declared = s(&declared, "/id");
    f.call(
        &platform,
        M::POST,
        "/tenants/{id}/attributes/{kind}",
        &format!("/tenants/{ct}/attributes/certified"),
        Some(json!({"id": certified})),
        S::OK,
    )
    .await;
    f.call(
        &consumer,
        M::POST,
        "/tenants/{id}/attributes/{kind}",
        &format!("/tenants/{ct}/attributes/declared"),
        Some(json!({"id": declared})),
        S::OK,
    )
    .await;
    f.call(
        &consumer,
        M::GET,
        "/tenants/{id}/attributes",
        &format!("/tenants/{ct}/attributes"),
        None,
        S::OK,
    )
    .await;
    f.call(&consumer, M::GET, "/attributes", "/attributes", None, S::OK)
        .await;
    f.call(
        &consumer,
        M::GET,
        "/attributes/{id}",
        &format!("/attributes/{certified}"),
        None,
        S::OK,
    )
    .await;

    // An e-service with a published version, and a draft one.
    let e = f
        .call(
            &producer,
            M::POST,
            "/eservices",
            "/eservices",
            Some(json!({
            "name": "Servizio di prova", "description": "Un servizio per provare",
            "technology": "REST", "mode": "DELIVER",
            "attributes": {"certified": [[{"id": certified}]]},
            "descriptor": {"audience": ["https://api.example/x"], "voucher_lifespan": 600,
                           "daily_calls_per_consumer": 1000, "daily_calls_total": 5000,
                           "agreement_approval_policy": "AUTOMATIC",
                           "server_urls": ["https://api.example/x/v1"]}})),
            S::CREATED,
        )
        .await;
    let (eid, did) = (s(&e, "/id"), s(&e, "/descriptors/0/id"));
    f.call(
        &producer,
        M::POST,
        "/eservices/{id}/descriptors/{did}/publish",
        &format!("/eservices/{eid}/descriptors/{did}/publish"),
        None,
        S::OK,
    )
    .await;
    let draft = f
        .call(
            &producer,
            M::POST,
            "/eservices/{id}/descriptors",
            &format!("/eservices/{eid}/descriptors"),
            None,
            S::CREATED,
        )
        .await;
    assert_eq!(draft["state"], "DRAFT");
    f.call(
        &producer,
        M::GET,
        "/eservices",
        "/eservices?mine=true",
        None,
        S::OK,
    )
    .await;
    f.call(
        &consumer,
        M::GET,
        "/eservices/{id}",
        &format!("/eservices/{eid}"),
        None,
        S::OK,
    )
    .await;
    f.call(
        &producer,
        M::GET,
        "/eservices/{id}/descriptors",
        &format!("/eservices/{eid}/descriptors"),
        None,
        S::OK,
    )
    .await;
    f.call(
        &producer,
        M::GET,
        "/eservices/{id}/waiting-purposes",
        &format!("/eservices/{eid}/waiting-purposes"),
        None,
        S::OK,
    )
    .await;

    // An active agreement and purpose.
    let a = f
        .call(
            &consumer,
            M::POST,
            "/agreements",
            "/agreements",
            Some(json!({"eservice_id": eid, "consumer_notes": "grazie"})),
            S::CREATED,
        )
        .await;
    let aid = s(&a, "/id");
    let a = f
        .call(
            &consumer,
            M::POST,
            "/agreements/{id}/submit",
            &format!("/agreements/{aid}/submit"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(a["state"], "ACTIVE");
    f.call(&producer, M::GET, "/agreements", "/agreements", None, S::OK)
        .await;
    let p = f
        .call(&consumer, M::POST, "/purposes", "/purposes", Some(json!({
            "eservice_id": eid, "title": "Finalità di prova", "description": "Una finalità per provare",
            "risk_analysis": {"version": "3.0"}, "daily_calls": 10})), S::CREATED)
        .await;
    let (pid, vid) = (s(&p, "/id"), s(&p, "/versions/0/id"));
    f.call(
        &consumer,
        M::POST,
        "/purposes/{id}/versions/{vid}/activate",
        &format!("/purposes/{pid}/versions/{vid}/activate"),
        None,
        S::OK,
    )
    .await;
    let big = f
        .call(
            &consumer,
            M::POST,
            "/purposes/{id}/versions",
            &format!("/purposes/{pid}/versions"),
            Some(json!({"daily_calls": 2000})),
            S::CREATED,
        )
        .await;
    assert!(
        big["versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["state"] == "WAITING_FOR_APPROVAL"),
        "{big}"
    );
    let waiting = big["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["state"] == "WAITING_FOR_APPROVAL")
        .map(|v| s(v, "/id"))
        .unwrap();
    // The date only has to be today or later.
    let later = "2999-01-01";
    f.call(
        &producer,
        M::PUT,
        "/purposes/{id}/versions/{vid}/expected-approval-date",
        &format!("/purposes/{pid}/versions/{waiting}/expected-approval-date"),
        Some(json!({"expected_approval_date": later})),
        S::OK,
    )
    .await;
    f.call(
        &producer,
        M::GET,
        "/eservices/{id}/waiting-purposes",
        &format!("/eservices/{eid}/waiting-purposes"),
        None,
        S::OK,
    )
    .await;
    f.call(&consumer, M::GET, "/purposes", "/purposes", None, S::OK)
        .await;
    f.call(
        &consumer,
        M::GET,
        "/purposes/{id}/remaining-daily-calls",
        &format!("/purposes/{pid}/remaining-daily-calls"),
        None,
        S::OK,
    )
    .await;
    f.call(
        &consumer,
        M::GET,
        "/purposes/{id}/operativity",
        &format!("/purposes/{pid}/operativity"),
        None,
        S::OK,
    )
    .await;

    // A client with a key, attached to the purpose.
    let c = f
        .call(
            &consumer,
            M::POST,
            "/clients",
            "/clients",
            Some(json!({"name": "Client di prova", "kind": "CONSUMER", "members": [security.id]})),
            S::CREATED,
        )
        .await;
    let cid = s(&c, "/id");
    f.call(
        &consumer,
        M::POST,
        "/clients/{id}/purposes",
        &format!("/clients/{cid}/purposes"),
        Some(json!({"purpose_id": pid})),
        S::OK,
    )
    .await;
    let key = f
        .call(
            &security,
            M::POST,
            "/clients/{id}/keys",
            &format!("/clients/{cid}/keys"),
            Some(json!({"name": "chiave", "key": fixture("keys/client-a.pub.pem")})),
            S::CREATED,
        )
        .await;
    let kid = s(&key, "/kid");
    f.call(
        &security,
        M::GET,
        "/clients/{id}/keys/{kid}",
        &format!("/clients/{cid}/keys/{kid}"),
        None,
        S::OK,
    )
    .await;
    f.call(&consumer, M::GET, "/clients", "/clients", None, S::OK)
        .await;
    f.call(
        &consumer,
        M::GET,
        "/purposes/{id}",
        &format!("/purposes/{pid}"),
        None,
        S::OK,
    )
    .await;

    // Every kind of blocker (but NO_AGREEMENT): descriptor, agreement and purpose suspended.
    f.call(
        &producer,
        M::POST,
        "/eservices/{id}/descriptors/{did}/suspend",
        &format!("/eservices/{eid}/descriptors/{did}/suspend"),
        None,
        S::OK,
    )
    .await;
    f.call(
        &consumer,
        M::POST,
        "/agreements/{id}/suspend",
        &format!("/agreements/{aid}/suspend"),
        None,
        S::OK,
    )
    .await;
    f.call(
        &consumer,
        M::POST,
        "/purposes/{id}/versions/{vid}/suspend",
        &format!("/purposes/{pid}/versions/{vid}/suspend"),
        None,
        S::OK,
    )
    .await;
    let o = f
        .call(
            &consumer,
            M::GET,
            "/purposes/{id}/operativity",
            &format!("/purposes/{pid}/operativity"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(o["blockers"].as_array().map(Vec::len), Some(3), "{o}");

    // The token endpoints: a refused request, then its recorded cause.
    let header = b64url(
        json!({"alg": "RS256", "typ": "JWT", "kid": kid})
            .to_string()
            .as_bytes(),
    );
    let claims = b64url(
        json!({"iss": cid, "sub": cid, "aud": "x", "jti": "j", "iat": 0, "exp": 1})
            .to_string()
            .as_bytes(),
    );
    let assertion = format!("{header}.{claims}.{}", b64url(b"not a signature"));
    let r = e2e::reply(
        f.engine
            .http
            .post(format!("{}/token.oauth2", f.engine.base))
            .form(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.as_str()),
                ("client_id", cid.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, S::UNAUTHORIZED, "{}", r.body);
    f.verify("post", "/token.oauth2", &r);
    let failures = f
        .call(
            &consumer,
            M::GET,
            "/clients/{id}/token-failures",
            &format!("/clients/{cid}/token-failures"),
            None,
            S::OK,
        )
        .await;
    assert!(!failures.as_array().unwrap().is_empty(), "{failures}");
    let r = f.anonymous(M::GET, "/.well-known/jwks.json").await;
    f.verify("get", "/.well-known/jwks.json", &r);

    // Refusals are documented problems.
    let unknown = uuid::Uuid::new_v4();
    f.call(
        &consumer,
        M::GET,
        "/eservices/{id}",
        &format!("/eservices/{unknown}"),
        None,
        S::NOT_FOUND,
    )
    .await;
    f.call(
        &consumer,
        M::GET,
        "/eservices/{id}",
        "/eservices/not-a-uuid",
        None,
        S::BAD_REQUEST,
    )
    .await;
    f.call(
        &producer,
        M::POST,
        "/purposes/{id}/versions/{vid}/approve",
        &format!("/purposes/{pid}/versions/{vid}/approve"),
        None,
        S::CONFLICT,
    )
    .await;
    f.call(
        &security,
        M::POST,
        "/tenants",
        "/tenants",
        Some(json!({"name": "x", "admin": {"id": unknown, "name": "x"}})),
        S::FORBIDDEN,
    )
    .await;
    let r = f.anonymous(M::GET, &format!("/tenants/{pt}")).await;
    f.verify("get", "/tenants/{id}", &r);

    assert!(f.answers > 40, "only {} answers checked", f.answers);
    let distinct: BTreeSet<&str> = f.errors.iter().map(String::as_str).collect();
    assert!(
        distinct.is_empty(),
        "answers that do not match the OpenAPI document:\n{}",
        distinct.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The catalogue's search and paging are in the document: what clients generated from it need.
#[test]
fn the_catalogue_documents_search_paging_and_the_total() {
    let doc = document();
    let op = &doc["paths"]["/eservices"]["get"];
    let params = parameters(&doc, "/eservices", op);
    let param = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name && p["in"] == "query")
            .copied()
            .unwrap_or_else(|| panic!("no query parameter {name}: {params:?}"))
    };
    for name in ["mine", "q", "offset", "limit"] {
        assert_ne!(param(name)["required"], true, "{name} is optional");
    }
    assert_eq!(param("q")["schema"]["maxLength"], 200);
    assert_eq!(param("offset")["schema"]["minimum"], 0);
    assert_eq!(param("limit")["schema"]["minimum"], 1);
    assert_eq!(param("limit")["schema"]["maximum"], 500);
    let ok = resolve(&doc, &op["responses"]["200"]);
    let header = &ok["headers"]["X-Total-Count"];
    assert!(
        header["schema"]["type"]
            .as_str()
            .is_some_and(|t| t == "integer"),
        "{ok}"
    );
    assert!(
        header["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{ok}"
    );
}
