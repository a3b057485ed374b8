//! Two Interop engine instances on one PostgreSQL database and no shared memory (issue 8): racing
//! instances cannot both win a purpose's threshold, an assertion is accepted once whichever
//! instance it reaches, and a voucher signed by one verifies with the other's JWKS, also after a
//! rotation. Each test has its own schema on the server scripts/test starts
//! (`RECAPITO_TEST_POSTGRES_URL`); without it the tests fail under `CI=true` and are skipped,
//! loudly, otherwise.

use e2e::world::{self, Terms};
use e2e::{Engine, User, fixture, pg};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ASSERTION_AUD: &str = "recapito-interop/client-assertion";
const VOUCHER_AUD: &str = "https://api.comune.example/rc";

struct Pair {
    one: Engine,
    two: Engine,
    schema: pg::PgSchema,
}

impl Pair {
    async fn start() -> Option<Pair> {
        let schema = pg::schema("interop_e2e").await?;
        let (one, two) = tokio::join!(Engine::spawn_on(&schema.url), Engine::spawn_on(&schema.url));
        Some(Pair { one, two, schema })
    }

    /// The engines, alternately.
    fn engine(&self, i: usize) -> &Engine {
        if i.is_multiple_of(2) {
            &self.one
        } else {
            &self.two
        }
    }
}

/// The state of every version of `purpose`, as `engine` reports it.
async fn version_state(user: &User, purpose: &str) -> (String, u64) {
    let p = user
        .get(&format!("/purposes/{purpose}"))
        .await
        .expect_status(StatusCode::OK);
    (
        p.str("/versions/0/state"),
        p.body["versions"][0]["daily_calls"].as_u64().unwrap(),
    )
}

/// Twelve consumers activate purposes of 3 000 calls a day at once, half through each instance,
/// on an e-service whose threshold is 10 000 in total: exactly three fit. Without serialization
/// across instances, each instance would decide on a state without the other's activations and
/// both would let more through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_instances_never_exceed_a_purpose_threshold() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    const TOTAL: u64 = 10_000;
    const EACH: u64 = 3_000;
    let producer = pair.one.tenant("Produttore").await;
    let terms = Terms {
        daily_calls_per_consumer: TOTAL,
        daily_calls_total: TOTAL,
        ..Terms::new(VOUCHER_AUD)
    };
    let (eservice, _) = world::publish(&producer, &terms).await;

    // Twelve consumers, each with an active agreement and a draft purpose, set up through
    // alternate instances.
    let mut drafts = Vec::new();
    for i in 0..12 {
        let consumer = pair.engine(i).tenant(&format!("Comune {i}")).await;
        world::agree(&consumer, &eservice).await;
        let p = consumer
            .post(
                "/purposes",
                json!({"eservice_id": eservice, "title": format!("Finalità {i}"),
                "description": "Finalità della prova di soglia", "risk_analysis": {"v": 1},
                "daily_calls": EACH}),
            )
            .await
            .expect_status(StatusCode::CREATED);
        drafts.push((consumer, p.str("/id"), p.str("/versions/0/id")));
    }

    // All at once: consumer i activates through instance i % 2.
    let mut racing = tokio::task::JoinSet::new();
    for (i, (consumer, purpose, version)) in drafts.iter().enumerate() {
        let user = consumer.on(pair.engine(i));
        let path = format!("/purposes/{purpose}/versions/{version}/activate");
        racing.spawn(async move { user.act(&path).await.status });
    }
    for status in racing.join_all().await {
        assert_eq!(status, StatusCode::OK);
    }

    // Both instances report the same outcome, and the active load fits the threshold.
    for engine in [&pair.one, &pair.two] {
        let mut active = 0;
        let mut waiting = 0;
        let mut load = 0;
        for (consumer, purpose, _) in &drafts {
            match version_state(&consumer.on(engine), purpose).await {
                (state, calls) if state == "ACTIVE" => {
                    active += 1;
                    load += calls;
                }
                (state, _) if state == "WAITING_FOR_APPROVAL" => waiting += 1,
                (state, _) => panic!("unexpected version state {state}"),
            }
        }
        assert!(
            load <= TOTAL,
            "active daily calls {load} > threshold {TOTAL}"
        );
        assert_eq!((active, waiting), (3, 9), "as many as fit, no more");
    }
    pair.schema.drop().await;
}

/// A consumer with client-a's key on an active purpose, on the shared database.
struct Client {
    id: String,
    kid: String,
    purpose: String,
}

async fn client(pair: &Pair) -> (User, Client) {
    let producer = pair.one.tenant("Erogatore").await;
    let consumer = pair.two.tenant("Fruitore").await;
    let s = world::subscribe(&producer, &consumer, &Terms::new(VOUCHER_AUD)).await;
    let (id, kid) = world::client_with_key(&consumer, "Gateway", "client-a").await;
    world::attach(&consumer, &id, &s.purpose).await;
    let client = Client {
        id,
        kid,
        purpose: s.purpose,
    };
    (consumer, client)
}

