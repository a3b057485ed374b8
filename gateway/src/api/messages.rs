//! `POST /api/v1/messages` (IO's `NewMessage`, fiscal code in the body) and the sender's view of
//! what it submitted.

use super::callers::Entity;
use super::openapi::{
    ConfigurationNotFound, EntityApiUnavailable, IdempotencyKeyReused, NotYourConfiguration,
    PathRefused, PayloadTooLarge, SentMessageNotFound, SentQueryRefused, SubmissionRefused,
    VoucherRefused,
};
use super::problem::{ApiError, ApiPath, ApiQuery, NOT_JSON, from_json, problem};
use super::{AppState, now_rfc3339};
use crate::domain::configuration::Use;
use crate::domain::message::{Message, Reader, instant_ms, readable, validate};
use crate::domain::{Code, ConfigurationId, MessageId};
use crate::store::{IdempotencyKey, SentQuery, Submitted};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider_sdk::contract::{CreatedMessage, FiscalCode, NewMessage, SentMessages};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, list_sent))
        .routes(routes!(get_one))
}

fn created(id: MessageId) -> Response {
    let location = format!("/api/v1/messages/{id}");
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(CreatedMessage { id: id.to_string() }),
    )
        .into_response()
}

/// The `Idempotency-Key` header, if any, checked.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let invalid = || {
        problem(
            Code::IDEMPOTENCY_KEY_INVALID,
            "Idempotency-Key must be 1..255 visible ASCII characters",
        )
    };
    let s = v.to_str().map_err(|_| invalid())?;
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(Some(s.to_owned()))
}

/// A short hash of a fiscal code, to correlate log lines without writing the code in clear.
pub fn fiscal_code_tag(fc: &FiscalCode) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(fc.as_str().as_bytes())[..9])
}

/// The inbox lists "largest id first", but two `Ulid::new()` in the same millisecond compare at
/// random: messages submitted back to back (a batch, the dev world's seed) listed out of order.
/// One monotonic generator per process keeps this instance's ids increasing; instances still
/// agree only to the millisecond.
fn next_message_id() -> MessageId {
    static IDS: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let mut ids = IDS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Overflow needs 2^80 ids in one millisecond; a fresh random one is still unique.
    ids.generate().unwrap_or_else(|_| ulid::Ulid::new()).into()
}

/// Submit a message (fiscal code in the body)
///
/// IO's `submitMessageforUserWithFiscalCodeInBody`. The sender is the voucher's `consumerId`;
/// `sender_service_id` is its `purposeId`. A `201` is sent once the message is durably stored.
/// Every violation is listed at once in `fields`. `third_party_data` needs a `configuration_id`
/// of the caller's; `has_attachments` needs `feature_level_type: ADVANCED`.
#[utoipa::path(
    post,
    path = "/api/v1/messages",
    operation_id = "submitMessageforUserWithFiscalCodeInBody",
    tag = "messages",
    security(("interopVoucher" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = "^[!-~]+$",
         description = "Makes the submission safe to retry: scoped to the sender, a retry with the same key and body gets the first answer (and stores nothing); the same key with another body is `422 IDEMPOTENCY_KEY_REUSED`."),
    ),
    request_body(content = NewMessage, description = "The message."),
    responses(
        (status = 201, description = "Stored (or, for a retry with the same `Idempotency-Key` and body, stored earlier: the same answer).",
         body = CreatedMessage, headers(
            ("Location" = String, description = "The path of the message (`/api/v1/messages/{id}`).")
        )),
        SubmissionRefused, VoucherRefused, NotYourConfiguration, ConfigurationNotFound,
        PayloadTooLarge, IdempotencyKeyReused, EntityApiUnavailable,
    ),
)]
async fn submit(
    State(st): State<AppState>,
    Entity(sender): Entity,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => problem(
            Code::PAYLOAD_TOO_LARGE,
            format!("a submission is at most {} bytes", super::MAX_BODY),
        ),
        _ => problem(Code::INVALID_BODY, e.body_text()),
    })?;
    let key = idempotency_key(&headers)?;
    let request_hash = URL_SAFE_NO_PAD.encode(Sha256::digest(&body));
    // A retry: answer as the first time, store nothing.
    if let Some(k) = &key
        && let Some((message_id, first_hash)) = st.store.idempotent(&sender.tenant, k).await?
    {
        return replay(message_id, first_hash, &request_hash);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        // IO reads a body it cannot parse as JSON as an invalid NewMessage: 400, as here.
        return Err(problem(Code::INVALID_BODY, NOT_JSON));
    }
    let new: NewMessage = from_json(&body, "NewMessage")?;
    let submission = validate(new, &sender, &st.payees)?;
    if let Some(id) = &submission.configuration_id {
        super::configurations::configuration_of(&st, &sender.tenant, id, Use::ByEntity).await?;
    }
    let fc_tag = fiscal_code_tag(&submission.fiscal_code);
    let message = submission.into_message(next_message_id(), now_rfc3339(), &sender);
    let idem = key.map(|key| IdempotencyKey {
        sender: sender.tenant.clone(),
        key,
        request_hash: request_hash.clone(),
    });
    match st.store.submit(message, idem).await? {
        Submitted::Created(id) => {
            st.metrics.submitted();
            tracing::info!(message_id = %id, sender = %sender.tenant, citizen = %fc_tag, "message accepted");
            Ok(created(id))
        }
        Submitted::Replayed {
            message_id,
            request_hash: first,
        } => replay(message_id, first, &request_hash),
    }
}

