//! Lollipop: proof that a request was made by the citizen's own device.
//!
//! IO's app signs each request with a key held by the device (RFC 9421 HTTP message signatures)
//! and the app backend forwards the signature to the entity, with the headers it covers and the
//! device's public key (`../shared/specs/io-lollipop-definitions.yaml`):
//!
//! | header | what |
//! | --- | --- |
//! | `signature-input`, `signature` | the RFC 9421 signature(s): `sig1=("x-pagopa-lollipop-original-method" "x-pagopa-lollipop-original-url");created=…;keyid="<thumbprint>";alg="ecdsa-p256-sha256"` and `sig1=:<base64>:` |
//! | `x-pagopa-lollipop-original-method`, `x-pagopa-lollipop-original-url` | the request the app made to IO (the signed components) |
//! | `x-pagopa-lollipop-public-key` | the device key: base64url of its JWK |
//! | `x-pagopa-lollipop-assertion-ref` | `sha256-<thumbprint>` (RFC 7638, base64url): the login the key is bound to |
//! | `x-pagopa-lollipop-user-id` | the citizen's fiscal code |
//!
//! [`verify`] checks, in this order, each failure with its own [`LollipopCode`]: the headers are
//! there and well formed, the key is a P-256 or RSA JWK, the assertion reference names that key,
//! every signature of `signature-input` has a `keyid` equal to the key's thumbprint, a supported
//! `alg` matching the key, no past `expires`, and verifies over the signature base built as
//! RFC 9421 §2.5 says; the signatures cover the original method and url; and the user id is the
//! `fiscal_code` the request is for.
//!
//! Choices worth knowing:
//! - Algorithms: `ecdsa-p256-sha256` (signature raw `r‖s`, 64 bytes, or DER: devices send
//!   either) and `rsa-pss-sha256` (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt). When `alg`
//!   is absent, the key type decides.
//! - IO's devices encode the JWK members in standard base64 with padding: members are decoded
//!   leniently (base64 or base64url, padded or not), and the thumbprint is computed over the
//!   member strings exactly as received, as IO computes it.
//! - The entity does not receive the request the app signed: derived components name that
//!   request, so `@method` is `x-pagopa-lollipop-original-method` and `@target-uri`,
//!   `@authority`, `@scheme`, `@path`, `@query`, `@request-target` come from
//!   `x-pagopa-lollipop-original-url`. Other derived components and component parameters
//!   (`;sf`, `;key`, `;bs`, `;req`, `;tr`) are refused (`LOLLIPOP_COMPONENT_UNSUPPORTED`).
//! - `@signature-params` is the canonical RFC 8941 serialization of the signature's inner list
//!   (as RFC 9421 §2.3 requires), re-serialized from the parsed `signature-input`: the header's
//!   own spelling (`; created=…`) does not matter, the device must have signed the canonical one.
//! - `content-digest`, when covered, is part of the signature base; the body it digests is not
//!   forwarded, so it is not recomputed.
//! - `x-pagopa-lollipop-assertion-type` and `x-pagopa-lollipop-auth-jwt` are for fetching the
//!   SAML/OIDC assertion from IO's lollipop service, which this module does not do.

