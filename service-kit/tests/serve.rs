//! The server loop over real sockets: what happens at the connection cap, and graceful shutdown.

use axum::Router;
use axum::routing::get;
use service_kit::ServerSettings;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

fn app() -> Router {
    Router::new().route("/", get(|| async { "ok" })).route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "slow"
        }),
    )
}

/// Serves `app()` on loopback; the sender stops it, the handle ends when it has.
async fn start(
    settings: ServerSettings,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        service_kit::serve(listener, app(), &settings, async {
            let _ = stopped.await;
        })
        .await
    });
    (addr, stop, server)
}

async fn send(s: &mut TcpStream, path: &str) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
}

async fn answer(s: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn at_the_cap_a_new_connection_waits_until_a_slot_frees() {
    let settings = ServerSettings {
        max_connections: 2,
        max_connections_per_ip: 2,
        ..ServerSettings::default()
    };
    let (addr, _stop, _server) = start(settings).await;
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    // The third connects (the kernel's backlog holds it) but is not served while both slots
    // are taken…
    let mut third = TcpStream::connect(addr).await.unwrap();
    send(&mut third, "/").await;
    let mut byte = [0u8; 1];
    assert!(
        timeout(Duration::from_millis(500), third.read(&mut byte))
            .await
            .is_err(),
        "served beyond the cap"
    );
    // …and is served, not refused, once one closes.
    drop(first);
    let answer = timeout(Duration::from_secs(10), answer(&mut third))
        .await
        .expect("served once a slot freed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_stops_accepting() {
    let (addr, stop, server) = start(ServerSettings::default()).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    send(&mut slow, "/slow").await;
    // An idle keep-alive connection must not hold the shutdown up.
    let _idle = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let answer = timeout(Duration::from_secs(10), answer(&mut slow))
        .await
        .expect("the request in flight is answered");
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("slow"),
        "{answer}"
    );
    timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops once its connections are done")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}
