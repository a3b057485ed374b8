//! The management API (JSON over HTTP), modelled on PDND Interop's M2M API paths.

mod agreements;
pub mod auth;
mod clients;
mod eservices;
pub mod identity_keys;
pub(crate) mod openapi;
pub mod problem;
mod purposes;
mod tenants;
mod token;

use crate::codes::Code;
use crate::engine::Engine;
use auth::IdentityVerifier;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
pub use openapi::{Problem, openapi};
use problem::ApiError;
use serde::Serialize;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub identity: Arc<IdentityVerifier>,
    pub tokens: Arc<crate::token::TokenService>,
}

/// Every documented route: a handler is routed only with its `#[utoipa::path]`, so the document
/// ([`openapi()`]) lists exactly what is served.
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi::serve))
        .merge(tenants::routes())
        .merge(eservices::routes())
        .merge(agreements::routes())
        .merge(purposes::routes())
        .merge(clients::routes())
        .merge(token::routes())
}

pub fn router(state: AppState) -> Router {
    openapi::serialize_once();
    let (router, _) = documented_routes().split_for_parts();
    router
        .fallback(|| async { ApiError::new(Code::ROUTE_NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                Code::METHOD_NOT_ALLOWED,
                "this endpoint does not accept this method",
            )
        })
        .with_state(state)
}

/// The answer of `GET /healthz`.
#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    #[schema(inline)]
    status: Liveness,
}

/// Always `ok` while the process serves.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum Liveness {
    Ok,
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "getHealth",
    tag = "service",
    summary = "Liveness",
    description = "Anybody; no authentication.",
    responses(
        (status = 200, description = "OK", body = Health),
    ),
    security(()),
)]
async fn health() -> Json<Health> {
    Json(Health {
        status: Liveness::Ok,
    })
}

/// 201 with the created resource.
pub(crate) fn created<T: serde::Serialize>(body: T) -> axum::response::Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// One page of a list: its items, and in `X-Total-Count` how many matched before paging.
pub(crate) fn listed<T: serde::Serialize>(
    page: crate::domain::queries::Page<T>,
) -> axum::response::Response {
    let mut res = Json(page.items).into_response();
    res.headers_mut()
        .insert("x-total-count", axum::http::HeaderValue::from(page.total));
    res
}

/// Runs a command for the caller.
pub(crate) async fn exec(
    state: &AppState,
    caller: &auth::Caller,
    cmd: impl Into<crate::domain::Command>,
) -> Result<(), ApiError> {
    state.engine.execute(caller.0.clone(), cmd.into()).await?;
    Ok(())
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
