//! HTTP: the entity API (configurations, messages), the app API, and operations endpoints.

pub mod callers;
pub mod communication;
pub mod configurations;
pub mod messages;
pub mod openapi;
pub mod ops;
pub mod probe;
pub mod problem;
pub mod test_users;
pub mod third_party;

use crate::auth::app_key::AppKeys;
use crate::auth::voucher::VoucherVerifier;
use crate::domain::Code;
use crate::metrics::Metrics;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use problem::problem;
use std::sync::Arc;
use std::time::Instant;
use utoipa_axum::router::OpenApiRouter;

/// The largest request body accepted (a submission is at most ~10 000 characters of markdown).
pub const MAX_BODY: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub vouchers: Arc<VoucherVerifier>,
    pub app_keys: Arc<AppKeys>,
    pub metrics: Arc<Metrics>,
    pub fetcher: Arc<crate::fetch::Fetcher>,
    /// How a payment without `payee` is completed (`[submission]`).
    pub payees: Arc<crate::domain::message::PayeePolicy>,
    /// The probe API's settings and admission (`[probe]`).
    pub probes: Arc<probe::Probes>,
}

/// Every route, each with its documented operation ([`openapi::openapi`] reads the document
/// from here, [`router`] the routes).
pub(crate) fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(configurations::routes())
        .merge(probe::routes())
        .merge(messages::routes())
        .merge(communication::routes())
        .merge(third_party::routes())
        .merge(test_users::routes())
        .merge(ops::routes())
}

pub fn router(state: AppState) -> Router {
    let (routes, _) = documented().split_for_parts();
    routes
        .fallback(|| async { problem(Code::ROUTE_NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            problem(
                Code::METHOD_NOT_ALLOWED,
                "this endpoint does not accept this method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts and times every request by its route template (never by its concrete path, which
/// holds ids).
async fn observe(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let resp = next.run(req).await;
    st.metrics
        .request(&method, &route, resp.status().as_u16(), started.elapsed());
    resp
}

pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let millis = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    millis
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
