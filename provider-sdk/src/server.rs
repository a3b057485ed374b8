//! A router serving the three remote-content endpoints from a [`Provider`], with IO's status codes
//! and problem+json errors.

use crate::auth::Authentication;
use crate::contract::FiscalCode;
use crate::provider::{Provider, ProviderError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

struct Shared<P> {
    provider: Arc<P>,
    auth: Authentication,
}

/// The router: `GET /messages/{id}`, `GET /messages/{id}/precondition`,
/// `GET /messages/{id}/{*url}`. Nest it under the path of your `base_url`.
pub fn router<P: Provider>(provider: Arc<P>, auth: Authentication) -> Router {
    let shared = Arc::new(Shared { provider, auth });
    Router::new()
        .route("/messages/{id}", get(details::<P>))
        .route("/messages/{id}/precondition", get(precondition::<P>))
        .route("/messages/{id}/{*url}", get(attachment::<P>))
        .with_state(shared)
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = serde_json::json!({"type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "code": code, "detail": detail});
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn from_error(e: ProviderError) -> Response {
    match e {
        ProviderError::NotFound => problem(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such message for this citizen",
        ),
        ProviderError::Forbidden => {
            problem(StatusCode::FORBIDDEN, "FORBIDDEN", "not for this citizen")
        }
        ProviderError::BadRequest(d) => problem(StatusCode::BAD_REQUEST, "BAD_REQUEST", &d),
        ProviderError::TooManyRequests => problem(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "slow down",
        ),
        ProviderError::Unavailable { retry_after } => {
            let mut r = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "retry later",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, retry_after.into());
            r
        }
        ProviderError::Internal(d) => {
            tracing::error!(detail = %d, "provider error");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

/// Authentication, then the citizen's fiscal code.
async fn admit<P>(shared: &Shared<P>, headers: &HeaderMap) -> Result<FiscalCode, Response> {
    if let Err(e) = shared.auth.check(headers).await {
        tracing::info!(code = e.code, "caller refused");
        return Err(problem(StatusCode::UNAUTHORIZED, e.code, &e.detail));
    }
    let raw = headers
        .get("fiscal_code")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            problem(
                StatusCode::BAD_REQUEST,
                "FISCAL_CODE_MISSING",
                "send the citizen's fiscal_code header",
            )
        })?;
    FiscalCode::parse(raw).map_err(|_| {
        problem(
            StatusCode::BAD_REQUEST,
            "FISCAL_CODE_INVALID",
            "fiscal_code is not a fiscal code",
        )
    })
}

async fn details<P: Provider>(
    State(s): State<Arc<Shared<P>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let fc = match admit(&s, &headers).await {
        Ok(fc) => fc,
        Err(r) => return r,
    };
    match s.provider.details(&id, &fc).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => from_error(e),
    }
}

async fn precondition<P: Provider>(
    State(s): State<Arc<Shared<P>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let fc = match admit(&s, &headers).await {
        Ok(fc) => fc,
        Err(r) => return r,
    };
    match s.provider.precondition(&id, &fc).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => from_error(e),
    }
}

async fn attachment<P: Provider>(
    State(s): State<Arc<Shared<P>>>,
    Path((id, url)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let fc = match admit(&s, &headers).await {
        Ok(fc) => fc,
        Err(r) => return r,
    };
    let url = match uri.query() {
        Some(q) => format!("{url}?{q}"),
        None => url,
    };
    match s.provider.attachment(&id, &fc, &url).await {
        Ok(a) => ([(header::CONTENT_TYPE, a.content_type)], a.bytes).into_response(),
        Err(e) => from_error(e),
    }
}
