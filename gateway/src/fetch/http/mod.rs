//! The HTTP/1.1 client for calls to entities: `GET` only, no request body, no redirects, no
//! proxies, no compression. Each request checks a connection out of a per-origin pool (or opens
//! one, TLS for `https`), writes its head in one write and parses the answer inline in the
//! calling task (`httparse`), so a call costs a few syscalls and no hand-off between tasks. The
//! connect timeout covers the name lookup, the TCP connect and the TLS handshake; the total
//! timeout covers everything from the first connect attempt to the last byte of the body.
//!
//! A connection goes back to the pool only when its answer was read to the end, the entity did
//! not say `Connection: close` (or answer HTTP/1.0 without keep-alive) and the body was not
//! delimited by the end of the connection; any error, or an answer dropped before its end,
//! closes it. A pooled connection that the entity closed meanwhile is noticed when it is taken
//! out (one non-blocking read); if it fails anyway before a single byte of the answer came back,
//! the request is sent once more on a new connection: every call is a `GET`, idempotent, so
//! sending it twice is safe even if the first copy reached the entity.

mod body;
mod conn;
#[cfg(any(test, fuzzing))]
pub mod differential;
mod head;
mod pool;
mod target;
pub mod tls;

use body::{Framing, Step};
use conn::{Conn, Stream};
pub use head::{InvalidHeader, RequestHead};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
pub use target::{Target, Targets};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// Largest response head (status line and headers).
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug)]
pub enum Error {
    /// The connect or total timeout passed.
    Timeout,
    /// No connection could be made (name lookup, TCP connect or TLS handshake).
    Connect(io::Error),
    Io(io::Error),
    /// The connection ended before the answer's head was complete.
    Closed,
    /// The connection ended before the body's announced end.
    Truncated,
    /// The bytes are not an HTTP/1.1 answer.
    Protocol(&'static str),
    /// Every address of the entity is one the egress policy forbids: nothing was connected to.
    Forbidden(IpAddr),
}

impl Error {
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn root(e: &io::Error) -> String {
            let mut cur: &(dyn std::error::Error + 'static) = e;
            while let Some(next) = cur.source() {
                cur = next;
            }
            cur.to_string()
        }
        match self {
            Error::Timeout => f.write_str("timed out"),
            Error::Connect(e) | Error::Io(e) => f.write_str(&root(e)),
            Error::Closed => f.write_str("the connection closed before the answer"),
            Error::Truncated => f.write_str("the connection closed before the end of the body"),
            Error::Protocol(what) => f.write_str(what),
            Error::Forbidden(ip) => write!(f, "{ip} is not an address entity calls may reach"),
        }
    }
}

impl std::error::Error for Error {}

#[derive(Clone)]
pub struct Settings {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub idle_timeout: Duration,
    pub max_idle_per_origin: usize,
    /// Whether a connection may be opened to an address (the gateway's egress policy). A
    /// predicate, so that this client knows nothing of the policy's rules.
    pub egress: Arc<dyn Fn(IpAddr) -> bool + Send + Sync>,
}

pub struct Client {
    settings: Settings,
    tls: tokio_rustls::TlsConnector,
    pool: pool::Pool,
}

/// An answer whose head was read; its body is read with [`Response::chunk`].
pub struct Response<'c> {
    status: u16,
    content_length: Option<u64>,
    retry_after: Option<String>,
    content_type: Option<String>,
    location: Option<String>,
    framing: Framing,
    reusable: bool,
    /// `None` once the body was read to the end (the connection is back in the pool, or closed).
    conn: Option<Conn>,
    /// Body bytes handed out by the last `chunk`, consumed at the next call.
    handed_out: usize,
    deadline: Pin<Box<Sleep>>,
    client: &'c Client,
}

impl Client {
    pub fn new(settings: Settings, tls: Arc<rustls::ClientConfig>) -> Client {
        Client {
            pool: pool::Pool::new(settings.max_idle_per_origin.max(1), settings.idle_timeout),
            settings,
            tls: tls.into(),
        }
    }

