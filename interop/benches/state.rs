//! The engine's in-memory lookups with their derived indexes, next to the scans they replaced,
//! in one run: a consumer's live agreement on an e-service (what the token endpoint asks at
//! every voucher) and a tenant's first page of agreements (the console's request lists).
//!
//! `cargo bench -p interop --bench state` (options after `--`: `--agreements N`, `--tenants N`).
//! Builds the state through `State::apply` (as the engine does from its log): `--tenants`
//! tenants, each producing one e-service, and `--agreements` agreements spread over them, each
//! between two tenants. Prints ns per lookup for the index and the scan, and their ratio.

use interop::domain::actor::{Actor, Role};
use interop::domain::agreement::{Agreement, AgreementState};
use interop::domain::ids::{AgreementId, DescriptorId, EServiceId, TenantId, UserId};
use interop::domain::queries::{AgreementFilter, Paging, Side, agreements};
use interop::domain::state::{Event, State};
use std::hint::black_box;
use std::time::Instant;
use time::OffsetDateTime;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// ns per call of `f`, over `n` calls cycling through `inputs`.
fn time<T>(inputs: &[T], n: usize, mut f: impl FnMut(&T) -> usize) -> f64 {
    let started = Instant::now();
    let mut sink = 0;
    for i in 0..n {
        sink += f(&inputs[i % inputs.len()]);
    }
    black_box(sink);
    started.elapsed().as_nanos() as f64 / n as f64
}

fn main() {
    let total = arg("--agreements", 100_000);
    let tenants = arg("--tenants", 1_000).max(2);
    let ids: Vec<TenantId> = (0..tenants).map(|_| TenantId::random()).collect();
    let eservices: Vec<EServiceId> = (0..tenants).map(|_| EServiceId::random()).collect();
    let mut s = State::default();
    let mut pairs = Vec::with_capacity(total);
    for n in 0..total {
        // Consumer n % tenants on the e-service of producer (n / tenants + 1 + n) % tenants.
        let consumer = n % tenants;
        let producer = (consumer + 1 + n / tenants) % tenants;
        let producer = if producer == consumer {
            (producer + 1) % tenants
        } else {
            producer
        };
        let a = Agreement {
            id: AgreementId::random(),
            eservice_id: eservices[producer],
            descriptor_id: DescriptorId::random(),
            producer_id: ids[producer],
            consumer_id: ids[consumer],
            state: AgreementState::Active,
            suspension: Default::default(),
            consumer_notes: None,
            rejection_reason: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::from_unix_timestamp(n as i64).unwrap(),
        };
        pairs.push((a.consumer_id, a.eservice_id));
        s.apply(Event::AgreementSaved(a));
    }
    println!(
        "{total} agreements between {tenants} tenants (about {} per tenant, both sides)",
        2 * total / tenants
    );

    // A consumer's live agreement on an e-service.
    let n = 20_000;
    let index = time(&pairs, n, |(c, e)| {
        usize::from(s.live_agreement(*c, *e).is_some())
    });
    let scan = time(&pairs, n, |(c, e)| {
        usize::from(
            s.agreements
                .values()
                .any(|a| a.consumer_id == *c && a.eservice_id == *e && a.state.is_live()),
        )
    });
    println!(
        "live agreement (token endpoint): index {index:.0} ns, scan {scan:.0} ns: {:.2}x",
        scan / index
    );

    // A producer's first page of agreements received.
    let actors: Vec<Actor> = ids
        .iter()
        .map(|t| Actor {
            user: UserId::random(),
            tenant: Some(*t),
            roles: [Role::Admin].into_iter().collect(),
        })
        .collect();
    let filter = AgreementFilter {
        side: Some(Side::Producer),
        ..AgreementFilter::default()
    };
    let page = Paging::new(0, Some(20)).unwrap();
    let n = 2_000;
    let index = time(&actors, n, |actor| {
        agreements(&s, actor, &filter, page).items.len()
    });
    let scan = time(&actors, n, |actor| {
        // What the list did before the index: every agreement filtered, then the same paging
        // (the page's end selected in linear time, then only the page sorted).
        let mut found: Vec<&Agreement> = s
            .agreements
            .values()
            .filter(|a| Some(a.producer_id) == actor.tenant)
            .collect();
        let newest =
            |x: &&Agreement, y: &&Agreement| y.updated_at.cmp(&x.updated_at).then(x.id.cmp(&y.id));
        if found.len() > 20 {
            found.select_nth_unstable_by(20, newest);
            found.truncate(20);
        }
        found.sort_by(newest);
        found.len()
    });
    println!(
        "a producer's first page of agreements: index {:.1} µs, scan {:.1} µs: {:.2}x",
        index / 1_000.0,
        scan / 1_000.0,
        scan / index
    );
}
