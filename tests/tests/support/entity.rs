//! A scriptable entity: serves whatever each path is told to (status, body, headers, delay),
//! and records the requests it received.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
}

impl Answer {
    pub fn json(v: &Value) -> Answer {
        Answer {
            status: 200,
            body: serde_json::to_vec(v).unwrap(),
            headers: vec![("content-type".into(), "application/json".into())],
            delay: Duration::ZERO,
        }
    }

    pub fn bytes(status: u16, body: Vec<u8>) -> Answer {
        Answer {
            status,
            body,
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16) -> Answer {
        Answer::bytes(status, Vec::new())
    }

    pub fn header(mut self, k: &str, v: &str) -> Answer {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn delayed(mut self, d: Duration) -> Answer {
        self.delay = d;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Script {
    answers: HashMap<String, Answer>,
    received: Vec<Received>,
}

pub struct FakeEntity {
    pub base_url: String,
    script: Arc<Mutex<Script>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeEntity {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let answer = {
        let mut s = script.lock().unwrap();
        s.received.push(Received {
            path: path.clone(),
            headers,
        });
        s.answers.get(&path).cloned()
    };
    let Some(a) = answer else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !a.delay.is_zero() {
        tokio::time::sleep(a.delay).await;
    }
    let mut resp = (StatusCode::from_u16(a.status).unwrap(), a.body).into_response();
    for (k, v) in a.headers {
        resp.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    resp
}

impl FakeEntity {
    pub async fn start() -> FakeEntity {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = Router::new().fallback(serve).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeEntity {
            base_url: format!("http://127.0.0.1:{port}/rc"),
            script,
            task,
        }
    }

    /// Answers `path` (below the base URL, e.g. `messages/x`) with `answer`.
    pub fn on(&self, path: &str, answer: Answer) {
        self.script
            .lock()
            .unwrap()
            .answers
            .insert(format!("/rc/{path}"), answer);
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    /// An `https` front for this entity on another port: TLS with the certificate of
    /// `fixtures/tls/entity.cert.pem` (signed by `fixtures/tls/ca.cert.pem`, for `localhost` and
    /// `127.0.0.1`), the bytes copied both ways. Its base URL is `https://127.0.0.1:{port}/rc`.
    pub async fn tls_front(&self) -> TlsFront {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = crate::fixtures().join("tls");
        let certs = CertificateDer::pem_file_iter(dir.join("entity.cert.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(dir.join("entity.key.pem")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let plain = self
            .base_url
            .trim_start_matches("http://")
            .trim_end_matches("/rc")
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, plain) = (acceptor.clone(), plain.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(plain).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
        TlsFront {
            base_url: format!("https://127.0.0.1:{port}/rc"),
            task,
        }
    }
}

pub struct TlsFront {
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}
