//! `POST /token.oauth2`, `GET /.well-known/jwks.json`, `GET /clients/{id}/token-failures`,
//! `POST /signing-keys/rotate`.

use super::Problem;
use super::auth::Caller;
use super::openapi::CommonProblems;
use super::problem::{ApiError, ApiPath};
use super::{ApiResult, AppState};
use crate::codes::{Code, RefusalCode, TokenRequestCause};
use crate::domain::ids::ClientId;
use crate::domain::queries;
use crate::store::{FAILURES_KEPT_PER_CLIENT, FailureRecord};
use crate::token::signing::{Jwks, SigningError};
use crate::token::{TokenError, TokenRequest, TokenResponse};
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(jwks))
        .routes(routes!(failures))
        .routes(routes!(rotate))
}

const NO_STORE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-cache, no-store"),
    (header::PRAGMA, "no-cache"),
];

/// The public answer to a refusal is deliberately generic; the cause goes to the log and to
/// `GET /clients/{id}/token-failures`.
#[utoipa::path(
    post,
    path = "/token.oauth2",
    operation_id = "requestToken",
    tag = "tokens",
    summary = "Obtain a voucher or an M2M token",
    description = "Anybody; no bearer token: the client authenticates with a JWT assertion signed with one of its keys (RFC 7523). A CONSUMER client names a `purposeId` and gets a voucher for the purpose's e-service (when its descriptor, agreement and purpose are operative); an API client gets a token for this engine's M2M API. Refusals are deliberately generic (TOKEN_REFUSED); the client's admins and members read the exact cause at GET /clients/{id}/token-failures. Every answer carries Cache-Control: no-store.",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token.", body = TokenResponse, headers(("Cache-Control" = String, description = "`no-cache, no-store`: tokens and refusals are never cached."), ("Pragma" = String, description = "`no-cache`"))),
        (status = 400, description = "INVALID_TOKEN_REQUEST: the form is malformed or not form-encoded, grant_type is not client_credentials, client_assertion_type is not jwt-bearer, or client_assertion is missing (`detail` starts `INVALID_TOKEN_REQUEST (<cause>): `, the cause being UNSUPPORTED_GRANT_TYPE, INVALID_ASSERTION_TYPE or MISSING_ASSERTION).", body = PdndProblem, content_type = "application/problem+json", headers(("Cache-Control" = String, description = "`no-cache, no-store`: tokens and refusals are never cached."), ("Pragma" = String, description = "`no-cache`"))),
        (status = 401, description = "TOKEN_REFUSED: the assertion or the client's state does not allow a token (generic on purpose).", body = PdndProblem, content_type = "application/problem+json", headers(("Cache-Control" = String, description = "`no-cache, no-store`: tokens and refusals are never cached."), ("Pragma" = String, description = "`no-cache`"))),
        (status = 503, description = "STORE_UNAVAILABLE: the store cannot be reached; retry.", body = PdndProblem, content_type = "application/problem+json", headers(("Cache-Control" = String, description = "`no-cache, no-store`: tokens and refusals are never cached."), ("Pragma" = String, description = "`no-cache`"))),
    ),
    security(()),
)]
async fn token(
    State(st): State<AppState>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let req = match form {
        Ok(Form(r)) => r,
        Err(e) => {
            return (
                NO_STORE,
                TokenProblem(ApiError::new(Code::INVALID_TOKEN_REQUEST, e.body_text())),
            )
                .into_response();
        }
    };
    match st.tokens.issue(&st.engine, req).await {
        Ok(t) => (NO_STORE, Json::<TokenResponse>(t)).into_response(),
        Err(TokenError::BadRequest(cause, detail)) => {
            let mut e = ApiError::new(TokenRequestCause::CARRIER, detail);
            e.fields = vec![cause.as_str().to_owned()];
            (NO_STORE, TokenProblem(e)).into_response()
        }
        Err(TokenError::Refused(r)) => {
            st.tokens.record(&r).await;
            let e = ApiError::new(
                RefusalCode::CARRIER,
                "Unable to generate a token for the given request. The client's administrators and members can read the exact cause at GET /clients/{id}/token-failures.",
            );
            (NO_STORE, TokenProblem(e)).into_response()
        }
        Err(TokenError::Unavailable(detail)) => {
            tracing::error!(%detail, "token issuance failed");
            (
                NO_STORE,
                TokenProblem(ApiError::new(Code::STORE_UNAVAILABLE, "retry later")),
            )
                .into_response()
        }
    }
}

