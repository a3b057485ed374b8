//! Validation of a client assertion against the engine's state: signature, claims, key
//! ownership, purpose attachment and operativity. Pure apart from the signature check (no I/O);
//! the jti replay check is the caller's, against its store.

use super::Digest;
use super::refusal::{Refusal, RefusalCode as R};
use crate::domain::State;
use crate::domain::client::{Client, ClientKind};
use crate::domain::ids::{ClientId, DescriptorId, EServiceId, PurposeId, TenantId};
use crate::domain::key::Kid;
use crate::domain::operativity::{Blocker, operativity};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The rules an assertion is held to (from the configuration).
#[derive(Debug, Clone)]
pub struct AssertionRules {
    /// What `aud` must contain.
    pub audience: String,
    /// Longest accepted `exp - iat`, seconds.
    pub max_lifetime: i64,
    /// Tolerated clock difference, seconds.
    pub clock_skew: u64,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[allow(dead_code)]
    iss: String,
    sub: String,
    jti: String,
    iat: i64,
    exp: i64,
    #[serde(rename = "purposeId", default)]
    purpose_id: Option<String>,
    #[serde(default)]
    digest: Option<Digest>,
}

/// What a valid assertion entitles the client to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// A voucher for an e-service, through a purpose.
    Consumer {
        client: ClientId,
        purpose: PurposeId,
        consumer: TenantId,
        producer: TenantId,
        eservice: EServiceId,
        descriptor: DescriptorId,
        audience: Vec<String>,
        lifespan: u32,
        digest: Option<Digest>,
    },
    /// A token for the engine's own M2M API.
    Api {
        client: ClientId,
        organization: TenantId,
    },
}

/// The parts of a checked assertion the caller still needs (replay check, logging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub grant: Grant,
    pub client: ClientId,
    pub kid: Kid,
    pub jti: String,
    /// When the assertion expires: its jti must be remembered until then.
    pub expires_at: i64,
}

/// The `index`-th part of a JWS (0: header, 1: payload) as JSON, without verifying anything.
fn segment_json(assertion: &str, index: usize) -> Result<serde_json::Value, Refusal> {
    let part = assertion.split('.').nth(index).unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| Refusal::new(R::ASSERTION_MALFORMED, "a JWS part is not base64url"))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| Refusal::new(R::ASSERTION_MALFORMED, "a JWS part is not JSON"))
}

/// Checks `assertion` (and the optional `client_id` form field) at time `now` (unix seconds).
///
/// The stages run in this order, and the first refusal wins: the unverified header (shape, kid),
/// the key (alg, client holding the kid), the signature and registered claims, the engine's own
/// claim rules, and for a CONSUMER client the purpose and what makes it operative.
pub fn check(
    state: &State,
    rules: &AssertionRules,
    assertion: &str,
    client_id: Option<&str>,
    now: i64,
) -> Result<Checked, Refusal> {
    let header = read_header(assertion)?;
    // Identify the client first, so even a refusal of the algorithm reaches its owner.
    let client = state.client_by_kid(&header.kid);
    let before_claims = |mut r: Refusal| {
        r.kid = Some(header.kid.to_string());
        r.client_id = client.map(|c| c.id);
        r.purpose_id = header.claimed_purpose.clone();
        r
    };
    let (client, decoding) = signing_key(&header, client).map_err(before_claims)?;
    let claims = verify(assertion, &decoding, rules).map_err(before_claims)?;
    let after_claims = |mut r: Refusal| {
        r.kid = Some(header.kid.to_string());
        r.client_id = Some(client.id);
        r.purpose_id = claims.purpose_id.clone();
        r
    };
    check_claims(&claims, rules, client, client_id, now).map_err(after_claims)?;
    let grant = match client.kind {
        ClientKind::Api => Grant::Api {
            client: client.id,
            organization: client.consumer_id,
        },
        ClientKind::Consumer => consumer_grant(state, client, &claims).map_err(after_claims)?,
    };
    Ok(Checked {
        grant,
        client: client.id,
        kid: header.kid.clone(),
        jti: claims.jti.clone(),
        expires_at: claims.exp,
    })
}

/// What the JWS header says, read before anything is verified.
struct Header {
    kid: Kid,
    alg: String,
    /// For the failure log only (unverified): which purpose the caller was after.
    claimed_purpose: Option<String>,
}

