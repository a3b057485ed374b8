//! "Can this purpose reach the producer's e-service now?" — the three points where access can be
//! stopped (descriptor, agreement, purpose), answered with who stopped it.

use super::agreement::{AgreementState, Side};
use super::error::DomainResult;
use super::eservice::DescriptorState;
use super::ids::{AgreementId, DescriptorId, PurposeId};
use super::purpose::PurposeVersionState;
use super::state::State;
use serde::Serialize;

/// One reason a purpose cannot obtain vouchers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "point", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Blocker {
    /// The e-service version is not PUBLISHED or DEPRECATED (suspended by its producer, archived).
    Descriptor {
        descriptor_id: DescriptorId,
        state: DescriptorState,
    },
    /// The consumer has no live agreement on the e-service.
    NoAgreement,
    /// The agreement is not ACTIVE; `suspended_by` names the sides holding a suspension.
    Agreement {
        agreement_id: AgreementId,
        state: AgreementState,
        suspended_by: Vec<Side>,
    },
    /// The purpose has no ACTIVE version; `suspended_by` names the sides holding a suspension.
    Purpose {
        state: Option<PurposeVersionState>,
        suspended_by: Vec<Side>,
    },
}

/// Can this purpose reach the producer's e-service now?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Operativity {
    pub purpose_id: PurposeId,
    pub operative: bool,
    /// Every blocker, not only the first; empty iff operative.
    pub blockers: Vec<Blocker>,
}

/// Evaluates the three points, listing every blocker (not only the first).
pub fn operativity(state: &State, purpose_id: PurposeId) -> DomainResult<Operativity> {
    let purpose = state.purpose(purpose_id)?;
    let mut blockers = Vec::new();
    match state.live_agreement(purpose.consumer_id, purpose.eservice_id) {
        None => blockers.push(Blocker::NoAgreement),
        Some(agreement) => {
            let descriptor = state.agreement_descriptor(agreement)?;
            if !descriptor.is_operative() {
                blockers.push(Blocker::Descriptor {
                    descriptor_id: descriptor.id,
                    state: descriptor.state,
                });
            }
            if agreement.state != AgreementState::Active {
                blockers.push(Blocker::Agreement {
                    agreement_id: agreement.id,
                    state: agreement.state,
                    suspended_by: agreement.suspension.sides(),
                });
            }
        }
    }
    if purpose.active().is_none() {
        let state = purpose
            .current()
            .or(purpose.waiting())
            .or(purpose.draft())
            .or(purpose.versions.last())
            .map(|v| v.state);
        blockers.push(Blocker::Purpose {
            state,
            suspended_by: purpose.suspension.sides(),
        });
    }
    Ok(Operativity {
        purpose_id,
        operative: blockers.is_empty(),
        blockers,
    })
}
