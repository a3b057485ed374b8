//! The mock entity as a library: `gateway dev` runs it in-process; the `mock-provider` binary
//! wraps it with a command line.

pub mod scenario;

use axum::body::Body;
use axum::extract::{Path as AxPath, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use provider_sdk::auth::Authentication;
use provider_sdk::contract::{FiscalCode, PreconditionContent, RemoteContentDetailsResponse};
use provider_sdk::provider::{Attachment, Provider, ProviderError};
pub use provider_sdk::server::LollipopPolicy;
use scenario::{Fault, Scenario};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The scenarios being served, shared with the admin endpoint.
pub type Scenarios = Arc<RwLock<HashMap<String, Scenario>>>;

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
        let (bytes, refusal) = validate(bytes).await?;
        if let Some(failure) = refusal {
            // Served all the same: a scenario may mean it (the demo's encrypted PDF). The
            // warning is for a scenario that does not, whose author would otherwise only see
            // the gateway's 415.
            tracing::warn!(
                scenario = %s.id,
                attachment = %a.meta.id,
                file = %a.file.display(),
                failure = %failure,
                "the gateway's PDF/A validator would refuse this attachment"
            );
        }
        Ok(Attachment { bytes })
    }
}

/// The attachment's bytes, and why the gateway's PDF/A-2 validator would refuse them (`None`:
/// it would accept them). Off the async runtime: validating is CPU-bound.
async fn validate(
    bytes: Vec<u8>,
) -> Result<(Vec<u8>, Option<provider_sdk::pdfa::PdfFailure>), ProviderError> {
    tokio::task::spawn_blocking(move || {
        let refusal = provider_sdk::pdfa::validate(&bytes).err();
        (bytes, refusal)
    })
    .await
    .map_err(|e| ProviderError::Internal(format!("validating the attachment: {e}")))
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
    let (fault, lollipop): (Option<Fault>, bool) = scenarios
        .read()
        .expect("scenarios lock")
        .get(&id)
        .map_or((None, false), |s| (s.fault.clone(), s.lollipop));
    // A scenario that requires lollipop checks it like the SDK's router does (a request without
    // a valid fiscal_code is left to the router, which names that).
    let fiscal_code = req
        .headers()
        .get("fiscal_code")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| FiscalCode::parse(v).ok());
    if lollipop
        && let Some(fc) = fiscal_code
        && let Err(e) = provider_sdk::lollipop::verify(req.headers(), &fc)
    {
        tracing::info!(scenario = %id, code = e.code.as_str(), "lollipop refused");
        return e.into_response();
    }
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

/// `PUT /admin/scenarios/{id}`: adds or replaces the scenario (its `id` is the path's, which
/// the body may leave out). A body that is not a scenario, or a fault that cannot be served, is
/// refused with `400` problem+json, code `SCENARIO_INVALID`, naming the field at fault when it
/// can (`fields`).
pub async fn put_scenario(
    State(scenarios): State<Scenarios>,
    AxPath(id): AxPath<String>,
    body: axum::body::Bytes,
) -> Response {
    let mut json: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return invalid(format!("not JSON: {e}"), &[]),
    };
    if let Some(o) = json.as_object_mut() {
        o.insert("id".into(), serde_json::Value::String(id.clone()));
    }
    let s: Scenario = match serde_json::from_value(json) {
        Ok(s) => s,
        Err(e) => return invalid(format!("not a scenario: {e}"), &[]),
    };
    if let Some(f) = &s.fault
        && let Err((field, why)) = f.check()
    {
        return invalid(why, &[field]);
    }
    scenarios.write().expect("scenarios lock").insert(id, s);
    StatusCode::NO_CONTENT.into_response()
}

/// A refused scenario, as problem+json.
fn invalid(detail: String, fields: &[&str]) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/problem+json")],
        Json(serde_json::json!({
            "type": "about:blank",
            "title": "Not a valid scenario",
            "status": 400,
            "code": "SCENARIO_INVALID",
            "detail": detail,
            "fields": fields,
        })),
    )
        .into_response()
}

/// `offset` and `limit` of a listing (`limit` at most 100, 20 when absent).
#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub offset: usize,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `GET /admin/scenarios?offset=&limit=`: the scenarios by id, a page at a time, with their
/// number in `X-Total-Count`.
pub async fn list_scenarios(
    State(scenarios): State<Scenarios>,
    Query(p): Query<Paging>,
) -> Response {
    let all = scenarios.read().expect("scenarios lock");
    let mut ids: Vec<&String> = all.keys().collect();
    ids.sort();
    let limit = p.limit.unwrap_or(20).clamp(1, 100);
    let page: Vec<&Scenario> = ids
        .iter()
        .skip(p.offset)
        .take(limit)
        .filter_map(|id| all.get(*id))
        .collect();
    ([("x-total-count", all.len().to_string())], Json(page)).into_response()
}

/// `GET /admin/scenarios/{id}`: one scenario, or `404`.
pub async fn get_scenario(
    State(scenarios): State<Scenarios>,
    AxPath(id): AxPath<String>,
) -> Response {
    match scenarios.read().expect("scenarios lock").get(&id) {
        Some(s) => Json(s).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The entity's router: the remote-content endpoints under `prefix` (faults applied), checked
/// with `auth`. Several can share one server (one per authentication mode). Lollipop is checked
/// only for scenarios that ask for it (`"lollipop": true`); see [`entity_router_with`].
pub fn entity_router(
    scenarios: Scenarios,
    files_root: PathBuf,
    prefix: &str,
    auth: Authentication,
) -> Router {
    entity_router_with(scenarios, files_root, prefix, auth, LollipopPolicy::Off)
}

/// [`entity_router`] verifying lollipop on every request (`Required`) or on those that carry it
/// (`WhenPresent`), with provider-sdk's verifier, like a real entity: after authentication and
/// the fiscal code, `401`/`403` problem+json with a `LOLLIPOP_*` code.
pub fn entity_router_with(
    scenarios: Scenarios,
    files_root: PathBuf,
    prefix: &str,
    auth: Authentication,
    lollipop: LollipopPolicy,
) -> Router {
    let mock = Arc::new(Mock {
        scenarios: scenarios.clone(),
        files_root,
    });
    Router::new()
        .nest(
            prefix,
            provider_sdk::server::builder(mock, auth)
                .lollipop(lollipop)
                .build(),
        )
        .layer(middleware::from_fn_with_state(
            (scenarios, prefix.to_owned()),
            faults,
        ))
}

/// The admin API: `GET /admin/scenarios` (paged), `GET` and `PUT /admin/scenarios/{id}`.
pub fn admin_router(scenarios: Scenarios) -> Router {
    Router::new()
        .route("/admin/scenarios", get(list_scenarios))
        .route("/admin/scenarios/{id}", get(get_scenario).put(put_scenario))
        .with_state(scenarios)
}
