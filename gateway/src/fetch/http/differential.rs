//! The differential harness: the same answer bytes, written by a scripted peer over an
//! in-memory pipe (in pieces, then an early close or silence), are read by this client and by
//! hyper's HTTP/1 client connection, both sending the same `GET`; the status, the body and
//! whether the exchange failed must agree, and a connection this client would reuse must be
//! one hyper would reuse too. Where this client is deliberately stricter (it refuses what RFC
//! 9112 lets a recipient refuse), the disagreement is listed in [`ALLOWED`]; any other one is a
//! finding. Run by the tests below (seeds, then generated answers) and, for long runs, by the
//! `http_differential` fuzz target (`gateway/fuzz`, `docs/fuzzing.md`).
//!
//! Time is tokio's paused clock: a peer that leaves the connection open makes both clients
//! wait for their timeouts, which pass at once, so a stalled exchange costs nothing.

use super::{Client, Error, RequestHead, Settings, Target};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

const URL: &str = "http://entity.test/messages/m1";
const HOST: &str = "entity.test";
const PATH: &str = "/messages/m1";
/// Both clients' timeout, in virtual time: far longer than a peer takes to play its pieces.
const PATIENCE: Duration = Duration::from_secs(30);
/// Between two pieces: long enough (in virtual time) for the client to read all it was given.
const PIECE_GAP: Duration = Duration::from_millis(1);
/// Most pieces a case is cut into (more would only slow a run down).
pub const MAX_PIECES: usize = 64;

/// What the peer answers: these pieces, each read on its own, then the end of the connection
/// (`close`) or silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub pieces: Vec<Vec<u8>>,
    pub close: bool,
}

