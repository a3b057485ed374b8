//! The OpenAPI document of the API, generated from the code: the schemas are derived from the
//! types that parse the requests and write the answers, every routed handler carries its
//! `#[utoipa::path]` (the router is built from them, see `documented_routes`), and what a derive
//! cannot know (the code tables of `codes.rs`, the document's header) is filled in here, in
//! [`openapi()`]. Served at `/openapi.json`, serialized once.

use crate::codes::{Code, RefusalCode, TokenRequestCause};
use std::borrow::Cow;
use std::sync::LazyLock;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi, RefOr};
use utoipa::{PartialSchema, ToSchema};

const TITLE: &str = "Recapito Interop engine";

const DESCRIPTION: &str = "The Interop engine's management API (tenants, attributes, e-services and their versions, agreements, purposes, clients and keys) and its authorization server (POST /token.oauth2, /.well-known/jwks.json), modelled on PDND Interop.

**Authentication.** Every operation except /healthz, /openapi.json, /token.oauth2 and /.well-known/jwks.json needs `Authorization: Bearer <token>`: an identity token (a JWT from the configured identity issuer — RS256 with its static key, or signed by a key of its JWKS, e.g. an OpenID provider's ID token — with claims `sub` = user id, `tenant_id`, `roles`), or an M2M token this engine issued to an API client (it acts for its tenant as admin and api operator, on everything but keys).

**Errors** are `application/problem+json` (RFC 9457) with a stable `code`; see the Problem schema for the full table. Things a caller may not see answer 404, not 403.

**Enums** are SCREAMING_SNAKE_CASE; roles are lowercase. Timestamps are RFC 3339.";

const TAGS: &[(&str, &str)] = &[
    ("service", "Liveness and this document."),
    ("tenants", "Tenants, their users and attributes."),
    ("attributes", "Attribute definitions."),
    (
        "eservices",
        "E-services and their versions (descriptors): the producer's side.",
    ),
    ("agreements", "Agreements (richieste di fruizione)."),
    ("purposes", "Purposes (finalità) and their load estimates."),
    (
        "clients",
        "Clients, their security operators, keys and purposes.",
    ),
    ("tokens", "The authorization server."),
];

const BEARER: &str = "bearerAuth";

const BEARER_DESCRIPTION: &str = "An identity token from the configured issuer (RS256 with its static key, or RS/PS/ES-signed by a key of its JWKS such as an OpenID provider's ID token; claims iss, aud, sub = user id, tenant_id, roles, iat, exp), or an M2M token from POST /token.oauth2 for an API client.";

/// The document of the API: what the handlers' annotations say, completed.
pub fn openapi() -> OpenApi {
    let mut doc = super::documented_routes().into_openapi();
    doc.info = InfoBuilder::new()
        .title(TITLE)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .license(Some(
            LicenseBuilder::new()
                .name("EUPL-1.2")
                .identifier(Some("EUPL-1.2"))
                .build(),
        ))
        .build();
    doc.tags = Some(
        TAGS.iter()
            .map(|(name, what)| {
                TagBuilder::new()
                    .name(*name)
                    .description(Some(*what))
                    .build()
            })
            .collect(),
    );
    doc.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        BEARER.to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(BEARER_DESCRIPTION))
                .build(),
        )),
    );
    if let Some(RefOr::T(Schema::Object(token_problem))) =
        components.schemas.get_mut("TokenProblem")
    {
        token_problem.description = Some(token_problem_description());
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            // `security(())` on a public handler is written `[{}]` ("anonymous allowed"); the
            // document says "no authentication" with `[]`, as it always did.
            if op
                .security
                .as_ref()
                .is_some_and(|s| s.len() == 1 && s[0] == SecurityRequirement::default())
            {
                op.security = Some(Vec::new());
            }
        }
    }
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    openapi()
        .to_json()
        .expect("the OpenAPI document serializes")
});

