//! The OpenAPI document of everything the gateway serves, generated from the code: the handlers'
//! `#[utoipa::path]` annotations (operation, parameters, body, answers, security), the schemas of
//! the types that parse requests and write answers, and the routers built with
//! `utoipa_axum::router::OpenApiRouter`, so a route cannot be served undocumented. What a derive
//! cannot say is filled in here, once: the `Problem.code` enum and its table (from [`Code`]),
//! the problem answers of each operation (from [`Code`] too), and a few reference-shaped details.

use super::MAX_BODY;
use crate::domain::Code;
use std::collections::BTreeMap;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

/// The security scheme of the entity API.
pub const INTEROP_VOUCHER: &str = "interopVoucher";
/// The security scheme of the app API.
pub const APP_API_KEY: &str = "appApiKey";

/// Every error (`application/problem+json`, RFC 9457): a stable `code` clients can match on, a
/// sentence, and the fields at fault. `404 ROUTE_NOT_FOUND` and `405 METHOD_NOT_ALLOWED` can
/// answer any path.
// Written by `service_kit::problem::response`; this type only describes it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// `https://recapito.dev/problems/{code}`.
    #[schema(rename = "type", format = "uri")]
    kind: String,
    /// The HTTP status's reason phrase.
    title: String,
    #[schema(minimum = 100, exclusive_maximum = 600)]
    status: u16,
    /// The stable error code (the enum and its table: [`openapi`]).
    code: String,
    /// What is wrong with this request, for a human.
    detail: String,
    /// The fields at fault (e.g. `content.subject`), when fields are at fault.
    #[schema(nullable = false)]
    fields: Option<Vec<String>>,
}

/// The codes one answer may carry, as markdown lines (`- `CODE`: meaning`).
fn code_lines(codes: &[Code]) -> String {
    codes
        .iter()
        .map(|c| format!("- `{}`: {}", c.as_str(), c.describe()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A problem answer: `summary`, then each code with its meaning; the codes again, for machines,
/// in `x-problem-codes`.
fn problem_answer(
    status: u16,
    summary: &str,
    codes: &[Code],
    retry_after: Option<&str>,
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    debug_assert!(codes.iter().all(|c| c.status() == status));
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let mut answer = ResponseBuilder::new()
        .description(format!("{summary}\n\n{}", code_lines(codes)))
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(Problem::name())))
                .build(),
        )
        .extensions(Some(
            ExtensionsBuilder::new()
                .add("x-problem-codes", names)
                .build(),
        ));
    if let Some(description) = retry_after {
        answer = answer.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(Object::with_type(Type::String)))
                .description(Some(description))
                .build(),
        );
    }
    BTreeMap::from([(status.to_string(), answer.build().into())])
}

/// The problem answers handlers name in `#[utoipa::path(responses(...))]`: each a status, a
/// summary and the codes it carries (each code's status is checked against the answer's).
macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $summary:expr, [$($code:ident),+ $(,)?] $(, retry_after = $ra:literal)?;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                    problem_answer(
                        $status,
                        &$summary,
                        &[$(Code::$code),+],
                        None $(.or(Some($ra)))?,
                    )
                }
            }
        )*
    };
}

const MALFORMED: &str = "The request is malformed.";
const NOT_FOUND_FOR_CALLER: &str = "Not found (for this caller).";
const NOT_FOUND_FOR_CITIZEN: &str = "Not found (another citizen's message is not found either).";
const ENTITY_UNUSABLE: &str = "The entity could not be used, or its answer breaks the contract or \
                               the flags the message was submitted with.";
const NOT_FOUND_FOR_PREVIEW: &str = "Not found (another sender's message, or one for another citizen, \
                                     is not found either).";
const RETRY: &str = "Unavailable for now; retry (after `Retry-After` seconds when given).";