impl Case {
    /// `bytes` cut into `pieces` pieces of about the same length.
    pub fn new(bytes: &[u8], pieces: usize, close: bool) -> Case {
        let size = bytes.len().div_ceil(pieces.clamp(1, MAX_PIECES)).max(1);
        Case {
            pieces: bytes.chunks(size).map(<[u8]>::to_vec).collect(),
            close,
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.pieces.concat()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The whole answer; `reusable`: the connection would carry the next request.
    Answer {
        status: u16,
        body: Vec<u8>,
        reusable: bool,
    },
    Refused(String),
    /// Still waiting for bytes when the timeout passed (the peer left the connection open).
    Stalled,
}

/// A disagreement accepted: this client refuses with `ours` where hyper takes the answer (or
/// waits for more), because RFC 9112 lets a recipient refuse it and taking it is a risk; only
/// for answers whose bytes are `within` the kind that can bring that refusal, so the same
/// refusal of an answer that cannot deserve it still fails.
pub struct Asymmetry {
    pub ours: &'static str,
    pub within: fn(&[u8]) -> bool,
    pub why: &'static str,
}

/// Keyed by this client's exact refusal, so a refusal for any other reason (or acceptance
/// where hyper refuses, or a different status or body) still fails.
pub const ALLOWED: &[Asymmetry] = &[
    Asymmetry {
        ours: "the entity switched protocols",
        within: |b| statuses(b).contains(&101),
        why: "RFC 9110 §15.2.2: a server must not answer 101 to a request without Upgrade, and \
              the client never sends one; hyper hands the 101 over as an answer",
    },
    Asymmetry {
        ours: "the answer's head is too long",
        within: |b| b.len() > 64 * 1024,
        why: "64 KiB against hyper's ~400 KiB read buffer; RFC 9110 §5.4 lets a recipient bound \
              the size of the fields it takes",
    },
    Asymmetry {
        ours: "a chunked body line is too long",
        within: |b| b.split(|&c| c == b'\n').any(|l| l.len() > 4096),
        why: "4 KiB per chunk-size line against hyper's 16 KiB of extensions per body; RFC 9112 \
              §7.1.1 expects extensions to be bounded",
    },
    Asymmetry {
        ours: "the chunk extensions are too long",
        within: |b| b.len() > 8 * 1024,
        why: "8 KiB of extensions per body against hyper's 16 KiB (RFC 9112 §7.1.1)",
    },
    Asymmetry {
        ours: "the trailers are too long",
        within: |b| b.len() > 8 * 1024 || lines(b) > 64,
        why: "8 KiB and 64 lines of trailers against hyper's 16 KiB and 100 lines (RFC 9110 \
              §5.4, field limits)",
    },
    Asymmetry {
        ours: "the Content-Length is too large",
        within: |b| b.split(|c| !c.is_ascii_digit()).any(|d| d.len() >= 19),
        why: "above i64::MAX, where hyper refuses only the top two values of u64: no body is \
              that long (RFC 9110 §8.6 asks recipients to guard against overflow)",
    },
    Asymmetry {
        ours: "a chunked body line does not end with CRLF",
        within: has_bare_lf,
        why: "RFC 9112 §2.2: a recipient MAY take a bare LF as a line end, so it may also refuse \
              it; hyper takes one inside trailers (it hands them to httparse), and two readings \
              of where a body ends are how answers are smuggled",
    },
    Asymmetry {
        ours: "invalid Transfer-Encoding",
        within: has_transfer_encoding,
        why: "an empty list element or a non-ASCII byte: hyper reads `chunked,` as not chunked \
              where RFC 9110 §5.6.1.2 reads it as chunked; refusing is the only reading that \
              cannot disagree with the entity's server (RFC 9112 §11.2, response splitting)",
    },
    Asymmetry {
        ours: "invalid Content-Length",
        within: content_length_ignored,
        why: "next to Transfer-Encoding (which hyper lets override it) or on a no-body status \
              (which hyper does not read): RFC 9112 §6.3 says both headers together \"ought to \
              be handled as an error\", and a broken one is never needed",
    },
    Asymmetry {
        ours: "conflicting Content-Length values",
        within: content_length_ignored,
        why: "as invalid Content-Length: hyper does not look at them when Transfer-Encoding or \
              the status decides the framing (RFC 9112 §6.3, §11.2)",
    },
];

/// How the two clients agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreed {
    /// On the same answer.
    Answer,
    Refused,
    Stalled,
    /// This client refused, for a reason in [`ALLOWED`].
    Asymmetry(&'static str),
}

fn lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn has_bare_lf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
}

fn has_transfer_encoding(bytes: &[u8]) -> bool {
    bytes
        .windows(17)
        .any(|w| w.eq_ignore_ascii_case(b"transfer-encoding"))
}

/// The statuses of the whole heads the answer starts with: interim ones, then the final one.
fn statuses(bytes: &[u8]) -> Vec<u16> {
    let mut found = Vec::new();
    let mut at = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut head = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(len)) = head.parse(&bytes[at..]) else {
            return found;
        };
        let status = head.code.unwrap_or_default();
        found.push(status);
        if !(100..200).contains(&status) || status == 101 {
            return found;
        }
        at += len;
    }
}

/// Where hyper never reads `Content-Length`: next to `Transfer-Encoding`, or on a head whose
/// status says there is no body.
fn content_length_ignored(bytes: &[u8]) -> bool {
    has_transfer_encoding(bytes)
        || statuses(bytes)
            .iter()
            .any(|s| (100..200).contains(s) || *s == 204 || *s == 304)
}

/// How the two outcomes for the answer `bytes` agree, or the disagreement.
pub fn compare(bytes: &[u8], ours: &Outcome, hyper: &Outcome) -> Result<Agreed, String> {
    use Outcome::*;
    match (ours, hyper) {
        (
            Answer {
                status: s1,
                body: b1,
                reusable: r1,
            },
            Answer {
                status: s2,
                body: b2,
                reusable: r2,
            },
        ) => {
            if s1 != s2 || b1 != b2 {
                Err("both took the answer, but not the same one".into())
            } else if *r1 && !*r2 {
                Err("ours would reuse a connection hyper gives up".into())
            } else {
                Ok(Agreed::Answer)
            }
        }
        (Refused(_), Refused(_)) => Ok(Agreed::Refused),
        (Stalled, Stalled) => Ok(Agreed::Stalled),
        (Refused(why), Answer { .. } | Stalled) => {
            match ALLOWED.iter().find(|a| a.ours == why && (a.within)(bytes)) {
                Some(a) => Ok(Agreed::Asymmetry(a.ours)),
                None => Err(format!("ours refuses ({why}), hyper does not")),
            }
        }
        _ => Err("ours takes what hyper refuses, or waits where hyper does not".into()),
    }
}

