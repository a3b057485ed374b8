//! What both backends read and write the same way: the column lists, the feature level's
//! spelling, and the decoding of stored rows into domain types (a row that does not decode is
//! `StoreError::Corrupt`, never a panic). Each backend only takes the raw columns out of its own
//! row type.

use super::{Sent, StoreError};
use crate::domain::configuration::Configuration;
use crate::domain::message::{Message, MessageSummary};
use crate::domain::{MessageId, TenantId};
use provider_sdk::contract::{FeatureLevelType, FiscalCode, SentMessageItem};
use serde::{Deserialize, Deserializer};

/// The columns an inbox page reads (never `content`).
pub(crate) const SUMMARY_COLUMNS: &str = "id, fiscal_code, sender, sender_service_id, \
     created_at, time_to_live, subject, has_attachments, has_precondition, is_read, is_archived";

pub(crate) fn level_str(l: FeatureLevelType) -> &'static str {
    match l {
        FeatureLevelType::Standard => "STANDARD",
        FeatureLevelType::Advanced => "ADVANCED",
    }
}

fn level_from(s: &str) -> FeatureLevelType {
    match s {
        "ADVANCED" => FeatureLevelType::Advanced,
        _ => FeatureLevelType::Standard,
    }
}

fn corrupt(id: &str, what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(id.to_owned(), what.into())
}

fn fiscal_code(id: &str, s: &str) -> Result<FiscalCode, StoreError> {
    FiscalCode::parse(s).map_err(|_| corrupt(id, "fiscal_code"))
}

fn time_to_live(id: &str, ttl: i64) -> Result<u32, StoreError> {
    u32::try_from(ttl).map_err(|_| corrupt(id, "time_to_live"))
}

/// A message id as stored (the gateway wrote it: another spelling is a corrupt row).
pub(crate) fn message_id(id: String) -> Result<MessageId, StoreError> {
    id.parse().map_err(|_| corrupt(&id, "id"))
}

/// A configuration's stored body.
pub(crate) fn configuration(id: &str, body: &str) -> Result<Configuration, StoreError> {
    serde_json::from_str(body).map_err(|e| corrupt(id, e.to_string()))
}

/// The columns a sender's listing reads (never `content`).
pub(crate) const SENT_COLUMNS: &str =
    "id, fiscal_code, subject, created_at, created_ms, configuration_id, is_read, is_archived";

/// The `SENT_COLUMNS` of a row. Deserializable too, for SQLite's `json_object`.
#[derive(Deserialize)]
pub(crate) struct SentRow {
    pub id: String,
    pub fiscal_code: String,
    pub subject: String,
    pub created_at: String,
    pub created_ms: i64,
    pub configuration_id: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub is_read: bool,
    #[serde(deserialize_with = "flag")]
    pub is_archived: bool,
}

impl SentRow {
    pub fn into_sent(self) -> Result<Sent, StoreError> {
        // Both were written by the gateway: checked as any other stored id and fiscal code.
        let id = message_id(self.id)?;
        let fiscal_code = fiscal_code(id.as_str(), &self.fiscal_code)?;
        Ok(Sent {
            created_ms: self.created_ms,
            item: SentMessageItem {
                id: id.to_string(),
                fiscal_code: fiscal_code.to_string(),
                subject: self.subject,
                created_at: self.created_at,
                configuration_id: self.configuration_id,
                is_read: self.is_read,
                is_archived: self.is_archived,
            },
        })
    }
}

/// The columns of a `messages` row, as the backend read them.
pub(crate) struct MessageRow<'a> {
    pub id: String,
    pub fiscal_code: &'a str,
    pub sender: String,
    pub sender_service_id: String,
    pub created_at: String,
    pub time_to_live: i64,
    pub feature_level: &'a str,
    pub content: &'a str,
    pub is_read: bool,
    pub is_archived: bool,
}

impl MessageRow<'_> {
    pub fn into_message(self) -> Result<Message, StoreError> {
        let id = self.id;
        Ok(Message {
            fiscal_code: fiscal_code(&id, self.fiscal_code)?,
            time_to_live: time_to_live(&id, self.time_to_live)?,
            content: serde_json::from_str(self.content).map_err(|e| corrupt(&id, e.to_string()))?,
            feature_level_type: level_from(self.feature_level),
            sender: TenantId::new(self.sender),
            sender_service_id: self.sender_service_id,
            created_at: self.created_at,
            is_read: self.is_read,
            is_archived: self.is_archived,
            id: message_id(id)?,
        })
    }
}

/// The `SUMMARY_COLUMNS` of a row. Deserializable too, for SQLite's `json_object`, which
/// writes the flags as 0/1.
#[derive(Deserialize)]
pub(crate) struct SummaryRow {
    pub id: String,
    pub fiscal_code: String,
    pub sender: String,
    pub sender_service_id: String,
    pub created_at: String,
    pub time_to_live: i64,
    pub subject: String,
    #[serde(deserialize_with = "flag")]
    pub has_attachments: bool,
    #[serde(deserialize_with = "flag")]
    pub has_precondition: bool,
    #[serde(deserialize_with = "flag")]
    pub is_read: bool,
    #[serde(deserialize_with = "flag")]
    pub is_archived: bool,
}

/// A boolean stored as an integer (SQLite) or as a boolean.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Int(i) => i != 0,
    })
}

impl SummaryRow {
    pub fn into_summary(self) -> Result<MessageSummary, StoreError> {
        let id = self.id;
        Ok(MessageSummary {
            fiscal_code: fiscal_code(&id, &self.fiscal_code)?,
            time_to_live: time_to_live(&id, self.time_to_live)?,
            sender: TenantId::new(self.sender),
            sender_service_id: self.sender_service_id,
            created_at: self.created_at,
            subject: self.subject,
            has_attachments: self.has_attachments,
            has_precondition: self.has_precondition,
            is_read: self.is_read,
            is_archived: self.is_archived,
            id: message_id(id)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_flags_read_as_integers_or_booleans() {
        let row = |flags: &str| {
            serde_json::from_str::<SummaryRow>(&format!(
                r#"{{"id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","fiscal_code":"SPNDNL80R13C555X","sender":"s",
                    "sender_service_id":"p","created_at":"c","time_to_live":3600,"subject":"x",{flags}}}"#
            ))
            .unwrap()
            .into_summary()
            .unwrap()
        };
        let ints = row(r#""has_attachments":1,"has_precondition":0,"is_read":1,"is_archived":0"#);
        let bools = row(
            r#""has_attachments":true,"has_precondition":false,"is_read":true,"is_archived":false"#,
        );
        assert_eq!(ints, bools);
        assert!(ints.has_attachments && ints.is_read && !ints.has_precondition);
    }

    #[test]
    fn undecodable_columns_are_corrupt_rows() {
        let row = MessageRow {
            id: "m".into(),
            fiscal_code: "SPNDNL80R13C555X",
            sender: "s".into(),
            sender_service_id: "p".into(),
            created_at: "c".into(),
            time_to_live: -1,
            feature_level: "STANDARD",
            content: "{}",
            is_read: false,
            is_archived: false,
        };
        let Err(StoreError::Corrupt(id, what)) = row.into_message() else {
            panic!("a negative time_to_live decoded");
        };
        assert_eq!((id.as_str(), what.as_str()), ("m", "time_to_live"));
    }
}
