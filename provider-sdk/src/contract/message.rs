//! Message submission (IO's `NewMessage` with `third_party_data`,
//! `../shared/specs/io-message-submission.yaml`).

use super::HasPrecondition;
use serde::{Deserialize, Serialize};

pub const SUBJECT_LEN: std::ops::RangeInclusive<usize> = 10..=120;
pub const MARKDOWN_LEN: std::ops::RangeInclusive<usize> = 80..=10_000;
pub const TIME_TO_LIVE: std::ops::RangeInclusive<u32> = 3_600..=604_800;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeatureLevelType {
    #[default]
    Standard,
    Advanced,
}

/// What the entity declares about the remote content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThirdPartyData {
    /// The entity's correlation id: the gateway asks `{base_url}/messages/{id}`.
    pub id: String,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub original_sender: Option<String>,
    /// ISO-8601 UTC.
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub original_receipt_date: Option<String>,
    #[serde(default)]
    pub has_attachments: bool,
    #[serde(default)]
    pub has_remote_content: bool,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub has_precondition: Option<HasPrecondition>,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub summary: Option<String>,
    /// The remote-content configuration (a ULID) the gateway fetches with.
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub configuration_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageContent {
    pub subject: String,
    pub markdown: String,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub require_secure_channels: Option<bool>,
    /// ISO-8601 UTC.
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<String>,
    /// IO's `PaymentData`: checked by the receiver as IO's contract says (amount, notice number,
    /// payee), then kept as given. A JSON value so a bad member gets a field-level error.
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub payment_data: Option<serde_json::Value>,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub third_party_data: Option<ThirdPartyData>,
    /// IO's `EUCovidCert` (`{"auth_code"}`): checked by the receiver, then kept as given.
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub eu_covid_cert: Option<serde_json::Value>,
}

/// `POST /api/v1/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Checked by the receiver (a [`super::FiscalCode`]), so a bad one gets a field-level error.
    pub fiscal_code: String,
    pub content: MessageContent,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_to_live: Option<u32>,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub feature_level_type: Option<FeatureLevelType>,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_addresses: Option<serde_json::Value>,
}

/// `201` answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedMessage {
    pub id: String,
}
