//! E-services and their versions (descriptors): the producer's side of the catalogue.

use super::attribute::AttributeRequirements;
use super::error::{DomainError, DomainResult, ErrorCode, fail};
use super::ids::{DescriptorId, EServiceId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const VOUCHER_LIFESPAN_RANGE: std::ops::RangeInclusive<u32> = 60..=86_400;
pub const DAILY_CALLS_RANGE: std::ops::RangeInclusive<u64> = 1..=1_000_000_000;

/// The e-service's technology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Technology {
    Rest,
    Soap,
}

/// DELIVER: the producer serves the API; RECEIVE: the producer receives calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EServiceMode {
    /// The producer serves the API (the usual case).
    Deliver,
    /// The producer receives calls it will answer for a consumer's data.
    Receive,
}

/// The general information of an e-service (immutable once version 1 is published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EServiceInfo {
    /// Unique among the producer's e-services, case-insensitively.
    #[schema(min_length = 5, max_length = 60)]
    pub name: String,
    #[schema(min_length = 10, max_length = 250)]
    pub description: String,
    pub technology: Technology,
    pub mode: EServiceMode,
    #[serde(default)]
    pub attributes: AttributeRequirements,
}

/// The state of an e-service version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DescriptorState {
    Draft,
    Published,
    Deprecated,
    Suspended,
    Archived,
}

/// How agreements on a version are approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalPolicy {
    Automatic,
    Manual,
}

/// The producer-editable fields of a descriptor. Every field is optional while a draft; publishing
/// requires them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DescriptorFields {
    #[serde(default)]
    pub description: Option<String>,
    /// `aud` of the vouchers for this version.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Voucher lifetime, seconds.
    #[schema(minimum = 60, maximum = 86400)]
    #[serde(default)]
    pub voucher_lifespan: Option<u32>,
    /// Per-consumer daily-call threshold (≤ daily_calls_total).
    #[schema(minimum = 1, maximum = 1000000000)]
    #[serde(default)]
    pub daily_calls_per_consumer: Option<u64>,
    /// Total daily-call threshold.
    #[schema(minimum = 1, maximum = 1000000000)]
    #[serde(default)]
    pub daily_calls_total: Option<u64>,
    #[serde(default)]
    pub agreement_approval_policy: Option<ApprovalPolicy>,
    /// http(s) URLs.
    #[serde(default)]
    pub server_urls: Vec<String>,
}

impl DescriptorFields {
    /// Range checks that apply even to drafts: a value, when given, must be valid.
    pub fn validate(&self) -> DomainResult<()> {
        if let Some(l) = self.voucher_lifespan
            && !VOUCHER_LIFESPAN_RANGE.contains(&l)
        {
            return Err(DomainError::invalid(
                "voucher_lifespan",
                "voucher_lifespan must be 60..86400 seconds",
            ));
        }
        for (name, v) in [
            ("daily_calls_per_consumer", self.daily_calls_per_consumer),
            ("daily_calls_total", self.daily_calls_total),
        ] {
            if let Some(v) = v
                && !DAILY_CALLS_RANGE.contains(&v)
            {
                return Err(DomainError::invalid(
                    name,
                    format!("{name} must be 1..1000000000"),
                ));
            }
        }
        if let (Some(per), Some(total)) = (self.daily_calls_per_consumer, self.daily_calls_total)
            && per > total
        {
            return Err(DomainError::invalid(
                "daily_calls_per_consumer",
                "daily_calls_per_consumer must not exceed daily_calls_total",
            ));
        }
        if self.audience.iter().any(|a| a.trim().is_empty()) {
            return Err(DomainError::invalid(
                "audience",
                "audience entries must not be blank",
            ));
        }
        for url in &self.server_urls {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 {
                return Err(DomainError::invalid(
                    "server_urls",
                    format!("not an http(s) URL: {url}"),
                ));
            }
        }
        Ok(())
    }

    /// The names of the fields publishing needs and this draft lacks.
    pub fn missing_for_publication(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.audience.is_empty() {
            missing.push("audience");
        }
        if self.voucher_lifespan.is_none() {
            missing.push("voucher_lifespan");
        }
        if self.daily_calls_per_consumer.is_none() {
            missing.push("daily_calls_per_consumer");
        }
        if self.daily_calls_total.is_none() {
            missing.push("daily_calls_total");
        }
        if self.agreement_approval_policy.is_none() {
            missing.push("agreement_approval_policy");
        }
        if self.server_urls.is_empty() {
            missing.push("server_urls");
        }
        missing.into_iter().map(String::from).collect()
    }
}

/// A version of an e-service: its own properties with the DescriptorFields inline. `suspended_from`
/// is, while SUSPENDED, the state reactivation returns to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Descriptor {
    pub id: DescriptorId,
    #[schema(minimum = 1)]
    pub version: u32,
    pub state: DescriptorState,
    /// While suspended: the state reactivation returns to (PUBLISHED or DEPRECATED).
    #[schema(required = true)]
    pub suspended_from: Option<DescriptorState>,
    #[serde(flatten)]
    pub fields: DescriptorFields,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(required = true)]
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub published_at: Option<OffsetDateTime>,
}

