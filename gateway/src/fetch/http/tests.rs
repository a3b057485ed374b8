//! The client against scripted peers on real loopback sockets: what goes back to the pool and
//! what is closed, stale connections, timeouts, bodies cut short, TLS.

use super::*;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the peer does on request `request` of connection `conn` (both counted from 0).
#[derive(Clone)]
enum Act {
    Write(Vec<u8>),
    Pause(Duration),
    /// Close the connection (after the acts before it).
    Close,
    /// Close the sending side only, and go on reading (and recording) requests.
    HalfClose,
}

fn write(s: &str) -> Act {
    Act::Write(s.as_bytes().to_vec())
}

fn ok(body: &str) -> Act {
    write(&format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ))
}

type Script = Arc<dyn Fn(usize, usize) -> Vec<Act> + Send + Sync>;

struct Peer {
    origin: String,
    port: u16,
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn url(&self, path: &str) -> Target {
        Target::parse(&format!("{}{path}", self.origin)).unwrap()
    }
}

async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    conn: usize,
    script: Script,
    requests: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    for request in 0.. {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut b = [0u8; 4096];
            match s.read(&mut b).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&b[..n]),
            }
        };
        let head: Vec<u8> = buf.drain(..end).collect();
        requests
            .lock()
            .unwrap()
            .push(String::from_utf8(head).unwrap());
        for act in script(conn, request) {
            match act {
                Act::Write(b) => {
                    if s.write_all(&b).await.is_err() || s.flush().await.is_err() {
                        return;
                    }
                }
                Act::Pause(d) => tokio::time::sleep(d).await,
                Act::Close => {
                    let _ = s.shutdown().await;
                    return;
                }
                Act::HalfClose => {
                    let _ = s.shutdown().await;
                }
            }
        }
    }
}

async fn peer_with(tls: Option<tokio_rustls::TlsAcceptor>, script: Script) -> Peer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (a, r) = (accepted.clone(), requests.clone());
    let scheme = if tls.is_some() { "https" } else { "http" };
    let task = tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else {
                return;
            };
            let conn = a.fetch_add(1, Ordering::SeqCst);
            let (script, r, tls) = (script.clone(), r.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(s).await {
                            serve_conn(s, conn, script, r).await;
                        }
                    }
                    None => serve_conn(s, conn, script, r).await,
                }
            });
        }
    });
    Peer {
        origin: format!("{scheme}://localhost:{port}"),
        port,
        accepted,
        requests,
        task,
    }
}

async fn peer(script: impl Fn(usize, usize) -> Vec<Act> + Send + Sync + 'static) -> Peer {
    let mut p = peer_with(None, Arc::new(script)).await;
    p.origin = format!("http://127.0.0.1:{}", p.port);
    p
}

fn tls_fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/tls")
        .join(file)
}

fn client_with(timeout_ms: u64, roots: &[PathBuf]) -> Client {
    Client::new(
        Settings {
            connect_timeout: Duration::from_millis(timeout_ms.min(300)),
            timeout: Duration::from_millis(timeout_ms),
            idle_timeout: Duration::from_secs(30),
            max_idle_per_origin: 4,
            egress: Arc::new(|ip: IpAddr| ip.is_loopback()),
        },
        tls::client_config(roots).unwrap(),
    )
}

fn client() -> Client {
    client_with(2_000, &[])
}

fn head(t: &Target) -> RequestHead {
    let mut h = RequestHead::get(t);
    h.header("fiscal_code", b"SPNDNL80R13C555X").unwrap();
    h
}

/// GET, then the whole body.
async fn fetch(c: &Client, t: &Target) -> Result<(u16, Vec<u8>), Error> {
    let mut resp = c.get(t, head(t)).await?;
    let mut body = Vec::new();
    while let Some(piece) = resp.chunk().await? {
        body.extend_from_slice(piece);
    }
    Ok((resp.status(), body))
}

#[tokio::test]
async fn answers_read_to_the_end_reuse_one_connection() {
    let p = peer(|_, _| vec![ok("hello")]).await;
    let c = client();
    let t = p.url("/rc/messages/m1");
    for _ in 0..3 {
        assert_eq!(fetch(&c, &t).await.unwrap(), (200, b"hello".to_vec()));
    }
    assert_eq!(p.accepted(), 1);
    assert_eq!(c.idle(t.origin()), 1);
    let seen = p.requests.lock().unwrap()[0].clone();
    assert!(
        seen.starts_with("GET /rc/messages/m1 HTTP/1.1\r\nhost: 127.0.0.1:"),
        "{seen}"
    );
    assert!(
        seen.contains("\r\nfiscal_code: SPNDNL80R13C555X\r\n"),
        "{seen}"
    );
}

