//! Message submission throughput (durable, over HTTP, voucher-authenticated) and inbox latency
//! with a million stored messages, next to a plain `sqlite3` insert loop on the same disk.
//!
//! `cargo bench -p gateway --bench submissions` (options after `--`: `--seconds N` (10),
//! `--concurrency N` (64 submitting connections), `--citizens N` (5000), `--messages N`
//! (1000000 stored before the inbox is measured), `--requests N` (2000 per single-connection
//! latency series), `--read-concurrency N` (16), `--read-seconds N` (3), `--logs` (install the
//! gateway's JSON log subscriber, writing to a sink, as the binary does)).
//!
//! 1. A stand-in Interop JWKS (axum, loopback) publishes `fixtures/keys/client-b`'s public key;
//!    vouchers are signed with its private key. The gateway runs on its own tokio runtime
//!    (2 workers) on a loopback port, its data in a temporary folder; the load generator runs
//!    on another runtime (1 worker) and shares the 2 cores.
//! 2. One remote-content configuration is created; then `POST /api/v1/messages` from N
//!    keep-alive connections for a fixed time, every body a valid message with
//!    `third_party_data` for one of a few thousand citizens. A 201 is durable: the store
//!    answers after the fsync of the group commit holding the message.
//! 3. In the same temporary folder (same disk), `sqlite3` inserts rows of the same table, with
//!    WAL and `synchronous=FULL`: one transaction per row, then 512 rows per transaction.
//! 4. The gateway's database is filled to `--messages` rows (directly, through sqlx, same
//!    columns), one heavy citizen holding 5 000 of them and the rest spread over ~100 000
//!    citizens, then the app API is timed: the list (first page, and every page through
//!    `maximum_id`) and one message, from one connection and from several.

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gateway::auth::voucher::VoucherVerifier;
use gateway::store::Store as _;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ISSUER: &str = "recapito-interop";
const AUDIENCE: &str = "recapito-gateway";
const ESERVICE: &str = "bench-eservice";
const PRODUCER: &str = "bench-producer";
const TENANT: &str = "5b0e9a4c-6f2d-4d8e-9a61-3c7f1e2b8d90";
const PURPOSE: &str = "0f8e2c1a-7b3d-4e5f-8a9b-1c2d3e4f5a6b";
const APP_KEY: &str = "bench";
/// The citizen with thousands of messages (the inbox worst case).
const HEAVY: &str = "HEAVYC80A01H501Z";
const HEAVY_MESSAGES: u64 = 5_000;
/// Rows per transaction of the batched reference (the gateway's own largest group commit).
const REFERENCE_BATCH: usize = 512;
const MARKDOWN: &str = "Gentile cittadina, gentile cittadino,\n\nè disponibile l'avviso di pagamento \
della tassa sui rifiuti (TARI) per l'anno in corso. L'importo, le scadenze delle rate e le \
modalità di pagamento sono indicati nel dettaglio del messaggio.\n\n**Ufficio Tributi**";

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

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A valid fiscal code for citizen `i` (distinct for i < 26⁶).
fn fiscal_code(i: u64) -> String {
    let mut letters = [b'A'; 6];
    let mut n = i;
    for l in letters.iter_mut().rev() {
        *l = b'A' + (n % 26) as u8;
        n /= 26;
    }
    let mut s = String::from_utf8(letters.to_vec()).expect("ascii");
    s.push_str("80A01H501");
    s.push((b'A' + (i % 26) as u8) as char);
    s
}

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The `content` of message `i` (what the store keeps as JSON).
fn content(i: u64, configuration_id: &str) -> Value {
    json!({
        "subject": format!("Avviso di pagamento TARI n. {i:08}"),
        "markdown": MARKDOWN,
        "third_party_data": {"id": format!("avviso-{i:08}"), "has_remote_content": true,
                             "has_precondition": "ONCE", "configuration_id": configuration_id}
    })
}

fn submission(fc: &str, i: u64, configuration_id: &str) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({"fiscal_code": fc, "time_to_live": 3600,
                                   "content": content(i, configuration_id)}))
        .expect("json"),
    )
}

// ---------------------------------------------------------------------------------------------
// The stand-in Interop: JWKS and vouchers.

struct Interop {
    key: EncodingKey,
    kid: String,
    jwks: Value,
}

impl Interop {
    fn new() -> Interop {
        let pem = std::fs::read(fixtures().join("client-b.key.pem")).expect("client-b key");
        let key = EncodingKey::from_rsa_pem(&pem).expect("RSA key");
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
        let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
            panic!("not an RSA key")
        };
        // RFC 7638 thumbprint: 43 base64url characters.
        let canonical = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, rsa.e, rsa.n);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        jwk.common.key_id = Some(kid.clone());
        let jwks = json!({"keys": [serde_json::to_value(&jwk).expect("jwk json")]});
        Interop { key, kid, jwks }
    }

    fn voucher(&self, n: usize) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(self.kid.clone());
        let t = now();
        let claims = provider_sdk::voucher::VoucherClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "bench-client".into(),
            client_id: "bench-client".into(),
            purpose_id: PURPOSE.into(),
            jti: format!("bench-{n}"),
            iat: t,
            nbf: t - 5,
            exp: t + 3600,
            consumer_id: TENANT.into(),
            producer_id: PRODUCER.into(),
            eservice_id: ESERVICE.into(),
            descriptor_id: "d".into(),
            digest: None,
        };
        jsonwebtoken::encode(&h, &claims, &self.key).expect("sign")
    }

    /// Serves the JWKS on loopback; returns its URL.
    async fn serve(&self) -> String {
        let jwks = self.jwks.clone();
        let app = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://127.0.0.1:{port}/.well-known/jwks.json")
    }
}

