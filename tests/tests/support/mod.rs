//! Test harness: starts real servers on ephemeral ports and talks to them over HTTP.

pub mod browser;
pub mod console;
pub mod entity;
pub mod gateway;
pub mod openapi;
pub mod pg;
pub mod world;

use interop::api::auth::IdentityIssuer;
use interop::domain::Role;
use interop::domain::ids::{TenantId, UserId};
use interop::{Application, Config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

pub const IDP_ISSUER: &str = "test-idp";
pub const IDP_AUDIENCE: &str = "recapito-interop";

/// The workspace's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(fixtures().join(path)).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A running engine with its own data folder.
pub struct Engine {
    pub base: String,
    pub http: reqwest::Client,
    pub idp: Arc<IdentityIssuer>,
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn engine_config(data_dir: PathBuf) -> Config {
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir,
        ..Config::default()
    };
    config.identity.issuer = IDP_ISSUER.into();
    config.identity.audience = IDP_AUDIENCE.into();
    config.identity.public_key_path = Some(fixtures().join("keys/identity.pub.pem"));
    config.identity.platform_operators = vec![PLATFORM_OPERATOR];
    config
}

/// The platform operator the test engines are configured with.
pub const PLATFORM_OPERATOR: UserId = UserId(uuid::Uuid::from_u128(
    0x0b6f1c2e_7a43_4d5e_9f10_2c3b4a5d6e7f,
));

pub fn idp() -> IdentityIssuer {
    IdentityIssuer::new(
        fixture("keys/identity.key.pem").as_bytes(),
        IDP_ISSUER,
        IDP_AUDIENCE,
    )
    .expect("identity key")
}

impl Engine {
    pub async fn spawn() -> Engine {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        let mut e = Engine::spawn_at(path).await;
        e._dir = Some(dir);
        e
    }

    /// Starts an engine on an existing data folder (to test restarts).
    pub async fn spawn_at(data_dir: PathBuf) -> Engine {
        Engine::spawn_config(engine_config(data_dir)).await
    }

    /// An engine on the shared PostgreSQL `database_url` (its own temporary data folder): one of
    /// several instances.
    pub async fn spawn_on(database_url: &str) -> Engine {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = engine_config(dir.path().to_path_buf());
        config.database_url = Some(database_url.to_owned());
        let mut e = Engine::spawn_config(config).await;
        e._dir = Some(dir);
        e
    }

    pub async fn spawn_config(config: Config) -> Engine {
        let data_dir = config.data_dir.clone();
        let app = Application::build(&config).await.expect("engine starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let task = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        Engine {
            base,
            http: reqwest::Client::new(),
            idp: Arc::new(idp()),
            data_dir,
            _dir: None,
            task,
        }
    }

    pub fn platform(&self) -> User {
        self.user(PLATFORM_OPERATOR, None, &[Role::Platform])
    }

    pub fn user(&self, id: UserId, tenant: Option<TenantId>, roles: &[Role]) -> User {
        let token = self.idp.mint(id, tenant, roles, 600).expect("mint");
        User {
            id,
            tenant,
            token,
            base: self.base.clone(),
            http: self.http.clone(),
        }
    }

    /// Registers a tenant with an admin; returns the admin.
    pub async fn tenant(&self, name: &str) -> User {
        let admin = UserId::random();
        let body = json!({"name": name, "admin": {"id": admin, "name": format!("{name} admin")}});
        let t = self
            .platform()
            .call(Method::POST, "/tenants", Some(body))
            .await
            .expect_status(StatusCode::CREATED);
        let tenant: TenantId = t.body["id"].as_str().unwrap().parse().unwrap();
        self.user(admin, Some(tenant), &[Role::Admin])
    }
}

/// A caller with an identity token.
#[derive(Clone)]
pub struct User {
    pub id: UserId,
    pub tenant: Option<TenantId>,
    pub token: String,
    base: String,
    http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    #[track_caller]
    pub fn expect_status(self, status: StatusCode) -> Reply {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn expect_problem(self, status: StatusCode, code: &str) -> Reply {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        self
    }

    /// Asserts `400 VALIDATION_FAILED` whose `fields` name `field`.
    #[track_caller]
    pub fn expect_invalid_field(self, field: &str) -> Reply {
        let r = self.expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        let named = r.body["fields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|n| n == field));
        assert!(named, "{field}: {}", r.body);
        r
    }

    /// Asserts a refusal of `POST /token.oauth2`: valid against PDND's `Problem`
    /// (`fixtures/reference/interop-authorization-server.json`, from the reference YAML), with
    /// our stable code as the last segment of `type` and the start of `detail`.
    #[track_caller]
    pub fn expect_token_problem(self, status: StatusCode, code: &str) -> Reply {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        let violations = pdnd_problem_violations(&self.body);
        assert!(violations.is_empty(), "{violations:?}: {}", self.body);
        assert_eq!(
            self.body["type"],
            format!("https://recapito.dev/problems/{code}"),
            "{}",
            self.body
        );
        let detail = self.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with(&format!("{code}:")) || detail.starts_with(&format!("{code} (")),
            "{}",
            self.body
        );
        self
    }

    /// A response header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn str(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.body))
            .to_owned()
    }
}

impl User {
    /// The same user (same identity token) talking to another engine instance.
    pub fn on(&self, engine: &Engine) -> User {
        User {
            base: engine.base.clone(),
            ..self.clone()
        }
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant.expect("a tenant user")
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        reply(resp).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    /// POST without a body (state transitions).
    pub async fn act(&self, path: &str) -> Reply {
        self.call(Method::POST, path, None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        content_type,
        body,
        headers,
    }
}

/// Where `body` breaks PDND's token-endpoint `Problem` schema (members, types, bounds and the
/// patterns it uses, each checked by hand after asserting the reference still spells it so).
pub fn pdnd_problem_violations(body: &Value) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/reference/interop-authorization-server.json"
    );
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let schema = &reference["schemas"]["Problem"];
    let props = schema["properties"].as_object().unwrap();
    assert_eq!(schema["additionalProperties"], Value::Bool(false));
    assert_eq!(props["title"]["pattern"], "^[ -~]{0,64}$");
    assert_eq!(props["detail"]["pattern"], "^.{0,1024}$");
    let error = &reference["schemas"]["ProblemError"];
    assert_eq!(
        error["properties"]["code"]["pattern"],
        "^[0-9]{3}-[0-9]{4}$"
    );
    let mut out = Vec::new();
    let Some(obj) = body.as_object() else {
        return vec!["not an object".into()];
    };
    for k in obj.keys() {
        if !props.contains_key(k) {
            out.push(format!("{k} is not a member of PDND's Problem"));
        }
    }
    for r in schema["required"].as_array().unwrap() {
        if !obj.contains_key(r.as_str().unwrap()) {
            out.push(format!("{r} is missing"));
        }
    }
    let max = |name: &str| props[name]["maxLength"].as_u64().map(|m| m as usize);
    for (name, v) in obj {
        let p = &props.get(name).cloned().unwrap_or(Value::Null);
        match p["type"].as_str() {
            Some("string") => match v.as_str() {
                None => out.push(format!("{name} is not a string")),
                Some(s) => {
                    let n = s.chars().count();
                    if max(name).is_some_and(|m| n > m) {
                        out.push(format!("{name} is longer than its maxLength"));
                    }
                    if name == "title" && (n > 64 || !s.chars().all(|c| (' '..='~').contains(&c))) {
                        out.push("title breaks ^[ -~]{0,64}$".into());
                    }
                    if name == "detail" && (n > 1024 || s.contains(['\n', '\r'])) {
                        out.push("detail breaks ^.{0,1024}$".into());
                    }
                }
            },
            Some("integer") => match v.as_i64() {
                None => out.push(format!("{name} is not an integer")),
                Some(i) => {
                    let lo = p["minimum"].as_i64().unwrap_or(i64::MIN);
                    let hi = p["maximum"].as_i64().unwrap_or(i64::MAX);
                    let exclusive = p["exclusiveMaximum"] == Value::Bool(true);
                    if i < lo || i > hi || (exclusive && i == hi) {
                        out.push(format!("{name} is out of bounds"));
                    }
                }
            },
            Some("array") => match v.as_array() {
                None => out.push(format!("{name} is not an array")),
                Some(items) => {
                    for e in items {
                        let c = e["code"].as_str().unwrap_or_default();
                        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                        let ok = c.len() == 8
                            && c.as_bytes()[3] == b'-'
                            && digits(&c[..3])
                            && digits(&c[4..]);
                        if !ok || !e["detail"].is_string() {
                            out.push(format!("{name} holds {e}, not a ProblemError"));
                        }
                    }
                }
            },
            _ => {}
        }
    }
    out
}
