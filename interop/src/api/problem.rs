//! The one place where errors become HTTP answers: `application/problem+json` (RFC 9457) with a
//! stable `code` a user can search for; its status comes with it from the code table (`codes.rs`).

use crate::codes::Code;
use crate::domain::DomainError;
use crate::engine::EngineError;
use crate::store::StoreError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

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

/// `Json<T>` whose rejections are problems with code `INVALID_BODY`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

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

/// `Path<T>` whose rejections are problems with code `INVALID_PATH` (e.g. a malformed id).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(path_rejection(e)),
        }
    }
}

fn path_rejection(e: PathRejection) -> ApiError {
    ApiError::new(Code::INVALID_PATH, e.body_text())
}

/// `Query<T>` whose rejections are problems with code `INVALID_QUERY`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::new(Code::INVALID_QUERY, e.body_text())
}
