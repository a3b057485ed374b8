//! `/healthz` (the process answers), `/readyz` (the store answers), `/metrics`, `/openapi.json`.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}

/// What `/healthz` and `/readyz` answer.
#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(inline)]
    status: Health,
}

#[derive(Serialize, ToSchema)]
enum Health {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "ready")]
    Ready,
    #[serde(rename = "store unavailable")]
    StoreUnavailable,
}

fn health(status: Health) -> Json<HealthStatus> {
    Json(HealthStatus { status })
}

/// The process answers
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "operations",
    responses((status = 200, description = "Alive: `{\"status\": \"ok\"}`.", body = HealthStatus)),
)]
async fn healthz() -> Json<HealthStatus> {
    health(Health::Ok)
}

/// The store answers
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready: `{\"status\": \"ready\"}`.", body = HealthStatus),
        (status = 503, description = "Not ready: `{\"status\": \"store unavailable\"}` (not a problem document).", body = HealthStatus),
    ),
)]
async fn readyz(State(st): State<AppState>) -> impl IntoResponse {
    match st.store.ping().await {
        Ok(()) => (StatusCode::OK, health(Health::Ready)),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                health(Health::StoreUnavailable),
            )
        }
    }
}

/// Prometheus metrics
///
/// Requests are counted and timed by route template, never by concrete path.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    responses((status = 200, description = "The metrics in the Prometheus text format.", content_type = "text/plain", body = String)),
)]
async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        st.metrics.render(),
    )
}

/// The served OpenAPI document ([`super::openapi::openapi`]), serialized once.
pub fn openapi_json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        super::openapi::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes")
    });
    &JSON
}

/// This document
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document.", body = Object)),
)]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}
