//! "Richieste di fruizione" received by the producer: the list (`GET
//! /agreements?side=producer&state=&offset=&limit=`, filtered by state and paged by the engine,
//! 20 a page; the consumer and the e-service of each row named with one engine call per distinct
//! one on the page, concurrently) and a request's page: the consumer, the e-service and its
//! version, the state, and the consumer's attributes against the e-service's groups (which group
//! is satisfied, what is missing). From there the producer verifies a consumer's verified
//! attribute (or revokes its own verification), approves, rejects with a reason, suspends or
//! reactivates; after each action the flash message says what happened and the new state.

use super::bozza::{Kind, typed};
use super::{PER_PAGE, ROOT, TenantView, agreement_state, attribute_names, each, subnav, tenant};
use crate::engine::{Attributes, EService, EngineError, Listed, Method, RequiredAttribute, encode};
use crate::session::Lang;
use crate::web::{
    Field, Input, Posted, Producer, Signed, confirm_field, confirmed, csrf_field, engine_error,
    error_box, flash, has_role, layout, not_confirmed, page_param, pager, redirect, when,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// A request (agreement), the fields the pages show.
#[derive(Debug, Clone, Deserialize)]
pub struct Agreement {
    pub id: String,
    pub eservice_id: String,
    pub descriptor_id: String,
    pub producer_id: String,
    pub consumer_id: String,
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
    #[serde(default)]
    pub updated_at: String,
}

/// The states the list filters by (the engine's names).
pub const STATES: [&str; 6] = [
    "PENDING",
    "ACTIVE",
    "SUSPENDED",
    "REJECTED",
    "ARCHIVED",
    "MISSING_CERTIFIED_ATTRIBUTES",
];

/// What the producer can do to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Reject,
    Suspend,
    Reactivate,
}

impl Action {
    pub fn slug(self) -> &'static str {
        match self {
            Action::Approve => "approva",
            Action::Reject => "rifiuta",
            Action::Suspend => "sospendi",
            Action::Reactivate => "riattiva",
        }
    }
}

/// The actions a request's state allows the producer: a pending one is approved or rejected; an
/// active one suspended; a suspended one reactivated when the producer suspended it (else the
/// producer may suspend it too: each side's suspension is its own).
pub fn actions(a: &Agreement) -> Vec<Action> {
    match a.state.as_str() {
        "PENDING" => vec![Action::Approve, Action::Reject],
        "ACTIVE" => vec![Action::Suspend],
        "SUSPENDED" if a.suspended_by_producer => vec![Action::Reactivate],
        "SUSPENDED" => vec![Action::Suspend],
        _ => Vec::new(),
    }
}

/// Whether `consumer` holds required attribute `r` of `kind`, for `producer` (a verified
/// attribute counts when `producer` verified it or, without explicit verification, anyone did).
pub fn holds(kind: Kind, r: &RequiredAttribute, consumer: &TenantView, producer: &str) -> bool {
    match kind {
        Kind::Certified => consumer.certified.contains(&r.id),
        Kind::Declared => consumer.declared.contains(&r.id),
        Kind::Verified => consumer.verified.iter().any(|v| {
            v.id == r.id
                && if r.explicit_verification {
                    v.verified_by.iter().any(|p| p == producer)
                } else {
                    !v.verified_by.is_empty()
                }
        }),
    }
}

/// Whether `producer` itself verified `attribute` for `consumer`.
pub fn verified_by(consumer: &TenantView, attribute: &str, producer: &str) -> bool {
    consumer
        .verified
        .iter()
        .any(|v| v.id == attribute && v.verified_by.iter().any(|p| p == producer))
}

/// The verified attributes of the groups `consumer` does not satisfy yet.
pub fn missing_verified(a: &Attributes, consumer: &TenantView, producer: &str) -> Vec<String> {
    a.verified
        .iter()
        .filter(|g| {
            !g.iter()
                .any(|r| holds(Kind::Verified, r, consumer, producer))
        })
        .flat_map(|g| g.iter().map(|r| r.id.clone()))
        .collect()
}

