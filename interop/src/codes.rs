//! Every code the engine answers with, in one table: the problem codes of every endpoint (each
//! with its HTTP status and meaning), and the causes two of them carry: why a token request is
//! malformed (in `INVALID_TOKEN_REQUEST`'s `detail`) and why a token was refused (`TOKEN_REFUSED`,
//! read at `GET /clients/{id}/token-failures`). `docs/interop.md` and the OpenAPI document
//! (`api/openapi.rs` fills its tables from here) list exactly these (`tests/docs.rs`). Never
//! rename a code: clients match on them.

use serde::Serialize;

macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($code:ident => $status:literal, $what:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum $name { $($code),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$code),*];

            /// The code as it is written on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$code => stringify!($code)),* }
            }

            /// The HTTP status of the answer.
            pub fn status(self) -> u16 {
                match self { $($name::$code => $status),* }
            }

            /// One line for the documentation tables.
            pub fn describe(self) -> &'static str {
                match self { $($name::$code => $what),* }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident in $carrier:ident { $($code:ident => $what:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum $name { $($code),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$code),*];

            /// The problem code that carries this cause.
            pub const CARRIER: Code = Code::$carrier;

            /// The cause as it is written on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$code => stringify!($code)),* }
            }

            /// The HTTP status of the answer: its carrier's.
            pub fn status(self) -> u16 {
                Self::CARRIER.status()
            }

            /// One line for the documentation tables.
            pub fn describe(self) -> &'static str {
                match self { $($name::$code => $what),* }
            }
        }
    };
}

codes! {
    /// The `code` of a problem+json answer (and the last segment of its `type`), on every endpoint.
    Code {
    TENANT_NOT_FOUND => 404, "no such tenant";
    USER_NOT_FOUND => 404, "no such user in the tenant (or client)";
    ATTRIBUTE_NOT_FOUND => 404, "no such attribute";
    ESERVICE_NOT_FOUND => 404, "no such e-service, or a draft of another producer";
    DESCRIPTOR_NOT_FOUND => 404, "no such version";
    AGREEMENT_NOT_FOUND => 404, "no such agreement, or the caller is neither party";
    PURPOSE_NOT_FOUND => 404, "no such purpose, or the caller is neither party";
    PURPOSE_VERSION_NOT_FOUND => 404, "no such purpose version";
    CLIENT_NOT_FOUND => 404, "no such client, or a security operator who is not a member";
    KEY_NOT_FOUND => 404, "no such key on the client";
    ROLE_REQUIRED => 403, "the caller lacks the role the operation needs";
    NOT_PRODUCER => 403, "only the producer of the e-service may do this";
    NOT_CONSUMER => 403, "only the consumer may do this";
    NOT_CLIENT_MEMBER => 403, "only members of the client upload its keys";
    USER_SUSPENDED => 403, "the user is suspended by its tenant";
    USER_NOT_REGISTERED => 403, "the token names a user or tenant the engine does not know";
    M2M_NOT_ALLOWED => 403, "keys are not managed through M2M tokens";
    VALIDATION_FAILED => 400, "a field is malformed or out of bounds (`fields` names it)";
    KEY_INVALID_PEM => 400, "the key is not readable PEM";
    KEY_NOT_RSA => 400, "only RSA keys are accepted";
    KEY_TOO_SHORT => 400, "RSA keys need at least 2048 bits";
    KEY_IS_PRIVATE => 400, "a private key was uploaded";
    KEY_IS_CERTIFICATE => 400, "a certificate was uploaded";
    KEY_MULTIPLE_BLOCKS => 400, "more than one PEM block";
    ATTRIBUTE_KIND_MISMATCH => 400, "the attribute is of another kind (certified/declared/verified)";
    USER_ROLE_MISMATCH => 400, "the user cannot have or do this with its roles (e.g. a client member must be a security operator)";
    TENANT_NAME_TAKEN => 409, "a tenant with this name exists";
    USER_ALREADY_EXISTS => 409, "the user exists (or is already a member)";
    ATTRIBUTE_NAME_TAKEN => 409, "an attribute of this kind and name exists";
    ESERVICE_NAME_TAKEN => 409, "the producer has an e-service with this name";
    AUDIENCE_TAKEN => 409, "publishing: the version's audience is already used by an e-service of another producer (an audience names one producer's service, see docs/security.md)";
    ESERVICE_IMMUTABLE => 409, "general information is frozen after version 1 is published";
    ESERVICE_HAS_PUBLISHED_VERSIONS => 409, "an e-service that was published cannot be deleted";
    DRAFT_DESCRIPTOR_EXISTS => 409, "at most one draft version at a time";
    DESCRIPTOR_INCOMPLETE => 409, "publishing a draft that misses fields (`fields` lists them)";
    DESCRIPTOR_STATE_CONFLICT => 409, "the version is in the wrong state for this transition";
    DESCRIPTOR_HAS_AGREEMENTS => 409, "a version with agreements on it cannot be archived";
    NO_PUBLISHED_DESCRIPTOR => 409, "nothing to subscribe to: only the latest PUBLISHED version can be";
    AGREEMENT_ALREADY_EXISTS => 409, "one live agreement per consumer and e-service";
    AGREEMENT_STATE_CONFLICT => 409, "the agreement is in the wrong state for this transition";
    MISSING_CERTIFIED_ATTRIBUTES => 409, "the consumer lacks a required certified attribute";
    VERIFIED_ATTRIBUTES_NOT_VERIFIED => 409, "approval needs every verified attribute verified (`fields` lists them)";
    NO_NEWER_DESCRIPTOR => 409, "upgrade needs a newer published version";
    AGREEMENT_NOT_ACTIVE => 409, "purposes need an ACTIVE agreement";
    PURPOSE_STATE_CONFLICT => 409, "the purpose or version is in the wrong state";
    PURPOSE_VERSION_PENDING => 409, "a load estimate already waits for approval";
    CLIENT_KIND_MISMATCH => 409, "API clients cannot be attached to purposes";
    CLIENT_ALREADY_ON_PURPOSE => 409, "already attached";
    CLIENT_NOT_ON_PURPOSE => 409, "not attached";
    KEY_ALREADY_EXISTS => 409, "the kid is registered (kids are unique platform-wide)";
    ATTRIBUTE_ALREADY_ASSIGNED => 409, "the tenant already holds it";
    ATTRIBUTE_NOT_ASSIGNED => 409, "the tenant does not hold it";
    CONCURRENT_MODIFICATION => 409, "too many concurrent writers; retry";
    INVALID_BODY => 400, "the JSON body is malformed or misses a field";
    PAYLOAD_TOO_LARGE => 413, "the body is larger than the engine accepts (2 MiB)";
    UNSUPPORTED_MEDIA_TYPE => 415, "the body is not sent as `application/json`";
    INVALID_PATH => 400, "a path parameter is malformed (e.g. not a UUID)";
    INVALID_QUERY => 400, "a query parameter is malformed";
    INVALID_TOKEN_REQUEST => 400, "the token request's form is malformed or not form-encoded; when the cause is one of the \"causes of INVALID_TOKEN_REQUEST\", `detail` starts `INVALID_TOKEN_REQUEST (<cause>): `";
    MISSING_TOKEN => 401, "no `Authorization: Bearer` token";
    INVALID_TOKEN => 401, "the identity or M2M token's signature, issuer, audience or times are wrong";
    TOKEN_REFUSED => 401, "no token for this client assertion; its cause, one of the \"refusal causes\", is at `GET /clients/{id}/token-failures`";
    ROUTE_NOT_FOUND => 404, "no such endpoint";
    METHOD_NOT_ALLOWED => 405, "the endpoint exists but not with this method";
    ROTATION_NOT_POSSIBLE => 409, "the signing key is configured: rotate it by configuration";
    STORE_UNAVAILABLE => 503, "the store cannot be reached; retry";
    }
}

