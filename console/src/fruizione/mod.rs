//! "Fruizione": the consumer's side of the back office, as the user guide names it. An
//! administrator subscribes to e-services from the catalogue ("Iscriviti"), follows "Le mie
//! richieste", creates and manages "Finalità", and manages "Client" and their public keys; a
//! security operator sees only the clients they are a member of. Every rule is the engine's: the
//! pages call its public API with the user's own token and show its refusals as sentences.

pub mod client;
pub mod finalita;
pub mod iscrizione;
pub mod richieste;

use crate::engine::{EService, EngineError};
use crate::session::{Lang, User};
use crate::web::{self, Consumer, Signed, csrf_field, has_role, layout};
use crate::{AppState, St, Visit};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// The roles that see requests and purposes: administrators only (the guide: a security
/// operator "può solo vedere i client ai quali è associato").
pub const ADMIN_ONLY: &[&str] = &["admin"];

/// How many rows a list page shows.
pub const PER_PAGE: u64 = 20;

/// The section's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fruizione", get(index))
        .route(
            "/catalogo/{id}/versioni/{did}/iscriviti",
            post(iscrizione::subscribe),
        )
        .route("/fruizione/richieste", get(richieste::list))
        .route("/fruizione/richieste/{id}", get(richieste::page))
        .route("/fruizione/richieste/{id}/{azione}", post(richieste::act))
        .route("/fruizione/finalita", get(finalita::list))
        .route(
            "/fruizione/finalita/nuova",
            get(finalita::new_form).post(finalita::create),
        )
        .route("/fruizione/finalita/{id}", get(finalita::page))
        .route("/fruizione/finalita/{id}/{azione}", post(finalita::act))
        .route("/fruizione/client", get(client::list))
        .route(
            "/fruizione/client/nuovo",
            get(client::new_form).post(client::create),
        )
        .route("/fruizione/client/{id}", get(client::page))
        .route("/fruizione/client/{id}/{azione}", post(client::act))
}

/// The section's sub-pages a user's roles open: (path, label, what it is for).
pub fn sub_pages(user: &User, l: Lang) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v = Vec::new();
    if has_role(user, ADMIN_ONLY) {
        v.push((
            "/fruizione/richieste",
            l.t("Le mie richieste", "My requests"),
            l.t(
                "Le richieste di fruizione del tuo ente: stato, inoltro, sospensione, aggiornamento alla nuova versione.",
                "Your organization's subscription requests: state, submission, suspension, upgrade to the new version.",
            ),
        ));
        v.push((
            "/fruizione/finalita",
            l.t("Le mie finalità", "My purposes"),
            l.t(
                "Le finalità per cui il tuo ente usa gli e-service: analisi del rischio, stima di carico, operatività.",
                "The purposes your organization uses e-services for: risk analysis, load estimate, operativity.",
            ),
        ));
    }
    v.push((
        "/fruizione/client",
        l.t("Gestione client", "Clients"),
        l.t(
            "I client e le loro chiavi pubbliche, per ottenere i voucher degli e-service o i token dell'API Interop M2M.",
            "Clients and their public keys, to obtain the e-services' vouchers or tokens for the Interop M2M API.",
        ),
    ));
    v
}

/// "Fruizione": the section's index, by role.
pub async fn index(State(st): St, Signed(visit, user, _): Signed<Consumer>) -> Response {
    let l = visit.session.lang;
    let body = html! {
        h1 { (l.t("Fruizione", "Fruizione (consume)")) }
        p {
            (l.t("Per usare un e-service: iscriviti dal ", "To use an e-service: subscribe from the "))
            a href="/catalogo" { (l.t("catalogo", "catalogue")) }
            (l.t(
                "; quando la richiesta è attiva, crea una finalità e associale un client con una chiave pubblica.",
                "; once the request is active, create a purpose and attach to it a client holding a public key.",
            ))
        }
        ul class="cards" {
            @for (path, label, what) in sub_pages(&user, l) {
                li class="card" {
                    h2 { a href=(path) { (label) } }
                    p { (what) }
                }
            }
        }
    };
    visit.finish(
        &st,
        layout(
            l.t("Fruizione", "Fruizione (consume)"),
            &visit,
            "/fruizione",
            body,
        ),
    )
}

