//! Horizontal scale on PostgreSQL (issue 8): message submissions/s through one and two gateway
//! instances, vouchers/s from one and two Interop engine instances, next to `pgbench`'s
//! simple-update rate on the same server, in one run.
//!
//! `cargo bench -p e2e --bench postgres_scale` (options after `--`: `--seconds N` (10 per
//! phase), `--concurrency N` (32 client connections in every phase, pgbench's `-c` too),
//! `--scale N` (pgbench's `-s`, 10)).
//!
//! 1. Starts a throwaway, **durable** PostgreSQL (`scripts/pg start --durable`: fsync and
//!    full-page writes on; stopped at the end) unless `RECAPITO_BENCH_POSTGRES_URL` names one.
//! 2. `pgbench -i -s SCALE`, then `pgbench -b simple-update -c CONCURRENCY -j 2 -T SECONDS`: what
//!    the server does with a small write transaction per client round trip.
//! 3. Gateways: one, then two instances (each in its own fresh schema) on the server runtime
//!    (2 workers); `POST /api/v1/messages` from CONCURRENCY keep-alive connections on the load
//!    runtime (1 worker), spread over the instances. A 201 means committed.
//! 4. Engines: one, then two instances on a fresh schema each; a consumer with an active purpose
//!    and a client (fixture key client-a), assertions pre-signed before the timed phase (the
//!    client's RSA work is not measured); `POST /token.oauth2` from CONCURRENCY connections
//!    spread over the instances. Each voucher costs the engine one RSA-2048 signature and a jti
//!    recorded in the database.
//!
//! Everything shares the machine's cores: the instances, the load generator and PostgreSQL.

use e2e::gateway::{FakeInterop, Gateway, configuration, gateway_config, message};
use e2e::world::{self, Terms};
use e2e::{Engine, fixture, pg};
use provider_sdk::voucher::{ClientAssertionClaims, ClientKey};
use std::future::Future;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ASSERTION_AUD: &str = "recapito-interop/client-assertion";
const CITIZENS: [&str; 4] = [
    "SPNDNL80R13C555X",
    "RSSMRA85T10A562S",
    "VRDGPP80A01H501U",
    "BNCLRA90B41F205Z",
];

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn scripts_pg() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg").to_owned()
}

/// The server under test: started here (and stopped on drop), or given.
struct Server {
    url: String,
    dir: Option<String>,
}

impl Server {
    fn start() -> Server {
        if let Ok(url) = std::env::var("RECAPITO_BENCH_POSTGRES_URL") {
            return Server { url, dir: None };
        }
        eprintln!("starting a durable throwaway PostgreSQL (scripts/pg start --durable)…");
        let out = Command::new(scripts_pg())
            .args(["start", "--durable"])
            .output()
            .expect("run scripts/pg");
        assert!(
            out.status.success(),
            "scripts/pg start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .unwrap_or_else(|| panic!("scripts/pg printed no {name}: {text}"))
                .to_owned()
        };
        Server {
            url: value("RECAPITO_TEST_POSTGRES_URL"),
            dir: Some(value("RECAPITO_PG_DIR")),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = Command::new(scripts_pg()).args(["stop", dir]).status();
        }
    }
}

/// pgbench's simple-update transactions per second.
fn pgbench(url: &str, scale: u64, clients: u64, seconds: u64) -> f64 {
    eprintln!("pgbench -i -s {scale}…");
    let init = Command::new("pgbench")
        .args(["-i", "-q", "-s", &scale.to_string(), url])
        .output()
        .expect("pgbench is installed with Debian's postgresql-client");
    assert!(
        init.status.success(),
        "pgbench -i: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    eprintln!("pgbench -b simple-update -c {clients} for {seconds} s…");
    let run = Command::new("pgbench")
        .args([
            "-b",
            "simple-update",
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            url,
        ])
        .output()
        .expect("pgbench");
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "pgbench: {text}");
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no tps in pgbench's output: {text}"))
}