#[tokio::test]
async fn a_chunked_answer_arriving_in_pieces_is_read_and_the_connection_reused() {
    let p = peer(|_, _| {
        vec![
            write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel"),
            Act::Pause(Duration::from_millis(20)),
            write("lo\r\n6;ext=1\r\n world\r\n"),
            Act::Pause(Duration::from_millis(20)),
            write("0\r\nx-trailer: 1\r\n\r\n"),
        ]
    })
    .await;
    let c = client();
    let t = p.url("/x");
    for _ in 0..2 {
        assert_eq!(fetch(&c, &t).await.unwrap(), (200, b"hello world".to_vec()));
    }
    assert_eq!(p.accepted(), 1);
}

#[tokio::test]
async fn a_large_body_arrives_whole() {
    let body: String = (0..3_000_000)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let expected = body.clone();
    let p = peer(move |_, _| vec![ok(&body)]).await;
    let c = client();
    let t = p.url("/x");
    let (_, got) = fetch(&c, &t).await.unwrap();
    assert!(got == expected.as_bytes());
    assert_eq!(c.idle(t.origin()), 1);
}

#[tokio::test]
async fn connection_close_and_close_delimited_answers_are_not_reused() {
    let p = peer(|_, _| {
        vec![write(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
        )]
    })
    .await;
    let c = client();
    let t = p.url("/x");
    for _ in 0..2 {
        assert_eq!(fetch(&c, &t).await.unwrap().1, b"ok");
    }
    assert_eq!((p.accepted(), c.idle(t.origin())), (2, 0));

    let p = peer(|_, _| vec![write("HTTP/1.1 200 OK\r\n\r\nuntil the end"), Act::Close]).await;
    let t = p.url("/x");
    for _ in 0..2 {
        assert_eq!(fetch(&c, &t).await.unwrap().1, b"until the end");
    }
    assert_eq!((p.accepted(), c.idle(t.origin())), (2, 0));
}

#[tokio::test]
async fn an_answer_dropped_before_its_end_closes_its_connection() {
    let p = peer(|_, _| vec![ok("a long body")]).await;
    let c = client();
    let t = p.url("/x");
    let resp = c.get(&t, head(&t)).await.unwrap();
    assert_eq!(resp.status(), 200);
    drop(resp);
    assert_eq!(c.idle(t.origin()), 0);
    fetch(&c, &t).await.unwrap();
    assert_eq!(p.accepted(), 2);
}

#[tokio::test]
async fn bytes_after_the_body_close_the_connection() {
    let p = peer(|_, _| {
        vec![write(
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200",
        )]
    })
    .await;
    let c = client();
    let t = p.url("/x");
    assert_eq!(fetch(&c, &t).await.unwrap().1, b"ok");
    assert_eq!(c.idle(t.origin()), 0);
}

#[tokio::test]
async fn a_short_error_answer_gives_its_connection_back() {
    let p = peer(|_, req| match req {
        0 => vec![write(
            "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found",
        )],
        _ => vec![write(
            "HTTP/1.1 503 Busy\r\nretry-after: 42\r\ntransfer-encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n",
        )],
    })
    .await;
    let c = client();
    let t = p.url("/x");
    let resp = c.get(&t, head(&t)).await.unwrap();
    assert_eq!(resp.status(), 404);
    resp.release();
    assert_eq!(c.idle(t.origin()), 1);
    let resp = c.get(&t, head(&t)).await.unwrap();
    assert_eq!((resp.status(), resp.retry_after()), (503, Some("42")));
    resp.release();
    assert_eq!((p.accepted(), c.idle(t.origin())), (1, 1));
}

#[tokio::test]
async fn interim_answers_are_skipped() {
    let p = peer(|_, _| {
        vec![write(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
        )]
    })
    .await;
    let c = client();
    assert_eq!(
        fetch(&c, &p.url("/x")).await.unwrap(),
        (200, b"ok".to_vec())
    );
}

