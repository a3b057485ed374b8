//! Gateway harness: a stand-in Interop JWKS (signing with the engine's own signer, so vouchers go
//! through the same code path as real ones), the gateway on an ephemeral port, and callers.

use super::{Reply, fixtures, reply};
use axum::routing::get;
use axum::{Json, Router};
use interop::token::signing::SigningKeys;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

pub const AUDIENCE: &str = "recapito-gateway";
pub const ISSUER: &str = "recapito-interop";
pub const APP_KEY: &str = "test-app-key";
/// The gateway's e-service and its producer, as the fake engine's vouchers name them.
pub const ESERVICE: &str = "e";
pub const PRODUCER: &str = "gateway-operator";

/// A signer holding a fixture key (not published anywhere by itself).
pub fn key(path: &str) -> SigningKeys {
    SigningKeys::configured(&fixtures().join(path)).expect("fixture key")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Serves a JWKS on loopback and signs vouchers with its keys (more can be published later, as
/// during a rotation).
pub struct FakeInterop {
    pub jwks_url: String,
    pub keys: Arc<RwLock<Vec<Arc<SigningKeys>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeInterop {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeInterop {
    pub async fn start() -> FakeInterop {
        Self::with_key("keys/client-b.key.pem").await
    }

    pub async fn with_key(path: &str) -> FakeInterop {
        let keys = Arc::new(RwLock::new(vec![Arc::new(key(path))]));
        let served = keys.clone();
        let app = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let served = served.clone();
                async move {
                    let all: Vec<Value> = served
                        .read()
                        .unwrap()
                        .iter()
                        .flat_map(|k| k.jwks(0).keys)
                        .map(|k| serde_json::to_value(k).unwrap())
                        .collect();
                    Json(json!({"keys": all}))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeInterop {
            jwks_url: format!("http://127.0.0.1:{port}/.well-known/jwks.json"),
            keys,
            task,
        }
    }

    /// The claims of a valid voucher for `tenant` and `purpose`.
    pub fn claims(tenant: &str, purpose: &str) -> Value {
        let t = now();
        let claims = provider_sdk::voucher::VoucherClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "client".into(),
            client_id: "client".into(),
            purpose_id: purpose.into(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat: t,
            nbf: t,
            exp: t + 300,
            consumer_id: tenant.into(),
            producer_id: PRODUCER.into(),
            eservice_id: ESERVICE.into(),
            descriptor_id: "d".into(),
            digest: None,
        };
        serde_json::to_value(claims).expect("claims")
    }

    /// Signs with the first key.
    pub fn sign(&self, claims: &Value) -> String {
        self.keys.read().unwrap()[0].sign(claims).expect("sign")
    }

    /// Publishes another key (from `fixtures/`); returns its index for [`Self::sign_with`].
    pub fn publish(&self, path: &str) -> usize {
        let mut keys = self.keys.write().unwrap();
        keys.push(Arc::new(key(path)));
        keys.len() - 1
    }

    pub fn sign_with(&self, index: usize, claims: &Value) -> String {
        self.keys.read().unwrap()[index].sign(claims).expect("sign")
    }

    pub fn voucher(&self, tenant: &str, purpose: &str) -> String {
        self.sign(&Self::claims(tenant, purpose))
    }
}

/// A running gateway.
pub struct Gateway {
    pub base: String,
    pub http: reqwest::Client,
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn gateway_config(data_dir: PathBuf, jwks_url: &str) -> gateway::Config {
    let mut config = gateway::Config {
        bind: "127.0.0.1:0".into(),
        data_dir,
        ..gateway::Config::default()
    };
    config.auth.interop_jwks_url = jwks_url.to_owned();
    config.auth.eservice_id = ESERVICE.into();
    config.auth.producer_id = PRODUCER.into();
    config.auth.app_api_keys = vec![APP_KEY.into()];
    // The test entities listen on loopback, which entity calls may not reach by default.
    config.fetch.egress_allow = vec!["127.0.0.0/8".parse().expect("network")];
    config
}

impl Gateway {
    pub async fn spawn(jwks_url: &str) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let mut g = Gateway::spawn_at(dir.path().to_path_buf(), jwks_url).await;
        g._dir = Some(dir);
        g
    }

    pub async fn spawn_at(data_dir: PathBuf, jwks_url: &str) -> Gateway {
        Gateway::spawn_config(gateway_config(data_dir, jwks_url)).await
    }

    /// A gateway with its configuration adjusted by `tune` (fetch limits, Interop client…).
    pub async fn spawn_with(jwks_url: &str, tune: impl FnOnce(&mut gateway::Config)) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let mut config = gateway_config(dir.path().to_path_buf(), jwks_url);
        tune(&mut config);
        let mut g = Gateway::spawn_config(config).await;
        g._dir = Some(dir);
        g
    }

    pub async fn spawn_config(config: gateway::Config) -> Gateway {
        let data_dir = config.data_dir.clone();
        let app = gateway::Application::build(&config)
            .await
            .expect("gateway starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let task = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        Gateway {
            base,
            http: reqwest::Client::new(),
            data_dir,
            _dir: None,
            task,
        }
    }

    /// An entity calling with `voucher`.
    pub fn entity(&self, voucher: &str) -> Caller {
        Caller {
            base: self.base.clone(),
            http: self.http.clone(),
            headers: vec![("authorization".into(), format!("Bearer {voucher}"))],
        }
    }

    /// The app backend acting for `fiscal_code`.
    pub fn app(&self, fiscal_code: &str) -> Caller {
        Caller {
            base: self.base.clone(),
            http: self.http.clone(),
            headers: vec![
                ("authorization".into(), format!("Bearer {APP_KEY}")),
                ("fiscal_code".into(), fiscal_code.into()),
            ],
        }
    }

    /// A caller with exactly these headers.
    pub fn raw(&self, headers: &[(&str, &str)]) -> Caller {
        Caller {
            base: self.base.clone(),
            http: self.http.clone(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

#[derive(Clone)]
pub struct Caller {
    base: String,
    http: reqwest::Client,
    headers: Vec<(String, String)>,
}

impl Caller {
    pub fn with_header(mut self, name: &str, value: &str) -> Caller {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        reply(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }
}

/// A valid configuration body pointing at `base_url`.
pub fn configuration(base_url: &str) -> Value {
    json!({
        "name": "Comune di Esempio", "description": "Avvisi di pagamento",
        "has_precondition": "ONCE", "is_lollipop_enabled": false, "disable_lollipop_for": [],
        "prod_environment": {"base_url": base_url, "details_authentication": {"type": "API_KEY", "header_key_name": "X-Api-Key", "key": "secret"}}
    })
}

/// A valid message for `fiscal_code` with remote content from `configuration_id`.
pub fn message(fiscal_code: &str, configuration_id: &str) -> Value {
    json!({
        "fiscal_code": fiscal_code,
        "content": {
            "subject": "Avviso di pagamento TARI",
            "markdown": "Gentile cittadino, è disponibile l'avviso di pagamento della tassa sui rifiuti per l'anno in corso. Apri il messaggio per i dettagli.",
            "third_party_data": {"id": "corr-0001", "has_remote_content": true, "has_precondition": "ONCE", "configuration_id": configuration_id}
        }
    })
}

/// A fresh, empty schema on the PostgreSQL test server (`RECAPITO_TEST_POSTGRES_URL`, started by
/// scripts/test): the `database_url` of gateways that share it. `None` (after a loud message)
/// when the variable is missing outside CI; under `CI=true` a missing variable fails the test.
pub async fn postgres_database() -> Option<String> {
    crate::pg::schema("e2e").await.map(|s| s.url)
}
