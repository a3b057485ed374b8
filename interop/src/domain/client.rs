//! Clients (groups of security operators and keys) and their public keys.

use super::error::{DomainError, DomainResult, ErrorCode};
use super::ids::{ClientId, PurposeId, TenantId, UserId};
use super::key::Kid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// CONSUMER: keys obtain vouchers for e-services through purposes; API: keys obtain tokens for the
/// engine's own M2M API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientKind {
    /// Keys usable for vouchers towards e-services, through purposes.
    Consumer,
    /// Keys usable only for the engine's own M2M API.
    Api,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClientKey {
    pub kid: Kid,
    pub name: String,
    /// RSA modulus, base64url without padding (as in a JWK).
    pub n: String,
    /// RSA public exponent, base64url without padding.
    pub e: String,
    #[schema(minimum = 2048)]
    pub bits: usize,
    /// The PEM as uploaded (normalised to SPKI).
    pub pem: String,
    pub uploaded_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Client {
    pub id: ClientId,
    /// The tenant owning it.
    pub consumer_id: TenantId,
    pub name: String,
    pub description: String,
    pub kind: ClientKind,
    /// Security operators (and admins) who may manage its keys.
    pub members: BTreeSet<UserId>,
    pub keys: Vec<ClientKey>,
    /// Purposes whose vouchers its keys may obtain.
    pub purposes: BTreeSet<PurposeId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Client {
    pub fn key(&self, kid: &Kid) -> DomainResult<&ClientKey> {
        self.keys
            .iter()
            .find(|k| &k.kid == kid)
            .ok_or_else(|| DomainError::not_found(ErrorCode::KEY_NOT_FOUND, kid))
    }
}
