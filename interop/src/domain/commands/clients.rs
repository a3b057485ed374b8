//! Clients, their security operators, keys and purposes.

use super::text;
use crate::domain::actor::{Actor, Ctx, Role};
use crate::domain::client::{Client, ClientKey, ClientKind};
use crate::domain::error::{DomainError, DomainResult, ErrorCode, fail};
use crate::domain::ids::{ClientId, PurposeId, TenantId, UserId};
use crate::domain::key::{Kid, PublicKey};
use crate::domain::state::{Event, State};
use std::collections::BTreeSet;

/// The commands on clients, their security operators (members), keys and purposes.
#[derive(Debug, Clone)]
pub enum ClientCommand {
    Create(NewClient),
    Delete {
        id: ClientId,
    },
    AddMember {
        client: ClientId,
        user: UserId,
    },
    RemoveMember {
        client: ClientId,
        user: UserId,
    },
    AddKey {
        client: ClientId,
        name: String,
        key: PublicKey,
    },
    DeleteKey {
        client: ClientId,
        kid: Kid,
    },
    AddPurpose {
        client: ClientId,
        purpose: PurposeId,
    },
    RemovePurpose {
        client: ClientId,
        purpose: PurposeId,
    },
}

/// A new client of the actor's tenant.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub id: ClientId,
    pub name: String,
    pub description: String,
    pub kind: ClientKind,
    pub members: BTreeSet<UserId>,
}

impl ClientCommand {
    /// The command's name in the event log (its `command` column): stable across renames.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => "CreateClient",
            Self::Delete { .. } => "DeleteClient",
            Self::AddMember { .. } => "AddClientMember",
            Self::RemoveMember { .. } => "RemoveClientMember",
            Self::AddKey { .. } => "AddClientKey",
            Self::DeleteKey { .. } => "DeleteClientKey",
            Self::AddPurpose { .. } => "AddClientPurpose",
            Self::RemovePurpose { .. } => "RemoveClientPurpose",
        }
    }
}

/// Decides a client command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: ClientCommand) -> DomainResult<Vec<Event>> {
    use ClientCommand as C;
    match cmd {
        C::Create(new) => create(s, ctx, new),
        C::Delete { id } => delete(s, ctx, id),
        C::AddMember { client, user } => set_member(s, ctx, client, user, true),
        C::RemoveMember { client, user } => set_member(s, ctx, client, user, false),
        C::AddKey { client, name, key } => add_key(s, ctx, client, name, key),
        C::DeleteKey { client, kid } => delete_key(s, ctx, client, kid),
        C::AddPurpose { client, purpose } => set_purpose(s, ctx, client, purpose, true),
        C::RemovePurpose { client, purpose } => set_purpose(s, ctx, client, purpose, false),
    }
}

pub const MAX_KEYS_PER_CLIENT: usize = 100;

/// A client exists for its tenant's admins and for the security operators who belong to it; to
/// everybody else it is not found.
pub fn visible<'a>(s: &'a State, actor: &Actor, id: ClientId) -> DomainResult<&'a Client> {
    let c = s.client(id)?;
    let same_tenant = actor.tenant == Some(c.consumer_id);
    let sees = same_tenant && (actor.has(Role::Admin) || c.members.contains(&actor.user));
    if !sees {
        return Err(DomainError::not_found(ErrorCode::CLIENT_NOT_FOUND, id));
    }
    Ok(c)
}

fn administered<'a>(s: &'a State, ctx: &Ctx, id: ClientId) -> DomainResult<&'a Client> {
    ctx.actor.require_admin()?;
    visible(s, &ctx.actor, id)
}

/// Members must be active users of the tenant holding the security (or admin) role.
fn check_member(s: &State, tenant: TenantId, user: UserId) -> DomainResult<()> {
    let t = s.tenant(tenant)?;
    let u = t
        .users
        .get(&user)
        .ok_or_else(|| DomainError::not_found(ErrorCode::USER_NOT_FOUND, user))?;
    if !(u.roles.contains(&Role::Security) || u.roles.contains(&Role::Admin)) {
        return fail(
            ErrorCode::USER_ROLE_MISMATCH,
            "only security operators (or admins) can be client members",
        );
    }
    Ok(())
}

fn create(s: &State, ctx: &Ctx, new: NewClient) -> DomainResult<Vec<Event>> {
    let NewClient {
        id,
        name,
        description,
        kind,
        members,
    } = new;
    let tenant = ctx.actor.require_admin()?;
    text("name", &name, 2..=60)?;
    text("description", &description, 0..=250)?;
    for m in &members {
        check_member(s, tenant, *m)?;
    }
    Ok(vec![Event::ClientSaved(Client {
        id,
        consumer_id: tenant,
        name: name.trim().to_owned(),
        description: description.trim().to_owned(),
        kind,
        members,
        keys: Vec::new(),
        purposes: BTreeSet::new(),
        created_at: ctx.now,
    })])
}

