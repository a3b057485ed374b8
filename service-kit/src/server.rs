//! The HTTP/1 server loop both services run instead of `axum::serve`, which has no header read
//! timeout, no idle timeout and no connection cap: connections that never finish a request stay
//! open forever, and one client holding enough of them exhausts the process's file descriptors.

use crate::activity::{Activity, Tracked};
use crate::limits::PerIp;
use crate::nofile;
use crate::settings::ServerSettings;
use crate::throttle::Throttle;
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// At most one warning of each kind per interval, with the count of the ones held back.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// After an accept error that is not about one connection (EMFILE, ENOBUFS…), retrying at once
/// would spin on the same error.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connections the kernel completes and holds until accepted. Tokio and std listen with 128: a
/// burst of connects beyond it (or clients waiting while the server is at its cap) has its
/// handshakes dropped, and those clients retry only after a second or more. The kernel caps it at
/// `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 1_024;

/// A service could not listen where it was told to.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct BindError {
    /// The `host:port` asked for.
    pub addr: String,
    /// Why not.
    pub source: std::io::Error,
}

/// Listens on `addr` (`host:port`; the first of its addresses that can be bound) with a backlog
/// of [`LISTEN_BACKLOG`].
pub async fn bind(addr: &str) -> Result<TcpListener, BindError> {
    bind_io(addr).await.map_err(|source| BindError {
        addr: addr.to_owned(),
        source,
    })
}

async fn bind_io(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for a in tokio::net::lookup_host(addr).await? {
        match listen_on(a) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{addr} names no address"),
        )
    }))
}

fn listen_on(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As tokio's own bind: a restarted service gets its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `service` on `listener` until `shutdown` completes; then stops accepting, lets each
/// connection finish the request it is serving, and returns once all are closed.
pub async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: tower::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let addr = listener.local_addr()?;
    let max = max_connections(settings, nofile::soft_limit());
    if settings.max_connections_per_ip >= max {
        tracing::warn!(
            max_connections = max,
            max_connections_per_ip = settings.max_connections_per_ip,
            "server.max_connections_per_ip is not below the connection cap: one peer can take \
             every connection"
        );
    }
    let slots = Arc::new(Semaphore::new(max));
    let per_ip = PerIp::new(settings.max_connections_per_ip);
    let mut http = http1::Builder::new();
    // Without a timer hyper ignores the header read timeout.
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout());
    let idle = settings.idle_timeout();
    let (stop, stopped) = watch::channel(());
    let full = Throttle::new(WARN_EVERY);
    let peer_full = Throttle::new(WARN_EVERY);
    let accept_failing = Throttle::new(WARN_EVERY);
    let mut shutdown = std::pin::pin!(shutdown);
    tracing::info!(
        %addr,
        max_connections = max,
        max_connections_per_ip = settings.max_connections_per_ip,
        header_read_timeout_ms = settings.header_read_timeout_ms,
        idle_timeout_ms = settings.idle_timeout_ms,
        "serving"
    );

    loop {
        // At the cap the server stops accepting rather than accepting and closing: waiting
        // connections stay in the kernel's listen backlog, costing no descriptor, and are served
        // as soon as a slot frees (a client sees a slow connect, not a refusal); accepting to
        // close would spend a descriptor and a wake-up on each attempt of a flood and refuse
        // legitimate clients just the same. Per-peer fairness is the per-IP cap's job.
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if let Some(held_back) = full.admit(Instant::now().into_std()) {
                    tracing::warn!(
                        %addr,
                        max_connections = max,
                        held_back,
                        "connection cap reached: not accepting until a connection closes"
                    );
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_about_one_connection(&e) => continue,
                Err(e) => {
                    if let Some(held_back) = accept_failing.admit(Instant::now().into_std()) {
                        tracing::warn!(%addr, error = %e, held_back, "cannot accept connections");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        // The peer's address is known only once accepted: a peer over its cap is closed at once,
        // before it holds a slot, so its surplus costs one accept and one close each.
        let Some(peer_slot) = per_ip.claim(peer.ip()) else {
            if let Some(held_back) = peer_full.admit(Instant::now().into_std()) {
                tracing::warn!(
                    %addr,
                    peer = %peer.ip(),
                    max_connections_per_ip = settings.max_connections_per_ip,
                    held_back,
                    "per-IP connection cap reached: closing the peer's new connections"
                );
            }
            drop(stream);
            continue;
        };
        let connection = Connection {
            http: http.clone(),
            idle,
            stop: stopped.clone(),
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            connection.run(stream, peer, service).await;
            drop((slot, peer_slot));
        });
    }

    drop(listener);
    tracing::info!(%addr, "stopped accepting; finishing open requests");
    drop(stopped);
    let _ = stop.send(());
    stop.closed().await;
    Ok(())
}

/// The cap in force: the configured one, lowered when the open-file limit cannot hold it.
fn max_connections(settings: &ServerSettings, soft_limit: Option<u64>) -> usize {
    let configured = settings.max_connections;
    let Some(soft) = soft_limit else {
        return configured;
    };
    let fits = nofile::connections_that_fit(soft);
    if configured > fits {
        tracing::warn!(
            configured,
            open_file_limit = soft,
            lowered_to = fits,
            "server.max_connections does not fit the open-file limit: lowered"
        );
        return fits;
    }
    configured
}

/// Errors of one connection that a client caused (reset before accept…): the next accept is
/// unaffected.
fn is_about_one_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    )
}

struct Connection {
    http: http1::Builder,
    idle: Duration,
    stop: watch::Receiver<()>,
}

impl Connection {
    async fn run<S, B>(mut self, stream: TcpStream, peer: SocketAddr, service: S)
    where
        S: hyper::service::HttpService<Incoming, ResBody = B>,
        S::Error: Into<BoxError>,
        B: Body + 'static,
        B::Error: Into<BoxError>,
    {
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let io = TokioIo::new(Tracked::new(stream, activity.clone()));
        let mut conn = std::pin::pin!(self.http.serve_connection(io, service));
        let watchdog = tokio::time::sleep(self.idle);
        let mut watchdog = std::pin::pin!(watchdog);
        let mut stopping = false;
        loop {
            tokio::select! {
                ended = conn.as_mut() => {
                    if let Err(e) = ended {
                        // Header timeouts, resets, malformed requests: the client's doing.
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                    return;
                }
                changed = self.stop.changed(), if !stopping => {
                    stopping = true;
                    let _ = changed;
                    conn.as_mut().graceful_shutdown();
                }
                () = &mut watchdog => {
                    let quiet_until = activity.last() + self.idle;
                    if Instant::now() >= quiet_until {
                        tracing::debug!(%peer, idle_timeout_ms = self.idle.as_millis() as u64, "closing an idle connection");
                        return;
                    }
                    watchdog.as_mut().reset(quiet_until);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_lowered_to_what_the_open_file_limit_holds() {
        let s = ServerSettings {
            max_connections: 4_096,
            ..ServerSettings::default()
        };
        assert_eq!(max_connections(&s, None), 4_096);
        assert_eq!(max_connections(&s, Some(1_048_576)), 4_096);
        assert_eq!(max_connections(&s, Some(4_096)), 3_584);
        assert_eq!(max_connections(&s, Some(1_024)), 896);
    }
}
