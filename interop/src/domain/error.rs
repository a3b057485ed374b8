//! The domain's one error type. Every refusal carries a stable [`ErrorCode`] that users can
//! search for; the HTTP layer maps [`ErrorKind`] to a status in one place (`api/problem.rs`).

use std::fmt;

/// What kind of refusal this is; the HTTP layer turns it into a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The thing does not exist, or the caller may not know it exists.
    NotFound,
    /// The caller lacks the role or is not the owner.
    Forbidden,
    /// The input is malformed or out of bounds.
    Invalid,
    /// The input is fine but the current state does not allow the operation.
    Conflict,
}

macro_rules! codes {
    ($($code:ident => $kind:ident),* $(,)?) => {
        /// Stable error codes. Never rename one: clients match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum ErrorCode { $($code),* }

        impl ErrorCode {
            /// Every code, for the documentation table and its test.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code),*];

            /// The code as it appears in problem+json.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$code => stringify!($code)),* }
            }

            /// Its kind, hence its HTTP status.
            pub fn kind(self) -> ErrorKind {
                match self { $(ErrorCode::$code => ErrorKind::$kind),* }
            }
        }
    };
}

codes! {
    TENANT_NOT_FOUND => NotFound,
    USER_NOT_FOUND => NotFound,
    ATTRIBUTE_NOT_FOUND => NotFound,
    ESERVICE_NOT_FOUND => NotFound,
    DESCRIPTOR_NOT_FOUND => NotFound,
    AGREEMENT_NOT_FOUND => NotFound,
    PURPOSE_NOT_FOUND => NotFound,
    PURPOSE_VERSION_NOT_FOUND => NotFound,
    CLIENT_NOT_FOUND => NotFound,
    KEY_NOT_FOUND => NotFound,

    ROLE_REQUIRED => Forbidden,
    NOT_PRODUCER => Forbidden,
    NOT_CONSUMER => Forbidden,
    NOT_CLIENT_MEMBER => Forbidden,
    USER_SUSPENDED => Forbidden,
    USER_NOT_REGISTERED => Forbidden,
    M2M_NOT_ALLOWED => Forbidden,

    VALIDATION_FAILED => Invalid,
    KEY_INVALID_PEM => Invalid,
    KEY_NOT_RSA => Invalid,
    KEY_TOO_SHORT => Invalid,
    KEY_IS_PRIVATE => Invalid,
    KEY_IS_CERTIFICATE => Invalid,
    KEY_MULTIPLE_BLOCKS => Invalid,
    ATTRIBUTE_KIND_MISMATCH => Invalid,
    USER_ROLE_MISMATCH => Invalid,

    TENANT_NAME_TAKEN => Conflict,
    USER_ALREADY_EXISTS => Conflict,
    ATTRIBUTE_NAME_TAKEN => Conflict,
    ESERVICE_NAME_TAKEN => Conflict,
    AUDIENCE_TAKEN => Conflict,
    ESERVICE_IMMUTABLE => Conflict,
    ESERVICE_HAS_PUBLISHED_VERSIONS => Conflict,
    DRAFT_DESCRIPTOR_EXISTS => Conflict,
    DESCRIPTOR_INCOMPLETE => Conflict,
    DESCRIPTOR_STATE_CONFLICT => Conflict,
    DESCRIPTOR_HAS_AGREEMENTS => Conflict,
    NO_PUBLISHED_DESCRIPTOR => Conflict,
    AGREEMENT_ALREADY_EXISTS => Conflict,
    AGREEMENT_STATE_CONFLICT => Conflict,
    MISSING_CERTIFIED_ATTRIBUTES => Conflict,
    VERIFIED_ATTRIBUTES_NOT_VERIFIED => Conflict,
    NO_NEWER_DESCRIPTOR => Conflict,
    AGREEMENT_NOT_ACTIVE => Conflict,
    PURPOSE_STATE_CONFLICT => Conflict,
    PURPOSE_VERSION_PENDING => Conflict,
    CLIENT_KIND_MISMATCH => Conflict,
    CLIENT_ALREADY_ON_PURPOSE => Conflict,
    CLIENT_NOT_ON_PURPOSE => Conflict,
    KEY_ALREADY_EXISTS => Conflict,
    ATTRIBUTE_ALREADY_ASSIGNED => Conflict,
    ATTRIBUTE_NOT_ASSIGNED => Conflict,
    CONCURRENT_MODIFICATION => Conflict,
}

/// A refusal: a stable code, a human sentence, and (for incomplete drafts and bad input) the
/// names of the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub code: ErrorCode,
    pub detail: String,
    pub fields: Vec<String>,
}

impl DomainError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            fields: Vec::new(),
        }
    }

    pub fn with_fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }

    /// Bad input in one named field.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::VALIDATION_FAILED, detail).with_fields(vec![field.to_owned()])
    }

    pub fn not_found(code: ErrorCode, id: impl fmt::Display) -> Self {
        let what = code
            .as_str()
            .trim_end_matches("_NOT_FOUND")
            .to_lowercase()
            .replace('_', " ");
        Self::new(code, format!("{what} {id} not found"))
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for DomainError {}

/// The result of every domain operation.
pub type DomainResult<T> = Result<T, DomainError>;

/// Shorthand: `Err(DomainError::new(code, detail))`.
pub fn fail<T>(code: ErrorCode, detail: impl Into<String>) -> DomainResult<T> {
    Err(DomainError::new(code, detail))
}