// ---------------------------------------------------------------------------------------------
// Closed-loop load: each connection sends its next request when the previous one is answered.

#[derive(Default)]
struct Run {
    ok: usize,
    failed: usize,
    elapsed: f64,
    latencies: Vec<Duration>,
    errors: BTreeMap<String, usize>,
    /// Disk reads of the whole machine while it ran (set by the caller).
    disk_reads: u64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed
    }
    fn p(&self, q: f64) -> f64 {
        percentile(&self.latencies, q)
    }
    fn report_errors(&self, what: &str) {
        for (e, n) in &self.errors {
            eprintln!("  {what}: {n} × {e}");
        }
    }
}

#[derive(Clone, Copy)]
enum Stop {
    After(Duration),
    Count(usize),
}

/// Runs `op(client, task, i)` from `connections` tasks (each its own client, so its own
/// keep-alive connection) until `stop`; `i` is a global sequence number.
async fn closed_loop<F, Fut>(connections: usize, stop: Stop, op: F) -> Run
where
    F: Fn(reqwest::Client, usize, usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = match stop {
        Stop::After(d) => Some(started + d),
        Stop::Count(_) => None,
    };
    let limit = match stop {
        Stop::Count(n) => n,
        Stop::After(_) => usize::MAX,
    };
    let mut tasks = Vec::new();
    for task in 0..connections {
        let (op, next) = (op.clone(), next.clone());
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        tasks.push(tokio::spawn(async move {
            let mut run = Run::default();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let t = Instant::now();
                match op(http.clone(), task, i).await {
                    Ok(()) => {
                        run.latencies.push(t.elapsed());
                        run.ok += 1;
                    }
                    Err(e) => {
                        run.failed += 1;
                        *run.errors.entry(e).or_default() += 1;
                    }
                }
            }
            run
        }));
    }
    let mut all = Run::default();
    for t in tasks {
        let r = t.await.expect("task");
        all.ok += r.ok;
        all.failed += r.failed;
        all.latencies.extend(r.latencies);
        for (e, n) in r.errors {
            *all.errors.entry(e).or_default() += n;
        }
    }
    all.elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort();
    all
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The body of a successful answer, or a short description of the failure.
async fn expect(
    resp: Result<reqwest::Response, reqwest::Error>,
    status: u16,
) -> Result<Bytes, String> {
    let resp = resp.map_err(|e| format!("transport: {e}"))?;
    let got = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    if got != status {
        let text = String::from_utf8_lossy(&body);
        return Err(format!(
            "{got} {}",
            text.chars().take(160).collect::<String>()
        ));
    }
    Ok(body)
}

// ---------------------------------------------------------------------------------------------
// CPU and disk accounting (Linux /proc): who used the cores during a phase.

/// USER_HZ: 100 on every Linux this runs on.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Default, Clone)]
struct Usage {
    /// Ticks by thread group of this process.
    threads: BTreeMap<&'static str, u64>,
    process: u64,
    machine_busy: u64,
    machine_total: u64,
    /// Flush requests completed by the disks (fsyncs reaching the device).
    flushes: u64,
    /// Read requests completed by the disks (page-cache misses).
    disk_reads: u64,
    /// Sectors (512 bytes) written to the disks.
    sectors_written: u64,
}

fn thread_group(comm: &str) -> &'static str {
    if comm.starts_with("gw-server") {
        "gateway"
    } else if comm.starts_with("sqlx-sqlite") {
        "sqlite"
    } else if comm.starts_with("load") {
        "load"
    } else {
        "other"
    }
}

/// utime + stime of a `/proc/…/stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields after the command: state is field 3, utime 14, stime 15.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn usage() -> Usage {
    let mut u = Usage::default();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            if let Some(ticks) = stat_ticks(&stat) {
                *u.threads.entry(thread_group(comm.trim())).or_default() += ticks;
            }
        }
    }
    u.process = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| stat_ticks(&s))
        .unwrap_or(0);
    if let Ok(s) = std::fs::read_to_string("/proc/stat")
        && let Some(line) = s.lines().next()
    {
        let v: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal
        let busy = v
            .iter()
            .take(8)
            .enumerate()
            .filter(|(i, _)| *i != 3 && *i != 4);
        u.machine_busy = busy.map(|(_, x)| *x).sum();
        u.machine_total = v.iter().take(8).sum();
    }
    if let Ok(s) = std::fs::read_to_string("/proc/diskstats") {
        for line in s.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            // Whole disks only (vda, sda, nvme0n1), not partitions.
            let whole = f.get(2).is_some_and(|n| {
                (n.starts_with("vd") || n.starts_with("sd") || n.starts_with("xvd"))
                    && !n.ends_with(|c: char| c.is_ascii_digit())
                    || n.starts_with("nvme") && !n.contains('p')
            });
            if whole && let Some(x) = f.get(18).and_then(|x| x.parse::<u64>().ok()) {
                u.flushes += x;
            }
            if whole && let Some(x) = f.get(3).and_then(|x| x.parse::<u64>().ok()) {
                u.disk_reads += x;
            }
            if whole && let Some(x) = f.get(9).and_then(|x| x.parse::<u64>().ok()) {
                u.sectors_written += x;
            }
        }
    }
    u
}

