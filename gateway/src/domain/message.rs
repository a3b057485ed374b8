//! Messages: validation of a submission, the stored form, and what the app sees.

use super::error::{Code, GatewayError, Result};
use super::remote::is_dot_segment;
use super::validate::{Violations, timestamp, ulid};
use provider_sdk::contract::message::{MARKDOWN_LEN, SUBJECT_LEN, TIME_TO_LIVE};
use provider_sdk::contract::{FeatureLevelType, FiscalCode, MessageContent, NewMessage};
use serde::{Deserialize, Serialize};

pub const DEFAULT_TIME_TO_LIVE: u32 = 3_600;

/// Who submits: from the entity's voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The Interop consumer (the entity's tenant id): owner of configurations and messages.
    pub tenant: String,
    /// The purpose the voucher was issued for: IO's `sender_service_id`.
    pub service_id: String,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// A ULID: time-ordered, so "newest first" is "largest id first".
    pub id: String,
    pub fiscal_code: FiscalCode,
    pub sender: String,
    pub sender_service_id: String,
    /// RFC 3339, UTC, milliseconds.
    pub created_at: String,
    pub time_to_live: u32,
    pub feature_level_type: FeatureLevelType,
    pub content: MessageContent,
    pub is_read: bool,
    pub is_archived: bool,
}

/// What a citizen's inbox shows of a message: no markdown, no details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub id: String,
    pub fiscal_code: FiscalCode,
    pub sender: String,
    pub sender_service_id: String,
    pub created_at: String,
    pub time_to_live: u32,
    pub subject: String,
    pub has_attachments: bool,
    /// A precondition is shown (ALWAYS or ONCE) before the message opens.
    pub has_precondition: bool,
    pub is_read: bool,
    pub is_archived: bool,
}

impl Message {
    /// The entity declared attachments.
    pub fn has_attachments(&self) -> bool {
        self.content
            .third_party_data
            .as_ref()
            .is_some_and(|t| t.has_attachments)
    }

    /// The entity declared a precondition the app shows (ALWAYS or ONCE).
    pub fn has_precondition(&self) -> bool {
        self.content.third_party_data.as_ref().is_some_and(|t| {
            t.has_precondition
                .is_some_and(|p| p != provider_sdk::contract::HasPrecondition::Never)
        })
    }

    pub fn summary(&self) -> MessageSummary {
        MessageSummary {
            id: self.id.clone(),
            fiscal_code: self.fiscal_code.clone(),
            sender: self.sender.clone(),
            sender_service_id: self.sender_service_id.clone(),
            created_at: self.created_at.clone(),
            time_to_live: self.time_to_live,
            subject: self.content.subject.clone(),
            has_attachments: self.has_attachments(),
            has_precondition: self.has_precondition(),
            is_read: self.is_read,
            is_archived: self.is_archived,
        }
    }
}

/// A submission that passed every static check; the configuration it names (if any) still has
/// to be looked up and owned by the sender.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub fiscal_code: FiscalCode,
    pub time_to_live: u32,
    pub feature_level_type: FeatureLevelType,
    pub content: MessageContent,
    pub configuration_id: Option<String>,
}

