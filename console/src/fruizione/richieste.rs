//! "Le mie richieste": the tenant's agreements as consumer, filtered by state and paged by the
//! engine; a request's page with what the engine allows now: submit a draft, suspend or
//! reactivate (the consumer's own side), upgrade to a newer published version ("Aggiornamento
//! disponibile", irreversible: the old request is archived), delete a draft.

use super::{
    AGREEMENT_STATES, Agreement, PER_PAGE, action_form, agreement_state, eservice_name, eservices,
    query, subnav, suspended_by,
};
use crate::engine::{EService, EngineError, Method};
use crate::session::{Lang, User};
use crate::web::{
    Admin, Posted, Signed, confirmed, engine_error, error_box, flash, layout, not_confirmed,
    page_param, pager, redirect, when,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use std::collections::HashMap;

/// "Le mie richieste" (`?stato=&pagina=`).
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<Admin>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let state = params
        .get("stato")
        .map(String::as_str)
        .filter(|s| AGREEMENT_STATES.contains(s))
        .unwrap_or("");
    let page = page_param(&params);
    let path = format!(
        "/agreements?side=consumer{}&offset={}&limit={PER_PAGE}",
        if state.is_empty() {
            String::new()
        } else {
            format!("&state={state}")
        },
        (page - 1).saturating_mul(PER_PAGE)
    );
    let found = match st.engine.page::<Agreement>(&user.token, &path).await {
        Ok(f) => f,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let names = eservices(
        &st,
        &user.token,
        found.items.iter().map(|a| a.eservice_id.clone()),
    )
    .await;
    let title = l.t("Le mie richieste", "My requests");
    let body = html! {
        (subnav(&user, l, "/fruizione/richieste"))
        h1 { (title) }
        form class="search" method="get" action="/fruizione/richieste" {
            label for="stato" { (l.t("Stato", "State")) }
            select id="stato" name="stato" {
                option value="" selected[state.is_empty()] { (l.t("Tutti", "All")) }
                @for s in AGREEMENT_STATES {
                    option value=(s) selected[*s == state] { (agreement_state(s, l)) }
                }
            }
            button type="submit" { (l.t("Filtra", "Filter")) }
        }
        p class="count" { (found.total) (l.t(" richieste.", " requests.")) }
        @if found.items.is_empty() {
            p {
                (l.t("Nessuna richiesta. Per presentarne una, apri un e-service nel ", "No request. To make one, open an e-service in the "))
                a href="/catalogo" { (l.t("catalogo", "catalogue")) }
                (l.t(" e usa «Iscriviti».", " and use \"Iscriviti\" (subscribe)."))
            }
        } @else {
            table {
                caption { (l.t("Richieste di fruizione del tuo ente", "Your organization's subscription requests")) }
                thead { tr {
                    th scope="col" { "E-service" }
                    th scope="col" { (l.t("Versione", "Version")) }
                    th scope="col" { (l.t("Stato", "State")) }
                    th scope="col" { (l.t("Ultima modifica", "Last change")) }
                } }
                tbody {
                    @for a in &found.items {
                        tr {
                            td { a href={ "/fruizione/richieste/" (a.id) } { (eservice_name(&names, &a.eservice_id)) } }
                            td { (version_of(names.get(&a.eservice_id), &a.descriptor_id)) }
                            td {
                                (agreement_state(&a.state, l))
                                @if newer(names.get(&a.eservice_id), a).is_some() {
                                    " · " strong { (l.t("Aggiornamento disponibile", "Upgrade available")) }
                                }
                            }
                            td { (when(&a.updated_at)) }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine delle richieste", "Request pages"), page, found.total, PER_PAGE,
            |p| format!("/fruizione/richieste{}", query(&[("stato", state), ("pagina", &if p > 1 { p.to_string() } else { String::new() })]))))
    };
    visit.finish(&st, layout(title, &visit, "/fruizione", body))
}

/// The version number of `descriptor`, or a dash.
fn version_of(e: Option<&EService>, descriptor: &str) -> String {
    e.and_then(|e| e.descriptors.iter().find(|d| d.id == descriptor))
        .map_or_else(|| "—".into(), |d| d.version.to_string())
}

/// The newer published version an ACTIVE or SUSPENDED agreement can be upgraded to.
fn newer<'a>(e: Option<&'a EService>, a: &Agreement) -> Option<&'a crate::engine::Descriptor> {
    if !matches!(a.state.as_str(), "ACTIVE" | "SUSPENDED") {
        return None;
    }
    let e = e?;
    let mine = e.descriptors.iter().find(|d| d.id == a.descriptor_id)?;
    e.descriptors
        .iter()
        .filter(|d| d.state == "PUBLISHED" && d.version > mine.version)
        .max_by_key(|d| d.version)
}

/// A request's page.
pub async fn page(
    State(st): St,
    Signed(visit, user, _): Signed<Admin>,
    Path(id): Path<String>,
) -> Response {
    render(&st, &visit, &user, &id, None).await
}

async fn render(
    st: &AppState,
    visit: &Visit,
    user: &User,
    id: &str,
    error: Option<&EngineError>,
) -> Response {
    let l = visit.session.lang;
    let a: Agreement = match st
        .engine
        .get(
            &user.token,
            &format!("/agreements/{}", crate::engine::encode(id)),
        )
        .await
    {
        Ok(a) => a,
        Err(e) => return engine_error(visit, st, &e),
    };
    let e = st.engine.eservice(&user.token, &a.eservice_id).await.ok();
    let producer = st
        .engine
        .tenant(&user.token, &a.producer_id)
        .await
        .map(|t| t.name)
        .ok();
    let name = e.as_ref().map_or(a.eservice_id.clone(), |e| e.name.clone());
    let upgrade = newer(e.as_ref(), &a);
    let base = format!("/fruizione/richieste/{}", a.id);
    let title = format!(
        "{} {name}",
        l.t("Richiesta di fruizione di", "Subscription request for")
    );
    let body = html! {
        (subnav(user, l, "/fruizione/richieste"))
        nav aria-label=(l.t("Percorso", "Breadcrumb")) class="crumbs" {
            a href="/fruizione" { "Fruizione" } " › "
            a href="/fruizione/richieste" { (l.t("Le mie richieste", "My requests")) } " › " (name)
        }
        h1 { (title) }
        @if let Some(e) = error { (error_box(e, l)) }
        dl {
            dt { "E-service" }
            dd {
                @if let Some(e) = &e {
                    a href={ "/catalogo/" (e.id) "/versioni/" (a.descriptor_id) } { (e.name) ", " (l.t("versione ", "version ")) (version_of(Some(e), &a.descriptor_id)) }
                } @else { code { (a.eservice_id) } }
            }
            dt { (l.t("Erogatore", "Producer")) }
            dd { @if let Some(p) = &producer { (p) } @else { code { (a.producer_id) } } }
            dt { (l.t("Stato", "State")) }
            dd class="state" { (agreement_state(&a.state, l)) }
            @if a.suspended_by_consumer || a.suspended_by_producer || a.suspended_by_platform {
                dt { (l.t("Sospesa", "Suspended")) }
                dd { (suspended_by(a.suspended_by_consumer, a.suspended_by_producer, a.suspended_by_platform, l)) }
            }
            dt { (l.t("Note per l'erogatore", "Notes for the producer")) }
            dd { (a.consumer_notes.as_deref().filter(|n| !n.is_empty()).unwrap_or("—")) }
            @if let Some(r) = &a.rejection_reason {
                dt { (l.t("Motivo del rifiuto", "Reason for rejection")) }
                dd { (r) }
            }
            dt { (l.t("Presentata il", "Created on")) } dd { (when(&a.created_at)) }
            dt { (l.t("Ultima modifica", "Last change")) } dd { (when(&a.updated_at)) }
        }
        p { (explain(&a.state, l)) }
        @if let Some(d) = upgrade {
            section class="upgrade" aria-labelledby="agg" {
                h2 id="agg" { (l.t("Aggiornamento disponibile", "Upgrade available")) }
                p {
                    (l.t("È pubblicata la versione ", "Version "))
                    (d.version)
                    (l.t(
                        ". Aggiornando la richiesta, tutte le sue finalità passano alla nuova versione e questa richiesta viene archiviata: l'operazione è irreversibile.",
                        " is published. Upgrading moves every purpose of this request to the new version and archives this request: it cannot be undone.",
                    ))
                }
                (action_form(visit, &format!("{base}/aggiorna"), l.t("Aggiorna alla nuova versione", "Upgrade to the new version"),
                    Some(l.t("aggiorna la richiesta e archivia quella attuale", "upgrade the request and archive the current one"))))
            }
        }
        h2 { (l.t("Azioni", "Actions")) }
        div class="actions" {
            @match a.state.as_str() {
                "DRAFT" => {
                    (action_form(visit, &format!("{base}/inoltra"), l.t("Inoltra la richiesta", "Submit the request"), None))
                    (action_form(visit, &format!("{base}/elimina"), l.t("Elimina la bozza", "Delete the draft"),
                        Some(l.t("elimina questa bozza di richiesta", "delete this draft request"))))
                }
                "MISSING_CERTIFIED_ATTRIBUTES" => {
                    (action_form(visit, &format!("{base}/elimina"), l.t("Elimina la bozza", "Delete the draft"),
                        Some(l.t("elimina questa bozza di richiesta", "delete this draft request"))))
                }
                "ACTIVE" => {
                    (action_form(visit, &format!("{base}/sospendi"), l.t("Sospendi", "Suspend"),
                        Some(l.t("sospendi la richiesta: le sue finalità non otterranno voucher", "suspend the request: its purposes will get no voucher"))))
                }
                "SUSPENDED" => {
                    @if a.suspended_by_consumer {
                        (action_form(visit, &format!("{base}/riattiva"), l.t("Riattiva", "Reactivate"), None))
                    } @else {
                        (action_form(visit, &format!("{base}/sospendi"), l.t("Sospendi", "Suspend"),
                            Some(l.t("sospendi la richiesta anche da parte tua", "suspend the request on your side too"))))
                    }
                }
                "REJECTED" | "ARCHIVED" => {
                    @if let Some(e) = &e {
                        p { a href={ "/catalogo/" (e.id) } { (l.t("Presenta una nuova richiesta dal catalogo", "Make a new request from the catalogue")) } }
                    }
                }
                _ => { p { (l.t("Nessuna azione possibile in questo stato.", "No action is possible in this state.")) } }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(&title, visit, "/fruizione", body)))
}

/// What a state means for the consumer, in a sentence.
pub fn explain(state: &str, l: Lang) -> &'static str {
    match state {
        "DRAFT" => l.t(
            "La richiesta è in bozza: inoltrala all'erogatore quando sei pronto.",
            "The request is a draft: submit it to the producer when ready.",
        ),
        "PENDING" => l.t(
            "La richiesta è in attesa dell'approvazione dell'erogatore, che verifica gli attributi richiesti.",
            "The request is waiting for the producer's approval, who checks the required attributes.",
        ),
        "ACTIVE" => l.t(
            "La richiesta è attiva: puoi creare finalità su questo e-service.",
            "The request is active: you can create purposes on this e-service.",
        ),
        "SUSPENDED" => l.t(
            "La richiesta è sospesa: le sue finalità non ottengono voucher finché ogni sospensione non è tolta da chi l'ha messa.",
            "The request is suspended: its purposes get no voucher until every suspension is lifted by whoever set it.",
        ),
        "MISSING_CERTIFIED_ATTRIBUTES" => l.t(
            "Al tuo ente manca un attributo certificato richiesto: la richiesta non può essere inoltrata finché la piattaforma non lo certifica.",
            "Your organization lacks a required certified attribute: the request cannot be submitted until the platform certifies it.",
        ),
        "REJECTED" => l.t(
            "L'erogatore ha rifiutato la richiesta: puoi presentarne una nuova dopo aver aggiornato la documentazione.",
            "The producer rejected the request: you can make a new one after updating your documentation.",
        ),
        "ARCHIVED" => l.t(
            "La richiesta è archiviata (sostituita da un aggiornamento).",
            "The request is archived (replaced by an upgrade).",
        ),
        _ => "",
    }
}

/// A request's actions: `inoltra`, `sospendi`, `riattiva`, `aggiorna`, `elimina`.
pub async fn act(
    State(st): St,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Posted(visit, user, form, _): Posted<Admin>,
) -> Response {
    let l = visit.session.lang;
    let base = format!("/agreements/{}", crate::engine::encode(&id));
    let (method, path, destructive) = match action.as_str() {
        "inoltra" => (Method::POST, format!("{base}/submit"), false),
        "sospendi" => (Method::POST, format!("{base}/suspend"), true),
        "riattiva" => (Method::POST, format!("{base}/activate"), false),
        "aggiorna" => (Method::POST, format!("{base}/upgrade"), true),
        "elimina" => (Method::DELETE, base.clone(), true),
        _ => return crate::pages::not_found(State(st), headers).await,
    };
    if destructive && !confirmed(&form) {
        return render(&st, &visit, &user, &id, Some(&not_confirmed())).await;
    }
    let done: Result<Option<Agreement>, EngineError> =
        st.engine.send(method, &user.token, &path, None).await;
    match done {
        Err(e) => render(&st, &visit, &user, &id, Some(&e)).await,
        Ok(None) => {
            flash(
                &st,
                &visit,
                l.t(
                    "La bozza di richiesta è stata eliminata.",
                    "The draft request was deleted.",
                ),
            );
            redirect("/fruizione/richieste")
        }
        Ok(Some(a)) => {
            let what = match action.as_str() {
                "aggiorna" => l.t(
                    "Richiesta aggiornata alla nuova versione; quella precedente è archiviata.",
                    "Request upgraded to the new version; the previous one is archived.",
                ),
                "sospendi" => l.t(
                    "Richiesta sospesa da parte tua.",
                    "Request suspended on your side.",
                ),
                "riattiva" => l.t(
                    "Sospensione tolta da parte tua.",
                    "Your side's suspension is lifted.",
                ),
                _ => l.t("Richiesta inoltrata.", "Request submitted."),
            };
            flash(
                &st,
                &visit,
                format!(
                    "{what} {}: {}. {}",
                    l.t("Stato", "State"),
                    agreement_state(&a.state, l),
                    explain(&a.state, l)
                ),
            );
            redirect(&format!("/fruizione/richieste/{}", a.id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Descriptor;

    fn descriptor(id: &str, version: u32, state: &str) -> Descriptor {
        serde_json::from_value(serde_json::json!({"id": id, "version": version, "state": state}))
            .unwrap()
    }

    fn agreement(descriptor: &str, state: &str) -> Agreement {
        serde_json::from_value(serde_json::json!({"id": "a", "eservice_id": "e",
            "descriptor_id": descriptor, "producer_id": "p", "state": state,
            "created_at": "2026-12-07T18:00:00Z", "updated_at": "2026-12-07T18:00:00Z"}))
        .unwrap()
    }

    #[test]
    fn an_upgrade_is_offered_for_a_newer_published_version_of_a_live_request() {
        let e: EService = serde_json::from_value(serde_json::json!({"id": "e",
            "producer_id": "p", "name": "Anagrafe", "description": "x", "technology": "REST",
            "mode": "DELIVER"}))
        .unwrap();
        let e = EService {
            descriptors: vec![
                descriptor("d1", 1, "DEPRECATED"),
                descriptor("d2", 2, "PUBLISHED"),
                descriptor("d3", 3, "DRAFT"),
            ],
            ..e
        };
        assert_eq!(
            newer(Some(&e), &agreement("d1", "ACTIVE")).map(|d| d.version),
            Some(2)
        );
        assert_eq!(
            newer(Some(&e), &agreement("d1", "SUSPENDED")).map(|d| d.version),
            Some(2)
        );
        assert!(newer(Some(&e), &agreement("d2", "ACTIVE")).is_none());
        assert!(newer(Some(&e), &agreement("d1", "PENDING")).is_none());
        assert!(newer(None, &agreement("d1", "ACTIVE")).is_none());
        assert_eq!(version_of(Some(&e), "d2"), "2");
        assert_eq!(version_of(Some(&e), "x"), "—");
    }
}
