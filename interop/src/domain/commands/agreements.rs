//! Agreements: subscribe, submit, approve/reject, two-sided suspension, upgrade.

use crate::domain::actor::Ctx;
use crate::domain::agreement::{Agreement, AgreementState, Side, SuspensionFlags, sides_of};
use crate::domain::error::{DomainResult, ErrorCode, fail};
use crate::domain::eservice::ApprovalPolicy;
use crate::domain::ids::{AgreementId, DescriptorId, EServiceId};
use crate::domain::state::{Event, State};

/// The commands on agreements (richieste di fruizione).
#[derive(Debug, Clone)]
pub enum AgreementCommand {
    Create {
        id: AgreementId,
        eservice: EServiceId,
        descriptor: Option<DescriptorId>,
        consumer_notes: Option<String>,
    },
    Submit {
        id: AgreementId,
    },
    Approve {
        id: AgreementId,
    },
    Reject {
        id: AgreementId,
        reason: String,
    },
    Suspend {
        id: AgreementId,
    },
    Activate {
        id: AgreementId,
    },
    Upgrade {
        id: AgreementId,
        new_id: AgreementId,
    },
    Delete {
        id: AgreementId,
    },
}

impl AgreementCommand {
    /// The command's name in the event log (its `command` column): stable across renames.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "CreateAgreement",
            Self::Submit { .. } => "SubmitAgreement",
            Self::Approve { .. } => "ApproveAgreement",
            Self::Reject { .. } => "RejectAgreement",
            Self::Suspend { .. } => "SuspendAgreement",
            Self::Activate { .. } => "ActivateAgreement",
            Self::Upgrade { .. } => "UpgradeAgreement",
            Self::Delete { .. } => "DeleteAgreement",
        }
    }
}

/// Decides an agreement command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: AgreementCommand) -> DomainResult<Vec<Event>> {
    use AgreementCommand as C;
    match cmd {
        C::Create {
            id,
            eservice,
            descriptor,
            consumer_notes,
        } => create(s, ctx, id, eservice, descriptor, consumer_notes),
        C::Submit { id } => submit(s, ctx, id),
        C::Approve { id } => approve(s, ctx, id),
        C::Reject { id, reason } => reject(s, ctx, id, reason),
        C::Suspend { id } => set_suspended(s, ctx, id, true),
        C::Activate { id } => set_suspended(s, ctx, id, false),
        C::Upgrade { id, new_id } => upgrade(s, ctx, id, new_id),
        C::Delete { id } => delete(s, ctx, id),
    }
}

fn as_consumer<'a>(s: &'a State, ctx: &Ctx, id: AgreementId) -> DomainResult<&'a Agreement> {
    let tenant = ctx.actor.require_admin()?;
    let a = visible(s, ctx, id)?;
    if a.consumer_id != tenant {
        return fail(ErrorCode::NOT_CONSUMER, "only the consumer can do this");
    }
    Ok(a)
}

fn as_producer<'a>(s: &'a State, ctx: &Ctx, id: AgreementId) -> DomainResult<&'a Agreement> {
    let tenant = ctx.actor.require_admin()?;
    let a = visible(s, ctx, id)?;
    if a.producer_id != tenant {
        return fail(ErrorCode::NOT_PRODUCER, "only the producer can do this");
    }
    Ok(a)
}

/// An agreement exists for its two parties only.
fn visible<'a>(s: &'a State, ctx: &Ctx, id: AgreementId) -> DomainResult<&'a Agreement> {
    let a = s.agreement(id)?;
    let t = ctx.actor.tenant;
    if t != Some(a.consumer_id) && t != Some(a.producer_id) && !ctx.actor.is_platform() {
        return Err(crate::domain::DomainError::not_found(
            ErrorCode::AGREEMENT_NOT_FOUND,
            id,
        ));
    }
    Ok(a)
}

fn conflict<T>(a: &Agreement, what: &str) -> DomainResult<T> {
    fail(
        ErrorCode::AGREEMENT_STATE_CONFLICT,
        format!("{what}: the agreement is {:?}", a.state),
    )
}

