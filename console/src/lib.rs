//! The web console, Interop's back office: a backend-for-frontend serving server-rendered pages.
//! It calls only the Interop engine's public HTTP API, with the signed-in user's own identity
//! token, so every rule stays enforced once, by the engine; the console shows the engine's error
//! codes as sentences. Sessions are server-side; every POST form carries a CSRF token; the
//! Content-Security-Policy allows no inline script or style.

pub mod anagrafica;
pub mod cittadino;
pub mod config;
pub mod engine;
pub mod erogazione;
pub mod fruizione;
pub mod oidc;
pub mod pages;
pub mod recapito;
pub mod scenari;
pub mod session;
pub mod utenti;
pub mod web;

pub use config::Config;
pub use engine::encode as engine_path;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use engine::Engine;
use session::{COOKIE as SESSION_COOKIE, Session, Sessions};
use std::sync::Arc;
use std::time::Duration;

/// The stylesheet, served from the binary.
pub const CSS: &str = include_str!("assets/console.css");

/// The Content-Security-Policy of every answer: no inline script or style, nothing from
/// elsewhere, forms only to the console.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// [`CSP`], with the OpenID Connect provider's origin added to `form-action` when `[oidc]` is
/// configured: the sign-in and sign-out forms post to the console, which redirects to the
/// provider, and browsers check those redirects against `form-action`.
pub fn csp(config: &Config) -> String {
    match &config.oidc {
        Some(o) => CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {}", config::origin(&o.issuer)),
        ),
        None => CSP.to_owned(),
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub engine: Engine,
    pub sessions: Arc<Sessions>,
    pub dev_key: Option<Arc<jsonwebtoken::EncodingKey>>,
    /// Sign-in with the OpenID Connect provider of `[oidc]`, when configured.
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// The Content-Security-Policy of every answer ([`csp`]).
    pub csp: HeaderValue,
    /// Who may start a probe of an address now ("Verifica dell'endpoint"): the gateway's
    /// admission, keyed by the user's tenant ([`recapito::verifica::PROBE_LIMITS`]).
    pub probes: gateway::probe::admission::Admission,
}

/// Why the console did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("development identity key {path}: {reason}")]
    DevKey { path: String, reason: String },
    #[error(transparent)]
    Bind(#[from] service_kit::BindError),
}

impl AppState {
    pub fn new(config: Config) -> Result<AppState, StartError> {
        let dev_key = if config.dev_sign_in {
            let path = &config.dev_identity.private_key_path;
            let fail = |reason: String| StartError::DevKey {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            let key =
                jsonwebtoken::EncodingKey::from_rsa_pem(&pem).map_err(|e| fail(e.to_string()))?;
            Some(Arc::new(key))
        } else {
            None
        };
        let oidc = match &config.oidc {
            Some(c) => Some(Arc::new(
                oidc::Oidc::new(c.clone()).map_err(StartError::Config)?,
            )),
            None => None,
        };
        let csp = HeaderValue::from_str(&csp(&config))
            .map_err(|_| StartError::Config("oidc.issuer makes an invalid header".into()))?;
        Ok(AppState {
            oidc,
            csp,
            engine: Engine::new(&config.engine_url),
            sessions: Arc::new(Sessions::new(Duration::from_secs(config.session_idle_secs))),
            config: Arc::new(config),
            dev_key,
            probes: gateway::probe::admission::Admission::new(recapito::verifica::PROBE_LIMITS),
        })
    }
}

/// The console's routes. The development sign-in route exists only with `dev_sign_in`.
pub fn router(state: AppState) -> Router {
    let mut r = Router::new()
        .merge(anagrafica::routes())
        .merge(utenti::routes())
        .route("/", get(pages::home))
        .route("/static/console.css", get(css))
        .route("/accesso", get(pages::sign_in))
        .route("/esci", post(pages::sign_out))
        .route("/lingua", post(web::choose_language))
        .route("/catalogo", get(pages::catalogue))
        .route("/catalogo/{id}", get(pages::eservice))
        .route("/catalogo/{id}/versioni/{did}", get(pages::version))
        .merge(erogazione::routes())
        .merge(fruizione::routes())
        .merge(recapito::routes());
    if state.oidc.is_some() {
        r = r
            .route("/accesso/oidc", post(oidc::start))
            .route("/accesso/oidc/ente", post(oidc::choose))
            .route(oidc::CALLBACK, get(oidc::callback));
    }
    if state.config.dev_sign_in {
        r = r.route("/accesso/sviluppo", post(pages::dev_sign_in));
    }
    if state.config.mock_provider_url.is_some() {
        r = r.merge(scenari::routes());
    }
    if state.config.citizen_view_on() {
        r = r.merge(cittadino::routes());
    }
    r.fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::middleware::from_fn(shown_page))
        .with_state(state)
}