/// Runs `case` against both clients and compares: the disagreement, with both outcomes.
pub fn check(case: &Case) -> Result<Agreed, String> {
    let (ours, mut hyper) =
        RUNTIME.with(|rt| rt.block_on(async { (ours(case).await, hyper(case).await) }));
    // hyper parses a head, or a trailer section, only once it has its end (the empty line), so
    // it waits on one that is already broken, which this client refuses as soon as the broken
    // line comes: ended and closed, it is one hyper must judge. Only while the final head is
    // unfinished, or for a refused trailer line: elsewhere the added bytes would be body, and
    // any refusal could hide behind them.
    let unfinished = |s: &u16| (100..200).contains(s) && *s != 101;
    let deferred = match &ours {
        Outcome::Refused(why) => {
            why == "invalid trailer line" || statuses(&case.bytes()).last().is_none_or(unfinished)
        }
        _ => false,
    };
    if let (Outcome::Stalled, true) = (&hyper, deferred) {
        let mut ended = case.clone();
        ended.pieces.push(b"\r\n\r\n".to_vec());
        ended.close = true;
        if let Outcome::Refused(why) = RUNTIME.with(|rt| rt.block_on(self::hyper(&ended))) {
            hyper = Outcome::Refused(format!("once the head is ended: {why}"));
        }
    }
    let bytes = case.bytes();
    compare(&bytes, &ours, &hyper).map_err(|why| {
        format!(
            "{why}\n  ours:  {}\n  hyper: {}\n  close: {}, pieces: {}, bytes ({}): {:?}",
            short(&format!("{ours:?}")),
            short(&format!("{hyper:?}")),
            case.close,
            case.pieces.len(),
            bytes.len(),
            short(&String::from_utf8_lossy(&bytes)),
        )
    })
}

/// The start of a long text, enough to see which case it is.
fn short(text: &str) -> String {
    match text.char_indices().nth(600) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
}

/// The client never connects here (no TLS): an empty configuration is enough.
static TLS: LazyLock<Arc<rustls::ClientConfig>> = LazyLock::new(|| {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    )
});

/// Reads the request's head, plays the pieces, then closes or stays until the client leaves.
async fn peer(mut io: DuplexStream, case: Case) {
    let mut request = Vec::new();
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut buf = [0u8; 1024];
        match io.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    for piece in &case.pieces {
        if io.write_all(piece).await.is_err() {
            return;
        }
        tokio::time::sleep(PIECE_GAP).await;
    }
    if case.close {
        let _ = io.shutdown().await;
    }
    let mut sink = [0u8; 1024];
    while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {}
}

/// Lets the peer play everything it has left (so a late stray byte is seen) before the
/// question whether the connection could be reused.
async fn settle() {
    tokio::time::sleep(PIECE_GAP * (MAX_PIECES as u32 + 2)).await;
}

async fn ours(case: &Case) -> Outcome {
    let client = Client::new(
        Settings {
            connect_timeout: PATIENCE,
            timeout: PATIENCE,
            idle_timeout: Duration::from_secs(3600),
            max_idle_per_origin: 1,
            // The seam connects to nothing: every exchange runs over an in-memory pipe.
            egress: Arc::new(|_| false),
        },
        TLS.clone(),
    );
    let target = Target::parse(URL).expect("target");
    let (near, far) = tokio::io::duplex(64 * 1024);
    let peer = tokio::spawn(peer(far, case.clone()));
    let read = async {
        let mut resp = client
            .get_over(near, &target, RequestHead::get(&target))
            .await?;
        let mut body = Vec::new();
        while let Some(piece) = resp.chunk().await? {
            body.extend_from_slice(piece);
        }
        Ok::<_, Error>((resp.status(), body))
    };
    let outcome = match read.await {
        Ok((status, body)) => {
            settle().await;
            // As the next request would: out of the pool, if it is still open and quiet.
            let reusable = client.pool.take(target.origin()).is_some();
            Outcome::Answer {
                status,
                body,
                reusable,
            }
        }
        Err(Error::Timeout) => Outcome::Stalled,
        Err(e) => Outcome::Refused(e.to_string()),
    };
    drop(client);
    peer.abort();
    outcome
}