use crate::contract::FiscalCode;
use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sfv::{BareItem, Dictionary, FieldType, InnerList, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::fmt;

/// `x-pagopa-lollipop-original-method`.
pub const ORIGINAL_METHOD: &str = "x-pagopa-lollipop-original-method";
/// `x-pagopa-lollipop-original-url`.
pub const ORIGINAL_URL: &str = "x-pagopa-lollipop-original-url";
/// `x-pagopa-lollipop-public-key`.
pub const PUBLIC_KEY: &str = "x-pagopa-lollipop-public-key";
/// `x-pagopa-lollipop-assertion-ref`.
pub const ASSERTION_REF: &str = "x-pagopa-lollipop-assertion-ref";
/// `x-pagopa-lollipop-user-id`.
pub const USER_ID: &str = "x-pagopa-lollipop-user-id";
/// `signature-input`.
pub const SIGNATURE_INPUT: &str = "signature-input";
/// `signature`.
pub const SIGNATURE: &str = "signature";

/// The headers [`verify`] requires.
pub const REQUIRED_HEADERS: &[&str] = &[
    SIGNATURE_INPUT,
    SIGNATURE,
    ORIGINAL_METHOD,
    ORIGINAL_URL,
    PUBLIC_KEY,
    ASSERTION_REF,
    USER_ID,
];

/// At most this many signatures in one request (each costs a verification).
const MAX_SIGNATURES: usize = 8;
/// At most this many covered components per signature.
const MAX_COMPONENTS: usize = 32;

crate::codes::codes! {
    /// Why a request failed lollipop verification: a stable code (`as_str`) and the status
    /// the SDK's router answers with (`401`: the request is not proven to come from the
    /// citizen's device; `403`: it is, but for another citizen).
    LollipopCode {
        HeaderMissing => "LOLLIPOP_HEADER_MISSING", 401, "a required lollipop header is absent";
        HeaderInvalid => "LOLLIPOP_HEADER_INVALID", 401, "a lollipop header is repeated, not ASCII, or not of its pattern (original method, original url)";
        SignatureInputInvalid => "LOLLIPOP_SIGNATURE_INPUT_INVALID", 401, "`signature-input` is not a dictionary of inner lists of component names with valid parameters";
        SignatureHeaderInvalid => "LOLLIPOP_SIGNATURE_HEADER_INVALID", 401, "`signature` is not a dictionary of byte sequences";
        SignatureMissing => "LOLLIPOP_SIGNATURE_MISSING", 401, "a label of `signature-input` has no signature";
        PublicKeyInvalid => "LOLLIPOP_PUBLIC_KEY_INVALID", 401, "`x-pagopa-lollipop-public-key` is not a base64url JWK of a valid public key";
        KeyUnsupported => "LOLLIPOP_KEY_UNSUPPORTED", 401, "the JWK is neither an EC P-256 key nor an RSA key of 2048 to 4096 bits";
        AssertionRefInvalid => "LOLLIPOP_ASSERTION_REF_INVALID", 401, "`x-pagopa-lollipop-assertion-ref` is not `sha256-`, `sha384-` or `sha512-` and a thumbprint";
        AssertionRefMismatch => "LOLLIPOP_ASSERTION_REF_MISMATCH", 401, "the assertion reference is not the public key's thumbprint";
        KeyIdMissing => "LOLLIPOP_KEYID_MISSING", 401, "a signature has no `keyid` parameter";
        KeyIdMismatch => "LOLLIPOP_KEYID_MISMATCH", 401, "a signature's `keyid` is not the public key's thumbprint";
        AlgorithmUnsupported => "LOLLIPOP_ALG_UNSUPPORTED", 401, "a signature's `alg` is neither `ecdsa-p256-sha256` nor `rsa-pss-sha256`";
        AlgorithmMismatch => "LOLLIPOP_ALG_MISMATCH", 401, "a signature's `alg` does not fit the public key's type";
        SignatureExpired => "LOLLIPOP_SIGNATURE_EXPIRED", 401, "a signature's `expires` is past";
        ComponentUnsupported => "LOLLIPOP_COMPONENT_UNSUPPORTED", 401, "a covered component is a derived component or parameter this verifier does not build";
        ComponentAbsent => "LOLLIPOP_COMPONENT_ABSENT", 401, "a covered header is not in the request";
        SignatureEncodingInvalid => "LOLLIPOP_SIGNATURE_ENCODING_INVALID", 401, "an ECDSA signature is neither 64 raw bytes nor DER";
        SignatureInvalid => "LOLLIPOP_SIGNATURE_INVALID", 401, "a signature does not verify with the public key";
        CoverageInsufficient => "LOLLIPOP_COVERAGE_INSUFFICIENT", 401, "no signature covers both `x-pagopa-lollipop-original-method` and `x-pagopa-lollipop-original-url`";
        UserIdMismatch => "LOLLIPOP_USER_ID_MISMATCH", 403, "`x-pagopa-lollipop-user-id` is not the request's `fiscal_code`";
    }
}

/// A request that failed lollipop verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct LollipopError {
    /// What failed.
    pub code: LollipopCode,
    /// A sentence for the log and the problem's `detail` (never a key or a fiscal code).
    pub detail: String,
}

