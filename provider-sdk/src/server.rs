//! A router serving the three remote-content endpoints from a [`Provider`], with IO's status codes
//! and problem+json errors.
//!
//! Every request goes through the same gate before the provider sees it: the caller's
//! [`Authentication`] (`401` with an `API_KEY_*`/`VOUCHER_*` code), the citizen's `fiscal_code`
//! header (`400` `FISCAL_CODE_MISSING`/`FISCAL_CODE_INVALID`), then, when enabled with
//! [`RouterBuilder::lollipop`], the lollipop signature ([`crate::lollipop`]: `401` with a
//! `LOLLIPOP_*` code when the request is not proven to come from the citizen's device, `403`
//! `LOLLIPOP_USER_ID_MISMATCH` when it is signed for another citizen).
//!
//! Errors are `application/problem+json`: `{"type", "title", "status", "code", "detail"}`.

use crate::auth::{AuthCode, Authentication};
use crate::contract::FiscalCode;
use crate::lollipop::{self, LollipopError};
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
    lollipop: LollipopPolicy,
}

/// Whether the router verifies lollipop signatures ([`crate::lollipop::verify`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LollipopPolicy {
    /// No verification (the default): lollipop headers are ignored.
    #[default]
    Off,
    /// Every request must carry valid lollipop headers for its `fiscal_code`.
    Required,
    /// Requests that carry any lollipop header are verified; requests without any pass. For
    /// configurations with `disable_lollipop_for`: the gateway sends no lollipop headers for
    /// those citizens.
    WhenPresent,
}

/// `true` is [`LollipopPolicy::Required`], `false` [`LollipopPolicy::Off`].
impl From<bool> for LollipopPolicy {
    fn from(on: bool) -> Self {
        if on {
            LollipopPolicy::Required
        } else {
            LollipopPolicy::Off
        }
    }
}

/// Builds the router with options; [`router`] is the builder with its defaults.
///
/// ```no_run
/// # use provider_sdk::auth::Authentication;
/// # fn f<P: provider_sdk::provider::Provider>(provider: std::sync::Arc<P>) {
/// let app = provider_sdk::server::builder(provider, Authentication::None)
///     .lollipop(true)
///     .build();
/// # }
/// ```
pub struct RouterBuilder<P> {
    provider: Arc<P>,
    auth: Authentication,
    lollipop: LollipopPolicy,
}

/// A [`RouterBuilder`] for `provider`, authenticating callers with `auth`.
pub fn builder<P: Provider>(provider: Arc<P>, auth: Authentication) -> RouterBuilder<P> {
    RouterBuilder {
        provider,
        auth,
        lollipop: LollipopPolicy::Off,
    }
}

impl<P: Provider> RouterBuilder<P> {
    /// Verifies lollipop signatures: `true` (or [`LollipopPolicy::Required`]) on every request,
    /// [`LollipopPolicy::WhenPresent`] on those that carry them.
    pub fn lollipop(mut self, policy: impl Into<LollipopPolicy>) -> Self {
        self.lollipop = policy.into();
        self
    }

    /// The router: `GET /messages/{id}`, `GET /messages/{id}/precondition`,
    /// `GET /messages/{id}/{*url}`. Nest it under the path of your `base_url`.
    pub fn build(self) -> Router {
        let shared = Arc::new(Shared {
            provider: self.provider,
            auth: self.auth,
            lollipop: self.lollipop,
        });
        Router::new()
            .route("/messages/{id}", get(details::<P>))
            .route("/messages/{id}/precondition", get(precondition::<P>))
            .route("/messages/{id}/{*url}", get(attachment::<P>))
            .with_state(shared)
    }
}

/// The router: `GET /messages/{id}`, `GET /messages/{id}/precondition`,
/// `GET /messages/{id}/{*url}`. Nest it under the path of your `base_url`. Lollipop is not
/// verified: use [`builder`] for that.
pub fn router<P: Provider>(provider: Arc<P>, auth: Authentication) -> Router {
    builder(provider, auth).build()
}