/// Stage 1: the JWS's shape and its header's kid.
fn read_header(assertion: &str) -> Result<Header, Refusal> {
    if assertion.split('.').count() != 3 {
        return Err(Refusal::new(
            R::ASSERTION_MALFORMED,
            "a JWS has three dot-separated parts",
        ));
    }
    let header = segment_json(assertion, 0)?;
    let claimed_purpose = segment_json(assertion, 1).ok().and_then(|c| {
        c.get("purposeId")
            .and_then(|p| p.as_str())
            .map(str::to_owned)
    });
    let kid_text = header.get("kid").and_then(|k| k.as_str()).unwrap_or("");
    let kid = Kid::parse(kid_text).map_err(|_| {
        Refusal::new(
            R::ASSERTION_KID_INVALID,
            "kid must be the 43-character RFC 7638 thumbprint of the key",
        )
    })?;
    let alg = header.get("alg").and_then(|a| a.as_str()).unwrap_or("");
    Ok(Header {
        kid,
        alg: alg.to_owned(),
        claimed_purpose,
    })
}

/// Stage 2: the algorithm, and the key of the client holding the kid.
fn signing_key<'s>(
    header: &Header,
    client: Option<&'s Client>,
) -> Result<(&'s Client, DecodingKey), Refusal> {
    let alg = &header.alg;
    if alg != "RS256" {
        return Err(Refusal::new(
            R::ASSERTION_ALG_NOT_ALLOWED,
            format!("alg {alg:?} is not allowed: use RS256"),
        ));
    }
    let kid = &header.kid;
    let Some(client) = client else {
        return Err(Refusal::new(
            R::UNKNOWN_KID,
            format!("no client holds key {kid}"),
        ));
    };
    let key = client
        .key(kid)
        .map_err(|_| Refusal::new(R::UNKNOWN_KID, "key vanished"))?;
    let decoding = DecodingKey::from_rsa_components(&key.n, &key.e)
        .map_err(|e| Refusal::new(R::UNKNOWN_KID, format!("stored key unusable: {e}")))?;
    Ok((client, decoding))
}

/// Stage 3: the signature and the registered claims (exp, nbf, aud, iss, sub).
fn verify(
    assertion: &str,
    decoding: &DecodingKey,
    rules: &AssertionRules,
) -> Result<Claims, Refusal> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&rules.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.leeway = rules.clock_skew;
    validation.validate_nbf = true;
    match jsonwebtoken::decode::<Claims>(assertion, decoding, &validation) {
        Ok(d) => Ok(d.claims),
        Err(e) => {
            let (code, detail) = match e.kind() {
                ErrorKind::InvalidSignature => (
                    R::ASSERTION_SIGNATURE_INVALID,
                    "the signature does not verify with this kid's key".to_owned(),
                ),
                ErrorKind::ExpiredSignature => {
                    (R::ASSERTION_EXPIRED, "exp is in the past".to_owned())
                }
                ErrorKind::ImmatureSignature => (
                    R::ASSERTION_NOT_YET_VALID,
                    "nbf is in the future".to_owned(),
                ),
                ErrorKind::InvalidAudience => (
                    R::ASSERTION_AUDIENCE_INVALID,
                    format!("aud must contain {:?}", rules.audience),
                ),
                ErrorKind::MissingRequiredClaim(c) => {
                    (R::ASSERTION_CLAIM_MISSING, format!("claim {c} is required"))
                }
                ErrorKind::Json(j) => (R::ASSERTION_CLAIM_MISSING, format!("claims: {j}")),
                ErrorKind::InvalidAlgorithm => {
                    (R::ASSERTION_ALG_NOT_ALLOWED, "alg must be RS256".to_owned())
                }
                other => (R::ASSERTION_MALFORMED, format!("{other:?}")),
            };
            Err(Refusal::new(code, detail))
        }
    }
}

