//! The app's third-party endpoints: the gateway fetches the precondition, the details and the
//! attachments from the entity, on the citizen's behalf, and checks them before handing them on.

use super::AppState;
use super::callers::Citizen;
use super::communication::message_for;
use super::configurations::configuration_of;
use super::openapi::{
    AppKeyRefused, AttachmentNotFound, AttachmentRefused, AttachmentUnavailable, ContentForbidden,
    DetailsUnusable, EntityTimeout, EntityTooManyRequests, EntityUnavailable, FetchRefused,
    PreconditionUnusable, RemoteNotFound,
};
use super::problem::{ApiError, ApiPath, problem};
use crate::domain::configuration::{Configuration, Use, configuration_gone};
use crate::domain::message::{Message, Reader};
use crate::domain::remote::{
    ThirdPartyMessage, attachment_path, check_details, check_precondition, entity_segment,
    environment, lollipop_enabled, precondition_needed,
};
use crate::domain::{Code, ConfigurationId, MessageId, TenantId};
use crate::fetch::lollipop::LollipopHeaders;
use crate::fetch::{Call, lollipop};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use provider_sdk::contract::schema::{ServiceId, TimeToLiveSeconds, Timestamp};
use provider_sdk::contract::{
    FiscalCode, MessageContent, PreconditionContent, RemoteContentDetails,
    RemoteContentDetailsResponse, ThirdPartyData,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(details))
        .routes(routes!(precondition))
        .routes(routes!(attachment))
}

/// An attachment's bytes (the answer's schema).
pub(crate) struct Pdf;

impl utoipa::PartialSchema for Pdf {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
        Schema::from(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
        )
        .into()
    }
}

impl ToSchema for Pdf {}

/// Everything a fetch needs: the message, what the entity declared, its configuration, and the
/// lollipop headers to pass on.
struct Context {
    message: Message,
    tpd: ThirdPartyData,
    configuration: Configuration,
    lollipop: Vec<(HeaderName, HeaderValue)>,
}

/// Who asks for a message's remote content.
#[derive(Clone, Copy)]
pub(crate) enum Viewer<'a> {
    /// The app backend for its citizen, with the headers it sent (the citizen's lollipop ones).
    App(&'a HeaderMap),
    /// An entity previewing what its test user sees: only its own messages to that citizen;
    /// lollipop, when enabled, is signed by a test device made for the request.
    Preview(&'a TenantId),
}

impl Viewer<'_> {
    fn reader<'a>(&'a self, fc: &'a FiscalCode) -> Reader<'a> {
        match self {
            Viewer::App(_) => Reader::Citizen(fc),
            Viewer::Preview(sender) => Reader::Preview(sender, fc),
        }
    }

    /// The lollipop headers to pass on for a fetch of `id` (`app_suffix`: what follows the
    /// message id in the app's URL).
    fn lollipop(
        &self,
        fc: &FiscalCode,
        id: &MessageId,
        app_suffix: &str,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, ApiError> {
        match self {
            Viewer::App(headers) => Ok(lollipop::forwarded(headers, fc)?),
            Viewer::Preview(_) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                // A header value is visible ASCII: anything else of the url percent-encoded.
                let suffix: String = app_suffix
                    .bytes()
                    .map(|b| match b {
                        0x21..=0x7e => char::from(b).to_string(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                let url = format!("{PREVIEW_APP_URL}/{id}{suffix}");
                let headers = crate::probe::device::Device::generate()
                    .sign(fc, &url, now)
                    .map_err(|e| problem(Code::LOLLIPOP_HEADERS_INVALID, e))?;
                Ok(lollipop::forwarded(&headers, fc)?)
            }
        }
    }
}

/// The URL a preview's test device signs (`x-pagopa-lollipop-original-url`): the app API's path
/// under a host that is no app backend, so the signature cannot stand for a real app request.
pub const PREVIEW_APP_URL: &str =
    "https://recapito-preview.invalid/api/communication/v1/third-party-messages";

async fn context(
    st: &AppState,
    fc: &FiscalCode,
    id: &MessageId,
    viewer: Viewer<'_>,
    app_suffix: &str,
) -> Result<Context, ApiError> {
    let message = message_for(st, id, viewer.reader(fc)).await?;
    let tpd = message.content.third_party_data.clone().ok_or_else(|| {
        problem(
            Code::NOT_A_REMOTE_CONTENT_MESSAGE,
            "this message has no remote content",
        )
    })?;
    // Checked at submission: a stored one is a ULID.
    let config_id: ConfigurationId = tpd
        .configuration_id
        .as_deref()
        .and_then(|c| c.parse().ok())
        .ok_or_else(configuration_gone)?;
    let configuration = configuration_of(st, &message.sender, &config_id, Use::ForMessage).await?;
    let lollipop = if lollipop_enabled(&configuration, fc) {
        viewer.lollipop(fc, id, app_suffix)?
    } else {
        Vec::new()
    };
    Ok(Context {
        message,
        tpd,
        configuration,
        lollipop,
    })
}

impl Context {
    fn call(&self, fc: &FiscalCode, path: String) -> Result<Call<'_>, ApiError> {
        let env = environment(&self.configuration, fc)?;
        Ok(Call {
            base_url: &env.base_url,
            auth: &env.auth,
            fiscal_code: &self.message.fiscal_code,
            lollipop: &self.lollipop,
            path,
        })
    }

    fn entity_path(&self, rest: &str) -> String {
        format!("messages/{}{rest}", entity_segment(&self.tpd.id))
    }

    fn stored(&self) -> RemoteContentDetails {
        RemoteContentDetails {
            subject: self.message.content.subject.clone(),
            markdown: self.message.content.markdown.clone(),
        }
    }
}

/// The precondition to show before the message
///
/// IO's `getThirdPartyMessagePrecondition`: fetches
/// `{base_url}/messages/{third_party_data.id}/precondition`, only when `has_precondition` is
/// ALWAYS, or ONCE and the message is unread (otherwise `204`, no body, and the entity is not
/// called). The gateway calls the entity of the message's configuration (the test environment for
/// its `test_users`) with the citizen's `fiscal_code` header, the configured authentication and,
/// when the configuration enables lollipop for the citizen, the lollipop headers (then required;
/// checked, then passed through).
#[utoipa::path(
    get,
    path = "/api/communication/v1/third-party-messages/{id}/precondition",
    operation_id = "getThirdPartyMessagePrecondition",
    tag = "app",
    security(("appApiKey" = [])),
    params(Citizen, ("id" = MessageId, Path, description = "The message id (a ULID)."), LollipopHeaders),
    responses(
        (status = 200, description = "The precondition.", body = PreconditionContent),
        (status = 204, description = "No precondition is needed (`has_precondition` is NEVER or absent, or ONCE and the message was read): the app opens the message. No body."),
        FetchRefused, AppKeyRefused, ContentForbidden, RemoteNotFound, EntityTooManyRequests,
        PreconditionUnusable, EntityUnavailable, EntityTimeout,
    ),
)]
async fn precondition(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiPath(id): ApiPath<MessageId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    precondition_of(&st, &fc, &id, Viewer::App(&headers)).await
}

