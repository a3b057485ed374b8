//! The management API (JSON over HTTP), modelled on PDND Interop's M2M API paths.

mod agreements;
pub mod auth;
mod clients;
mod eservices;
pub mod problem;
mod purposes;
mod tenants;
mod token;

use crate::codes::Code;
use crate::engine::Engine;
use auth::IdentityVerifier;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use problem::ApiError;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub identity: Arc<IdentityVerifier>,
    pub tokens: Arc<crate::token::TokenService>,
}

/// The OpenAPI document of this API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route(
            "/openapi.json",
            get(|| async { ([("content-type", "application/json")], OPENAPI) }),
        )
        .merge(tenants::routes())
        .merge(eservices::routes())
        .merge(agreements::routes())
        .merge(purposes::routes())
        .merge(clients::routes())
        .merge(token::routes())
        .fallback(|| async { ApiError::new(Code::ROUTE_NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                Code::METHOD_NOT_ALLOWED,
                "this endpoint does not accept this method",
            )
        })
        .with_state(state)
}

/// 201 with the created resource.
pub(crate) fn created<T: serde::Serialize>(body: T) -> axum::response::Response {
    (StatusCode::CREATED, Json(body)).into_response()
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
