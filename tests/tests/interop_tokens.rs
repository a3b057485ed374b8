//! The authorization server end to end: vouchers from client assertions, the JWKS, refusals and
//! their recorded causes, attacks, M2M tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use e2e::world::{self, Terms};
use e2e::{Engine, User, fixture, fixtures};
use interop::domain::Role;
use interop::domain::ids::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

const ASSERTION_AUD: &str = "recapito-interop/client-assertion";
const VOUCHER_AUD: &str = "https://api.comune.example/rc";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A consumer whose client (with client-a's key) is attached to an ACTIVE purpose.
struct Setup {
    engine: Engine,
    producer: User,
    consumer: User,
    eservice: String,
    descriptor: String,
    agreement: String,
    purpose: String,
    version: String,
    client: String,
    kid: String,
}

async fn setup() -> Setup {
    let engine = Engine::spawn().await;
    let producer = engine.tenant("PagoPA").await;
    let consumer = engine.tenant("Comune di Esempio").await;
    let terms = Terms {
        voucher_lifespan: 300,
        daily_calls_per_consumer: 1000,
        daily_calls_total: 1000,
        daily_calls: 10,
        ..Terms::new(VOUCHER_AUD)
    };
    let s = world::subscribe(&producer, &consumer, &terms).await;
    let (client, kid) = world::client_with_key(&consumer, "Gateway", "client-a").await;
    world::attach(&consumer, &client, &s.purpose).await;
    let world::Subscription {
        eservice,
        descriptor,
        agreement,
        purpose,
        version,
    } = s;
    Setup {
        engine,
        producer,
        consumer,
        eservice,
        descriptor,
        agreement,
        purpose,
        version,
        client,
        kid,
    }
}

/// What an assertion says; each test bends one field.
#[derive(Clone)]
struct Assertion {
    key_pem: String,
    kid: String,
    alg: Algorithm,
    claims: Value,
}

impl Setup {
    fn assertion(&self) -> Assertion {
        let t = now();
        Assertion {
            key_pem: fixture("keys/client-a.key.pem"),
            kid: self.kid.clone(),
            alg: Algorithm::RS256,
            claims: json!({"iss": self.client, "sub": self.client, "aud": ASSERTION_AUD, "jti": uuid::Uuid::new_v4().to_string(),
                           "iat": t, "exp": t + 120, "purposeId": self.purpose}),
        }
    }

    async fn request(&self, form: &[(&str, &str)]) -> e2e::Reply {
        e2e::reply(
            self.engine
                .http
                .post(format!("{}/token.oauth2", self.engine.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn token(&self, jws: &str) -> e2e::Reply {
        self.request(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", jws),
            ("client_id", &self.client),
        ])
        .await
    }

    /// Asserts a refusal: generic 401 publicly, the exact cause in the client's failure log.
    async fn refused(&self, jws: &str, cause: &str) {
        let r = self
            .token(jws)
            .await
            .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
        assert!(
            !r.body["detail"].as_str().unwrap().contains(cause),
            "the public answer stays generic"
        );
        let log = self
            .consumer
            .get(&format!("/clients/{}/token-failures", self.client))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(log.body[0]["code"], cause, "{}", log.body);
    }

    async fn jwks(&self) -> Value {
        e2e::reply(
            self.engine
                .http
                .get(format!("{}/.well-known/jwks.json", self.engine.base))
                .send()
                .await
                .unwrap(),
        )
        .await
        .body
    }

    /// Verifies a voucher against the published JWKS; returns its header and claims.
    async fn verify(&self, token: &str, audience: &str) -> (jsonwebtoken::Header, Value) {
        let header = jsonwebtoken::decode_header(token).unwrap();
        let jwks = self.jwks().await;
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == header.kid.clone().unwrap().as_str())
            .expect("kid published");
        let key = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&[audience]);
        let data = jsonwebtoken::decode::<Value>(token, &key, &v)
            .expect("voucher verifies against the JWKS");
        (header, data.claims)
    }
}

impl Assertion {
    fn sign(&self) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        let key = match self.alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(self.key_pem.as_bytes()).unwrap(),
            _ => EncodingKey::from_secret(self.key_pem.as_bytes()),
        };
        jsonwebtoken::encode(&header, &self.claims, &key).unwrap()
    }

    fn with(mut self, claim: &str, value: Value) -> Self {
        if value.is_null() {
            self.claims.as_object_mut().unwrap().remove(claim);
        } else {
            self.claims[claim] = value;
        }
        self
    }
}