problems! {
    // Both APIs.
    PayloadTooLarge = 413, format!("The body is larger than {} KiB.", MAX_BODY / 1024), [PAYLOAD_TOO_LARGE];

    // The entity API.
    VoucherRefused = 401, "No valid Interop voucher.", [
        VOUCHER_MISSING, VOUCHER_MALFORMED, VOUCHER_ALG_NOT_ALLOWED, VOUCHER_UNKNOWN_KID,
        VOUCHER_SIGNATURE_INVALID, VOUCHER_EXPIRED, VOUCHER_NOT_YET_VALID,
        VOUCHER_AUDIENCE_INVALID, VOUCHER_ISSUER_INVALID, VOUCHER_CLAIMS_MISSING,
        VOUCHER_ESERVICE_NOT_ALLOWED,
    ];
    BodyRefused = 400, MALFORMED, [INVALID_BODY, VALIDATION_FAILED];
    PathRefused = 400, MALFORMED, [INVALID_PATH];
    PathOrBodyRefused = 400, MALFORMED, [INVALID_PATH, INVALID_BODY, VALIDATION_FAILED];
    SubmissionRefused = 400, MALFORMED, [
        INVALID_BODY, VALIDATION_FAILED, CONFIGURATION_ID_REQUIRED, ADVANCED_REQUIRED,
        IDEMPOTENCY_KEY_INVALID,
    ];
    NotYourConfiguration = 403, "Not the caller's resource.", [NOT_YOUR_CONFIGURATION];
    ConfigurationNotFound = 404, NOT_FOUND_FOR_CALLER, [CONFIGURATION_NOT_FOUND];
    SentMessageNotFound = 404, NOT_FOUND_FOR_CALLER, [MESSAGE_NOT_FOUND];
    SentQueryRefused = 400, MALFORMED, [INVALID_QUERY];
    IdempotencyKeyReused = 422, "The `Idempotency-Key` was used with another body.", [IDEMPOTENCY_KEY_REUSED];
    EntityApiUnavailable = 503, "A dependency is unavailable; retry later.", [JWKS_UNAVAILABLE, STORE_UNAVAILABLE];
    ProbeForbidden = 403, "Not the caller's configuration, or the citizen is not one of its test environment's `test_users`.", [NOT_YOUR_CONFIGURATION, NOT_A_TEST_USER];
    ProbeLimited = 429, "The caller's probe is running or its budget is spent, or the gateway runs as many probes as it allows.", [PROBE_LIMITED],
        retry_after = "Seconds until a probe may start.";
    ProbeUnavailable = 503, "A dependency is unavailable, or the probe could not start; retry later.", [JWKS_UNAVAILABLE, STORE_UNAVAILABLE, PROBE_UNAVAILABLE];

    // The app API.
    AppKeyRefused = 401, "No valid app API key.", [APP_KEY_MISSING, APP_KEY_INVALID];
    InboxQueryRefused = 400, MALFORMED, [FISCAL_CODE_HEADER_MISSING, FISCAL_CODE_HEADER_INVALID, INVALID_QUERY];
    CitizenPathRefused = 400, MALFORMED, [FISCAL_CODE_HEADER_MISSING, FISCAL_CODE_HEADER_INVALID, INVALID_PATH];
    StatusChangeRefused = 400, MALFORMED, [
        FISCAL_CODE_HEADER_MISSING, FISCAL_CODE_HEADER_INVALID, INVALID_PATH, INVALID_BODY,
        VALIDATION_FAILED,
    ];
    CitizenMessageNotFound = 404, NOT_FOUND_FOR_CITIZEN, [MESSAGE_NOT_FOUND];
    StoreUnavailable = 503, "The store is unavailable; retry later.", [STORE_UNAVAILABLE];

    // The app API's remote content (fetched from the entity).
    FetchRefused = 400, "The request is malformed, or the entity answered 400.", [
        FISCAL_CODE_HEADER_MISSING, FISCAL_CODE_HEADER_INVALID, INVALID_PATH,
        NOT_A_REMOTE_CONTENT_MESSAGE, LOLLIPOP_HEADERS_MISSING, LOLLIPOP_HEADERS_INVALID,
        ENTITY_BAD_REQUEST,
    ];
    ContentForbidden = 403, "The citizen may not see this content.", [NOT_A_TEST_USER, ENTITY_FORBIDDEN];
    RemoteNotFound = 404, NOT_FOUND_FOR_CITIZEN, [MESSAGE_NOT_FOUND, ENTITY_NOT_FOUND];
    AttachmentNotFound = 404, NOT_FOUND_FOR_CITIZEN, [MESSAGE_NOT_FOUND, ATTACHMENT_NOT_LISTED, ENTITY_NOT_FOUND];
    AttachmentRefused = 415, "The entity's attachment is not an acceptable PDF.", [
        ATTACHMENT_NOT_PDF, ATTACHMENT_ENCRYPTED, ATTACHMENT_NOT_PDFA, ATTACHMENT_TOO_COMPLEX,
    ];
    EntityTooManyRequests = 429, "The entity answered 429.", [ENTITY_TOO_MANY_REQUESTS];
    PreconditionUnusable = 502, ENTITY_UNUSABLE, [
        CONFIGURATION_GONE, ENTITY_UNAUTHORIZED, ENTITY_ERROR, ENTITY_REDIRECT,
        ENTITY_UNEXPECTED_STATUS, ENTITY_UNREACHABLE, ENTITY_ADDRESS_NOT_ALLOWED,
        ENTITY_INVALID_RESPONSE, ENTITY_RESPONSE_TOO_LARGE, VOUCHER_REFUSED, INTEROP_UNAVAILABLE,
        PRECONDITION_VALIDATION_ERROR,
    ];
    DetailsUnusable = 502, ENTITY_UNUSABLE, [
        CONFIGURATION_GONE, ENTITY_UNAUTHORIZED, ENTITY_ERROR, ENTITY_REDIRECT,
        ENTITY_UNEXPECTED_STATUS, ENTITY_UNREACHABLE, ENTITY_ADDRESS_NOT_ALLOWED,
        ENTITY_INVALID_RESPONSE, ENTITY_RESPONSE_TOO_LARGE, VOUCHER_REFUSED, INTEROP_UNAVAILABLE,
        ATTACHMENTS_NOT_PRESENT, REMOTE_CONTENT_NOT_PRESENT, SUBJECT_VALIDATION_ERROR,
        MARKDOWN_VALIDATION_ERROR, MARKDOWN_UNSAFE, ATTACHMENT_METADATA_INVALID,
    ];
    EntityUnavailable = 503, RETRY, [ENTITY_UNAVAILABLE, ENTITY_BUSY, ENTITY_CIRCUIT_OPEN, STORE_UNAVAILABLE],
        retry_after = "With `ENTITY_UNAVAILABLE`: the entity's `Retry-After` (10 when it gave none).";
    AttachmentUnavailable = 503, RETRY, [
        ENTITY_UNAVAILABLE, ENTITY_BUSY, ATTACHMENT_VALIDATION_BUSY, ENTITY_CIRCUIT_OPEN,
        STORE_UNAVAILABLE,
    ], retry_after = "With `ENTITY_UNAVAILABLE`: the entity's `Retry-After` (10 when it gave none); with `ATTACHMENT_VALIDATION_BUSY`: 5.";
    EntityTimeout = 504, "The entity did not answer in time.", [ENTITY_TIMEOUT];

    // The entity's preview of its test users' view (`/api/v1/test-users`).
    PreviewInboxRefused = 400, MALFORMED, [INVALID_PATH, INVALID_QUERY];
    PreviewPathRefused = 400, MALFORMED, [INVALID_PATH];
    NotYourTestUser = 403, "The fiscal code is not a test user of the caller's configurations.", [NOT_YOUR_TEST_USER];
    PreviewMessageNotFound = 404, NOT_FOUND_FOR_PREVIEW, [MESSAGE_NOT_FOUND];
    PreviewFetchRefused = 400, "The request is malformed, or the entity answered 400.", [
        INVALID_PATH, NOT_A_REMOTE_CONTENT_MESSAGE, ENTITY_BAD_REQUEST,
    ];
    PreviewContentForbidden = 403, "The fiscal code is not a test user of the caller's configurations, or the citizen may not see this content.", [
        NOT_YOUR_TEST_USER, NOT_A_TEST_USER, ENTITY_FORBIDDEN,
    ];
    PreviewRemoteNotFound = 404, NOT_FOUND_FOR_PREVIEW, [MESSAGE_NOT_FOUND, ENTITY_NOT_FOUND];
    PreviewAttachmentNotFound = 404, NOT_FOUND_FOR_PREVIEW, [MESSAGE_NOT_FOUND, ATTACHMENT_NOT_LISTED, ENTITY_NOT_FOUND];
    PreviewEntityUnavailable = 503, RETRY, [
        JWKS_UNAVAILABLE, ENTITY_UNAVAILABLE, ENTITY_BUSY, ENTITY_CIRCUIT_OPEN, STORE_UNAVAILABLE,
    ], retry_after = "With `ENTITY_UNAVAILABLE`: the entity's `Retry-After` (10 when it gave none).";
    PreviewAttachmentUnavailable = 503, RETRY, [
        JWKS_UNAVAILABLE, ENTITY_UNAVAILABLE, ENTITY_BUSY, ATTACHMENT_VALIDATION_BUSY,
        ENTITY_CIRCUIT_OPEN, STORE_UNAVAILABLE,
    ], retry_after = "With `ENTITY_UNAVAILABLE`: the entity's `Retry-After` (10 when it gave none); with `ATTACHMENT_VALIDATION_BUSY`: 5.";
}