/// What a closed loop of connections achieved.
struct Run {
    ok: usize,
    failed: usize,
    elapsed: f64,
    latencies: Vec<Duration>,
    /// The loop ran out of prepared requests before the time was up.
    exhausted: bool,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// `connections` keep-alive connections, each sending `op(client, connection, n)` requests one
/// after the other for `seconds`, `n` counting requests over all connections; `op` answers
/// `Some(success)`, or `None` when there is nothing more to send.
async fn closed_loop<F, Fut>(connections: usize, seconds: u64, op: F) -> Run
where
    F: Fn(reqwest::Client, usize, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Option<bool>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for connection in 0..connections {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut ok, mut failed, mut latencies, mut exhausted) = (0, 0, Vec::new(), false);
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                match op(http.clone(), connection, n).await {
                    Some(true) => {
                        ok += 1;
                        latencies.push(t.elapsed());
                    }
                    Some(false) => failed += 1,
                    None => {
                        exhausted = true;
                        break;
                    }
                }
            }
            (ok, failed, latencies, exhausted)
        }));
    }
    let mut run = Run {
        ok: 0,
        failed: 0,
        elapsed: 0.0,
        latencies: Vec::new(),
        exhausted: false,
    };
    for t in tasks {
        let (ok, failed, latencies, exhausted) = t.await.expect("load task");
        run.ok += ok;
        run.failed += failed;
        run.latencies.extend(latencies);
        run.exhausted |= exhausted;
    }
    run.elapsed = started.elapsed().as_secs_f64();
    run.latencies.sort();
    run
}

/// Whether the answer came with `expected`; its body is read to the end (so the connection is
/// reused).
async fn succeeded(r: reqwest::Result<reqwest::Response>, expected: reqwest::StatusCode) -> bool {
    match r {
        Ok(r) => {
            let ok = r.status() == expected;
            let _ = r.bytes().await;
            ok
        }
        Err(_) => false,
    }
}

/// Submissions through `instances` gateways sharing one fresh schema.
fn submissions(
    server: &tokio::runtime::Runtime,
    load: &tokio::runtime::Runtime,
    pg_url: &str,
    instances: usize,
    connections: usize,
    seconds: u64,
) -> Run {
    let schema = server.block_on(pg::schema_on(pg_url, "bench_gateway"));
    let (interop, gateways) = server.block_on(async {
        let interop = FakeInterop::start().await;
        let mut gateways = Vec::new();
        for _ in 0..instances {
            let dir = tempfile::tempdir().unwrap().keep();
            let mut config = gateway_config(dir, &interop.jwks_url);
            config.database_url = Some(schema.url.clone());
            gateways.push(Gateway::spawn_config(config).await);
        }
        (interop, gateways)
    });
    let voucher = interop.voucher("comune", "purpose-1");
    let bases: Vec<String> = gateways.iter().map(|g| g.base.clone()).collect();
    let configuration_id = load.block_on(async {
        gateways[0]
            .entity(&voucher)
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration("https://rc.comune.example/api"),
            )
            .await
            .expect_status(reqwest::StatusCode::CREATED)
            .str("/configuration_id")
    });
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        CITIZENS
            .iter()
            .map(|fc| serde_json::to_vec(&message(fc, &configuration_id)).unwrap())
            .collect(),
    );
    let (bases, auth) = (Arc::new(bases), Arc::new(format!("Bearer {voucher}")));
    eprintln!("submissions through {instances} gateway instance(s) for {seconds} s…");
    let run = load.block_on(closed_loop(connections, seconds, move |http, c, n| {
        let (bases, auth, bodies) = (bases.clone(), auth.clone(), bodies.clone());
        async move {
            let base = &bases[c % bases.len()];
            let body = bodies[n % bodies.len()].clone();
            let r = http
                .post(format!("{base}/api/v1/messages"))
                .header("authorization", auth.as_str())
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            Some(succeeded(r, reqwest::StatusCode::CREATED).await)
        }
    }));
    let stored = server.block_on(schema.count("messages")) as usize;
    assert!(
        stored >= run.ok,
        "{stored} messages stored, {} acknowledged",
        run.ok
    );
    drop(gateways);
    drop(interop);
    server.block_on(schema.drop());
    run
}

fn presign(n: usize, client: &str, purpose: &str, kid: &str) -> Vec<String> {
    let key =
        ClientKey::from_pem(client, kid, fixture("keys/client-a.key.pem").as_bytes()).unwrap();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut all = Vec::with_capacity(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let key = &key;
                s.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| {
                            let fresh = ClientAssertionClaims::new(client, ASSERTION_AUD, purpose);
                            let claims = ClientAssertionClaims {
                                jti: format!("bench-{}-{i}", uuid::Uuid::new_v4().simple()),
                                exp: fresh.iat + 1800,
                                ..fresh
                            };
                            key.sign(&claims).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            all.extend(h.join().unwrap());
        }
    });
    all
}