/// What the request's state means, as the flash message says it after an action.
pub fn state_sentence(
    l: Lang,
    a: &Agreement,
    missing: &[String],
    names: &HashMap<String, String>,
) -> String {
    let name = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
    match a.state.as_str() {
        "ACTIVE" => l
            .t(
                "La richiesta è attiva: il fruitore può creare le sue finalità.",
                "The request is active: the consumer can create its purposes.",
            )
            .to_owned(),
        "PENDING" if !missing.is_empty() => format!(
            "{}{}.",
            l.t(
                "La richiesta è in attesa: manca l'attributo verificato ",
                "The request is pending: missing the verified attribute "
            ),
            missing
                .iter()
                .map(|m| format!("«{}»", name(m)))
                .collect::<Vec<_>>()
                .join(l.t(" oppure ", " or "))
        ),
        "PENDING" => l
            .t(
                "La richiesta è in attesa: gli attributi sono soddisfatti, puoi approvarla.",
                "The request is pending: its attributes are satisfied, you can approve it.",
            )
            .to_owned(),
        "SUSPENDED" => {
            let mut by = Vec::new();
            if a.suspended_by_producer {
                by.push(l.t("da te", "by you"));
            }
            if a.suspended_by_consumer {
                by.push(l.t("dal fruitore", "by the consumer"));
            }
            if a.suspended_by_platform {
                by.push(l.t("dalla piattaforma", "by the platform"));
            }
            format!(
                "{}{}.",
                l.t("La richiesta è sospesa ", "The request is suspended "),
                by.join(l.t(" e ", " and "))
            )
        }
        "REJECTED" => l
            .t(
                "La richiesta è rifiutata: il fruitore legge il motivo e può presentarne una nuova.",
                "The request is rejected: the consumer reads the reason and may submit a new one.",
            )
            .to_owned(),
        other => format!(
            "{}{}.",
            l.t("La richiesta è ora: ", "The request is now: "),
            agreement_state(other, l).to_lowercase()
        ),
    }
}

