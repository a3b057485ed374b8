//! The domain's one error type. Every refusal carries a stable [`ErrorCode`] that users can
//! search for: the domain's part of the engine's code table (`codes.rs`), which gives its HTTP
//! status and meaning.

use crate::codes::Code;
use std::fmt;

macro_rules! codes {
    ($($code:ident),* $(,)?) => {
        /// The codes the domain refuses with. Never rename one: clients match on them.
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

            /// The same code in the engine's table, which gives its HTTP status and meaning (a
            /// domain code missing from the table does not compile).
            pub fn as_code(self) -> Code {
                match self { $(ErrorCode::$code => Code::$code),* }
            }
        }
    };
}

codes! {
    TENANT_NOT_FOUND,
    USER_NOT_FOUND,
    ATTRIBUTE_NOT_FOUND,
    ESERVICE_NOT_FOUND,
    DESCRIPTOR_NOT_FOUND,
    AGREEMENT_NOT_FOUND,
    PURPOSE_NOT_FOUND,
    PURPOSE_VERSION_NOT_FOUND,
    CLIENT_NOT_FOUND,
    KEY_NOT_FOUND,

    ROLE_REQUIRED,
    NOT_PRODUCER,
    NOT_CONSUMER,
    NOT_CLIENT_MEMBER,
    USER_SUSPENDED,
    USER_NOT_REGISTERED,
    M2M_NOT_ALLOWED,

    VALIDATION_FAILED,
    KEY_INVALID_PEM,
    KEY_NOT_RSA,
    KEY_TOO_SHORT,
    KEY_IS_PRIVATE,
    KEY_IS_CERTIFICATE,
    KEY_MULTIPLE_BLOCKS,
    ATTRIBUTE_KIND_MISMATCH,
    USER_ROLE_MISMATCH,

    TENANT_NAME_TAKEN,
    USER_ALREADY_EXISTS,
    ATTRIBUTE_NAME_TAKEN,
    ESERVICE_NAME_TAKEN,
    AUDIENCE_TAKEN,
    ESERVICE_IMMUTABLE,
    ESERVICE_HAS_PUBLISHED_VERSIONS,
    DRAFT_DESCRIPTOR_EXISTS,
    DESCRIPTOR_INCOMPLETE,
    DESCRIPTOR_STATE_CONFLICT,
    DESCRIPTOR_HAS_AGREEMENTS,
    NO_PUBLISHED_DESCRIPTOR,
    AGREEMENT_ALREADY_EXISTS,
    AGREEMENT_STATE_CONFLICT,
    MISSING_CERTIFIED_ATTRIBUTES,
    VERIFIED_ATTRIBUTES_NOT_VERIFIED,
    NO_NEWER_DESCRIPTOR,
    AGREEMENT_NOT_ACTIVE,
    PURPOSE_STATE_CONFLICT,
    PURPOSE_VERSION_PENDING,
    CLIENT_KIND_MISMATCH,
    CLIENT_ALREADY_ON_PURPOSE,
    CLIENT_NOT_ON_PURPOSE,
    KEY_ALREADY_EXISTS,
    ATTRIBUTE_ALREADY_ASSIGNED,
    ATTRIBUTE_NOT_ASSIGNED,
    CONCURRENT_MODIFICATION,
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
