//! What an entity serves at its three endpoints (`../shared/specs/io-remote-content.yaml`):
//! `GET {base_url}/messages/{id}/precondition`, `GET {base_url}/messages/{id}`,
//! `GET {base_url}/messages/{id}/{attachment url}`.

use serde::{Deserialize, Serialize};

/// The notice shown before the message is opened (checked by the gateway: a title and safe
/// markdown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ThirdPartyMessagePrecondition))]
pub struct PreconditionContent {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub title: String,
    /// Markdown without raw HTML or links the app cannot open safely.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub markdown: String,
}

/// The message body held by the entity (checked by the gateway as a submission's; markdown
/// without raw HTML or unsafe links), or the submitted one when the message has no
/// `has_remote_content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteContentDetails {
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::MessageSubject))]
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::MessageBodyMarkdown))]
    pub markdown: String,
}

/// An attachment the entity lists: a PDF the gateway downloads from
/// `{base_url}/messages/{id}/{url}`. The gateway hands on only checked ones: ids unique within
/// the message, `content_type` and `name` present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ThirdPartyAttachment))]
pub struct RemoteContentAttachment {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, inline, value_type = super::schema::PdfContentType))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// A file name ending in `.pdf`.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = String, min_length = 5, pattern = r"^[^/\\]*\.[pP][dD][fF]$"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Relative to `{base_url}/messages/{third_party_data.id}/`: no scheme, host, `.`/`..`
    /// segment, backslash, encoded slash or whitespace.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub url: String,
    /// As the entity gave it (absent when it gave none).
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, pattern = "^[A-Z0-9_]{2,30}$")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// `GET {base_url}/messages/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteContentDetailsResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<RemoteContentDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<RemoteContentAttachment>>,
}