/// The two security schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        let scheme = |b: HttpBuilder, description: &str| {
            SecurityScheme::Http(b.description(Some(description)).build())
        };
        components.add_security_scheme(
            INTEROP_VOUCHER,
            scheme(
                HttpBuilder::from(Http::new(HttpAuthScheme::Bearer)).bearer_format("JWT"),
                "An Interop voucher: an RS256 JWT signed by the Interop engine (verified against \
                 its JWKS), `aud` = the gateway's audience, with the claims `consumerId` (the \
                 sender) and `purposeId` (its service).",
            ),
        );
        components.add_security_scheme(
            APP_API_KEY,
            scheme(
                HttpBuilder::from(Http::new(HttpAuthScheme::Bearer)),
                "One of the app backend's API keys; the operations also need the citizen's \
                 `fiscal_code` header.",
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Recapito gateway",
        description = "Remote-content configurations and message submission for entities \
            (`/api/v1`, IO's `index_external.yaml` and `services-func` contracts, authenticated \
            with an Interop voucher), the app backend's API (`/api/communication/v1`, IO's \
            `api_communication.yaml`, authenticated with an API key and the citizen's \
            `fiscal_code` header), and operations endpoints. Errors are \
            `application/problem+json` (`Problem`)."
    ),
    tags(
        (name = "configurations", description = "Remote-content configurations (entities)."),
        (name = "messages", description = "Message submission (entities)."),
        (name = "app", description = "The app backend's API."),
        (name = "test-users", description = "What the app would show the caller's test users (entities)."),
        (name = "operations", description = "Health, readiness, metrics, this document."),
    ),
    components(schemas(Problem)),
    modifiers(&SecuritySchemes)
)]
struct Base;

/// The document: what the routers declare, completed here.
pub fn openapi() -> Document {
    let mut doc = Base::openapi();
    doc.merge(super::documented().into_openapi());
    // axum's catch-all `{*attachment_url}` is the path template `{attachment_url}`.
    doc.paths.paths = std::mem::take(&mut doc.paths.paths)
        .into_iter()
        .map(|(path, item)| (path.replace("{*", "{"), item))
        .collect();
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            // An operation that names no security is public: say so (`security: []`).
            op.security.get_or_insert_with(Vec::new);
        }
    }
    let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
    if let Some(RefOr::T(Schema::Object(problem))) = schemas.get_mut("Problem")
        && let Some(RefOr::T(Schema::Object(code))) = problem.properties.get_mut("code")
    {
        code.enum_values = Some(Code::ALL.iter().map(|c| c.as_str().into()).collect());
        code.description = Some(code_table());
    }
    doc
}

/// `Problem.code`'s description: every code with its status and meaning.
fn code_table() -> String {
    let mut t = String::from(
        "The stable error code.\n\n| code | status | meaning |\n| --- | --- | --- |\n",
    );
    for c in Code::ALL {
        t.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.as_str(),
            c.status(),
            c.describe()
        ));
    }
    t
}
