//! Messages: validation of a submission, the stored form, and what the app sees.

use super::error::{Code, GatewayError, Result};
use super::ids::{ConfigurationId, MessageId, TenantId};
use super::remote::is_dot_segment;
use super::validate::{Violations, timestamp};
use provider_sdk::contract::message::{MARKDOWN_LEN, SUBJECT_LEN, TIME_TO_LIVE};
use provider_sdk::contract::{FeatureLevelType, FiscalCode, MessageContent, NewMessage, schema};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const DEFAULT_TIME_TO_LIVE: u32 = 3_600;

/// Who submits: from the entity's voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The Interop consumer (the entity's tenant id): owner of configurations and messages.
    pub tenant: TenantId,
    /// The purpose the voucher was issued for: IO's `sender_service_id`.
    pub service_id: String,
}

/// A message as stored, for its sender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = SentMessage)]
pub struct Message {
    /// Time-ordered, so "newest first" is "largest id first".
    pub id: MessageId,
    pub fiscal_code: FiscalCode,
    /// The sender's Interop tenant (the voucher's `consumerId`).
    #[schema(value_type = String)]
    pub sender: TenantId,
    #[schema(value_type = schema::ServiceId)]
    pub sender_service_id: String,
    /// RFC 3339, UTC, milliseconds.
    #[schema(value_type = schema::Timestamp)]
    pub created_at: String,
    #[schema(value_type = schema::TimeToLiveSeconds)]
    pub time_to_live: u32,
    pub feature_level_type: FeatureLevelType,
    pub content: MessageContent,
    pub is_read: bool,
    pub is_archived: bool,
}

/// What a citizen's inbox shows of a message: no markdown, no details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub id: MessageId,
    pub fiscal_code: FiscalCode,
    pub sender: TenantId,
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

    /// `content.third_party_data.configuration_id`: the configuration it was sent with.
    pub fn configuration_id(&self) -> Option<&str> {
        self.content
            .third_party_data
            .as_ref()
            .and_then(|t| t.configuration_id.as_deref())
    }

    /// `created_at` in milliseconds since the Unix epoch: what the sender's listing orders and
    /// filters by (the text's width varies: `...05Z` and `...05.5Z` do not sort as instants).
    pub fn created_ms(&self) -> Option<i64> {
        instant_ms(&self.created_at)
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

/// An RFC 3339 instant in milliseconds since the Unix epoch, rounded down (`None` if it is not
/// one).
pub fn instant_ms(rfc3339: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

/// A submission that passed every static check; the configuration it names (if any) still has
/// to be looked up and owned by the sender.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub fiscal_code: FiscalCode,
    pub time_to_live: u32,
    pub feature_level_type: FeatureLevelType,
    pub content: MessageContent,
    pub configuration_id: Option<ConfigurationId>,
}

/// What a `payment_data` without `payee` gets (`submission.missing_payee`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPayee {
    /// IO's behaviour: the payee is the sender's organization, whose fiscal code comes from the
    /// registry ([`PayeePolicy`]); a sender not in it must name the payee.
    #[default]
    SenderOrganization,
    /// Every payment must name its payee, whoever sends it.
    Refuse,
}

/// How a payment without `payee` is completed: IO fills in the fiscal code of the sending
/// service's organization from its service registry, so the app always reads a
/// `PaymentDataWithRequiredPayee`. The gateway's registry is the operator's list of each sender
/// tenant's organization fiscal code; a sender not in it is never given a guessed creditor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayeePolicy {
    missing: MissingPayee,
    /// Sender tenant id -> organization fiscal code (11 digits).
    organizations: BTreeMap<TenantId, String>,
}

impl PayeePolicy {
    /// The policy, or which registered fiscal code is not an organization fiscal code.
    pub fn new(
        missing: MissingPayee,
        organizations: BTreeMap<TenantId, String>,
    ) -> std::result::Result<PayeePolicy, String> {
        if let Some((tenant, fc)) = organizations
            .iter()
            .find(|(_, fc)| !organization_fiscal_code(fc))
        {
            return Err(format!(
                "submission.organization_fiscal_codes: {fc:?} (tenant {tenant}) is not an \
                 organization fiscal code (11 digits)"
            ));
        }
        Ok(PayeePolicy {
            missing,
            organizations,
        })
    }

    /// The payee a payment of `tenant` without one gets, or why there is none.
    fn default_for(&self, tenant: &TenantId) -> std::result::Result<&str, &'static str> {
        match self.missing {
            MissingPayee::Refuse => Err(
                "content.payment_data.payee is required: this gateway asks every payment to name \
                 its payee (submission.missing_payee = \"refuse\")",
            ),
            MissingPayee::SenderOrganization => {
                self.organizations.get(tenant).map(String::as_str).ok_or(
                    "content.payment_data.payee is required: the sender's organization fiscal \
                     code, which IO would fill in, is not registered with this gateway \
                     (submission.organization_fiscal_codes)",
                )
            }
        }
    }
}

