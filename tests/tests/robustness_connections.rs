//! Slow, idle and numerous clients against both services, over real sockets on loopback.
//!
//! A connection that never finishes its request head (slowloris), sends nothing, idles after a
//! request or stalls its request body is closed by the server within the configured timeout;
//! a flood of connections from one address (127.0.0.2, beyond the server's open-file limit) does
//! not lock out a client on 127.0.0.1. Every loop is bounded in count and time; the timeouts are
//! small here and the bounds generous, for shared and noisy machines.

use e2e::gateway::{FakeInterop, Gateway};
use e2e::{Engine, engine_config};
use service_kit::ServerSettings;
use std::io::Read;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::timeout;

const HEADER_READ_TIMEOUT: Duration = Duration::from_millis(1_000);
const IDLE_TIMEOUT: Duration = Duration::from_millis(2_000);
/// The longest a connection may stay open after its timeout was due: generous, as machines are
/// shared and noisy, and still far below "never".
const MARGIN: Duration = Duration::from_secs(6);

fn small_timeouts() -> ServerSettings {
    ServerSettings {
        header_read_timeout_ms: HEADER_READ_TIMEOUT.as_millis() as u64,
        idle_timeout_ms: IDLE_TIMEOUT.as_millis() as u64,
        ..ServerSettings::default()
    }
}

/// One of the two services, running in this process on an ephemeral port.
struct Target {
    name: &'static str,
    addr: SocketAddr,
    /// A request head announcing a body of 1 000 bytes, and the first few of them, for a route
    /// that reads its body.
    stalled_post: String,
    _running: Box<dyn std::any::Any + Send>,
}

fn addr_of(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .parse()
        .expect("base url")
}

impl Target {
    async fn engine(server: ServerSettings) -> Target {
        let dir = tempfile::tempdir().unwrap();
        let mut config = engine_config(dir.path().to_path_buf());
        config.server = server;
        let engine = Engine::spawn_config(config).await;
        Target {
            name: "engine",
            addr: addr_of(&engine.base),
            stalled_post: "POST /token.oauth2 HTTP/1.1\r\nHost: localhost\r\n\
                           Content-Type: application/x-www-form-urlencoded\r\n\
                           Content-Length: 1000\r\n\r\ngrant_type=client_credentials&"
                .into(),
            _running: Box::new((engine, dir)),
        }
    }

    async fn gateway(server: ServerSettings) -> Target {
        let interop = FakeInterop::start().await;
        let gateway = Gateway::spawn_with(&interop.jwks_url, |c| c.server = server).await;
        // A valid voucher, so the handler gets past authentication and waits for the body.
        let voucher = interop.voucher("tenant-a", "purpose-a");
        Target {
            name: "gateway",
            addr: addr_of(&gateway.base),
            stalled_post: format!(
                "POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\n\
                 Authorization: Bearer {voucher}\r\nContent-Type: application/json\r\n\
                 Content-Length: 1000\r\n\r\n{{\"fiscal_code\":"
            ),
            _running: Box::new((gateway, interop)),
        }
    }

    async fn both(server: ServerSettings) -> [Target; 2] {
        let (e, g) = tokio::join!(Target::engine(server.clone()), Target::gateway(server));
        [e, g]
    }
}

