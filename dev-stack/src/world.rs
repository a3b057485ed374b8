//! Interop worlds built through the engine's management API, the way any tenant's administrator
//! would build them: a producer publishes an e-service, a consumer subscribes and activates a
//! purpose, a client with a key is attached to it. The development stack seeds its demo world
//! with these steps, and the workspace's tests build theirs with the same ones.
//!
//! A refused call is an error naming the path, the status and the engine's answer.

use reqwest::Method;
use serde_json::{Value, json};

/// An API of the stack at `base` (the engine's management API, the gateway's), acting with the
/// bearer `token` (a user's identity token, an entity's voucher).
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// The terms of an e-service's descriptor and of a consumer's purpose on it.
#[derive(Debug, Clone)]
pub struct Terms {
    pub name: String,
    pub description: String,
    pub audience: String,
    pub server_url: String,
    pub voucher_lifespan: u64,
    pub daily_calls_per_consumer: u64,
    pub daily_calls_total: u64,
    /// The purpose's estimate.
    pub daily_calls: u64,
}

impl Terms {
    /// An e-service `name` for vouchers with `audience`: generous thresholds, vouchers for
    /// 600 s, automatic approval.
    pub fn new(name: &str, description: &str, audience: &str) -> Terms {
        Terms {
            name: name.to_owned(),
            description: description.to_owned(),
            audience: audience.to_owned(),
            server_url: "https://localhost/".to_owned(),
            voucher_lifespan: 600,
            daily_calls_per_consumer: 100_000,
            daily_calls_total: 1_000_000,
            daily_calls: 1_000,
        }
    }
}

/// What [`subscribe`] created.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub eservice: String,
    pub descriptor: String,
    pub agreement: String,
    pub purpose: String,
    pub version: String,
}

/// The string at `pointer` in an answer.
pub fn id(v: &Value, pointer: &str) -> Result<String, String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {pointer} in {v}"))
}

impl Api {
    pub fn new(http: reqwest::Client, base: impl Into<String>, token: impl Into<String>) -> Api {
        Api {
            http,
            base: base.into(),
            token: token.into(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{path}: {status} {body}"));
        }
        Ok(body)
    }

    /// POST `body` to `path`: the answer.
    pub async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// POST without a body (a state transition).
    pub async fn act(&self, path: &str) -> Result<Value, String> {
        self.call(Method::POST, path, None).await
    }

    /// Publishes an e-service with `terms`: `(e-service, descriptor)`.
    pub async fn publish(&self, terms: &Terms) -> Result<(String, String), String> {
        let descriptor = json!({"audience": [terms.audience], "voucher_lifespan": terms.voucher_lifespan,
            "daily_calls_per_consumer": terms.daily_calls_per_consumer,
            "daily_calls_total": terms.daily_calls_total,
            "agreement_approval_policy": "AUTOMATIC", "server_urls": [terms.server_url]});
        let e = self
            .post(
                "/eservices",
                json!({"name": terms.name, "description": terms.description,
                    "technology": "REST", "mode": "DELIVER", "descriptor": descriptor}),
            )
            .await?;
        let (eservice, descriptor) = (id(&e, "/id")?, id(&e, "/descriptors/0/id")?);
        self.act(&format!(
            "/eservices/{eservice}/descriptors/{descriptor}/publish"
        ))
        .await?;
        Ok((eservice, descriptor))
    }

    /// Subscribes to `eservice` (active at once under automatic approval): the agreement.
    pub async fn agree(&self, eservice: &str) -> Result<String, String> {
        let a = self
            .post("/agreements", json!({"eservice_id": eservice}))
            .await?;
        let agreement = id(&a, "/id")?;
        self.act(&format!("/agreements/{agreement}/submit")).await?;
        Ok(agreement)
    }

    /// Creates and activates a purpose on `eservice` for `terms.daily_calls`:
    /// `(purpose, version)`.
    pub async fn activate_purpose(
        &self,
        eservice: &str,
        terms: &Terms,
    ) -> Result<(String, String), String> {
        let p = self
            .post(
                "/purposes",
                json!({"eservice_id": eservice, "title": format!("Uso di {}", terms.name),
                    "description": format!("Finalità per {}", terms.name),
                    "risk_analysis": {"v": 1}, "daily_calls": terms.daily_calls}),
            )
            .await?;
        let (purpose, version) = (id(&p, "/id")?, id(&p, "/versions/0/id")?);
        self.act(&format!("/purposes/{purpose}/versions/{version}/activate"))
            .await?;
        Ok((purpose, version))
    }

    /// A consumer client `name` with `member`, without keys: its id.
    pub async fn client(&self, name: &str, member: &str) -> Result<String, String> {
        let c = self
            .post(
                "/clients",
                json!({"name": name, "kind": "CONSUMER", "members": [member]}),
            )
            .await?;
        id(&c, "/id")
    }

    /// A consumer client `name` with `member` and the public key `public_pem`:
    /// `(client id, kid)`.
    pub async fn client_with_key(
        &self,
        name: &str,
        member: &str,
        public_pem: &str,
    ) -> Result<(String, String), String> {
        let client = self.client(name, member).await?;
        let k = self
            .post(
                &format!("/clients/{client}/keys"),
                json!({"name": name, "key": public_pem}),
            )
            .await?;
        Ok((client, id(&k, "/kid")?))
    }

    /// Attaches `purpose` to `client`.
    pub async fn attach(&self, client: &str, purpose: &str) -> Result<(), String> {
        self.post(
            &format!("/clients/{client}/purposes"),
            json!({"purpose_id": purpose}),
        )
        .await
        .map(drop)
    }
}

/// `producer` publishes an e-service with `terms`; `consumer` subscribes and activates a
/// purpose on it.
pub async fn subscribe(
    producer: &Api,
    consumer: &Api,
    terms: &Terms,
) -> Result<Subscription, String> {
    let (eservice, descriptor) = producer.publish(terms).await?;
    let agreement = consumer.agree(&eservice).await?;
    let (purpose, version) = consumer.activate_purpose(&eservice, terms).await?;
    Ok(Subscription {
        eservice,
        descriptor,
        agreement,
        purpose,
        version,
    })
}
