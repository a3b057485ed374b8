//! `mock-provider`: plays any entity for tests and the dev stack. Serves the scenario files of a
//! folder through provider-sdk's router, applies each scenario's faults, and takes new scenarios
//! at run time (`PUT /admin/scenarios/{id}`).

mod scenario;

use axum::body::Body;
use axum::extract::{Path as AxPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use clap::Parser;
use provider_sdk::auth::{Authentication, VoucherVerifier};
use provider_sdk::contract::{FiscalCode, PreconditionContent, RemoteContentDetailsResponse};
use provider_sdk::provider::{Attachment, Provider, ProviderError};
use scenario::{Fault, Scenario};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "mock-provider",
    about = "A configurable remote-content entity for tests"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1:8082", env = "MOCK_PROVIDER_BIND")]
    bind: String,
    /// Folder of scenario files (`*.json`); attachment `file`s are relative to its parent.
    #[arg(long, default_value = "fixtures/scenarios")]
    scenarios: PathBuf,
    /// Path prefix the entity serves under (its configuration's base_url path).
    #[arg(long, default_value = "/rc")]
    prefix: String,
    /// Require this API key header (with --api-key).
    #[arg(long)]
    api_key_header: Option<String>,
    #[arg(long)]
    api_key: Option<String>,
    /// Require Interop vouchers verified against this JWKS (with --voucher-audience).
    #[arg(long)]
    jwks_url: Option<String>,
    #[arg(long, default_value = "recapito-interop")]
    voucher_issuer: String,
    #[arg(long)]
    voucher_audience: Option<String>,
}

type Scenarios = Arc<RwLock<HashMap<String, Scenario>>>;

struct Mock {
    scenarios: Scenarios,
    files_root: PathBuf,
}

impl Mock {
    fn scenario(&self, id: &str, fc: &FiscalCode) -> Result<Scenario, ProviderError> {
        match self.scenarios.read().expect("scenarios lock").get(id) {
            Some(s) if s.fiscal_code == fc.as_str() => Ok(s.clone()),
            _ => Err(ProviderError::NotFound),
        }
    }
}

impl Provider for Mock {
    async fn precondition(
        &self,
        id: &str,
        fc: &FiscalCode,
    ) -> Result<PreconditionContent, ProviderError> {
        self.scenario(id, fc)?
            .precondition
            .ok_or(ProviderError::NotFound)
    }

    async fn details(
        &self,
        id: &str,
        fc: &FiscalCode,
    ) -> Result<RemoteContentDetailsResponse, ProviderError> {
        let s = self.scenario(id, fc)?;
        let attachments = (!s.attachments.is_empty())
            .then(|| s.attachments.iter().map(|a| a.meta.clone()).collect());
        Ok(RemoteContentDetailsResponse {
            details: s.details,
            attachments,
        })
    }

    async fn attachment(
        &self,
        id: &str,
        fc: &FiscalCode,
        url: &str,
    ) -> Result<Attachment, ProviderError> {
        let s = self.scenario(id, fc)?;
        let a = s
            .attachments
            .iter()
            .find(|a| a.meta.url.trim_start_matches('/') == url)
            .ok_or(ProviderError::NotFound)?;
        let bytes = std::fs::read(self.files_root.join(&a.file))
            .map_err(|e| ProviderError::Internal(format!("{}: {e}", a.file.display())))?;
        Ok(Attachment {
            bytes,
            content_type: "application/pdf".into(),
        })
    }
}

/// Which of a scenario's endpoints a path is: `details`, `precondition` or `attachment`.
fn kind(rest: &str) -> &'static str {
    match rest.split_once('/') {
        None => "details",
        Some((_, "precondition")) => "precondition",
        Some(_) => "attachment",
    }
}

/// Applies the scenario's fault around the real answer.
async fn faults(
    State((scenarios, prefix)): State<(Scenarios, String)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let rest = path
        .strip_prefix(&format!("{prefix}/messages/"))
        .unwrap_or("");
    let id = rest.split('/').next().unwrap_or("").to_owned();
    let fault: Option<Fault> = scenarios
        .read()
        .expect("scenarios lock")
        .get(&id)
        .and_then(|s| s.fault.clone());
    let Some(f) = fault.filter(|f| f.only.as_deref().is_none_or(|o| o == kind(rest))) else {
        return next.run(req).await;
    };
    if f.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
    }
    if let Some(to) = &f.redirect {
        return (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response();
    }
    if let Some(status) = f.status {
        let mut r = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            f.body.clone().unwrap_or_default(),
        )
            .into_response();
        if let Some(v) = f.retry_after.as_deref().and_then(|v| v.parse().ok()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    if let Some(body) = &f.body {
        return ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response();
    }
    let resp = next.run(req).await;
    let (parts, body) = resp.into_parts();
    let mut bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default()
        .to_vec();
    bytes.extend(std::iter::repeat_n(b' ', f.pad_bytes));
    if f.truncate {
        let full = bytes.len();
        bytes.truncate(full / 2);
        let mut parts = parts;
        parts.headers.insert(header::CONTENT_LENGTH, full.into());
        // Announce everything, send half: the client sees the connection end early.
        return Response::from_parts(parts, Body::from_stream(HalfThenCut(Some(bytes))));
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// Sends `data`, then fails: the client sees the body end before the announced length.
struct HalfThenCut(Option<Vec<u8>>);

impl futures_core::Stream for HalfThenCut {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(Some(match self.0.take() {
            Some(data) => Ok(data),
            None => Err(std::io::Error::other("cut on purpose")),
        }))
    }
}

async fn put_scenario(
    State(scenarios): State<Scenarios>,
    AxPath(id): AxPath<String>,
    Json(mut s): Json<Scenario>,
) -> StatusCode {
    s.id = id.clone();
    scenarios.write().expect("scenarios lock").insert(id, s);
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let loaded = match scenario::load_dir(&cli.scenarios) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock-provider: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!(scenarios = loaded.len(), "scenarios loaded");
    let scenarios: Scenarios = Arc::new(RwLock::new(loaded));
    let auth =
        match (
            &cli.api_key_header,
            &cli.api_key,
            &cli.jwks_url,
            &cli.voucher_audience,
        ) {
            (Some(h), Some(k), _, _) => Authentication::ApiKey {
                header: h.clone(),
                key: k.clone(),
            },
            (_, _, Some(url), Some(aud)) => Authentication::Voucher(Box::new(
                VoucherVerifier::new(url, &cli.voucher_issuer, aud, None),
            )),
            _ => Authentication::None,
        };
    let files_root = cli
        .scenarios
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let mock = Arc::new(Mock {
        scenarios: scenarios.clone(),
        files_root,
    });
    let app = Router::new()
        .nest(&cli.prefix, provider_sdk::server::router(mock, auth))
        .layer(middleware::from_fn_with_state(
            (scenarios.clone(), cli.prefix.clone()),
            faults,
        ))
        .merge(
            Router::new()
                .route("/admin/scenarios/{id}", put(put_scenario))
                .with_state(scenarios),
        );
    let listener = match tokio::net::TcpListener::bind(&cli.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mock-provider: cannot listen on {}: {e}", cli.bind);
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "mock-provider listening on http://{}{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        cli.prefix
    );
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock-provider: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