async fn hyper(case: &Case) -> Outcome {
    let (near, far) = tokio::io::duplex(64 * 1024);
    let peer = tokio::spawn(peer(far, case.clone()));
    let (mut sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(near)).await {
        Ok(pair) => pair,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let conn = tokio::spawn(conn);
    let request = hyper::Request::get(PATH)
        .header("host", HOST)
        .header("accept", "*/*")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let read = async {
        let resp = sender.send_request(request).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok::<_, hyper::Error>((status, body.to_vec()))
    };
    let outcome = match tokio::time::timeout(PATIENCE, read).await {
        Err(_) => Outcome::Stalled,
        Ok(Err(e)) => Outcome::Refused(e.to_string()),
        Ok(Ok((status, body))) => {
            settle().await;
            Outcome::Answer {
                status,
                body,
                reusable: sender.is_ready(),
            }
        }
    };
    conn.abort();
    peer.abort();
    outcome
}

/// The fuzz target's input: a first byte, then either choices for [`generate`] (first byte
/// even: the structured half, where most inputs are nearly right answers) or the answer's
/// bytes as they are (odd: the raw half, where the parsers meet anything), cut into
/// `1 + (first byte >> 2) % MAX_PIECES` pieces and closed after them if bit 1 is set.
pub fn from_fuzz(data: &[u8]) -> Case {
    match data.split_first() {
        None => Case::new(b"", 1, true),
        Some((&first, rest)) if first % 2 == 0 => generate(rest),
        Some((&first, rest)) => {
            let pieces = 1 + usize::from(first >> 2) % MAX_PIECES;
            Case::new(rest, pieces, first & 2 != 0)
        }
    }
}

/// [`from_fuzz`]'s raw form of a case whose pieces are about the same length (the seeds).
pub fn to_fuzz(case: &Case) -> Vec<u8> {
    let pieces = case.pieces.len().clamp(1, MAX_PIECES);
    let mut data = vec![1 | (u8::from(case.close) << 1) | (((pieces - 1) as u8) << 2)];
    data.extend_from_slice(&case.bytes());
    data
}

/// Hand-written answers, one per framing rule (and most of its traps); also the fuzz target's
/// seed corpus.
pub fn seeds() -> Vec<Case> {
    const HEADS: &[&str] = &[
        // Plain framings.
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\nread to the close",
        "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.0 200 OK\r\n\r\nto the close",
        "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\ncontent-length: 2\r\n\r\nhi",
        // Status lines.
        "HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 \r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 404 Not \x7f Found\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 D\u{e9}j\u{e0} vu\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 099 Low\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 000 Zero\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 999 High\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 20 Short\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.2 200 OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/2.0 200 OK\r\ncontent-length: 0\r\n\r\n",
        "http/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1  200 OK\r\ncontent-length: 0\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        // Interim answers.
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 102 P\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 100 Continue\r\ncontent-length: 5\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\n",
        // No-body statuses that announce one.
        "HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\nhello",
        "HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\n",
        // Header syntax.
        "HTTP/1.1 200 OK\r\nx-folded: a\r\n b\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\tfolded\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length : 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length:2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length:\t2\t\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\n content-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\nx-a: b\ncontent-length: 2\n\nhi",
        "HTTP/1.1 200 OK\r\nx-a: b\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nx-a: \u{80}\u{ff}\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nx-a: \x01\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\n: empty name\r\ncontent-length: 2\r\n\r\nhi",
        // Content-Length.
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 2, 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nhi!",
        "HTTP/1.1 200 OK\r\ncontent-length: 2, 3\r\n\r\nhi!",
        "HTTP/1.1 200 OK\r\ncontent-length: 2,\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: +2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: -2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 0x2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: \r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 00000000000000000000002\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 18446744073709551614\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 18446744073709551616\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
        // Content-Length with Transfer-Encoding.
        "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 1, 2\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\ncontent-length: 2\r\n\r\nhi and more",
        // Transfer-Encoding values.
        "HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked,\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: ,chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: identity\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: gzip\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: xchunked\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: \"chunked\"\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\u{80}\r\n\r\nhi",
        "HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.0 204 OK\r\ntransfer-encoding: chunked\r\n\r\n",
        // Chunk sizes.
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2;a=b\r\nhi\r\n0;x\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2 ;a\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\t\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2 x\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2;a\rb\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0000000000000000000002\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10000000000000002\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n+2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0x2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n 2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhix\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\nhi\n0\n\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n",
        // Trailers.
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx-sum: 1\r\ny: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nnot a field\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx : 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx: 1\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx: 1\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx: 1\ny: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx: \x01\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\ncontent-length: 9\r\n\r\n",
        // Found by the fuzz target: a CR then anything but LF where the trailers end, with the
        // connection left open (hyper refuses at once; this client waited for an LF).
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2;a=b\r\nhi\r\n0;x\r\n\r\u{8a}",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx: 1\rz",
        // A broken trailer line, the connection left open: hyper waits for the section's end.
        "HTTP/1.1 200\ntransfer-encoding: chunked\r\n\r\n0\r\nhi\r\n0\r\n",
        // And a body whose first byte is a CR (hyper refuses it; this client waited for more).
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\n\r",
        // A second answer after the first: out of step if the first is misframed.
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
    ];
    let mut cases = Vec::new();
    for head in HEADS {
        for close in [true, false] {
            cases.push(Case::new(head.as_bytes(), 1, close));
            cases.push(Case::new(head.as_bytes(), 7, close));
        }
    }
    // Early closes: mid-status-line, mid-head, mid-body, mid-chunk-size, mid-trailers.
    let full = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nx: 1\r\n\r\n";
    for cut in [0, 5, 20, 40, 50, 55, 60, 70, 90, full.len() - 1] {
        cases.push(Case::new(&full[..cut], 3, true));
    }
    let full = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789";
    for cut in [0, 12, 30, full.len() - 3] {
        cases.push(Case::new(&full[..cut], 2, true));
    }
    // Oversized heads, and long chunk lines and trailers.
    let big = |n: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nx-big: {}\r\ncontent-length: 2\r\n\r\nhi",
            "a".repeat(n)
        )
    };
    for n in [60 * 1024, 70 * 1024] {
        cases.push(Case::new(big(n).as_bytes(), 4, true));
    }
    let chunked = |middle: String| {
        format!("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{middle}0\r\n\r\n")
            .into_bytes()
    };
    cases.push(Case::new(
        &chunked(format!("2;{}\r\nhi\r\n", "e".repeat(5000))),
        3,
        true,
    ));
    cases.push(Case::new(
        &chunked(format!("1;{}\r\nh\r\n", "e".repeat(3000)).repeat(6)),
        5,
        true,
    ));
    let trailers = |lines: usize, len: usize| {
        format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n{}\r\n",
            format!("x: {}\r\n", "t".repeat(len)).repeat(lines)
        )
        .into_bytes()
    };
    for (lines, len) in [(80, 1), (120, 1), (3, 5000), (2, 9000)] {
        cases.push(Case::new(&trailers(lines, len), 3, true));
    }
    cases
}