/// Waits until the server closes `s` (end of stream or reset), reading and discarding whatever
/// it sends; `Some(time waited)`, or `None` if still open after `bound`.
async fn closed_within(s: &mut TcpStream, bound: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = bound.checked_sub(start.elapsed())?;
        match timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

/// Reads one response with a `Content-Length` body; returns its status line.
async fn read_response(s: &mut TcpStream) -> String {
    let mut reader = tokio::io::BufReader::new(s);
    let mut status = String::new();
    reader.read_line(&mut status).await.unwrap();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await.unwrap();
    status.trim_end().to_owned()
}

/// How long each of a batch of connections took to be closed, `None` for those still open.
struct Closings {
    times: Vec<Option<Duration>>,
}

impl Closings {
    async fn of(tasks: JoinSet<Option<Duration>>) -> Closings {
        Closings {
            times: tasks.join_all().await,
        }
    }

    /// Prints the figures; `Err` naming what stayed open, if anything did.
    fn report(&self, what: &str, target: &str, due: Duration) -> Result<(), String> {
        let mut closed: Vec<Duration> = self.times.iter().flatten().copied().collect();
        closed.sort();
        let open = self.times.len() - closed.len();
        let median = closed.get(closed.len() / 2).copied().unwrap_or_default();
        let max = closed.last().copied().unwrap_or_default();
        println!(
            "{target}: {what}: {}/{} closed by the server (due after {due:?}): median {median:?}, max {max:?}; {open} still open after {:?}",
            closed.len(),
            self.times.len(),
            due + MARGIN,
        );
        if open == 0 {
            Ok(())
        } else {
            Err(format!(
                "{target}: {open} of {} {what} connections still open {MARGIN:?} after their timeout was due",
                self.times.len()
            ))
        }
    }
}

/// Fails with every failure of both services, so that one run shows them all.
fn assert_none(failures: Vec<String>) {
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const SLOWLORIS: usize = 80;

/// A client that sends a request head one byte every 100 ms and never finishes it.
async fn slowloris(addr: SocketAddr, bound: Duration) -> Option<Duration> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let start = Instant::now();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .ok()?;
    let mut buf = [0u8; 4096];
    while start.elapsed() < bound {
        if s.write_all(b"a").await.is_err() {
            return Some(start.elapsed());
        }
        match timeout(Duration::from_millis(100), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) | Err(_) => {}
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_closed_within_the_header_read_timeout() {
    let mut failures = Vec::new();
    for target in Target::both(small_timeouts()).await {
        let bound = HEADER_READ_TIMEOUT + MARGIN;
        let mut tasks = JoinSet::new();
        for _ in 0..SLOWLORIS {
            tasks.spawn(slowloris(target.addr, bound));
        }
        let closings = Closings::of(tasks).await;
        failures.extend(
            closings
                .report("slowloris", target.name, HEADER_READ_TIMEOUT)
                .err(),
        );
    }
    assert_none(failures);
}

const SILENT: usize = 40;
const KEPT_ALIVE: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_silent_or_kept_alive() {
    let mut failures = Vec::new();
    for target in Target::both(small_timeouts()).await {
        let bound = HEADER_READ_TIMEOUT + MARGIN;
        // Connect and send nothing.
        let mut silent = JoinSet::new();
        for _ in 0..SILENT {
            let addr = target.addr;
            silent.spawn(async move {
                let mut s = TcpStream::connect(addr).await.expect("connect");
                closed_within(&mut s, bound).await
            });
        }
        // One request answered, then nothing: hyper restarts the header read timeout when a
        // keep-alive connection goes idle, so it bounds this wait too.
        let mut kept_alive = JoinSet::new();
        for _ in 0..KEPT_ALIVE {
            let addr = target.addr;
            kept_alive.spawn(async move {
                let mut s = TcpStream::connect(addr).await.expect("connect");
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .await
                    .unwrap();
                let status = read_response(&mut s).await;
                assert_eq!(status, "HTTP/1.1 200 OK");
                closed_within(&mut s, bound).await
            });
        }
        let (silent, kept_alive) = tokio::join!(Closings::of(silent), Closings::of(kept_alive));
        failures.extend(
            silent
                .report("silent", target.name, HEADER_READ_TIMEOUT)
                .err(),
        );
        failures.extend(
            kept_alive
                .report("idle keep-alive", target.name, HEADER_READ_TIMEOUT)
                .err(),
        );
    }
    assert_none(failures);
}

const STALLED: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_body_is_closed_within_the_idle_timeout() {
    let mut failures = Vec::new();
    for target in Target::both(small_timeouts()).await {
        // The head is complete, so the header read timeout no longer runs: only the idle
        // timeout ends these.
        let bound = IDLE_TIMEOUT + MARGIN;
        let mut tasks = JoinSet::new();
        for _ in 0..STALLED {
            let (addr, request) = (target.addr, target.stalled_post.clone());
            tasks.spawn(async move {
                let mut s = TcpStream::connect(addr).await.expect("connect");
                s.write_all(request.as_bytes()).await.unwrap();
                closed_within(&mut s, bound).await
            });
        }
        let closings = Closings::of(tasks).await;
        failures.extend(
            closings
                .report("stalled body", target.name, IDLE_TIMEOUT)
                .err(),
        );
        if let Some(earliest) = closings.times.iter().flatten().min()
            && *earliest < IDLE_TIMEOUT / 2
        {
            failures.push(format!(
                "{}: a stalled body was cut off after {earliest:?}, well before the idle timeout",
                target.name
            ));
        }
    }
    assert_none(failures);
}

// --- A flood from one address ---

/// The flood's server runs in a child process (this test binary again, in
/// `flood_server_process`), so that it has an open-file limit of its own, as a service does.
const FLOOD_SERVICE_ENV: &str = "RECAPITO_FLOOD_SERVICE";
/// The server's open-file limit (soft and hard).
const SERVER_NOFILE: u64 = 512;
/// Idle connections the attacker opens from 127.0.0.2: more than the server has descriptors.
const ATTACKERS: usize = 600;
/// Requests of the legitimate client, before and during the attack.
const PROBES: usize = 20;
/// How much slower the legitimate client may get during the attack (median against median).
const SLOWDOWN: u32 = 20;
/// Medians below this count as this, so a 0.3 ms median does not make 7 ms a failure.
const LATENCY_FLOOR: Duration = Duration::from_millis(5);

/// Not a test of its own: the server process of the flood tests. Without the environment
/// variable they set it does nothing.
#[test]
#[ignore = "the server process of the flood tests, started by them"]
fn flood_server_process() {
    let Ok(service) = std::env::var(FLOOD_SERVICE_ENV) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        // The defaults, but for timeouts that outlive the test: the attacker's idle connections
        // are not reaped while it measures, so only the caps protect.
        let settings = ServerSettings {
            header_read_timeout_ms: 120_000,
            idle_timeout_ms: 120_000,
            ..ServerSettings::default()
        };
        let target = match service.as_str() {
            "engine" => Target::engine(settings).await,
            "gateway" => Target::gateway(settings).await,
            other => panic!("unknown service {other}"),
        };
        println!("LISTENING {}", target.addr.port());
        // Serve until the test closes our standard input (or is gone).
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .unwrap();
    });
}

/// The flood server for `service`, killed when dropped; and its address.
async fn flood_server(service: &str) -> (tokio::process::Child, SocketAddr) {
    let exe = std::env::current_exe().unwrap();
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {SERVER_NOFILE} && exec \"$0\" \"$@\""))
        .arg(exe)
        .args([
            "flood_server_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FLOOD_SERVICE_ENV, service)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the flood server starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let port = timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            // The test harness may have started the line with the test's name.
            if let Some((_, port)) = line.split_once("LISTENING ") {
                return port.trim().parse::<u16>().unwrap();
            }
        }
        panic!("the flood server exited before listening");
    })
    .await
    .expect("the flood server listens within 60 s");
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// One request of the legitimate client from 127.0.0.1 on a new connection (a new connection is
/// what a flood denies): its latency, or why it failed.
async fn probe(addr: SocketAddr) -> Result<Duration, String> {
    let start = Instant::now();
    let exchange = async {
        let mut s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut answer = Vec::new();
        s.read_to_end(&mut answer)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if answer.starts_with(b"HTTP/1.1 200") {
            Ok(())
        } else {
            Err(format!("answer: {:?}", String::from_utf8_lossy(&answer)))
        }
    };
    match timeout(Duration::from_secs(5), exchange).await {
        Ok(Ok(())) => Ok(start.elapsed()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("no answer within 5 s".into()),
    }
}

/// `PROBES` requests in a row; the median latency, or the first failure.
async fn probes(addr: SocketAddr) -> Result<Duration, String> {
    let mut times = Vec::with_capacity(PROBES);
    for i in 0..PROBES {
        times.push(probe(addr).await.map_err(|e| format!("request {i}: {e}"))?);
    }
    times.sort();
    Ok(times[PROBES / 2])
}

/// Opens `ATTACKERS` idle connections from 127.0.0.2, all at once, and holds them; also returns
/// how many could not connect within 2 s.
async fn attack(addr: SocketAddr) -> (Vec<TcpStream>, usize) {
    let mut connecting = JoinSet::new();
    for _ in 0..ATTACKERS {
        connecting.spawn(async move {
            let socket = TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
            timeout(Duration::from_secs(2), socket.connect(addr))
                .await
                .ok()
                .and_then(Result::ok)
        });
    }
    let results = connecting.join_all().await;
    let failed = results.iter().filter(|r| r.is_none()).count();
    (results.into_iter().flatten().collect(), failed)
}

/// How many of the attacker's connections the server has closed (each given 2 s to show it);
/// the connections come back, so the ones still open stay held.
async fn closed_by_server(held: Vec<TcpStream>) -> (Vec<TcpStream>, usize) {
    let mut checks = JoinSet::new();
    for mut s in held {
        checks.spawn(async move {
            let mut buf = [0u8; 64];
            let closed = matches!(
                timeout(Duration::from_secs(2), s.read(&mut buf)).await,
                Ok(Ok(0)) | Ok(Err(_))
            );
            (s, closed)
        });
    }
    let checked = checks.join_all().await;
    let closed = checked.iter().filter(|(_, closed)| *closed).count();
    (checked.into_iter().map(|(s, _)| s).collect(), closed)
}

async fn flood_does_not_lock_out_another_client(service: &str) {
    // This process holds the attacker's side of every connection.
    service_kit::raise_open_file_limit();
    let (_server, addr) = flood_server(service).await;
    let before = probes(addr)
        .await
        .expect("the service answers before the attack");
    let (held, not_connected) = attack(addr).await;
    // Let the server accept (and close) what it will.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = probes(addr).await;
    let (held, closed) = closed_by_server(held).await;
    let kept = held.len() - closed;
    println!(
        "{service}: open-file limit {SERVER_NOFILE}; attacker on 127.0.0.2: {} of {ATTACKERS} connected ({not_connected} not within 2 s), {closed} closed by the server, {kept} kept open; \
         legitimate client on 127.0.0.1, median of {PROBES} requests: {before:?} before, {} during",
        held.len(),
        match &during {
            Ok(d) => format!("{d:?}"),
            Err(e) => format!("failed ({e})"),
        }
    );
    let during = during.unwrap_or_else(|e| panic!("{service}: locked out during the attack: {e}"));
    assert!(
        kept <= service_kit::settings::DEFAULT_MAX_CONNECTIONS_PER_IP,
        "{service}: the server kept {kept} of one peer's connections open"
    );
    let allowed = before.max(LATENCY_FLOOR) * SLOWDOWN;
    assert!(
        during <= allowed,
        "{service}: the legitimate client's median went from {before:?} to {during:?} (allowed: {allowed:?})"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_from_one_address_does_not_lock_out_the_engine() {
    flood_does_not_lock_out_another_client("engine").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_from_one_address_does_not_lock_out_the_gateway() {
    flood_does_not_lock_out_another_client("gateway").await;
}