/// Builds and serializes the document now, so the first request does not wait for it.
pub(super) fn serialize_once() {
    LazyLock::force(&DOCUMENT);
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApi",
    tag = "service",
    summary = "This document",
    description = "Anybody; no authentication. Serves this OpenAPI document.",
    responses(
        (status = 200, description = "OK", body = Object),
    ),
    security(()),
)]
pub(super) async fn serve() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// The refusals every authenticated operation may answer, whatever it does.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // documents answers; the problems themselves are written by `ApiError`
pub(super) enum CommonProblems {
    /// MISSING_TOKEN (no bearer token), INVALID_TOKEN.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// STORE_UNAVAILABLE: the store cannot be reached; retry.
    #[response(status = 503, content_type = "application/problem+json")]
    StoreUnavailable(Problem),
}

/// The refusals of a JSON request body, whatever the operation (`ApiJson`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // documents answers; the problems themselves are written by `ApiError`
pub(super) enum BodyProblems {
    /// PAYLOAD_TOO_LARGE: the body is larger than 2 MiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json.
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
}

/// A markdown table of codes, one row per code.
fn table<'a>(header: &str, rows: impl Iterator<Item = String> + 'a) -> String {
    let mut out = String::from(header);
    for row in rows {
        out.push('\n');
        out.push_str(&row);
    }
    out
}

fn token_problem_description() -> String {
    let causes = table(
        "| cause | meaning |\n|---|---|",
        TokenRequestCause::ALL
            .iter()
            .map(|c| format!("| `{}` | {} |", c.as_str(), c.describe())),
    );
    format!(
        "A refusal of POST /token.oauth2, exactly PDND's `Problem` (authorizationServerApi.yml, \
         `additionalProperties: false`), so clients generated from PDND's contract parse it. The \
         stable code (INVALID_TOKEN_REQUEST, TOKEN_REFUSED, STORE_UNAVAILABLE) is the last segment \
         of `type` and starts `detail`; PDND's `errors[].code` is typed `^[0-9]{{3}}-[0-9]{{4}}$`, \
         which these codes are not, so `errors` is never sent.\n\nCauses of INVALID_TOKEN_REQUEST \
         (in `detail`, `INVALID_TOKEN_REQUEST (<cause>): `):\n\n{causes}"
    )
}

/// `TokenFailure.code`: the refusal causes of `codes.rs`, as an enum with its table.
pub(crate) fn refusal_code_schema() -> Schema {
    let rows = table(
        "| code | meaning |\n|---|---|",
        RefusalCode::ALL
            .iter()
            .map(|c| format!("| `{}` | {} |", c.as_str(), c.describe())),
    );
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(RefusalCode::ALL.iter().map(|c| c.as_str())))
        .description(Some(format!("The exact cause.\n\n{rows}")))
        .into()
}

/// An RFC 9457 problem (`application/problem+json`), as `service_kit::problem` writes it. Only
/// documented: its `code` is the code table of `codes.rs`.
pub struct Problem;

impl PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        let string = |what: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(what))
        };
        let codes = table(
            "| code | status | meaning |\n|---|---|---|",
            Code::ALL
                .iter()
                .map(|c| format!("| `{}` | {} | {} |", c.as_str(), c.status(), c.describe())),
        );
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("An RFC 9457 problem (`application/problem+json`)."))
            .property(
                "type",
                string("`https://recapito.dev/problems/{code}`")
                    .format(Some(SchemaFormat::Custom("uri".into()))),
            )
            .property("title", string("The HTTP reason phrase of `status`."))
            .property(
                "status",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .description(Some("The HTTP status, repeated.")),
            )
            .property(
                "code",
                string(&format!(
                    "Stable error code: clients match on it; it is never renamed.\n\n{codes}"
                ))
                .enum_values(Some(Code::ALL.iter().map(|c| c.as_str()))),
            )
            .property("detail", string("A human sentence about this occurrence."))
            .property(
                "fields",
                ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some(
                        "For bad input and incomplete drafts: the fields at fault (absent when empty).",
                    )),
            )
            .required("type")
            .required("title")
            .required("status")
            .required("code")
            .required("detail")
            .into()
    }
}

impl ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Problem")
    }
}
