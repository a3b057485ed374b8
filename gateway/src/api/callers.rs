//! The two kinds of caller: entities (Interop voucher) and the app backend (API key + the
//! citizen's `fiscal_code` header).

use super::AppState;
use super::problem::{ApiError, problem};
use crate::domain::Code;
use crate::domain::message::Sender;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use provider_sdk::contract::FiscalCode;
use utoipa::openapi::Ref;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};

fn bearer(parts: &Parts) -> Option<&str> {
    let h = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    h.strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))
        .map(str::trim)
}

/// An entity, authenticated by its Interop voucher.
pub struct Entity(pub Sender);

impl FromRequestParts<AppState> for Entity {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(|| {
            problem(
                Code::VOUCHER_MISSING,
                "send Authorization: Bearer <Interop voucher>",
            )
        })?;
        match state.vouchers.verify(token).await {
            Ok(sender) => Ok(Entity(sender)),
            Err(e) => {
                state.metrics.auth_refused(e.code);
                tracing::info!(code = e.code.as_str(), "voucher refused");
                Err(e.into())
            }
        }
    }
}

/// The app backend acting for one citizen.
pub struct Citizen(pub FiscalCode);

/// The citizen's `fiscal_code` header, which every app operation requires.
impl utoipa::IntoParams for Citizen {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("fiscal_code")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some("The citizen the app backend acts for."))
                .schema(Some(Ref::from_schema_name(
                    <FiscalCode as utoipa::ToSchema>::name(),
                )))
                .build(),
        ]
    }
}

impl FromRequestParts<AppState> for Citizen {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(parts).ok_or_else(|| {
            problem(
                Code::APP_KEY_MISSING,
                "send Authorization: Bearer <app API key>",
            )
        })?;
        if !state.app_keys.accepts(key) {
            state.metrics.auth_refused(Code::APP_KEY_INVALID);
            return Err(problem(Code::APP_KEY_INVALID, "unknown app API key"));
        }
        let raw = parts.headers.get("fiscal_code").ok_or_else(|| {
            problem(
                Code::FISCAL_CODE_HEADER_MISSING,
                "name the citizen in the fiscal_code header",
            )
        })?;
        let fc = raw.to_str().ok().and_then(|s| FiscalCode::parse(s).ok());
        fc.map(Citizen).ok_or_else(|| {
            problem(
                Code::FISCAL_CODE_HEADER_INVALID,
                "the fiscal_code header is not a fiscal code",
            )
        })
    }
}