/// Checks `config`, binds `config.bind` and returns the console ready to run.
pub async fn build(config: Config) -> Result<service_kit::run::Bound, StartError> {
    config.check().map_err(StartError::Config)?;
    let listener = service_kit::bind(&config.bind).await?;
    let settings = config.server.clone();
    let state = AppState::new(config)?;
    Ok(service_kit::run::Bound::new(
        "console",
        listener,
        router(state),
        settings,
    ))
}

async fn css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn security_headers(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("content-security-policy", st.csp.clone());
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The request's session, and the cookie to set when it is a new one.
pub struct Visit {
    pub id: String,
    pub session: Session,
    pub new: bool,
    /// Whether the "Scenari del mock" page exists (`mock_provider_url`): the nav shows it.
    pub mock_scenarios: bool,
    /// Whether the "Vista del cittadino" page exists (`citizen_view`) for this visitor (with
    /// `test_users`: an administrator or API operator of an entity): the nav shows it.
    pub citizen_view: bool,
    /// The page being shown (path and query of a `GET`), where the language switch comes back
    /// to; `None` for a form's answer.
    pub page: Option<String>,
}

/// The request header through which [`shown_page`] tells [`Visit::of`] which page is shown
/// (whatever a client sends under this name is removed first).
const PAGE_HEADER: &str = "x-console-page";

/// Records the path and query of a `GET` for [`Visit::page`].
async fn shown_page(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove(PAGE_HEADER);
    if req.method() == axum::http::Method::GET
        && let Some(pq) = req.uri().path_and_query()
        && let Ok(v) = HeaderValue::from_str(pq.as_str())
    {
        req.headers_mut().insert(PAGE_HEADER, v);
    }
    next.run(req).await
}

impl Visit {
    /// The live session named by the cookie, or a new anonymous one.
    pub fn of(state: &AppState, headers: &HeaderMap) -> Visit {
        if let Some(id) = cookie(headers, SESSION_COOKIE)
            && let Some(session) = state.sessions.get(&id)
        {
            return Visit {
                id,
                citizen_view: cittadino::shown_to(&state.config, session.user.as_ref()),
                session,
                new: false,
                mock_scenarios: state.config.mock_provider_url.is_some(),
                page: shown(headers),
            };
        }
        let (id, session) = state.sessions.create(None);
        Visit {
            id,
            session,
            new: true,
            mock_scenarios: state.config.mock_provider_url.is_some(),
            page: shown(headers),
            // A new session has no user.
            citizen_view: cittadino::shown_to(&state.config, None),
        }
    }

    /// Adds the session cookie to `res` when the session is new.
    pub fn finish(&self, state: &AppState, res: impl IntoResponse) -> Response {
        let mut res = res.into_response();
        if self.new {
            res.headers_mut()
                .append(SET_COOKIE, session_cookie(state, &self.id));
        }
        res
    }
}

fn shown(headers: &HeaderMap) -> Option<String> {
    headers
        .get(PAGE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `Set-Cookie` for session `id`: HttpOnly, SameSite=Lax, Secure except on plain-http localhost.
pub fn session_cookie(state: &AppState, id: &str) -> HeaderValue {
    let secure = if state.config.secure_cookie() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("cookie")
}

/// A `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
    .expect("cookie")
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether `given` is the session's CSRF token (compared in constant time).
pub fn csrf_ok(session: &Session, given: Option<&String>) -> bool {
    let Some(given) = given else { return false };
    let (a, b) = (session.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The status a refused POST gets when its CSRF token is missing or wrong.
pub const CSRF_REFUSED: StatusCode = StatusCode::FORBIDDEN;

/// Identity-token claims, as the engine reads them (`interop::api::auth::IdentityClaims`).
#[derive(serde::Serialize)]
struct IdentityClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_id: Option<&'a str>,
    roles: &'a [String],
    iat: i64,
    exp: i64,
}

/// Mints `user`'s identity token with the development identity key.
pub fn mint_dev_token(
    key: &jsonwebtoken::EncodingKey,
    config: &Config,
    user: &config::DevUser,
) -> Result<String, jsonwebtoken::errors::Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = IdentityClaims {
        iss: &config.dev_identity.issuer,
        aud: &config.dev_identity.audience,
        sub: &user.user_id,
        tenant_id: user.tenant_id.as_deref(),
        roles: &user.roles,
        iat: now,
        exp: now + config.dev_identity.token_ttl_secs,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        key,
    )
}

/// Shared by the handlers: the state extractor.
pub type St = State<AppState>;