/// A structured answer built from a stream of choices (a byte each, 0 once they run out, so a
/// shorter stream is a plainer answer): the generator of the tests below and of the fuzz
/// target's structured half. Pieces of the answer are drawn from lists of valid and invalid
/// forms, so most answers are nearly right, which is where framing bugs hide.
pub fn generate(choices: &[u8]) -> Case {
    let mut c = Choices(choices);
    let mut out = Vec::new();
    let interim = match c.byte() {
        0..200 => 0,
        b => 1 + usize::from(b % 2),
    };
    for _ in 0..interim {
        out.extend_from_slice(c.of(INTERIM).as_bytes());
    }
    let body = c.body();
    let eol: &[u8] = c.of(&["\r\n", "\n"]).as_bytes();
    out.extend_from_slice(c.of(VERSIONS).as_bytes());
    out.extend_from_slice(c.of(STATUSES).as_bytes());
    out.extend_from_slice(c.of(REASONS).as_bytes());
    out.extend_from_slice(eol);
    let n = body.data.len();
    for _ in 0..c.pick(5) {
        let line = match c.pick(5) {
            0 | 1 => c.of(LENGTHS),
            2 => c.of(ENCODINGS),
            3 => c.of(CONNECTIONS),
            _ => c.of(OTHERS),
        };
        let line = line
            .replace("{n}", &n.to_string())
            .replace("{m}", &(n + 1).to_string())
            .replace("{big}", &"a".repeat(66 * 1024));
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(eol);
    }
    // The framing of the body, most of the time, so that the body is usually well formed.
    if c.pick(4) != 0 {
        let framing = if body.chunked == (c.pick(8) != 0) {
            "transfer-encoding: chunked".to_owned()
        } else {
            format!("content-length: {n}")
        };
        out.extend_from_slice(framing.as_bytes());
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(eol);
    out.extend_from_slice(&body.wire);
    out.extend_from_slice(c.of(TAILS).as_bytes());
    if c.pick(4) == 0 {
        let cut = c.pick(out.len() + 1);
        out.truncate(cut);
    }
    let pieces = 1 + c.pick(MAX_PIECES);
    let close = c.pick(3) != 0;
    Case::new(&out, pieces, close)
}

struct Body {
    data: Vec<u8>,
    wire: Vec<u8>,
    chunked: bool,
}

struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A number below `n`, from one byte or two.
    fn pick(&mut self, n: usize) -> usize {
        if n <= 256 {
            self.byte() as usize % n
        } else {
            (usize::from(self.byte()) << 8 | usize::from(self.byte())) % n
        }
    }

    /// The first of `list` (the plain form) more often than not, else any: most answers then
    /// have one or two odd parts, not ten.
    fn of<'s>(&mut self, list: &[&'s str]) -> &'s str {
        match self.byte() {
            b @ 200.. => list[usize::from(b) % list.len()],
            _ => list[0],
        }
    }

    /// The body's data and its bytes on the wire: as they are, or chunked (in the forms of
    /// `SIZES`, with `EXTENSIONS`, line ends and `TRAILERS`).
    fn body(&mut self) -> Body {
        let len = match self.pick(4) {
            0 => 0,
            1 => self.pick(8),
            2 => self.pick(200),
            _ => self.pick(3000),
        };
        let data: Vec<u8> = (0..len).map(|i| b"0123456789abcdef\r\n"[i % 18]).collect();
        if self.pick(2) == 0 {
            return Body {
                wire: data.clone(),
                data,
                chunked: false,
            };
        }
        let mut wire = Vec::new();
        let mut rest = &data[..];
        // Odd chunk lines in one body in four: one choice per chunk would break nearly all.
        let odd = self.pick(4) == 0;
        loop {
            let size = if rest.is_empty() {
                0
            } else {
                1 + self.pick(rest.len().min(700))
            };
            let size_text = match self.pick(8) {
                0 => format!("{size:X}"),
                1 => format!("{}{size:x}", "0".repeat(self.pick(24))),
                _ => format!("{size:x}"),
            };
            let mut of = |list: &[&'static str]| if odd { self.of(list) } else { list[0] };
            let form = of(SIZES).replace("{s}", &size_text);
            wire.extend_from_slice(form.as_bytes());
            wire.extend_from_slice(of(EXTENSIONS).as_bytes());
            let eol = of(&["\r\n", "\n", "\r", "\r\r\n"]);
            wire.extend_from_slice(eol.as_bytes());
            if size == 0 {
                break;
            }
            wire.extend_from_slice(&rest[..size]);
            rest = &rest[size..];
            let end = if odd {
                self.of(&["\r\n", "\n", "", "x\r\n", "\r"])
            } else {
                "\r\n"
            };
            wire.extend_from_slice(end.as_bytes());
        }
        let trailers = self.of(TRAILERS);
        let trailers = trailers
            .replace("{many}", &"x-t: 1\r\n".repeat(90))
            .replace("{long}", &"t".repeat(9000));
        wire.extend_from_slice(trailers.as_bytes());
        wire.extend_from_slice(b"\r\n");
        Body {
            data,
            wire,
            chunked: true,
        }
    }
}