fn fail(code: LollipopCode, detail: impl Into<String>) -> LollipopError {
    LollipopError {
        code,
        detail: detail.into(),
    }
}

/// The signature algorithms lollipop devices use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `ecdsa-p256-sha256` (RFC 9421 §3.3.4).
    EcdsaP256Sha256,
    /// `rsa-pss-sha256`: RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    RsaPssSha256,
}

impl Algorithm {
    /// The name used in `alg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Algorithm::RsaPssSha256 => "rsa-pss-sha256",
        }
    }

    /// The algorithm named `name`, if supported.
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name {
            "ecdsa-p256-sha256" => Some(Algorithm::EcdsaP256Sha256),
            "rsa-pss-sha256" => Some(Algorithm::RsaPssSha256),
            _ => None,
        }
    }
}

/// The hash of an assertion reference (and of the thumbprint it carries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThumbprintHash {
    /// `sha256-…` (what IO sends).
    Sha256,
    /// `sha384-…`.
    Sha384,
    /// `sha512-…`.
    Sha512,
}

impl ThumbprintHash {
    fn prefix(self) -> &'static str {
        match self {
            ThumbprintHash::Sha256 => "sha256",
            ThumbprintHash::Sha384 => "sha384",
            ThumbprintHash::Sha512 => "sha512",
        }
    }

    /// The longest thumbprint the definitions allow after the prefix.
    fn max_len(self) -> usize {
        match self {
            ThumbprintHash::Sha256 => 44,
            ThumbprintHash::Sha384 => 66,
            ThumbprintHash::Sha512 => 88,
        }
    }
}

enum KeyMaterial {
    P256(p256::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

/// A device's public key, from `x-pagopa-lollipop-public-key`.
pub struct DevicePublicKey {
    key: KeyMaterial,
    /// The RFC 7638 required members, sorted, with their values as received.
    members: Vec<(&'static str, String)>,
}

impl fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevicePublicKey")
            .field("algorithm", &self.algorithm())
            .field("thumbprint", &self.thumbprint())
            .finish()
    }
}

/// Decodes base64 in any of its dialects (standard or url-safe, padded or not).
fn lenient_base64(s: &str) -> Option<Vec<u8>> {
    let normalized: String = s
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(normalized).ok()
}

impl DevicePublicKey {
    /// Parses the header value: base64url (or base64, padded or not) of a JWK's JSON.
    pub fn from_header(value: &str) -> Result<DevicePublicKey, LollipopError> {
        let json = lenient_base64(value.trim()).ok_or_else(|| {
            fail(
                LollipopCode::PublicKeyInvalid,
                "the public key header is not base64url",
            )
        })?;
        DevicePublicKey::from_jwk_json(&json)
    }

