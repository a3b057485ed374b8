//! Collects every violation of a request, so one answer names all the fields at fault.

use super::error::{Code, GatewayError};

#[derive(Default)]
pub struct Violations(Vec<(String, String)>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, why: impl Into<String>) {
        self.0.push((field.into(), why.into()));
    }

    /// Adds a violation unless `ok`.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, why: impl Into<String>) {
        if !ok {
            self.add(field, why);
        }
    }

    /// How many violations were recorded so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn text(&mut self, field: &str, value: &str, range: std::ops::RangeInclusive<usize>) {
        let n = value.chars().count();
        self.check(
            range.contains(&n),
            field,
            format!(
                "{field} must be {}..{} characters (is {n})",
                range.start(),
                range.end()
            ),
        );
    }

    pub fn into_result(self) -> Result<(), GatewayError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let detail = self
            .0
            .iter()
            .map(|(_, why)| why.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        Err(GatewayError::new(Code::VALIDATION_FAILED, detail)
            .with_fields(self.0.into_iter().map(|(f, _)| f).collect()))
    }
}

/// An absolute http(s) URL without credentials, query or fragment, whose host, when it is an
/// IP address, `egress` allows; `Some` of its normalised spelling (the one the fetcher
/// connects to and the one stored), `None` after recording the violation.
///
/// One parser decides (`url`, WHATWG), and what RFC 3986 parsers read differently is refused
/// rather than guessed: a backslash (WHATWG reads it as `/` in http(s) URLs, RFC 3986 as a
/// userinfo or path character, so `http://a\@b/` has two hosts), whitespace and control
/// characters (stripped by WHATWG, invalid for RFC 3986), `@` (credentials) and a `%` in the
/// authority. The other spellings WHATWG accepts (octal, hexadecimal or dotless IPv4, upper
/// case, default ports, dot segments) are normalised, so `http://0x7f.1/` is judged and stored
/// as `http://127.0.0.1/`.
pub fn base_url(
    v: &mut Violations,
    field: &str,
    raw: &str,
    egress: &super::egress::EgressPolicy,
) -> Option<String> {
    let ambiguous = raw
        .chars()
        .find(|c| *c == '\\' || c.is_whitespace() || c.is_control());
    if let Some(c) = ambiguous {
        v.add(
            field,
            format!("{field} holds {c:?}, which URL parsers read differently: percent-encode it"),
        );
        return None;
    }
    // WHATWG also reads `http:host` and `http:/host` as having a host; RFC 3986 does not.
    let Some((_, rest)) = raw.split_once("://") else {
        v.add(
            field,
            format!("{field} must start with http:// or https://"),
        );
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') || authority.contains('%') {
        v.add(
            field,
            format!("{field} must not carry credentials or percent-encoding in its host"),
        );
        return None;
    }
    let u = match url::Url::parse(raw) {
        Err(e) => {
            v.add(field, format!("{field} is not an absolute URL: {e}"));
            return None;
        }
        Ok(u) => u,
    };
    let before = v.len();
    v.check(
        matches!(u.scheme(), "http" | "https"),
        field,
        format!("{field} must be http or https"),
    );
    v.check(
        u.host_str().is_some_and(|h| !h.is_empty()),
        field,
        format!("{field} needs a host"),
    );
    v.check(
        u.username().is_empty() && u.password().is_none(),
        field,
        format!("{field} must not carry credentials"),
    );
    v.check(
        u.query().is_none(),
        field,
        format!("{field} must not have a query"),
    );
    v.check(
        u.fragment().is_none(),
        field,
        format!("{field} must not have a fragment"),
    );
    let literal = match u.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(ip) = literal {
        v.check(
            egress.permits(ip),
            field,
            format!("{field} points at {ip}, which is not a public address and not in the gateway's fetch.egress_allow"),
        );
    }
    (v.len() == before).then(|| u.to_string())
}

/// An ISO-8601 / RFC 3339 timestamp.
pub fn timestamp(v: &mut Violations, field: &str, raw: &str) {
    let ok =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).is_ok();
    v.check(
        ok,
        field,
        format!("{field} must be an ISO-8601 UTC timestamp like 2026-11-22T10:00:00Z"),
    );
}

/// A ULID (26 Crockford base32 characters).
pub fn ulid(raw: &str) -> Option<ulid::Ulid> {
    if raw.len() != 26 {
        return None;
    }
    ulid::Ulid::from_string(raw).ok()
}
