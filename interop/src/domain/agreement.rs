//! Agreements (richieste di fruizione): a consumer's right to use one version of an e-service.

use super::ids::{AgreementId, DescriptorId, EServiceId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The state of an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgreementState {
    Draft,
    Pending,
    Active,
    Suspended,
    Archived,
    MissingCertifiedAttributes,
    Rejected,
}

impl AgreementState {
    /// A "live" agreement blocks a second one for the same consumer and e-service.
    pub fn is_live(self) -> bool {
        !matches!(self, AgreementState::Archived | AgreementState::Rejected)
    }
}

/// Which side acts on a two-sided suspension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    Consumer,
    Producer,
    Platform,
}

/// Suspension flags: unilateral, each side lifts only its own; active iff none is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuspensionFlags {
    pub suspended_by_consumer: bool,
    pub suspended_by_producer: bool,
    /// Set while the consumer lacks a required certified attribute.
    #[serde(default)]
    #[schema(required = true)]
    pub suspended_by_platform: bool,
}

impl SuspensionFlags {
    pub fn set(&mut self, side: Side, value: bool) {
        match side {
            Side::Consumer => self.suspended_by_consumer = value,
            Side::Producer => self.suspended_by_producer = value,
            Side::Platform => self.suspended_by_platform = value,
        }
    }

    pub fn get(&self, side: Side) -> bool {
        match side {
            Side::Consumer => self.suspended_by_consumer,
            Side::Producer => self.suspended_by_producer,
            Side::Platform => self.suspended_by_platform,
        }
    }

    pub fn any(&self) -> bool {
        self.suspended_by_consumer || self.suspended_by_producer || self.suspended_by_platform
    }

    /// The sides currently holding a suspension, for the operativity answer.
    pub fn sides(&self) -> Vec<Side> {
        [Side::Consumer, Side::Producer, Side::Platform]
            .into_iter()
            .filter(|s| self.get(*s))
            .collect()
    }
}

/// A consumer's agreement (richiesta di fruizione) on one version of an e-service. The suspension
/// flags are unilateral: each side lifts only its own; ACTIVE iff none is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agreement {
    pub id: AgreementId,
    pub eservice_id: EServiceId,
    pub descriptor_id: DescriptorId,
    pub producer_id: TenantId,
    pub consumer_id: TenantId,
    pub state: AgreementState,
    #[serde(flatten)]
    pub suspension: SuspensionFlags,
    #[serde(default)]
    #[schema(required = true)]
    pub consumer_notes: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub rejection_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Agreement {
    /// Re-derives ACTIVE/SUSPENDED from the flags, for an agreement that was activated.
    pub fn refresh_suspension(&mut self) {
        if matches!(
            self.state,
            AgreementState::Active | AgreementState::Suspended
        ) {
            self.state = if self.suspension.any() {
                AgreementState::Suspended
            } else {
                AgreementState::Active
            };
        }
    }
}

/// The sides of a two-sided relation the actor's tenant stands on (both, when a tenant consumes
/// its own e-service).
pub(crate) fn sides_of(tenant: TenantId, consumer: TenantId, producer: TenantId) -> Vec<Side> {
    let mut sides = Vec::new();
    if tenant == consumer {
        sides.push(Side::Consumer);
    }
    if tenant == producer {
        sides.push(Side::Producer);
    }
    sides
}