impl Descriptor {
    /// Whether vouchers may be issued for it (SPEC §1: PUBLISHED or DEPRECATED).
    pub fn is_operative(&self) -> bool {
        matches!(
            self.state,
            DescriptorState::Published | DescriptorState::Deprecated
        )
    }

    /// Whether it was published at some point (any state but DRAFT).
    pub fn was_published(&self) -> bool {
        self.state != DescriptorState::Draft
    }

    /// The per-consumer and total daily call limits. Only meaningful once published, when both
    /// are guaranteed present.
    pub fn limits(&self) -> (u64, u64) {
        (
            self.fields.daily_calls_per_consumer.unwrap_or(0),
            self.fields.daily_calls_total.unwrap_or(0),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EService {
    pub id: EServiceId,
    pub producer_id: TenantId,
    pub name: String,
    pub description: String,
    pub technology: Technology,
    pub mode: EServiceMode,
    pub attributes: AttributeRequirements,
    /// Other tenants do not see DRAFT versions.
    pub descriptors: Vec<Descriptor>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl EService {
    pub fn descriptor(&self, id: DescriptorId) -> DomainResult<&Descriptor> {
        self.descriptors
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::DESCRIPTOR_NOT_FOUND, id))
    }

    pub fn descriptor_mut(&mut self, id: DescriptorId) -> DomainResult<&mut Descriptor> {
        self.descriptors
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::DESCRIPTOR_NOT_FOUND, id))
    }

    /// After version 1 is published, name, description, technology and attributes are frozen.
    pub fn ever_published(&self) -> bool {
        self.descriptors.iter().any(Descriptor::was_published)
    }

    pub fn draft(&self) -> Option<&Descriptor> {
        self.descriptors
            .iter()
            .find(|d| d.state == DescriptorState::Draft)
    }

    /// The version consumers subscribe to: the one in state PUBLISHED (a suspended current
    /// version cannot be subscribed to).
    pub fn published(&self) -> Option<&Descriptor> {
        self.descriptors
            .iter()
            .find(|d| d.state == DescriptorState::Published)
    }

    /// The newest version that is or was the current one (PUBLISHED, or SUSPENDED from PUBLISHED).
    pub fn current(&self) -> Option<&Descriptor> {
        self.descriptors.iter().find(|d| {
            d.state == DescriptorState::Published
                || (d.state == DescriptorState::Suspended
                    && d.suspended_from == Some(DescriptorState::Published))
        })
    }

    pub fn next_version(&self) -> u32 {
        self.descriptors
            .iter()
            .map(|d| d.version)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Publishes a complete draft; the current version becomes DEPRECATED (if it is suspended,
    /// it stays suspended and will come back as DEPRECATED).
    pub fn publish(&mut self, id: DescriptorId, now: OffsetDateTime) -> DomainResult<()> {
        let d = self.descriptor(id)?;
        if d.state != DescriptorState::Draft {
            return fail(
                ErrorCode::DESCRIPTOR_STATE_CONFLICT,
                format!("only a DRAFT can be published; this one is {:?}", d.state),
            );
        }
        let mut missing = d.fields.missing_for_publication();
        if self.description.trim().is_empty() {
            missing.push("eservice.description".into());
        }
        if !missing.is_empty() {
            return Err(DomainError::new(
                ErrorCode::DESCRIPTOR_INCOMPLETE,
                format!("cannot publish: missing {}", missing.join(", ")),
            )
            .with_fields(missing));
        }
        d.fields.validate()?;
        for other in self.descriptors.iter_mut() {
            if other.state == DescriptorState::Published {
                other.state = DescriptorState::Deprecated;
            } else if other.state == DescriptorState::Suspended
                && other.suspended_from == Some(DescriptorState::Published)
            {
                other.suspended_from = Some(DescriptorState::Deprecated);
            }
        }
        let d = self.descriptor_mut(id)?;
        d.state = DescriptorState::Published;
        d.published_at = Some(now);
        Ok(())
    }

    pub fn suspend(&mut self, id: DescriptorId) -> DomainResult<()> {
        let d = self.descriptor_mut(id)?;
        match d.state {
            DescriptorState::Published | DescriptorState::Deprecated => {
                d.suspended_from = Some(d.state);
                d.state = DescriptorState::Suspended;
                Ok(())
            }
            s => fail(
                ErrorCode::DESCRIPTOR_STATE_CONFLICT,
                format!(
                    "only PUBLISHED or DEPRECATED versions can be suspended; this one is {s:?}"
                ),
            ),
        }
    }

    pub fn reactivate(&mut self, id: DescriptorId) -> DomainResult<()> {
        let d = self.descriptor_mut(id)?;
        match (d.state, d.suspended_from) {
            (DescriptorState::Suspended, Some(back)) => {
                d.state = back;
                d.suspended_from = None;
                Ok(())
            }
            (s, _) => fail(
                ErrorCode::DESCRIPTOR_STATE_CONFLICT,
                format!("only a SUSPENDED version can be reactivated; this one is {s:?}"),
            ),
        }
    }
}