    /// Sends `GET target` with `head` and reads the answer's head.
    pub async fn get(&self, target: &Target, head: RequestHead) -> Result<Response<'_>, Error> {
        let request = head.finish();
        let mut deadline = Box::pin(tokio::time::sleep(self.settings.timeout));
        let mut pooled = self.pool.take(&target.endpoint.origin);
        loop {
            let reused = pooled.is_some();
            let mut conn = match pooled.take() {
                Some(c) => c,
                None => self.connect(target, deadline.as_mut()).await?,
            };
            match exchange(&mut conn, &request, deadline.as_mut()).await {
                Ok(head) => return Ok(self.response(head, conn, deadline)),
                // The entity closed the pooled connection as the request went out: once more,
                // on a new connection (`pooled` is empty now).
                Err(Failure { error, answered }) => {
                    let stale = matches!(error, Error::Io(_) | Error::Closed) && !answered;
                    if !(reused && stale) {
                        return Err(error);
                    }
                }
            }
        }
    }

    fn response(
        &self,
        head: head::ResponseHead,
        conn: Conn,
        deadline: Pin<Box<Sleep>>,
    ) -> Response<'_> {
        Response {
            status: head.status,
            content_length: head.content_length,
            retry_after: head.retry_after,
            content_type: head.content_type,
            location: head.location,
            framing: head.framing,
            reusable: head.reusable,
            conn: Some(conn),
            handed_out: 0,
            deadline,
            client: self,
        }
    }

    /// The differential harness's seam: `get` over an in-memory connection, as over one out of
    /// the pool (the answer's connection is parked in the pool as `get` would park it) but
    /// without the second try on a new connection, which would need a socket.
    #[cfg(any(test, fuzzing))]
    async fn get_over(
        &self,
        io: tokio::io::DuplexStream,
        target: &Target,
        head: RequestHead,
    ) -> Result<Response<'_>, Error> {
        let mut deadline = Box::pin(tokio::time::sleep(self.settings.timeout));
        let mut conn = Conn::new(Stream::Memory(io), target.endpoint.origin.clone());
        let head = exchange(&mut conn, &head.finish(), deadline.as_mut())
            .await
            .map_err(|f| f.error)?;
        Ok(self.response(head, conn, deadline))
    }

    async fn connect(&self, target: &Target, deadline: Pin<&mut Sleep>) -> Result<Conn, Error> {
        let limit = (Instant::now() + self.settings.connect_timeout).min(deadline.deadline());
        match tokio::time::timeout_at(limit, self.open(target, limit)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout),
        }
    }

    /// Connects (and shakes hands) before `limit`, which the caller enforces, to the addresses
    /// of the entity that the egress policy allows: judged on the addresses resolved now and
    /// connected to next, so a name cannot be re-pointed between the check and the connection.
    async fn open(&self, target: &Target, limit: Instant) -> Result<Conn, Error> {
        let e = &target.endpoint;
        let resolved: Vec<SocketAddr> = match &e.host {
            url::Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(*ip), e.port)],
            url::Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(*ip), e.port)],
            url::Host::Domain(name) => tokio::net::lookup_host((name.as_str(), e.port))
                .await
                .map_err(Error::Connect)?
                .collect(),
        };
        let (addrs, forbidden): (Vec<SocketAddr>, Vec<SocketAddr>) = resolved
            .into_iter()
            .partition(|a| (self.settings.egress)(a.ip()));
        if let (true, Some(first)) = (addrs.is_empty(), forbidden.first()) {
            return Err(Error::Forbidden(first.ip()));
        }
        self.handshake(e, connect_any(addrs, limit).await.map_err(Error::Connect)?)
            .await
            .map_err(Error::Connect)
    }

    async fn handshake(&self, e: &target::Endpoint, tcp: TcpStream) -> io::Result<Conn> {
        tcp.set_nodelay(true)?;
        let io = if e.tls {
            let name = match &e.host {
                url::Host::Domain(d) => rustls::pki_types::ServerName::try_from(d.clone())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
                url::Host::Ipv4(ip) => IpAddr::V4(*ip).into(),
                url::Host::Ipv6(ip) => IpAddr::V6(*ip).into(),
            };
            Stream::Tls(Box::new(self.tls.connect(name, tcp).await?))
        } else {
            Stream::Plain(tcp)
        };
        Ok(Conn::new(io, e.origin.clone()))
    }

    #[cfg(test)]
    fn idle(&self, origin: &str) -> usize {
        self.pool.idle(origin)
    }
}

