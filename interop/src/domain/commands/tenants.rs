//! Tenants, users and attributes.

use super::text;
use crate::domain::actor::Ctx;
use crate::domain::actor::Role;
use crate::domain::agreement::{AgreementState, Side};
use crate::domain::attribute::{Attribute, AttributeKind};
use crate::domain::error::{DomainError, DomainResult, ErrorCode, fail};
use crate::domain::ids::{AttributeId, TenantId, UserId};
use crate::domain::state::{Event, State};
use crate::domain::tenant::{NewUser, Tenant, User, UserState, Verification};
use std::collections::{BTreeMap, BTreeSet};

/// The commands on tenants, their users and the attributes they hold.
#[derive(Debug, Clone)]
pub enum TenantCommand {
    Create {
        id: TenantId,
        name: String,
        admin: NewUser,
    },
    AddUser {
        tenant: TenantId,
        user: NewUser,
    },
    SetUserSuspended {
        tenant: TenantId,
        user: UserId,
        suspended: bool,
    },
    RemoveUser {
        tenant: TenantId,
        user: UserId,
    },
    CreateAttribute {
        id: AttributeId,
        kind: AttributeKind,
        name: String,
        description: String,
    },
    AssignCertified {
        tenant: TenantId,
        attribute: AttributeId,
    },
    RevokeCertified {
        tenant: TenantId,
        attribute: AttributeId,
    },
    Declare {
        tenant: TenantId,
        attribute: AttributeId,
    },
    RevokeDeclared {
        tenant: TenantId,
        attribute: AttributeId,
    },
    Verify {
        tenant: TenantId,
        attribute: AttributeId,
    },
    RevokeVerification {
        tenant: TenantId,
        attribute: AttributeId,
    },
}

impl TenantCommand {
    /// The command's name in the event log (its `command` column): stable across renames.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "CreateTenant",
            Self::AddUser { .. } => "AddUser",
            Self::SetUserSuspended { .. } => "SetUserSuspended",
            Self::RemoveUser { .. } => "RemoveUser",
            Self::CreateAttribute { .. } => "CreateAttribute",
            Self::AssignCertified { .. } => "AssignCertified",
            Self::RevokeCertified { .. } => "RevokeCertified",
            Self::Declare { .. } => "Declare",
            Self::RevokeDeclared { .. } => "RevokeDeclared",
            Self::Verify { .. } => "Verify",
            Self::RevokeVerification { .. } => "RevokeVerification",
        }
    }
}

/// Decides a tenant command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: TenantCommand) -> DomainResult<Vec<Event>> {
    use TenantCommand as C;
    match cmd {
        C::Create { id, name, admin } => create_tenant(s, ctx, id, name, admin),
        C::AddUser { tenant, user } => add_user(s, ctx, tenant, user),
        C::SetUserSuspended {
            tenant,
            user,
            suspended,
        } => set_user_suspended(s, ctx, tenant, user, suspended),
        C::RemoveUser { tenant, user } => remove_user(s, ctx, tenant, user),
        C::CreateAttribute {
            id,
            kind,
            name,
            description,
        } => create_attribute(s, ctx, id, kind, name, description),
        C::AssignCertified { tenant, attribute } => set_certified(s, ctx, tenant, attribute, true),
        C::RevokeCertified { tenant, attribute } => set_certified(s, ctx, tenant, attribute, false),
        C::Declare { tenant, attribute } => set_declared(s, ctx, tenant, attribute, true),
        C::RevokeDeclared { tenant, attribute } => set_declared(s, ctx, tenant, attribute, false),
        C::Verify { tenant, attribute } => set_verified(s, ctx, tenant, attribute, true),
        C::RevokeVerification { tenant, attribute } => {
            set_verified(s, ctx, tenant, attribute, false)
        }
    }
}

fn new_user(ctx: &Ctx, u: NewUser) -> DomainResult<User> {
    text("name", &u.name, 1..=100)?;
    if u.roles.is_empty() {
        return Err(DomainError::new(
            ErrorCode::USER_ROLE_MISMATCH,
            "a user needs at least one of admin, api, security",
        )
        .with_fields(vec!["roles".into()]));
    }
    if u.roles.contains(&Role::Platform) || u.roles.contains(&Role::M2m) {
        return Err(DomainError::new(
            ErrorCode::USER_ROLE_MISMATCH,
            "platform and m2m are not roles of a tenant's users",
        )
        .with_fields(vec!["roles".into()]));
    }
    Ok(User {
        id: u.id,
        name: u.name.trim().to_owned(),
        roles: u.roles,
        state: UserState::Active,
        created_at: ctx.now,
    })
}