fn replay(message_id: MessageId, first_hash: String, hash: &str) -> Result<Response, ApiError> {
    if first_hash != hash {
        return Err(problem(
            Code::IDEMPOTENCY_KEY_REUSED,
            "this Idempotency-Key was used with a different request body",
        ));
    }
    Ok(created(message_id))
}

/// A message the caller submitted
///
/// The `Location` of a submission. Not IO's `getMessage` (`/{fiscal_code}/{id}`, wrapped in
/// `{message, status, ...}`): the message itself, with its read and archived status. Another
/// sender's message is not found.
#[utoipa::path(
    get,
    path = "/api/v1/messages/{id}",
    operation_id = "getSentMessage",
    tag = "messages",
    security(("interopVoucher" = [])),
    params(("id" = MessageId, Path, description = "The message id (a ULID).")),
    responses(
        (status = 200, description = "The message.", body = Message),
        PathRefused, VoucherRefused, SentMessageNotFound, EntityApiUnavailable,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(id): ApiPath<MessageId>,
) -> Result<Json<Message>, ApiError> {
    let found = st.store.message(&id).await?;
    Ok(Json(readable(found, &id, Reader::Sender(&sender.tenant))?))
}

/// How many sent messages a page lists when `limit` is not given.
pub const SENT_PAGE_DEFAULT: u32 = 20;
/// The largest `limit` of the sent messages.
pub const SENT_PAGE_MAX: u32 = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SentParams {
    /// Only the messages sent with this remote-content configuration
    /// (`content.third_party_data.configuration_id`). Another tenant's, or an unknown one,
    /// lists nothing; a deleted one of the caller's still lists what was sent with it.
    #[param(nullable = false, value_type = Option<provider_sdk::contract::schema::Ulid>)]
    configuration: Option<String>,
    /// Only the messages created at or after this instant (RFC 3339, any offset).
    #[param(nullable = false, value_type = Option<provider_sdk::contract::schema::Timestamp>)]
    from: Option<String>,
    /// Only the messages created before this instant (RFC 3339, any offset; exclusive).
    #[param(nullable = false, value_type = Option<provider_sdk::contract::schema::Timestamp>)]
    to: Option<String>,
    /// How many messages a page lists (default 20).
    #[param(nullable = false, minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
    /// The `next` of the previous page (opaque): the page after it, with the same filters.
    #[param(nullable = false)]
    cursor: Option<String>,
}

fn invalid_query(detail: impl Into<String>) -> ApiError {
    problem(Code::INVALID_QUERY, detail)
}

/// An instant of the query in milliseconds, rounded up: `created_at` has milliseconds, so
/// `created_ms >= ceil(t)` is `created_at >= t` and `created_ms < ceil(t)` is `created_at < t`.
fn query_instant(name: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let t = time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            invalid_query(format!(
                "{name} must be an RFC 3339 instant like 2026-11-22T10:00:00Z"
            ))
        })?;
    let floor = instant_ms(raw).ok_or_else(|| invalid_query(format!("{name} is out of range")))?;
    Ok(Some(if t.nanosecond() % 1_000_000 == 0 {
        floor
    } else {
        floor + 1
    }))
}

/// The cursor of the page after `(created_ms, id)`: `{created_ms}.{id}`. Opaque to callers.
fn cursor_of(created_ms: i64, id: &str) -> String {
    format!("{created_ms}.{id}")
}

