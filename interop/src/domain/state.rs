//! The engine's whole state and the events that change it.
//!
//! Events carry the new version of each aggregate a command touched ("state-carrying" events):
//! applying them is an upsert, so replaying the log never re-runs business rules and an old log
//! stays readable after the rules change.

use super::agreement::{Agreement, AgreementState};
use super::attribute::Attribute;
use super::client::{Client, ClientKind};
use super::error::{DomainError, DomainResult, ErrorCode};
use super::eservice::{Descriptor, EService};
use super::ids::*;
use super::key::Kid;
use super::purpose::{Load, Purpose};
use super::tenant::Tenant;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    TenantSaved(Tenant),
    AttributeSaved(Attribute),
    EServiceSaved(EService),
    EServiceDeleted(EServiceId),
    AgreementSaved(Agreement),
    AgreementDeleted(AgreementId),
    PurposeSaved(Purpose),
    PurposeDeleted(PurposeId),
    ClientSaved(Client),
    ClientDeleted(ClientId),
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub tenants: BTreeMap<TenantId, Tenant>,
    pub attributes: BTreeMap<AttributeId, Attribute>,
    pub eservices: BTreeMap<EServiceId, EService>,
    pub agreements: BTreeMap<AgreementId, Agreement>,
    pub purposes: BTreeMap<PurposeId, Purpose>,
    pub clients: BTreeMap<ClientId, Client>,
    /// Derived index: which client holds a key (kids are unique platform-wide).
    key_index: HashMap<Kid, ClientId>,
}

impl State {
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::TenantSaved(t) => {
                self.tenants.insert(t.id, t);
            }
            Event::AttributeSaved(a) => {
                self.attributes.insert(a.id, a);
            }
            Event::EServiceSaved(e) => {
                self.eservices.insert(e.id, e);
            }
            Event::EServiceDeleted(id) => {
                self.eservices.remove(&id);
            }
            Event::AgreementSaved(a) => {
                self.agreements.insert(a.id, a);
            }
            Event::AgreementDeleted(id) => {
                self.agreements.remove(&id);
            }
            Event::PurposeSaved(p) => {
                self.purposes.insert(p.id, p);
            }
            Event::PurposeDeleted(id) => {
                self.purposes.remove(&id);
            }
            Event::ClientSaved(c) => {
                self.key_index.retain(|_, owner| *owner != c.id);
                for k in &c.keys {
                    self.key_index.insert(k.kid.clone(), c.id);
                }
                self.clients.insert(c.id, c);
            }
            Event::ClientDeleted(id) => {
                self.key_index.retain(|_, owner| *owner != id);
                self.clients.remove(&id);
            }
        }
    }

    pub fn tenant(&self, id: TenantId) -> DomainResult<&Tenant> {
        self.tenants
            .get(&id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::TENANT_NOT_FOUND, id))
    }

    pub fn attribute(&self, id: AttributeId) -> DomainResult<&Attribute> {
        self.attributes
            .get(&id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::ATTRIBUTE_NOT_FOUND, id))
    }

    pub fn eservice(&self, id: EServiceId) -> DomainResult<&EService> {
        self.eservices
            .get(&id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::ESERVICE_NOT_FOUND, id))
    }

    /// An e-service as `tenant` may know it: its producer always; others once it was published
    /// (a never-published draft does not exist for them).
    pub fn eservice_for(
        &self,
        id: EServiceId,
        tenant: Option<TenantId>,
    ) -> DomainResult<&EService> {
        let e = self.eservice(id)?;
        if tenant != Some(e.producer_id) && !e.ever_published() {
            return Err(DomainError::not_found(ErrorCode::ESERVICE_NOT_FOUND, id));
        }
        Ok(e)
    }

    pub fn agreement(&self, id: AgreementId) -> DomainResult<&Agreement> {
        self.agreements
            .get(&id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::AGREEMENT_NOT_FOUND, id))
    }

    pub fn purpose(&self, id: PurposeId) -> DomainResult<&Purpose> {
        self.purposes
            .get(&id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::PURPOSE_NOT_FOUND, id))
    }

    pub fn client(&self, id: ClientId) -> DomainResult<&Client> {
        self.clients
            .get(&id)
            .ok_or_else(|| DomainError::not_found(ErrorCode::CLIENT_NOT_FOUND, id))
    }

    /// The client holding `kid`, if any.
    pub fn client_by_kid(&self, kid: &Kid) -> Option<&Client> {
        self.key_index.get(kid).and_then(|id| self.clients.get(id))
    }

    /// The consumer's live (not archived, not rejected) agreement on an e-service: at most one.
    pub fn live_agreement(&self, consumer: TenantId, eservice: EServiceId) -> Option<&Agreement> {
        self.agreements
            .values()
            .find(|a| a.consumer_id == consumer && a.eservice_id == eservice && a.state.is_live())
    }

    /// The descriptor an agreement is bound to.
    pub fn agreement_descriptor(&self, agreement: &Agreement) -> DomainResult<&Descriptor> {
        self.eservice(agreement.eservice_id)?
            .descriptor(agreement.descriptor_id)
    }

    /// Live agreements (any consumer) bound to a descriptor.
    pub fn agreements_on(&self, descriptor: DescriptorId) -> impl Iterator<Item = &Agreement> {
        self.agreements
            .values()
            .filter(move |a| a.descriptor_id == descriptor && a.state.is_live())
    }

    /// `c` and `t` of the threshold rule for an e-service, leaving out `excluding` (a purpose whose
    /// active version is about to be replaced by the new estimate).
    pub fn load(
        &self,
        eservice: EServiceId,
        consumer: TenantId,
        excluding: Option<PurposeId>,
    ) -> Load {
        let mut load = Load {
            consumer: 0,
            total: 0,
        };
        for p in self
            .purposes
            .values()
            .filter(|p| p.eservice_id == eservice && Some(p.id) != excluding)
        {
            let calls = p.active_load();
            load.total = load.total.saturating_add(calls);
            if p.consumer_id == consumer {
                load.consumer = load.consumer.saturating_add(calls);
            }
        }
        load
    }

    /// Clients attached to a purpose.
    pub fn clients_of(&self, purpose: PurposeId) -> impl Iterator<Item = &Client> {
        self.clients
            .values()
            .filter(move |c| c.kind == ClientKind::Consumer && c.purposes.contains(&purpose))
    }

    pub fn is_agreement_active(&self, a: &Agreement) -> bool {
        a.state == AgreementState::Active
    }
}