/// Finds a Python with PyJWT (Debian's python3-jwt, or the one `scripts/test` installs).
fn python_with_pyjwt() -> String {
    let candidates = [
        std::env::var("RECAPITO_PYTHON").unwrap_or_default(),
        "python3".into(),
        "/usr/bin/python3".into(),
    ];
    for p in candidates.iter().filter(|p| !p.is_empty()) {
        let ok = std::process::Command::new(p)
            .args(["-c", "import jwt, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return p.clone();
        }
    }
    panic!(
        "no python3 with PyJWT and cryptography: run scripts/test (it installs them) or set RECAPITO_PYTHON"
    );
}

#[tokio::test]
async fn an_assertion_built_with_pyjwt_gets_a_voucher_that_verifies_against_the_jwks() {
    let s = setup().await;
    let python = python_with_pyjwt();
    let script = fixtures().join("../tests/scripts/pyjwt_voucher.py");
    let key = fixtures().join("keys/client-a.key.pem");
    let engine = s.engine.base.clone();
    let (client, purpose, kid) = (s.client.clone(), s.purpose.clone(), s.kid.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args([
                engine.as_str(),
                key.to_str().unwrap(),
                &kid,
                &client,
                &purpose,
                ASSERTION_AUD,
                VOUCHER_AUD,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "pyjwt client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["header"]["typ"], "at+jwt");
    assert_eq!(v["header"]["alg"], "RS256");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 300);
    let c = &v["claims"];
    assert_eq!(c["aud"], VOUCHER_AUD);
    assert_eq!(c["sub"], s.client.as_str());
    assert_eq!(c["client_id"], s.client.as_str());
    assert_eq!(c["purposeId"], s.purpose.as_str());
    assert_eq!(c["consumerId"], s.consumer.tenant_id().to_string());
    assert_eq!(c["producerId"], s.producer.tenant_id().to_string());
    assert_eq!(c["eserviceId"], s.eservice.as_str());
    assert_eq!(c["descriptorId"], s.descriptor.as_str());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    assert_eq!(c["nbf"], c["iat"]);
    assert_eq!(c["iss"], "recapito-interop");
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()));
}

#[tokio::test]
async fn voucher_is_issued_exactly_as_specified_and_copies_the_digest() {
    let s = setup().await;
    let digest = json!({"alg": "SHA256", "value": "a".repeat(64)});
    let r = s
        .token(&s.assertion().with("digest", digest.clone()).sign())
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body["token_type"], "Bearer");
    let (header, claims) = s.verify(&r.str("/access_token"), VOUCHER_AUD).await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims["digest"], digest);
    assert_eq!(claims["descriptorId"], s.descriptor.as_str());
    let bad = json!({"alg": "MD5", "value": "a".repeat(64)});
    s.refused(&s.assertion().with("digest", bad).sign(), "DIGEST_INVALID")
        .await;
}