#[tokio::test]
async fn a_pooled_connection_the_entity_closed_is_left_out() {
    // The entity answers, then closes its side of the connection without saying so, and goes on
    // reading: a request sent on that connection would be recorded (and then retried), so two
    // requests in all prove the check before reuse left the connection out.
    let p = peer(|conn, req| match (conn, req) {
        (0, 0) => vec![ok("ok"), Act::HalfClose],
        (0, _) => vec![],
        _ => vec![ok("ok")],
    })
    .await;
    let c = client();
    let t = p.url("/x");
    fetch(&c, &t).await.unwrap();
    assert_eq!(c.idle(t.origin()), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    fetch(&c, &t).await.unwrap();
    assert_eq!(p.accepted(), 2);
    assert_eq!(p.requests.lock().unwrap().len(), 2, "one request per call");
}

#[tokio::test]
async fn a_request_on_a_connection_closed_as_it_went_out_is_sent_once_more() {
    // The second request on the first connection is read and not answered: the pooled
    // connection looked open when taken out, so the client sends the request again, on a new one.
    let p = peer(|conn, req| match (conn, req) {
        (0, 0) => vec![ok("first")],
        (0, _) => vec![Act::Close],
        _ => vec![ok("again")],
    })
    .await;
    let c = client();
    let t = p.url("/x");
    assert_eq!(fetch(&c, &t).await.unwrap().1, b"first");
    assert_eq!(fetch(&c, &t).await.unwrap().1, b"again");
    assert_eq!(p.accepted(), 2);
    assert_eq!(p.requests.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_failure_is_retried_at_most_once_and_never_on_a_new_connection() {
    // Every request after the first is read and not answered.
    let p = peer(|conn, req| match (conn, req) {
        (0, 0) => vec![ok("first")],
        _ => vec![Act::Close],
    })
    .await;
    let c = client();
    let t = p.url("/x");
    fetch(&c, &t).await.unwrap();
    // Pooled connection fails, then the new one fails: an error, two connections in all.
    assert!(matches!(fetch(&c, &t).await, Err(Error::Closed)));
    assert_eq!(p.accepted(), 2);
    // A new connection that fails is not retried.
    assert!(matches!(fetch(&c, &t).await, Err(Error::Closed)));
    assert_eq!(p.accepted(), 3);
    // Once part of an answer came back, no retry either, even on a pooled connection.
    let p = peer(|conn, req| match (conn, req) {
        (0, 0) => vec![ok("first")],
        _ => vec![write("HTTP/1.1 200 OK\r\ncontent-le"), Act::Close],
    })
    .await;
    let t = p.url("/x");
    fetch(&c, &t).await.unwrap();
    assert!(matches!(fetch(&c, &t).await, Err(Error::Closed)));
    assert_eq!(p.accepted(), 1);
}

#[tokio::test]
async fn a_body_cut_short_is_an_error_and_not_a_timeout() {
    let p = peer(|_, _| {
        vec![
            write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this"),
            Act::Close,
        ]
    })
    .await;
    let c = client();
    let t = p.url("/x");
    let e = fetch(&c, &t).await.unwrap_err();
    assert!(matches!(e, Error::Truncated), "{e}");
    let p = peer(|_, _| {
        vec![
            write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n64\r\nonly this"),
            Act::Close,
        ]
    })
    .await;
    let e = fetch(&c, &p.url("/x")).await.unwrap_err();
    assert!(matches!(e, Error::Truncated), "{e}");
    let p = peer(|_, _| {
        vec![write(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nnope\r\n",
        )]
    })
    .await;
    assert!(matches!(
        fetch(&c, &p.url("/x")).await,
        Err(Error::Protocol(_))
    ));
}

#[tokio::test]
async fn silence_before_or_during_the_answer_times_out() {
    let p = peer(|conn, _| match conn {
        0 => vec![Act::Pause(Duration::from_secs(5))],
        _ => vec![
            write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nstart"),
            Act::Pause(Duration::from_secs(5)),
        ],
    })
    .await;
    let c = client_with(300, &[]);
    let t = p.url("/x");
    let started = std::time::Instant::now();
    assert!(matches!(
        c.get(&t, head(&t)).await.err(),
        Some(Error::Timeout)
    ));
    let mut resp = c.get(&t, head(&t)).await.unwrap();
    assert_eq!(resp.chunk().await.unwrap(), Some(&b"start"[..]));
    assert!(matches!(resp.chunk().await, Err(Error::Timeout)));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn an_oversized_head_is_refused() {
    let big = format!(
        "HTTP/1.1 200 OK\r\nx-big: {}\r\ncontent-length: 0\r\n\r\n",
        "a".repeat(MAX_HEAD + 10)
    );
    let p = peer(move |_, _| vec![write(&big)]).await;
    let e = fetch(&client(), &p.url("/x")).await.unwrap_err();
    assert!(matches!(e, Error::Protocol(_)), "{e:?}");
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = Target::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
    assert!(matches!(fetch(&client(), &t).await, Err(Error::Connect(_))));
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(tls_fixture("entity.cert.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_fixture("entity.key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    Arc::new(config).into()
}

#[tokio::test]
async fn https_entities_are_verified_and_their_connections_reused() {
    let p = peer_with(Some(tls_acceptor()), Arc::new(|_, _| vec![ok("secret")])).await;
    let trusting = client_with(2_000, &[tls_fixture("ca.cert.pem")]);
    let t = p.url("/rc/messages/m1");
    for _ in 0..3 {
        assert_eq!(
            fetch(&trusting, &t).await.unwrap(),
            (200, b"secret".to_vec())
        );
    }
    assert_eq!(p.accepted(), 1);
    // By IP address too (the certificate names 127.0.0.1).
    let by_ip = Target::parse(&format!("https://127.0.0.1:{}/x", p.port)).unwrap();
    assert_eq!(fetch(&trusting, &by_ip).await.unwrap().1, b"secret");
    // Without the test root, the system's roots do not know the entity's certificate.
    let e = fetch(&client(), &t).await.unwrap_err();
    assert!(matches!(e, Error::Connect(_)), "{e}");
    assert!(e.to_string().contains("certificate"), "{e}");
}

#[tokio::test]
async fn a_tls_handshake_that_never_ends_hits_the_connect_timeout() {
    // Accepts TCP, never speaks TLS.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let c = client_with(5_000, &[tls_fixture("ca.cert.pem")]);
    let t = Target::parse(&format!("https://localhost:{port}/x")).unwrap();
    let started = std::time::Instant::now();
    assert!(matches!(fetch(&c, &t).await, Err(Error::Timeout)));
    assert!(started.elapsed() < Duration::from_secs(2));
    task.abort();
}

#[test]
fn extra_roots_must_be_certificates() {
    assert!(tls::client_config(&[tls_fixture("entity.key.pem")]).is_err());
    assert!(tls::client_config(&[tls_fixture("missing.pem")]).is_err());
}

#[test]
fn targets_are_http_or_https_with_a_host() {
    assert!(Target::parse("ftp://rc.example.it/x").is_err());
    assert!(Target::parse("not a url").is_err());
    let t = Target::parse("https://RC.example.it:443/api/../messages/x").unwrap();
    assert_eq!(t.origin(), "https://rc.example.it");
    assert_eq!(t.path_and_query, "/messages/x");
}

#[tokio::test]
async fn a_body_that_came_with_the_head_is_used_where_it_lies() {
    let p = peer(|_, req| match req {
        0 => vec![ok("{\"a\":1}")],
        _ => vec![
            write("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{\"a\""),
            Act::Pause(Duration::from_millis(20)),
            write(":1}"),
        ],
    })
    .await;
    let c = client();
    let t = p.url("/x");
    let mut resp = c.get(&t, head(&t)).await.unwrap();
    assert_eq!(resp.body_at_hand(), Some(&b"{\"a\":1}"[..]));
    assert_eq!(resp.chunk().await.unwrap(), None);
    assert_eq!(c.idle(t.origin()), 1);
    // Not all of it yet: read in pieces as usual.
    let mut resp = c.get(&t, head(&t)).await.unwrap();
    assert_eq!(resp.body_at_hand(), None);
    let mut body = Vec::new();
    while let Some(piece) = resp.chunk().await.unwrap() {
        body.extend_from_slice(piece);
    }
    assert_eq!(
        (body.as_slice(), c.idle(t.origin())),
        (&b"{\"a\":1}"[..], 1)
    );
    assert_eq!(p.accepted(), 1);
}

#[tokio::test]
async fn an_address_that_does_not_answer_leaves_time_for_the_next() {
    // A listener that never accepts, its backlog filled: the kernel drops further SYNs, so a
    // connect to it hangs (as to a firewalled address).
    let silent = tokio::net::TcpSocket::new_v4().unwrap();
    silent.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let silent = silent.listen(1).unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let mut filling = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(silent_addr))
            .await
        {
            Ok(Ok(s)) => filling.push(s),
            _ => break,
        }
        assert!(filling.len() < 64, "the backlog never filled");
    }
    let working = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let working_addr = working.local_addr().unwrap();
    let limit = tokio::time::Instant::now() + Duration::from_secs(4);
    let tcp = tokio::time::timeout(
        Duration::from_secs(5),
        super::connect_any(vec![silent_addr, working_addr], limit),
    )
    .await
    .expect("the second address is tried within the limit")
    .expect("the second address answers");
    assert_eq!(tcp.peer_addr().unwrap(), working_addr);
    // Alone, the silent address uses all the time: the caller's limit ends it.
    let alone = tokio::time::timeout(
        Duration::from_millis(300),
        super::connect_any(vec![silent_addr], limit),
    )
    .await;
    assert!(alone.is_err(), "{alone:?}");
}
