//! What each actor may see. Things a caller may not see are "not found", never "forbidden", so
//! the API does not reveal their existence.

use super::actor::{Actor, Role};
use super::agreement::{Agreement, AgreementState};
use super::client::Client;
use super::commands::clients::visible as client_visible;
use super::error::{DomainError, DomainResult, ErrorCode};
use super::eservice::{DescriptorState, EService};
use super::ids::{AgreementId, ClientId, EServiceId, PurposeId};
use super::purpose::{Load, Purpose, PurposeVersionState, remaining};
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

/// The longest text a catalogue search accepts, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;
/// The largest page a catalogue search returns.
pub const PAGE_MAX: usize = 500;

/// A validated catalogue search: which e-services match, and which page of the matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueQuery {
    /// Only the caller's own e-services (the producer's view).
    producer_only: bool,
    /// Lowercased and trimmed; `None` matches everything.
    text: Option<String>,
    offset: usize,
    /// `None`: every match from `offset` on.
    limit: Option<usize>,
}

impl CatalogueQuery {
    /// Checks the bounds: `text` at most [`SEARCH_MAX_CHARS`] once trimmed (blank means no
    /// filter), `limit` in `1..=PAGE_MAX`. The error is a sentence for the caller.
    pub fn new(
        producer_only: bool,
        text: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<Self, String> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = text
            && t.chars().count() > SEARCH_MAX_CHARS
        {
            return Err(format!(
                "q must be at most {SEARCH_MAX_CHARS} characters once trimmed"
            ));
        }
        check_limit(limit)?;
        Ok(Self {
            producer_only,
            text: text.map(str::to_lowercase),
            offset,
            limit,
        })
    }

    fn matches(&self, e: &EService) -> bool {
        self.text.as_deref().is_none_or(|t| {
            e.name.to_lowercase().contains(t) || e.description.to_lowercase().contains(t)
        })
    }
}

/// One page of a list, with the number of matches before paging.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
}

/// The catalogue as `actor` sees it, filtered by `q`, ordered by name (case-insensitively) then
/// id, then paged. Only the page's e-services are cloned, so a large catalogue stays cheap.
pub fn eservices(s: &State, actor: &Actor, q: &CatalogueQuery) -> Page<EService> {
    let mut found: Vec<(String, &EService)> = s
        .eservices
        .values()
        .filter(|e| !q.producer_only || actor.tenant == Some(e.producer_id))
        .filter(|e| visible(actor, e))
        .filter(|e| q.matches(e))
        .map(|e| (e.name.to_lowercase(), e))
        .collect();
    found.sort_unstable_by(|(a, x), (b, y)| a.cmp(b).then(x.id.cmp(&y.id)));
    let total = found.len();
    let items = found
        .into_iter()
        .skip(q.offset)
        .take(q.limit.unwrap_or(usize::MAX))
        .filter_map(|(_, e)| eservice(s, actor, e.id).ok())
        .collect();
    Page { items, total }
}

/// Whether [`eservice`] shows `e` to `actor`, without cloning it.
fn visible(actor: &Actor, e: &EService) -> bool {
    actor.is_platform() || actor.tenant == Some(e.producer_id) || e.ever_published()
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

/// Which side of an agreement (or purpose) the caller's tenant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The tenant subscribed (Fruizione: "my requests").
    Consumer,
    /// The tenant's e-service was subscribed to (Erogazione: "requests received").
    Producer,
}

/// Which page of a list: how many matches to skip, and the most to return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paging {
    offset: usize,
    /// `None`: every match from `offset` on.
    limit: Option<usize>,
}

impl Paging {
    /// Checks `limit` is in `1..=PAGE_MAX`; the error is a sentence for the caller.
    pub fn new(offset: usize, limit: Option<usize>) -> Result<Self, String> {
        check_limit(limit)?;
        Ok(Self { offset, limit })
    }

    /// The page of `found` in the order `cmp` gives; only its items are cloned. Only the
    /// matches up to the page's end are sorted (selected first in linear time), so the first
    /// pages of a long list cost little more than filtering it.
    fn ordered<T: Clone>(
        self,
        mut found: Vec<&T>,
        cmp: impl Fn(&&T, &&T) -> std::cmp::Ordering,
    ) -> Page<T> {
        let total = found.len();
        let end = self
            .offset
            .saturating_add(self.limit.unwrap_or(usize::MAX))
            .min(total);
        if end < total {
            if end == 0 {
                found.clear();
            } else {
                found.select_nth_unstable_by(end - 1, &cmp);
                found.truncate(end);
            }
        }
        found.sort_unstable_by(&cmp);
        let items = found.into_iter().skip(self.offset).cloned().collect();
        Page { items, total }
    }
}

