//! "Erogazione": the producer's side of Interop's back office, for administrators and API
//! operators ([`PRODUCER_ROLES`]; any other role gets the 403 page, by URL too). The section's
//! index, "I tuoi e-service" with each e-service's versions and the actions their states allow
//! ([`eservices`]), the step-by-step draft ([`bozza`]: general information, attribute groups,
//! the version, summary and publication, each step saved in the engine), the "Richieste di
//! fruizione" received ([`richieste`]) and the "Finalità da approvare" ([`finalita`]).
//!
//! Every rule is the engine's: the pages send what was typed and show the engine's refusal next
//! to the field it blames, keeping what was typed.

pub mod bozza;
pub mod eservices;
pub mod finalita;
pub mod richieste;

use crate::engine::{Engine, EngineError, Listed};
use crate::session::Lang;
use crate::web::{Producer, Signed, engine_error, layout};
use crate::{AppState, St};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use std::future::Future;

/// The section's root (the nav entry).
pub const ROOT: &str = "/erogazione";
/// How many rows a list shows.
pub const PER_PAGE: u64 = 20;

/// The section's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROOT, get(index))
        .route("/erogazione/e-service", get(eservices::list))
        .route(
            "/erogazione/e-service/nuovo",
            get(bozza::new_form).post(bozza::create),
        )
        .route("/erogazione/e-service/{id}", get(eservices::page))
        .route(
            "/erogazione/e-service/{id}/elimina",
            post(eservices::delete),
        )
        .route("/erogazione/e-service/{id}/clona", post(eservices::clone))
        .route(
            "/erogazione/e-service/{id}/versioni",
            post(eservices::new_version),
        )
        .route(
            "/erogazione/e-service/{id}/versioni/{did}/{action}",
            post(eservices::act),
        )
        .route(
            "/erogazione/e-service/{id}/passo-1",
            get(bozza::step1).post(bozza::save1),
        )
        .route(
            "/erogazione/e-service/{id}/passo-2",
            get(bozza::step2).post(bozza::save2),
        )
        .route(
            "/erogazione/e-service/{id}/passo-3",
            get(bozza::step3).post(bozza::save3),
        )
        .route(
            "/erogazione/e-service/{id}/passo-4",
            get(bozza::step4).post(bozza::publish),
        )
        .route("/erogazione/richieste", get(richieste::list))
        .route("/erogazione/richieste/{id}", get(richieste::page))
        .route("/erogazione/richieste/{id}/{action}", post(richieste::act))
        .route("/erogazione/finalita", get(finalita::list))
        .route("/erogazione/finalita/{id}", get(finalita::page))
        .route("/erogazione/finalita/{id}/{action}", post(finalita::act))
}

/// The section's sub-pages: (path, Italian, English).
pub const PAGES: [(&str, &str, &str); 3] = [
    (
        "/erogazione/e-service",
        "I tuoi e-service",
        "Your e-services",
    ),
    (
        "/erogazione/richieste",
        "Richieste di fruizione",
        "Subscription requests",
    ),
    (
        "/erogazione/finalita",
        "Finalità da approvare",
        "Purposes to approve",
    ),
];

/// The second-level navigation of the section, `current` marked.
pub fn subnav(l: Lang, current: &str) -> Markup {
    html! {
        nav class="subnav" aria-label=(l.t("Erogazione", "Erogazione (provide)")) {
            ul {
                @for (path, it, en) in PAGES {
                    li {
                        @if path == current {
                            a href=(path) aria-current="page" { (l.t(it, en)) }
                        } @else {
                            a href=(path) { (l.t(it, en)) }
                        }
                    }
                }
            }
        }
    }
}

/// `/erogazione`: the section's pages, with what waits for the producer (one engine call each,
/// asking for one item only: the engine counts).
pub async fn index(State(st): St, Signed(visit, user, _): Signed<Producer>) -> Response {
    let l = visit.session.lang;
    let e = &st.engine;
    let t = &user.token;
    let (mine, pending, waiting) = tokio::join!(
        e.page::<serde_json::Value>(t, "/eservices?mine=true&offset=0&limit=1"),
        e.page::<serde_json::Value>(
            t,
            "/agreements?side=producer&state=PENDING&offset=0&limit=1"
        ),
        e.page::<serde_json::Value>(
            t,
            "/purposes?side=producer&version_state=WAITING_FOR_APPROVAL&offset=0&limit=1"
        ),
    );
    if let Err(err) = &mine {
        return engine_error(&visit, &st, err);
    }
    let count =
        |r: &Result<Listed<serde_json::Value>, EngineError>| r.as_ref().ok().map(|p| p.total);
    let counts = [
        count(&mine).map(|n| match l {
            Lang::It => format!("{n} e-service"),
            Lang::En => format!("{n} e-services"),
        }),
        count(&pending).map(|n| match l {
            Lang::It => format!("{n} in attesa della tua approvazione"),
            Lang::En => format!("{n} waiting for your approval"),
        }),
        count(&waiting).map(|n| match l {
            Lang::It => format!("{n} in attesa"),
            Lang::En => format!("{n} waiting"),
        }),
    ];
    let descriptions = [
        l.t(
            "Crea, pubblica, sospendi e archivia i tuoi e-service e le loro versioni.",
            "Create, publish, suspend and archive your e-services and their versions.",
        ),
        l.t(
            "Le richieste degli enti fruitori: verifica i loro attributi, approva o rifiuta.",
            "Consumers' requests: verify their attributes, approve or reject.",
        ),
        l.t(
            "Le finalità che superano le soglie di carico dei tuoi e-service.",
            "Purposes above your e-services' load thresholds.",
        ),
    ];
    let body = html! {
        h1 { (l.t("Erogazione", "Erogazione (provide)")) }
        p { (l.t("Le pagine dell'ente erogatore.", "The producer's pages.")) }
        ul class="cards" {
            @for (i, (path, it, en)) in PAGES.iter().enumerate() {
                li class="card" {
                    h2 { a href=(path) { (l.t(it, en)) } }
                    p { (descriptions[i]) }
                    @if let Some(c) = &counts[i] { p class="meta" { (c) } }
                }
            }
        }
    };
    visit.finish(
        &st,
        layout(
            l.t("Erogazione", "Erogazione (provide)"),
            &visit,
            ROOT,
            body,
        ),
    )
}