    /// Parses a JWK's JSON.
    pub fn from_jwk_json(json: &[u8]) -> Result<DevicePublicKey, LollipopError> {
        let invalid = |d: &str| fail(LollipopCode::PublicKeyInvalid, d);
        let jwk: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(json).map_err(|_| invalid("the public key is not a JWK"))?;
        let member = |name: &str| -> Result<String, LollipopError> {
            jwk.get(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| invalid(&format!("the JWK has no string `{name}`")))
        };
        let bytes = |name: &str, value: &str| {
            lenient_base64(value).ok_or_else(|| invalid(&format!("JWK `{name}` is not base64")))
        };
        match member("kty")?.as_str() {
            "EC" => {
                let crv = member("crv")?;
                if crv != "P-256" {
                    return Err(fail(
                        LollipopCode::KeyUnsupported,
                        format!("EC curve {crv:?} (only P-256)"),
                    ));
                }
                let (x, y) = (member("x")?, member("y")?);
                let (xb, yb) = (bytes("x", &x)?, bytes("y", &y)?);
                if xb.len() != 32 || yb.len() != 32 {
                    return Err(invalid("P-256 coordinates are 32 bytes"));
                }
                // SEC1 uncompressed: 0x04 ‖ x ‖ y.
                let sec1 = [&[4u8][..], &xb, &yb].concat();
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map_err(|_| invalid("the point is not on P-256"))?;
                Ok(DevicePublicKey {
                    key: KeyMaterial::P256(key),
                    members: vec![("crv", crv), ("kty", "EC".into()), ("x", x), ("y", y)],
                })
            }
            "RSA" => {
                let (n, e) = (member("n")?, member("e")?);
                let (nb, eb) = (bytes("n", &n)?, bytes("e", &e)?);
                let modulus = rsa::BigUint::from_bytes_be(&nb);
                let bits = modulus.bits();
                if !(2048..=4096).contains(&bits) {
                    return Err(fail(
                        LollipopCode::KeyUnsupported,
                        format!("an RSA key of {bits} bits (2048 to 4096)"),
                    ));
                }
                let key = rsa::RsaPublicKey::new(modulus, rsa::BigUint::from_bytes_be(&eb))
                    .map_err(|e| invalid(&format!("not an RSA public key: {e}")))?;
                Ok(DevicePublicKey {
                    key: KeyMaterial::Rsa(key),
                    members: vec![("e", e), ("kty", "RSA".into()), ("n", n)],
                })
            }
            other => Err(fail(
                LollipopCode::KeyUnsupported,
                format!("key type {other:?} (only EC and RSA)"),
            )),
        }
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            KeyMaterial::P256(_) => Algorithm::EcdsaP256Sha256,
            KeyMaterial::Rsa(_) => Algorithm::RsaPssSha256,
        }
    }

    /// The RFC 7638 JSON the thumbprint hashes: the required members in order, values as
    /// received.
    pub fn thumbprint_input(&self) -> String {
        let members: Vec<String> = self
            .members
            .iter()
            .map(|(k, v)| format!("\"{k}\":{}", serde_json::Value::from(v.as_str())))
            .collect();
        format!("{{{}}}", members.join(","))
    }

    /// The RFC 7638 thumbprint with `hash`, base64url without padding.
    pub fn thumbprint_with(&self, hash: ThumbprintHash) -> String {
        let input = self.thumbprint_input();
        let digest = match hash {
            ThumbprintHash::Sha256 => Sha256::digest(input.as_bytes()).to_vec(),
            ThumbprintHash::Sha384 => Sha384::digest(input.as_bytes()).to_vec(),
            ThumbprintHash::Sha512 => Sha512::digest(input.as_bytes()).to_vec(),
        };
        URL_SAFE_NO_PAD.encode(digest)
    }

    /// The RFC 7638 SHA-256 thumbprint, base64url without padding: the `keyid` of the device's
    /// signatures.
    pub fn thumbprint(&self) -> String {
        self.thumbprint_with(ThumbprintHash::Sha256)
    }

    /// Verifies `signature` over `message` with `alg`.
    pub fn verify_signature(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), LollipopError> {
        use rsa::signature::Verifier as _;
        let bad = || {
            fail(
                LollipopCode::SignatureInvalid,
                "the signature does not verify",
            )
        };
        match (&self.key, alg) {
            (KeyMaterial::P256(key), Algorithm::EcdsaP256Sha256) => {
                let sig = if signature.len() == 64 {
                    p256::ecdsa::Signature::from_slice(signature)
                } else {
                    p256::ecdsa::Signature::from_der(signature)
                }
                .map_err(|_| {
                    fail(
                        LollipopCode::SignatureEncodingInvalid,
                        "neither 64 raw bytes nor a DER ECDSA signature",
                    )
                })?;
                key.verify(message, &sig).map_err(|_| bad())
            }
            (KeyMaterial::Rsa(key), Algorithm::RsaPssSha256) => {
                let sig = rsa::pss::Signature::try_from(signature).map_err(|_| bad())?;
                rsa::pss::VerifyingKey::<Sha256>::new(key.clone())
                    .verify(message, &sig)
                    .map_err(|_| bad())
            }
            (_, alg) => Err(fail(
                LollipopCode::AlgorithmMismatch,
                format!("{} does not fit a {:?} key", alg.as_str(), self.algorithm()),
            )),
        }
    }
}