fn parse_cursor(raw: &str) -> Result<(i64, MessageId), ApiError> {
    let bad = || invalid_query("cursor is not a cursor this endpoint gave (a page's `next`)");
    let (ms, id) = raw.split_once('.').ok_or_else(bad)?;
    let ms: i64 = ms.parse().map_err(|_| bad())?;
    let id: MessageId = id.parse().map_err(|_| bad())?;
    Ok((ms, id))
}

/// The messages the caller sent, newest first
///
/// Only the caller's own messages (the voucher's `consumerId`), whatever the filters. Newest
/// first by `created_at`, then by id; paged by `cursor`: `next`, present only when there is a
/// following page, is the `cursor` to ask it with (with the same filters). There is no total
/// count. Each item carries the citizen's read and archived status as the app set it (the
/// gateway has no read-status preference to withhold it).
#[utoipa::path(
    get,
    path = "/api/v1/messages",
    operation_id = "getSentMessages",
    tag = "messages",
    security(("interopVoucher" = [])),
    params(SentParams),
    responses(
        (status = 200, description = "A page of the caller's messages.", body = SentMessages),
        SentQueryRefused, VoucherRefused, EntityApiUnavailable,
    ),
)]
async fn list_sent(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiQuery(p): ApiQuery<SentParams>,
) -> Result<Json<SentMessages>, ApiError> {
    let limit = p.limit.unwrap_or(SENT_PAGE_DEFAULT);
    if !(1..=SENT_PAGE_MAX).contains(&limit) {
        return Err(invalid_query(format!("limit must be 1..{SENT_PAGE_MAX}")));
    }
    let configuration = p
        .configuration
        .as_deref()
        .map(|c| {
            c.parse::<ConfigurationId>()
                .map_err(|_| invalid_query("configuration must be a configuration id (a ULID)"))
        })
        .transpose()?;
    let from_ms = query_instant("from", p.from.as_deref())?;
    let to_ms = query_instant("to", p.to.as_deref())?;
    if let (Some(f), Some(t)) = (from_ms, to_ms)
        && f > t
    {
        return Err(invalid_query("from must not be after to"));
    }
    let before = p.cursor.as_deref().map(parse_cursor).transpose()?;
    let mut rows = st
        .store
        .sent(SentQuery {
            sender: sender.tenant.clone(),
            configuration,
            from_ms,
            to_ms,
            before,
            limit: limit + 1,
        })
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|s| cursor_of(s.created_ms, &s.item.id)))
        .flatten();
    Ok(Json(SentMessages {
        items: rows.into_iter().map(|s| s.item).collect(),
        next,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_ids_increase_within_a_millisecond() {
        let ids: Vec<_> = (0..1_000).map(|_| super::next_message_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn query_instants_round_up_to_the_millisecond() {
        let ms = |s: &str| super::query_instant("from", Some(s)).unwrap().unwrap();
        assert_eq!(ms("1970-01-01T00:00:01Z"), 1_000);
        assert_eq!(ms("1970-01-01T00:00:01.5Z"), 1_500);
        assert_eq!(ms("1970-01-01T00:00:01.5001Z"), 1_501);
        assert_eq!(ms("1970-01-01T01:00:01+01:00"), 1_000);
        assert!(super::query_instant("from", Some("yesterday")).is_err());
    }

    proptest::proptest! {
        /// Comparing a stored time (milliseconds) with the query's rounded-up instant is
        /// comparing the instants themselves: `from` inclusive, `to` exclusive.
        #[test]
        fn a_window_compares_instants(
            stored_ms in -5_000i64..5_000,
            query_ns in -5_000_000_000i64..5_000_000_000,
        ) {
            let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(query_ns)).unwrap();
            let raw = t.format(&time::format_description::well_known::Rfc3339).unwrap();
            let bound = super::query_instant("from", Some(&raw)).unwrap().unwrap();
            let stored_ns = stored_ms * 1_000_000;
            proptest::prop_assert_eq!(stored_ms >= bound, stored_ns >= query_ns);
            proptest::prop_assert_eq!(stored_ms < bound, stored_ns < query_ns);
        }
    }

    #[test]
    fn a_cursor_reads_back() {
        let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        let (ms, read) = super::parse_cursor(&super::cursor_of(1_767_323_045_678, id)).unwrap();
        assert_eq!((ms, read.as_str()), (1_767_323_045_678, id));
        for bad in ["", "12", "x.01ARZ3NDEKTSV4RRFFQ69G5FAV", "12.nope"] {
            assert!(super::parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
