//! The app backend's API under `/api/communication/v1` (IO's `api_communication.yaml`):
//! a citizen's messages, one message, its status.

use super::AppState;
use super::callers::Citizen;
use super::openapi::{
    AppKeyRefused, CitizenMessageNotFound, CitizenPathRefused, InboxQueryRefused, PayloadTooLarge,
    StatusChangeRefused, StoreUnavailable,
};
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, problem};
use crate::domain::message::{
    Message, MessageSummary, Reader, StatusChange, not_readable, readable, status_change,
};
use crate::domain::{Code, MessageId, TenantId};
use crate::store::PageQuery;
use axum::Json;
use axum::extract::State;
use provider_sdk::contract::schema::{ServiceId, TimeToLiveSeconds, Timestamp};
use provider_sdk::contract::{FiscalCode, MessageContent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const DEFAULT_PAGE_SIZE: u32 = 100;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(set_status))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// How many items a page should include (default 100).
    #[param(nullable = false, minimum = 1, maximum = 100, default = 100)]
    page_size: Option<u32>,
    /// Only messages with a smaller id (exclusive bound): the `next` of the previous page.
    #[param(nullable = false, value_type = Option<MessageId>)]
    maximum_id: Option<String>,
    /// Only messages with a larger id (exclusive bound).
    #[param(nullable = false, value_type = Option<MessageId>)]
    minimum_id: Option<String>,
    /// `true`: the archived messages; `false` (default): the others.
    #[serde(default)]
    #[param(default = false)]
    archived: bool,
    /// Adds `message_title`, `has_attachments`, `has_precondition`, `is_read`, `is_archived`,
    /// `service_name`, `organization_name`, `organization_fiscal_code` to each item.
    #[serde(default)]
    #[param(default = false)]
    enrich_result_data: bool,
}

/// A message without its content. The properties after `sender_service_id` are present only
/// with `enrich_result_data=true`.
///
/// IO's `PublicMessage`; the enriched members are all set or all absent.
#[derive(Serialize, ToSchema)]
struct PublicMessage {
    id: MessageId,
    #[schema(value_type = FiscalCode)]
    fiscal_code: String,
    #[schema(value_type = TimeToLiveSeconds)]
    time_to_live: u32,
    #[schema(value_type = Timestamp)]
    created_at: String,
    #[schema(value_type = ServiceId)]
    sender_service_id: String,
    /// The subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    message_title: Option<String>,
    /// `third_party_data.has_attachments`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    has_attachments: Option<bool>,
    /// `third_party_data.has_precondition` is ALWAYS or ONCE.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    has_precondition: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    is_read: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    is_archived: Option<bool>,
    /// The gateway has no service registry: the sender's `sender_service_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    service_name: Option<String>,
    /// The gateway has no service registry: the sender's Interop tenant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    organization_name: Option<String>,
    /// Unknown to the gateway: always the empty string.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    organization_fiscal_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = PaginatedPublicMessagesCollection)]
pub(crate) struct Page {
    items: Vec<PublicMessage>,
    /// The first id of this page (absent when the page is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    prev: Option<MessageId>,
    /// The `maximum_id` of the following page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    next: Option<MessageId>,
}

fn public(m: MessageSummary, enrich: bool) -> PublicMessage {
    PublicMessage {
        message_title: enrich.then_some(m.subject),
        has_attachments: enrich.then_some(m.has_attachments),
        has_precondition: enrich.then_some(m.has_precondition),
        is_read: enrich.then_some(m.is_read),
        is_archived: enrich.then_some(m.is_archived),
        service_name: enrich.then(|| m.sender_service_id.clone()),
        organization_name: enrich.then(|| m.sender.to_string()),
        organization_fiscal_code: enrich.then(String::new),
        id: m.id,
        fiscal_code: m.fiscal_code.to_string(),
        time_to_live: m.time_to_live,
        created_at: m.created_at,
        sender_service_id: m.sender_service_id,
    }
}

fn page_id(field: &str, v: Option<String>) -> Result<Option<MessageId>, ApiError> {
    v.map(|s| {
        s.parse().map_err(|_| {
            problem(
                Code::INVALID_QUERY,
                format!("{field} must be a message id (a ULID)"),
            )
        })
    })
    .transpose()
}

/// The citizen's messages, newest first
///
/// IO's `getUserMessages`. `next`, present only when there is a following page, is the
/// `maximum_id` to ask it with; `prev` is the first id of the page.
#[utoipa::path(
    get,
    path = "/api/communication/v1/messages",
    operation_id = "getUserMessages",
    tag = "app",
    security(("appApiKey" = [])),
    params(Citizen, ListQuery),
    responses(
        (status = 200, description = "A page of messages.", body = Page),
        InboxQueryRefused, AppKeyRefused, StoreUnavailable,
    ),
)]
async fn list(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    inbox(&st, &fc, q, None).await
}