const INTERIM: &[&str] = &[
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n",
    "HTTP/1.1 102 Processing\r\ncontent-length: 5\r\n\r\n",
    "HTTP/1.0 100 Continue\r\ntransfer-encoding: chunked\r\n\r\n",
    "HTTP/1.1 199 Odd\r\n\r\n",
    "HTTP/1.1 101 Switching Protocols\r\n\r\n",
];
const VERSIONS: &[&str] = &[
    "HTTP/1.1 ",
    "HTTP/1.0 ",
    "HTTP/1.2 ",
    "HTTP/2 ",
    "http/1.1 ",
    "HTTP/1.1  ",
    "HTTP/1.1\t",
];
const STATUSES: &[&str] = &[
    "200", "204", "304", "404", "503", "100", "099", "000", "600", "999", "20", "2000", "20x",
    "205", "101",
];
const REASONS: &[&str] = &[
    " OK",
    "",
    " ",
    " Not Found",
    " D\u{e9}j\u{e0}",
    " OK\tthen",
    " \x7f",
    " a\x01b",
];
const LENGTHS: &[&str] = &[
    "content-length: {n}",
    "Content-Length: {n}, {n}",
    "content-length: {m}",
    "content-length: {n}\r\ncontent-length: {n}",
    "content-length: {n}\r\ncontent-length: {m}",
    "content-length: {n}, {m}",
    "content-length: +{n}",
    "content-length: 000000000000000000000{n}",
    "content-length:{n}",
    "content-length: {n} ",
    "content-length:\t{n}",
    "content-length : {n}",
    "content-length: -1",
    "content-length: 0x10",
    "content-length: ",
    "content-length: 99999999999999999999",
    "content-length: 18446744073709551615",
    "content-length: {n}\r\n\tfolded",
    "content-length: {n}\u{80}",
];
const ENCODINGS: &[&str] = &[
    "transfer-encoding: chunked",
    "Transfer-Encoding: CHUNKED",
    "transfer-encoding: Chunked ",
    "transfer-encoding: gzip, chunked",
    "transfer-encoding: chunked, gzip",
    "transfer-encoding: chunked,",
    "transfer-encoding: ,chunked",
    "transfer-encoding: chunked, ,chunked",
    "transfer-encoding: identity",
    "transfer-encoding: chunked\r\ntransfer-encoding: gzip",
    "transfer-encoding: gzip\r\ntransfer-encoding: chunked",
    "transfer-encoding: xchunked",
    "transfer-encoding: chunked;q=1",
    "transfer-encoding: \"chunked\"",
    "transfer-encoding: \u{80}, chunked",
    "transfer-encoding:chunked",
    "transfer-encoding : chunked",
    "transfer-encoding: \r\n chunked",
];
const CONNECTIONS: &[&str] = &[
    "connection: close",
    "Connection: keep-alive",
    "connection: Keep-Alive, close",
    "connection: close\r\nconnection: keep-alive",
    "connection: upgrade",
    "connection: keep-alive\r\nkeep-alive: timeout=5",
];
const OTHERS: &[&str] = &[
    "x-a: b",
    "x-fold: a\r\n b",
    "x-a : b",
    "x-a: \u{80}\u{ff}",
    "x-a: \x7f",
    "x-a: \x01",
    ": empty",
    "x-a",
    " leading: space",
    "retry-after: 5",
    "upgrade: websocket",
    "x-big: {big}",
];
const SIZES: &[&str] = &[
    "{s}",
    " {s}",
    "+{s}",
    "0x{s}",
    "{s} x",
    "{s}0000000000000000",
];
const EXTENSIONS: &[&str] = &[
    "", ";a=b", " ;a", "\t", ";a=\"q\"", ";a\rb", ";", "; \x01", ";\u{80}",
];
const TRAILERS: &[&str] = &[
    "",
    "x-sum: 1\r\n",
    "x-sum: 1\r\ny: 2\r\n",
    "not a field\r\n",
    "x : 1\r\n",
    "x: 1\r\n folded\r\n",
    "x: 1\n",
    "x: 1\ny: 2\r\n",
    "x: \x01\r\n",
    "content-length: 9\r\n",
    "{many}",
    "x-long: {long}\r\n",
];
const TAILS: &[&str] = &["", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", "junk"];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Generated cases per run: `HTTP_DIFFERENTIAL_CASES` raises it for a longer run.
    fn cases() -> u32 {
        std::env::var("HTTP_DIFFERENTIAL_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000)
    }

    #[test]
    fn the_seed_answers_agree_with_hyper() {
        let mut findings = Vec::new();
        let mut answers = 0;
        for case in seeds() {
            match check(&case) {
                Ok(agreed) => answers += usize::from(agreed == Agreed::Answer),
                Err(e) => findings.push(e),
            }
        }
        assert!(findings.is_empty(), "{}", findings.join("\n\n"));
        assert!(answers > 100, "only {answers} seeds are answers both take");
    }

    #[test]
    fn generated_answers_agree_with_hyper() {
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        let tally = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
        let choices = proptest::collection::vec(any::<u8>(), 0..160);
        runner
            .run(&choices, |choices| {
                let agreed = check(&generate(&choices)).map_err(TestCaseError::fail)?;
                *tally.borrow_mut().entry(format!("{agreed:?}")).or_default() += 1;
                Ok(())
            })
            .unwrap();
        // A generator that drifted into producing only garbage (or only one framing) would
        // pass without testing much.
        let tally = tally.into_inner();
        eprintln!("{tally:#?}");
        let share = |k: &str| f64::from(tally.get(k).copied().unwrap_or(0)) / f64::from(cases());
        assert!(share("Answer") > 0.2, "{tally:?}");
        assert!(share("Refused") > 0.1, "{tally:?}");
        assert!(share("Stalled") > 0.02, "{tally:?}");
    }

    /// The fuzz corpus starts from the seeds: `HTTP_DIFFERENTIAL_SEEDS=<dir>` writes them
    /// there (`docs/fuzzing.md`); without it, only their encoding is checked.
    #[test]
    fn seeds_encode_for_the_fuzz_target() {
        let dir = std::env::var_os("HTTP_DIFFERENTIAL_SEEDS").map(std::path::PathBuf::from);
        for (i, case) in seeds().iter().enumerate() {
            let data = to_fuzz(case);
            let back = from_fuzz(&data);
            assert_eq!((back.bytes(), back.close), (case.bytes(), case.close));
            if let Some(dir) = &dir {
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(dir.join(format!("seed-{i:03}")), &data).unwrap();
            }
        }
    }

    /// The harness itself: an answer each side reads its own way is a disagreement, and a
    /// refusal not in the list is one too.
    #[test]
    fn the_comparison_fails_on_any_unlisted_disagreement() {
        let answer = |status, body: &[u8], reusable| Outcome::Answer {
            status,
            body: body.to_vec(),
            reusable,
        };
        let refused = |why: &str| Outcome::Refused(why.to_owned());
        assert!(compare(b"", &answer(200, b"a", true), &answer(200, b"a", true)).is_ok());
        assert!(compare(b"", &answer(200, b"a", false), &answer(200, b"a", true)).is_ok());
        assert!(compare(b"", &answer(200, b"a", true), &answer(200, b"a", false)).is_err());
        assert!(compare(b"", &answer(200, b"a", true), &answer(200, b"ab", true)).is_err());
        assert!(compare(b"", &answer(200, b"a", true), &answer(201, b"a", true)).is_err());
        assert!(compare(b"", &answer(200, b"a", true), &refused("x")).is_err());
        assert!(compare(b"", &Outcome::Stalled, &refused("x")).is_err());
        assert!(compare(b"", &Outcome::Stalled, &answer(200, b"", true)).is_err());
        assert!(compare(b"", &refused("no reason"), &answer(200, b"a", true)).is_err());
        assert!(compare(b"", &refused("invalid chunk size"), &Outcome::Stalled).is_err());
        let long = vec![b'a'; 70 * 1024];
        assert!(
            compare(
                &long,
                &refused("the answer's head is too long"),
                &Outcome::Stalled
            )
            .is_ok()
        );
        // A listed refusal, of an answer that cannot deserve it.
        assert!(
            compare(
                b"",
                &refused("the answer's head is too long"),
                &Outcome::Stalled
            )
            .is_err()
        );
        let te = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 1, 2\r\n\r\n";
        let cl = b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n";
        let no_body =
            b"HTTP/1.1 100 Continue\r\ncontent-length: 1, 2\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        let conflict = refused("conflicting Content-Length values");
        assert!(compare(te, &conflict, &answer(200, b"", true)).is_ok());
        assert!(compare(no_body, &conflict, &answer(200, b"", true)).is_ok());
        assert!(compare(cl, &conflict, &answer(200, b"", true)).is_err());
        assert!(compare(b"", &refused("x"), &refused("y")).is_ok());
    }
}
