//! What each actor may see. Things a caller may not see are "not found", never "forbidden", so
//! the API does not reveal their existence.

use super::actor::{Actor, Role};
use super::agreement::Agreement;
use super::client::Client;
use super::commands::clients::visible as client_visible;
use super::error::{DomainError, DomainResult, ErrorCode};
use super::eservice::{DescriptorState, EService};
use super::ids::{AgreementId, ClientId, EServiceId, PurposeId};
use super::purpose::{Load, Purpose, remaining};
use super::state::State;
use serde::Serialize;

/// The producer (and the platform) sees every version; other tenants see e-services that were
/// published, without their drafts.
pub fn eservice(s: &State, actor: &Actor, id: EServiceId) -> DomainResult<EService> {
    let e = s.eservice(id)?;
    if actor.is_platform() || actor.tenant == Some(e.producer_id) {
        return Ok(e.clone());
    }
    if !e.ever_published() {
        return Err(DomainError::not_found(ErrorCode::ESERVICE_NOT_FOUND, id));
    }
    let mut e = e.clone();
    e.descriptors.retain(|d| d.state != DescriptorState::Draft);
    Ok(e)
}

/// The catalogue as `actor` sees it; `producer_only` restricts to the caller's own e-services.
pub fn eservices(s: &State, actor: &Actor, producer_only: bool) -> Vec<EService> {
    s.eservices
        .values()
        .filter(|e| !producer_only || actor.tenant == Some(e.producer_id))
        .filter_map(|e| eservice(s, actor, e.id).ok())
        .collect()
}

fn party(actor: &Actor, consumer: super::ids::TenantId, producer: super::ids::TenantId) -> bool {
    actor.is_platform() || actor.tenant == Some(consumer) || actor.tenant == Some(producer)
}

pub fn agreement(s: &State, actor: &Actor, id: AgreementId) -> DomainResult<Agreement> {
    let a = s.agreement(id)?;
    if !party(actor, a.consumer_id, a.producer_id) {
        return Err(DomainError::not_found(ErrorCode::AGREEMENT_NOT_FOUND, id));
    }
    Ok(a.clone())
}

pub fn agreements(s: &State, actor: &Actor) -> Vec<Agreement> {
    s.agreements
        .values()
        .filter(|a| party(actor, a.consumer_id, a.producer_id))
        .cloned()
        .collect()
}

fn producer_of(s: &State, p: &Purpose) -> Option<super::ids::TenantId> {
    s.eservices.get(&p.eservice_id).map(|e| e.producer_id)
}

pub fn purpose(s: &State, actor: &Actor, id: PurposeId) -> DomainResult<Purpose> {
    let p = s.purpose(id)?;
    let producer = producer_of(s, p).unwrap_or(p.consumer_id);
    if !party(actor, p.consumer_id, producer) {
        return Err(DomainError::not_found(ErrorCode::PURPOSE_NOT_FOUND, id));
    }
    Ok(p.clone())
}

pub fn purposes(s: &State, actor: &Actor) -> Vec<Purpose> {
    s.purposes
        .values()
        .filter(|p| {
            party(
                actor,
                p.consumer_id,
                producer_of(s, p).unwrap_or(p.consumer_id),
            )
        })
        .cloned()
        .collect()
}

/// "Finalità da evadere": purposes on the producer's e-service with a version waiting for approval.
pub fn waiting_purposes(
    s: &State,
    actor: &Actor,
    eservice: EServiceId,
) -> DomainResult<Vec<Purpose>> {
    let tenant = actor.require(&[Role::Api])?;
    let e = s.eservice(eservice)?;
    if e.producer_id != tenant {
        return Err(DomainError::new(
            ErrorCode::NOT_PRODUCER,
            "only the producer sees the purposes waiting for its approval",
        ));
    }
    Ok(s.purposes
        .values()
        .filter(|p| p.eservice_id == eservice && p.waiting().is_some())
        .cloned()
        .collect())
}

/// Daily calls still available before the threshold, for a purpose's agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RemainingCalls {
    pub purpose_id: PurposeId,
    #[schema(minimum = 0)]
    pub daily_calls_per_consumer: u64,
    #[schema(minimum = 0)]
    pub daily_calls_total: u64,
    #[schema(minimum = 0)]
    pub consumer_load: u64,
    #[schema(minimum = 0)]
    pub total_load: u64,
    #[schema(minimum = 0)]
    pub remaining_per_consumer: u64,
    #[schema(minimum = 0)]
    pub remaining_total: u64,
}

pub fn remaining_calls(s: &State, actor: &Actor, id: PurposeId) -> DomainResult<RemainingCalls> {
    let p = purpose(s, actor, id)?;
    let Some(a) = s.live_agreement(p.consumer_id, p.eservice_id) else {
        return Err(DomainError::new(
            ErrorCode::AGREEMENT_NOT_ACTIVE,
            "no agreement on this e-service",
        ));
    };
    let (per, total) = s.agreement_descriptor(a)?.limits();
    let load: Load = s.load(p.eservice_id, p.consumer_id, None);
    let (rc, rt) = remaining(load, per, total);
    Ok(RemainingCalls {
        purpose_id: id,
        daily_calls_per_consumer: per,
        daily_calls_total: total,
        consumer_load: load.consumer,
        total_load: load.total,
        remaining_per_consumer: rc,
        remaining_total: rt,
    })
}

pub fn client(s: &State, actor: &Actor, id: ClientId) -> DomainResult<Client> {
    client_visible(s, actor, id).cloned()
}

/// Admins see all their tenant's clients; security operators only those they belong to.
pub fn clients(s: &State, actor: &Actor) -> Vec<Client> {
    s.clients
        .values()
        .filter(|c| client(s, actor, c.id).is_ok())
        .cloned()
        .collect()
}