/// A page of the citizen's inbox (`sender`: only that sender's messages, for its preview).
pub(crate) async fn inbox(
    st: &AppState,
    fc: &FiscalCode,
    q: ListQuery,
    sender: Option<TenantId>,
) -> Result<Json<Page>, ApiError> {
    let size = q.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=100).contains(&size) {
        return Err(problem(Code::INVALID_QUERY, "page_size must be 1..100"));
    }
    let page = PageQuery {
        archived: q.archived,
        maximum_id: page_id("maximum_id", q.maximum_id)?,
        minimum_id: page_id("minimum_id", q.minimum_id)?,
        sender,
        limit: size + 1,
    };
    let mut rows = st.store.inbox(fc, page).await?;
    let more = rows.len() > size as usize;
    rows.truncate(size as usize);
    let prev = rows.first().map(|m| m.id.clone());
    let next = if more {
        rows.last().map(|m| m.id.clone())
    } else {
        None
    };
    Ok(Json(Page {
        items: rows
            .into_iter()
            .map(|m| public(m, q.enrich_result_data))
            .collect(),
        prev,
        next,
    }))
}

/// A message with its content (as submitted) and status.
///
/// IO's `CreatedMessageWithContentAndAttachments`.
#[derive(Serialize, ToSchema)]
#[schema(as = CreatedMessageWithContentAndAttachments)]
pub(crate) struct MessageWithContent {
    id: MessageId,
    #[schema(value_type = FiscalCode)]
    fiscal_code: String,
    #[schema(value_type = TimeToLiveSeconds)]
    time_to_live: u32,
    #[schema(value_type = Timestamp)]
    created_at: String,
    #[schema(value_type = ServiceId)]
    sender_service_id: String,
    content: MessageContent,
    is_read: bool,
    is_archived: bool,
}

/// The message `reader` may read (anybody else's is not found).
pub(crate) async fn message_for(
    st: &AppState,
    id: &MessageId,
    reader: Reader<'_>,
) -> Result<Message, ApiError> {
    Ok(readable(st.store.message(id).await?, id, reader)?)
}

/// One message with its content and status, as the citizen's app gets it: never changes its
/// status.
pub(crate) async fn with_content(
    st: &AppState,
    id: &MessageId,
    reader: Reader<'_>,
) -> Result<Json<MessageWithContent>, ApiError> {
    let m = message_for(st, id, reader).await?;
    Ok(Json(MessageWithContent {
        id: m.id,
        fiscal_code: m.fiscal_code.to_string(),
        time_to_live: m.time_to_live,
        created_at: m.created_at,
        sender_service_id: m.sender_service_id,
        content: m.content,
        is_read: m.is_read,
        is_archived: m.is_archived,
    }))
}

/// One of the citizen's messages
///
/// IO's `getUserMessage`: the message with its content (as submitted) and its status. IO's
/// `public_message` query parameter is not supported (ignored).
#[utoipa::path(
    get,
    path = "/api/communication/v1/messages/{id}",
    operation_id = "getUserMessage",
    tag = "app",
    security(("appApiKey" = [])),
    params(Citizen, ("id" = MessageId, Path, description = "The message id (a ULID).")),
    responses(
        (status = 200, description = "The message.", body = MessageWithContent),
        CitizenPathRefused, AppKeyRefused, CitizenMessageNotFound, StoreUnavailable,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiPath(id): ApiPath<MessageId>,
) -> Result<Json<MessageWithContent>, ApiError> {
    with_content(&st, &id, Reader::Citizen(&fc)).await
}