/// The precondition of a message as `viewer` asks for it: never marks anything (a ONCE
/// precondition is shown until the app marks the message read).
pub(crate) async fn precondition_of(
    st: &AppState,
    fc: &FiscalCode,
    id: &MessageId,
    viewer: Viewer<'_>,
) -> Result<Response, ApiError> {
    let ctx = context(st, fc, id, viewer, "/precondition").await?;
    if !precondition_needed(&ctx.tpd, ctx.message.is_read) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let p: PreconditionContent = st
        .fetcher
        .json(&ctx.call(fc, ctx.entity_path("/precondition"))?)
        .await?;
    check_precondition(&p)?;
    Ok(Json(p).into_response())
}

/// The message (as submitted) and the entity's content.
///
/// IO's `ThirdPartyMessageWithContent`.
#[derive(Serialize, ToSchema)]
#[schema(as = ThirdPartyMessageWithContent)]
pub(crate) struct WithContent {
    id: MessageId,
    #[schema(value_type = FiscalCode)]
    fiscal_code: String,
    #[schema(value_type = Timestamp)]
    created_at: String,
    #[schema(value_type = ServiceId)]
    sender_service_id: String,
    #[schema(value_type = TimeToLiveSeconds)]
    time_to_live: u32,
    content: MessageContent,
    third_party_message: ThirdPartyMessage,
}

async fn fetch_details(
    st: &AppState,
    ctx: &Context,
    fc: &FiscalCode,
) -> Result<ThirdPartyMessage, ApiError> {
    let answer: RemoteContentDetailsResponse =
        st.fetcher.json(&ctx.call(fc, ctx.entity_path(""))?).await?;
    Ok(check_details(&ctx.tpd, &ctx.stored(), answer)?)
}

/// A third-party message with the entity's content
///
/// IO's `getThirdPartyMessage`: fetches `{base_url}/messages/{third_party_data.id}` and checks
/// the answer against the flags the message was submitted with: without `has_attachments` no
/// attachments are passed on, without `has_remote_content` the details are the submitted
/// subject and markdown. The gateway calls the entity of the message's configuration (the test
/// environment for its `test_users`) with the citizen's `fiscal_code` header, the configured
/// authentication and, when the configuration enables lollipop for the citizen, the lollipop
/// headers (then required; checked, then passed through).
#[utoipa::path(
    get,
    path = "/api/communication/v1/third-party-messages/{id}",
    operation_id = "getThirdPartyMessage",
    tag = "app",
    security(("appApiKey" = [])),
    params(Citizen, ("id" = MessageId, Path, description = "The message id (a ULID)."), LollipopHeaders),
    responses(
        (status = 200, description = "The message with the entity's content.", body = WithContent),
        FetchRefused, AppKeyRefused, ContentForbidden, RemoteNotFound, EntityTooManyRequests,
        DetailsUnusable, EntityUnavailable, EntityTimeout,
    ),
)]
async fn details(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiPath(id): ApiPath<MessageId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    details_of(&st, &fc, &id, Viewer::App(&headers)).await
}