/// Runs `lookup` for each distinct id at once (one engine call each, concurrently); what the
/// engine refused is left out (the page shows the id instead).
pub async fn each<T, Fut>(
    ids: impl IntoIterator<Item = String>,
    lookup: impl Fn(String) -> Fut,
) -> HashMap<String, T>
where
    T: Send + 'static,
    Fut: Future<Output = Result<T, EngineError>> + Send + 'static,
{
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut set = tokio::task::JoinSet::new();
    for id in ids {
        let call = lookup(id.clone());
        set.spawn(async move { (id, call.await) });
    }
    let mut found = HashMap::new();
    while let Some(done) = set.join_next().await {
        match done {
            Ok((id, Ok(v))) => {
                found.insert(id, v);
            }
            Ok((id, Err(e))) => tracing::warn!(%id, error = %e, "lookup refused"),
            Err(e) => tracing::warn!(error = %e, "lookup failed"),
        }
    }
    found
}

/// A tenant with its attributes (`GET /tenants/{id}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub certified: Vec<String>,
    #[serde(default)]
    pub declared: Vec<String>,
    #[serde(default)]
    pub verified: Vec<crate::engine::VerifiedAttribute>,
}

/// `GET /tenants/{id}`.
pub async fn tenant(engine: Engine, token: String, id: String) -> Result<TenantView, EngineError> {
    engine
        .get(&token, &format!("/tenants/{}", crate::engine::encode(&id)))
        .await
}

/// The names of every attribute, by id (empty when the engine refuses: the ids are shown).
pub async fn attribute_names(st: &AppState, token: &str) -> HashMap<String, String> {
    match st.engine.attributes(token).await {
        Ok(all) => all.into_iter().map(|a| (a.id, a.name)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "attribute names unavailable");
            HashMap::new()
        }
    }
}

/// A version's state as the user guide names it.
pub fn descriptor_state(state: &str, l: Lang) -> &str {
    match state {
        "DRAFT" => l.t("Bozza", "Draft"),
        "PUBLISHED" => l.t("Attiva", "Active (published)"),
        "DEPRECATED" => l.t("Deprecata", "Deprecated"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        other => other,
    }
}

/// A request's (agreement's) state as the user guide names it.
pub fn agreement_state(state: &str, l: Lang) -> &str {
    match state {
        "DRAFT" => l.t("Bozza", "Draft"),
        "PENDING" => l.t("In attesa", "Pending"),
        "ACTIVE" => l.t("Attiva", "Active"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        "MISSING_CERTIFIED_ATTRIBUTES" => l.t(
            "Attributi certificati mancanti",
            "Missing certified attributes",
        ),
        "REJECTED" => l.t("Rifiutata", "Rejected"),
        other => other,
    }
}

/// A purpose version's state.
pub fn purpose_state(state: &str, l: Lang) -> &str {
    match state {
        "DRAFT" => l.t("Bozza", "Draft"),
        "ACTIVE" => l.t("Attiva", "Active"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "WAITING_FOR_APPROVAL" => l.t("In attesa di approvazione", "Waiting for approval"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        "REJECTED" => l.t("Rifiutata", "Rejected"),
        other => other,
    }
}

/// `YYYY-MM-DD` as `DD/MM/YYYY`.
pub fn day(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => date.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_the_guide_names_them() {
        assert_eq!(descriptor_state("PUBLISHED", Lang::It), "Attiva");
        assert_eq!(agreement_state("PENDING", Lang::It), "In attesa");
        assert_eq!(
            purpose_state("WAITING_FOR_APPROVAL", Lang::En),
            "Waiting for approval"
        );
        assert_eq!(descriptor_state("NEW_STATE", Lang::It), "NEW_STATE");
        assert_eq!(day("2099-01-31"), "31/01/2099");
    }

    #[tokio::test]
    async fn lookups_run_once_per_distinct_id_and_leave_out_refusals() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = Arc::new(AtomicUsize::new(0));
        let found = each(
            ["a", "b", "a", "bad", "b"].map(String::from),
            |id: String| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    if id == "bad" {
                        Err(EngineError {
                            status: 404,
                            code: "TENANT_NOT_FOUND".into(),
                            detail: String::new(),
                            fields: Vec::new(),
                        })
                    } else {
                        Ok(id.to_uppercase())
                    }
                }
            },
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(found.len(), 2);
        assert_eq!(found["a"], "A");
    }
}
