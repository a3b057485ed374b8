//! Purposes: drafts, publication under the load threshold, new load estimates, the producer's
//! approvals, two-sided suspension, archive.

use crate::domain::actor::Ctx;
use crate::domain::agreement::{AgreementState, Side, sides_of};
use crate::domain::error::{DomainError, DomainResult, ErrorCode, fail};
use crate::domain::eservice::{DAILY_CALLS_RANGE, Descriptor};
use crate::domain::ids::{EServiceId, PurposeId, PurposeVersionId, TenantId};
use crate::domain::purpose::{Purpose, PurposeVersion, PurposeVersionState as V, within_threshold};
use crate::domain::state::{Event, State};
use time::{Date, OffsetDateTime};

/// The commands on purposes (finalità) and their versions (load estimates).
#[derive(Debug, Clone)]
pub enum PurposeCommand {
    Create(NewPurpose),
    UpdateDraft(PurposeDraftChanges),
    Delete {
        id: PurposeId,
    },
    CreateVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
        daily_calls: u64,
    },
    ActivateVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    ApproveVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    RejectVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
        reason: String,
    },
    SetExpectedApprovalDate {
        purpose: PurposeId,
        version: PurposeVersionId,
        date: Date,
    },
    DeleteVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    SuspendVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    ArchiveVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
}

/// A new purpose, with its first (draft) version.
#[derive(Debug, Clone)]
pub struct NewPurpose {
    pub id: PurposeId,
    pub version: PurposeVersionId,
    pub eservice: EServiceId,
    pub title: String,
    pub description: String,
    pub risk_analysis: serde_json::Value,
    pub daily_calls: u64,
}

/// The changes to a draft purpose: `None` keeps the current value.
#[derive(Debug, Clone)]
pub struct PurposeDraftChanges {
    pub id: PurposeId,
    pub title: Option<String>,
    pub description: Option<String>,
    pub risk_analysis: Option<serde_json::Value>,
    pub daily_calls: Option<u64>,
}

impl PurposeCommand {
    /// The command's name in the event log (its `command` column): stable across renames.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => "CreatePurpose",
            Self::UpdateDraft(_) => "UpdatePurposeDraft",
            Self::Delete { .. } => "DeletePurpose",
            Self::CreateVersion { .. } => "CreatePurposeVersion",
            Self::ActivateVersion { .. } => "ActivatePurposeVersion",
            Self::ApproveVersion { .. } => "ApprovePurposeVersion",
            Self::RejectVersion { .. } => "RejectPurposeVersion",
            Self::SetExpectedApprovalDate { .. } => "SetExpectedApprovalDate",
            Self::DeleteVersion { .. } => "DeletePurposeVersion",
            Self::SuspendVersion { .. } => "SuspendPurposeVersion",
            Self::ArchiveVersion { .. } => "ArchivePurposeVersion",
        }
    }
}

/// Decides a purpose command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: PurposeCommand) -> DomainResult<Vec<Event>> {
    use PurposeCommand as C;
    match cmd {
        C::Create(new) => create(s, ctx, new),
        C::UpdateDraft(changes) => update_draft(s, ctx, changes),
        C::Delete { id } => delete(s, ctx, id),
        C::CreateVersion {
            purpose,
            version,
            daily_calls,
        } => new_version(s, ctx, purpose, version, daily_calls),
        C::ActivateVersion { purpose, version } => activate(s, ctx, purpose, version),
        C::ApproveVersion { purpose, version } => approve(s, ctx, purpose, version),
        C::RejectVersion {
            purpose,
            version,
            reason,
        } => reject(s, ctx, purpose, version, reason),
        C::SetExpectedApprovalDate {
            purpose,
            version,
            date,
        } => set_expected_date(s, ctx, purpose, version, date),
        C::DeleteVersion { purpose, version } => delete_version(s, ctx, purpose, version),
        C::SuspendVersion { purpose, version } => suspend(s, ctx, purpose, version),
        C::ArchiveVersion { purpose, version } => archive(s, ctx, purpose, version),
    }
}

fn daily_calls(d: u64) -> DomainResult<u64> {
    if DAILY_CALLS_RANGE.contains(&d) {
        Ok(d)
    } else {
        Err(DomainError::invalid(
            "daily_calls",
            "daily_calls must be 1..1000000000",
        ))
    }
}

fn risk(r: &serde_json::Value) -> DomainResult<()> {
    match r.as_object() {
        Some(o) if !o.is_empty() => Ok(()),
        _ => Err(DomainError::invalid(
            "risk_analysis",
            "risk_analysis must be a non-empty JSON object",
        )),
    }
}

