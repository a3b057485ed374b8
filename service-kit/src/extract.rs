//! The request extractors both services use instead of axum's `Json`, `Path` and `Query`, whose
//! rejections are plain text: the same extraction, with each rejection turned into the
//! service's own error (a problem+json answer with a stable code) by its [`Rejections`].
//!
//! A service declares them once, next to its error type:
//!
//! ```ignore
//! impl service_kit::extract::Rejections for ApiError { … }
//! service_kit::extractors!(ApiError);   // ApiJson<T>, ApiPath<T>, ApiQuery<T>
//! ```

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};

/// How a service answers a body, path or query string that axum's extractors refuse.
pub trait Rejections: Sized {
    /// A body that is not the JSON asked for (or too large, or not sent as JSON).
    fn json(rejection: JsonRejection) -> Self;
    /// A path parameter that does not parse (e.g. a malformed id).
    fn path(rejection: PathRejection) -> Self;
    /// A query string that does not parse.
    fn query(rejection: QueryRejection) -> Self;
}

#[doc(hidden)]
pub mod __private {
    pub use axum::Json;
    pub use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
    pub use axum::http::request::Parts;
    pub use serde::de::DeserializeOwned;
}

/// Declares `ApiJson<T>`, `ApiPath<T>` and `ApiQuery<T>` in the calling module: axum's `Json`,
/// `Path` and `Query`, rejecting with `$error` (which implements [`Rejections`]).
#[macro_export]
macro_rules! extractors {
    ($error:ty) => {
        /// `Json<T>` whose rejections are problems.
        pub struct ApiJson<T>(pub T);

        impl<S: Send + Sync, T: $crate::extract::__private::DeserializeOwned>
            $crate::extract::__private::FromRequest<S> for ApiJson<T>
        {
            type Rejection = $error;
            async fn from_request(
                req: $crate::extract::__private::Request,
                state: &S,
            ) -> Result<Self, $error> {
                <$crate::extract::__private::Json<T> as $crate::extract::__private::FromRequest<S>>::from_request(req, state)
                    .await
                    .map(|$crate::extract::__private::Json(v)| ApiJson(v))
                    .map_err(<$error as $crate::extract::Rejections>::json)
            }
        }

        /// `Path<T>` whose rejections are problems (e.g. a malformed id).
        pub struct ApiPath<T>(pub T);

        impl<S: Send + Sync, T: $crate::extract::__private::DeserializeOwned + Send>
            $crate::extract::__private::FromRequestParts<S> for ApiPath<T>
        {
            type Rejection = $error;
            async fn from_request_parts(
                parts: &mut $crate::extract::__private::Parts,
                state: &S,
            ) -> Result<Self, $error> {
                <$crate::extract::__private::Path<T> as $crate::extract::__private::FromRequestParts<S>>::from_request_parts(parts, state)
                    .await
                    .map(|$crate::extract::__private::Path(v)| ApiPath(v))
                    .map_err(<$error as $crate::extract::Rejections>::path)
            }
        }

        /// `Query<T>` whose rejections are problems.
        pub struct ApiQuery<T>(pub T);

        impl<S: Send + Sync, T: $crate::extract::__private::DeserializeOwned + Send>
            $crate::extract::__private::FromRequestParts<S> for ApiQuery<T>
        {
            type Rejection = $error;
            async fn from_request_parts(
                parts: &mut $crate::extract::__private::Parts,
                state: &S,
            ) -> Result<Self, $error> {
                <$crate::extract::__private::Query<T> as $crate::extract::__private::FromRequestParts<S>>::from_request_parts(parts, state)
                    .await
                    .map(|$crate::extract::__private::Query(v)| ApiQuery(v))
                    .map_err(<$error as $crate::extract::Rejections>::query)
            }
        }
    };
}