/// Stage 4: the engine's own claim rules (iat, lifetime, jti, sub, client_id, digest).
fn check_claims(
    claims: &Claims,
    rules: &AssertionRules,
    client: &Client,
    client_id: Option<&str>,
    now: i64,
) -> Result<(), Refusal> {
    if claims.iat > now + rules.clock_skew as i64 {
        return Err(Refusal::new(
            R::ASSERTION_IAT_IN_FUTURE,
            format!("iat {} is after now ({now})", claims.iat),
        ));
    }
    if claims.exp - claims.iat > rules.max_lifetime {
        return Err(Refusal::new(
            R::ASSERTION_LIFETIME_TOO_LONG,
            format!(
                "exp - iat = {} s exceeds the maximum of {} s",
                claims.exp - claims.iat,
                rules.max_lifetime
            ),
        ));
    }
    if claims.jti.trim().is_empty() || claims.jti.len() > 256 {
        return Err(Refusal::new(
            R::ASSERTION_CLAIM_MISSING,
            "jti must be 1..256 characters",
        ));
    }
    if claims.sub != client.id.to_string() {
        return Err(Refusal::new(
            R::SUB_MISMATCH,
            format!(
                "sub {:?} is not the client {} holding the key",
                claims.sub, client.id
            ),
        ));
    }
    if let Some(form_id) = client_id.filter(|c| !c.is_empty())
        && form_id != claims.sub
    {
        return Err(Refusal::new(
            R::CLIENT_ID_MISMATCH,
            format!("client_id {form_id:?} differs from sub"),
        ));
    }
    if let Some(d) = &claims.digest {
        let hex64 = d.value.len() == 64 && d.value.bytes().all(|b| b.is_ascii_hexdigit());
        if d.alg != "SHA256" || !hex64 {
            return Err(Refusal::new(
                R::DIGEST_INVALID,
                "digest must be {alg: \"SHA256\", value: 64 hex characters}",
            ));
        }
    }
    Ok(())
}

/// Stage 5, CONSUMER clients: the purpose (named, the tenant's, attached to the client), then
/// what makes it operative (descriptor, agreement and purpose states).
fn consumer_grant(state: &State, client: &Client, claims: &Claims) -> Result<Grant, Refusal> {
    let Some(raw) = claims.purpose_id.as_deref() else {
        return Err(Refusal::new(
            R::PURPOSE_ID_REQUIRED,
            "purposeId is required for CONSUMER clients",
        ));
    };
    let purpose_id: PurposeId = raw.parse().map_err(|_| {
        Refusal::new(
            R::PURPOSE_ID_INVALID,
            format!("purposeId {raw:?} is not a UUID"),
        )
    })?;
    let purpose = match state.purposes.get(&purpose_id) {
        Some(p) if p.consumer_id == client.consumer_id => p,
        _ => {
            return Err(Refusal::new(
                R::PURPOSE_NOT_FOUND,
                format!("purpose {purpose_id} not found for this client's tenant"),
            ));
        }
    };
    if !client.purposes.contains(&purpose_id) {
        return Err(Refusal::new(
            R::CLIENT_NOT_ON_PURPOSE,
            format!(
                "client {} is not attached to purpose {purpose_id}",
                client.id
            ),
        ));
    }
    let op =
        operativity(state, purpose_id).map_err(|e| Refusal::new(R::PURPOSE_NOT_FOUND, e.detail))?;
    if let Some(b) = op.blockers.first() {
        return Err(blocked(b));
    }
    let agreement = state
        .live_agreement(purpose.consumer_id, purpose.eservice_id)
        .ok_or_else(|| Refusal::new(R::AGREEMENT_NOT_ACTIVE, "no agreement"))?;
    let descriptor = state
        .agreement_descriptor(agreement)
        .map_err(|e| Refusal::new(R::DESCRIPTOR_NOT_ACTIVE, e.detail))?;
    Ok(Grant::Consumer {
        client: client.id,
        purpose: purpose_id,
        consumer: agreement.consumer_id,
        producer: agreement.producer_id,
        eservice: agreement.eservice_id,
        descriptor: descriptor.id,
        audience: descriptor.fields.audience.clone(),
        lifespan: descriptor.fields.voucher_lifespan.unwrap_or(600),
        digest: claims.digest.clone(),
    })
}

/// The refusal for the first thing keeping a purpose from being operative.
fn blocked(b: &Blocker) -> Refusal {
    let (code, detail) = match b {
        Blocker::Descriptor { state, .. } => (
            R::DESCRIPTOR_NOT_ACTIVE,
            format!("the e-service version is {state:?}"),
        ),
        Blocker::NoAgreement => (
            R::AGREEMENT_NOT_ACTIVE,
            "no agreement on the e-service".to_owned(),
        ),
        Blocker::Agreement {
            state,
            suspended_by,
            ..
        } => (
            R::AGREEMENT_NOT_ACTIVE,
            format!("the agreement is {state:?} (suspended by {suspended_by:?})"),
        ),
        Blocker::Purpose {
            state,
            suspended_by,
        } => (
            R::PURPOSE_NOT_ACTIVE,
            format!("the purpose is {state:?} (suspended by {suspended_by:?})"),
        ),
    };
    Refusal::new(code, detail)
}
