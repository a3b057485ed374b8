//! One connection to an entity (plain TCP or TLS) with its read buffer. All its I/O runs in the
//! task that has it checked out, against that request's deadline: there is no connection task.

use super::Error;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// Smallest and largest read; a read that fills the space it was given doubles the next one.
const MIN_READ: usize = 16 * 1024;
const MAX_READ: usize = 256 * 1024;

pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// The differential harness's peer (`differential.rs`): an in-memory pipe, so that any byte
    /// stream reaches the same parsing code as a socket's, thousands of times a second.
    #[cfg(any(test, fuzzing))]
    Memory(tokio::io::DuplexStream),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            #[cfg(any(test, fuzzing))]
            Stream::Memory(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            #[cfg(any(test, fuzzing))]
            Stream::Memory(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            #[cfg(any(test, fuzzing))]
            Stream::Memory(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            #[cfg(any(test, fuzzing))]
            Stream::Memory(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

pub(super) struct Conn {
    io: Stream,
    /// Bytes read and not consumed yet are `buf[pos..]`.
    pub buf: Vec<u8>,
    pub pos: usize,
    read_size: usize,
    /// The pool this connection returns to (the origin of the entity).
    pub origin: String,
    pub idle_since: Instant,
}

/// Polls `io` until it is ready, or the deadline's sleep fires first.
fn or_deadline<T>(
    poll: Poll<io::Result<T>>,
    deadline: Pin<&mut Sleep>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, Error>> {
    match poll {
        Poll::Ready(r) => Poll::Ready(r.map_err(Error::Io)),
        Poll::Pending => match deadline.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Error::Timeout)),
            Poll::Pending => Poll::Pending,
        },
    }
}

impl Conn {
    pub fn new(io: Stream, origin: String) -> Conn {
        Conn {
            io,
            buf: Vec::with_capacity(MIN_READ),
            pos: 0,
            read_size: MIN_READ,
            origin,
            idle_since: Instant::now(),
        }
    }

    /// Bytes read and not consumed yet.
    pub fn at_hand(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Writes all of `bytes` (and flushes TLS records).
    pub async fn write_all(
        &mut self,
        bytes: &[u8],
        mut deadline: Pin<&mut Sleep>,
    ) -> Result<(), Error> {
        let mut written = 0;
        poll_fn(|cx| {
            loop {
                let io = Pin::new(&mut self.io);
                let poll = if written < bytes.len() {
                    match io.poll_write(cx, &bytes[written..]) {
                        Poll::Ready(Ok(0)) => {
                            Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero)))
                        }
                        Poll::Ready(Ok(n)) => {
                            written += n;
                            continue;
                        }
                        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                        Poll::Pending => Poll::Pending,
                    }
                } else {
                    io.poll_flush(cx)
                };
                return or_deadline(poll, deadline.as_mut(), cx);
            }
        })
        .await
    }

    /// Reads more into the buffer: answers how many bytes came (0 at the end of the stream).
    pub async fn fill(&mut self, mut deadline: Pin<&mut Sleep>) -> Result<usize, Error> {
        // A body that keeps arriving never lets the sleep be polled: check the clock too.
        if tokio::time::Instant::now() >= deadline.deadline() {
            return Err(Error::Timeout);
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 0 && self.buf.capacity() - self.buf.len() < MIN_READ / 4 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.buf.capacity() - self.buf.len() < self.read_size {
            self.buf.reserve(self.read_size);
        }
        let room = self.buf.capacity() - self.buf.len();
        let n = poll_fn(|cx| {
            let poll = tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.buf);
            or_deadline(poll, deadline.as_mut(), cx)
        })
        .await?;
        if n == room && self.read_size < MAX_READ {
            self.read_size *= 2;
        }
        Ok(n)
    }

    /// Made ready for the pool: nothing left unread, and no large buffer kept while idle.
    pub fn park(&mut self) {
        if self.buf.capacity() > 4 * MIN_READ {
            self.buf = Vec::with_capacity(MIN_READ);
            self.read_size = MIN_READ;
        }
        self.buf.clear();
        self.pos = 0;
        self.idle_since = Instant::now();
    }

    /// Whether a connection that waited in the pool can still carry a request: the entity has
    /// not closed it (nor sent anything unasked). One non-blocking read, never waiting.
    pub fn still_open(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        let mut probe = [0u8; 8];
        let mut probe = ReadBuf::new(&mut probe);
        matches!(
            Pin::new(&mut self.io).poll_read(&mut cx, &mut probe),
            Poll::Pending
        )
    }
}
