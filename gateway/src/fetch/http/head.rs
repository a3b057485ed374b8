//! The request head the gateway writes, and the response head it reads (with `httparse`), reduced
//! to what the gateway uses: the status, how the body is delimited, whether the connection may
//! be reused, `Retry-After`, and what `gateway probe` reports (`Content-Type`, a redirect's
//! `Location`).

use super::Error;
use super::body::Framing;

/// The most header lines a response may have (as hyper's default).
const MAX_HEADERS: usize = 100;

/// The largest `Content-Length` taken: no body is that long, and a value near `u64::MAX` is
/// where decoders disagree (hyper refuses the last two values of u64).
const MAX_CONTENT_LENGTH: u64 = i64::MAX as u64;

/// `GET {path}?{query} HTTP/1.1` with `host`, then the caller's headers.
pub struct RequestHead {
    bytes: Vec<u8>,
}

/// A header name or value that cannot be sent (not a token; control characters in the value).
#[derive(Debug)]
pub struct InvalidHeader(pub String);

impl std::fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the header {:?} cannot be sent", self.0)
    }
}

pub(super) fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// As `http::HeaderValue`: visible ASCII, spaces, tabs and obs-text, nothing else.
pub(super) fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

impl RequestHead {
    pub fn get(target: &super::Target) -> RequestHead {
        let mut bytes = Vec::with_capacity(512);
        bytes.extend_from_slice(b"GET ");
        bytes.extend_from_slice(target.path_and_query.as_bytes());
        bytes.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        bytes.extend_from_slice(target.endpoint.authority.as_bytes());
        bytes.extend_from_slice(b"\r\naccept: */*\r\n");
        RequestHead { bytes }
    }

    /// Adds a header, refusing names and values that would break the head.
    pub fn header(&mut self, name: &str, value: &[u8]) -> Result<(), InvalidHeader> {
        if name.is_empty()
            || !name.bytes().all(is_token)
            || !value.iter().all(|&b| is_value_byte(b))
        {
            return Err(InvalidHeader(name.to_owned()));
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(b": ");
        self.bytes.extend_from_slice(value);
        self.bytes.extend_from_slice(b"\r\n");
        Ok(())
    }

    pub(super) fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(b"\r\n");
        self.bytes
    }
}

/// What the gateway takes from a response head.
#[derive(Debug)]
pub(super) struct ResponseHead {
    pub status: u16,
    pub framing: Framing,
    /// The connection may carry another request once this body is read.
    pub reusable: bool,
    /// `Content-Length`, when it delimits the body.
    pub content_length: Option<u64>,
    /// Only kept for 503 answers.
    pub retry_after: Option<String>,
    /// `Content-Type`, as sent (lossy UTF-8); the last one if repeated.
    pub content_type: Option<String>,
    /// Only kept for 3xx answers: where the entity redirected to (never followed).
    pub location: Option<String>,
}

