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
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// Every aggregate, by id, with derived indexes. Changed only through [`State::apply`], which
/// keeps the indexes equal to what a scan of the maps would find (the maps are public to read).
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
    /// Derived index: each tenant's agreements, as consumer or as producer. The token endpoint
    /// looks up a consumer's live agreement at every voucher, and every list is a party's.
    agreements_by_party: HashMap<TenantId, BTreeSet<AgreementId>>,
    /// Derived index: a consumer's agreements on an e-service (its live one is among them).
    agreements_by_subscription: HashMap<(TenantId, EServiceId), BTreeSet<AgreementId>>,
    /// Derived index: the purposes on each e-service (the threshold's load, the producer's
    /// lists).
    purposes_by_eservice: HashMap<EServiceId, BTreeSet<PurposeId>>,
}

/// How many times cheaper one agreement costs in a sequential pass over the map than through
/// an index lookup (measured: about 15; rounded up, so the index is used only where it clearly
/// wins).
pub const SCAN_ADVANTAGE: usize = 16;

/// Files `id` under `key` in a derived index.
fn index<K: std::hash::Hash + Eq, V: Ord>(map: &mut HashMap<K, BTreeSet<V>>, key: K, id: V) {
    map.entry(key).or_default().insert(id);
}

/// Takes `id` out of `key`'s entry of a derived index (the entry goes when empty).
fn unindex<K: std::hash::Hash + Eq, V: Ord>(map: &mut HashMap<K, BTreeSet<V>>, key: &K, id: &V) {
    if let Some(ids) = map.get_mut(key) {
        ids.remove(id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
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
                if let Some(old) = self.agreements.remove(&a.id) {
                    self.unindex_agreement(&old);
                }
                index(&mut self.agreements_by_party, a.consumer_id, a.id);
                index(&mut self.agreements_by_party, a.producer_id, a.id);
                index(
                    &mut self.agreements_by_subscription,
                    (a.consumer_id, a.eservice_id),
                    a.id,
                );
                self.agreements.insert(a.id, a);
            }
            Event::AgreementDeleted(id) => {
                if let Some(old) = self.agreements.remove(&id) {
                    self.unindex_agreement(&old);
                }
            }
            Event::PurposeSaved(p) => {
                if let Some(old) = self.purposes.remove(&p.id) {
                    unindex(&mut self.purposes_by_eservice, &old.eservice_id, &old.id);
                }
                index(&mut self.purposes_by_eservice, p.eservice_id, p.id);
                self.purposes.insert(p.id, p);
            }
            Event::PurposeDeleted(id) => {
                if let Some(old) = self.purposes.remove(&id) {
                    unindex(&mut self.purposes_by_eservice, &old.eservice_id, &old.id);
                }
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

    fn unindex_agreement(&mut self, a: &Agreement) {
        unindex(&mut self.agreements_by_party, &a.consumer_id, &a.id);
        unindex(&mut self.agreements_by_party, &a.producer_id, &a.id);
        unindex(
            &mut self.agreements_by_subscription,
            &(a.consumer_id, a.eservice_id),
            &a.id,
        );
    }

    /// `tenant`'s agreements, as consumer or producer, in no particular order: from the index
    /// when they are a small share of all agreements (each then costs a map lookup), else by one
    /// sequential pass over all of them, which is about [`SCAN_ADVANTAGE`] times cheaper per
    /// agreement (`cargo bench -p interop --bench state`, docs/benchmarks.md).
    pub fn agreements_of(&self, tenant: TenantId) -> Box<dyn Iterator<Item = &Agreement> + '_> {
        let ids = self.agreements_by_party.get(&tenant);
        let own = ids.map_or(0, BTreeSet::len);
        if own.saturating_mul(SCAN_ADVANTAGE) < self.agreements.len() {
            Box::new(
                ids.into_iter()
                    .flatten()
                    .filter_map(|id| self.agreements.get(id)),
            )
        } else {
            Box::new(
                self.agreements
                    .values()
                    .filter(move |a| a.consumer_id == tenant || a.producer_id == tenant),
            )
        }
    }

    /// The purposes on `eservice` (from the index).
    pub fn purposes_on(&self, eservice: EServiceId) -> impl Iterator<Item = &Purpose> {
        self.purposes_by_eservice
            .get(&eservice)
            .into_iter()
            .flatten()
            .filter_map(|id| self.purposes.get(id))
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
        self.agreements_by_subscription
            .get(&(consumer, eservice))
            .into_iter()
            .flatten()
            .filter_map(|id| self.agreements.get(id))
            .find(|a| a.state.is_live())
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
            .purposes_on(eservice)
            .filter(|p| Some(p.id) != excluding)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::OffsetDateTime;

    /// A few ids of each kind, so that saves overwrite, move and delete the same aggregates.
    struct Ids {
        tenants: Vec<TenantId>,
        eservices: Vec<EServiceId>,
        agreements: Vec<AgreementId>,
        purposes: Vec<PurposeId>,
    }

    fn ids() -> Ids {
        Ids {
            tenants: (0..4).map(|_| TenantId::random()).collect(),
            eservices: (0..3).map(|_| EServiceId::random()).collect(),
            agreements: (0..6).map(|_| AgreementId::random()).collect(),
            purposes: (0..6).map(|_| PurposeId::random()).collect(),
        }
    }

    fn agreement(ids: &Ids, id: usize, consumer: usize, producer: usize, e: usize) -> Agreement {
        Agreement {
            id: ids.agreements[id],
            eservice_id: ids.eservices[e],
            descriptor_id: DescriptorId::random(),
            producer_id: ids.tenants[producer],
            consumer_id: ids.tenants[consumer],
            state: AgreementState::Active,
            suspension: Default::default(),
            consumer_notes: None,
            rejection_reason: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn purpose(ids: &Ids, id: usize, consumer: usize, e: usize) -> Purpose {
        Purpose {
            id: ids.purposes[id],
            eservice_id: ids.eservices[e],
            consumer_id: ids.tenants[consumer],
            title: "Finalità".into(),
            description: "Una finalità di prova".into(),
            risk_analysis: serde_json::json!({}),
            versions: Vec::new(),
            suspension: Default::default(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// (kind, aggregate, party a, party b, e-service): kind 0 saves an agreement, 1 deletes
    /// one, 2 saves a purpose, 3 deletes one.
    fn event(ids: &Ids, (kind, n, a, b, e): (u8, usize, usize, usize, usize)) -> Event {
        match kind % 4 {
            0 => Event::AgreementSaved(agreement(ids, n % 6, a % 4, b % 4, e % 3)),
            1 => Event::AgreementDeleted(ids.agreements[n % 6]),
            2 => Event::PurposeSaved(purpose(ids, n % 6, a % 4, e % 3)),
            _ => Event::PurposeDeleted(ids.purposes[n % 6]),
        }
    }

    proptest! {
        /// Whatever saves (moving an aggregate to other parties or e-services) and deletes
        /// happened, each index holds exactly what a scan of the aggregates finds.
        #[test]
        fn the_derived_indexes_are_what_a_scan_finds(
            events in proptest::collection::vec((0u8..4, 0usize..6, 0usize..4, 0usize..4, 0usize..3), 0..60)
        ) {
            let ids = ids();
            let mut s = State::default();
            for e in events {
                s.apply(event(&ids, e));
            }
            for t in &ids.tenants {
                let indexed: BTreeSet<AgreementId> =
                    s.agreements_by_party.get(t).cloned().unwrap_or_default();
                let scanned: BTreeSet<AgreementId> = s
                    .agreements
                    .values()
                    .filter(|a| a.consumer_id == *t || a.producer_id == *t)
                    .map(|a| a.id)
                    .collect();
                let listed: BTreeSet<AgreementId> = s.agreements_of(*t).map(|a| a.id).collect();
                prop_assert_eq!(&indexed, &scanned);
                prop_assert_eq!(listed, scanned);
            }
            for e in &ids.eservices {
                let indexed: BTreeSet<PurposeId> = s.purposes_on(*e).map(|p| p.id).collect();
                let scanned: BTreeSet<PurposeId> = s
                    .purposes
                    .values()
                    .filter(|p| p.eservice_id == *e)
                    .map(|p| p.id)
                    .collect();
                prop_assert_eq!(indexed, scanned);
            }
            for c in &ids.tenants {
                for e in &ids.eservices {
                    let indexed: BTreeSet<AgreementId> = s
                        .agreements_by_subscription
                        .get(&(*c, *e))
                        .cloned()
                        .unwrap_or_default();
                    let scanned: BTreeSet<AgreementId> = s
                        .agreements
                        .values()
                        .filter(|a| a.consumer_id == *c && a.eservice_id == *e)
                        .map(|a| a.id)
                        .collect();
                    prop_assert_eq!(indexed, scanned);
                }
            }
            // No empty entries are kept (memory follows the live aggregates).
            prop_assert!(s.agreements_by_party.values().all(|v| !v.is_empty()));
            prop_assert!(s.agreements_by_subscription.values().all(|v| !v.is_empty()));
            prop_assert!(s.purposes_by_eservice.values().all(|v| !v.is_empty()));
        }
    }
}
