//! "Finalità da approvare": the purposes whose load estimate goes above the thresholds of the
//! producer's e-services (`GET /purposes?side=producer&version_state=WAITING_FOR_APPROVAL`,
//! paged by the engine), and a purpose's page with the daily calls asked, the e-service's
//! thresholds and the current load (`GET /purposes/{id}/remaining-daily-calls`). The producer
//! approves the waiting estimate, rejects it with a reason, or sets the date it expects to
//! approve it by (the consumer sees it).

use super::bozza::{blame, typed};
use super::{PER_PAGE, ROOT, TenantView, day, each, purpose_state, subnav, tenant};
use crate::engine::{EService, EngineError, Listed, Method, encode};
use crate::web::{
    Field, Fields, Input, Posted, Producer, Signed, csrf_field, engine_error, error_box, flash,
    has_role, layout, page_param, pager, redirect, when,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

/// A purpose, the fields the pages show.
#[derive(Debug, Clone, Deserialize)]
pub struct Purpose {
    pub id: String,
    pub eservice_id: String,
    pub consumer_id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub versions: Vec<PurposeVersion>,
}

/// A load estimate of a purpose.
#[derive(Debug, Clone, Deserialize)]
pub struct PurposeVersion {
    pub id: String,
    pub state: String,
    pub daily_calls: u64,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub expected_approval_date: Option<String>,
}

/// The thresholds and the load (`GET /purposes/{id}/remaining-daily-calls`).
#[derive(Debug, Clone, Deserialize)]
pub struct Load {
    pub daily_calls_per_consumer: u64,
    pub daily_calls_total: u64,
    pub consumer_load: u64,
    pub total_load: u64,
}

impl Purpose {
    /// The estimate waiting for the producer's approval, if any.
    pub fn waiting(&self) -> Option<&PurposeVersion> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.state == "WAITING_FOR_APPROVAL")
    }

    /// The estimate in use (active or suspended), if any.
    pub fn current(&self) -> Option<&PurposeVersion> {
        self.versions
            .iter()
            .find(|v| v.state == "ACTIVE" || v.state == "SUSPENDED")
    }
}

/// The fields the purpose forms send, as the engine names them.
const FIELDS: [&str; 2] = ["expected_approval_date", "reason"];

