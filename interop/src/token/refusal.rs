//! Why a token request was refused. The public answer stays generic (as the reference's), but the
//! exact cause is logged and recorded for the client's owner to read.

use serde::Serialize;

macro_rules! refusals {
    ($($code:ident => $what:literal),* $(,)?) => {
        /// Stable causes of a refused token request.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum RefusalCode { $($code),* }

        impl RefusalCode {
            pub const ALL: &'static [RefusalCode] = &[$(RefusalCode::$code),*];

            pub fn as_str(self) -> &'static str {
                match self { $(RefusalCode::$code => stringify!($code)),* }
            }

            /// A one-line explanation for the documentation.
            pub fn describe(self) -> &'static str {
                match self { $(RefusalCode::$code => $what),* }
            }
        }
    };
}

refusals! {
    ASSERTION_MALFORMED => "the client assertion is not a well-formed JWS",
    ASSERTION_ALG_NOT_ALLOWED => "the assertion's alg is not RS256 (none, HS256 and others are refused)",
    ASSERTION_KID_INVALID => "the assertion's kid is missing or not a 43-character RFC 7638 thumbprint",
    UNKNOWN_KID => "no client holds a key with this kid (never uploaded, deleted, or its client deleted)",
    ASSERTION_SIGNATURE_INVALID => "the signature does not verify with the key named by kid",
    ASSERTION_CLAIM_MISSING => "a required claim (iss, sub, aud, jti, iat, exp) is missing or mistyped",
    ASSERTION_AUDIENCE_INVALID => "aud does not contain the engine's client-assertion audience",
    ASSERTION_EXPIRED => "exp is in the past",
    ASSERTION_NOT_YET_VALID => "nbf is in the future",
    ASSERTION_IAT_IN_FUTURE => "iat is in the future",
    ASSERTION_LIFETIME_TOO_LONG => "exp - iat exceeds the configured maximum assertion lifetime",
    SUB_MISMATCH => "sub is not the id of the client holding the key",
    CLIENT_ID_MISMATCH => "the client_id form field differs from the assertion's sub",
    JTI_REPLAYED => "this jti was already used by this client within its lifetime",
    DIGEST_INVALID => "digest must be {alg: SHA256, value: 64 hex characters}",
    PURPOSE_ID_REQUIRED => "CONSUMER clients must name a purposeId",
    PURPOSE_ID_INVALID => "purposeId is not a UUID",
    PURPOSE_NOT_FOUND => "no such purpose, or it belongs to another tenant",
    CLIENT_NOT_ON_PURPOSE => "the client is not attached to the purpose",
    PURPOSE_NOT_ACTIVE => "the purpose has no ACTIVE version (draft, waiting, suspended or archived)",
    AGREEMENT_NOT_ACTIVE => "the agreement is not ACTIVE (suspended, pending, archived or missing)",
    DESCRIPTOR_NOT_ACTIVE => "the e-service version is not PUBLISHED or DEPRECATED (suspended or archived)",
}

/// A refusal with its context, for the log and the client's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub detail: String,
    /// The client, once the kid identified it (failures are readable by its owner).
    pub client_id: Option<crate::domain::ids::ClientId>,
    pub kid: Option<String>,
    pub purpose_id: Option<String>,
}

impl Refusal {
    pub fn new(code: RefusalCode, detail: impl Into<String>) -> Self {
        Refusal {
            code,
            detail: detail.into(),
            client_id: None,
            kid: None,
            purpose_id: None,
        }
    }
}