#[derive(Serialize, ToSchema)]
#[schema(as = MessageStatusAttributes)]
struct StatusAttributes {
    is_read: bool,
    is_archived: bool,
}

/// Mark a message read, archived or unarchived
///
/// IO's `upsertMessageStatusAttributes`. A message cannot be marked unread.
#[utoipa::path(
    put,
    path = "/api/communication/v1/messages/{id}/status",
    operation_id = "upsertMessageStatusAttributes",
    tag = "app",
    security(("appApiKey" = [])),
    params(Citizen, ("id" = MessageId, Path, description = "The message id (a ULID).")),
    request_body(content = StatusChange, description = "The change."),
    responses(
        (status = 200, description = "The status after the change.", body = StatusAttributes),
        StatusChangeRefused, AppKeyRefused, CitizenMessageNotFound, PayloadTooLarge,
        StoreUnavailable,
    ),
)]
async fn set_status(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiPath(id): ApiPath<MessageId>,
    ApiJson(change): ApiJson<StatusChange>,
) -> Result<Json<StatusAttributes>, ApiError> {
    let (read, archived) = status_change(&change)?;
    match st.store.set_status(&id, &fc, read, archived).await? {
        Some((is_read, is_archived)) => Ok(Json(StatusAttributes {
            is_read,
            is_archived,
        })),
        // The store matched the id and the citizen in one statement.
        None => Err(not_readable(&id, Reader::Citizen(&fc)).into()),
    }
}

/// IO's `MessageStatusChange`: one of three changes on `change_type`, each a named schema
/// ([`status_change`](crate::domain::message::status_change) checks them).
mod status_change_schema {
    use crate::domain::message::StatusChange;
    use std::borrow::Cow;
    use utoipa::openapi::schema::{Discriminator, ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr};
    use utoipa::{PartialSchema, ToSchema};

    /// (`change_type`, schema name, required members besides `change_type`, optional ones).
    const CHANGES: &[(&str, &str, &[&str], &[&str])] = &[
        ("reading", "MessageStatusReadingChange", &["is_read"], &[]),
        (
            "archiving",
            "MessageStatusArchivingChange",
            &["is_archived"],
            &[],
        ),
        (
            "bulk",
            "MessageStatusBulkChange",
            &["is_archived"],
            &["is_read"],
        ),
    ];

    fn member(name: &str) -> ObjectBuilder {
        let b = ObjectBuilder::new().schema_type(Type::Boolean);
        // A message cannot be marked unread.
        if name == "is_read" {
            b.enum_values(Some([true]))
        } else {
            b
        }
    }

    impl PartialSchema for StatusChange {
        fn schema() -> RefOr<Schema> {
            let mut discriminator = Discriminator::new("change_type");
            let mut one_of = OneOfBuilder::new();
            for (value, name, _, _) in CHANGES {
                discriminator
                    .mapping
                    .insert((*value).into(), format!("#/components/schemas/{name}"));
                one_of = one_of.item(Ref::from_schema_name(*name));
            }
            Schema::from(one_of.discriminator(Some(discriminator))).into()
        }
    }

    impl ToSchema for StatusChange {
        fn name() -> Cow<'static, str> {
            "MessageStatusChange".into()
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            for (value, name, required, optional) in CHANGES {
                let mut b = ObjectBuilder::new()
                    .property(
                        "change_type",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some([*value])),
                    )
                    .required("change_type");
                for m in required.iter().chain(optional.iter()) {
                    b = b.property(*m, member(m));
                }
                for m in *required {
                    b = b.required(*m);
                }
                schemas.push(((*name).into(), Schema::from(b).into()));
            }
        }
    }
}