/// The waiting purposes, 20 a page.
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let page = page_param(&params);
    let path = format!(
        "/purposes?side=producer&version_state=WAITING_FOR_APPROVAL&offset={}&limit={PER_PAGE}",
        (page - 1) * PER_PAGE
    );
    let found: Listed<Purpose> = match st.engine.page(&user.token, &path).await {
        Ok(p) => p,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let (engine, token) = (st.engine.clone(), user.token.clone());
    let (consumers, eservices) = tokio::join!(
        each(found.items.iter().map(|p| p.consumer_id.clone()), |id| {
            tenant(engine.clone(), token.clone(), id)
        }),
        each(found.items.iter().map(|p| p.eservice_id.clone()), |id| {
            let (engine, token) = (engine.clone(), token.clone());
            async move { engine.eservice(&token, &id).await }
        }),
    );
    let title = l.t("Finalità da approvare", "Purposes to approve");
    let body = html! {
        (subnav(l, "/erogazione/finalita"))
        h1 { (title) }
        p {
            (l.t("Finalità la cui stima di carico supera le soglie dei tuoi e-service: attendono la tua approvazione.",
                 "Purposes whose load estimate is above your e-services' thresholds: they wait for your approval."))
        }
        @if found.items.is_empty() {
            p { (l.t("Nessuna finalità in attesa.", "No purpose waiting.")) }
        } @else {
            table class="list" {
                caption { (l.t("Finalità in attesa di approvazione", "Purposes waiting for approval")) " (" (found.total) ")" }
                thead {
                    tr {
                        th scope="col" { (l.t("Finalità", "Purpose")) }
                        th scope="col" { (l.t("Fruitore", "Consumer")) }
                        th scope="col" { "E-service" }
                        th scope="col" { (l.t("Chiamate al giorno richieste", "Daily calls asked")) }
                        th scope="col" { (l.t("Data prevista", "Expected date")) }
                    }
                }
                tbody {
                    @for p in &found.items {
                        tr {
                            td { a href={ "/erogazione/finalita/" (p.id) } { (p.title) } }
                            td { (consumers.get(&p.consumer_id).map_or(p.consumer_id.as_str(), |t: &TenantView| t.name.as_str())) }
                            td { (eservices.get(&p.eservice_id).map_or(p.eservice_id.as_str(), |e: &EService| e.name.as_str())) }
                            td { (p.waiting().map(|v| v.daily_calls.to_string()).unwrap_or_default()) }
                            td { (p.waiting().and_then(|v| v.expected_approval_date.as_deref()).map(day).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine delle finalità", "Purpose pages"), page, found.total, PER_PAGE, |p| format!("/erogazione/finalita?pagina={p}")))
    };
    visit.finish(&st, layout(title, &visit, ROOT, body))
}

/// A waiting purpose's page.
pub async fn page(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    purpose_page(&st, &visit, &user.token, &id, None, &Fields::new()).await
}

async fn purpose_page(
    st: &AppState,
    visit: &Visit,
    token: &str,
    id: &str,
    error: Option<&EngineError>,
    form: &Fields,
) -> Response {
    let admin = visit
        .session
        .user
        .as_ref()
        .is_some_and(|u| has_role(u, &["admin"]));
    let l = visit.session.lang;
    let p: Purpose = match st
        .engine
        .get(token, &format!("/purposes/{}", encode(id)))
        .await
    {
        Ok(p) => p,
        Err(err) => return engine_error(visit, st, error.unwrap_or(&err)),
    };
    let load_path = format!("/purposes/{}/remaining-daily-calls", encode(id));
    let (consumer, eservice, load) = tokio::join!(
        tenant(st.engine.clone(), token.to_owned(), p.consumer_id.clone()),
        st.engine.eservice(token, &p.eservice_id),
        st.engine.get::<Load>(token, &load_path),
    );
    let consumer = consumer.map(|t| t.name).unwrap_or(p.consumer_id.clone());
    let eservice = eservice.map(|e| e.name).unwrap_or(p.eservice_id.clone());
    let base = format!("/erogazione/finalita/{}", p.id);
    let waiting = p.waiting();
    let date = match form.get("expected_approval_date") {
        Some(d) => d.clone(),
        None => waiting
            .and_then(|v| v.expected_approval_date.clone())
            .unwrap_or_default(),
    };
    let body = html! {
        (subnav(l, "/erogazione/finalita"))
        p class="crumbs" { a href="/erogazione/finalita" { (l.t("Finalità da approvare", "Purposes to approve")) } }
        h1 { (p.title) }
        @if let Some(err) = error { (error_box(err, l)) }
        dl {
            dt { (l.t("Descrizione", "Description")) } dd { (p.description) }
            dt { (l.t("Fruitore", "Consumer")) } dd { (consumer) }
            dt { "E-service" } dd { (eservice) }
            @if let Some(c) = p.current() {
                dt { (l.t("Stima in uso", "Estimate in use")) }
                dd { (c.daily_calls) (l.t(" chiamate al giorno (", " daily calls (")) (purpose_state(&c.state, l).to_lowercase()) ")" }
            }
            @if let Some(w) = waiting {
                dt { (l.t("Chiamate al giorno richieste", "Daily calls asked")) }
                dd class="asked" { (w.daily_calls) " — " (purpose_state(&w.state, l).to_lowercase()) (l.t(" dal ", " since ")) (when(&w.created_at)) }
            }
        }
        h2 { (l.t("Soglie e carico dell'e-service", "The e-service's thresholds and load")) }
        @match &load {
            Ok(load) => {
                table class="list" {
                    caption { (l.t("Chiamate al giorno", "Daily calls")) }
                    thead {
                        tr {
                            th scope="col" { "" }
                            th scope="col" { (l.t("Soglia", "Threshold")) }
                            th scope="col" { (l.t("Carico attuale", "Current load")) }
                        }
                    }
                    tbody {
                        tr {
                            th scope="row" { (l.t("Per questo fruitore", "For this consumer")) }
                            td { (load.daily_calls_per_consumer) }
                            td { (load.consumer_load) }
                        }
                        tr {
                            th scope="row" { (l.t("In totale", "In total")) }
                            td { (load.daily_calls_total) }
                            td { (load.total_load) }
                        }
                    }
                }
            }
            Err(e) => (error_box(e, l)),
        }
        @if waiting.is_some() && !admin {
            p class="notice" {
                (l.t("Solo un amministratore dell'ente può approvare o rifiutare una stima di carico e impostarne la data prevista.",
                     "Only an administrator of the organization can approve or reject a load estimate and set its expected date."))
            }
        }
        @if let Some(w) = waiting.filter(|_| admin) {
            h2 { (l.t("Azioni", "Actions")) }
            div class="actions" {
                form method="post" action={ (base) "/approva" } {
                    (csrf_field(visit))
                    input type="hidden" name="versione" value=(w.id);
                    button type="submit" { (l.t("Approva la finalità", "Approve the purpose")) }
                }
            }
            form method="post" action={ (base) "/data" } novalidate {
                (csrf_field(visit))
                input type="hidden" name="versione" value=(w.id);
                (Field::new("expected_approval_date", l.t("Data prevista di approvazione", "Expected approval date"), Input::Date, &date)
                    .hint(l.t("Oggi o più avanti: il fruitore la vede.", "Today or later: the consumer sees it."))
                    .render(error, "expected_approval_date", l))
                button type="submit" { (l.t("Imposta la data prevista", "Set the expected date")) }
            }
            form method="post" action={ (base) "/rifiuta" } novalidate {
                (csrf_field(visit))
                input type="hidden" name="versione" value=(w.id);
                (Field::new("reason", l.t("Motivo del rifiuto", "Rejection reason"), Input::Area, typed(form, "reason"))
                    .required()
                    .hint(l.t("Da 10 a 1000 caratteri: il fruitore lo legge.", "10 to 1000 characters: the consumer reads it."))
                    .render(error, "reason", l))
                button type="submit" { (l.t("Rifiuta la stima di carico", "Reject the load estimate")) }
            }
        } @else {
            p { (l.t("Nessuna stima di carico attende la tua approvazione.", "No load estimate waits for your approval.")) }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(&p.title, visit, ROOT, body)))
}

/// Approve, reject, or set the expected date of the waiting estimate `versione`.
pub async fn act(
    State(st): St,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let t = &user.token;
    let version = typed(&form, "versione");
    let path = |what: &str| {
        format!(
            "/purposes/{}/versions/{}/{what}",
            encode(&id),
            encode(version)
        )
    };
    let done = match action.as_str() {
        "approva" => {
            st.engine
                .send::<Purpose>(Method::POST, t, &path("approve"), None)
                .await
        }
        "rifiuta" => {
            st.engine
                .send::<Purpose>(
                    Method::POST,
                    t,
                    &path("reject"),
                    Some(&serde_json::json!({ "reason": typed(&form, "reason") })),
                )
                .await
        }
        "data" => {
            st.engine
                .send::<Purpose>(
                    Method::PUT,
                    t,
                    &path("expected-approval-date"),
                    Some(&serde_json::json!({
                        "expected_approval_date": typed(&form, "expected_approval_date").trim()
                    })),
                )
                .await
        }
        _ => return crate::pages::not_found(State(st), headers).await,
    };
    match done {
        Ok(p) => {
            let calls = p
                .versions
                .iter()
                .find(|v| v.id == version)
                .map(|v| v.daily_calls)
                .unwrap_or_default();
            let text = match action.as_str() {
                "approva" => format!(
                    "{}«{}»{}{}{}",
                    l.t("La finalità ", "The purpose "),
                    p.title,
                    l.t(" è attiva con ", " is active with "),
                    calls,
                    l.t(" chiamate al giorno.", " daily calls.")
                ),
                "rifiuta" => format!(
                    "{}«{}»{}",
                    l.t(
                        "Hai rifiutato la nuova stima di carico della finalità ",
                        "You rejected the new load estimate of the purpose "
                    ),
                    p.title,
                    l.t(
                        ": resta in uso la stima precedente, se c'era.",
                        ": the previous estimate, if any, stays in use."
                    )
                ),
                _ => format!(
                    "{}{}{}",
                    l.t(
                        "Data prevista di approvazione impostata al ",
                        "Expected approval date set to "
                    ),
                    day(typed(&form, "expected_approval_date").trim()),
                    l.t(
                        ": il fruitore la vede. La finalità resta in attesa.",
                        ": the consumer sees it. The purpose keeps waiting."
                    )
                ),
            };
            flash(&st, &visit, text);
            redirect(&format!("/erogazione/finalita/{id}"))
        }
        Err(err) => {
            let err = blame(err, &FIELDS);
            purpose_page(&st, &visit, t, &id, Some(&err), &form).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_and_the_current_estimates_are_told_apart() {
        let p: Purpose = serde_json::from_value(serde_json::json!({
            "id": "p", "eservice_id": "e", "consumer_id": "c", "title": "t",
            "versions": [
                {"id": "v1", "state": "ACTIVE", "daily_calls": 10},
                {"id": "v2", "state": "REJECTED", "daily_calls": 500},
                {"id": "v3", "state": "WAITING_FOR_APPROVAL", "daily_calls": 900,
                 "expected_approval_date": "2099-01-31"},
            ],
        }))
        .unwrap();
        assert_eq!(p.waiting().unwrap().id, "v3");
        assert_eq!(p.current().unwrap().daily_calls, 10);
    }
}