/// What a verified request proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLollipop {
    /// The citizen (`x-pagopa-lollipop-user-id`, equal to `fiscal_code`).
    pub user_id: FiscalCode,
    /// The device key's SHA-256 thumbprint (the signatures' `keyid`).
    pub thumbprint: String,
    /// `x-pagopa-lollipop-assertion-ref`.
    pub assertion_ref: String,
    /// The algorithm the device signed with.
    pub algorithm: Algorithm,
    /// The method of the request the app made.
    pub original_method: String,
    /// The url of the request the app made.
    pub original_url: String,
    /// The labels of the verified signatures (`sig1`…).
    pub labels: Vec<String>,
}

/// One value per header name for the single-valued lollipop headers.
fn single<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, LollipopError> {
    let mut values = headers.get_all(name).iter();
    let v = values
        .next()
        .ok_or_else(|| fail(LollipopCode::HeaderMissing, format!("no {name} header")))?;
    if values.next().is_some() {
        return Err(fail(
            LollipopCode::HeaderInvalid,
            format!("{name} is repeated"),
        ));
    }
    v.to_str()
        .map(str::trim)
        .map_err(|_| fail(LollipopCode::HeaderInvalid, format!("{name} is not ASCII")))
}

/// A field that may come in several lines, combined as RFC 9110 §5.3 says (the signature
/// headers are dictionaries, which may be split).
fn combined(headers: &HeaderMap, name: &'static str) -> Result<Option<String>, LollipopError> {
    let mut parts = Vec::new();
    for v in headers.get_all(name) {
        let s = v
            .to_str()
            .map_err(|_| fail(LollipopCode::HeaderInvalid, format!("{name} is not ASCII")))?;
        parts.push(s.trim());
    }
    Ok((!parts.is_empty()).then(|| parts.join(", ")))
}

fn original_method(headers: &HeaderMap) -> Result<String, LollipopError> {
    let m = single(headers, ORIGINAL_METHOD)?;
    if matches!(m, "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        Ok(m.to_owned())
    } else {
        Err(fail(
            LollipopCode::HeaderInvalid,
            format!("{ORIGINAL_METHOD} is not GET, POST, PUT, PATCH or DELETE"),
        ))
    }
}

fn original_url(headers: &HeaderMap) -> Result<(String, reqwest::Url), LollipopError> {
    let raw = single(headers, ORIGINAL_URL)?;
    let invalid = || {
        fail(
            LollipopCode::HeaderInvalid,
            format!("{ORIGINAL_URL} is not an https:// url"),
        )
    };
    if !raw.starts_with("https://") {
        return Err(invalid());
    }
    let url = reqwest::Url::parse(raw).map_err(|_| invalid())?;
    Ok((raw.to_owned(), url))
}

/// The parameters of one signature, from `signature-input`.
struct SignatureParams {
    label: String,
    components: Vec<String>,
    inner: InnerList,
    keyid: Option<String>,
    alg: Option<String>,
    expires: Option<i64>,
}

