//! Purposes (finalità) and the load-threshold arithmetic that decides whether a new estimate is
//! activated at once or waits for the producer.

use super::agreement::SuspensionFlags;
use super::error::{DomainError, DomainResult};
use super::ids::{EServiceId, PurposeId, PurposeVersionId, TenantId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The state of a purpose version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PurposeVersionState {
    Draft,
    Active,
    Suspended,
    WaitingForApproval,
    Archived,
    Rejected,
}

/// One load estimate of a purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PurposeVersion {
    pub id: PurposeVersionId,
    pub state: PurposeVersionState,
    #[schema(minimum = 1, maximum = 1000000000)]
    pub daily_calls: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[schema(required = true)]
    pub activated_at: Option<OffsetDateTime>,
    /// Set by the producer on a version waiting for approval; the consumer sees it.
    #[serde(default)]
    #[schema(required = true)]
    pub expected_approval_date: Option<Date>,
    #[serde(default)]
    #[schema(required = true)]
    pub rejection_reason: Option<String>,
}

/// A consumer's purpose (finalità) on an e-service, with its load estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Purpose {
    pub id: PurposeId,
    pub eservice_id: EServiceId,
    pub consumer_id: TenantId,
    pub title: String,
    pub description: String,
    #[schema(value_type = Object)]
    pub risk_analysis: serde_json::Value,
    pub versions: Vec<PurposeVersion>,
    #[serde(flatten)]
    pub suspension: SuspensionFlags,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

pub const TITLE_LEN: std::ops::RangeInclusive<usize> = 5..=60;
pub const DESCRIPTION_LEN: std::ops::RangeInclusive<usize> = 10..=250;

impl Purpose {
    pub fn validate_texts(title: &str, description: &str) -> DomainResult<()> {
        if !TITLE_LEN.contains(&title.chars().count()) {
            return Err(DomainError::invalid(
                "title",
                "title must be 5..60 characters",
            ));
        }
        if !DESCRIPTION_LEN.contains(&description.chars().count()) {
            return Err(DomainError::invalid(
                "description",
                "description must be 10..250 characters",
            ));
        }
        Ok(())
    }

    fn find(&self, state: PurposeVersionState) -> Option<&PurposeVersion> {
        self.versions.iter().find(|v| v.state == state)
    }

    /// The version in force: ACTIVE, or SUSPENDED (which keeps its place but frees its load).
    pub fn current(&self) -> Option<&PurposeVersion> {
        self.versions.iter().find(|v| {
            matches!(
                v.state,
                PurposeVersionState::Active | PurposeVersionState::Suspended
            )
        })
    }

    pub fn active(&self) -> Option<&PurposeVersion> {
        self.find(PurposeVersionState::Active)
    }

    pub fn draft(&self) -> Option<&PurposeVersion> {
        self.find(PurposeVersionState::Draft)
    }

    pub fn waiting(&self) -> Option<&PurposeVersion> {
        self.find(PurposeVersionState::WaitingForApproval)
    }

    pub fn is_archived(&self) -> bool {
        !self.versions.is_empty()
            && self.versions.iter().all(|v| {
                matches!(
                    v.state,
                    PurposeVersionState::Archived | PurposeVersionState::Rejected
                )
            })
            && self
                .versions
                .iter()
                .any(|v| v.state == PurposeVersionState::Archived)
    }

    /// The load this purpose puts on the e-service now: its ACTIVE version's calls, else 0.
    pub fn active_load(&self) -> u64 {
        self.active().map_or(0, |v| v.daily_calls)
    }

    pub fn version_mut(&mut self, id: PurposeVersionId) -> DomainResult<&mut PurposeVersion> {
        self.versions
            .iter_mut()
            .find(|v| v.id == id)
            .ok_or_else(|| DomainError::not_found(super::ErrorCode::PURPOSE_VERSION_NOT_FOUND, id))
    }
}

/// The load on one e-service as the threshold rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Load {
    /// `c`: this consumer's ACTIVE purpose versions on the e-service.
    pub consumer: u64,
    /// `t`: every consumer's ACTIVE purpose versions on the e-service.
    pub total: u64,
}

/// SPEC §1, exactly: a purpose asking for `d` daily calls is activated automatically iff
/// `c + d ≤ per_consumer` and `t + d ≤ total`. A sum beyond `u64` never fits (it neither wraps
/// nor saturates down to a limit of `u64::MAX`).
pub fn within_threshold(load: Load, d: u64, per_consumer: u64, total: u64) -> bool {
    let fits = |used: u64, limit: u64| used.checked_add(d).is_some_and(|sum| sum <= limit);
    fits(load.consumer, per_consumer) && fits(load.total, total)
}

/// What is left before the threshold, per consumer and in total (never negative).
pub fn remaining(load: Load, per_consumer: u64, total: u64) -> (u64, u64) {
    (
        per_consumer.saturating_sub(load.consumer),
        total.saturating_sub(load.total),
    )
}