/// A purpose is visible to its consumer and to the producer of its e-service.
fn visible<'a>(s: &'a State, ctx: &Ctx, id: PurposeId) -> DomainResult<(&'a Purpose, TenantId)> {
    let p = s.purpose(id)?;
    let producer = s.eservice(p.eservice_id)?.producer_id;
    let t = ctx.actor.tenant;
    if t != Some(p.consumer_id) && t != Some(producer) && !ctx.actor.is_platform() {
        return Err(DomainError::not_found(ErrorCode::PURPOSE_NOT_FOUND, id));
    }
    Ok((p, producer))
}

fn as_consumer<'a>(s: &'a State, ctx: &Ctx, id: PurposeId) -> DomainResult<&'a Purpose> {
    let tenant = ctx.actor.require_admin()?;
    let (p, _) = visible(s, ctx, id)?;
    if p.consumer_id != tenant {
        return fail(ErrorCode::NOT_CONSUMER, "only the consumer can do this");
    }
    Ok(p)
}

fn as_producer<'a>(s: &'a State, ctx: &Ctx, id: PurposeId) -> DomainResult<&'a Purpose> {
    let tenant = ctx.actor.require_admin()?;
    let (p, producer) = visible(s, ctx, id)?;
    if producer != tenant {
        return fail(
            ErrorCode::NOT_PRODUCER,
            "only the e-service's producer can do this",
        );
    }
    Ok(p)
}

/// The descriptor whose limits apply: the one of the consumer's ACTIVE agreement.
fn active_agreement_descriptor(
    s: &State,
    consumer: TenantId,
    eservice: EServiceId,
) -> DomainResult<&Descriptor> {
    match s.live_agreement(consumer, eservice) {
        Some(a) if a.state == AgreementState::Active => s.agreement_descriptor(a),
        Some(a) => fail(
            ErrorCode::AGREEMENT_NOT_ACTIVE,
            format!("the agreement on this e-service is {:?}", a.state),
        ),
        None => fail(
            ErrorCode::AGREEMENT_NOT_ACTIVE,
            "no agreement on this e-service",
        ),
    }
}

/// Any agreement's descriptor (also when suspended): used for the producer's approvals and for
/// reactivation, which do not need the agreement to be active.
fn agreement_descriptor<'a>(s: &'a State, p: &Purpose) -> DomainResult<&'a Descriptor> {
    match s.live_agreement(p.consumer_id, p.eservice_id) {
        Some(a) => s.agreement_descriptor(a),
        None => fail(
            ErrorCode::AGREEMENT_NOT_ACTIVE,
            "no agreement on this e-service",
        ),
    }
}

/// Whether `d` calls fit under the threshold, not counting `p`'s own active version (which the
/// new estimate replaces).
fn fits(s: &State, p: &Purpose, descriptor: &Descriptor, d: u64) -> bool {
    let (per_consumer, total) = descriptor.limits();
    within_threshold(
        s.load(p.eservice_id, p.consumer_id, Some(p.id)),
        d,
        per_consumer,
        total,
    )
}

fn version(
    id: PurposeVersionId,
    state: V,
    daily_calls: u64,
    now: OffsetDateTime,
) -> PurposeVersion {
    PurposeVersion {
        id,
        state,
        daily_calls,
        created_at: now,
        activated_at: (state == V::Active).then_some(now),
        expected_approval_date: None,
        rejection_reason: None,
    }
}

fn create(s: &State, ctx: &Ctx, new: NewPurpose) -> DomainResult<Vec<Event>> {
    let NewPurpose {
        id,
        version: version_id,
        eservice,
        title,
        description,
        risk_analysis,
        daily_calls: calls,
    } = new;
    let consumer = ctx.actor.require_admin()?;
    s.eservice_for(eservice, Some(consumer))?;
    active_agreement_descriptor(s, consumer, eservice)?;
    Purpose::validate_texts(title.trim(), description.trim())?;
    risk(&risk_analysis)?;
    let calls = daily_calls(calls)?;
    Ok(vec![Event::PurposeSaved(Purpose {
        id,
        eservice_id: eservice,
        consumer_id: consumer,
        title: title.trim().to_owned(),
        description: description.trim().to_owned(),
        risk_analysis,
        versions: vec![version(version_id, V::Draft, calls, ctx.now)],
        suspension: Default::default(),
        created_at: ctx.now,
    })])
}

fn only_draft(p: &Purpose) -> DomainResult<()> {
    if p.versions.len() == 1 && p.versions[0].state == V::Draft {
        Ok(())
    } else {
        fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "only a purpose that was never published (a draft) can be changed or deleted",
        )
    }
}