fn check_limit(limit: Option<usize>) -> Result<(), String> {
    match limit {
        Some(l) if !(1..=PAGE_MAX).contains(&l) => {
            Err(format!("limit must be 1..={PAGE_MAX}, not {l}"))
        }
        _ => Ok(()),
    }
}

/// Whether `actor`'s tenant is on `side` (any side: a party, or the platform).
fn on_side(
    actor: &Actor,
    side: Option<Side>,
    consumer: super::ids::TenantId,
    producer: super::ids::TenantId,
) -> bool {
    match side {
        None => party(actor, consumer, producer),
        Some(Side::Consumer) => actor.tenant == Some(consumer),
        Some(Side::Producer) => actor.tenant == Some(producer),
    }
}

/// Which agreements a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementFilter {
    pub side: Option<Side>,
    pub state: Option<AgreementState>,
    pub eservice: Option<EServiceId>,
}

/// The agreements `actor` is a party to that match `f`, newest change first (then by id), paged.
pub fn agreements(
    s: &State,
    actor: &Actor,
    f: &AgreementFilter,
    paging: Paging,
) -> Page<Agreement> {
    // A tenant's own agreements come from the index; only the platform looks at them all.
    let candidates: Box<dyn Iterator<Item = &Agreement>> = match actor.tenant {
        Some(t) if f.side.is_some() || !actor.is_platform() => Box::new(s.agreements_of(t)),
        _ => Box::new(s.agreements.values()),
    };
    let found: Vec<&Agreement> = candidates
        .filter(|a| on_side(actor, f.side, a.consumer_id, a.producer_id))
        .filter(|a| f.state.is_none_or(|st| a.state == st))
        .filter(|a| f.eservice.is_none_or(|e| a.eservice_id == e))
        .collect();
    paging.ordered(found, |x, y| {
        y.updated_at.cmp(&x.updated_at).then(x.id.cmp(&y.id))
    })
}

/// Which purposes a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurposeFilter {
    pub side: Option<Side>,
    /// Purposes with a version in this state (e.g. `WAITING_FOR_APPROVAL`: above the threshold,
    /// waiting for the producer).
    pub version_state: Option<PurposeVersionState>,
    pub eservice: Option<EServiceId>,
}