/// Vouchers from `instances` engines sharing one fresh schema.
fn tokens(
    server: &tokio::runtime::Runtime,
    load: &tokio::runtime::Runtime,
    pg_url: &str,
    instances: usize,
    connections: usize,
    seconds: u64,
) -> Run {
    let schema = server.block_on(pg::schema_on(pg_url, "bench_interop"));
    let engines: Vec<Engine> = server.block_on(async {
        let mut engines = Vec::new();
        for _ in 0..instances {
            engines.push(Engine::spawn_on(&schema.url).await);
        }
        engines
    });
    let (client, purpose, kid) = load.block_on(async {
        let producer = engines[0].tenant("Erogatore").await;
        let consumer = engines[0].tenant("Fruitore").await;
        let s = world::subscribe(&producer, &consumer, &Terms::new("https://api.example/rc")).await;
        let (client, kid) = world::client_with_key(&consumer, "bench", "client-a").await;
        world::attach(&consumer, &client, &s.purpose).await;
        (client, s.purpose, kid)
    });
    let n = seconds as usize * 4_000;
    eprintln!("pre-signing {n} client assertions…");
    let assertions = Arc::new(presign(n, &client, &purpose, &kid));
    let bases: Arc<Vec<String>> = Arc::new(engines.iter().map(|e| e.base.clone()).collect());
    let client = Arc::new(client);
    eprintln!("vouchers from {instances} engine instance(s) for {seconds} s…");
    let run = load.block_on(closed_loop(connections, seconds, move |http, c, n| {
        let (bases, assertions, client) = (bases.clone(), assertions.clone(), client.clone());
        async move {
            let assertion = assertions.get(n)?;
            let base = &bases[c % bases.len()];
            let form = [
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.as_str()),
                ("client_id", client.as_str()),
            ];
            let r = http
                .post(format!("{base}/token.oauth2"))
                .form(&form)
                .send()
                .await;
            Some(succeeded(r, reqwest::StatusCode::OK).await)
        }
    }));
    let recorded = server.block_on(schema.count("interop_seen_jti")) as usize;
    assert!(
        recorded >= run.ok,
        "{recorded} assertion ids recorded, {} vouchers issued",
        run.ok
    );
    drop(engines);
    server.block_on(schema.drop());
    run
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let seconds = arg("--seconds", 10);
    let connections = arg("--concurrency", 32);
    let scale = arg("--scale", 10);
    let server_db = Server::start();
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let before = load_average();

    let pgbench_tps = pgbench(&server_db.url, scale, connections, seconds);
    let c = connections as usize;
    let sub = [1, 2].map(|i| submissions(&server, &load, &server_db.url, i, c, seconds));
    let tok = [1, 2].map(|i| tokens(&server, &load, &server_db.url, i, c, seconds));
    let after = load_average();

    println!("\n| measure | 1 instance | 2 instances | 2 : 1 |");
    println!("| --- | --- | --- | --- |");
    for (name, runs) in [("submissions/s", &sub), ("vouchers/s", &tok)] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} |",
            runs[0].rate(),
            runs[1].rate(),
            runs[1].rate() / runs[0].rate()
        );
        println!(
            "| {name}: p50 / p99 ms | {:.2} / {:.2} | {:.2} / {:.2} | |",
            runs[0].percentile(0.5),
            runs[0].percentile(0.99),
            runs[1].percentile(0.5),
            runs[1].percentile(0.99)
        );
        println!(
            "| {name}: failed, ran out of prepared requests | {}, {} | {}, {} | |",
            runs[0].failed, runs[0].exhausted, runs[1].failed, runs[1].exhausted
        );
    }
    println!("\n| reference, same server, same run | value |\n| --- | --- |");
    println!("| pgbench simple-update tps (-c {connections} -j 2 -s {scale}) | {pgbench_tps:.0} |");
    for (name, runs) in [("submissions", &sub), ("vouchers", &tok)] {
        println!(
            "| {name} : pgbench tps, 1 instance / 2 instances | {:.2} / {:.2} |",
            runs[0].rate() / pgbench_tps,
            runs[1].rate() / pgbench_tps
        );
    }
    println!("| load average before / after | {before} / {after} |");
}