#[tokio::test]
async fn attacks_on_the_assertion_are_refused() {
    let s = setup().await;
    let pubkey = fixture("keys/client-a.pub.pem");
    // HS256 "signed" with the public key as the secret.
    let hs = Assertion {
        alg: Algorithm::HS256,
        key_pem: pubkey,
        ..s.assertion()
    };
    s.refused(&hs.sign(), "ASSERTION_ALG_NOT_ALLOWED").await;
    // alg: none, no signature.
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": s.kid}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(s.assertion().claims.to_string());
    s.token(&format!("{header}.{payload}."))
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    // Signed by another key under this kid.
    let forged = Assertion {
        key_pem: fixture("keys/client-b.key.pem"),
        ..s.assertion()
    };
    s.refused(&forged.sign(), "ASSERTION_SIGNATURE_INVALID")
        .await;
    // Expired, issued in the future, too long-lived, wrong audience.
    let t = now();
    s.refused(
        &s.assertion()
            .with("iat", json!(t - 600))
            .with("exp", json!(t - 300))
            .sign(),
        "ASSERTION_EXPIRED",
    )
    .await;
    s.refused(
        &s.assertion()
            .with("iat", json!(t + 300))
            .with("exp", json!(t + 400))
            .sign(),
        "ASSERTION_IAT_IN_FUTURE",
    )
    .await;
    s.refused(
        &s.assertion().with("exp", json!(t + 86_400)).sign(),
        "ASSERTION_LIFETIME_TOO_LONG",
    )
    .await;
    s.refused(
        &s.assertion()
            .with("aud", json!("https://somewhere.else"))
            .sign(),
        "ASSERTION_AUDIENCE_INVALID",
    )
    .await;
    s.refused(
        &s.assertion().with("jti", Value::Null).sign(),
        "ASSERTION_CLAIM_MISSING",
    )
    .await;
    // sub must be the client holding the key; client_id must match sub.
    s.refused(
        &s.assertion()
            .with("sub", json!(uuid::Uuid::new_v4().to_string()))
            .sign(),
        "SUB_MISMATCH",
    )
    .await;
    let jws = s.assertion().sign();
    let r = s
        .request(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &jws),
            ("client_id", &uuid::Uuid::new_v4().to_string()),
        ])
        .await;
    r.expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    let log = s
        .consumer
        .get(&format!("/clients/{}/token-failures", s.client))
        .await;
    assert_eq!(log.body[0]["code"], "CLIENT_ID_MISMATCH");
    // A replayed jti.
    let once = s.assertion().sign();
    s.token(&once).await.expect_status(StatusCode::OK);
    s.refused(&once, "JTI_REPLAYED").await;
    // purposeId: required, a UUID, one of the tenant's purposes.
    s.refused(
        &s.assertion().with("purposeId", Value::Null).sign(),
        "PURPOSE_ID_REQUIRED",
    )
    .await;
    s.refused(
        &s.assertion().with("purposeId", json!("nope")).sign(),
        "PURPOSE_ID_INVALID",
    )
    .await;
    s.refused(
        &s.assertion()
            .with("purposeId", json!(uuid::Uuid::new_v4().to_string()))
            .sign(),
        "PURPOSE_NOT_FOUND",
    )
    .await;
    // An unknown kid is refused (and cannot be attributed to a client).
    let unknown = Assertion {
        kid: "A".repeat(43),
        ..s.assertion()
    };
    s.token(&unknown.sign())
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    let badkid = Assertion {
        kid: "short".into(),
        ..s.assertion()
    };
    s.token(&badkid.sign())
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    s.token("not.a.jws")
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
}