fn update_draft(s: &State, ctx: &Ctx, changes: PurposeDraftChanges) -> DomainResult<Vec<Event>> {
    let PurposeDraftChanges {
        id,
        title,
        description,
        risk_analysis,
        daily_calls: calls,
    } = changes;
    let mut p = as_consumer(s, ctx, id)?.clone();
    only_draft(&p)?;
    if let Some(t) = title {
        p.title = t.trim().to_owned();
    }
    if let Some(d) = description {
        p.description = d.trim().to_owned();
    }
    Purpose::validate_texts(&p.title, &p.description)?;
    if let Some(r) = risk_analysis {
        risk(&r)?;
        p.risk_analysis = r;
    }
    if let Some(c) = calls {
        p.versions[0].daily_calls = daily_calls(c)?;
    }
    Ok(vec![Event::PurposeSaved(p)])
}

/// Deletes a draft purpose (and detaches it from its clients).
fn delete(s: &State, ctx: &Ctx, id: PurposeId) -> DomainResult<Vec<Event>> {
    let p = as_consumer(s, ctx, id)?;
    only_draft(p)?;
    let mut events = vec![Event::PurposeDeleted(id)];
    for c in s.clients.values().filter(|c| c.purposes.contains(&id)) {
        let mut c = c.clone();
        c.purposes.remove(&id);
        events.push(Event::ClientSaved(c));
    }
    Ok(events)
}

/// A new load estimate. Under the threshold it replaces the active version at once; over it, it
/// waits for the producer while the old estimate keeps working.
fn new_version(
    s: &State,
    ctx: &Ctx,
    id: PurposeId,
    version_id: PurposeVersionId,
    calls: u64,
) -> DomainResult<Vec<Event>> {
    let mut p = as_consumer(s, ctx, id)?.clone();
    let calls = daily_calls(calls)?;
    if p.waiting().is_some() {
        return fail(
            ErrorCode::PURPOSE_VERSION_PENDING,
            "a load estimate is already waiting for the producer's approval: withdraw it first",
        );
    }
    if p.active().is_none() {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "a new load estimate needs an ACTIVE purpose (not draft, suspended or archived)",
        );
    }
    let descriptor = active_agreement_descriptor(s, p.consumer_id, p.eservice_id)?;
    if fits(s, &p, descriptor, calls) {
        for v in p.versions.iter_mut().filter(|v| v.state == V::Active) {
            v.state = V::Archived;
        }
        p.versions
            .push(version(version_id, V::Active, calls, ctx.now));
    } else {
        p.versions
            .push(version(version_id, V::WaitingForApproval, calls, ctx.now));
    }
    Ok(vec![Event::PurposeSaved(p)])
}

/// `activate` on a version: publishes a DRAFT (consumer; ACTIVE or WAITING_FOR_APPROVAL by the
/// threshold), lifts the caller's suspension of a SUSPENDED one, or approves a waiting one
/// (producer; same as `approve`).
fn activate(
    s: &State,
    ctx: &Ctx,
    id: PurposeId,
    vid: PurposeVersionId,
) -> DomainResult<Vec<Event>> {
    let tenant = ctx.actor.require_admin()?;
    let (p, producer) = visible(s, ctx, id)?;
    let mut p = p.clone();
    let state = p.version_mut(vid)?.state;
    match state {
        V::Draft => {
            if p.consumer_id != tenant {
                return fail(
                    ErrorCode::NOT_CONSUMER,
                    "only the consumer publishes its purpose",
                );
            }
            let descriptor = active_agreement_descriptor(s, p.consumer_id, p.eservice_id)?;
            let d = p.version_mut(vid)?.daily_calls;
            let next = if fits(s, &p, descriptor, d) {
                V::Active
            } else {
                V::WaitingForApproval
            };
            let v = p.version_mut(vid)?;
            v.state = next;
            if next == V::Active {
                v.activated_at = Some(ctx.now);
            }
        }
        V::Suspended => {
            let sides = sides_of(tenant, p.consumer_id, producer);
            if !sides.iter().any(|side| p.suspension.get(*side)) {
                return fail(
                    ErrorCode::PURPOSE_STATE_CONFLICT,
                    "this side has not suspended the purpose",
                );
            }
            for side in sides {
                p.suspension.set(side, false);
            }
            if !p.suspension.any() {
                // Its load was freed while suspended: it comes back only if it still fits.
                let descriptor = agreement_descriptor(s, &p)?;
                let d = p.version_mut(vid)?.daily_calls;
                let next = if fits(s, &p, descriptor, d) {
                    V::Active
                } else if p.waiting().is_some() {
                    // A newer estimate already waits for the producer: it supersedes this one.
                    V::Archived
                } else {
                    V::WaitingForApproval
                };
                p.version_mut(vid)?.state = next;
            }
        }
        V::WaitingForApproval => return approve(s, ctx, id, vid),
        other => {
            return fail(
                ErrorCode::PURPOSE_STATE_CONFLICT,
                format!("a {other:?} version cannot be activated"),
            );
        }
    }
    Ok(vec![Event::PurposeSaved(p)])
}

