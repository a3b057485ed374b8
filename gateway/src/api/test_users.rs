//! The entity's preview of its test users' view, under `/api/v1/test-users/{fiscal_code}`: what
//! the app would show one of the caller's test users, limited to the caller's own messages. The
//! same shapes as the app API and the same code behind them (`communication::inbox`,
//! `communication::with_content`, `third_party::*_of`), so the checks cannot drift apart.
//!
//! Rules: the fiscal code must be among the `test_users` of one of the caller's configurations
//! (else `403 NOT_YOUR_TEST_USER`); only the caller's messages to that citizen are listed or
//! readable (another sender's is not found, as for a stranger); nothing here changes a message's
//! status (there is no status operation, and reading marks nothing, so a ONCE precondition stays
//! shown until the citizen's app marks the message read); when the message's configuration
//! enables lollipop for the citizen, a test device made for the request signs the lollipop
//! headers (the citizen's own device is not there).

use super::AppState;
use super::callers::Entity;
use super::communication::{ListQuery, MessageWithContent, Page, inbox, with_content};
use super::openapi::{
    AttachmentRefused, DetailsUnusable, EntityApiUnavailable, EntityTimeout, EntityTooManyRequests,
    NotYourTestUser, PreconditionUnusable, PreviewAttachmentNotFound, PreviewAttachmentUnavailable,
    PreviewContentForbidden, PreviewEntityUnavailable, PreviewFetchRefused, PreviewInboxRefused,
    PreviewMessageNotFound, PreviewPathRefused, PreviewRemoteNotFound, VoucherRefused,
};
use super::problem::{ApiError, ApiPath, ApiQuery, problem};
use super::third_party::{Viewer, WithContent, attachment_of, details_of, precondition_of};
use crate::domain::message::Reader;
use crate::domain::remote::previewable;
use crate::domain::{Code, MessageId, TenantId};
use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use provider_sdk::contract::{FiscalCode, PreconditionContent};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(messages))
        .routes(routes!(message))
        .routes(routes!(precondition))
        .routes(routes!(details))
        .routes(routes!(attachment))
}

/// The path's fiscal code, if it is one of the caller's test users.
async fn test_user(st: &AppState, caller: &TenantId, raw: &str) -> Result<FiscalCode, ApiError> {
    let fc = FiscalCode::parse(raw).map_err(|_| {
        problem(
            Code::INVALID_PATH,
            "fiscal_code is not a fiscal code (16 characters, upper case)",
        )
    })?;
    previewable(&st.store.configurations_of(caller).await?, &fc)?;
    Ok(fc)
}

/// A test user's messages from the caller, newest first
///
/// What IO's `getUserMessages` answers the test user, limited to the caller's messages: the same
/// paging (`next` is the `maximum_id` of the following page) and the same items.
#[utoipa::path(
    get,
    path = "/api/v1/test-users/{fiscal_code}/messages",
    operation_id = "getTestUserMessages",
    tag = "test-users",
    security(("interopVoucher" = [])),
    params(
        ("fiscal_code" = FiscalCode, Path, description = "One of the test users of the caller's configurations."),
        ListQuery,
    ),
    responses(
        (status = 200, description = "A page of the caller's messages to the test user.", body = Page),
        PreviewInboxRefused, VoucherRefused, NotYourTestUser, EntityApiUnavailable,
    ),
)]
async fn messages(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(fc): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    let fc = test_user(&st, &sender.tenant, &fc).await?;
    inbox(&st, &fc, q, Some(sender.tenant)).await
}

/// One of the caller's messages to a test user
///
/// What IO's `getUserMessage` answers the test user: the message with its content (as
/// submitted) and its status, which reading it here does not change. Another sender's message,
/// or one for another citizen, is not found.
#[utoipa::path(
    get,
    path = "/api/v1/test-users/{fiscal_code}/messages/{id}",
    operation_id = "getTestUserMessage",
    tag = "test-users",
    security(("interopVoucher" = [])),
    params(
        ("fiscal_code" = FiscalCode, Path, description = "One of the test users of the caller's configurations."),
        ("id" = MessageId, Path, description = "The message id (a ULID)."),
    ),
    responses(
        (status = 200, description = "The message.", body = MessageWithContent),
        PreviewPathRefused, VoucherRefused, NotYourTestUser, PreviewMessageNotFound,
        EntityApiUnavailable,
    ),
)]
async fn message(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath((fc, id)): ApiPath<(String, MessageId)>,
) -> Result<Json<MessageWithContent>, ApiError> {
    let fc = test_user(&st, &sender.tenant, &fc).await?;
    with_content(&st, &id, Reader::Preview(&sender.tenant, &fc)).await
}