fn parse_signature_input(value: &str) -> Result<Vec<SignatureParams>, LollipopError> {
    let invalid = |d: String| fail(LollipopCode::SignatureInputInvalid, d);
    let dict: Dictionary = Parser::new(value)
        .parse()
        .map_err(|e| invalid(format!("not a structured dictionary: {e}")))?;
    if dict.is_empty() || dict.len() > MAX_SIGNATURES {
        return Err(invalid(format!("1 to {MAX_SIGNATURES} signatures")));
    }
    let mut out = Vec::new();
    for (label, entry) in dict {
        let label = label.as_str().to_owned();
        let ListEntry::InnerList(inner) = entry else {
            return Err(invalid(format!("{label} is not an inner list")));
        };
        if inner.items.len() > MAX_COMPONENTS {
            return Err(invalid(format!(
                "{label} covers more than {MAX_COMPONENTS} components"
            )));
        }
        let mut components = Vec::new();
        for item in &inner.items {
            let BareItem::String(name) = &item.bare_item else {
                return Err(invalid(format!("{label}: component names are strings")));
            };
            if let Some((p, _)) = item.params.iter().next() {
                return Err(fail(
                    LollipopCode::ComponentUnsupported,
                    format!("{label}: component parameter ;{}", p.as_str()),
                ));
            }
            let name = name.as_str().to_owned();
            if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(invalid(format!(
                    "{label}: component names are lower case: {name:?}"
                )));
            }
            if components.contains(&name) {
                return Err(invalid(format!("{label} covers {name} twice")));
            }
            components.push(name);
        }
        let (mut keyid, mut alg, mut expires) = (None, None, None);
        for (key, v) in &inner.params {
            let wrong = |what: &str| invalid(format!("{label}: {} must be {what}", key.as_str()));
            match key.as_str() {
                "keyid" => keyid = Some(v.as_string().ok_or_else(|| wrong("a string"))?.as_str()),
                "alg" => alg = Some(v.as_string().ok_or_else(|| wrong("a string"))?.as_str()),
                "created" => {
                    v.as_integer().ok_or_else(|| wrong("an integer"))?;
                }
                "expires" => {
                    expires = Some(i64::from(
                        v.as_integer().ok_or_else(|| wrong("an integer"))?,
                    ))
                }
                "nonce" | "tag" => {
                    v.as_string().ok_or_else(|| wrong("a string"))?;
                }
                // Unknown parameters are signed over like the others (RFC 9421 §2.3).
                _ => {}
            }
        }
        out.push(SignatureParams {
            label,
            components,
            keyid: keyid.map(str::to_owned),
            alg: alg.map(str::to_owned),
            expires,
            inner,
        });
    }
    Ok(out)
}

fn parse_signatures(value: &str) -> Result<Dictionary, LollipopError> {
    let dict: Dictionary = Parser::new(value).parse().map_err(|e| {
        fail(
            LollipopCode::SignatureHeaderInvalid,
            format!("not a structured dictionary: {e}"),
        )
    })?;
    Ok(dict)
}

/// The value of one covered component, derived components from the original request.
fn component_value(headers: &HeaderMap, name: &str) -> Result<String, LollipopError> {
    let url = || original_url(headers).map(|(_, u)| u);
    let value = match name {
        "@method" => original_method(headers)?,
        "@target-uri" => original_url(headers)?.0,
        "@scheme" => url()?.scheme().to_owned(),
        "@authority" => {
            let u = url()?;
            let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
            match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            }
        }
        "@path" => {
            let u = url()?;
            match u.path() {
                "" => "/".to_owned(),
                p => p.to_owned(),
            }
        }
        "@query" => format!("?{}", url()?.query().unwrap_or("")),
        "@request-target" => {
            let u = url()?;
            match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            }
        }
        derived if derived.starts_with('@') => {
            return Err(fail(
                LollipopCode::ComponentUnsupported,
                format!("derived component {derived}"),
            ));
        }
        header => {
            let mut values = Vec::new();
            for v in headers.get_all(header) {
                let s = v.to_str().map_err(|_| {
                    fail(
                        LollipopCode::HeaderInvalid,
                        format!("{header} is not ASCII"),
                    )
                })?;
                values.push(s.trim().to_owned());
            }
            if values.is_empty() {
                return Err(fail(
                    LollipopCode::ComponentAbsent,
                    format!("{header} is covered but absent"),
                ));
            }
            values.join(", ")
        }
    };
    Ok(value)
}

fn base_for(headers: &HeaderMap, params: &SignatureParams) -> Result<String, LollipopError> {
    let mut base = String::new();
    for name in &params.components {
        base.push_str(&format!(
            "\"{name}\": {}\n",
            component_value(headers, name)?
        ));
    }
    let serialized = vec![ListEntry::InnerList(params.inner.clone())]
        .serialize()
        .unwrap_or_default();
    base.push_str(&format!("\"@signature-params\": {serialized}"));
    Ok(base)
}

