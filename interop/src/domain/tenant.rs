//! Tenants, their users and the attributes they hold.

use super::Role;
use super::ids::{AttributeId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// A user to add to a tenant, as the command carries it (validated when decided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub id: UserId,
    pub name: String,
    pub roles: BTreeSet<Role>,
}

/// Suspended users are refused (USER_SUSPENDED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserState {
    Active,
    Suspended,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub roles: BTreeSet<Role>,
    pub state: UserState,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One producer's verification of an attribute for this tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub verifier: TenantId,
    #[serde(with = "time::serde::rfc3339")]
    pub verified_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub users: BTreeMap<UserId, User>,
    /// Certified attributes assigned by the platform (authoritative sources).
    pub certified: BTreeSet<AttributeId>,
    /// Attributes the tenant declared (explicitly or by subscribing).
    pub declared: BTreeSet<AttributeId>,
    /// Verified attributes, with every producer that verified them.
    pub verified: BTreeMap<AttributeId, Vec<Verification>>,
}

impl Tenant {
    /// Whether `producer` (or, when `any_verifier`, anybody) verified `attribute` for this tenant.
    pub fn is_verified(
        &self,
        attribute: AttributeId,
        producer: TenantId,
        any_verifier: bool,
    ) -> bool {
        self.verified
            .get(&attribute)
            .is_some_and(|v| v.iter().any(|x| any_verifier || x.verifier == producer))
    }
}