#[tokio::test]
async fn malformed_requests_get_a_400_with_the_cause() {
    let s = setup().await;
    let jws = s.assertion().sign();
    let r = s
        .request(&[("grant_type", "password"), ("client_assertion", &jws)])
        .await
        .expect_token_problem(StatusCode::BAD_REQUEST, "INVALID_TOKEN_REQUEST");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("INVALID_TOKEN_REQUEST (UNSUPPORTED_GRANT_TYPE): "),
        "{}",
        r.body
    );
    let r = s
        .request(&[
            ("grant_type", "client_credentials"),
            ("client_assertion", &jws),
        ])
        .await
        .expect_token_problem(StatusCode::BAD_REQUEST, "INVALID_TOKEN_REQUEST");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("INVALID_TOKEN_REQUEST (INVALID_ASSERTION_TYPE): "),
        "{}",
        r.body
    );
    let r = s
        .request(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
        ])
        .await
        .expect_token_problem(StatusCode::BAD_REQUEST, "INVALID_TOKEN_REQUEST");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("INVALID_TOKEN_REQUEST (MISSING_ASSERTION): "),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn every_token_refusal_is_exactly_pdnds_problem() {
    let s = setup().await;
    // The form extractor's own rejection (not a form) goes through the same answer.
    let r = e2e::reply(
        s.engine
            .http
            .post(format!("{}/token.oauth2", s.engine.base))
            .json(&json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .expect_token_problem(StatusCode::BAD_REQUEST, "INVALID_TOKEN_REQUEST");
    let members: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(members, ["detail", "status", "title", "type"], "{}", r.body);
    let r = s
        .token("not.a.jws")
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    assert!(r.body.get("code").is_none() && r.body.get("fields").is_none());
    // The check itself: the engine's usual problem (with `code` and `fields`) breaks PDND's.
    let ours = json!({"type": "https://recapito.dev/problems/X", "title": "Bad Request",
        "status": 400, "code": "X", "detail": "d", "fields": ["f"]});
    assert_eq!(
        e2e::pdnd_problem_violations(&ours),
        [
            "code is not a member of PDND's Problem",
            "fields is not a member of PDND's Problem"
        ]
    );
    let bad = json!({"type": "t", "title": "Ünauthorized", "status": 600, "detail": "a\nb",
        "errors": [{"code": "TOKEN_REFUSED", "detail": "d"}]});
    assert_eq!(e2e::pdnd_problem_violations(&bad).len(), 4);
}

/// Seed: "Operatività e sospensioni": each of the three points stops vouchers at once, and
/// lifting it restores them.
#[tokio::test]
async fn every_suspension_point_stops_vouchers_at_once() {
    let s = setup().await;
    s.token(&s.assertion().sign())
        .await
        .expect_status(StatusCode::OK);
    let d = format!("/eservices/{}/descriptors/{}", s.eservice, s.descriptor);
    s.producer
        .act(&format!("{d}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    s.refused(&s.assertion().sign(), "DESCRIPTOR_NOT_ACTIVE")
        .await;
    s.producer
        .act(&format!("{d}/activate"))
        .await
        .expect_status(StatusCode::OK);
    s.token(&s.assertion().sign())
        .await
        .expect_status(StatusCode::OK);

    let a = format!("/agreements/{}", s.agreement);
    for side in [&s.consumer, &s.producer] {
        side.act(&format!("{a}/suspend"))
            .await
            .expect_status(StatusCode::OK);
        s.refused(&s.assertion().sign(), "AGREEMENT_NOT_ACTIVE")
            .await;
        side.act(&format!("{a}/activate"))
            .await
            .expect_status(StatusCode::OK);
        s.token(&s.assertion().sign())
            .await
            .expect_status(StatusCode::OK);
    }

    let v = format!("/purposes/{}/versions/{}", s.purpose, s.version);
    for side in [&s.consumer, &s.producer] {
        side.act(&format!("{v}/suspend"))
            .await
            .expect_status(StatusCode::OK);
        s.refused(&s.assertion().sign(), "PURPOSE_NOT_ACTIVE").await;
        side.act(&format!("{v}/activate"))
            .await
            .expect_status(StatusCode::OK);
        s.token(&s.assertion().sign())
            .await
            .expect_status(StatusCode::OK);
    }
}

#[tokio::test]
async fn detaching_the_client_deleting_the_key_or_the_client_stops_vouchers() {
    let s = setup().await;
    s.consumer
        .delete(&format!("/clients/{}/purposes/{}", s.client, s.purpose))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.refused(&s.assertion().sign(), "CLIENT_NOT_ON_PURPOSE")
        .await;
    s.consumer
        .post(
            &format!("/clients/{}/purposes", s.client),
            json!({"purpose_id": s.purpose}),
        )
        .await
        .expect_status(StatusCode::OK);
    s.token(&s.assertion().sign())
        .await
        .expect_status(StatusCode::OK);

    // Archiving the purpose stops its keys for it.
    // (Deleting the key, then the client, are checked on a fresh key below.)
    s.consumer
        .delete(&format!("/clients/{}/keys/{}", s.client, s.kid))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.token(&s.assertion().sign())
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    s.consumer
        .post(
            &format!("/clients/{}/keys", s.client),
            json!({"name": "k", "key": fixture("keys/client-a.pub.pem")}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    s.token(&s.assertion().sign())
        .await
        .expect_status(StatusCode::OK);
    s.consumer
        .delete(&format!("/clients/{}", s.client))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.token(&s.assertion().sign())
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
}

#[tokio::test]
async fn archiving_the_purpose_stops_vouchers_for_it() {
    let s = setup().await;
    s.consumer
        .act(&format!(
            "/purposes/{}/versions/{}/archive",
            s.purpose, s.version
        ))
        .await
        .expect_status(StatusCode::OK);
    s.refused(&s.assertion().sign(), "PURPOSE_NOT_ACTIVE").await;
}

#[tokio::test]
async fn token_failures_are_for_the_clients_owner_only() {
    let s = setup().await;
    s.refused(
        &s.assertion().with("aud", json!("x")).sign(),
        "ASSERTION_AUDIENCE_INVALID",
    )
    .await;
    let stranger = s.engine.tenant("Altro Ente").await;
    stranger
        .get(&format!("/clients/{}/token-failures", s.client))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "CLIENT_NOT_FOUND");
    let log = s
        .consumer
        .get(&format!("/clients/{}/token-failures", s.client))
        .await;
    assert_eq!(log.body[0]["kid"], s.kid.as_str());
    assert_eq!(log.body[0]["purpose_id"], s.purpose.as_str());
}

#[tokio::test]
async fn api_clients_get_m2m_tokens_for_everything_but_keys() {
    let s = setup().await;
    let security = UserId::random();
    s.consumer
        .post(
            &format!("/tenants/{}/users", s.consumer.tenant_id()),
            json!({"id": security, "name": "Sec", "roles": ["security"]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let m2m = s
        .consumer
        .post(
            "/clients",
            json!({"name": "Automation", "kind": "API", "members": [security]}),
        )
        .await
        .str("/id");
    let sec = s
        .engine
        .user(security, s.consumer.tenant, &[Role::Security]);
    let kid = sec
        .post(
            &format!("/clients/{m2m}/keys"),
            json!({"name": "m2m", "key": fixture("keys/client-b.pub.pem")}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .str("/kid");
    let t = now();
    let a = Assertion {
        key_pem: fixture("keys/client-b.key.pem"),
        kid,
        alg: Algorithm::RS256,
        claims: json!({"iss": m2m, "sub": m2m, "aud": ASSERTION_AUD, "jti": "m2m-1", "iat": t, "exp": t + 60}),
    };
    let r = s
        .request(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &a.sign()),
        ])
        .await
        .expect_status(StatusCode::OK);
    let token = r.str("/access_token");
    let (_, claims) = s.verify(&token, "recapito-interop/m2m").await;
    assert_eq!(claims["organizationId"], s.consumer.tenant_id().to_string());
    assert_eq!(claims["role"], "m2m");

    let call = |path: String| {
        let http = s.engine.http.clone();
        let url = format!("{}{path}", s.engine.base);
        let token = token.clone();
        async move { e2e::reply(http.get(url).bearer_auth(token).send().await.unwrap()).await }
    };
    call(format!("/purposes/{}", s.purpose))
        .await
        .expect_status(StatusCode::OK);
    let upload = s
        .engine
        .http
        .post(format!("{}/clients/{}/keys", s.engine.base, s.client))
        .bearer_auth(&token)
        .json(&json!({"name": "x", "key": fixture("keys/client-a.pub.pem")}))
        .send()
        .await
        .unwrap();
    e2e::reply(upload)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "M2M_NOT_ALLOWED");
    // M2M tokens stop working when their client is deleted.
    s.consumer
        .delete(&format!("/clients/{m2m}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    call(format!("/purposes/{}", s.purpose))
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
}

#[tokio::test]
async fn rotation_keeps_the_old_key_published_and_signs_with_the_new_one() {
    let s = setup().await;
    let before = s
        .token(&s.assertion().sign())
        .await
        .expect_status(StatusCode::OK)
        .str("/access_token");
    let old_kid = jsonwebtoken::decode_header(&before).unwrap().kid.unwrap();
    s.consumer
        .act("/signing-keys/rotate")
        .await
        .expect_problem(StatusCode::FORBIDDEN, "ROLE_REQUIRED");
    let jwks = s
        .engine
        .platform()
        .act("/signing-keys/rotate")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(jwks.body["keys"].as_array().unwrap().len(), 2);
    let after = s
        .token(&s.assertion().sign())
        .await
        .expect_status(StatusCode::OK)
        .str("/access_token");
    let new_kid = jsonwebtoken::decode_header(&after).unwrap().kid.unwrap();
    assert_ne!(old_kid, new_kid);
    s.verify(&before, VOUCHER_AUD).await;
    s.verify(&after, VOUCHER_AUD).await;
}