/// The producer activates a version waiting for approval; it replaces the current version.
fn approve(s: &State, ctx: &Ctx, id: PurposeId, vid: PurposeVersionId) -> DomainResult<Vec<Event>> {
    let mut p = as_producer(s, ctx, id)?.clone();
    if p.version_mut(vid)?.state != V::WaitingForApproval {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "only a version WAITING_FOR_APPROVAL can be approved",
        );
    }
    for v in p
        .versions
        .iter_mut()
        .filter(|v| matches!(v.state, V::Active | V::Suspended))
    {
        v.state = V::Archived;
    }
    let suspended = p.suspension.any();
    let v = p.version_mut(vid)?;
    v.state = if suspended { V::Suspended } else { V::Active };
    v.activated_at = Some(ctx.now);
    v.expected_approval_date = None;
    Ok(vec![Event::PurposeSaved(p)])
}

fn reject(
    s: &State,
    ctx: &Ctx,
    id: PurposeId,
    vid: PurposeVersionId,
    reason: String,
) -> DomainResult<Vec<Event>> {
    let mut p = as_producer(s, ctx, id)?.clone();
    super::text("reason", &reason, 10..=1000)?;
    let v = p.version_mut(vid)?;
    if v.state != V::WaitingForApproval {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "only a version WAITING_FOR_APPROVAL can be rejected",
        );
    }
    v.state = V::Rejected;
    v.rejection_reason = Some(reason);
    Ok(vec![Event::PurposeSaved(p)])
}

/// The producer announces (or moves) when it expects to activate a waiting version.
fn set_expected_date(
    s: &State,
    ctx: &Ctx,
    id: PurposeId,
    vid: PurposeVersionId,
    date: Date,
) -> DomainResult<Vec<Event>> {
    let mut p = as_producer(s, ctx, id)?.clone();
    let v = p.version_mut(vid)?;
    if v.state != V::WaitingForApproval {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "an expected completion date is set only on a version WAITING_FOR_APPROVAL",
        );
    }
    if date < ctx.now.date() {
        return Err(DomainError::invalid(
            "expected_approval_date",
            "the date is in the past",
        ));
    }
    v.expected_approval_date = Some(date);
    Ok(vec![Event::PurposeSaved(p)])
}

/// The consumer withdraws a load estimate still waiting for approval (the first version of a
/// purpose is archived instead, since a purpose keeps at least one version).
fn delete_version(
    s: &State,
    ctx: &Ctx,
    id: PurposeId,
    vid: PurposeVersionId,
) -> DomainResult<Vec<Event>> {
    let mut p = as_consumer(s, ctx, id)?.clone();
    if p.version_mut(vid)?.state != V::WaitingForApproval {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "only a version WAITING_FOR_APPROVAL can be withdrawn",
        );
    }
    if p.versions.len() == 1 {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "this is the purpose's only version: archive it instead",
        );
    }
    p.versions.retain(|v| v.id != vid);
    Ok(vec![Event::PurposeSaved(p)])
}

/// Either side suspends unilaterally; the load is freed at once.
fn suspend(s: &State, ctx: &Ctx, id: PurposeId, vid: PurposeVersionId) -> DomainResult<Vec<Event>> {
    let tenant = ctx.actor.require_admin()?;
    let (p, producer) = visible(s, ctx, id)?;
    let mut p = p.clone();
    let sides: Vec<Side> = sides_of(tenant, p.consumer_id, producer);
    let v = p.version_mut(vid)?;
    if !matches!(v.state, V::Active | V::Suspended) {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            format!("a {:?} version cannot be suspended", v.state),
        );
    }
    if sides.iter().all(|side| p.suspension.get(*side)) {
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            "already suspended by this side",
        );
    }
    p.version_mut(vid)?.state = V::Suspended;
    for side in sides {
        p.suspension.set(side, true);
    }
    Ok(vec![Event::PurposeSaved(p)])
}

/// The consumer archives the purpose: irreversible; its load is freed and its keys stop working
/// for it. Versions still waiting are archived with it.
fn archive(s: &State, ctx: &Ctx, id: PurposeId, vid: PurposeVersionId) -> DomainResult<Vec<Event>> {
    let mut p = as_consumer(s, ctx, id)?.clone();
    let v = p.version_mut(vid)?;
    let archivable = matches!(v.state, V::Active | V::Suspended)
        || (v.state == V::WaitingForApproval && p.current().is_none());
    if !archivable {
        let state = p.version_mut(vid)?.state;
        return fail(
            ErrorCode::PURPOSE_STATE_CONFLICT,
            format!("a {state:?} version cannot be archived"),
        );
    }
    for v in p
        .versions
        .iter_mut()
        .filter(|v| matches!(v.state, V::Active | V::Suspended | V::WaitingForApproval))
    {
        v.state = V::Archived;
    }
    Ok(vec![Event::PurposeSaved(p)])
}