/// Platform: registers a tenant with its first administrator.
fn create_tenant(
    s: &State,
    ctx: &Ctx,
    id: TenantId,
    name: String,
    mut admin: NewUser,
) -> DomainResult<Vec<Event>> {
    ctx.actor.require_platform()?;
    text("name", &name, 2..=200)?;
    if s.tenants
        .values()
        .any(|t| t.name.eq_ignore_ascii_case(name.trim()))
    {
        return fail(
            ErrorCode::TENANT_NAME_TAKEN,
            format!("a tenant named {name:?} exists"),
        );
    }
    // A person may administer several tenants (the user guide's "enti dei quali sono
    // amministratori"): users are kept per tenant, and each token names the one it acts for.
    admin.roles.insert(Role::Admin);
    let admin = new_user(ctx, admin)?;
    Ok(vec![Event::TenantSaved(Tenant {
        id,
        name: name.trim().to_owned(),
        created_at: ctx.now,
        users: BTreeMap::from([(admin.id, admin)]),
        certified: BTreeSet::new(),
        declared: BTreeSet::new(),
        verified: BTreeMap::new(),
    })])
}

fn own_tenant<'a>(s: &'a State, ctx: &Ctx, tenant: TenantId) -> DomainResult<&'a Tenant> {
    let t = s.tenant(tenant)?;
    if ctx.actor.require_admin()? != tenant {
        return fail(
            ErrorCode::ROLE_REQUIRED,
            "only the tenant's own administrators manage it",
        );
    }
    Ok(t)
}

fn add_user(s: &State, ctx: &Ctx, tenant: TenantId, user: NewUser) -> DomainResult<Vec<Event>> {
    let mut t = own_tenant(s, ctx, tenant)?.clone();
    // Per tenant: the same person may be a user of other tenants too, with other roles.
    if t.users.contains_key(&user.id) {
        return Err(DomainError::new(
            ErrorCode::USER_ALREADY_EXISTS,
            format!("user {} is already a user of this tenant", user.id),
        )
        .with_fields(vec!["id".into()]));
    }
    let user = new_user(ctx, user)?;
    t.users.insert(user.id, user);
    Ok(vec![Event::TenantSaved(t)])
}

fn other_user<'a>(t: &'a mut Tenant, ctx: &Ctx, user: UserId) -> DomainResult<&'a mut User> {
    if ctx.actor.user == user {
        return fail(
            ErrorCode::USER_ROLE_MISMATCH,
            "administrators cannot suspend or remove themselves",
        );
    }
    t.users
        .get_mut(&user)
        .ok_or_else(|| crate::domain::DomainError::not_found(ErrorCode::USER_NOT_FOUND, user))
}

/// Suspends or reactivates a user. Keys they uploaded are not touched.
fn set_user_suspended(
    s: &State,
    ctx: &Ctx,
    tenant: TenantId,
    user: UserId,
    suspended: bool,
) -> DomainResult<Vec<Event>> {
    let mut t = own_tenant(s, ctx, tenant)?.clone();
    let u = other_user(&mut t, ctx, user)?;
    u.state = if suspended {
        UserState::Suspended
    } else {
        UserState::Active
    };
    Ok(vec![Event::TenantSaved(t)])
}

/// Removes a user from the tenant and from the clients they belonged to; their keys stay.
fn remove_user(s: &State, ctx: &Ctx, tenant: TenantId, user: UserId) -> DomainResult<Vec<Event>> {
    let mut t = own_tenant(s, ctx, tenant)?.clone();
    other_user(&mut t, ctx, user)?;
    t.users.remove(&user);
    let mut events = vec![Event::TenantSaved(t)];
    for c in s
        .clients
        .values()
        .filter(|c| c.consumer_id == tenant && c.members.contains(&user))
    {
        let mut c = c.clone();
        c.members.remove(&user);
        events.push(Event::ClientSaved(c));
    }
    Ok(events)
}

/// Certified attributes are defined by the platform; declared and verified ones by any tenant's
/// admin or API operator.
fn create_attribute(
    s: &State,
    ctx: &Ctx,
    id: AttributeId,
    kind: AttributeKind,
    name: String,
    description: String,
) -> DomainResult<Vec<Event>> {
    let origin = match kind {
        AttributeKind::Certified => {
            ctx.actor.require_platform()?;
            None
        }
        _ if ctx.actor.is_platform() => None,
        _ => Some(ctx.actor.require(&[Role::Api])?),
    };
    text("name", &name, 2..=100)?;
    text("description", &description, 2..=500)?;
    if s.attributes
        .values()
        .any(|a| a.kind == kind && a.name.eq_ignore_ascii_case(name.trim()))
    {
        return fail(
            ErrorCode::ATTRIBUTE_NAME_TAKEN,
            format!("a {kind:?} attribute named {name:?} exists"),
        );
    }
    Ok(vec![Event::AttributeSaved(Attribute {
        id,
        kind,
        name: name.trim().to_owned(),
        description: description.trim().to_owned(),
        origin,
        created_at: ctx.now,
    })])
}