/// Every constraint of SPEC §2 and the reference contract that needs no I/O.
pub fn validate(m: NewMessage) -> Result<Submission> {
    let mut v = Violations::default();
    let fiscal_code = FiscalCode::parse(&m.fiscal_code);
    v.check(
        fiscal_code.is_ok(),
        "fiscal_code",
        "fiscal_code is not a fiscal code",
    );
    v.text("content.subject", &m.content.subject, SUBJECT_LEN);
    v.text("content.markdown", &m.content.markdown, MARKDOWN_LEN);
    let ttl = m.time_to_live.unwrap_or(DEFAULT_TIME_TO_LIVE);
    v.check(
        TIME_TO_LIVE.contains(&ttl),
        "time_to_live",
        "time_to_live must be 3600..604800 seconds",
    );
    if let Some(d) = &m.content.due_date {
        timestamp(&mut v, "content.due_date", d);
    }
    let level = m.feature_level_type.unwrap_or_default();
    let mut configuration_id = None;
    if let Some(t) = &m.content.third_party_data {
        // IO's bounds: any string of at least one character (entities use `TARI:2026:0001`); it
        // reaches the entity percent-encoded as one path segment (`remote::entity_segment`).
        v.check(
            !t.id.is_empty(),
            "content.third_party_data.id",
            "content.third_party_data.id must be at least 1 character",
        );
        v.check(
            !is_dot_segment(&t.id),
            "content.third_party_data.id",
            "third_party_data.id cannot be \".\" or \"..\": the entity would read it as a relative path",
        );
        if let Some(s) = &t.original_sender {
            v.text("content.third_party_data.original_sender", s, 1..=200);
        }
        if let Some(s) = &t.summary {
            v.text("content.third_party_data.summary", s, 1..=1000);
        }
        if let Some(d) = &t.original_receipt_date {
            timestamp(&mut v, "content.third_party_data.original_receipt_date", d);
        }
        match &t.configuration_id {
            None => {}
            Some(c) => v.check(
                ulid(c).is_some(),
                "content.third_party_data.configuration_id",
                "configuration_id must be a ULID",
            ),
        }
        configuration_id = t.configuration_id.clone();
    }
    v.into_result()?;
    if let Some(t) = &m.content.third_party_data {
        if t.configuration_id.is_none() {
            return Err(GatewayError::new(
                Code::CONFIGURATION_ID_REQUIRED,
                "third_party_data needs the configuration_id the gateway fetches the content with",
            )
            .with_field("content.third_party_data.configuration_id"));
        }
        if t.has_attachments && level != FeatureLevelType::Advanced {
            return Err(GatewayError::new(
                Code::ADVANCED_REQUIRED,
                "messages with attachments need feature_level_type ADVANCED",
            )
            .with_field("feature_level_type"));
        }
    }
    Ok(Submission {
        fiscal_code: fiscal_code
            .map_err(|_| GatewayError::field("fiscal_code", "fiscal_code is not a fiscal code"))?,
        time_to_live: ttl,
        feature_level_type: level,
        content: m.content,
        configuration_id,
    })
}

impl GatewayError {
    pub fn with_field(mut self, field: &str) -> Self {
        self.fields.push(field.to_owned());
        self
    }
}

impl Submission {
    /// The message as stored, with its id and time.
    pub fn into_message(self, id: String, created_at: String, sender: &Sender) -> Message {
        Message {
            id,
            fiscal_code: self.fiscal_code,
            sender: sender.tenant.clone(),
            sender_service_id: sender.service_id.clone(),
            created_at,
            time_to_live: self.time_to_live,
            feature_level_type: self.feature_level_type,
            content: self.content,
            is_read: false,
            is_archived: false,
        }
    }
}

/// A status change from the app (IO's `MessageStatusChange`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusChange {
    pub change_type: String,
    #[serde(default)]
    pub is_read: Option<bool>,
    #[serde(default)]
    pub is_archived: Option<bool>,
}

/// The new `(is_read, is_archived)` to set (None: unchanged), per IO's three change types.
pub fn status_change(c: &StatusChange) -> Result<(Option<bool>, Option<bool>)> {
    let read_only_true = |r: Option<bool>| match r {
        Some(false) => Err(GatewayError::field(
            "is_read",
            "a message cannot be marked unread",
        )),
        other => Ok(other),
    };
    match c.change_type.as_str() {
        "reading" => match c.is_read {
            Some(true) => Ok((Some(true), None)),
            _ => Err(GatewayError::field(
                "is_read",
                "reading needs is_read: true",
            )),
        },
        "archiving" => match c.is_archived {
            Some(a) => Ok((None, Some(a))),
            None => Err(GatewayError::field(
                "is_archived",
                "archiving needs is_archived",
            )),
        },
        "bulk" => match c.is_archived {
            Some(a) => Ok((read_only_true(c.is_read)?, Some(a))),
            None => Err(GatewayError::field("is_archived", "bulk needs is_archived")),
        },
        other => Err(GatewayError::field(
            "change_type",
            format!("change_type {other:?} is not reading, archiving or bulk"),
        )),
    }
}
