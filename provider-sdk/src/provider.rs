//! What an entity implements: the three remote-content endpoints as a trait.

use crate::contract::{FiscalCode, PreconditionContent, RemoteContentDetailsResponse};
use std::future::Future;

/// Why the entity cannot answer; each maps to the status IO's contract gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No such message for this citizen (or no such attachment): `404`.
    #[error("not found")]
    NotFound,
    /// The citizen may not see it: `403`.
    #[error("forbidden")]
    Forbidden,
    /// The request is malformed: `400`.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Slow down: `429`.
    #[error("too many requests")]
    TooManyRequests,
    /// Temporarily unavailable: `503` with `Retry-After` seconds.
    #[error("unavailable, retry after {retry_after} s")]
    Unavailable {
        /// Seconds before a retry makes sense.
        retry_after: u32,
    },
    /// Anything else: `500`.
    #[error("internal error: {0}")]
    Internal(String),
}

/// An attachment's bytes, served as `application/octet-stream` as the remote-content contract
/// says (the attachment's `content_type` in the details is what names it a PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The PDF bytes.
    pub bytes: Vec<u8>,
}

/// The entity's side of the remote-content contract. `id` is the `third_party_data.id` the
/// entity chose when it submitted the message; `fiscal_code` is the citizen asking (already
/// validated: the entity must still check the message is theirs).
pub trait Provider: Send + Sync + 'static {
    /// `GET /messages/{id}/precondition`.
    fn precondition(
        &self,
        id: &str,
        fiscal_code: &FiscalCode,
    ) -> impl Future<Output = Result<PreconditionContent, ProviderError>> + Send;

    /// `GET /messages/{id}`.
    fn details(
        &self,
        id: &str,
        fiscal_code: &FiscalCode,
    ) -> impl Future<Output = Result<RemoteContentDetailsResponse, ProviderError>> + Send;

    /// `GET /messages/{id}/{url}`: `url` is the attachment url as listed in the details, without
    /// its leading `/`, query string included.
    fn attachment(
        &self,
        id: &str,
        fiscal_code: &FiscalCode,
        url: &str,
    ) -> impl Future<Output = Result<Attachment, ProviderError>> + Send;
}
