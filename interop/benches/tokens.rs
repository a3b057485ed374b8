//! Token issuance throughput over HTTP, next to this machine's own RSA-2048 signing rate.
//!
//! `cargo bench -p interop --bench tokens` (options after `--`: `--seconds N`, `--concurrency N`).
//! Starts an engine on a loopback port, seeds one purpose through the management API, pre-signs
//! client assertions (so the client's own RSA work is not in the timed phase), then asks for
//! vouchers from several connections for a fixed time. In the same run it measures
//! `openssl speed rsa2048` (one core and both cores) and prints the ratios.

use interop::api::auth::IdentityIssuer;
use interop::domain::Role;
use interop::domain::ids::UserId;
use interop::{Application, Config};
use provider_sdk::voucher::{ClientAssertionClaims, ClientKey};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ASSERTION_AUD: &str = "recapito-interop/client-assertion";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys")
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

/// The platform operator the benchmark's engine is configured with.
const PLATFORM_OPERATOR: UserId = UserId(uuid::Uuid::from_u128(
    0x0b6f1c2e_7a43_4d5e_9f10_2c3b4a5d6e7f,
));

/// Seeds producer, consumer, a published e-service, an active agreement and purpose, a client
/// with `client-a`'s key. Returns (client id, purpose id, kid).
async fn seed(api: &Api, idp: &IdentityIssuer) -> (String, String, String) {
    use reqwest::Method;
    let platform = idp
        .mint(PLATFORM_OPERATOR, None, &[Role::Platform], 3600)
        .unwrap();
    let mut admins = Vec::new();
    for name in ["PagoPA", "Comune di Esempio"] {
        let admin = UserId::random();
        let t = api
            .call(
                &platform,
                Method::POST,
                "/tenants",
                Some(json!({"name": name, "admin": {"id": admin, "name": "admin"}})),
            )
            .await;
        let tenant = t["id"].as_str().unwrap().parse().unwrap();
        admins.push(idp.mint(admin, Some(tenant), &[Role::Admin], 3600).unwrap());
    }
    let (producer, consumer) = (&admins[0], &admins[1]);
    let e = api
        .call(producer, Method::POST, "/eservices", Some(json!({"name": "Messaggi remoti", "description": "Remote content of messages", "technology": "REST", "mode": "DELIVER",
            "descriptor": {"audience": ["https://api.example/rc"], "voucher_lifespan": 600, "daily_calls_per_consumer": 1000000, "daily_calls_total": 1000000,
                           "agreement_approval_policy": "AUTOMATIC", "server_urls": ["https://api.example/rc/v1"]}})))
        .await;
    let (eid, did) = (
        e["id"].as_str().unwrap().to_owned(),
        e["descriptors"][0]["id"].as_str().unwrap().to_owned(),
    );
    api.call(
        producer,
        Method::POST,
        &format!("/eservices/{eid}/descriptors/{did}/publish"),
        None,
    )
    .await;
    let a = api
        .call(
            consumer,
            Method::POST,
            "/agreements",
            Some(json!({"eservice_id": eid})),
        )
        .await;
    api.call(
        consumer,
        Method::POST,
        &format!("/agreements/{}/submit", a["id"].as_str().unwrap()),
        None,
    )
    .await;
    let p = api
        .call(consumer, Method::POST, "/purposes", Some(json!({"eservice_id": eid, "title": "Benchmark", "description": "Token benchmark purpose", "risk_analysis": {"v": 1}, "daily_calls": 10})))
        .await;
    let (pid, vid) = (
        p["id"].as_str().unwrap().to_owned(),
        p["versions"][0]["id"].as_str().unwrap().to_owned(),
    );
    api.call(
        consumer,
        Method::POST,
        &format!("/purposes/{pid}/versions/{vid}/activate"),
        None,
    )
    .await;
    let user = consumer_admin_id(consumer);
    let c = api
        .call(
            consumer,
            Method::POST,
            "/clients",
            Some(json!({"name": "Bench", "kind": "CONSUMER", "members": [user]})),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let pem = std::fs::read_to_string(fixtures().join("client-a.pub.pem")).unwrap();
    let k = api
        .call(
            consumer,
            Method::POST,
            &format!("/clients/{cid}/keys"),
            Some(json!({"name": "bench", "key": pem})),
        )
        .await;
    api.call(
        consumer,
        Method::POST,
        &format!("/clients/{cid}/purposes"),
        Some(json!({"purpose_id": pid})),
    )
    .await;
    (cid, pid, k["kid"].as_str().unwrap().to_owned())
}

/// The `sub` of an identity token (its user).
fn consumer_admin_id(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Pre-signs `n` assertions on every core.
fn presign(n: usize, client: &str, purpose: &str, kid: &str) -> Vec<String> {
    let key = ClientKey::from_pem(
        client,
        kid,
        &std::fs::read(fixtures().join("client-a.key.pem")).unwrap(),
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let out = Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|s| {
        for t in 0..threads {
            let (key, out) = (&key, &out);
            s.spawn(move || {
                let mut mine = Vec::new();
                for i in (t..n).step_by(threads) {
                    let claims = ClientAssertionClaims {
                        jti: format!("bench-{i}"),
                        iat: now,
                        exp: now + 900,
                        ..ClientAssertionClaims::new(client, ASSERTION_AUD, purpose)
                    };
                    mine.push(key.sign(&claims).unwrap());
                }
                out.lock().unwrap().extend(mine);
            });
        }
    });
    out.into_inner().unwrap()
}

/// `openssl speed` RSA-2048 signs per second (`multi` processes).
fn openssl_rate(multi: u32) -> Option<f64> {
    let mut cmd = std::process::Command::new("openssl");
    cmd.args(["speed", "-seconds", "3"]);
    if multi > 1 {
        cmd.args(["-multi", &multi.to_string()]);
    }
    let out = cmd.arg("rsa2048").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "rsa 2048 bits 0.000611s 0.000018s   1636.4  55038.6" or, with -multi, "rsa 2048 bits ... sign/s ..." lines
    text.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("rsa 2048") || l.trim_start().starts_with("rsa  2048"))
        .and_then(|l| {
            let nums: Vec<f64> = l
                .split_whitespace()
                .filter_map(|w| w.trim_end_matches('s').parse::<f64>().ok())
                .collect();
            // [2048, sign time, verify time, sign/s, verify/s]
            nums.get(3).copied()
        })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let seconds = arg("--seconds", 10);
    let concurrency = arg("--concurrency", 16) as usize;
    let dir = tempfile::tempdir().unwrap();

    // The engine on its own runtime (both cores), the load generator on another.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.identity.issuer = "bench-idp".into();
    config.identity.public_key_path = Some(fixtures().join("identity.pub.pem"));
    config.identity.platform_operators = vec![PLATFORM_OPERATOR];
    let app = server
        .block_on(Application::build(&config))
        .expect("engine");
    let base = format!("http://127.0.0.1:{}", app.port());
    server.spawn(app.run_until(std::future::pending()));

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let idp = IdentityIssuer::new(
        &std::fs::read(fixtures().join("identity.key.pem")).unwrap(),
        "bench-idp",
        "recapito-interop",
    )
    .unwrap();
    let api = Api {
        http: reqwest::Client::new(),
        base: base.clone(),
    };
    let (client, purpose, kid) = client_rt.block_on(seed(&api, &idp));

    let n = (seconds as usize) * 8000;
    eprintln!("pre-signing {n} assertions…");
    let assertions = Arc::new(presign(n, &client, &purpose, &kid));

    eprintln!("issuing vouchers for {seconds} s with {concurrency} connections…");
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let (ok, failed, mut latencies) = client_rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (assertions, next, http, base, client) = (
                assertions.clone(),
                next.clone(),
                reqwest::Client::new(),
                base.clone(),
                client.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut failed, mut lat) = (0usize, 0usize, Vec::new());
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(a) = assertions.get(i) else { break };
                    let t = Instant::now();
                    let form = [
                        ("grant_type", "client_credentials"),
                        (
                            "client_assertion_type",
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        ),
                        ("client_assertion", a.as_str()),
                        ("client_id", client.as_str()),
                    ];
                    match http
                        .post(format!("{base}/token.oauth2"))
                        .form(&form)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            ok += 1;
                            lat.push(t.elapsed());
                        }
                        _ => failed += 1,
                    }
                }
                (ok, failed, lat)
            }));
        }
        let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
        for t in tasks {
            let (o, f, l) = t.await.unwrap();
            ok += o;
            failed += f;
            lat.extend(l);
        }
        (ok, failed, lat)
    });
    let elapsed = started.elapsed().as_secs_f64();
    drop(server);
    latencies.sort();
    let rate = ok as f64 / elapsed;

    eprintln!("measuring openssl speed rsa2048…");
    let one = openssl_rate(1);
    let both = openssl_rate(2);
    println!("\n| measure | value |\n| --- | --- |");
    println!("| vouchers issued over HTTP | {ok} in {elapsed:.1} s ({failed} failed) |");
    println!("| vouchers/s | {rate:.0} |");
    println!(
        "| latency p50 / p99 | {:.2} ms / {:.2} ms |",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    if let Some(one) = one {
        println!("| openssl RSA-2048 signs/s, one core | {one:.0} |");
        println!(
            "| ratio vouchers/s : openssl one core | {:.2} |",
            rate / one
        );
    }
    if let Some(both) = both {
        println!("| openssl RSA-2048 signs/s, both cores (-multi 2) | {both:.0} |");
        println!(
            "| ratio vouchers/s : openssl both cores | {:.2} |",
            rate / both
        );
    }
}