/// The list of requests received, filtered by `stato`, 20 a page.
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let state = params
        .get("stato")
        .map(String::as_str)
        .filter(|s| STATES.contains(s))
        .unwrap_or("");
    let page = page_param(&params);
    let path = format!(
        "/agreements?side=producer&state={state}&offset={}&limit={PER_PAGE}",
        (page - 1) * PER_PAGE
    );
    let path = if state.is_empty() {
        path.replace("&state=", "")
    } else {
        path
    };
    let found: Listed<Agreement> = match st.engine.page(&user.token, &path).await {
        Ok(p) => p,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let (engine, token) = (st.engine.clone(), user.token.clone());
    let (consumers, eservices) = tokio::join!(
        each(found.items.iter().map(|a| a.consumer_id.clone()), |id| {
            tenant(engine.clone(), token.clone(), id)
        }),
        each(found.items.iter().map(|a| a.eservice_id.clone()), |id| {
            let (engine, token) = (engine.clone(), token.clone());
            async move { engine.eservice(&token, &id).await }
        }),
    );
    let href = |p: u64| format!("/erogazione/richieste?stato={state}&pagina={p}");
    let title = l.t("Richieste di fruizione", "Subscription requests");
    let body = html! {
        (subnav(l, "/erogazione/richieste"))
        h1 { (title) }
        form method="get" action="/erogazione/richieste" class="search" {
            label for="stato" { (l.t("Stato", "State")) }
            select id="stato" name="stato" {
                option value="" selected[state.is_empty()] { (l.t("Tutti", "All")) }
                @for s in STATES {
                    option value=(s) selected[s == state] { (agreement_state(s, l)) }
                }
            }
            button type="submit" { (l.t("Filtra", "Filter")) }
        }
        @if found.items.is_empty() {
            p { (l.t("Nessuna richiesta di fruizione.", "No subscription request.")) }
        } @else {
            table class="list" {
                caption {
                    (l.t("Richieste ricevute", "Requests received"))
                    @if !state.is_empty() { " — " (agreement_state(state, l)) }
                    " (" (found.total) ")"
                }
                thead {
                    tr {
                        th scope="col" { (l.t("Fruitore", "Consumer")) }
                        th scope="col" { "E-service" }
                        th scope="col" { (l.t("Stato", "State")) }
                        th scope="col" { (l.t("Aggiornata", "Updated")) }
                    }
                }
                tbody {
                    @for a in &found.items {
                        tr {
                            td {
                                a href={ "/erogazione/richieste/" (a.id) } {
                                    (consumers.get(&a.consumer_id).map_or(a.consumer_id.as_str(), |t| t.name.as_str()))
                                }
                            }
                            td {
                                @match eservices.get(&a.eservice_id) {
                                    Some(e) => {
                                        (e.name)
                                        @if let Some(d) = e.descriptors.iter().find(|d| d.id == a.descriptor_id) {
                                            (l.t(", versione ", ", version ")) (d.version)
                                        }
                                    }
                                    None => code { (a.eservice_id) },
                                }
                            }
                            td { (agreement_state(&a.state, l)) }
                            td { (when(&a.updated_at)) }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine delle richieste", "Request pages"), page, found.total, PER_PAGE, href))
    };
    visit.finish(&st, layout(title, &visit, ROOT, body))
}

/// A request's page.
pub async fn page(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    request_page(&st, &visit, &user, &id, None, None).await
}

/// What a request's page shows: the request, its consumer (with attributes), its e-service and
/// the attribute names.
struct Seen {
    agreement: Agreement,
    consumer: TenantView,
    eservice: EService,
    names: HashMap<String, String>,
}

async fn seen(st: &AppState, token: &str, id: &str) -> Result<Seen, EngineError> {
    let agreement: Agreement = st
        .engine
        .get(token, &format!("/agreements/{}", encode(id)))
        .await?;
    let (consumer, eservice, names) = tokio::join!(
        tenant(
            st.engine.clone(),
            token.to_owned(),
            agreement.consumer_id.clone()
        ),
        st.engine.eservice(token, &agreement.eservice_id),
        attribute_names(st, token),
    );
    Ok(Seen {
        agreement,
        consumer: consumer?,
        eservice: eservice?,
        names,
    })
}

async fn request_page(
    st: &AppState,
    visit: &Visit,
    user: &crate::session::User,
    id: &str,
    error: Option<&EngineError>,
    typed_reason: Option<&str>,
) -> Response {
    let admin = has_role(user, &["admin"]);
    let l = visit.session.lang;
    let s = match seen(st, &user.token, id).await {
        Ok(s) => s,
        Err(err) => return engine_error(visit, st, error.unwrap_or(&err)),
    };
    let producer = user.tenant_id.clone().unwrap_or_default();
    let a = &s.agreement;
    let name = |id: &str| s.names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let version = s
        .eservice
        .descriptors
        .iter()
        .find(|d| d.id == a.descriptor_id)
        .map(|d| d.version);
    let base = format!("/erogazione/richieste/{}", a.id);
    let live = !matches!(a.state.as_str(), "ARCHIVED" | "REJECTED");
    let title = format!(
        "{}{}",
        l.t("Richiesta di fruizione di ", "Subscription request from "),
        s.consumer.name
    );
    let body = html! {
        (subnav(l, "/erogazione/richieste"))
        p class="crumbs" { a href="/erogazione/richieste" { (l.t("Richieste di fruizione", "Subscription requests")) } }
        h1 { (title) }
        @if let Some(err) = error { (error_box(err, l)) }
        dl {
            dt { (l.t("Fruitore", "Consumer")) } dd { (s.consumer.name) }
            dt { "E-service" }
            dd {
                a href={ "/erogazione/e-service/" (s.eservice.id) } { (s.eservice.name) }
                @if let Some(v) = version { (l.t(", versione ", ", version ")) (v) }
            }
            dt { (l.t("Stato", "State")) } dd class="request-state" { (agreement_state(&a.state, l)) }
            @if a.suspended_by_producer || a.suspended_by_consumer || a.suspended_by_platform {
                dt { (l.t("Sospesa da", "Suspended by")) }
                dd {
                    @if a.suspended_by_producer { (l.t("te (erogatore) ", "you (producer) ")) }
                    @if a.suspended_by_consumer { (l.t("fruitore ", "consumer ")) }
                    @if a.suspended_by_platform { (l.t("piattaforma", "platform")) }
                }
            }
            @if let Some(n) = &a.consumer_notes { dt { (l.t("Note del fruitore", "Consumer's notes")) } dd { (n) } }
            @if let Some(r) = &a.rejection_reason { dt { (l.t("Motivo del rifiuto", "Rejection reason")) } dd { (r) } }
            dt { (l.t("Aggiornata", "Updated")) } dd { (when(&a.updated_at)) }
        }
        h2 { (l.t("Attributi del fruitore", "The consumer's attributes")) }
        @if s.eservice.attributes.is_empty() {
            p { (l.t("L'e-service non richiede attributi.", "The e-service requires no attribute.")) }
        }
        @for kind in Kind::ALL {
            @let groups = kind.groups(&s.eservice.attributes);
            @if !groups.is_empty() {
                h3 { (l.t("Attributi ", "Attributes: ")) (kind.plural(l)) }
                ul class="groups" {
                    @for (g, group) in groups.iter().enumerate() {
                        @let ok = group.iter().any(|r| holds(kind, r, &s.consumer, &producer));
                        li {
                            p {
                                strong { (l.t("Gruppo ", "Group ")) (g + 1) ": " }
                                @if ok {
                                    span class="ok" { (l.t("soddisfatto", "satisfied")) }
                                } @else {
                                    span class="missing" { (l.t("non soddisfatto", "not satisfied")) }
                                }
                            }
                            ul {
                                @for r in group {
                                    li {
                                        (name(&r.id)) " — "
                                        @if holds(kind, r, &s.consumer, &producer) {
                                            (l.t("posseduto", "held"))
                                        } @else {
                                            (l.t("mancante", "missing"))
                                        }
                                        @if kind == Kind::Verified {
                                            @if r.explicit_verification { " (" (l.t("verifica esplicita", "explicit verification")) ")" }
                                            @if live && admin {
                                                (verify_form(visit, &base, &r.id, &name(&r.id), verified_by(&s.consumer, &r.id, &producer)))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @let acts = if admin { actions(a) } else { Vec::new() };
        @if !admin && !actions(a).is_empty() {
            p class="notice" {
                (l.t("Solo un amministratore dell'ente può approvare, rifiutare, sospendere o riattivare una richiesta e verificare gli attributi.",
                     "Only an administrator of the organization can approve, reject, suspend or reactivate a request and verify attributes."))
            }
        }
        @if !acts.is_empty() {
            h2 { (l.t("Azioni", "Actions")) }
            div class="actions" {
                @for act in &acts {
                    @match act {
                        Action::Reject => {}
                        Action::Suspend => {
                            form method="post" action={ (base) "/" (act.slug()) } {
                                (csrf_field(visit))
                                (confirm_field(visit, l.t("sospendi la richiesta: il fruitore non potrà usare l'e-service", "suspend the request: the consumer cannot use the e-service")))
                                button type="submit" { (l.t("Sospendi la richiesta", "Suspend the request")) }
                            }
                        }
                        _ => {
                            form method="post" action={ (base) "/" (act.slug()) } {
                                (csrf_field(visit))
                                button type="submit" {
                                    (match act {
                                        Action::Approve => l.t("Approva la richiesta", "Approve the request"),
                                        _ => l.t("Riattiva la richiesta", "Reactivate the request"),
                                    })
                                }
                            }
                        }
                    }
                }
            }
            @if acts.contains(&Action::Reject) {
                form method="post" action={ (base) "/rifiuta" } class="reject" novalidate {
                    (csrf_field(visit))
                    (Field::new("reason", l.t("Motivo del rifiuto", "Rejection reason"), Input::Area, typed_reason.unwrap_or(""))
                        .required()
                        .hint(l.t("Da 10 a 1000 caratteri: il fruitore lo legge.", "10 to 1000 characters: the consumer reads it."))
                        .render(error, "reason", l))
                    button type="submit" { (l.t("Rifiuta la richiesta", "Reject the request")) }
                }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(&title, visit, ROOT, body)))
}

/// Verify a verified attribute, or revoke the producer's own verification (confirmed).
fn verify_form(visit: &Visit, base: &str, attribute: &str, name: &str, mine: bool) -> Markup {
    let l = visit.session.lang;
    html! {
        form method="post" action={ (base) (if mine { "/revoca" } else { "/verifica" }) } class="verify" {
            (csrf_field(visit))
            input type="hidden" name="attribute" value=(attribute);
            @if mine {
                (confirm_field(visit, l.t("revoca la mia verifica", "revoke my verification")))
                button type="submit" { (l.t("Revoca la tua verifica di «", "Revoke your verification of «")) (name) "»" }
            } @else {
                button type="submit" { (l.t("Verifica «", "Verify «")) (name) "»" }
            }
        }
    }
}

/// An action on a request: approve, reject (with a reason), suspend, reactivate, verify or
/// revoke a verified attribute.
pub async fn act(
    State(st): St,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let t = &user.token;
    let reason = typed(&form, "reason");
    let attribute = typed(&form, "attribute").to_owned();
    let needs_confirmation = matches!(action.as_str(), "sospendi" | "revoca");
    if needs_confirmation && !confirmed(&form) {
        return request_page(&st, &visit, &user, &id, Some(&not_confirmed()), None).await;
    }
    let agreement_path = |what: &str| format!("/agreements/{}/{what}", encode(&id));
    // The consumer, for a verification.
    let consumer = || async {
        st.engine
            .get::<Agreement>(t, &format!("/agreements/{}", encode(&id)))
            .await
            .map(|a| a.consumer_id)
    };
    let done: Result<(), EngineError> = match action.as_str() {
        "approva" | "sospendi" | "riattiva" => {
            let what = match action.as_str() {
                "approva" => "approve",
                "sospendi" => "suspend",
                _ => "activate",
            };
            st.engine
                .send::<serde_json::Value>(Method::POST, t, &agreement_path(what), None)
                .await
                .map(drop)
        }
        "rifiuta" => st
            .engine
            .send::<serde_json::Value>(
                Method::POST,
                t,
                &agreement_path("reject"),
                Some(&serde_json::json!({ "reason": reason })),
            )
            .await
            .map(drop),
        "verifica" => match consumer().await {
            Ok(c) => st
                .engine
                .send::<serde_json::Value>(
                    Method::POST,
                    t,
                    &format!("/tenants/{}/attributes/verified", encode(&c)),
                    Some(&serde_json::json!({ "id": attribute })),
                )
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        "revoca" => match consumer().await {
            Ok(c) => st
                .engine
                .send::<serde_json::Value>(
                    Method::DELETE,
                    t,
                    &format!(
                        "/tenants/{}/attributes/verified/{}",
                        encode(&c),
                        encode(&attribute)
                    ),
                    None,
                )
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        _ => return crate::pages::not_found(State(st), headers).await,
    };
    if let Err(err) = done {
        return request_page(&st, &visit, &user, &id, Some(&err), Some(reason)).await;
    }
    // What happened, and the state it left.
    let text = match seen(&st, t, &id).await {
        Ok(s) => {
            let producer = user.tenant_id.clone().unwrap_or_default();
            let missing = missing_verified(&s.eservice.attributes, &s.consumer, &producer);
            let name = s
                .names
                .get(&attribute)
                .cloned()
                .unwrap_or(attribute.clone());
            let what = match action.as_str() {
                "verifica" => format!(
                    "{}«{}»{}{}. ",
                    l.t("Hai verificato ", "You verified "),
                    name,
                    l.t(" per ", " for "),
                    s.consumer.name
                ),
                "revoca" => format!(
                    "{}«{}»{}{}. ",
                    l.t(
                        "Hai revocato la tua verifica di ",
                        "You revoked your verification of "
                    ),
                    name,
                    l.t(" per ", " for "),
                    s.consumer.name
                ),
                "approva" => l
                    .t("Richiesta approvata. ", "Request approved. ")
                    .to_owned(),
                "rifiuta" => String::new(),
                "sospendi" => l.t("Richiesta sospesa. ", "Request suspended. ").to_owned(),
                _ => l
                    .t("Richiesta riattivata. ", "Request reactivated. ")
                    .to_owned(),
            };
            format!(
                "{what}{}",
                state_sentence(l, &s.agreement, &missing, &s.names)
            )
        }
        Err(_) => l.t("Fatto.", "Done.").to_owned(),
    };
    flash(&st, &visit, text);
    redirect(&format!("/erogazione/richieste/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::VerifiedAttribute;

    fn agreement(state: &str, by_producer: bool) -> Agreement {
        serde_json::from_value(serde_json::json!({
            "id": "a", "eservice_id": "e", "descriptor_id": "d", "producer_id": "p",
            "consumer_id": "c", "state": state, "suspended_by_producer": by_producer,
            "suspended_by_consumer": !by_producer,
        }))
        .unwrap()
    }

    fn req(id: &str, explicit: bool) -> RequiredAttribute {
        RequiredAttribute {
            id: id.into(),
            explicit_verification: explicit,
        }
    }

    #[test]
    fn each_state_allows_the_producers_actions() {
        assert_eq!(
            actions(&agreement("PENDING", false)),
            [Action::Approve, Action::Reject]
        );
        assert_eq!(actions(&agreement("ACTIVE", false)), [Action::Suspend]);
        assert_eq!(actions(&agreement("SUSPENDED", true)), [Action::Reactivate]);
        // Suspended by the consumer only: the producer may suspend it too.
        assert_eq!(actions(&agreement("SUSPENDED", false)), [Action::Suspend]);
        assert!(actions(&agreement("REJECTED", false)).is_empty());
    }

    #[test]
    fn groups_are_satisfied_by_any_one_attribute_and_verifications_count_by_whom() {
        let consumer = TenantView {
            id: "c".into(),
            name: "Comune".into(),
            certified: vec!["c1".into()],
            declared: vec![],
            verified: vec![VerifiedAttribute {
                id: "v1".into(),
                verified_by: vec!["other".into()],
            }],
        };
        assert!(holds(Kind::Certified, &req("c1", false), &consumer, "me"));
        assert!(!holds(Kind::Declared, &req("c1", false), &consumer, "me"));
        // Another producer's verification counts unless the producer verifies explicitly.
        assert!(holds(Kind::Verified, &req("v1", false), &consumer, "me"));
        assert!(!holds(Kind::Verified, &req("v1", true), &consumer, "me"));
        assert!(holds(Kind::Verified, &req("v1", true), &consumer, "other"));
        let a = Attributes {
            verified: vec![
                vec![req("v1", true), req("v2", true)],
                vec![req("v1", false)],
            ],
            ..Attributes::default()
        };
        assert_eq!(missing_verified(&a, &consumer, "me"), ["v1", "v2"]);
        assert!(missing_verified(&a, &consumer, "other").is_empty());
        assert!(verified_by(&consumer, "v1", "other") && !verified_by(&consumer, "v1", "me"));
    }

    #[test]
    fn the_flash_says_the_new_state_and_what_is_missing() {
        let names = HashMap::from([("v1".to_owned(), "Misure minime".to_owned())]);
        assert_eq!(
            state_sentence(
                Lang::It,
                &agreement("PENDING", false),
                &["v1".into()],
                &names
            ),
            "La richiesta è in attesa: manca l'attributo verificato «Misure minime»."
        );
        assert!(
            state_sentence(Lang::It, &agreement("ACTIVE", false), &[], &names)
                .starts_with("La richiesta è attiva")
        );
        assert_eq!(
            state_sentence(Lang::En, &agreement("SUSPENDED", true), &[], &names),
            "The request is suspended by you."
        );
    }
}