/// The purposes `actor` is a party to that match `f`, newest first (then by id), paged.
pub fn purposes(s: &State, actor: &Actor, f: &PurposeFilter, paging: Paging) -> Page<Purpose> {
    let candidates: Box<dyn Iterator<Item = &Purpose>> = match f.eservice {
        Some(e) => Box::new(s.purposes_on(e)),
        None => Box::new(s.purposes.values()),
    };
    let found: Vec<&Purpose> = candidates
        .filter(|p| {
            let producer = producer_of(s, p).unwrap_or(p.consumer_id);
            on_side(actor, f.side, p.consumer_id, producer)
        })
        .filter(|p| {
            f.version_state
                .is_none_or(|st| p.versions.iter().any(|v| v.state == st))
        })
        .filter(|p| f.eservice.is_none_or(|e| p.eservice_id == e))
        .collect();
    paging.ordered(found, |x, y| {
        y.created_at.cmp(&x.created_at).then(x.id.cmp(&y.id))
    })
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
    Ok(s.purposes_on(eservice)
        .filter(|p| p.waiting().is_some())
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

/// Which clients a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFilter {
    /// Only clients of this kind (CONSUMER: for e-services; API: for the engine's M2M API).
    pub kind: Option<super::client::ClientKind>,
}

/// The clients `actor` sees ([`clients`]) that match `f`, newest first (then by id), paged.
pub fn clients_page(s: &State, actor: &Actor, f: &ClientFilter, paging: Paging) -> Page<Client> {
    let found: Vec<&Client> = s
        .clients
        .values()
        .filter(|c| f.kind.is_none_or(|k| c.kind == k))
        .filter(|c| client(s, actor, c.id).is_ok())
        .collect();
    paging.ordered(found, |x, y| {
        y.created_at.cmp(&x.created_at).then(x.id.cmp(&y.id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::eservice::{Descriptor, DescriptorFields, EServiceMode, Technology};
    use crate::domain::ids::{AgreementId, DescriptorId, TenantId, UserId};
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn eservice(n: u128, producer: TenantId, name: &str, state: DescriptorState) -> EService {
        EService {
            id: EServiceId(id(n)),
            producer_id: producer,
            name: name.into(),
            description: format!("The {name} service"),
            technology: Technology::Rest,
            mode: EServiceMode::Deliver,
            attributes: Default::default(),
            descriptors: vec![Descriptor {
                id: DescriptorId(id(n)),
                version: 1,
                state,
                suspended_from: None,
                fields: DescriptorFields::default(),
                created_at: OffsetDateTime::UNIX_EPOCH,
                published_at: None,
            }],
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn tenant(n: u128) -> Actor {
        Actor {
            user: UserId(id(n)),
            tenant: Some(TenantId(id(n))),
            roles: [Role::Admin].into(),
        }
    }

    /// Producer 1 owns "Anagrafe" (published), "zeta" (published) and "Bozza" (a draft); producer
    /// 2 owns "anagrafe ter" (published). Ids are chosen against the names' order.
    fn state() -> State {
        let (p1, p2) = (TenantId(id(1)), TenantId(id(2)));
        let mut s = State::default();
        for e in [
            eservice(40, p1, "Anagrafe", DescriptorState::Published),
            eservice(30, p1, "zeta", DescriptorState::Published),
            eservice(20, p1, "Bozza", DescriptorState::Draft),
            eservice(10, p2, "anagrafe ter", DescriptorState::Published),
        ] {
            s.eservices.insert(e.id, e);
        }
        s
    }

    fn names(p: &Page<EService>) -> Vec<&str> {
        p.items.iter().map(|e| e.name.as_str()).collect()
    }

    fn query(text: Option<&str>, offset: usize, limit: Option<usize>) -> CatalogueQuery {
        CatalogueQuery::new(false, text, offset, limit).unwrap()
    }

    #[test]
    fn ordered_by_name_case_insensitively_and_drafts_hidden_from_others() {
        let p = eservices(&state(), &tenant(2), &CatalogueQuery::default());
        assert_eq!(names(&p), ["Anagrafe", "anagrafe ter", "zeta"]);
        assert_eq!(p.total, 3);
        let own = eservices(&state(), &tenant(1), &CatalogueQuery::default());
        assert_eq!(names(&own), ["Anagrafe", "anagrafe ter", "Bozza", "zeta"]);
    }

    #[test]
    fn equal_names_are_ordered_by_id() {
        let mut s = state();
        let twin = eservice(5, TenantId(id(3)), "zeta", DescriptorState::Published);
        s.eservices.insert(twin.id, twin);
        let p = eservices(&s, &tenant(2), &query(Some("zeta"), 0, None));
        let ids: Vec<_> = p.items.iter().map(|e| e.id.0).collect();
        assert_eq!(ids, [id(5), id(30)]);
    }

    #[test]
    fn text_matches_name_or_description_trimmed_and_case_insensitive() {
        let s = state();
        let p = eservices(&s, &tenant(2), &query(Some("  ANAGRAFE "), 0, None));
        assert_eq!(names(&p), ["Anagrafe", "anagrafe ter"]);
        let p = eservices(&s, &tenant(2), &query(Some("the ZETA serv"), 0, None));
        assert_eq!(names(&p), ["zeta"]);
        let p = eservices(&s, &tenant(2), &query(Some("nothing like it"), 0, None));
        assert_eq!((p.items.len(), p.total), (0, 0));
        let blank = eservices(&s, &tenant(2), &query(Some("   "), 0, None));
        assert_eq!(blank.total, 3);
    }

    #[test]
    fn mine_keeps_the_callers_own() {
        let q = CatalogueQuery::new(true, Some("anagrafe"), 0, None).unwrap();
        assert_eq!(names(&eservices(&state(), &tenant(1), &q)), ["Anagrafe"]);
    }

    #[test]
    fn paging_slices_the_ordered_matches_and_total_counts_them_all() {
        let s = state();
        let page = |offset, limit| eservices(&s, &tenant(1), &query(None, offset, limit));
        assert_eq!(names(&page(0, Some(2))), ["Anagrafe", "anagrafe ter"]);
        assert_eq!(names(&page(2, Some(2))), ["Bozza", "zeta"]);
        assert_eq!(names(&page(3, Some(500))), ["zeta"]);
        assert_eq!(names(&page(1, None)), ["anagrafe ter", "Bozza", "zeta"]);
        let past = page(4, Some(1));
        assert!(past.items.is_empty());
        assert_eq!(past.total, 4);
        assert_eq!(page(usize::MAX, Some(1)).total, 4);
    }

    #[test]
    fn bounds_are_checked() {
        assert!(CatalogueQuery::new(false, None, 0, Some(1)).is_ok());
        assert!(CatalogueQuery::new(false, None, 0, Some(PAGE_MAX)).is_ok());
        for bad in [0, PAGE_MAX + 1] {
            let e = CatalogueQuery::new(false, None, 0, Some(bad)).unwrap_err();
            assert!(e.contains("limit must be 1..=500"), "{e}");
        }
        let longest = "è".repeat(SEARCH_MAX_CHARS);
        assert!(CatalogueQuery::new(false, Some(&format!(" {longest} ")), 0, None).is_ok());
        let e = CatalogueQuery::new(false, Some(&format!("{longest}x")), 0, None).unwrap_err();
        assert!(e.contains("at most 200 characters"), "{e}");
    }

    fn agreement(
        n: u128,
        consumer: u128,
        producer: u128,
        state: AgreementState,
        at: i64,
    ) -> Agreement {
        Agreement {
            id: AgreementId(id(n)),
            eservice_id: EServiceId(id(producer * 100)),
            descriptor_id: DescriptorId(id(producer * 100)),
            producer_id: TenantId(id(producer)),
            consumer_id: TenantId(id(consumer)),
            state,
            suspension: Default::default(),
            consumer_notes: None,
            rejection_reason: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::from_unix_timestamp(at).unwrap(),
        }
    }

    /// Tenant 1 subscribed to tenant 2's e-service (twice) and tenant 2 to tenant 1's; tenant 3
    /// to tenant 2's.
    fn agreements_state() -> State {
        let mut s = State::default();
        for a in [
            agreement(1, 1, 2, AgreementState::Active, 10),
            agreement(2, 1, 2, AgreementState::Pending, 30),
            agreement(3, 2, 1, AgreementState::Pending, 20),
            agreement(4, 3, 2, AgreementState::Pending, 40),
        ] {
            s.apply(crate::domain::state::Event::AgreementSaved(a));
        }
        s
    }

    fn ids(p: &Page<Agreement>) -> Vec<u128> {
        p.items.iter().map(|a| a.id.0.as_u128()).collect()
    }

    #[test]
    fn agreements_are_the_parties_own_newest_first_filtered_by_side_state_and_eservice() {
        let s = agreements_state();
        let f = |side, state, eservice| AgreementFilter {
            side,
            state,
            eservice,
        };
        let all_of = Paging::default();
        let all = agreements(&s, &tenant(1), &f(None, None, None), all_of);
        assert_eq!((ids(&all), all.total), (vec![2, 3, 1], 3));
        let mine = agreements(&s, &tenant(1), &f(Some(Side::Consumer), None, None), all_of);
        assert_eq!(ids(&mine), [2, 1]);
        let received = agreements(&s, &tenant(2), &f(Some(Side::Producer), None, None), all_of);
        assert_eq!(ids(&received), [4, 2, 1]);
        let pending = f(Some(Side::Producer), Some(AgreementState::Pending), None);
        let page = agreements(&s, &tenant(2), &pending, Paging::new(0, Some(1)).unwrap());
        assert_eq!((ids(&page), page.total), (vec![4], 2));
        let second = agreements(&s, &tenant(2), &pending, Paging::new(1, Some(1)).unwrap());
        assert_eq!((ids(&second), second.total), (vec![2], 2));
        let on = f(None, None, Some(EServiceId(id(100))));
        assert_eq!(ids(&agreements(&s, &tenant(2), &on, all_of)), [3]);
        // Tenant 3 never sees the others' agreements, whatever it asks.
        let theirs = agreements(&s, &tenant(3), &f(Some(Side::Producer), None, None), all_of);
        assert_eq!(theirs.total, 0);
        assert!(Paging::new(0, Some(PAGE_MAX + 1)).is_err());
        assert!(Paging::new(0, Some(0)).is_err());
    }

    /// Selecting the page's end first and sorting only up to it gives the same pages as sorting
    /// everything.
    #[test]
    fn partial_ordering_pages_like_a_full_sort() {
        let values: Vec<u32> = (0..200u32).map(|n| n.wrapping_mul(7919) % 101).collect();
        let mut sorted: Vec<u32> = values.clone();
        sorted.sort_unstable();
        for (offset, limit) in [
            (0, Some(1)),
            (0, Some(20)),
            (19, Some(20)),
            (150, Some(100)),
            (199, Some(5)),
            (200, Some(5)),
            (7, None),
            (0, None),
        ] {
            let page = Paging::new(offset, limit)
                .unwrap()
                .ordered(values.iter().collect(), |a, b| a.cmp(b));
            let expected: Vec<u32> = sorted
                .iter()
                .skip(offset)
                .take(limit.unwrap_or(usize::MAX))
                .copied()
                .collect();
            assert_eq!(
                (page.items, page.total),
                (expected, 200),
                "{offset} {limit:?}"
            );
        }
    }
}
