//! Message submission (IO's `NewMessage` with `third_party_data`,
//! `../shared/specs/io-message-submission.yaml`).

use super::HasPrecondition;
use serde::{Deserialize, Serialize};

pub const SUBJECT_LEN: std::ops::RangeInclusive<usize> = 10..=120;
pub const MARKDOWN_LEN: std::ops::RangeInclusive<usize> = 80..=10_000;
pub const TIME_TO_LIVE: std::ops::RangeInclusive<u32> = 3_600..=604_800;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(default = "STANDARD")
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeatureLevelType {
    #[default]
    Standard,
    Advanced,
}

/// What the entity declares about the content it keeps: the gateway fetches it from the
/// configuration's `base_url` at `/messages/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThirdPartyData {
    /// The entity's id for the content: any string (IO's bounds), e.g. `TARI:2026:0001`, except
    /// `.` and `..` (which would be dot segments at the entity). The gateway asks
    /// `{base_url}/messages/{id}` with the id as one path segment, percent-encoded but for
    /// letters, digits and `- . _ ~` (`TARI:2026:0001` is `TARI%3A2026%3A0001`, `a/b` is
    /// `a%2Fb`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub id: String,
    /// A ServiceId or the sender's name.
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, min_length = 1, max_length = 200)
    )]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub original_sender: Option<String>,
    /// ISO-8601 UTC.
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::Timestamp>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub original_receipt_date: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = false))]
    pub has_attachments: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = false))]
    pub has_remote_content: bool,
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub has_precondition: Option<HasPrecondition>,
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, min_length = 1, max_length = 1000)
    )]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub summary: Option<String>,
    /// One of the sender's remote-content configurations; required whenever `third_party_data`
    /// is present.
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::Ulid>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub configuration_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageContent {
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::MessageSubject))]
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::MessageBodyMarkdown))]
    pub markdown: String,
    /// When true, no email notification (push only).
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub require_secure_channels: Option<bool>,
    /// ISO-8601 UTC.
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::Timestamp>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<String>,
    /// IO's `PaymentData`: checked by the receiver as IO's contract says (amount, notice number,
    /// payee), then kept as given. A JSON value so a bad member gets a field-level error.
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::PaymentData>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub payment_data: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub third_party_data: Option<ThirdPartyData>,
    /// IO's `EUCovidCert` (`{"auth_code"}`): checked by the receiver, then kept as given.
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::EUCovidCert>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub eu_covid_cert: Option<serde_json::Value>,
}

/// `POST /api/v1/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMessage {
    /// Checked by the receiver (a `FiscalCode`), so a bad one gets a field-level error.
    #[cfg_attr(feature = "openapi", schema(value_type = super::FiscalCode))]
    pub fiscal_code: String,
    pub content: MessageContent,
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::TimeToLiveSeconds>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_to_live: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub feature_level_type: Option<FeatureLevelType>,
    #[cfg_attr(feature = "openapi", schema(nullable = false, inline, value_type = Option<super::schema::DefaultAddresses>))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_addresses: Option<serde_json::Value>,
}

/// One message of a sender's listing of what it sent (`GET /api/v1/messages`): what it is,
/// whom it is for, and what the citizen did with it; never its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentMessageItem {
    /// The message id.
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::Ulid))]
    pub id: String,
    /// The citizen it is for (the sender wrote it: it is not masked).
    #[cfg_attr(feature = "openapi", schema(value_type = super::FiscalCode))]
    pub fiscal_code: String,
    /// `content.subject`.
    pub subject: String,
    /// When the gateway accepted it (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::Timestamp))]
    pub created_at: String,
    /// `content.third_party_data.configuration_id`: the remote-content configuration it was sent
    /// with; absent for a message without remote content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<super::schema::Ulid>))]
    pub configuration_id: Option<String>,
    /// The citizen opened it.
    pub is_read: bool,
    /// The citizen archived it.
    pub is_archived: bool,
}

/// A page of a sender's sent messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentMessages {
    /// At most `limit` messages.
    pub items: Vec<SentMessageItem>,
    /// The `cursor` of the following page (an opaque string); absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next: Option<String>,
}

/// `201` answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedMessage {
    /// The message id.
    #[cfg_attr(feature = "openapi", schema(value_type = super::schema::Ulid))]
    pub id: String,
}