crate::codes::codes! {
    /// The router's own refusals: the citizen's fiscal code, and the [`ProviderError`] a
    /// provider returned.
    RouterCode {
        FiscalCodeMissing => "FISCAL_CODE_MISSING", 400, "no `fiscal_code` header";
        FiscalCodeInvalid => "FISCAL_CODE_INVALID", 400, "the `fiscal_code` header is not a fiscal code";
        NotFound => "NOT_FOUND", 404, "the provider knows no such message for this citizen (`ProviderError::NotFound`)";
        Forbidden => "FORBIDDEN", 403, "the provider refuses this citizen (`ProviderError::Forbidden`)";
        BadRequest => "BAD_REQUEST", 400, "the provider refuses the request (`ProviderError::BadRequest`)";
        TooManyRequests => "TOO_MANY_REQUESTS", 429, "the provider asks to slow down (`ProviderError::TooManyRequests`)";
        Unavailable => "UNAVAILABLE", 503, "the provider is unavailable, with `Retry-After` (`ProviderError::Unavailable`)";
        Internal => "INTERNAL", 500, "the provider failed (`ProviderError::Internal`; the detail is logged, not sent)";
    }
}

/// A refusal with one of the router's codes, at its status.
fn refusal(code: RouterCode, detail: &str) -> Response {
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    problem(status, code.as_str(), detail)
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

/// A lollipop refusal as the router answers it: `401` or `403` (see [`crate::lollipop::LollipopCode::status`])
/// with the code, in problem+json.
impl IntoResponse for LollipopError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        problem(status, self.code.as_str(), &self.detail)
    }
}

fn from_error(e: ProviderError) -> Response {
    match e {
        ProviderError::NotFound => {
            refusal(RouterCode::NotFound, "no such message for this citizen")
        }
        ProviderError::Forbidden => refusal(RouterCode::Forbidden, "not for this citizen"),
        ProviderError::BadRequest(d) => refusal(RouterCode::BadRequest, &d),
        ProviderError::TooManyRequests => refusal(RouterCode::TooManyRequests, "slow down"),
        ProviderError::Unavailable { retry_after } => {
            let mut r = refusal(RouterCode::Unavailable, "retry later");
            r.headers_mut()
                .insert(header::RETRY_AFTER, retry_after.into());
            r
        }
        ProviderError::Internal(d) => {
            tracing::error!(detail = %d, "provider error");
            refusal(RouterCode::Internal, "internal error")
        }
    }
}

/// Authentication, then the citizen's fiscal code, then lollipop.
async fn admit<P>(shared: &Shared<P>, headers: &HeaderMap) -> Result<FiscalCode, Response> {
    if let Err(e) = shared.auth.check(headers).await {
        let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let mut r = problem(status, e.code.as_str(), &e.detail);
        if e.code == AuthCode::JwksUnavailable {
            // Our side cannot check right now: not the caller's fault, and worth a retry.
            tracing::warn!(detail = %e.detail, "cannot verify vouchers: JWKS unavailable");
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        } else {
            tracing::info!(code = e.code.as_str(), "caller refused");
        }
        return Err(r);
    }
    let raw = headers
        .get("fiscal_code")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            refusal(
                RouterCode::FiscalCodeMissing,
                "send the citizen's fiscal_code header",
            )
        })?;
    let fc = FiscalCode::parse(raw).map_err(|_| {
        refusal(
            RouterCode::FiscalCodeInvalid,
            "fiscal_code is not a fiscal code",
        )
    })?;
    let check = match shared.lollipop {
        LollipopPolicy::Off => false,
        LollipopPolicy::Required => true,
        LollipopPolicy::WhenPresent => lollipop::present(headers),
    };
    if check && let Err(e) = lollipop::verify(headers, &fc) {
        tracing::info!(code = e.code.as_str(), detail = %e.detail, "lollipop refused");
        return Err(e.into_response());
    }
    Ok(fc)
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
        Ok(a) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            a.bytes,
        )
            .into_response(),
        Err(e) => from_error(e),
    }
}