/// Every constraint of SPEC §2 and the reference contract that needs no I/O. A payment without
/// `payee` is completed as `payees` says for `sender`.
pub fn validate(mut m: NewMessage, sender: &Sender, payees: &PayeePolicy) -> Result<Submission> {
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
    let mut fill_payee = None;
    if let Some(p) = &m.content.payment_data {
        payment_data(&mut v, p);
        if p.is_object() && p.get("payee").is_none() {
            match payees.default_for(&sender.tenant) {
                Ok(fc) => fill_payee = Some(fc),
                Err(why) => v.add("content.payment_data.payee", why),
            }
        }
    }
    if let Some(c) = &m.content.eu_covid_cert {
        let ok = c.get("auth_code").is_some_and(|a| a.is_string());
        v.check(
            c.is_object() && ok,
            "content.eu_covid_cert.auth_code",
            "content.eu_covid_cert needs auth_code, a string",
        );
    }
    if let Some(a) = &m.default_addresses {
        match a.as_object() {
            None => v.add("default_addresses", "default_addresses must be an object"),
            Some(o) => {
                if let Some(e) = o.get("email") {
                    v.check(
                        e.as_str().is_some_and(email),
                        "default_addresses.email",
                        "default_addresses.email must be an email address",
                    );
                }
            }
        }
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
        match t
            .configuration_id
            .as_deref()
            .map(str::parse::<ConfigurationId>)
        {
            None => {}
            Some(Ok(id)) => configuration_id = Some(id),
            Some(Err(_)) => v.add(
                "content.third_party_data.configuration_id",
                "configuration_id must be a ULID",
            ),
        }
    }
    v.into_result()?;
    if let (Some(fc), Some(serde_json::Value::Object(p))) =
        (fill_payee, m.content.payment_data.as_mut())
    {
        p.insert("payee".into(), serde_json::json!({ "fiscal_code": fc }));
    }
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

/// The largest amount pagoPA accepts, in euro cents.
const MAX_AMOUNT: u64 = 9_999_999_999;

/// IO's `PaymentData`: the amount, the pagoPA notice number and, when given, the payee (a
/// missing one is completed by [`PayeePolicy`], so the app reads IO's
/// `PaymentDataWithRequiredPayee`).
fn payment_data(v: &mut Violations, p: &serde_json::Value) {
    const F: &str = "content.payment_data";
    let Some(o) = p.as_object() else {
        v.add(F, "content.payment_data must be an object");
        return;
    };
    let amount = o.get("amount").and_then(serde_json::Value::as_u64);
    v.check(
        amount.is_some_and(|a| (1..=MAX_AMOUNT).contains(&a)),
        "content.payment_data.amount",
        format!("content.payment_data.amount must be an integer 1..{MAX_AMOUNT} (euro cents)"),
    );
    let notice = o.get("notice_number").and_then(serde_json::Value::as_str);
    v.check(
        notice.is_some_and(notice_number),
        "content.payment_data.notice_number",
        "content.payment_data.notice_number must be 18 digits, the first 0, 1, 2 or 3",
    );
    if let Some(i) = o.get("invalid_after_due_date") {
        v.check(
            i.is_boolean(),
            "content.payment_data.invalid_after_due_date",
            "content.payment_data.invalid_after_due_date must be a boolean",
        );
    }
    if let Some(payee) = o.get("payee") {
        let fc = payee.get("fiscal_code").and_then(serde_json::Value::as_str);
        v.check(
            payee.is_object() && fc.is_some_and(organization_fiscal_code),
            "content.payment_data.payee.fiscal_code",
            "content.payment_data.payee.fiscal_code must be an organization fiscal code (11 digits)",
        );
    }
}

/// `^[0123][0-9]{17}$`.
fn notice_number(s: &str) -> bool {
    s.len() == 18 && s.starts_with(['0', '1', '2', '3']) && s.bytes().all(|b| b.is_ascii_digit())
}

/// ts-commons' `OrganizationFiscalCode`: `^[0-9]{11}$`.
fn organization_fiscal_code(s: &str) -> bool {
    s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An address of the `local@domain.tld` shape: what `format: email` is checked as by IO
/// (validator's `isEmail`), without its internationalised and quoted forms, which no sender uses.
fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    let labels: Vec<&str> = domain.split('.').collect();
    s.len() <= 254
        && (1..=64).contains(&local.len())
        && local.chars().all(atom)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
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
    pub fn into_message(self, id: MessageId, created_at: String, sender: &Sender) -> Message {
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

/// Who reads a message: the entity that sent it, the citizen it is for, or an entity previewing
/// what its test user sees (only its own messages to that citizen).
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    Sender(&'a TenantId),
    Citizen(&'a FiscalCode),
    Preview(&'a TenantId, &'a FiscalCode),
}

/// The one ownership check of messages: `found` (the message stored under `id`, if any) if
/// `reader` may read it. Anybody else's is not found, never "forbidden": that would tell who
/// has messages.
pub fn readable(found: Option<Message>, id: &MessageId, reader: Reader<'_>) -> Result<Message> {
    match (found, reader) {
        (Some(m), Reader::Sender(t)) if m.sender == *t => Ok(m),
        (Some(m), Reader::Citizen(fc)) if m.fiscal_code == *fc => Ok(m),
        (Some(m), Reader::Preview(t, fc)) if m.sender == *t && m.fiscal_code == *fc => Ok(m),
        _ => Err(not_readable(id, reader)),
    }
}

/// The refusal of a message `reader` may not read (or that does not exist): also what a status
/// change the store matched to no message of the citizen's answers.
pub fn not_readable(id: &MessageId, reader: Reader<'_>) -> GatewayError {
    let detail = match reader {
        Reader::Sender(_) => format!("no message {id} from this sender"),
        Reader::Citizen(_) | Reader::Preview(..) => format!("no message {id}"),
    };
    GatewayError::new(Code::MESSAGE_NOT_FOUND, detail)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(missing: MissingPayee) -> PayeePolicy {
        PayeePolicy::new(
            missing,
            [(TenantId::new("comune"), "80012345678".into())].into(),
        )
        .unwrap()
    }

    #[test]
    fn a_missing_payee_is_the_registered_sender_organization_by_default() {
        let p = policy(MissingPayee::default());
        let (comune, altro) = (TenantId::new("comune"), TenantId::new("altro"));
        assert_eq!(p.default_for(&comune), Ok("80012345678"));
        let unknown = p.default_for(&altro).unwrap_err();
        assert!(
            unknown.contains("submission.organization_fiscal_codes"),
            "{unknown}"
        );
        let refused = policy(MissingPayee::Refuse)
            .default_for(&comune)
            .unwrap_err();
        assert!(refused.contains("submission.missing_payee"), "{refused}");
        assert!(PayeePolicy::default().default_for(&comune).is_err());
    }

    #[test]
    fn a_message_is_readable_by_its_sender_and_its_citizen_only() {
        let m: Message = serde_json::from_value(serde_json::json!({
            "id": MessageId::new(), "fiscal_code": "SPNDNL80R13C555X", "sender": "t1",
            "sender_service_id": "p", "created_at": "2026-01-02T03:04:05.678Z",
            "time_to_live": 3600, "feature_level_type": "STANDARD",
            "content": {"subject": "s", "markdown": "m"}, "is_read": false, "is_archived": false
        }))
        .unwrap();
        let (t1, t2) = (TenantId::from("t1"), TenantId::from("t2"));
        let alice = FiscalCode::parse("SPNDNL80R13C555X").unwrap();
        let bob = FiscalCode::parse("RSSMRA85T10A562S").unwrap();
        let read = |found: Option<&Message>, reader| {
            readable(found.cloned(), &m.id, reader).map_err(|e| (e.code, e.detail))
        };
        assert_eq!(read(Some(&m), Reader::Sender(&t1)), Ok(m.clone()));
        assert_eq!(read(Some(&m), Reader::Citizen(&alice)), Ok(m.clone()));
        let from_sender = Err((
            Code::MESSAGE_NOT_FOUND,
            format!("no message {} from this sender", m.id),
        ));
        let for_citizen = Err((Code::MESSAGE_NOT_FOUND, format!("no message {}", m.id)));
        assert_eq!(read(Some(&m), Reader::Sender(&t2)), from_sender);
        assert_eq!(read(None, Reader::Sender(&t1)), from_sender);
        assert_eq!(read(Some(&m), Reader::Citizen(&bob)), for_citizen);
        assert_eq!(read(None, Reader::Citizen(&alice)), for_citizen);
        // A preview: the sender's own message to that citizen only, else not found as for a
        // stranger.
        assert_eq!(read(Some(&m), Reader::Preview(&t1, &alice)), Ok(m.clone()));
        assert_eq!(read(Some(&m), Reader::Preview(&t2, &alice)), for_citizen);
        assert_eq!(read(Some(&m), Reader::Preview(&t1, &bob)), for_citizen);
        assert_eq!(read(None, Reader::Preview(&t1, &alice)), for_citizen);
    }

    #[test]
    fn a_registry_holds_organization_fiscal_codes_only() {
        for bad in [
            "",
            "8001234567",
            "800123456789",
            "SPNDNL80R13C555X",
            "8001234567a",
        ] {
            let e = PayeePolicy::new(
                MissingPayee::SenderOrganization,
                [(TenantId::new("comune"), bad.into())].into(),
            )
            .unwrap_err();
            assert!(e.contains("comune"), "{e}");
        }
    }
}