/// The RFC 9421 §2.5 signature base of the signature `label` of the request's
/// `signature-input`: what the device signed. For signers and for debugging a refusal.
pub fn signature_base(headers: &HeaderMap, label: &str) -> Result<String, LollipopError> {
    let input = combined(headers, SIGNATURE_INPUT)?.ok_or_else(|| {
        fail(
            LollipopCode::HeaderMissing,
            format!("no {SIGNATURE_INPUT} header"),
        )
    })?;
    let all = parse_signature_input(&input)?;
    let params = all.iter().find(|p| p.label == label).ok_or_else(|| {
        fail(
            LollipopCode::SignatureInputInvalid,
            format!("no signature {label}"),
        )
    })?;
    base_for(headers, params)
}

fn assertion_ref(headers: &HeaderMap, key: &DevicePublicKey) -> Result<String, LollipopError> {
    let raw = single(headers, ASSERTION_REF)?;
    let invalid = || {
        fail(
            LollipopCode::AssertionRefInvalid,
            format!("{ASSERTION_REF} is not sha256-, sha384- or sha512- and a thumbprint"),
        )
    };
    let (prefix, thumbprint) = raw.split_once('-').ok_or_else(invalid)?;
    let hash = [
        ThumbprintHash::Sha256,
        ThumbprintHash::Sha384,
        ThumbprintHash::Sha512,
    ]
    .into_iter()
    .find(|h| h.prefix() == prefix)
    .ok_or_else(invalid)?;
    let well_formed = (1..=hash.max_len()).contains(&thumbprint.len())
        && thumbprint
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_=".contains(&c));
    if !well_formed {
        return Err(invalid());
    }
    // The definitions allow padding: compare without it.
    if thumbprint.trim_end_matches('=') != key.thumbprint_with(hash) {
        return Err(fail(
            LollipopCode::AssertionRefMismatch,
            format!("{ASSERTION_REF} does not name the public key"),
        ));
    }
    Ok(raw.to_owned())
}

/// Verifies the lollipop headers of a request for `fiscal_code` (see the module's
/// documentation for the checks and their order).
pub fn verify(
    headers: &HeaderMap,
    fiscal_code: &FiscalCode,
) -> Result<VerifiedLollipop, LollipopError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    verify_at(headers, fiscal_code, now)
}

/// [`verify`] at the time `now` (Unix seconds), for `expires`.
pub fn verify_at(
    headers: &HeaderMap,
    fiscal_code: &FiscalCode,
    now: i64,
) -> Result<VerifiedLollipop, LollipopError> {
    for name in REQUIRED_HEADERS {
        if !headers.contains_key(*name) {
            return Err(fail(
                LollipopCode::HeaderMissing,
                format!("no {name} header"),
            ));
        }
    }
    let method = original_method(headers)?;
    let (url, _) = original_url(headers)?;
    let user_id = single(headers, USER_ID)?.to_owned();
    let key = DevicePublicKey::from_header(single(headers, PUBLIC_KEY)?)?;
    let assertion_ref = assertion_ref(headers, &key)?;
    let thumbprint = key.thumbprint();
    let input = combined(headers, SIGNATURE_INPUT)?.unwrap_or_default();
    let signatures = combined(headers, SIGNATURE)?.unwrap_or_default();
    let params = parse_signature_input(&input)?;
    let signatures = parse_signatures(&signatures)?;
    let mut labels = Vec::new();
    let mut covered = false;
    for p in &params {
        let signature = match signatures.get(p.label.as_str()) {
            Some(ListEntry::Item(item)) => item.bare_item.as_byte_sequence().ok_or_else(|| {
                fail(
                    LollipopCode::SignatureHeaderInvalid,
                    format!("{} is not a byte sequence", p.label),
                )
            })?,
            Some(ListEntry::InnerList(_)) => {
                return Err(fail(
                    LollipopCode::SignatureHeaderInvalid,
                    format!("{} is not a byte sequence", p.label),
                ));
            }
            None => {
                return Err(fail(
                    LollipopCode::SignatureMissing,
                    format!("no signature {}", p.label),
                ));
            }
        };
        let keyid = p.keyid.as_deref().ok_or_else(|| {
            fail(
                LollipopCode::KeyIdMissing,
                format!("{} has no keyid", p.label),
            )
        })?;
        if keyid != thumbprint {
            return Err(fail(
                LollipopCode::KeyIdMismatch,
                format!("{}: keyid is not the public key's thumbprint", p.label),
            ));
        }
        let alg = match p.alg.as_deref() {
            None => key.algorithm(),
            Some(name) => Algorithm::parse(name).ok_or_else(|| {
                fail(
                    LollipopCode::AlgorithmUnsupported,
                    format!("{}: alg {name:?}", p.label),
                )
            })?,
        };
        if alg != key.algorithm() {
            return Err(fail(
                LollipopCode::AlgorithmMismatch,
                format!(
                    "{}: {} with a {} key",
                    p.label,
                    alg.as_str(),
                    key.algorithm().as_str()
                ),
            ));
        }
        if let Some(expires) = p.expires
            && expires < now
        {
            return Err(fail(
                LollipopCode::SignatureExpired,
                format!("{} expired at {expires}", p.label),
            ));
        }
        let base = base_for(headers, p)?;
        key.verify_signature(alg, base.as_bytes(), signature)
            .map_err(|e| fail(e.code, format!("{}: {}", p.label, e.detail)))?;
        covered |= p.components.iter().any(|c| c == ORIGINAL_METHOD)
            && p.components.iter().any(|c| c == ORIGINAL_URL);
        labels.push(p.label.clone());
    }
    if !covered {
        return Err(fail(
            LollipopCode::CoverageInsufficient,
            format!("no signature covers both {ORIGINAL_METHOD} and {ORIGINAL_URL}"),
        ));
    }
    if user_id != fiscal_code.as_str() {
        return Err(fail(
            LollipopCode::UserIdMismatch,
            format!("{USER_ID} is not the fiscal_code of the request"),
        ));
    }
    Ok(VerifiedLollipop {
        user_id: fiscal_code.clone(),
        thumbprint,
        assertion_ref,
        algorithm: key.algorithm(),
        original_method: method,
        original_url: url,
        labels,
    })
}