/// A message with the entity's content, as `viewer` asks for it.
pub(crate) async fn details_of(
    st: &AppState,
    fc: &FiscalCode,
    id: &MessageId,
    viewer: Viewer<'_>,
) -> Result<Response, ApiError> {
    let ctx = context(st, fc, id, viewer, "").await?;
    let third_party_message = fetch_details(st, &ctx, fc).await?;
    let m = ctx.message;
    // Both markdowns dominate the answer: one buffer sized for them (Json's starts at 128 bytes
    // and grows by doubling).
    let size = 1024
        + 2 * (m.content.markdown.len() + third_party_message.details.markdown.len())
        + 512 * third_party_message.attachments.len();
    let mut body = Vec::with_capacity(size);
    let written = serde_json::to_writer(
        &mut body,
        &WithContent {
            id: m.id,
            fiscal_code: m.fiscal_code.to_string(),
            created_at: m.created_at,
            sender_service_id: m.sender_service_id,
            time_to_live: m.time_to_live,
            content: m.content,
            third_party_message,
        },
    );
    // As `Json` answers (plain structs: it does not fail).
    Ok(match written {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(e) => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            e.to_string(),
        )
            .into_response(),
    })
}

/// An attachment of a third-party message
///
/// IO's `getThirdPartyMessageAttachment`: only a `url` among the attachments the entity lists
/// for the message (fetched again) can be downloaded; the gateway fetches
/// `{base_url}/messages/{third_party_data.id}/{url}` (the url's leading `/` removed), checks
/// that it is a PDF/A-2, not encrypted, within the size limit, and streams it. The gateway calls
/// the entity of the message's configuration (the test environment for its `test_users`) with the
/// citizen's `fiscal_code` header, the configured authentication and, when the configuration
/// enables lollipop for the citizen, the lollipop headers (then required; checked, then passed
/// through).
///
/// The app's `attachment_url` may hold slashes and a query string.
#[utoipa::path(
    get,
    path = "/api/communication/v1/third-party-messages/{id}/attachments/{*attachment_url}",
    operation_id = "getThirdPartyMessageAttachment",
    tag = "app",
    security(("appApiKey" = [])),
    params(Citizen, ("id" = MessageId, Path, description = "The message id (a ULID)."), LollipopHeaders,
        ("attachment_url" = String, Path, min_length = 1,
         description = "The attachment's `url` as the entity listed it (without its leading `/`): the rest of the path, slashes and query string included."),
    ),
    responses(
        (status = 200, description = "The PDF.", content_type = "application/octet-stream", body = inline(Pdf), headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"{name}\"`."),
            ("Content-Length" = i64, description = "The size in bytes."),
        )),
        FetchRefused, AppKeyRefused, ContentForbidden, AttachmentNotFound, AttachmentRefused,
        EntityTooManyRequests, DetailsUnusable, AttachmentUnavailable, EntityTimeout,
    ),
)]
async fn attachment(
    State(st): State<AppState>,
    Citizen(fc): Citizen,
    ApiPath((id, url)): ApiPath<(MessageId, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    attachment_of(&st, &fc, &id, url, &uri, Viewer::App(&headers)).await
}

/// An attachment of a message, as `viewer` asks for it: `url` is the path's rest, `uri` the
/// request's (its query string belongs to the url).
pub(crate) async fn attachment_of(
    st: &AppState,
    fc: &FiscalCode,
    id: &MessageId,
    url: String,
    uri: &Uri,
    viewer: Viewer<'_>,
) -> Result<Response, ApiError> {
    let requested = match uri.query() {
        Some(q) => format!("{url}?{q}"),
        None => url,
    };
    let suffix = format!("/attachments/{requested}");
    let ctx = context(st, fc, id, viewer, &suffix).await?;
    let listed = fetch_details(st, &ctx, fc).await?;
    let wanted = attachment_path(&requested);
    let Some(found) = listed
        .attachments
        .iter()
        .find(|a| attachment_path(&a.url) == wanted)
    else {
        return Err(problem(
            Code::ATTACHMENT_NOT_LISTED,
            "this url is not one of the message's attachments",
        ));
    };
    let path = st
        .fetcher
        .attachment(&ctx.call(
            fc,
            ctx.entity_path(&format!("/{}", attachment_path(&found.url))),
        )?)
        .await?;
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        problem(
            Code::ENTITY_INVALID_RESPONSE,
            format!("spooled attachment vanished: {e}"),
        )
    })?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    // The open handle keeps the bytes readable; the spool file's name goes now.
    drop(path);
    // 256 KiB reads: 4 KiB ones cost a blocking-pool round trip each (docs/benchmarks.md).
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        file,
        256 * 1024,
    ));
    let name = found
        .name
        .clone()
        .unwrap_or_else(|| "attachment.pdf".into())
        .replace('"', "");
    Ok((
        [
            // IO's app contract answers the bytes as `application/octet-stream`; the file name
            // (and the metadata's `content_type`) say it is a PDF.
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
