//! Sign-in with an OpenID Connect provider (`[oidc]`): the authorization code flow with PKCE
//! (S256), `state` and `nonce`, through the `openidconnect` crate. The state, nonce and PKCE
//! verifier stay in the browser's server-side session (never in a URL or a readable cookie);
//! the ID token is checked (signature by the provider's JWKS, issuer, audience = `client_id`,
//! expiry, nonce) and becomes the identity token the console calls the engine with: the engine
//! accepts it with `identity.discovery_url` (or `jwks_url`) of the same provider and
//! `identity.audience` = `client_id`, and decides, as for any identity token, whether its user
//! is an active user of the tenant its `tenant_id` claim names, with the claimed `roles`.

use crate::config::{OIDC_CALLBACK_PATH, OidcConfig};
use crate::session::User;
use crate::web::layout;
use crate::{AppState, St, Visit, csrf_ok};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IdToken,
    IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A sign-in under way, kept in the anonymous session until the provider sends the browser back.
#[derive(Clone)]
pub struct Pending {
    state: String,
    nonce: String,
    pkce_verifier: String,
    started: Instant,
    /// The tenant asked of the provider (the `claims` parameter), once the user chose one.
    tenant: Option<String>,
    /// After a first sign-in whose ID token listed several tenants: the list to choose from
    /// (`state` is then empty: no callback matches it).
    choices: Vec<TenantChoice>,
}

/// One of the tenants an ID token's `tenants` claim lists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TenantChoice {
    pub tenant_id: String,
    #[serde(default)]
    pub roles: Vec<String>,
    /// How the provider names the tenant (the engine cannot be asked yet: no token names it).
    #[serde(default)]
    pub name: String,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

/// How long the provider may keep the user before sending them back.
const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long the provider's discovery document and keys are reused before being fetched again.
const METADATA_TTL: Duration = Duration::from_secs(5 * 60);

/// The ID token's claims the engine reads besides the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RecapitoClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The tenants the provider knows for the user, when it names none in `tenant_id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<TenantChoice>,
}

impl AdditionalClaims for RecapitoClaims {}

type RecapitoIdToken = IdToken<
    RecapitoClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The signature algorithms accepted (no HMAC: the engine could not check those).
const ALGORITHMS: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// Why a sign-in failed, each with a stable code shown on its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The callback's `state` is missing, tampered with, expired or not this browser's.
    State,
    /// The provider answered with an error (`error`, `error_description`).
    Provider {
        error: String,
        description: Option<String>,
    },
    /// The ID token is missing or fails a check (signature, issuer, audience, expiry, nonce).
    Token(String),
    /// The provider cannot be reached or answered something unreadable.
    Unavailable(String),
}