fn attribute_of_kind(s: &State, id: AttributeId, kind: AttributeKind) -> DomainResult<()> {
    let a = s.attribute(id)?;
    if a.kind != kind {
        return fail(
            ErrorCode::ATTRIBUTE_KIND_MISMATCH,
            format!("attribute {id} is {:?}, not {kind:?}", a.kind),
        );
    }
    Ok(())
}

/// Platform: assigns or revokes a certified attribute, then re-checks the tenant's agreements
/// (a revoked requirement suspends them "by the platform"; a restored one lifts that).
fn set_certified(
    s: &State,
    ctx: &Ctx,
    tenant: TenantId,
    attribute: AttributeId,
    assign: bool,
) -> DomainResult<Vec<Event>> {
    ctx.actor.require_platform()?;
    attribute_of_kind(s, attribute, AttributeKind::Certified)?;
    let mut t = s.tenant(tenant)?.clone();
    if assign && !t.certified.insert(attribute) {
        return fail(
            ErrorCode::ATTRIBUTE_ALREADY_ASSIGNED,
            "the tenant already holds this attribute",
        );
    }
    if !assign && !t.certified.remove(&attribute) {
        return fail(
            ErrorCode::ATTRIBUTE_NOT_ASSIGNED,
            "the tenant does not hold this attribute",
        );
    }
    let mut events = recheck_certified(s, &t);
    events.insert(0, Event::TenantSaved(t));
    Ok(events)
}

/// Re-derives every agreement of `consumer` from its certified attributes.
fn recheck_certified(s: &State, consumer: &Tenant) -> Vec<Event> {
    let mut events = Vec::new();
    for a in s
        .agreements
        .values()
        .filter(|a| a.consumer_id == consumer.id)
    {
        let Ok(e) = s.eservice(a.eservice_id) else {
            continue;
        };
        let ok = e.attributes.certified_satisfied(consumer);
        let mut next = a.clone();
        match a.state {
            AgreementState::Draft if !ok => next.state = AgreementState::MissingCertifiedAttributes,
            AgreementState::MissingCertifiedAttributes if ok => next.state = AgreementState::Draft,
            AgreementState::Active | AgreementState::Suspended => {
                next.suspension.set(Side::Platform, !ok);
                next.refresh_suspension();
            }
            _ => {}
        }
        if next != *a {
            events.push(Event::AgreementSaved(next));
        }
    }
    events
}

/// A tenant's admin declares (or withdraws) a declared attribute for its own tenant.
fn set_declared(
    s: &State,
    ctx: &Ctx,
    tenant: TenantId,
    attribute: AttributeId,
    declare: bool,
) -> DomainResult<Vec<Event>> {
    let mut t = own_tenant(s, ctx, tenant)?.clone();
    attribute_of_kind(s, attribute, AttributeKind::Declared)?;
    if declare && !t.declared.insert(attribute) {
        return fail(ErrorCode::ATTRIBUTE_ALREADY_ASSIGNED, "already declared");
    }
    if !declare && !t.declared.remove(&attribute) {
        return fail(ErrorCode::ATTRIBUTE_NOT_ASSIGNED, "not declared");
    }
    Ok(vec![Event::TenantSaved(t)])
}

/// A producer's admin verifies (or withdraws its verification of) an attribute for a consumer that
/// asked for one of its e-services.
fn set_verified(
    s: &State,
    ctx: &Ctx,
    tenant: TenantId,
    attribute: AttributeId,
    verify: bool,
) -> DomainResult<Vec<Event>> {
    let producer = ctx.actor.require_admin()?;
    attribute_of_kind(s, attribute, AttributeKind::Verified)?;
    let mut t = s.tenant(tenant)?.clone();
    if producer == tenant {
        return fail(
            ErrorCode::NOT_PRODUCER,
            "a tenant cannot verify its own attributes",
        );
    }
    let asked = s
        .agreements
        .values()
        .any(|a| a.consumer_id == tenant && a.producer_id == producer && a.state.is_live());
    if !asked {
        return fail(
            ErrorCode::NOT_PRODUCER,
            "only a producer with an agreement from this tenant can verify its attributes",
        );
    }
    let list = t.verified.entry(attribute).or_default();
    let already = list.iter().any(|v| v.verifier == producer);
    match (verify, already) {
        (true, true) => {
            return fail(
                ErrorCode::ATTRIBUTE_ALREADY_ASSIGNED,
                "already verified by this producer",
            );
        }
        (false, false) => {
            return fail(
                ErrorCode::ATTRIBUTE_NOT_ASSIGNED,
                "not verified by this producer",
            );
        }
        (true, false) => list.push(Verification {
            verifier: producer,
            verified_at: ctx.now,
        }),
        (false, true) => list.retain(|v| v.verifier != producer),
    }
    if t.verified.get(&attribute).is_some_and(Vec::is_empty) {
        t.verified.remove(&attribute);
    }
    Ok(vec![Event::TenantSaved(t)])
}
