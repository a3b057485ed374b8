//! `POST /token.oauth2`, `GET /.well-known/jwks.json`, `GET /clients/{id}/token-failures`,
//! `POST /signing-keys/rotate`.

use super::auth::Caller;
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
use axum::routing::{get, post};
use axum::{Form, Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/token.oauth2", post(token))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/clients/{id}/token-failures", get(failures))
        .route("/signing-keys/rotate", post(rotate))
}

const NO_STORE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-cache, no-store"),
    (header::PRAGMA, "no-cache"),
];

/// The public answer to a refusal is deliberately generic; the cause goes to the log and to
/// `GET /clients/{id}/token-failures`.
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

#[derive(serde::Serialize)]
struct PdndProblem {
    #[serde(rename = "type")]
    kind: String,
    status: u16,
    title: String,
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
async fn rotate(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Jwks>> {
    caller.0.require_platform()?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    st.tokens.keys.rotate(now).await.map_err(|e| match e {
        SigningError::Store(e) => ApiError::from(e),
        e => ApiError::new(Code::ROTATION_NOT_POSSIBLE, e.to_string()),
    })?;
    Ok(Json(st.tokens.keys.jwks(now)))
}
