//! The one place where errors become HTTP answers: `application/problem+json` (RFC 9457) with a
//! stable `code` a user can search for; its status comes with it from the code table (`codes.rs`).

use crate::codes::Code;
use crate::domain::DomainError;
use crate::engine::EngineError;
use crate::store::StoreError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub detail: String,
    pub fields: Vec<String>,
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            fields: Vec::new(),
        }
    }

    /// The code's status, from the table.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self {
            code: e.code.as_code(),
            detail: e.detail,
            fields: e.fields,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        Self::new(
            Code::STORE_UNAVAILABLE,
            "the engine's store is unavailable; retry later",
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Domain(d) => d.into(),
            EngineError::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        service_kit::problem::response(
            self.code.status(),
            self.code.as_str(),
            &self.detail,
            &self.fields,
        )
    }
}

impl service_kit::extract::Rejections for ApiError {
    fn json(e: JsonRejection) -> ApiError {
        json_rejection(e)
    }
    fn path(e: PathRejection) -> ApiError {
        ApiError::new(Code::INVALID_PATH, e.body_text())
    }
    fn query(e: QueryRejection) -> ApiError {
        ApiError::new(Code::INVALID_QUERY, e.body_text())
    }
}

service_kit::extractors!(ApiError);

fn json_rejection(e: JsonRejection) -> ApiError {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            Code::UNSUPPORTED_MEDIA_TYPE,
            "send the body as application/json",
        ),
        _ => ApiError::new(Code::INVALID_BODY, e.body_text()),
    }
}

/// The most a request body may hold (axum's default limit, which every extractor applies).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

fn too_large() -> ApiError {
    ApiError::new(
        Code::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// A raw body that could not be read: too large, or cut off.
pub fn bytes_rejection(e: axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(Code::INVALID_BODY, e.body_text())
    }
}