/// The precondition a test user would be shown
///
/// What IO's `getThirdPartyMessagePrecondition` answers the test user, fetched from the entity
/// the same way (the test environment of the message's configuration for its `test_users`), with
/// the same checks. A ONCE precondition stays shown: the preview never marks the message read.
/// When the configuration enables lollipop for the citizen, the lollipop headers are signed by a
/// test device made for the request (its assertion is a placeholder: an entity that checks
/// assertions with IO refuses it, and the preview shows that refusal).
#[utoipa::path(
    get,
    path = "/api/v1/test-users/{fiscal_code}/third-party-messages/{id}/precondition",
    operation_id = "getTestUserThirdPartyMessagePrecondition",
    tag = "test-users",
    security(("interopVoucher" = [])),
    params(
        ("fiscal_code" = FiscalCode, Path, description = "One of the test users of the caller's configurations."),
        ("id" = MessageId, Path, description = "The message id (a ULID)."),
    ),
    responses(
        (status = 200, description = "The precondition.", body = PreconditionContent),
        (status = 204, description = "No precondition is needed (`has_precondition` is NEVER or absent, or ONCE and the citizen's app marked the message read). No body."),
        PreviewFetchRefused, VoucherRefused, PreviewContentForbidden, PreviewRemoteNotFound,
        EntityTooManyRequests, PreconditionUnusable, PreviewEntityUnavailable, EntityTimeout,
    ),
)]
async fn precondition(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath((fc, id)): ApiPath<(String, MessageId)>,
) -> Result<Response, ApiError> {
    let fc = test_user(&st, &sender.tenant, &fc).await?;
    precondition_of(&st, &fc, &id, Viewer::Preview(&sender.tenant)).await
}

/// A message with the entity's content, as a test user would see it
///
/// What IO's `getThirdPartyMessage` answers the test user, fetched from the entity the same way
/// and with the same checks (the flags the message was submitted with, the markdown policy, the
/// attachments' metadata). Lollipop as for the precondition.
#[utoipa::path(
    get,
    path = "/api/v1/test-users/{fiscal_code}/third-party-messages/{id}",
    operation_id = "getTestUserThirdPartyMessage",
    tag = "test-users",
    security(("interopVoucher" = [])),
    params(
        ("fiscal_code" = FiscalCode, Path, description = "One of the test users of the caller's configurations."),
        ("id" = MessageId, Path, description = "The message id (a ULID)."),
    ),
    responses(
        (status = 200, description = "The message with the entity's content.", body = WithContent),
        PreviewFetchRefused, VoucherRefused, PreviewContentForbidden, PreviewRemoteNotFound,
        EntityTooManyRequests, DetailsUnusable, PreviewEntityUnavailable, EntityTimeout,
    ),
)]
async fn details(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath((fc, id)): ApiPath<(String, MessageId)>,
) -> Result<Response, ApiError> {
    let fc = test_user(&st, &sender.tenant, &fc).await?;
    details_of(&st, &fc, &id, Viewer::Preview(&sender.tenant)).await
}

/// An attachment, as a test user would download it
///
/// What IO's `getThirdPartyMessageAttachment` answers the test user: only a `url` the entity
/// lists for the message (fetched again), checked as a PDF/A-2, not encrypted, within the size
/// limit, and streamed. Lollipop as for the precondition.
#[utoipa::path(
    get,
    path = "/api/v1/test-users/{fiscal_code}/third-party-messages/{id}/attachments/{*attachment_url}",
    operation_id = "getTestUserThirdPartyMessageAttachment",
    tag = "test-users",
    security(("interopVoucher" = [])),
    params(
        ("fiscal_code" = FiscalCode, Path, description = "One of the test users of the caller's configurations."),
        ("id" = MessageId, Path, description = "The message id (a ULID)."),
        ("attachment_url" = String, Path, min_length = 1,
         description = "The attachment's `url` as the entity listed it (without its leading `/`): the rest of the path, slashes and query string included."),
    ),
    responses(
        (status = 200, description = "The PDF.", content_type = "application/octet-stream", body = inline(super::third_party::Pdf), headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"{name}\"`."),
            ("Content-Length" = i64, description = "The size in bytes."),
        )),
        PreviewFetchRefused, VoucherRefused, PreviewContentForbidden, PreviewAttachmentNotFound,
        AttachmentRefused, EntityTooManyRequests, DetailsUnusable, PreviewAttachmentUnavailable,
        EntityTimeout,
    ),
)]
async fn attachment(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath((fc, id, url)): ApiPath<(String, MessageId, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let fc = test_user(&st, &sender.tenant, &fc).await?;
    attachment_of(&st, &fc, &id, url, &uri, Viewer::Preview(&sender.tenant)).await
}