/// Parses a head at the start of `buf`: `Ok(None)` if it is not complete yet, else the head and
/// its length. Interim (1xx) answers are the caller's to skip: they come back as themselves.
pub(super) fn parse(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>, Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::Protocol("the answer has too many header lines"));
        }
        Err(_) => return Err(Error::Protocol("the answer is not HTTP/1.1")),
    };
    let status = resp.code.unwrap_or_default();
    // `httparse` takes any three digits; RFC 9110 §15 has no status below 100.
    if status < 100 {
        return Err(Error::Protocol("invalid status code"));
    }
    let http11 = resp.version == Some(1);
    let (mut length, mut te, mut chunked) = (None::<u64>, false, false);
    let (mut close, mut keep_alive) = (false, false);
    let mut retry_after = None;
    let (mut content_type, mut location) = (None, None);
    for h in resp.headers.iter() {
        let v = h.value;
        if h.name.eq_ignore_ascii_case("content-length") {
            // Every value (also in a list) must be the same number; `1*DIGIT`, so any number
            // of leading zeros.
            for part in v.split(|&b| b == b',') {
                let part = part.trim_ascii();
                if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                    return Err(Error::Protocol("invalid Content-Length"));
                }
                let n = std::str::from_utf8(part)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                    .filter(|&n| n <= MAX_CONTENT_LENGTH)
                    .ok_or(Error::Protocol("the Content-Length is too large"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(Error::Protocol("conflicting Content-Length values"));
                }
                length = Some(n);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            te = true;
            // Only the last coding decides: chunked last means chunked framing. An empty list
            // element is refused, though RFC 9110 §5.6.1.2 would have it ignored: in
            // `chunked, ` the last coding is `chunked` to the RFC and empty to hyper (so the
            // body is read to the close), and two readings of the framing are what response
            // splitting feeds on. Non-ASCII bytes, which hyper reads as "not chunked", too.
            let codings: Vec<&[u8]> = v.split(|&b| b == b',').map(<[u8]>::trim_ascii).collect();
            if codings.iter().any(|c| c.is_empty())
                || !v.iter().all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
            {
                return Err(Error::Protocol("invalid Transfer-Encoding"));
            }
            chunked = codings
                .last()
                .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in v.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if status == 503 && h.name.eq_ignore_ascii_case("retry-after") {
            retry_after = std::str::from_utf8(v).ok().map(|s| s.trim().to_owned());
        } else if h.name.eq_ignore_ascii_case("content-type") {
            content_type = Some(String::from_utf8_lossy(v).trim().to_owned());
        } else if (300..400).contains(&status) && h.name.eq_ignore_ascii_case("location") {
            location = Some(String::from_utf8_lossy(v).trim().to_owned());
        }
    }
    // RFC 9112 §6.3, for answers to GET.
    let no_body = (100..200).contains(&status) || status == 204 || status == 304;
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing (it went
    // through a hop that did not know chunked).
    if te && !http11 && !no_body {
        return Err(Error::Protocol("an HTTP/1.0 answer with Transfer-Encoding"));
    }
    let framing = if no_body {
        Framing::Length(0)
    } else if te && chunked {
        Framing::CHUNKED
    } else if te {
        Framing::Close
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    // A Content-Length next to Transfer-Encoding may be a smuggling attempt, and a no-body status
    // announcing a body may be followed by bytes that would be read as the next answer: never
    // reuse either.
    let smuggling = te && length.is_some();
    let announces_body = te || length.is_some_and(|n| n > 0);
    let stray_body = no_body && announces_body;
    let reusable =
        framing != Framing::Close && !smuggling && !stray_body && !close && (http11 || keep_alive);
    let content_length = match framing {
        Framing::Length(n) => Some(n),
        _ => None,
    };
    Ok(Some((
        ResponseHead {
            status,
            framing,
            reusable,
            content_length,
            retry_after,
            content_type,
            location,
        },
        len,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(s: &str) -> ResponseHead {
        parse(s.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn the_head_says_how_the_body_ends_and_whether_the_connection_is_reused() {
        let h = head("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n");
        assert_eq!(
            (h.status, h.framing, h.reusable),
            (200, Framing::Length(12), true)
        );
        assert_eq!(h.content_length, Some(12));
        let h = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::CHUNKED, true));
        let h = head("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::Close, false));
        let h = head("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::CHUNKED, false));
        let h = head("HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 1\r\n\r\n");
        assert!(!h.reusable);
        let h = head("HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::Close, false));
        let h = head("HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n");
        assert!(!h.reusable);
        let h = head("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 1\r\n\r\n");
        assert!(h.reusable);
        // A no-body status has no body whatever it announces; announcing one costs the reuse.
        let h = head("HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::Length(0), false));
        let h = head("HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::Length(0), false));
        let h = head("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::Length(0), true));
        let h = head("HTTP/1.1 200 OK\r\ncontent-length: 7, 7\r\n\r\n");
        assert_eq!(h.framing, Framing::Length(7));
        let h = head("HTTP/1.1 200 OK\r\ncontent-length: 000000000000000000000007\r\n\r\n");
        assert_eq!(h.framing, Framing::Length(7));
        // No body to frame, so nothing faulty about it.
        let h = head("HTTP/1.0 204 No Content\r\ntransfer-encoding: chunked\r\n\r\n");
        assert_eq!((h.framing, h.reusable), (Framing::Length(0), false));
    }

    #[test]
    fn content_type_is_kept_and_location_only_for_redirects() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Type:  application/json \r\nLocation: /x\r\n\r\n");
        assert_eq!(h.content_type.as_deref(), Some("application/json"));
        assert_eq!(h.location, None);
        let h = head("HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/m\r\n\r\n");
        assert_eq!(h.location.as_deref(), Some("https://elsewhere.example/m"));
        assert_eq!(h.content_type, None);
    }

    #[test]
    fn retry_after_is_kept_for_503() {
        let h = head("HTTP/1.1 503 Busy\r\nRetry-After:  42 \r\ncontent-length: 0\r\n\r\n");
        assert_eq!(h.retry_after.as_deref(), Some("42"));
        let h = head("HTTP/1.1 429 Slow\r\nretry-after: 42\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(h.retry_after, None);
    }

    #[test]
    fn bad_heads_are_refused_and_partial_ones_wait() {
        assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-le").unwrap().is_none());
        for bad in [
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1e3\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n",
            "SSH-2.0-OpenSSH_9.2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
            "HTTP/1.1 099 Low\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 9223372036854775808\r\n\r\n",
            "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ntransfer-encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked,\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, , chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: \u{80}, chunked\r\n\r\n",
        ] {
            assert!(
                matches!(parse(bad.as_bytes()), Err(Error::Protocol(_))),
                "{bad}"
            );
        }
        let many = format!(
            "HTTP/1.1 200 OK\r\n{}\r\n",
            "x-a: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(parse(many.as_bytes()), Err(Error::Protocol(_))));
    }

    #[test]
    fn the_request_head_refuses_what_would_break_it() {
        let target =
            super::super::Target::parse("http://[::1]:8080/rc/messages/a%20b?x=1").unwrap();
        let mut h = RequestHead::get(&target);
        h.header("fiscal_code", b"SPNDNL80R13C555X").unwrap();
        assert!(h.header("x-key", b"a\r\nx-evil: 1").is_err());
        assert!(h.header("x key", b"a").is_err());
        assert!(h.header("", b"a").is_err());
        assert_eq!(
            String::from_utf8(h.finish()).unwrap(),
            "GET /rc/messages/a%20b?x=1 HTTP/1.1\r\nhost: [::1]:8080\r\naccept: */*\r\n\
             fiscal_code: SPNDNL80R13C555X\r\n\r\n"
        );
        let target = super::super::Target::parse("https://rc.example.it:443/x y").unwrap();
        let h = String::from_utf8(RequestHead::get(&target).finish()).unwrap();
        assert!(
            h.starts_with("GET /x%20y HTTP/1.1\r\nhost: rc.example.it\r\n"),
            "{h}"
        );
    }
}