struct Spent {
    seconds: f64,
    threads: BTreeMap<&'static str, f64>,
    others: f64,
    flushes: u64,
    disk_reads: u64,
    bytes_written: u64,
}

fn spent(before: &Usage, after: &Usage, seconds: f64) -> Spent {
    let threads = after
        .threads
        .iter()
        .map(|(k, v)| {
            let b = before.threads.get(k).copied().unwrap_or(0);
            (*k, v.saturating_sub(b) as f64 / TICKS_PER_SECOND)
        })
        .collect();
    let ours = after.process.saturating_sub(before.process);
    let machine = after.machine_busy.saturating_sub(before.machine_busy);
    Spent {
        seconds,
        threads,
        others: machine.saturating_sub(ours) as f64 / TICKS_PER_SECOND,
        flushes: after.flushes.saturating_sub(before.flushes),
        disk_reads: after.disk_reads.saturating_sub(before.disk_reads),
        bytes_written: after.sectors_written.saturating_sub(before.sectors_written) * 512,
    }
}

// ---------------------------------------------------------------------------------------------
// The reference: a plain sqlite3 insert loop.

/// The gateway's schema, migrations in order (the reference inserts into the same table).
const SCHEMA: &str = concat!(
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_inbox_summary.sql"),
    include_str!("../migrations/sqlite/0003_sent_messages.sql")
);

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The columns of a message row, as the gateway writes them.
const MESSAGE_COLUMNS: &str = "id, fiscal_code, sender, sender_service_id, created_at, \
     time_to_live, feature_level, is_read, is_archived, subject, has_attachments, \
     has_precondition, created_ms, configuration_id, content";

/// An `INSERT` of one message row, as SQL text.
fn insert_sql(i: u64, fc: &str, subject: &str, content: &str) -> String {
    let ms = 1_700_000_000_000 + i;
    let id = ulid::Ulid::from_parts(ms, u128::from(i) * 0x9E37_79B9).to_string();
    format!(
        "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({}, {}, {}, {}, {}, 3600, 'STANDARD', 0, 0, {}, 0, 1, {ms}, NULL, {});\n",
        sql_text(&id),
        sql_text(fc),
        sql_text(TENANT),
        sql_text(PURPOSE),
        sql_text(&rfc3339(ms)),
        sql_text(subject),
        sql_text(content)
    )
}

