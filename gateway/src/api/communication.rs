//! The app backend's API under `/api/communication/v1` (IO's `api_communication.yaml`):
//! a citizen's messages, one message, its status.

use super::AppState;
use super::callers::Citizen;
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, problem};
use crate::domain::message::{
    Message, MessageSummary, Reader, StatusChange, not_readable, readable, status_change,
};
use crate::domain::{Code, MessageId};
use crate::store::PageQuery;
use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use provider_sdk::contract::{FiscalCode, MessageContent};
use serde::{Deserialize, Serialize};

pub const DEFAULT_PAGE_SIZE: u32 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/communication/v1/messages", get(list))
        .route("/api/communication/v1/messages/{id}", get(get_one))
        .route(
            "/api/communication/v1/messages/{id}/status",
            put(set_status),
        )
}

#[derive(Deserialize)]
struct ListQuery {
    page_size: Option<u32>,
    maximum_id: Option<String>,
    minimum_id: Option<String>,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    enrich_result_data: bool,
}

/// IO's `PublicMessage` (with the enriched fields when asked for).
#[derive(Serialize)]
struct PublicMessage {
    id: MessageId,
    fiscal_code: String,
    time_to_live: u32,
    created_at: String,
    sender_service_id: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    enriched: Option<Enriched>,
}

#[derive(Serialize)]
struct Enriched {
    message_title: String,
    has_attachments: bool,
    has_precondition: bool,
    is_read: bool,
    is_archived: bool,
    /// Not known to the gateway (IO's service registry); the sender's tenant id stands in.
    service_name: String,
    organization_name: String,
    organization_fiscal_code: String,
}

#[derive(Serialize)]
struct Page {
    items: Vec<PublicMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<MessageId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<MessageId>,
}

fn public(m: MessageSummary, enrich: bool) -> PublicMessage {
    let enriched = enrich.then(|| Enriched {
        message_title: m.subject,
        has_attachments: m.has_attachments,
        has_precondition: m.has_precondition,
        is_read: m.is_read,
        is_archived: m.is_archived,
        service_name: m.sender_service_id.clone(),
        organization_name: m.sender.to_string(),
        organization_fiscal_code: String::new(),
    });
    PublicMessage {
        id: m.id,
        fiscal_code: m.fiscal_code.to_string(),
        time_to_live: m.time_to_live,
        created_at: m.created_at,
        sender_service_id: m.sender_service_id,
        enriched,
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

/// Newest first; `next` is the id to pass as `maximum_id` for the following page, present only
/// when there is one.
async fn list(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    let size = q.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=100).contains(&size) {
        return Err(problem(Code::INVALID_QUERY, "page_size must be 1..100"));
    }
    let page = PageQuery {
        archived: q.archived,
        maximum_id: page_id("maximum_id", q.maximum_id)?,
        minimum_id: page_id("minimum_id", q.minimum_id)?,
        limit: size + 1,
    };
    let mut rows = st.store.inbox(&fc, page).await?;
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

/// IO's `CreatedMessageWithContentAndAttachments`.
#[derive(Serialize)]
struct MessageWithContent {
    id: MessageId,
    fiscal_code: String,
    time_to_live: u32,
    created_at: String,
    sender_service_id: String,
    content: MessageContent,
    is_read: bool,
    is_archived: bool,
}

/// The citizen's message (another citizen's is not found).
pub(crate) async fn citizen_message(
    st: &AppState,
    fc: &FiscalCode,
    id: &MessageId,
) -> Result<Message, ApiError> {
    Ok(readable(
        st.store.message(id).await?,
        id,
        Reader::Citizen(fc),
    )?)
}

async fn get_one(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiPath(id): ApiPath<MessageId>,
) -> Result<Json<MessageWithContent>, ApiError> {
    let m = citizen_message(&st, &fc, &id).await?;
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

#[derive(Serialize)]
struct StatusAttributes {
    is_read: bool,
    is_archived: bool,
}

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