/// Deleting a client removes it from every purpose and deletes its keys.
fn delete(s: &State, ctx: &Ctx, id: ClientId) -> DomainResult<Vec<Event>> {
    administered(s, ctx, id)?;
    Ok(vec![Event::ClientDeleted(id)])
}

/// Adds or removes a security operator. Removing one keeps the keys they uploaded.
fn set_member(
    s: &State,
    ctx: &Ctx,
    id: ClientId,
    user: UserId,
    add: bool,
) -> DomainResult<Vec<Event>> {
    let mut c = administered(s, ctx, id)?.clone();
    if add {
        check_member(s, c.consumer_id, user)?;
        if !c.members.insert(user) {
            return fail(
                ErrorCode::USER_ALREADY_EXISTS,
                "already a member of this client",
            );
        }
    } else if !c.members.remove(&user) {
        return Err(DomainError::not_found(ErrorCode::USER_NOT_FOUND, user));
    }
    Ok(vec![Event::ClientSaved(c)])
}

/// Uploads a key: only a security operator or admin who is a member of the client.
fn add_key(
    s: &State,
    ctx: &Ctx,
    id: ClientId,
    name: String,
    key: PublicKey,
) -> DomainResult<Vec<Event>> {
    ctx.actor.require_person()?;
    ctx.actor.require(&[Role::Security])?;
    let mut c = visible(s, &ctx.actor, id)?.clone();
    if !c.members.contains(&ctx.actor.user) {
        return fail(
            ErrorCode::NOT_CLIENT_MEMBER,
            "only members of the client upload its keys",
        );
    }
    text("name", &name, 1..=60)?;
    if let Some(owner) = s.client_by_kid(&key.kid) {
        let where_ = if owner.id == id {
            "this client"
        } else {
            "another client"
        };
        return fail(
            ErrorCode::KEY_ALREADY_EXISTS,
            format!(
                "a key with kid {} is already registered on {where_}",
                key.kid
            ),
        );
    }
    if c.keys.len() >= MAX_KEYS_PER_CLIENT {
        return Err(DomainError::invalid(
            "key",
            format!("a client holds at most {MAX_KEYS_PER_CLIENT} keys"),
        ));
    }
    c.keys.push(ClientKey {
        kid: key.kid,
        name: name.trim().to_owned(),
        n: key.n,
        e: key.e,
        bits: key.bits,
        pem: key.spki_pem,
        uploaded_by: ctx.actor.user,
        created_at: ctx.now,
    });
    Ok(vec![Event::ClientSaved(c)])
}

/// Deletes a key: a member security operator, or any admin of the tenant.
fn delete_key(s: &State, ctx: &Ctx, id: ClientId, kid: Kid) -> DomainResult<Vec<Event>> {
    ctx.actor.require_person()?;
    ctx.actor.require(&[Role::Security])?;
    let mut c = visible(s, &ctx.actor, id)?.clone();
    c.key(&kid)?;
    c.keys.retain(|k| k.kid != kid);
    Ok(vec![Event::ClientSaved(c)])
}

/// Attaches or detaches a CONSUMER client to one of the tenant's purposes.
fn set_purpose(
    s: &State,
    ctx: &Ctx,
    id: ClientId,
    purpose: PurposeId,
    attach: bool,
) -> DomainResult<Vec<Event>> {
    let mut c = administered(s, ctx, id)?.clone();
    let p = s.purpose(purpose)?;
    if p.consumer_id != c.consumer_id {
        return Err(DomainError::not_found(
            ErrorCode::PURPOSE_NOT_FOUND,
            purpose,
        ));
    }
    if attach {
        if c.kind != ClientKind::Consumer {
            return fail(
                ErrorCode::CLIENT_KIND_MISMATCH,
                "API clients are for the M2M API and cannot be attached to purposes",
            );
        }
        if p.is_archived() {
            return fail(ErrorCode::PURPOSE_STATE_CONFLICT, "the purpose is archived");
        }
        if !c.purposes.insert(purpose) {
            return fail(
                ErrorCode::CLIENT_ALREADY_ON_PURPOSE,
                "the client is already attached to this purpose",
            );
        }
    } else if !c.purposes.remove(&purpose) {
        return fail(
            ErrorCode::CLIENT_NOT_ON_PURPOSE,
            "the client is not attached to this purpose",
        );
    }
    Ok(vec![Event::ClientSaved(c)])
}