impl Failure {
    pub fn code(&self) -> &'static str {
        match self {
            Failure::State => "OIDC_STATE_INVALID",
            Failure::Provider { .. } => "OIDC_PROVIDER_ERROR",
            Failure::Token(_) => "OIDC_TOKEN_INVALID",
            Failure::Unavailable(_) => "OIDC_PROVIDER_UNAVAILABLE",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Failure::State | Failure::Provider { .. } => StatusCode::BAD_REQUEST,
            Failure::Token(_) => StatusCode::UNAUTHORIZED,
            Failure::Unavailable(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

/// Who signed in, from a checked ID token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub name: String,
    pub tenant_id: Option<String>,
    pub roles: Vec<String>,
    /// The tenants to choose from, when the token names none but lists these.
    pub tenants: Vec<TenantChoice>,
    /// The ID token itself: the identity token for the engine.
    pub id_token: String,
}

/// The `openidconnect` HTTP client's error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The largest answer read from the provider.
const MAX_ANSWER: usize = 1 << 20;

async fn send(http: reqwest::Client, req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = req.into_parts();
    let mut res = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let status = res.status();
    let headers = res.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| HttpError(e.to_string()))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER {
            return Err(HttpError(format!("answer larger than {MAX_ANSWER} bytes")));
        }
    }
    let mut out = HttpResponse::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

/// The provider, its metadata fetched on first use and again every [`METADATA_TTL`].
pub struct Oidc {
    config: OidcConfig,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, ProviderMetadataWithLogout)>>,
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Result<Oidc, String> {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer steer requests elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Oidc {
            config,
            http,
            metadata: tokio::sync::Mutex::new(None),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    async fn metadata(&self) -> Result<ProviderMetadataWithLogout, Failure> {
        self.read_metadata(false).await
    }

    /// The cached metadata while younger than [`METADATA_TTL`] (unless `fresh`), else fetched.
    async fn read_metadata(&self, fresh: bool) -> Result<ProviderMetadataWithLogout, Failure> {
        let mut cached = self.metadata.lock().await;
        if !fresh
            && let Some((at, md)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(md.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| Failure::Unavailable(format!("oidc.issuer: {e}")))?;
        let http = self.http.clone();
        let client = move |req| send(http.clone(), req);
        let md = ProviderMetadataWithLogout::discover_async(issuer, &client)
            .await
            .map_err(|e| Failure::Unavailable(format!("discovery: {}", error_chain(&e))))?;
        *cached = Some((Instant::now(), md.clone()));
        Ok(md)
    }

    fn client(&self, md: ProviderMetadataWithLogout) -> Result<Client, Failure> {
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| Failure::Unavailable(format!("oidc.redirect_url: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            md,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// The provider's authorization URL for a new sign-in, and what the session keeps of it.
    /// With `tenant`, the provider is asked for an ID token naming that tenant (the OpenID
    /// Connect `claims` parameter, `tenant_id` with that value), without asking the user again
    /// (`prompt=none`: they have just signed in).
    pub async fn start(&self, tenant: Option<&str>) -> Result<(String, Pending), Failure> {
        let client = self.client(self.metadata().await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(self.config.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge);
        if let Some(t) = tenant {
            let claims = serde_json::json!({
                "id_token": { "tenant_id": { "value": t, "essential": true } }
            });
            request = request
                .add_extra_param("claims", claims.to_string())
                .add_prompt(openidconnect::core::CoreAuthPrompt::None);
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                started: Instant::now(),
                tenant: tenant.map(str::to_owned),
                choices: Vec::new(),
            },
        ))
    }

    /// The callback: checks `state` against the session's sign-in, exchanges the code with the
    /// PKCE verifier, and checks the ID token.
    pub async fn finish(
        &self,
        pending: Option<Pending>,
        query: &HashMap<String, String>,
    ) -> Result<SignedIn, Failure> {
        let pending = pending.ok_or(Failure::State)?;
        let given = query.get("state").ok_or(Failure::State)?;
        if pending.state.is_empty()
            || !same(given, &pending.state)
            || pending.started.elapsed() > SIGN_IN_WINDOW
        {
            return Err(Failure::State);
        }
        if let Some(error) = query.get("error") {
            return Err(Failure::Provider {
                error: error.clone(),
                description: query.get("error_description").cloned(),
            });
        }
        let code = query.get("code").ok_or_else(|| Failure::Provider {
            error: "invalid_request".into(),
            description: Some("the callback carries no code".into()),
        })?;
        let client = self.client(self.metadata().await?)?;
        let http = self.http.clone();
        let http = move |req| send(http.clone(), req);
        let response = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .map_err(|e| Failure::Unavailable(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => Failure::Provider {
                    error: r.error().to_string(),
                    description: r.error_description().cloned(),
                },
                other => Failure::Unavailable(format!("token endpoint: {}", error_chain(&other))),
            })?;
        use openidconnect::TokenResponse as _;
        let raw = response
            .id_token()
            .ok_or_else(|| Failure::Token("the provider sent no ID token".into()))?
            .to_string();
        let token: RecapitoIdToken = raw
            .parse()
            .map_err(|e| Failure::Token(format!("unreadable ID token: {e}")))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let verify = |client: &Client| {
            let verifier = client.id_token_verifier().set_allowed_algs(ALGORITHMS);
            token.claims(&verifier, &nonce).cloned()
        };
        let claims = match verify(&client) {
            Ok(c) => c,
            // The provider may have rotated its keys since they were read: read them again,
            // once (only a callback with this browser's state and a valid code gets here).
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client(self.read_metadata(true).await?)?;
                verify(&fresh).map_err(|e| Failure::Token(error_chain(&e)))?
            }
            Err(e) => return Err(Failure::Token(error_chain(&e))),
        };
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .or_else(|| claims.preferred_username().map(|u| u.to_string()))
            .unwrap_or_else(|| claims.subject().to_string());
        let extra = claims.additional_claims();
        if let Some(asked) = &pending.tenant
            && extra.tenant_id.as_ref() != Some(asked)
        {
            return Err(Failure::Token(format!(
                "the provider's ID token does not name the chosen tenant {asked}"
            )));
        }
        Ok(SignedIn {
            name,
            tenant_id: extra.tenant_id.clone(),
            roles: extra.roles.clone(),
            tenants: extra.tenants.clone(),
            id_token: raw,
        })
    }

    /// The provider's end-session URL for a user signed in with `id_token`, when the provider
    /// advertises `end_session_endpoint` and the token is its.
    pub async fn end_session_url(&self, id_token: &str) -> Option<String> {
        let token: RecapitoIdToken = id_token.parse().ok()?;
        let md = self.metadata().await.ok()?;
        let endpoint = md.additional_metadata().end_session_endpoint.clone()?;
        let back = PostLogoutRedirectUrl::new(self.config.post_logout_url()).ok()?;
        Some(
            LogoutRequest::from(endpoint)
                .set_id_token_hint(&token)
                .set_client_id(ClientId::new(self.config.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string(),
        )
    }

    /// Whether `token` was issued by this provider (so its sign-out is the provider's too).
    pub fn issued(&self, token: &str) -> bool {
        #[derive(Deserialize)]
        struct Iss {
            iss: String,
        }
        jsonwebtoken::dangerous::insecure_decode::<Iss>(token)
            .is_ok_and(|d| d.claims.iss == self.config.issuer)
    }
}

/// An error and its sources, one sentence.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Constant-time equality.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// `POST /accesso/oidc`: a new sign-in; the browser goes to the provider.
pub async fn start(
    State(st): St,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let visit = Visit::of(&st, &headers);
    let Some(oidc) = st.oidc.clone() else {
        return crate::pages::not_found(State(st), headers).await;
    };
    if visit.new || !csrf_ok(&visit.session, form.get("csrf")) {
        return crate::web::csrf_refused(&st, &visit);
    }
    match oidc.start(None).await {
        Ok((url, pending)) => {
            if !st.sessions.set_oidc(&visit.id, pending) {
                return failure_page(&st, &visit, &Failure::State);
            }
            redirect(&url)
        }
        Err(f) => failure_page(&st, &visit, &f),
    }
}

/// `GET /accesso/oidc/ritorno`: the provider sends the browser back here.
pub async fn callback(
    State(st): St,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let visit = Visit::of(&st, &headers);
    let Some(oidc) = st.oidc.clone() else {
        return crate::pages::not_found(State(st), headers).await;
    };
    let pending = if visit.new {
        None
    } else {
        st.sessions.take_oidc(&visit.id)
    };
    let signed = match oidc.finish(pending, &query).await {
        Ok(s) => s,
        Err(f) => {
            if let Failure::Token(why) | Failure::Unavailable(why) = &f {
                tracing::warn!(code = f.code(), reason = %why, "OpenID Connect sign-in refused");
            }
            return failure_page(&st, &visit, &f);
        }
    };
    // A token that names no tenant but lists several: the user chooses one, and the provider
    // is asked for a token naming it (one listed only: asked at once).
    if signed.tenant_id.is_none() && !signed.tenants.is_empty() {
        if let [only] = signed.tenants.as_slice() {
            return reauthorize(&st, &visit, &oidc, &only.tenant_id).await;
        }
        let choosing = Pending {
            state: String::new(),
            nonce: String::new(),
            pkce_verifier: String::new(),
            started: Instant::now(),
            tenant: None,
            choices: signed.tenants.clone(),
        };
        if visit.new || !st.sessions.set_oidc(&visit.id, choosing) {
            return failure_page(&st, &visit, &Failure::State);
        }
        return choose_page(&st, &visit, &signed);
    }
    // The engine decides whether this user acts for this tenant: asking it for the tenant's
    // name both checks the token and names the tenant in the header.
    let tenant_name = match &signed.tenant_id {
        Some(t) => match st.engine.tenant(&signed.id_token, t).await {
            Ok(t) => t.name,
            Err(e) => return crate::web::engine_error(&visit, &st, &e),
        },
        None => String::new(),
    };
    st.sessions.remove(&visit.id);
    let (id, _) = st.sessions.create_in(
        Some(User {
            name: signed.name,
            tenant_name,
            tenant_id: signed.tenant_id,
            roles: signed.roles,
            token: signed.id_token,
        }),
        visit.session.lang,
    );
    let mut res = redirect("/catalogo");
    res.headers_mut()
        .append(SET_COOKIE, crate::session_cookie(&st, &id));
    res
}

/// A new authorization asking the provider for a token naming `tenant`.
async fn reauthorize(st: &AppState, visit: &Visit, oidc: &Oidc, tenant: &str) -> Response {
    match oidc.start(Some(tenant)).await {
        Ok((url, pending)) => {
            if visit.new || !st.sessions.set_oidc(&visit.id, pending) {
                return failure_page(st, visit, &Failure::State);
            }
            redirect(&url)
        }
        Err(f) => failure_page(st, visit, &f),
    }
}

/// "Scegli l'ente": the tenants the provider listed, one button each.
fn choose_page(st: &AppState, visit: &Visit, signed: &SignedIn) -> Response {
    let l = visit.session.lang;
    let body = html! {
        h1 { (l.t("Scegli l'ente", "Choose the organization")) }
        p {
            (signed.name)
            (l.t(", il fornitore di identità ti indica più enti: scegli per quale operare.",
                 ", the identity provider lists several organizations for you: choose which one to act for."))
        }
        ul class="users" {
            @for (i, t) in signed.tenants.iter().enumerate() {
                li {
                    form method="post" action="/accesso/oidc/ente" {
                        (crate::web::csrf_field(visit))
                        input type="hidden" name="ente" value=(i);
                        button type="submit" {
                            (l.t("Accedi per ", "Sign in for "))
                            @if t.name.is_empty() { (t.tenant_id) } @else { (t.name) }
                        }
                        p class="roles" {
                            @for (j, r) in t.roles.iter().enumerate() {
                                @if j > 0 { ", " }
                                (crate::web::role_label(r, l))
                            }
                        }
                    }
                }
            }
        }
    };
    visit.finish(
        st,
        layout(
            l.t("Scegli l'ente", "Choose the organization"),
            visit,
            "",
            body,
        ),
    )
}

/// `POST /accesso/oidc/ente`: the chosen tenant; the provider is asked for a token naming it.
/// Whether the user may act for it stays the provider's (it signs the token) and the engine's
/// (it checks the user is an active user of that tenant).
pub async fn choose(
    State(st): St,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let visit = Visit::of(&st, &headers);
    let Some(oidc) = st.oidc.clone() else {
        return crate::pages::not_found(State(st), headers).await;
    };
    if visit.new || !csrf_ok(&visit.session, form.get("csrf")) {
        return crate::web::csrf_refused(&st, &visit);
    }
    let chosen = st.sessions.take_oidc(&visit.id).and_then(|p| {
        let i: usize = form.get("ente")?.parse().ok()?;
        (p.started.elapsed() <= SIGN_IN_WINDOW)
            .then(|| p.choices.get(i).cloned())
            .flatten()
    });
    match chosen {
        Some(t) => reauthorize(&st, &visit, &oidc, &t.tenant_id).await,
        None => failure_page(&st, &visit, &Failure::State),
    }
}

/// Where "Esci" sends a user signed in with `token`: the provider's end-session endpoint when
/// it has one and the token is its, else the sign-in page.
pub async fn after_sign_out(st: &AppState, token: Option<&str>) -> String {
    if let (Some(oidc), Some(token)) = (st.oidc.as_ref(), token)
        && oidc.issued(token)
        && let Some(url) = oidc.end_session_url(token).await
    {
        return url;
    }
    "/accesso".into()
}

/// The page of a failed sign-in: what happened, its code, and a way back.
pub fn failure_page(st: &AppState, visit: &Visit, f: &Failure) -> Response {
    let l = visit.session.lang;
    let title = l.t("Accesso non riuscito", "Sign-in failed");
    let body = html! {
        h1 { (title) }
        div class="error" role="alert" {
            @match f {
                Failure::State => p {
                    (l.t("La risposta del fornitore di identità non corrisponde a un accesso iniziato da \
                          questo browser (parametro state assente, alterato o scaduto). Riprova ad accedere.",
                         "The identity provider's answer does not match a sign-in started by this \
                          browser (the state parameter is missing, altered or expired). Sign in again."))
                },
                Failure::Provider { error, description } => {
                    p { (l.t("Il fornitore di identità ha risposto con un errore: ", "The identity provider answered with an error: ")) code { (error) } }
                    @if let Some(d) = description { p { (d) } }
                },
                Failure::Token(_) => p {
                    (l.t("Il token di identità ricevuto non è valido per questa console \
                          (firma, emittente, destinatario, scadenza o nonce).",
                         "The identity token received is not valid for this console \
                          (signature, issuer, audience, expiry or nonce)."))
                },
                Failure::Unavailable(_) => p {
                    (l.t("Il fornitore di identità non è raggiungibile o ha risposto in modo illeggibile. \
                          Riprova tra qualche minuto.",
                         "The identity provider cannot be reached or gave an unreadable answer. \
                          Try again in a few minutes."))
                },
            }
            p class="code" { (l.t("Codice", "Code")) ": " code { (f.code()) } }
        }
        p { a href="/accesso" { (l.t("Torna alla pagina di accesso", "Back to the sign-in page")) } }
    };
    visit.finish(st, (f.status(), layout(title, visit, "", body)))
}

/// The callback's path, for the router.
pub const CALLBACK: &str = OIDC_CALLBACK_PATH;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::{Value, json};
    use std::sync::{Arc, Mutex};

    const CLIENT: &str = "recapito-console";

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/keys")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    /// A stand-in provider: discovery, the RSA identity fixture as its key set, and a token
    /// endpoint answering the ID token the test puts in `next`.
    struct Provider {
        issuer: String,
        next: Arc<Mutex<String>>,
        keys: Arc<Mutex<Value>>,
    }

    /// The RSA key of fixture `file` as a JWK named `kid`.
    fn rsa_jwk(kid: &str, file: &str) -> Value {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let rsa = rsa::RsaPrivateKey::from_pkcs8_pem(&fixture(file)).unwrap();
        json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(rsa.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(rsa.e().to_bytes_be()),
        })
    }

    async fn provider() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let keys = Arc::new(Mutex::new(
            json!({ "keys": [rsa_jwk("k1", "identity.key.pem")] }),
        ));
        let k = keys.clone();
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "end_session_endpoint": format!("{issuer}/session/end"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "HS256"],
        });
        let next = Arc::new(Mutex::new(String::new()));
        let n = next.clone();
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { axum::Json(discovery) }),
            )
            .route(
                "/jwks",
                get(move || async move { axum::Json(k.lock().unwrap().clone()) }),
            )
            .route(
                "/token",
                post(move || async move {
                    let id_token = n.lock().unwrap().clone();
                    axum::Json(json!({
                        "access_token": "at", "token_type": "Bearer", "id_token": id_token,
                    }))
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Provider { issuer, next, keys }
    }

    fn oidc(p: &Provider, secret: Option<&str>) -> Oidc {
        Oidc::new(OidcConfig {
            issuer: p.issuer.clone(),
            name: String::new(),
            client_id: CLIENT.into(),
            client_secret: secret.map(str::to_owned),
            redirect_url: "http://127.0.0.1:9/accesso/oidc/ritorno".into(),
            scopes: vec!["profile".into()],
            post_logout_redirect_url: String::new(),
        })
        .unwrap()
    }

    fn claims(p: &Provider, nonce: &str) -> Value {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        json!({
            "iss": p.issuer, "aud": CLIENT, "sub": "2f0c4a8e-1b7d-4c8e-9a51-6d3f2b7e9c10",
            "name": "Ada Rossi", "tenant_id": "6a2f1c7e-0d0b-4c5e-8a55-3d3b7b2d9e11",
            "roles": ["admin"], "iat": now, "exp": now + 300, "nonce": nonce,
        })
    }

    fn rs256(claims: &Value) -> String {
        signed_by("k1", "identity.key.pem", claims)
    }

    fn signed_by(kid: &str, file: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        let key = EncodingKey::from_rsa_pem(fixture(file).as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    /// A sign-in started: the session's part, and the URL's nonce.
    async fn started(o: &Oidc, tenant: Option<&str>) -> (Pending, String, String) {
        let (url, pending) = o.start(tenant).await.unwrap();
        let url = url::Url::parse(&url).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], pending.state);
        assert!(
            !q.contains_key("code_verifier"),
            "the verifier stays on the server"
        );
        (pending, q["nonce"].clone(), url.to_string())
    }

    fn callback(state: &str) -> HashMap<String, String> {
        HashMap::from([
            ("code".to_owned(), "c0de".to_owned()),
            ("state".to_owned(), state.to_owned()),
        ])
    }

    #[tokio::test]
    async fn a_valid_id_token_signs_in_and_every_failure_has_its_code() {
        let p = provider().await;
        let o = oidc(&p, None);

        let (pending, nonce, _) = started(&o, None).await;
        *p.next.lock().unwrap() = rs256(&claims(&p, &nonce));
        let state = pending.state.clone();
        let signed = o.finish(Some(pending), &callback(&state)).await.unwrap();
        assert_eq!(signed.name, "Ada Rossi");
        assert_eq!(signed.roles, ["admin"]);
        assert_eq!(
            signed.tenant_id.as_deref(),
            Some("6a2f1c7e-0d0b-4c5e-8a55-3d3b7b2d9e11")
        );
        assert!(o.issued(&signed.id_token));
        let end = o.end_session_url(&signed.id_token).await.unwrap();
        assert!(
            end.starts_with(&format!("{}/session/end?", p.issuer)),
            "{end}"
        );
        assert!(end.contains("id_token_hint=") && end.contains("post_logout_redirect_uri="));

        // No sign-in under way, another state, an expired one: OIDC_STATE_INVALID.
        assert_eq!(
            o.finish(None, &callback("x")).await.unwrap_err(),
            Failure::State
        );
        let (pending, _, _) = started(&o, None).await;
        let f = o.finish(Some(pending), &callback("manomesso")).await;
        assert_eq!(f.unwrap_err().code(), "OIDC_STATE_INVALID");
        let (mut pending, _, _) = started(&o, None).await;
        if let Some(long_ago) = Instant::now().checked_sub(SIGN_IN_WINDOW + Duration::from_secs(1))
        {
            pending.started = long_ago;
            let state = pending.state.clone();
            let f = o.finish(Some(pending), &callback(&state)).await;
            assert_eq!(f.unwrap_err(), Failure::State);
        }

        // The provider's error, once the state is this browser's.
        let (pending, _, _) = started(&o, None).await;
        let mut q = callback(&pending.state);
        q.insert("error".into(), "access_denied".into());
        q.insert("error_description".into(), "End-User aborted".into());
        let f = o.finish(Some(pending), &q).await.unwrap_err();
        assert_eq!(f.code(), "OIDC_PROVIDER_ERROR");
        assert_eq!(
            f,
            Failure::Provider {
                error: "access_denied".into(),
                description: Some("End-User aborted".into())
            }
        );

        // ID tokens that fail a check: OIDC_TOKEN_INVALID.
        let cases = [
            ("another nonce", "nonce", json!("altro")),
            ("another audience", "aud", json!("altro-client")),
            ("a second audience", "aud", json!([CLIENT, "altro-client"])),
            ("another issuer", "iss", json!("https://evil.example")),
            ("expired", "exp", json!(1_000_000)),
            ("unsigned", "", Value::Null),
        ];
        for (why, field, value) in cases {
            let (pending, nonce, _) = started(&o, None).await;
            let mut c = claims(&p, &nonce);
            let token = if field.is_empty() {
                let t = rs256(&c);
                let (head, _) = t.rsplit_once('.').unwrap();
                format!("{head}.")
            } else {
                c[field] = value;
                rs256(&c)
            };
            *p.next.lock().unwrap() = token;
            let state = pending.state.clone();
            let f = o.finish(Some(pending), &callback(&state)).await;
            assert!(matches!(f, Err(Failure::Token(_))), "{why}: {f:?}");
        }

        // An HMAC token keyed with the client secret: never accepted (the engine could not
        // check it, and a secret is no proof of the provider).
        let o = oidc(&p, Some("s3cret"));
        let (pending, nonce, _) = started(&o, None).await;
        let key = EncodingKey::from_secret(b"s3cret");
        *p.next.lock().unwrap() =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(&p, &nonce), &key)
                .unwrap();
        let state = pending.state.clone();
        let f = o.finish(Some(pending), &callback(&state)).await;
        assert!(matches!(f, Err(Failure::Token(_))), "{f:?}");
    }

    #[tokio::test]
    async fn a_chosen_tenant_is_asked_of_the_provider_and_must_be_the_tokens() {
        let p = provider().await;
        let o = oidc(&p, None);
        let chosen = "6a2f1c7e-0d0b-4c5e-8a55-3d3b7b2d9e11";
        let (pending, nonce, url) = started(&o, Some(chosen)).await;
        let q: HashMap<String, String> = url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(q["prompt"], "none");
        let asked: Value = serde_json::from_str(&q["claims"]).unwrap();
        assert_eq!(asked["id_token"]["tenant_id"]["value"], chosen);
        *p.next.lock().unwrap() = rs256(&claims(&p, &nonce));
        let state = pending.state.clone();
        o.finish(Some(pending), &callback(&state)).await.unwrap();

        // The provider answers for another tenant: refused.
        let (pending, nonce, _) = started(&o, Some("0b6f6a1e-4a8e-4f57-9a77-1a1d7f1c2b3d")).await;
        *p.next.lock().unwrap() = rs256(&claims(&p, &nonce));
        let state = pending.state.clone();
        let f = o
            .finish(Some(pending), &callback(&state))
            .await
            .unwrap_err();
        assert_eq!(f.code(), "OIDC_TOKEN_INVALID");

        // A token listing tenants, naming none.
        let (pending, nonce, _) = started(&o, None).await;
        let mut c = claims(&p, &nonce);
        c.as_object_mut().unwrap().remove("tenant_id");
        c["tenants"] = json!([{"tenant_id": chosen, "roles": ["admin"], "name": "Comune"}]);
        *p.next.lock().unwrap() = rs256(&c);
        let state = pending.state.clone();
        let signed = o.finish(Some(pending), &callback(&state)).await.unwrap();
        assert_eq!(signed.tenant_id, None);
        assert_eq!(
            signed.tenants,
            [TenantChoice {
                tenant_id: chosen.into(),
                roles: vec!["admin".into()],
                name: "Comune".into()
            }]
        );
    }

    #[tokio::test]
    async fn keys_the_provider_rotated_in_since_they_were_read_are_fetched_again() {
        let p = provider().await;
        let o = oidc(&p, None);
        let (pending, nonce, _) = started(&o, None).await;
        // The provider now signs with a new key only; the console read the old set.
        *p.keys.lock().unwrap() = json!({ "keys": [rsa_jwk("k2", "client-b.key.pem")] });
        *p.next.lock().unwrap() = signed_by("k2", "client-b.key.pem", &claims(&p, &nonce));
        let state = pending.state.clone();
        o.finish(Some(pending), &callback(&state)).await.unwrap();
        // A token signed with a key the provider never published stays refused.
        let (pending, nonce, _) = started(&o, None).await;
        *p.next.lock().unwrap() = signed_by("k2", "identity.key.pem", &claims(&p, &nonce));
        let state = pending.state.clone();
        let f = o.finish(Some(pending), &callback(&state)).await;
        assert!(matches!(f, Err(Failure::Token(_))), "{f:?}");
    }
}
