//! Attributes and the requirement groups of an e-service: every group must be satisfied (AND),
//! one attribute of a group is enough (OR).

use super::ids::{AttributeId, TenantId};
use super::tenant::Tenant;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The kind of an attribute.
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeKind {
    Certified,
    Declared,
    Verified,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attribute {
    pub id: AttributeId,
    pub kind: AttributeKind,
    pub name: String,
    pub description: String,
    /// The tenant that defined it (`None` for platform-defined certified attributes).
    #[schema(required = true)]
    pub origin: Option<TenantId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One attribute inside a requirement group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequiredAttribute {
    /// The attribute.
    pub id: AttributeId,
    /// Verified attributes only: `true` means this producer verifies it itself; `false` reuses a
    /// verification made by any other producer.
    #[serde(default)]
    pub explicit_verification: bool,
}

/// The attributes an e-service requires, by kind, as groups (AND of ORs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttributeRequirements {
    /// Certified attributes: every group must be satisfied (AND), one attribute of a group suffices
    /// (OR). Groups must not be empty.
    #[serde(default)]
    pub certified: Vec<Vec<RequiredAttribute>>,
    /// Declared attributes: every group must be satisfied (AND), one attribute of a group suffices
    /// (OR). Groups must not be empty.
    #[serde(default)]
    pub declared: Vec<Vec<RequiredAttribute>>,
    /// Verified attributes: every group must be satisfied (AND), one attribute of a group suffices
    /// (OR). Groups must not be empty.
    #[serde(default)]
    pub verified: Vec<Vec<RequiredAttribute>>,
}

impl AttributeRequirements {
    pub fn certified_satisfied(&self, consumer: &Tenant) -> bool {
        groups_satisfied(&self.certified, |a| consumer.certified.contains(&a.id))
    }

    pub fn declared_satisfied(&self, consumer: &Tenant) -> bool {
        groups_satisfied(&self.declared, |a| consumer.declared.contains(&a.id))
    }

    pub fn verified_satisfied(&self, consumer: &Tenant, producer: TenantId) -> bool {
        groups_satisfied(&self.verified, |a| {
            consumer.is_verified(a.id, producer, !a.explicit_verification)
        })
    }

    /// The declared attributes to record for `consumer` when it subscribes: for every group it
    /// does not satisfy yet, the first attribute of the group (subscribing is the declaration).
    pub fn implied_declarations(&self, consumer: &Tenant) -> Vec<AttributeId> {
        self.declared
            .iter()
            .filter(|g| !g.iter().any(|a| consumer.declared.contains(&a.id)))
            .filter_map(|g| g.first().map(|a| a.id))
            .collect()
    }
}

/// AND over groups, OR inside a group. An empty group can never be satisfied, so the edge
/// refuses empty groups.
pub fn groups_satisfied<T>(groups: &[Vec<T>], holds: impl Fn(&T) -> bool) -> bool {
    groups.iter().all(|g| g.iter().any(&holds))
}