/// Whether the request carries any lollipop header (for [`crate::server::LollipopPolicy::WhenPresent`]).
pub fn present(headers: &HeaderMap) -> bool {
    REQUIRED_HEADERS.iter().any(|h| headers.contains_key(*h))
}

/// The standard base64 of `bytes`, as a byte sequence is written in `signature` (`:…:`).
pub fn byte_sequence(bytes: &[u8]) -> String {
    format!(":{}:", STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_403_only_for_another_citizen() {
        let mut seen = std::collections::HashSet::new();
        for c in LollipopCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c.as_str().starts_with("LOLLIPOP_"));
            let expected = if *c == LollipopCode::UserIdMismatch {
                403
            } else {
                401
            };
            assert_eq!(c.status(), expected, "{c}");
        }
    }

    #[test]
    fn lenient_base64_accepts_every_dialect() {
        let bytes = [0xfbu8, 0xff, 0xbf, 0x01];
        for s in ["-_-_AQ", "+/+/AQ==", "-_-_AQ==", "+/+/AQ"] {
            assert_eq!(lenient_base64(s).as_deref(), Some(&bytes[..]), "{s}");
        }
        assert_eq!(lenient_base64("a*b"), None);
    }

    #[test]
    fn the_rfc_7638_example_thumbprint() {
        // RFC 7638 §3.1.
        let jwk = br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
        let key = DevicePublicKey::from_jwk_json(jwk).unwrap();
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        assert_eq!(key.algorithm(), Algorithm::RsaPssSha256);
    }

    #[test]
    fn keys_of_other_types_and_curves_are_unsupported() {
        for jwk in [
            r#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#,
            r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#,
        ] {
            let e = DevicePublicKey::from_jwk_json(jwk.as_bytes()).unwrap_err();
            assert_eq!(e.code, LollipopCode::KeyUnsupported, "{jwk}");
        }
        for jwk in [
            r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
            r#"{"kty":"EC","crv":"P-256"}"#,
            "not json",
        ] {
            let e = DevicePublicKey::from_jwk_json(jwk.as_bytes()).unwrap_err();
            assert_eq!(e.code, LollipopCode::PublicKeyInvalid, "{jwk}");
        }
    }
}