/// The section's second-level navigation, `current` marked.
pub fn subnav(user: &User, l: Lang, current: &str) -> Markup {
    html! {
        nav class="subnav" aria-label=(l.t("Pagine di Fruizione", "Fruizione pages")) {
            ul {
                @for (path, label, _) in sub_pages(user, l) {
                    li {
                        @if path == current {
                            a href=(path) aria-current="page" { (label) }
                        } @else {
                            a href=(path) { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// An agreement (richiesta di fruizione) as the engine returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct Agreement {
    pub id: String,
    pub eservice_id: String,
    pub descriptor_id: String,
    pub producer_id: String,
    pub state: String,
    #[serde(default)]
    pub suspended_by_consumer: bool,
    #[serde(default)]
    pub suspended_by_producer: bool,
    #[serde(default)]
    pub suspended_by_platform: bool,
    #[serde(default)]
    pub consumer_notes: Option<String>,
    #[serde(default)]
    pub rejection_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An agreement's state as the guide names it.
pub fn agreement_state(s: &str, l: Lang) -> &'static str {
    match s {
        "DRAFT" => l.t("Bozza", "Draft"),
        "PENDING" => l.t("In attesa di approvazione", "Waiting for approval"),
        "ACTIVE" => l.t("Attiva", "Active"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        "MISSING_CERTIFIED_ATTRIBUTES" => l.t(
            "Attributi certificati mancanti",
            "Missing certified attributes",
        ),
        "REJECTED" => l.t("Rifiutata", "Rejected"),
        _ => l.t("Sconosciuto", "Unknown"),
    }
}

/// The agreement states a list can be filtered by.
pub const AGREEMENT_STATES: &[&str] = &[
    "DRAFT",
    "PENDING",
    "ACTIVE",
    "SUSPENDED",
    "MISSING_CERTIFIED_ATTRIBUTES",
    "REJECTED",
    "ARCHIVED",
];

/// A purpose version's state as the guide names it.
pub fn version_state(s: &str, l: Lang) -> &'static str {
    match s {
        "DRAFT" => l.t("Bozza", "Draft"),
        "ACTIVE" => l.t("Attiva", "Active"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "WAITING_FOR_APPROVAL" => l.t("In attesa di approvazione", "Waiting for approval"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        "REJECTED" => l.t("Rifiutata", "Rejected"),
        _ => l.t("Sconosciuto", "Unknown"),
    }
}

/// Who holds a suspension, in words.
pub fn suspended_by(consumer: bool, producer: bool, platform: bool, l: Lang) -> String {
    let mut who = Vec::new();
    if consumer {
        who.push(l.t("dal tuo ente (fruitore)", "by your organization (consumer)"));
    }
    if producer {
        who.push(l.t("dall'erogatore", "by the producer"));
    }
    if platform {
        who.push(l.t(
            "dalla piattaforma (manca un attributo certificato)",
            "by the platform (a certified attribute is missing)",
        ));
    }
    who.join(l.t(" e ", " and "))
}

/// The e-services named by `ids`, asked of the engine at once (an e-service the engine does not
/// answer for is left out: the page shows its id).
pub async fn eservices(
    st: &AppState,
    token: &str,
    ids: impl IntoIterator<Item = String>,
) -> HashMap<String, EService> {
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut lookups = tokio::task::JoinSet::new();
    for id in ids {
        let (engine, token) = (st.engine.clone(), token.to_owned());
        lookups.spawn(async move { engine.eservice(&token, &id).await.map(|e| (id, e)) });
    }
    let mut found = HashMap::new();
    while let Some(r) = lookups.join_next().await {
        if let Ok(Ok((id, e))) = r {
            found.insert(id, e);
        }
    }
    found
}

/// An e-service's name, or its id.
pub fn eservice_name(found: &HashMap<String, EService>, id: &str) -> Markup {
    html! {
        @match found.get(id) {
            Some(e) => (e.name),
            None => code { (id) },
        }
    }
}

/// A form that POSTs to `action` with one button; destructive ones carry the confirmation box.
pub fn action_form(visit: &Visit, action: &str, button: &str, confirm: Option<&str>) -> Markup {
    html! {
        form method="post" action=(action) {
            (csrf_field(visit))
            @if let Some(what) = confirm { (web::confirm_field(visit, what)) }
            button type="submit" { (button) }
        }
    }
}

/// The tenant of a signed-in consumer page (the role check already required one).
pub fn tenant(user: &User) -> &str {
    user.tenant_id.as_deref().unwrap_or_default()
}

/// `?stato=…&pagina=N`-style query parameters, the empty ones left out.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::engine::encode(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// An engine error about the request as a whole, blamed on `field` when the engine named none
/// (so a form shows it next to the field it concerns).
pub fn blame(mut e: EngineError, field: &str) -> EngineError {
    if e.fields.is_empty() {
        e.fields.push(field.to_owned());
    }
    e
}
