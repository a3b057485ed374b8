//! Where a request goes: the entity's endpoint (scheme, host, port: what a connection is opened
//! to and pooled by) and the request target. A configuration's `base_url` arrives parsed (a
//! `Url`, since the configuration was read: `domain::configuration`), and its endpoint is
//! remembered; a call's path below it is appended as it is when it has only characters that URL
//! parsing would leave alone, and the whole URL is parsed otherwise, so the request line is
//! always the one `url::Url` gives for `{base_url}/{path}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The most base URLs remembered (one per configuration environment in use); past it the
/// memory starts over.
const MAX_BASES: usize = 4096;

pub(super) struct Endpoint {
    /// `scheme://host[:port]`: the pool's key, and the gates'.
    pub origin: String,
    pub tls: bool,
    pub host: url::Host<String>,
    pub port: u16,
    /// The `host` header: the host, and the port unless it is the scheme's default.
    pub authority: String,
}

/// A parsed `http` or `https` URL to send a `GET` to.
pub struct Target {
    pub(super) endpoint: Arc<Endpoint>,
    /// Path and query, as sent on the request line.
    pub(super) path_and_query: String,
}

impl Endpoint {
    fn of(url: &url::Url) -> Result<Endpoint, String> {
        let tls = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(format!("unsupported scheme {other}")),
        };
        let host = url.host().ok_or("no host")?.to_owned();
        let port = url.port_or_known_default().ok_or("no port")?;
        let mut authority = url.host_str().unwrap_or_default().to_owned();
        if let Some(p) = url.port() {
            authority.push_str(&format!(":{p}"));
        }
        Ok(Endpoint {
            origin: url.origin().ascii_serialization(),
            tls,
            host,
            port,
            authority,
        })
    }
}

impl Target {
    pub fn parse(raw: &str) -> Result<Target, String> {
        let url = url::Url::parse(raw).map_err(|e| e.to_string())?;
        let endpoint = Arc::new(Endpoint::of(&url)?);
        let mut path_and_query = url.path().to_owned();
        if let Some(q) = url.query() {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        Ok(Target {
            endpoint,
            path_and_query,
        })
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        &self.endpoint.origin
    }
}

/// A base URL, parsed: its endpoint and its path without the trailing slash.
struct Base {
    endpoint: Arc<Endpoint>,
    path: String,
}

#[derive(Default)]
pub struct Targets {
    bases: Mutex<HashMap<String, Arc<Base>>>,
}

/// Characters URL parsing keeps as they are in a path (dot segments aside) and in a query.
fn plain_path(path: &str) -> bool {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    p.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_~./".contains(&b))
        && p.split('/').all(|s| s != "." && s != "..")
        && q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_~./=&+,;:@".contains(&b))
}

impl Targets {
    /// `{base_url}/{path}` (a trailing slash of `base_url` dropped).
    pub fn join(&self, base_url: &url::Url, path: &str) -> Result<Target, String> {
        let whole = || {
            Target::parse(&format!(
                "{}/{path}",
                base_url.as_str().trim_end_matches('/')
            ))
        };
        if !plain_path(path) {
            return whole();
        }
        let Some(base) = self.base(base_url)? else {
            return whole();
        };
        let mut path_and_query = String::with_capacity(base.path.len() + 1 + path.len());
        path_and_query.push_str(&base.path);
        path_and_query.push('/');
        path_and_query.push_str(path);
        Ok(Target {
            endpoint: base.endpoint.clone(),
            path_and_query,
        })
    }

    /// The parsed base, `None` if it has a query or a fragment (which a path cannot be simply
    /// appended to).
    fn base(&self, url: &url::Url) -> Result<Option<Arc<Base>>, String> {
        let base_url = url.as_str();
        if let Some(b) = self.bases.lock().expect("bases lock").get(base_url) {
            return Ok(Some(b.clone()));
        }
        if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
            return Ok(None);
        }
        let base = Arc::new(Base {
            endpoint: Arc::new(Endpoint::of(url)?),
            path: url.path().trim_end_matches('/').to_owned(),
        });
        let mut bases = self.bases.lock().expect("bases lock");
        if bases.len() >= MAX_BASES {
            bases.clear();
        }
        bases.insert(base_url.to_owned(), base.clone());
        Ok(Some(base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    fn line(t: &Target) -> String {
        format!("{} {}", t.endpoint.origin, t.path_and_query)
    }

    #[test]
    fn joined_targets_are_what_url_parsing_gives() {
        let targets = Targets::default();
        for (base, path) in [
            ("http://127.0.0.1:8080/rc", "messages/m1"),
            ("http://127.0.0.1:8080/rc/", "messages/m1/precondition"),
            ("https://RC.example.it:443", "messages/m1"),
            (
                "https://rc.example.it/api/v1/",
                "messages/m1/attachments/a.pdf?v=1&x=a:b",
            ),
            ("https://rc.example.it/a b/./c/..", "messages/m1"),
            ("http://[::1]:9000/rc", "messages/m.1/a..pdf"),
            // Not plain: parsed whole.
            ("http://h/rc", "messages/../../etc"),
            ("http://h/rc", "messages/a b?x=<1>"),
            ("http://h/rc", "messages/%2e%2e/x"),
            ("http://h/rc", "messages/x#frag"),
            ("http://h/rc", "messages/x\\y"),
            ("http://h/rc", "messages/x?q=%41'"),
        ] {
            let joined = targets.join(&url(base), path).unwrap();
            let parsed = Target::parse(&format!("{}/{path}", base.trim_end_matches('/'))).unwrap();
            assert_eq!(line(&joined), line(&parsed), "{base} + {path}");
            assert_eq!(joined.endpoint.authority, parsed.endpoint.authority);
            // Twice: the second from the remembered base.
            assert_eq!(
                line(&targets.join(&url(base), path).unwrap()),
                line(&parsed)
            );
        }
        let t = targets
            .join(&url("https://RC.example.it:443/x"), "m")
            .unwrap();
        assert_eq!(
            (t.origin(), t.endpoint.authority.as_str(), t.endpoint.port),
            ("https://rc.example.it", "rc.example.it", 443)
        );
        let t = targets.join(&url("http://[::1]:9000/rc"), "m").unwrap();
        assert_eq!(t.endpoint.authority, "[::1]:9000");
        assert!(targets.join(&url("ftp://h/x"), "m").is_err());
        // "not a url" cannot be joined any more: a base is a parsed `Url` before it gets here.
        assert!(url::Url::parse("not a url").is_err());
    }
}