/// A refusal of `POST /token.oauth2` as PDND's own `Problem`, which is `additionalProperties:
/// false`: only `type`, `status`, `title` and `detail`, so clients generated from PDND's
/// contract parse it. `errors[].code` would be the place for a code, but PDND types it as
/// `^[0-9]{3}-[0-9]{4}$`, which our stable codes are not; the code is the last segment of `type`
/// and starts `detail` (`TOKEN_REFUSED: …`, `INVALID_TOKEN_REQUEST (MISSING_ASSERTION): …`).
struct TokenProblem(ApiError);

/// PDND's bounds: `title` `^[ -~]{0,64}$`, `detail` `^.{0,1024}$` (one line).
const TITLE_MAX: usize = 64;
const DETAIL_MAX: usize = 1024;

/// The body of a [`TokenProblem`]. Its description in the OpenAPI document, with the causes of
/// `INVALID_TOKEN_REQUEST` from `codes.rs`, is written by `api/openapi.rs`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = TokenProblem)]
// Documents `additionalProperties: false` (PDND's contract); only serialized, never parsed.
#[serde(deny_unknown_fields)]
struct PdndProblem {
    /// https://recapito.dev/problems/<code>
    #[serde(rename = "type")]
    kind: String,
    #[schema(minimum = 100, maximum = 599)]
    status: u16,
    #[schema(max_length = 64, pattern = "^[ -~]{0,64}$")]
    title: String,
    /// `<code>: <sentence>`, or `<code> (<cause>): <sentence>`.
    #[schema(max_length = 1024, pattern = "^.{0,1024}$")]
    detail: String,
}

impl TokenProblem {
    fn body(&self) -> PdndProblem {
        let e = &self.0;
        let cause = if e.fields.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.fields.join(", "))
        };
        let status = e.status();
        let title: String = status
            .canonical_reason()
            .unwrap_or("Error")
            .chars()
            .filter(|c| (' '..='~').contains(c))
            .take(TITLE_MAX)
            .collect();
        // A form rejection's text may hold line breaks, which `.` in PDND's pattern refuses.
        let detail = format!("{}{cause}: {}", e.code.as_str(), e.detail)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(DETAIL_MAX)
            .collect();
        PdndProblem {
            kind: format!("https://recapito.dev/problems/{}", e.code.as_str()),
            status: status.as_u16(),
            title,
            detail,
        }
    }
}

impl IntoResponse for TokenProblem {
    fn into_response(self) -> Response {
        let json = serde_json::to_vec(&self.body()).unwrap_or_default();
        (
            self.0.status(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response()
    }
}

/// Read from the store at most every `JWKS_FRESHNESS` (another instance may have rotated); a
/// store that cannot be read serves the keys known here.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    operation_id = "getJwks",
    tag = "tokens",
    summary = "The engine's signing keys",
    description = "Anybody; no authentication. The RS256 keys that sign vouchers and M2M tokens (RFC 7517).",
    responses(
        (status = 200, description = "OK", body = Jwks),
    ),
    security(()),
)]
async fn jwks(State(st): State<AppState>) -> Json<Jwks> {
    st.tokens
        .keys
        .refresh_quietly(crate::token::signing::JWKS_FRESHNESS)
        .await;
    Json(
        st.tokens
            .keys
            .jwks(time::OffsetDateTime::now_utc().unix_timestamp()),
    )
}

/// The client's recent refusals, newest first: for its tenant's admins and its members.
#[utoipa::path(
    get,
    path = "/clients/{id}/token-failures",
    operation_id = "listTokenFailures",
    tag = "tokens",
    summary = "The client's recent token refusals",
    description = "The administrators (admin) of the client's tenant, and its members: the exact causes of its refused token requests, newest first (at most 100).",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<FailureRecord>),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn failures(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<FailureRecord>>> {
    st.engine.read(|s, _| queries::client(s, &caller.0, id))?;
    let list = st
        .tokens
        .store
        .failures(&id.to_string(), FAILURES_KEPT_PER_CLIENT)
        .await?;
    Ok(Json(list))
}

/// Platform: a new signing key; the old one stays published until its vouchers expire.
#[utoipa::path(
    post,
    path = "/signing-keys/rotate",
    operation_id = "rotateSigningKey",
    tag = "tokens",
    summary = "Rotate the signing key",
    description = "The platform (role `platform`): a new current signing key; the previous ones stay published until the tokens they signed have expired. Answers with the new key set.",
    responses(
        (status = 200, description = "OK", body = Jwks),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ROTATION_NOT_POSSIBLE (the signing key is configured).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn rotate(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Jwks>> {
    caller.0.require_platform()?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    st.tokens.keys.rotate(now).await.map_err(|e| match e {
        SigningError::Store(e) => ApiError::from(e),
        e => ApiError::new(Code::ROTATION_NOT_POSSIBLE, e.to_string()),
    })?;
    Ok(Json(st.tokens.keys.jwks(now)))
}