fn rfc3339(ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

enum Sqlite3 {
    Cli,
    Python,
}

const PYTHON_RUNNER: &str = "import sqlite3, sys, time\n\
c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
script = sys.stdin.read()\n\
t = time.perf_counter()\n\
c.executescript(script)\n\
print(time.perf_counter() - t)\n";

impl Sqlite3 {
    fn find() -> Option<Sqlite3> {
        let works = |cmd: &mut Command| {
            cmd.stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if works(Command::new("sqlite3").arg("-version")) {
            Some(Sqlite3::Cli)
        } else if works(Command::new("python3").args(["-c", "import sqlite3"])) {
            Some(Sqlite3::Python)
        } else {
            None
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Sqlite3::Cli => "sqlite3 CLI",
            Sqlite3::Python => "python3 sqlite3 module",
        }
    }

    fn version(&self) -> String {
        let out = match self {
            Sqlite3::Cli => Command::new("sqlite3").arg("-version").output(),
            Sqlite3::Python => Command::new("python3")
                .args(["-c", "import sqlite3; print(sqlite3.sqlite_version)"])
                .output(),
        };
        out.map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .unwrap_or_default()
    }

    /// Runs `script` against `db`; returns the seconds it took.
    fn run(&self, db: &Path, script: &str) -> f64 {
        use std::io::Write as _;
        let mut cmd = match self {
            Sqlite3::Cli => {
                let mut c = Command::new("sqlite3");
                c.arg("-bail").arg(db);
                c
            }
            Sqlite3::Python => {
                let mut c = Command::new("python3");
                c.args(["-c", PYTHON_RUNNER]).arg(db);
                c
            }
        };
        let started = Instant::now();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sqlite3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("script");
        let out = child.wait_with_output().expect("sqlite3");
        let wall = started.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}: {}",
            self.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        match self {
            Sqlite3::Cli => wall,
            Sqlite3::Python => String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .unwrap_or(wall),
        }
    }

    /// Inserts `rows` rows of the gateway's table into a fresh database in `dir`, `batch` rows
    /// per transaction (1: autocommit), WAL and `synchronous=FULL`. Returns rows/s.
    fn insert_rate(&self, dir: &Path, name: &str, rows: u64, batch: usize) -> f64 {
        let db = dir.join(name);
        self.run(&db, &format!("PRAGMA journal_mode=WAL;\n{SCHEMA}"));
        let body = content(0, "01JBENCHC0NF1GURAT10N00000").to_string();
        let mut script = String::from("PRAGMA synchronous=FULL;\n");
        for i in 0..rows {
            if batch > 1 && (i as usize).is_multiple_of(batch) {
                script.push_str("BEGIN;\n");
            }
            script.push_str(&insert_sql(
                i,
                &fiscal_code(i % 5000),
                "Avviso di pagamento TARI",
                &body,
            ));
            if batch > 1 && (i as usize % batch == batch - 1 || i + 1 == rows) {
                script.push_str("COMMIT;\n");
            }
        }
        let seconds = self.run(&db, &script);
        rows as f64 / seconds
    }

    /// Sizes a run to about `target` seconds from a short calibration run.
    fn measure(&self, dir: &Path, tag: &str, batch: usize, target: f64) -> (f64, u64) {
        let probe = (batch as u64 * 4).max(200);
        let rate = self.insert_rate(dir, &format!("{tag}-probe.db"), probe, batch);
        // Large runs hold their whole script in memory: at most 300 000 rows (~150 MB).
        let rows = ((rate * target) as u64).clamp(probe, 300_000);
        let rows = rows.div_ceil(batch as u64) * batch as u64;
        (
            self.insert_rate(dir, &format!("{tag}.db"), rows, batch),
            rows,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The bulk load: straight into the gateway's SQLite file.

struct Loaded {
    rows: u64,
    seconds: f64,
    /// (fiscal code, message id) of a sample of the loaded messages.
    sample: Vec<(String, String)>,
    /// Fiscal codes of ordinary citizens.
    citizens: Vec<String>,
    /// Ordinary citizens are `fiscal_code(1_000_000 + k)`, k < spread.
    spread: u64,
}

async fn bulk_load(db: &Path, target: u64, configuration_id: &str) -> Loaded {
    let options = SqliteConnectOptions::new()
        .filename(db)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144")
        .pragma("temp_store", "MEMORY")
        .busy_timeout(Duration::from_secs(30));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("loader pool");
    let have: i64 = sqlx::query("SELECT count(*) FROM messages")
        .fetch_one(&pool)
        .await
        .expect("count")
        .get(0);
    let rows = target.saturating_sub(have as u64);
    let heavy_have: i64 = sqlx::query("SELECT count(*) FROM messages WHERE fiscal_code = ?")
        .bind(HEAVY)
        .fetch_one(&pool)
        .await
        .expect("count")
        .get(0);
    let heavy = HEAVY_MESSAGES
        .min(target / 10)
        .saturating_sub(heavy_have as u64);
    let heavy_every = rows.checked_div(heavy).map_or(u64::MAX, |n| n.max(1));
    let spread = (target / 10).max(1);
    let citizen = |k: u64| fiscal_code(1_000_000 + k);

    // One message every ~30 s over the past year, ordered by id like real arrivals.
    let start_ms = (now() as u64 - 365 * 86_400) * 1000;
    let step_ms = (365 * 86_400 * 1000 / rows.max(1)).max(1);
    // Every message its own subject and correlation id, like the submitted ones.
    let template = content(0, configuration_id).to_string();
    let mut rng = Rng(0x5EED);
    let sample_every = (rows / 5_000).max(1);
    let mut sample = Vec::new();
    const PER_STATEMENT: u64 = 200;
    const PER_TRANSACTION: u64 = 25_000;
    let started = Instant::now();
    let mut i = 0u64;
    let mut heavy_done = 0u64;
    while i < rows {
        let mut tx = pool.begin().await.expect("begin");
        let tx_end = (i + PER_TRANSACTION).min(rows);
        while i < tx_end {
            let end = (i + PER_STATEMENT).min(tx_end);
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("INSERT INTO messages ({MESSAGE_COLUMNS}) "));
            let mut batch = Vec::with_capacity((end - i) as usize);
            for r in i..end {
                let ms = start_ms + r * step_ms;
                let id = ulid::Ulid::from_parts(ms, u128::from(rng.next()) << 16).to_string();
                let fc = if r % heavy_every == 0 && heavy_done < heavy {
                    heavy_done += 1;
                    HEAVY.to_owned()
                } else {
                    citizen(rng.below(spread))
                };
                if r % sample_every == 0 {
                    sample.push((fc.clone(), id.clone()));
                }
                let n = format!("{:08}", have as u64 + r);
                let body = template.replace("00000000", &n);
                let subject = format!("Avviso di pagamento TARI n. {n}");
                batch.push((id, fc, rfc3339(ms), ms as i64, subject, body));
            }
            q.push_values(&batch, |mut row, (id, fc, at, ms, subject, body)| {
                row.push_bind(id)
                    .push_bind(fc)
                    .push_bind(TENANT)
                    .push_bind(PURPOSE)
                    .push_bind(at)
                    .push_bind(3600i64)
                    .push_bind("STANDARD")
                    .push_bind(false)
                    .push_bind(false)
                    .push_bind(subject)
                    .push_bind(false)
                    .push_bind(true)
                    .push_bind(ms)
                    .push_bind(configuration_id)
                    .push_bind(body);
            });
            q.build().execute(&mut *tx).await.expect("insert");
            i = end;
        }
        tx.commit().await.expect("commit");
        if i % 200_000 < PER_TRANSACTION {
            eprintln!(
                "  {i} / {rows} rows, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .expect("checkpoint");
    let seconds = started.elapsed().as_secs_f64();
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE fiscal_code = ? AND is_archived = 0 \
         AND id < ? ORDER BY id DESC LIMIT 101",
    )
    .bind(HEAVY)
    .bind("7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
    .fetch_all(&pool)
    .await
    .expect("plan")
    .iter()
    .map(|r| r.get::<String, _>("detail"))
    .collect();
    eprintln!("  inbox query plan at {target} rows: {}", plan.join(" | "));
    pool.close().await;
    let mut citizens = Vec::new();
    for _ in 0..2_000 {
        citizens.push(citizen(rng.below(spread)));
    }
    Loaded {
        rows,
        seconds,
        sample,
        citizens,
        spread,
    }
}

#[derive(Deserialize)]
struct PageCursor {
    items: Vec<serde::de::IgnoredAny>,
    next: Option<String>,
}

// ---------------------------------------------------------------------------------------------

/// Mean wall time of `f().await`, in µs, over about a second (after one warm-up call).
async fn per_call<F, Fut, T>(mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    std::hint::black_box(f().await);
    let started = Instant::now();
    let mut n = 0u32;
    while started.elapsed() < Duration::from_secs(1) {
        std::hint::black_box(f().await);
        n += 1;
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// `openssl speed rsa2048` verifications per second, one core.
fn openssl_verify_rate() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "2", "rsa2048"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "                  sign    verify    sign/s verify/s" (more columns in newer versions)
    // "rsa 2048 bits 0.000234s 0.000009s   4269.2 111066.7"
    let header: Vec<&str> = text
        .lines()
        .find(|l| l.contains("verify/s"))?
        .split_whitespace()
        .collect();
    let column = header.iter().position(|h| *h == "verify/s")?;
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("rsa") && l.contains("2048"))?;
    let values: Vec<&str> = line.split("bits").nth(1)?.split_whitespace().collect();
    values.get(column)?.parse().ok()
}

/// A request of a closed loop: (client, connection index, request index) → outcome.
type BoxedOp = std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
/// A timed series: (connections, stop condition) → its run.
type Series<'a> = Box<dyn Fn(usize, Stop) -> Run + 'a>;

/// One submission: the next body, the connection's voucher.
fn submit_op(
    base: &str,
    bodies: Arc<Vec<Bytes>>,
    vouchers: Arc<Vec<String>>,
) -> impl Fn(reqwest::Client, usize, usize) -> BoxedOp + Clone + Send + Sync + 'static {
    let url = format!("{base}/api/v1/messages");
    move |http: reqwest::Client, task: usize, i: usize| {
        let body = bodies[i % bodies.len()].clone();
        let auth = vouchers[task % vouchers.len()].clone();
        let req = http
            .post(&url)
            .header("authorization", auth)
            .header("content-type", "application/json")
            .body(body);
        Box::pin(async move { expect(req.send().await, 201).await.map(|_| ()) })
    }
}

struct Phase {
    run: Run,
    cpu: Spent,
    stored: i64,
}

async fn count_messages(db: &Path) -> i64 {
    let pool = SqlitePool::connect_with(SqliteConnectOptions::new().filename(db).read_only(true))
        .await
        .expect("read pool");
    let n = sqlx::query("SELECT count(*) FROM messages")
        .fetch_one(&pool)
        .await
        .expect("count")
        .get(0);
    pool.close().await;
    n
}

#[allow(clippy::too_many_lines)]
fn main() {
    let seconds = arg("--seconds", 10);
    let concurrency = arg("--concurrency", 64) as usize;
    let citizens = arg("--citizens", 5_000);
    let messages = arg("--messages", 1_000_000);
    let requests = arg("--requests", 2_000) as usize;
    let read_concurrency = arg("--read-concurrency", 16) as usize;
    let read_seconds = Duration::from_secs(arg("--read-seconds", 3));
    if flag("--logs") {
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .init();
    }
    // The gateway's database and the reference databases side by side: same disk.
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("gateway");

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("load")
        .enable_all()
        .build()
        .expect("runtime");
    let interop = Arc::new(Interop::new());
    let jwks_url = client_rt.block_on(interop.serve());

    // The gateway on its own runtime (both cores).
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gw-server")
        .enable_all()
        .build()
        .expect("runtime");
    let mut config = gateway::Config {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.clone(),
        ..gateway::Config::default()
    };
    config.auth.interop_jwks_url = jwks_url.clone();
    config.auth.eservice_id = ESERVICE.into();
    config.auth.producer_id = PRODUCER.into();
    config.auth.app_api_keys = vec![APP_KEY.into()];
    let app = server
        .block_on(gateway::Application::build(&config))
        .expect("gateway");
    let base = format!("http://127.0.0.1:{}", app.port());
    server.spawn(app.run_until(std::future::pending()));
    let db_path = config.database_path();

    // One configuration, owned by the benchmark's tenant.
    let setup_voucher = interop.voucher(usize::MAX);
    let configuration_id = client_rt.block_on(async {
        let resp = reqwest::Client::new()
            .post(format!("{base}/api/v1/remote-contents/configurations"))
            .bearer_auth(&setup_voucher)
            .json(&json!({
                "name": "Comune di Esempio", "description": "Avvisi di pagamento TARI",
                "has_precondition": "ONCE", "is_lollipop_enabled": false, "disable_lollipop_for": [],
                "prod_environment": {"base_url": "https://api.comune.example/rc",
                    "details_authentication": {"type": "API_KEY", "header_key_name": "X-Api-Key", "key": "secret"}}
            }))
            .send()
            .await;
        let body = expect(resp, 201).await.expect("configuration created");
        serde_json::from_slice::<Value>(&body).expect("json")["configuration_id"]
            .as_str()
            .expect("configuration_id")
            .to_owned()
    });

    // Bodies and vouchers made before the timed phase (the entities' own work is not measured).
    let vouchers: Arc<Vec<String>> = Arc::new(
        (0..concurrency)
            .map(|i| format!("Bearer {}", interop.voucher(i)))
            .collect(),
    );
    let citizens = citizens.max(1);
    let bodies = |fc: &dyn Fn(u64) -> String, first: u64| -> Arc<Vec<Bytes>> {
        Arc::new(
            (0..citizens * 4)
                .map(|i| submission(&fc(i % citizens), first + i, &configuration_id))
                .collect(),
        )
    };
    let fresh = bodies(&fiscal_code, 0);
    let body_bytes = fresh.iter().map(Bytes::len).sum::<usize>() / fresh.len();
    let phase = |bodies: Arc<Vec<Bytes>>| {
        let op = submit_op(&base, bodies, vouchers.clone());
        // Warm-up: the JWKS fetch, connections, statement caches.
        let warm = client_rt.block_on(closed_loop(
            concurrency,
            Stop::Count(concurrency * 4),
            op.clone(),
        ));
        warm.report_errors("warm-up");
        assert_eq!(warm.failed, 0, "warm-up submissions failed");
        eprintln!("submitting for {seconds} s from {concurrency} connections…");
        let before = usage();
        let run = client_rt.block_on(closed_loop(
            concurrency,
            Stop::After(Duration::from_secs(seconds)),
            op,
        ));
        let cpu = spent(&before, &usage(), run.elapsed);
        run.report_errors("submissions");
        let stored = server.block_on(count_messages(&db_path));
        Phase { run, cpu, stored }
    };
    let empty = phase(fresh);

    // The reference, on the same disk, now.
    let reference = Sqlite3::find();
    let mut reference_rows = Vec::new();
    if let Some(s) = &reference {
        eprintln!("reference: {} {} …", s.name(), s.version());
        let (one, n1) = s.measure(dir.path(), "reference-one", 1, 3.0);
        let (batched, n2) = s.measure(dir.path(), "reference-batch", REFERENCE_BATCH, 3.0);
        reference_rows.push((
            format!(
                "{} {}, WAL + synchronous=FULL, one transaction per row",
                s.name(),
                s.version()
            ),
            one,
            n1,
        ));
        reference_rows.push((
            format!(
                "{} {}, WAL + synchronous=FULL, {REFERENCE_BATCH} rows per transaction",
                s.name(),
                s.version()
            ),
            batched,
            n2,
        ));
    } else {
        eprintln!("neither the sqlite3 command nor python3's sqlite3 module: no reference");
    }

    // The inbox with `messages` stored.
    eprintln!("loading the store to {messages} messages…");
    let loaded = client_rt.block_on(bulk_load(&db_path, messages, &configuration_id));
    let db_size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db_path.display())).ok())
        .map(|m| m.len())
        .sum();
    let loaded = Arc::new(loaded);
    // Submissions again, now to citizens spread over the loaded population.
    let spread = loaded.spread;
    let spread_bodies = bodies(
        &|k| fiscal_code(1_000_000 + k * spread / citizens),
        10_000_000,
    );
    let full = phase(spread_bodies.clone());

    let list = |fc_of: Arc<dyn Fn(usize) -> String + Send + Sync>| {
        let base = base.clone();
        move |http: reqwest::Client, _task: usize, i: usize| {
            let fc = fc_of(i);
            let url = format!("{base}/api/communication/v1/messages?page_size=100");
            async move {
                let resp = http
                    .get(url)
                    .bearer_auth(APP_KEY)
                    .header("fiscal_code", fc)
                    .send()
                    .await;
                expect(resp, 200).await.map(|_| ())
            }
        }
    };
    let heavy_first = list(Arc::new(|_| HEAVY.to_owned()));
    let typical_first = {
        let l = loaded.clone();
        list(Arc::new(move |i| l.citizens[i % l.citizens.len()].clone()))
    };
    // Every page of the heavy citizen's inbox in turn (each connection its own cursor).
    let cursors: Arc<Vec<Mutex<Option<String>>>> = Arc::new(
        (0..read_concurrency.max(1))
            .map(|_| Mutex::new(None))
            .collect(),
    );
    let heavy_pages = {
        let (base, cursors) = (base.clone(), cursors.clone());
        move |http: reqwest::Client, task: usize, _i: usize| {
            let cursors = cursors.clone();
            let cursor = cursors[task].lock().expect("cursor").take();
            let url = match &cursor {
                Some(max) => {
                    format!("{base}/api/communication/v1/messages?page_size=100&maximum_id={max}")
                }
                None => format!("{base}/api/communication/v1/messages?page_size=100"),
            };
            async move {
                let resp = http
                    .get(url)
                    .bearer_auth(APP_KEY)
                    .header("fiscal_code", HEAVY)
                    .send()
                    .await;
                let body = expect(resp, 200).await?;
                let page: PageCursor = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                if page.items.is_empty() {
                    return Err("empty page".into());
                }
                *cursors[task].lock().expect("cursor") = page.next;
                Ok(())
            }
        }
    };
    let get_one = {
        let (base, l) = (base.clone(), loaded.clone());
        move |http: reqwest::Client, _task: usize, i: usize| {
            let (fc, id) = l.sample[(i * 7919) % l.sample.len()].clone();
            let url = format!("{base}/api/communication/v1/messages/{id}");
            async move {
                let resp = http
                    .get(url)
                    .bearer_auth(APP_KEY)
                    .header("fiscal_code", fc)
                    .send()
                    .await;
                expect(resp, 200).await.map(|_| ())
            }
        }
    };
    // The heavy citizen's first page holds a full page.
    let first: PageCursor = client_rt.block_on(async {
        let body = expect(
            reqwest::Client::new()
                .get(format!(
                    "{base}/api/communication/v1/messages?page_size=100"
                ))
                .bearer_auth(APP_KEY)
                .header("fiscal_code", HEAVY)
                .send()
                .await,
            200,
        )
        .await
        .expect("list");
        serde_json::from_slice(&body).expect("page")
    });
    assert_eq!(first.items.len(), 100, "the heavy citizen's first page");
    assert!(first.next.is_some(), "the heavy citizen has more pages");

    eprintln!("timing the inbox…");
    let mut reads: Vec<(String, Run)> = Vec::new();
    {
        let series: Vec<(&str, Series)> = vec![
            ("list, heavy citizen (5 000 messages), first page", {
                let (op, rt) = (heavy_first.clone(), &client_rt);
                Box::new(move |c, s| rt.block_on(closed_loop(c, s, op.clone())))
            }),
            ("list, heavy citizen, every page in turn (`maximum_id`)", {
                let (op, rt, cursors) = (heavy_pages.clone(), &client_rt, cursors.clone());
                Box::new(move |c, s| {
                    for m in cursors.iter() {
                        *m.lock().expect("cursor") = None;
                    }
                    rt.block_on(closed_loop(c, s, op.clone()))
                })
            }),
            ("list, ordinary citizen (~10 messages), first page", {
                let (op, rt) = (typical_first.clone(), &client_rt);
                Box::new(move |c, s| rt.block_on(closed_loop(c, s, op.clone())))
            }),
            ("get one message by id", {
                let (op, rt) = (get_one.clone(), &client_rt);
                Box::new(move |c, s| rt.block_on(closed_loop(c, s, op.clone())))
            }),
        ];
        let measured = |f: &dyn Fn(usize, Stop) -> Run, c: usize, stop: Stop| {
            let before = usage().disk_reads;
            let mut run = f(c, stop);
            run.disk_reads = usage().disk_reads.saturating_sub(before);
            run
        };
        for (name, f) in &series {
            f(1, Stop::Count(200)); // warm-up
            let single = measured(f.as_ref(), 1, Stop::Count(requests));
            single.report_errors(name);
            reads.push((format!("{name}, 1 connection"), single));
            let many = measured(f.as_ref(), read_concurrency, Stop::After(read_seconds));
            many.report_errors(name);
            reads.push((format!("{name}, {read_concurrency} connections"), many));
        }
    }

    // The app reading while entities submit: one reading connection, all the submitters.
    let mut mixed: Vec<(String, Run, Run)> = Vec::new();
    {
        let writer = submit_op(&base, spread_bodies.clone(), vouchers.clone());
        for m in cursors.iter() {
            *m.lock().expect("cursor") = None;
        }
        let (r, w) = client_rt.block_on(async {
            tokio::join!(
                closed_loop(1, Stop::After(read_seconds * 2), heavy_pages.clone()),
                closed_loop(concurrency, Stop::After(read_seconds * 2), writer.clone())
            )
        });
        r.report_errors("mixed list");
        mixed.push(("list, heavy citizen, every page in turn".into(), r, w));
        let (r, w) = client_rt.block_on(async {
            tokio::join!(
                closed_loop(1, Stop::After(read_seconds * 2), get_one.clone()),
                closed_loop(concurrency, Stop::After(read_seconds * 2), writer)
            )
        });
        r.report_errors("mixed get");
        mixed.push(("get one message by id".into(), r, w));
    }

    // Component costs, one core, in process (where a submission's CPU goes).
    eprintln!("component costs…");
    let pin = provider_sdk::auth::EServicePin::new(ESERVICE, PRODUCER);
    let verifier = VoucherVerifier::new(jwks_url.clone(), ISSUER, AUDIENCE, pin, 10);
    let token = interop.voucher(7);
    let verify_us = client_rt.block_on(async {
        verifier.verify(&token).await.expect("voucher");
        let started = Instant::now();
        let mut n = 0u32;
        while started.elapsed() < Duration::from_secs(1) {
            std::hint::black_box(verifier.verify(&token).await.expect("voucher"));
            n += 1;
        }
        started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    });
    let sample_bodies = bodies(&fiscal_code, 0);
    let parse_us = {
        let bodies = &sample_bodies;
        let sender = gateway::domain::message::Sender {
            tenant: "bench".into(),
            service_id: "bench".into(),
        };
        let payees = gateway::domain::message::PayeePolicy::default();
        let started = Instant::now();
        let mut n = 0u32;
        while started.elapsed() < Duration::from_secs(1) {
            let b = &bodies[n as usize % bodies.len()];
            let m: provider_sdk::contract::NewMessage = serde_json::from_slice(b).expect("parse");
            std::hint::black_box(
                gateway::domain::message::validate(m, &sender, &payees).expect("valid"),
            );
            n += 1;
        }
        started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    };
    // Store-level costs, through a store of our own and a plain pool on the same file (same
    // pool settings, same queries): the configuration lookup every submission with
    // third_party_data makes, and where a list page's time goes. The gateway stops first: its
    // store holds the file's lock (one process, one store).
    drop(server);
    let (lookup_us, inbox_us, select_all_us, select_list_us) = client_rt.block_on(async {
        let store = gateway::store::SqliteStore::open(&db_path)
            .await
            .expect("store");
        let pool = SqlitePool::connect_with(SqliteConnectOptions::new().filename(&db_path))
            .await
            .expect("pool");
        let cid: gateway::domain::ConfigurationId = configuration_id.parse().expect("a ULID");
        let heavy = provider_sdk::contract::FiscalCode::parse(HEAVY).expect("a fiscal code");
        let (store, pool, cid, heavy) = (&store, &pool, &cid, &heavy);
        let lookup = per_call(|| async move {
            store.configuration(cid).await.expect("lookup").expect("configuration")
        })
        .await;
        let inbox = per_call(|| async move {
            let page = gateway::store::PageQuery {
                archived: false,
                maximum_id: None,
                minimum_id: None,
                sender: None,
                limit: 101,
            };
            store.inbox(heavy, page).await.expect("inbox")
        })
        .await;
        let select = |sql: &'static str| {
            per_call(move || async move {
                sqlx::query(sql)
                    .bind(HEAVY)
                    .fetch_all(pool)
                    .await
                    .expect("select")
                    .len()
            })
        };
        let all = select(
            "SELECT * FROM messages WHERE fiscal_code = ? AND is_archived = 0 ORDER BY id DESC LIMIT 101",
        )
        .await;
        let list = select(
            "SELECT id, fiscal_code, sender, sender_service_id, created_at, time_to_live, subject, \
             has_attachments, has_precondition, is_read, is_archived FROM messages \
             WHERE fiscal_code = ? AND is_archived = 0 ORDER BY id DESC LIMIT 101",
        )
        .await;
        (lookup, inbox, all, list)
    });
    let rsa_verify_us = openssl_verify_rate().map(|r| 1e6 / r);
    drop(client_rt);

    // ------------------------------------------------------------------------------------------
    println!("\n| measure | value |\n| --- | --- |");
    println!(
        "| submissions: {concurrency} keep-alive connections, {citizens} citizens, {body_bytes}-byte bodies, every 201 fsync'd | |"
    );
    let rate = empty.run.rate();
    for (label, p) in [
        ("empty store", &empty),
        (&*format!("store of {messages} messages"), &full),
    ] {
        let (run, cpu) = (&p.run, &p.cpu);
        println!(
            "| **submissions/s, {label}** | **{:.0}** ({} in {:.1} s, {} failed; {} rows stored after) |",
            run.rate(),
            run.ok,
            run.elapsed,
            run.failed,
            p.stored
        );
        println!(
            "| submission latency p50 / p99, {label} | {:.2} ms / {:.2} ms |",
            run.p(0.5),
            run.p(0.99)
        );
        let per = |k: &str| cpu.threads.get(k).copied().unwrap_or(0.0) * 1e6 / run.ok.max(1) as f64;
        println!(
            "| CPU per submission: gateway workers / SQLite thread / load generator, {label} | {:.0} µs / {:.0} µs / {:.0} µs |",
            per("gateway"),
            per("sqlite"),
            per("load")
        );
        let ours = cpu.threads.values().sum::<f64>();
        println!(
            "| CPU busy: this process / other processes (2 cores = 200 %), {label} | {:.0} % / {:.0} % |",
            ours / cpu.seconds * 100.0,
            cpu.others / cpu.seconds * 100.0
        );
        println!(
            "| submissions per CPU-second of this process (load generator included), {label} | {:.0} |",
            run.ok as f64 / ours.max(0.01)
        );
        if cpu.flushes > 0 {
            println!(
                "| disk flushes / reads / bytes written (whole machine), {label} | {} (≈ {:.0} submissions per flush) / {} / {:.0} MB ({:.1} kB per submission) |",
                cpu.flushes,
                run.ok as f64 / cpu.flushes as f64,
                cpu.disk_reads,
                cpu.bytes_written as f64 / 1e6,
                cpu.bytes_written as f64 / 1e3 / run.ok.max(1) as f64
            );
        }
    }
    for (name, r, n) in &reference_rows {
        println!("| {name} | {r:.0} rows/s ({n} rows) |");
    }
    for (name, r, _) in &reference_rows {
        println!(
            "| ratio gateway submissions/s (empty store / {messages} stored) : {name} | {:.2} / {:.2} |",
            rate / r,
            full.run.rate() / r
        );
    }
    println!(
        "| bulk load to {messages} messages (sqlx, straight into the gateway's file) | {} rows in {:.1} s ({:.0} rows/s), database {:.0} MB |",
        loaded.rows,
        loaded.seconds,
        loaded.rows as f64 / loaded.seconds,
        db_size as f64 / 1e6
    );
    for (name, r) in &reads {
        println!(
            "| {name} | p50 {:.2} ms, p99 {:.2} ms ({} requests, {:.0}/s, {} disk reads{}) |",
            r.p(0.5),
            r.p(0.99),
            r.ok,
            r.rate(),
            r.disk_reads,
            if r.failed > 0 {
                format!(", {} failed", r.failed)
            } else {
                String::new()
            }
        );
    }
    for (name, r, w) in &mixed {
        println!(
            "| {name}, 1 connection, while {concurrency} connections submit | p50 {:.2} ms, p99 {:.2} ms ({} requests{}; meanwhile {:.0} submissions/s) |",
            r.p(0.5),
            r.p(0.99),
            r.ok,
            if r.failed > 0 {
                format!(", {} failed", r.failed)
            } else {
                String::new()
            },
            w.rate()
        );
    }
    println!("| voucher verification (RS256, jsonwebtoken), one core | {verify_us:.1} µs |");
    if let Some(us) = rsa_verify_us {
        println!("| openssl RSA-2048 verify, one core (`openssl speed rsa2048`) | {us:.1} µs |");
    }
    println!(
        "| configuration lookup (`SqliteStore::configuration`, one call, wall time) | {lookup_us:.1} µs |"
    );
    println!(
        "| heavy citizen's first page: `SqliteStore::inbox` (101 summaries) | {inbox_us:.0} µs |"
    );
    println!(
        "| same page, plain sqlx: `SELECT *` / the summary columns, rows not decoded | {select_all_us:.0} µs / {select_list_us:.0} µs |"
    );
    println!("| NewMessage JSON parse + validation, one core | {parse_us:.1} µs |");
}