/// Subscribes to the latest published version. One live agreement per consumer and e-service.
/// Created as DRAFT, or MISSING_CERTIFIED_ATTRIBUTES when the consumer lacks one.
fn create(
    s: &State,
    ctx: &Ctx,
    id: AgreementId,
    eservice: EServiceId,
    descriptor: Option<DescriptorId>,
    consumer_notes: Option<String>,
) -> DomainResult<Vec<Event>> {
    let consumer_id = ctx.actor.require_admin()?;
    let consumer = s.tenant(consumer_id)?;
    let e = s.eservice_for(eservice, Some(consumer_id))?;
    let Some(published) = e.published() else {
        return fail(
            ErrorCode::NO_PUBLISHED_DESCRIPTOR,
            "the e-service has no PUBLISHED version to subscribe to",
        );
    };
    if let Some(d) = descriptor
        && d != published.id
    {
        e.descriptor(d)?;
        return fail(
            ErrorCode::NO_PUBLISHED_DESCRIPTOR,
            format!(
                "only the latest published version (v{}) can be subscribed to",
                published.version
            ),
        );
    }
    if let Some(live) = s.live_agreement(consumer_id, eservice) {
        return fail(
            ErrorCode::AGREEMENT_ALREADY_EXISTS,
            format!(
                "agreement {} ({:?}) already exists for this e-service",
                live.id, live.state
            ),
        );
    }
    if let Some(n) = &consumer_notes {
        super::text("consumer_notes", n, 0..=1000)?;
    }
    let state = if e.attributes.certified_satisfied(consumer) {
        AgreementState::Draft
    } else {
        AgreementState::MissingCertifiedAttributes
    };
    Ok(vec![Event::AgreementSaved(Agreement {
        id,
        eservice_id: eservice,
        descriptor_id: published.id,
        producer_id: e.producer_id,
        consumer_id,
        state,
        suspension: SuspensionFlags::default(),
        consumer_notes,
        rejection_reason: None,
        created_at: ctx.now,
        updated_at: ctx.now,
    })])
}

/// Submits a draft: declares the implied declared attributes, then ACTIVE at once when the
/// policy is AUTOMATIC and every verified attribute is already verified, else PENDING.
fn submit(s: &State, ctx: &Ctx, id: AgreementId) -> DomainResult<Vec<Event>> {
    let mut a = as_consumer(s, ctx, id)?.clone();
    let e = s.eservice(a.eservice_id)?;
    let mut consumer = s.tenant(a.consumer_id)?.clone();
    match a.state {
        AgreementState::Draft => {}
        AgreementState::MissingCertifiedAttributes => {
            return fail(
                ErrorCode::MISSING_CERTIFIED_ATTRIBUTES,
                "the consumer lacks a required certified attribute",
            );
        }
        _ => return conflict(&a, "only a DRAFT can be submitted"),
    }
    if !e.attributes.certified_satisfied(&consumer) {
        return fail(
            ErrorCode::MISSING_CERTIFIED_ATTRIBUTES,
            "the consumer lacks a required certified attribute",
        );
    }
    // A draft follows the catalogue: it is submitted on the version published now.
    let Some(published) = e.published() else {
        return fail(
            ErrorCode::NO_PUBLISHED_DESCRIPTOR,
            "the e-service has no PUBLISHED version now",
        );
    };
    a.descriptor_id = published.id;
    let implied = e.attributes.implied_declarations(&consumer);
    let mut events = Vec::new();
    if !implied.is_empty() {
        consumer.declared.extend(implied);
        events.push(Event::TenantSaved(consumer.clone()));
    }
    let automatic = published.fields.agreement_approval_policy == Some(ApprovalPolicy::Automatic);
    a.state = if automatic && e.attributes.verified_satisfied(&consumer, a.producer_id) {
        AgreementState::Active
    } else {
        AgreementState::Pending
    };
    a.updated_at = ctx.now;
    events.push(Event::AgreementSaved(a));
    Ok(events)
}