codes! {
    /// Why `POST /token.oauth2`'s form was refused: `detail` starts
    /// `INVALID_TOKEN_REQUEST (<cause>): `.
    TokenRequestCause in INVALID_TOKEN_REQUEST {
    UNSUPPORTED_GRANT_TYPE => "`grant_type` is not `client_credentials`";
    INVALID_ASSERTION_TYPE => "`client_assertion_type` is not `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`";
    MISSING_ASSERTION => "`client_assertion` is missing or empty";
    }
}

codes! {
    /// Why a token request was refused. The public answer stays generic (`TOKEN_REFUSED`, as the
    /// reference's), but the exact cause is logged and recorded for the client's owner to read.
    RefusalCode in TOKEN_REFUSED {
    ASSERTION_MALFORMED => "the client assertion is not a well-formed JWS";
    ASSERTION_ALG_NOT_ALLOWED => "the assertion's alg is not RS256 (none, HS256 and others are refused)";
    ASSERTION_KID_INVALID => "the assertion's kid is missing or not a 43-character RFC 7638 thumbprint";
    UNKNOWN_KID => "no client holds a key with this kid (never uploaded, deleted, or its client deleted)";
    ASSERTION_SIGNATURE_INVALID => "the signature does not verify with the key named by kid";
    ASSERTION_CLAIM_MISSING => "a required claim (iss, sub, aud, jti, iat, exp) is missing or mistyped";
    ASSERTION_AUDIENCE_INVALID => "aud does not contain the engine's client-assertion audience";
    ASSERTION_EXPIRED => "exp is in the past";
    ASSERTION_NOT_YET_VALID => "nbf is in the future";
    ASSERTION_IAT_IN_FUTURE => "iat is in the future";
    ASSERTION_LIFETIME_TOO_LONG => "exp - iat exceeds the configured maximum assertion lifetime";
    SUB_MISMATCH => "sub is not the id of the client holding the key";
    CLIENT_ID_MISMATCH => "the client_id form field differs from the assertion's sub";
    JTI_REPLAYED => "this jti was already used by this client within its lifetime";
    DIGEST_INVALID => "digest must be {alg: SHA256, value: 64 hex characters}";
    PURPOSE_ID_REQUIRED => "CONSUMER clients must name a purposeId";
    PURPOSE_ID_INVALID => "purposeId is not a UUID";
    PURPOSE_NOT_FOUND => "no such purpose, or it belongs to another tenant";
    CLIENT_NOT_ON_PURPOSE => "the client is not attached to the purpose";
    PURPOSE_NOT_ACTIVE => "the purpose has no ACTIVE version (draft, waiting, suspended or archived)";
    AGREEMENT_NOT_ACTIVE => "the agreement is not ACTIVE (suspended, pending, archived or missing)";
    DESCRIPTOR_NOT_ACTIVE => "the e-service version is not PUBLISHED or DEPRECATED (suspended or archived)";
    }
}