fn assertion(c: &Client) -> String {
    provider_sdk::voucher::ClientKey::from_pem(
        &c.id,
        &c.kid,
        fixture("keys/client-a.key.pem").as_bytes(),
    )
    .unwrap()
    .client_assertion(ASSERTION_AUD, &c.purpose)
    .unwrap()
}

async fn token(engine: &Engine, c: &Client, jws: &str) -> e2e::Reply {
    let form = [
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", jws),
        ("client_id", c.id.as_str()),
    ];
    e2e::reply(
        engine
            .http
            .post(format!("{}/token.oauth2", engine.base))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn jwks(engine: &Engine) -> Value {
    e2e::reply(
        engine
            .http
            .get(format!("{}/.well-known/jwks.json", engine.base))
            .send()
            .await
            .unwrap(),
    )
    .await
    .body
}

/// Verifies `voucher` against `engine`'s JWKS; returns its kid.
async fn verify_with(engine: &Engine, voucher: &str) -> String {
    let kid = jsonwebtoken::decode_header(voucher).unwrap().kid.unwrap();
    let set = jwks(engine).await;
    let jwk = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} is not in {}'s JWKS: {set}", engine.base));
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[VOUCHER_AUD]);
    jsonwebtoken::decode::<Value>(voucher, &key, &v).expect("the voucher verifies");
    kid
}

/// An assertion used at one instance is refused at the other, also when both receive it at
/// the same moment; the cause is readable through either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assertion_is_accepted_once_across_instances() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let (consumer, c) = client(&pair).await;

    let jws = assertion(&c);
    token(&pair.one, &c, &jws)
        .await
        .expect_status(StatusCode::OK);
    token(&pair.two, &c, &jws)
        .await
        .expect_token_problem(StatusCode::UNAUTHORIZED, "TOKEN_REFUSED");
    let log = consumer
        .on(&pair.one)
        .get(&format!("/clients/{}/token-failures", c.id))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(log.body[0]["code"], "JTI_REPLAYED", "{}", log.body);

    // Raced: ten copies of one assertion, five to each instance, at once.
    let jws = assertion(&c);
    let (one, two) = (pair.one.base.clone(), pair.two.base.clone());
    let mut racing = tokio::task::JoinSet::new();
    for i in 0..10usize {
        let base = if i.is_multiple_of(2) {
            one.clone()
        } else {
            two.clone()
        };
        let form = [
            ("grant_type", "client_credentials".to_string()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion", jws.clone()),
            ("client_id", c.id.clone()),
        ];
        let http = pair.one.http.clone();
        racing.spawn(async move {
            http.post(format!("{base}/token.oauth2"))
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = racing.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED)
    );
    pair.schema.drop().await;
}

/// Both instances sign with the same key and publish the same JWKS; after a rotation through one,
/// the other publishes the new key at once and signs with it within the keys' freshness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vouchers_of_one_instance_verify_with_the_jwks_of_the_other() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let (_, c) = client(&pair).await;
    assert_eq!(jwks(&pair.one).await, jwks(&pair.two).await);
    assert_eq!(jwks(&pair.one).await["keys"].as_array().unwrap().len(), 1);

    let from_one = token(&pair.one, &c, &assertion(&c))
        .await
        .expect_status(StatusCode::OK)
        .str("/access_token");
    let from_two = token(&pair.two, &c, &assertion(&c))
        .await
        .expect_status(StatusCode::OK)
        .str("/access_token");
    let first_kid = verify_with(&pair.two, &from_one).await;
    assert_eq!(verify_with(&pair.one, &from_two).await, first_kid);

    // Rotation through one: the other publishes the new key within interop's JWKS_FRESHNESS
    // (1 s).
    let rotated = pair
        .one
        .platform()
        .act("/signing-keys/rotate")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(rotated.body["keys"].as_array().unwrap().len(), 2);
    let deadline = Instant::now() + Duration::from_secs(10);
    while jwks(&pair.two).await != rotated.body {
        assert!(
            Instant::now() < deadline,
            "instance two never published the new key"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let new_from_one = token(&pair.one, &c, &assertion(&c))
        .await
        .expect_status(StatusCode::OK)
        .str("/access_token");
    let new_kid = verify_with(&pair.two, &new_from_one).await;
    assert_ne!(new_kid, first_kid);
    // The other instance moves to the new key within interop's KEYS_FRESHNESS (2 s); until then
    // what it signs still verifies everywhere.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let v = token(&pair.two, &c, &assertion(&c))
            .await
            .expect_status(StatusCode::OK)
            .str("/access_token");
        let kid = verify_with(&pair.one, &v).await;
        if kid == new_kid {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "instance two still signs with {kid}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    pair.schema.drop().await;
}