/// The producer approves a PENDING agreement; refused while a verified attribute it must verify
/// is unverified.
fn approve(s: &State, ctx: &Ctx, id: AgreementId) -> DomainResult<Vec<Event>> {
    let mut a = as_producer(s, ctx, id)?.clone();
    if a.state != AgreementState::Pending {
        return conflict(&a, "only a PENDING agreement can be approved");
    }
    let e = s.eservice(a.eservice_id)?;
    let consumer = s.tenant(a.consumer_id)?;
    if !e.attributes.certified_satisfied(consumer) {
        return fail(
            ErrorCode::MISSING_CERTIFIED_ATTRIBUTES,
            "the consumer lacks a required certified attribute",
        );
    }
    if !e.attributes.verified_satisfied(consumer, a.producer_id) {
        let missing: Vec<String> = e
            .attributes
            .verified
            .iter()
            .filter(|g| {
                !g.iter()
                    .any(|x| consumer.is_verified(x.id, a.producer_id, !x.explicit_verification))
            })
            .flat_map(|g| g.iter().map(|x| x.id.to_string()))
            .collect();
        return Err(crate::domain::DomainError::new(
            ErrorCode::VERIFIED_ATTRIBUTES_NOT_VERIFIED,
            "verify the consumer's verified attributes before approving",
        )
        .with_fields(missing));
    }
    a.state = AgreementState::Active;
    a.updated_at = ctx.now;
    Ok(vec![Event::AgreementSaved(a)])
}

fn reject(s: &State, ctx: &Ctx, id: AgreementId, reason: String) -> DomainResult<Vec<Event>> {
    let mut a = as_producer(s, ctx, id)?.clone();
    if a.state != AgreementState::Pending {
        return conflict(&a, "only a PENDING agreement can be rejected");
    }
    super::text("reason", &reason, 10..=1000)?;
    a.state = AgreementState::Rejected;
    a.rejection_reason = Some(reason);
    a.updated_at = ctx.now;
    Ok(vec![Event::AgreementSaved(a)])
}

/// Sets or lifts the caller's own suspension flag (consumer, producer, or both when a tenant
/// consumes its own e-service).
fn set_suspended(s: &State, ctx: &Ctx, id: AgreementId, suspend: bool) -> DomainResult<Vec<Event>> {
    let tenant = ctx.actor.require_admin()?;
    let mut a = visible(s, ctx, id)?.clone();
    if !matches!(a.state, AgreementState::Active | AgreementState::Suspended) {
        return conflict(
            &a,
            "only an ACTIVE or SUSPENDED agreement can be suspended or reactivated",
        );
    }
    let sides: Vec<Side> = sides_of(tenant, a.consumer_id, a.producer_id);
    if sides.iter().all(|side| a.suspension.get(*side) == suspend) {
        let what = if suspend {
            "already suspended"
        } else {
            "not suspended"
        };
        return conflict(&a, &format!("{what} by this side"));
    }
    for side in sides {
        a.suspension.set(side, suspend);
    }
    a.refresh_suspension();
    a.updated_at = ctx.now;
    Ok(vec![Event::AgreementSaved(a)])
}

/// Moves the agreement to the newest published version; its purposes follow it and the old
/// agreement is archived. Irreversible.
fn upgrade(s: &State, ctx: &Ctx, id: AgreementId, new_id: AgreementId) -> DomainResult<Vec<Event>> {
    let old = as_consumer(s, ctx, id)?;
    if !matches!(
        old.state,
        AgreementState::Active | AgreementState::Suspended
    ) {
        return conflict(old, "only an ACTIVE or SUSPENDED agreement can be upgraded");
    }
    let e = s.eservice(old.eservice_id)?;
    let current = e.descriptor(old.descriptor_id)?;
    let Some(latest) = e.published().filter(|d| d.version > current.version) else {
        return fail(
            ErrorCode::NO_NEWER_DESCRIPTOR,
            format!("no published version newer than v{}", current.version),
        );
    };
    let mut new = old.clone();
    new.id = new_id;
    new.descriptor_id = latest.id;
    new.created_at = ctx.now;
    new.updated_at = ctx.now;
    let mut archived = old.clone();
    archived.state = AgreementState::Archived;
    archived.updated_at = ctx.now;
    Ok(vec![
        Event::AgreementSaved(archived),
        Event::AgreementSaved(new),
    ])
}

/// A draft that was never submitted can be deleted by its consumer.
fn delete(s: &State, ctx: &Ctx, id: AgreementId) -> DomainResult<Vec<Event>> {
    let a = as_consumer(s, ctx, id)?;
    if !matches!(
        a.state,
        AgreementState::Draft | AgreementState::MissingCertifiedAttributes
    ) {
        return conflict(a, "only a draft agreement can be deleted");
    }
    Ok(vec![Event::AgreementDeleted(id)])
}