/// Connects to the first of `addrs` that answers before `limit`, which the caller enforces.
async fn connect_any(addrs: Vec<SocketAddr>, limit: Instant) -> io::Result<TcpStream> {
    let mut last = io::Error::other("the name has no address");
    let count = addrs.len();
    for (i, addr) in addrs.into_iter().enumerate() {
        let left = count - i;
        let attempt = if left == 1 {
            // The last address has all the time left (the caller's limit ends it).
            TcpStream::connect(addr).await
        } else {
            // An equal share of the time left, so that an address that drops packets (a
            // firewalled IPv6 address of a name that also has IPv4 ones, say) leaves time for
            // the next.
            let share = limit.saturating_duration_since(Instant::now()) / left as u32;
            match tokio::time::timeout(share, TcpStream::connect(addr)).await {
                Ok(r) => r,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connecting to {addr} timed out"),
                )),
            }
        };
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

struct Failure {
    error: Error,
    /// Some of the answer had come back.
    answered: bool,
}

/// Writes the request and reads the answer's head, skipping interim (1xx) answers.
async fn exchange(
    conn: &mut Conn,
    request: &[u8],
    mut deadline: Pin<&mut Sleep>,
) -> Result<head::ResponseHead, Failure> {
    let fail = |answered| move |error| Failure { error, answered };
    conn.write_all(request, deadline.as_mut())
        .await
        .map_err(fail(false))?;
    let mut answered = false;
    loop {
        // A head must fit in MAX_HEAD bytes, however many arrived at once.
        let window = &conn.at_hand()[..conn.at_hand().len().min(MAX_HEAD)];
        match head::parse(window).map_err(fail(true))? {
            Some((head, len)) => {
                conn.pos += len;
                match head.status {
                    101 => {
                        return Err(fail(true)(Error::Protocol("the entity switched protocols")));
                    }
                    100..=199 => continue,
                    _ => return Ok(head),
                }
            }
            None if conn.at_hand().len() >= MAX_HEAD => {
                return Err(fail(true)(Error::Protocol("the answer's head is too long")));
            }
            None => match conn.fill(deadline.as_mut()).await {
                Ok(0) => return Err(fail(answered)(Error::Closed)),
                Ok(_) => answered = true,
                Err(e) => return Err(fail(answered)(e)),
            },
        }
    }
}

impl Response<'_> {
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body's announced length (`Content-Length` framing only).
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// `Retry-After` of a 503 answer.
    pub fn retry_after(&self) -> Option<&str> {
        self.retry_after.as_deref()
    }

    /// `Content-Type`, as sent.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// `Location` of a 3xx answer (the gateway never follows it).
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The next piece of the body, `None` at its end (when the connection goes back to the
    /// pool if it can).
    pub async fn chunk(&mut self) -> Result<Option<&[u8]>, Error> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(None);
        };
        conn.pos += std::mem::take(&mut self.handed_out);
        let len = loop {
            match self.framing.step(conn.at_hand())? {
                Step::Data(n) => break n,
                Step::Skip(n) => conn.pos += n,
                Step::Done => {
                    self.finish();
                    return Ok(None);
                }
                Step::NeedMore => {
                    if conn.fill(self.deadline.as_mut()).await? == 0 {
                        self.framing.at_eof()?;
                        self.reusable = false;
                        self.finish();
                        return Ok(None);
                    }
                }
            }
        };
        self.handed_out = len;
        let conn = self.conn.as_ref().expect("connection");
        Ok(Some(&conn.at_hand()[..len]))
    }

    /// The whole body, when it is delimited by `Content-Length` and has already arrived with
    /// the head (the usual case for a JSON answer): it can be used where it lies. The next
    /// [`Response::chunk`] then ends the body.
    pub fn body_at_hand(&mut self) -> Option<&[u8]> {
        let conn = self.conn.as_ref()?;
        match self.framing {
            Framing::Length(n) if self.handed_out == 0 && n <= conn.at_hand().len() as u64 => {
                self.framing = Framing::Length(0);
                self.handed_out = n as usize;
                Some(&conn.at_hand()[..n as usize])
            }
            _ => None,
        }
    }

    /// Gives the connection back without reading further, when the rest of the body has
    /// already arrived (a short error answer): else it is closed with the response.
    pub fn release(mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        conn.pos += std::mem::take(&mut self.handed_out);
        loop {
            match self.framing.step(conn.at_hand()) {
                Ok(Step::Data(n) | Step::Skip(n)) => conn.pos += n,
                Ok(Step::Done) => return self.finish(),
                Ok(Step::NeedMore) | Err(_) => return,
            }
        }
    }

    fn finish(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Bytes after the body were never asked for: the connection is out of step.
            if self.reusable && conn.at_hand().is_empty() {
                self.client.pool.put(conn);
            }
        }
    }
}

#[cfg(test)]
mod tests;
