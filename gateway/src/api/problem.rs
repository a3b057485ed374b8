//! The one place where errors become HTTP answers (problem+json with a stable `code`), and the
//! extractors whose rejections are problems too.

use crate::domain::ids::INVALID_ID_DETAILS;
use crate::domain::{Code, GatewayError};
use crate::store::StoreError;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use provider_sdk::contract::present::NULL_REFUSED;
use serde::de::DeserializeOwned;

/// An error on its way out.
#[derive(Debug)]
pub struct ApiError(pub GatewayError);

impl From<GatewayError> for ApiError {
    fn from(e: GatewayError) -> Self {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        ApiError(GatewayError::new(
            Code::STORE_UNAVAILABLE,
            "the message store is unavailable; retry later",
        ))
    }
}

pub fn problem(code: Code, detail: impl Into<String>) -> ApiError {
    ApiError(GatewayError::new(code, detail))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut resp =
            service_kit::problem::response(e.code.status(), e.code.as_str(), &e.detail, &e.fields);
        if let Some(v) = e
            .retry_after
            .as_deref()
            .and_then(|v| header::HeaderValue::from_str(v).ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// The detail of a body not sent as `application/json` (`INVALID_BODY`).
pub const NOT_JSON: &str = "the body must be JSON sent with Content-Type: application/json";

impl service_kit::extract::Rejections for ApiError {
    fn json(e: JsonRejection) -> ApiError {
        json_rejection(e)
    }
    fn path(e: PathRejection) -> ApiError {
        problem(Code::INVALID_PATH, path_detail(&e))
    }
    fn query(e: QueryRejection) -> ApiError {
        problem(Code::INVALID_QUERY, e.body_text())
    }
}

service_kit::extractors!(ApiError);

fn json_rejection(e: JsonRejection) -> ApiError {
    match e.status() {
        // The references list no 415: IO reads such a body as an invalid one (400).
        StatusCode::UNSUPPORTED_MEDIA_TYPE => problem(Code::INVALID_BODY, NOT_JSON),
        StatusCode::PAYLOAD_TOO_LARGE => problem(Code::PAYLOAD_TOO_LARGE, e.body_text()),
        _ => null_member(&e).unwrap_or_else(|| problem(Code::INVALID_BODY, e.body_text())),
    }
}

/// A member sent as `null` where the contract allows only a value (`contract::present`): a
/// field-level `VALIDATION_FAILED` naming it, like any other bad value.
fn null_member(e: &JsonRejection) -> Option<ApiError> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(p) = c.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            return null_refused(p);
        }
        cause = c.source();
    }
    None
}

fn null_refused(e: &serde_path_to_error::Error<serde_json::Error>) -> Option<ApiError> {
    if !e.inner().to_string().starts_with(NULL_REFUSED) {
        return None;
    }
    let field = e.path().to_string();
    Some(ApiError(GatewayError::field(
        field.clone(),
        format!("{field} cannot be null: omit it or give a value"),
    )))
}

/// A JSON body read from bytes (when the handler needs them, e.g. to hash): a refused `null`
/// names its member, any other mismatch is `INVALID_BODY` saying what was expected.
pub fn from_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    let invalid = |e: &serde_json::Error| problem(Code::INVALID_BODY, format!("not a {what}: {e}"));
    let mut de = serde_json::Deserializer::from_slice(body);
    let v = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| null_refused(&e).unwrap_or_else(|| invalid(e.inner())))?;
    de.end().map_err(|e| invalid(&e))?;
    Ok(v)
}

/// What a refused path parameter is: a typed id says it in its own words ("a message id is a
/// ULID"), anything else in axum's.
fn path_detail(e: &PathRejection) -> String {
    if let PathRejection::FailedToDeserializePathParams(d) = e {
        let message = match d.kind() {
            ErrorKind::Message(m) => Some(m),
            ErrorKind::DeserializeError { message, .. } => Some(message),
            _ => None,
        };
        if let Some(m) = message.filter(|m| INVALID_ID_DETAILS.contains(&m.as_str())) {
            return m.clone();
        }
    }
    e.body_text()
}
