//! Identity tokens for the management API: JWTs from the configured identity issuer naming the
//! user (`sub`), the tenant (`tenant_id`) and the roles (`roles`). The issuer's keys are one
//! static PEM public key (RS256), or its JSON Web Key Set (RS256, RS384, RS512, PS256, PS384,
//! PS512, ES256, ES384), fetched from `identity.jwks_url` or from the `jwks_uri` of the
//! issuer's OpenID discovery document (`identity.discovery_url`): an OpenID Connect provider's
//! ID tokens, whose audience is the client id of the console.

use super::AppState;
use super::problem::ApiError;
use crate::codes::Code;
use crate::domain::actor::resolve_actor;
use crate::domain::ids::{TenantId, UserId};
use crate::domain::{Actor, Role};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

pub use super::identity_keys::{JwksSource, RemoteKeys, is_http_url};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityClaims {
    pub iss: String,
    /// The audience; an OpenID provider may write it as an array (it is then the first entry
    /// here: the check that the engine's audience is among them is the validation's).
    #[serde(deserialize_with = "string_or_first")]
    pub aud: String,
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub iat: i64,
    pub exp: i64,
    /// Not valid before (checked with the leeway when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

fn string_or_first<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => Ok(s),
        OneOrMany::Many(v) => v
            .into_iter()
            .next()
            .ok_or_else(|| serde::de::Error::custom("aud is an empty array")),
    }
}

/// Where the identity issuer's keys come from.
pub enum IdentityKeys {
    /// One RS256 public key (PEM), from `identity.public_key_path` or the development key.
    Static(DecodingKey),
    /// The issuer's JSON Web Key Set, fetched and refreshed.
    Remote(Arc<RemoteKeys>),
}

/// Verifies identity tokens, and knows who the platform operators are.
pub struct IdentityVerifier {
    keys: IdentityKeys,
    validation: Validation,
    platform_operators: BTreeSet<UserId>,
}

impl IdentityVerifier {
    /// A verifier of RS256 tokens signed with the PEM key `public_key_pem`.
    pub fn new(
        public_key_pem: &[u8],
        issuer: &str,
        audience: &str,
        platform_operators: BTreeSet<UserId>,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self::with_keys(
            IdentityKeys::Static(DecodingKey::from_rsa_pem(public_key_pem)?),
            issuer,
            audience,
            platform_operators,
        ))
    }

    pub fn with_keys(
        keys: IdentityKeys,
        issuer: &str,
        audience: &str,
        platform_operators: BTreeSet<UserId>,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            keys,
            validation,
            platform_operators,
        }
    }

    /// Whether `user` is one of the engine's platform operators.
    pub fn is_platform_operator(&self, user: UserId) -> bool {
        self.platform_operators.contains(&user)
    }

    pub async fn verify(&self, token: &str) -> Result<IdentityClaims, ApiError> {
        let refused =
            |e: String| ApiError::new(Code::INVALID_TOKEN, format!("identity token refused: {e}"));
        let (key, validation) = match &self.keys {
            IdentityKeys::Static(key) => (key.clone(), self.validation.clone()),
            IdentityKeys::Remote(remote) => {
                let header =
                    jsonwebtoken::decode_header(token).map_err(|e| refused(e.to_string()))?;
                let key = remote
                    .key_for(header.kid.as_deref(), header.alg)
                    .await
                    .map_err(refused)?;
                let mut validation = self.validation.clone();
                validation.algorithms = vec![header.alg];
                (key, validation)
            }
        };
        jsonwebtoken::decode::<IdentityClaims>(token, &key, &validation)
            .map(|d| d.claims)
            .map_err(|e| refused(e.to_string()))
    }
}

/// Mints identity tokens (the `interop dev-token` command and tests).
pub struct IdentityIssuer {
    key: EncodingKey,
    issuer: String,
    audience: String,
}

impl IdentityIssuer {
    pub fn new(
        private_key_pem: &[u8],
        issuer: &str,
        audience: &str,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            key: EncodingKey::from_rsa_pem(private_key_pem)?,
            issuer: issuer.into(),
            audience: audience.into(),
        })
    }

    pub fn mint(
        &self,
        user: UserId,
        tenant: Option<TenantId>,
        roles: &[Role],
        ttl_seconds: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = IdentityClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user.to_string(),
            tenant_id: tenant.map(|t| t.to_string()),
            roles: roles
                .iter()
                .map(|r| crate::domain::actor::role_name(r).to_owned())
                .collect(),
            iat: now,
            exp: now + ttl_seconds,
            nbf: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
    }
}

/// The authenticated caller of a management-API request.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::new(
                Code::MISSING_TOKEN,
                "send Authorization: Bearer <identity token>",
            )
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                ApiError::new(
                    Code::MISSING_TOKEN,
                    "the Authorization header is not a Bearer token",
                )
            })?;
        let token = token.trim();
        // Other instances may have written to the shared log: read what they wrote first, so
        // every request sees every acknowledged command (one indexed query, usually empty).
        state.engine.catch_up().await?;
        if let Some(actor) = m2m_actor(state, token).await? {
            return Ok(Caller(actor));
        }
        let claims = state.identity.verify(token).await?;
        let user: UserId = claims
            .sub
            .parse()
            .map_err(|_| ApiError::new(Code::INVALID_TOKEN, "sub is not a UUID"))?;
        let tenant = match &claims.tenant_id {
            Some(t) => Some(
                t.parse::<TenantId>()
                    .map_err(|_| ApiError::new(Code::INVALID_TOKEN, "tenant_id is not a UUID"))?,
            ),
            None => None,
        };
        let operator = state.identity.is_platform_operator(user);
        let mut roles = BTreeSet::new();
        for r in &claims.roles {
            roles.insert(Role::parse(r).ok_or_else(|| {
                ApiError::new(Code::INVALID_TOKEN, format!("unknown role {r:?}"))
            })?);
        }
        Ok(Caller(state.engine.read(|s, _| {
            resolve_actor(s, user, tenant, &roles, operator)
        })?))
    }
}

/// An M2M token the engine itself issued to an API client (recognised by the signing kid): the
/// client acts for its tenant, on everything but keys, while it exists.
async fn m2m_actor(state: &AppState, token: &str) -> Result<Option<Actor>, ApiError> {
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let Some(kid) = header.kid.as_deref() else {
        return Ok(None);
    };
    let Some(key) = state.tokens.keys.decoding_key_fresh(kid, now).await else {
        return Ok(None);
    };
    let settings = &state.tokens.settings;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.m2m_audience]);
    validation.leeway = 30;
    let claims = jsonwebtoken::decode::<crate::token::M2mClaims>(token, &key, &validation)
        .map_err(|e| ApiError::new(Code::INVALID_TOKEN, format!("M2M token refused: {e}")))?
        .claims;
    let bad = |what: &str| ApiError::new(Code::INVALID_TOKEN, format!("M2M token refused: {what}"));
    let client: crate::domain::ids::ClientId = claims
        .client_id
        .parse()
        .map_err(|_| bad("client_id is not a UUID"))?;
    let organization: TenantId = claims
        .organization_id
        .parse()
        .map_err(|_| bad("organizationId is not a UUID"))?;
    let valid = state.engine.read(|s, _| {
        s.clients.get(&client).is_some_and(|c| {
            c.kind == crate::domain::client::ClientKind::Api && c.consumer_id == organization
        })
    });
    if !valid {
        return Err(bad("the API client no longer exists"));
    }
    Ok(Some(Actor {
        user: UserId(client.0),
        tenant: Some(organization),
        roles: BTreeSet::from([Role::Admin, Role::Api, Role::M2m]),
    }))
}
