//! Who is asking. The HTTP edge turns a verified token into an [`Actor`]; the domain only
//! decides what that actor may do.

use super::error::{DomainResult, ErrorCode, fail};
use super::ids::{TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// A user's role inside a tenant (SPEC §1), plus the platform operator who certifies attributes
/// and registers tenants.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Administrator or delegate: every administrative act of the tenant.
    Admin,
    /// API operator: the e-service lifecycle.
    Api,
    /// Security operator: keys of the clients they belong to.
    Security,
    /// The platform itself (authoritative source): tenants and certified attributes.
    Platform,
    /// A machine (an API client's M2M token): acts for its tenant on everything but keys, which
    /// the guide reserves for people ("L'unica parte del flusso che non è esposta attraverso API
    /// è la gestione delle chiavi"). Never granted by identity tokens.
    M2m,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "api" => Some(Role::Api),
            "security" => Some(Role::Security),
            "platform" => Some(Role::Platform),
            _ => None,
        }
    }
}

/// The caller of a command, with the roles that are in force for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    /// `None` only for platform operators.
    pub tenant: Option<TenantId>,
    pub roles: BTreeSet<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_platform(&self) -> bool {
        self.has(Role::Platform)
    }

    /// The caller's tenant, or a refusal for platform-only callers.
    pub fn tenant(&self) -> DomainResult<TenantId> {
        match self.tenant {
            Some(t) => Ok(t),
            None => fail(
                ErrorCode::ROLE_REQUIRED,
                "this operation is done by a tenant's user",
            ),
        }
    }

    /// Requires one of `roles` (admin always qualifies for tenant roles).
    pub fn require(&self, roles: &[Role]) -> DomainResult<TenantId> {
        let tenant = self.tenant()?;
        if self.has(Role::Admin) || roles.iter().any(|r| self.has(*r)) {
            return Ok(tenant);
        }
        let names: Vec<&str> = roles.iter().map(role_name).collect();
        fail(
            ErrorCode::ROLE_REQUIRED,
            format!("requires role {} or admin", names.join(" or ")),
        )
    }

    /// Requires the admin role.
    pub fn require_admin(&self) -> DomainResult<TenantId> {
        self.require(&[])
    }

    /// Key management is for people only.
    pub fn require_person(&self) -> DomainResult<()> {
        if self.has(Role::M2m) {
            return fail(
                ErrorCode::M2M_NOT_ALLOWED,
                "keys are managed by security operators, not through the M2M API",
            );
        }
        Ok(())
    }

    pub fn require_platform(&self) -> DomainResult<()> {
        if self.is_platform() {
            Ok(())
        } else {
            fail(ErrorCode::ROLE_REQUIRED, "requires the platform role")
        }
    }
}

pub fn role_name(r: &Role) -> &'static str {
    match r {
        Role::Admin => "admin",
        Role::Api => "api",
        Role::Security => "security",
        Role::Platform => "platform",
        Role::M2m => "m2m",
    }
}

/// Turns a verified identity (user, tenant, claimed roles) into the actor the domain sees.
///
/// The platform role is never taken on a token's word: only a platform operator of the engine's
/// configuration (`operator`) acts as the platform, with a token that names no tenant. A tenant
/// user must be registered in that tenant and active; the roles in force are the claimed ones
/// that the tenant also granted (all granted ones when the token claims none).
pub fn resolve_actor(
    state: &super::State,
    user: UserId,
    tenant: Option<TenantId>,
    claimed: &BTreeSet<Role>,
    operator: bool,
) -> DomainResult<Actor> {
    if claimed.contains(&Role::M2m) {
        return fail(
            ErrorCode::ROLE_REQUIRED,
            "identity tokens cannot claim the m2m role",
        );
    }
    if claimed.contains(&Role::Platform) && (!operator || tenant.is_some()) {
        return fail(
            ErrorCode::ROLE_REQUIRED,
            "the platform role belongs to the engine's configured platform operators (identity.platform_operators), with a token that names no tenant",
        );
    }
    if operator && tenant.is_none() {
        return Ok(Actor {
            user,
            tenant: None,
            roles: BTreeSet::from([Role::Platform]),
        });
    }
    let Some(tenant_id) = tenant else {
        return fail(ErrorCode::USER_NOT_REGISTERED, "the token names no tenant");
    };
    let t = state.tenant(tenant_id).map_err(|_| {
        super::DomainError::new(
            ErrorCode::USER_NOT_REGISTERED,
            format!("tenant {tenant_id} is not registered"),
        )
    })?;
    let Some(u) = t.users.get(&user) else {
        return fail(
            ErrorCode::USER_NOT_REGISTERED,
            format!("user {user} is not a user of tenant {tenant_id}"),
        );
    };
    if u.state == super::tenant::UserState::Suspended {
        return fail(
            ErrorCode::USER_SUSPENDED,
            "this user is suspended by the tenant's administrators",
        );
    }
    let roles: BTreeSet<Role> = if claimed.is_empty() {
        u.roles.clone()
    } else {
        claimed.intersection(&u.roles).copied().collect()
    };
    if roles.is_empty() {
        return fail(
            ErrorCode::ROLE_REQUIRED,
            "none of the token's roles is granted to this user",
        );
    }
    Ok(Actor {
        user,
        tenant: Some(tenant_id),
        roles,
    })
}

/// The context of one command: who asks, and when. Time comes in with the command, so that
/// deciding stays pure.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub now: OffsetDateTime,
}
