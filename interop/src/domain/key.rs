//! Public keys uploaded by security operators: parsed and validated at the edge into a
//! [`PublicKey`], identified by their RFC 7638 JWK thumbprint ([`Kid`]).

use super::error::{DomainError, DomainResult, ErrorCode, fail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub const MIN_RSA_BITS: usize = 2048;

/// A key id: the RFC 7638 SHA-256 thumbprint of the JWK, base64url, 43 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kid(String);

impl Kid {
    pub fn parse(s: &str) -> DomainResult<Kid> {
        if s.len() == 43
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(Kid(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "kid",
                "a kid is 43 characters of base64url (an RFC 7638 thumbprint)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Kid {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(43))
            .max_length(Some(43))
            .pattern(Some("^[A-Za-z0-9_-]{43}$"))
            .description(Some(
                "An RFC 7638 SHA-256 JWK thumbprint, base64url without padding: 43 characters.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Kid {}

impl TryFrom<String> for Kid {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Kid::parse(&s)
    }
}

impl From<Kid> for String {
    fn from(k: Kid) -> String {
        k.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated RSA public key of at least 2048 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: Kid,
    pub n: String,
    pub e: String,
    pub bits: usize,
    pub spki_pem: String,
}

/// RFC 7638 thumbprint of an RSA JWK from its base64url members, taken as they are.
pub fn rsa_thumbprint(n: &str, e: &str) -> Kid {
    // Members in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    Kid(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

impl PublicKey {
    /// Parses one PEM block (or the base64 of one), refusing private keys, certificates,
    /// several blocks, non-RSA keys and keys under 2048 bits, each with its own code.
    pub fn parse(input: &str) -> DomainResult<PublicKey> {
        let text = decode_maybe_base64(input.trim());
        let labels: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
            .collect();
        match labels.as_slice() {
            [] => return fail(ErrorCode::KEY_INVALID_PEM, "no PEM block found"),
            [_] => {}
            _ => {
                return fail(
                    ErrorCode::KEY_MULTIPLE_BLOCKS,
                    "exactly one PEM block is accepted",
                );
            }
        }
        let label = labels[0];
        if label.contains("PRIVATE KEY") {
            return fail(
                ErrorCode::KEY_IS_PRIVATE,
                "this is a private key: upload only the public key and keep the private one",
            );
        }
        if label.contains("CERTIFICATE") {
            return fail(
                ErrorCode::KEY_IS_CERTIFICATE,
                "certificates are not accepted: upload the RSA public key",
            );
        }
        let key = match label {
            "PUBLIC KEY" => RsaPublicKey::from_public_key_pem(&text).map_err(|e| {
                let msg = e.to_string();
                if msg.contains("OID") || msg.contains("algorithm") {
                    DomainError::new(ErrorCode::KEY_NOT_RSA, "only RSA keys are accepted")
                } else {
                    DomainError::new(
                        ErrorCode::KEY_INVALID_PEM,
                        format!("unreadable public key: {msg}"),
                    )
                }
            })?,
            "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_pem(&text).map_err(|e| {
                DomainError::new(
                    ErrorCode::KEY_INVALID_PEM,
                    format!("unreadable RSA public key: {e}"),
                )
            })?,
            other => {
                return fail(
                    ErrorCode::KEY_NOT_RSA,
                    format!("unsupported PEM block {other:?}: only RSA public keys are accepted"),
                );
            }
        };
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return fail(
                ErrorCode::KEY_TOO_SHORT,
                format!("the key has {bits} bits; at least {MIN_RSA_BITS} are required"),
            );
        }
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let spki_pem = key.to_public_key_pem(LineEnding::LF).map_err(|e| {
            DomainError::new(
                ErrorCode::KEY_INVALID_PEM,
                format!("cannot re-encode the key: {e}"),
            )
        })?;
        Ok(PublicKey {
            kid: rsa_thumbprint(&n, &e),
            n,
            e,
            bits,
            spki_pem,
        })
    }
}

/// SPEC §1 accepts "base64 of PEM" too: if the input is not PEM but decodes to PEM, use that.
fn decode_maybe_base64(input: &str) -> String {
    if input.contains("-----BEGIN") {
        return input.to_owned();
    }
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    match STANDARD
        .decode(compact.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    {
        Some(s) if s.contains("-----BEGIN") => s,
        _ => input.to_owned(),
    }
}
