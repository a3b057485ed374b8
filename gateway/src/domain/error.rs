//! The gateway's one error type: a stable code (with its HTTP status, in one table), a sentence,
//! and the fields at fault. `api/problem.rs` turns it into problem+json.

use std::fmt;

macro_rules! codes {
    ($($code:ident => $status:literal, $what:literal;)*) => {
        /// Stable error codes. Never rename one: clients match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum Code { $($code),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code)),* }
            }

            pub fn status(self) -> u16 {
                match self { $(Code::$code => $status),* }
            }

            /// One line for the documentation table.
            pub fn describe(self) -> &'static str {
                match self { $(Code::$code => $what),* }
            }
        }
    };
}

codes! {
    VALIDATION_FAILED => 400, "a field is missing, malformed or out of bounds (`fields` names it)";
    INVALID_BODY => 400, "the body is not the expected JSON, or not sent as `application/json`";
    INVALID_PATH => 400, "a path parameter is malformed (e.g. not a ULID)";
    INVALID_QUERY => 400, "a query parameter is malformed or out of bounds";
    CONFIGURATION_ID_REQUIRED => 400, "`third_party_data` needs a `configuration_id`";
    ADVANCED_REQUIRED => 400, "`has_attachments` needs `feature_level_type: ADVANCED`";
    IDEMPOTENCY_KEY_INVALID => 400, "`Idempotency-Key` must be 1..255 visible ASCII characters";
    FISCAL_CODE_HEADER_MISSING => 400, "the app API needs the citizen's `fiscal_code` header";
    FISCAL_CODE_HEADER_INVALID => 400, "the `fiscal_code` header is not a fiscal code";
    VOUCHER_MISSING => 401, "no `Authorization: Bearer` voucher";
    VOUCHER_MALFORMED => 401, "the voucher is not a JWS with a `kid`";
    VOUCHER_ALG_NOT_ALLOWED => 401, "the voucher is not RS256";
    VOUCHER_UNKNOWN_KID => 401, "no key of the Interop JWKS has the voucher's `kid`";
    VOUCHER_SIGNATURE_INVALID => 401, "the voucher's signature does not verify";
    VOUCHER_EXPIRED => 401, "the voucher's `exp` is past";
    VOUCHER_NOT_YET_VALID => 401, "the voucher's `nbf` is in the future";
    VOUCHER_AUDIENCE_INVALID => 401, "the voucher's `aud` is not this gateway's audience";
    VOUCHER_ISSUER_INVALID => 401, "the voucher was not issued by the configured Interop engine";
    VOUCHER_CLAIMS_MISSING => 401, "the voucher lacks `consumerId`, `purposeId`, `eserviceId` or `producerId`";
    VOUCHER_ESERVICE_NOT_ALLOWED => 401, "the voucher is for another e-service or producer than this gateway's (`auth.eservice_id`, `auth.producer_id`)";
    APP_KEY_MISSING => 401, "the app API needs `Authorization: Bearer <app API key>`";
    APP_KEY_INVALID => 401, "the app API key is not one of the configured keys";
    NOT_YOUR_CONFIGURATION => 403, "the configuration belongs to another tenant";
    CONFIGURATION_NOT_FOUND => 404, "no such configuration (for this tenant)";
    MESSAGE_NOT_FOUND => 404, "no such message (for this sender or citizen)";
    ROUTE_NOT_FOUND => 404, "no such endpoint";
    METHOD_NOT_ALLOWED => 405, "the endpoint exists but not with this method";
    PAYLOAD_TOO_LARGE => 413, "the body is larger than allowed";
    IDEMPOTENCY_KEY_REUSED => 422, "this `Idempotency-Key` was used with a different request";
    JWKS_UNAVAILABLE => 503, "the Interop engine's JWKS cannot be fetched; retry";
    NOT_A_REMOTE_CONTENT_MESSAGE => 400, "the message has no `third_party_data`: there is nothing to fetch";
    ATTACHMENT_NOT_LISTED => 404, "the attachment url is not among the message's attachments";
    NOT_A_TEST_USER => 403, "only a test environment is configured and the citizen is not one of its `test_users`";
    NOT_YOUR_TEST_USER => 403, "the preview (`/api/v1/test-users`) shows only the test users of the caller's configurations: the fiscal code is in none of their `test_users`";
    LOLLIPOP_HEADERS_MISSING => 400, "the configuration enables lollipop for this citizen and lollipop headers are missing";
    LOLLIPOP_HEADERS_INVALID => 400, "a lollipop header is malformed (`fields` names it)";
    CONFIGURATION_GONE => 502, "the message's remote-content configuration was deleted by its entity";
    ENTITY_BAD_REQUEST => 400, "the entity answered 400";
    ENTITY_FORBIDDEN => 403, "the entity answered 403";
    ENTITY_NOT_FOUND => 404, "the entity answered 404";
    ENTITY_TOO_MANY_REQUESTS => 429, "the entity answered 429";
    ENTITY_UNAVAILABLE => 503, "the entity answered 503 (its `Retry-After` is passed on)";
    ENTITY_UNAUTHORIZED => 502, "the entity refused the gateway's credentials (401)";
    ENTITY_ERROR => 502, "the entity answered 5xx";
    ENTITY_REDIRECT => 502, "the entity answered with a redirect, which the gateway never follows";
    ENTITY_UNEXPECTED_STATUS => 502, "the entity answered with a status the contract does not have";
    ENTITY_UNREACHABLE => 502, "the entity could not be reached (connection refused or reset)";
    ENTITY_ADDRESS_NOT_ALLOWED => 502, "the entity's address is loopback, private, link-local or otherwise not public, and not in `fetch.egress_allow`: no connection was attempted";
    ENTITY_TIMEOUT => 504, "the entity did not answer in time";
    ENTITY_INVALID_RESPONSE => 502, "the entity's answer is not the JSON of the contract";
    ENTITY_RESPONSE_TOO_LARGE => 502, "the entity's answer is larger than allowed";
    ENTITY_BUSY => 503, "too many requests to this entity are in flight; retry";
    ATTACHMENT_VALIDATION_BUSY => 503, "every PDF validation slot stayed busy for `fetch.pdf_queue_timeout_ms` (other entities' attachments were being checked); retry";
    ENTITY_CIRCUIT_OPEN => 503, "the entity failed repeatedly; the gateway pauses calls to it; retry later";
    VOUCHER_REFUSED => 502, "Interop refused the gateway a voucher for the configured purpose";
    INTEROP_UNAVAILABLE => 502, "the Interop engine's token endpoint could not be reached";
    ATTACHMENTS_NOT_PRESENT => 502, "`has_attachments` is declared but the entity sent no attachments";
    REMOTE_CONTENT_NOT_PRESENT => 502, "`has_remote_content` is declared but the entity sent no details";
    SUBJECT_VALIDATION_ERROR => 502, "the entity's subject is not 10..120 characters";
    MARKDOWN_VALIDATION_ERROR => 502, "the entity's markdown is not 80..10000 characters";
    MARKDOWN_UNSAFE => 502, "the entity's markdown holds raw HTML or a link the app cannot open safely";
    PRECONDITION_VALIDATION_ERROR => 502, "the entity's precondition lacks a title or markdown, or holds unsafe markdown";
    ATTACHMENT_METADATA_INVALID => 502, "an attachment's id, name, content type, url or category breaks the contract";
    ATTACHMENT_NOT_PDF => 415, "the attachment's bytes are not a readable PDF";
    ATTACHMENT_ENCRYPTED => 415, "the attachment is encrypted";
    ATTACHMENT_NOT_PDFA => 415, "the attachment does not conform to PDF/A-2: the detail names the first broken rule (veraPDF's id, e.g. 6.1.3-1) and why";
    ATTACHMENT_TOO_COMPLEX => 415, "checking the attachment would take more time, work or decompressed bytes than one validation may (`fetch.pdf_validation_timeout_ms`)";
    STORE_UNAVAILABLE => 503, "the store cannot be reached; retry";
    PROBE_LIMITED => 429, "a probe of this tenant is running, it started `probe.per_tenant_per_minute` probes in the last minute, or `probe.max_concurrent` probes are running; retry after `Retry-After` seconds";
    PROBE_UNAVAILABLE => 503, "the gateway could not start the probe (its fetch settings or Interop client key are unusable; its log says which); retry later";
}

/// A refusal with its code, a sentence, and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    pub code: Code,
    pub detail: String,
    pub fields: Vec<String>,
    /// Seconds the caller should wait (an entity's `Retry-After`, passed on).
    pub retry_after: Option<String>,
}

impl GatewayError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(Code::VALIDATION_FAILED, detail).with_fields(vec![field.into()])
    }

    pub fn with_fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for GatewayError {}

pub type Result<T, E = GatewayError> = std::result::Result<T, E>;
