//! "I tuoi e-service": the producer's e-services (`GET /eservices?mine=true`, searched and paged
//! by the engine) with their versions' states, and an e-service's page with its versions and
//! every action their states allow: publish or edit a draft, suspend or reactivate, archive,
//! delete a draft (the version, or the whole e-service while nothing was published), create a
//! new version, clone. Destructive actions are confirmed.

use super::bozza::{draft, ever_published};
use super::{PER_PAGE, ROOT, attribute_names, descriptor_state, subnav};
use crate::engine::{Descriptor, EService, EngineError, Listed, Method, encode};
use crate::session::Lang;
use crate::web::{
    Posted, Producer, Signed, confirm_field, confirmed, csrf_field, engine_error, error_box, flash,
    layout, not_confirmed, page_param, pager, redirect, when,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use std::collections::HashMap;

/// What can be done to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Walk the draft's steps again.
    Edit,
    Publish,
    /// Delete the draft version.
    DeleteDraft,
    Suspend,
    Reactivate,
    Archive,
    /// A new e-service from this version.
    Clone,
}

impl Action {
    /// The path segment of the action's POST.
    pub fn slug(self) -> &'static str {
        match self {
            Action::Edit => "modifica",
            Action::Publish => "pubblica",
            Action::DeleteDraft => "elimina",
            Action::Suspend => "sospendi",
            Action::Reactivate => "riattiva",
            Action::Archive => "archivia",
            Action::Clone => "clona",
        }
    }

    /// Whether it is confirmed first (it stops consumers or cannot be undone).
    pub fn destructive(self) -> bool {
        matches!(
            self,
            Action::DeleteDraft | Action::Suspend | Action::Archive
        )
    }
}

/// The actions a version's state allows, as the user guide lists them.
pub fn actions(state: &str) -> &'static [Action] {
    match state {
        "DRAFT" => &[Action::Edit, Action::Publish, Action::DeleteDraft],
        "PUBLISHED" => &[Action::Suspend, Action::Clone],
        "DEPRECATED" => &[Action::Suspend, Action::Archive, Action::Clone],
        "SUSPENDED" => &[Action::Reactivate],
        _ => &[],
    }
}

/// Whether a new version (draft) may be created: once something was published, and while there
/// is no draft.
pub fn may_create_version(e: &EService) -> bool {
    ever_published(e) && draft(e).is_none()
}

/// What a publication did: the version is now the active one, the previous one deprecated.
pub fn published_sentence(l: Lang, d: &Descriptor, e: Option<&EService>) -> String {
    let mut s = format!(
        "{}{}{}",
        l.t("La versione ", "Version "),
        d.version,
        l.t(
            " è pubblicata: è la versione attiva dell'e-service.",
            " is published: it is the e-service's active version."
        )
    );
    if let Some(prev) = e.and_then(|e| {
        e.descriptors
            .iter()
            .filter(|x| x.state == "DEPRECATED" || x.state == "SUSPENDED")
            .filter(|x| x.version < d.version)
            .max_by_key(|x| x.version)
    }) && prev.state == "DEPRECATED"
    {
        s.push_str(&format!(
            "{}{}{}",
            l.t(" La versione ", " Version "),
            prev.version,
            l.t(" è ora deprecata.", " is now deprecated.")
        ));
    }
    s
}

/// The versions, oldest first.
fn sorted(ds: &[Descriptor]) -> Vec<&Descriptor> {
    let mut v: Vec<&Descriptor> = ds.iter().collect();
    v.sort_by_key(|d| d.version);
    v
}

/// "I tuoi e-service": searched (`q`) and paged (`pagina`) by the engine.
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let q = params.get("q").map(|s| s.trim()).unwrap_or("").to_owned();
    let page = page_param(&params);
    let path = format!(
        "/eservices?mine=true&q={}&offset={}&limit={PER_PAGE}",
        encode(&q),
        (page - 1) * PER_PAGE
    );
    let found: Listed<EService> = match st.engine.page(&user.token, &path).await {
        Ok(p) => p,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let href = |p: u64| format!("/erogazione/e-service?q={}&pagina={p}", encode(&q));
    let body = html! {
        (subnav(l, "/erogazione/e-service"))
        h1 { (l.t("I tuoi e-service", "Your e-services")) }
        p { a class="button" href="/erogazione/e-service/nuovo" { (l.t("+ Aggiungi", "+ Add")) } }
        form method="get" action="/erogazione/e-service" class="search" role="search" {
            label for="q" { (l.t("Cerca tra i tuoi e-service", "Search your e-services")) }
            input id="q" name="q" type="search" value=(q);
            button type="submit" { (l.t("Cerca", "Search")) }
        }
        @if found.items.is_empty() {
            p { (l.t("Nessun e-service.", "No e-service.")) }
        } @else {
            p class="count" { (found.total) (l.t(" e-service in tutto.", " e-services in all.")) }
            ul class="cards" {
                @for e in &found.items {
                    li class="card" {
                        h2 { a href={ "/erogazione/e-service/" (e.id) } { (e.name) } }
                        p class="meta" { (e.technology) " · " (e.description) }
                        p class="versions" {
                            (l.t("Versioni: ", "Versions: "))
                            @let ds = sorted(&e.descriptors);
                            @for (i, d) in ds.iter().enumerate() {
                                @if i > 0 { ", " }
                                (d.version) " " span class={ "state state-" (d.state.to_lowercase()) } { (descriptor_state(&d.state, l)) }
                            }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine degli e-service", "E-service pages"), page, found.total, PER_PAGE, href))
    };
    visit.finish(
        &st,
        layout(
            l.t("I tuoi e-service", "Your e-services"),
            &visit,
            ROOT,
            body,
        ),
    )
}

/// An e-service's page.
pub async fn page(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    eservice_page(&st, &visit, &user.token, &id, None).await
}

async fn eservice_page(
    st: &AppState,
    visit: &Visit,
    token: &str,
    id: &str,
    error: Option<&EngineError>,
) -> Response {
    let l = visit.session.lang;
    let (e, names) = tokio::join!(st.engine.eservice(token, id), attribute_names(st, token));
    let e = match e {
        Ok(e) => e,
        Err(err) => return engine_error(visit, st, error.unwrap_or(&err)),
    };
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let mut versions: Vec<&Descriptor> = e.descriptors.iter().collect();
    versions.sort_by_key(|d| std::cmp::Reverse(d.version));
    let base = format!("/erogazione/e-service/{}", e.id);
    let body = html! {
        (subnav(l, "/erogazione/e-service"))
        p class="crumbs" { a href="/erogazione/e-service" { (l.t("I tuoi e-service", "Your e-services")) } }
        h1 { (e.name) }
        @if let Some(err) = error { (error_box(err, l)) }
        dl {
            dt { (l.t("Descrizione", "Description")) } dd { (e.description) }
            dt { (l.t("Tecnologia", "Technology")) } dd { (e.technology) }
            dt { (l.t("Modalità", "Mode")) } dd { (if e.mode == "RECEIVE" { l.t("Riceve", "Receive") } else { l.t("Eroga", "Deliver") }) }
            dt { (l.t("Attributi richiesti", "Attributes required")) }
            dd {
                @if e.attributes.is_empty() { (l.t("Nessuno", "None")) }
                @else {
                    ul {
                        @for kind in super::bozza::Kind::ALL {
                            @for (g, group) in kind.groups(&e.attributes).iter().enumerate() {
                                li {
                                    (l.t("Gruppo ", "Group ")) (g + 1) " (" (kind.plural(l)) "): "
                                    @for (i, r) in group.iter().enumerate() {
                                        @if i > 0 { (l.t(" oppure ", " or ")) }
                                        (name(&r.id))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !ever_published(&e) {
            p { a href={ (base) "/passo-1" } { (l.t("Modifica le informazioni generali e gli attributi", "Edit the general information and the attributes")) } }
        }
        h2 { (l.t("Versioni", "Versions")) }
        @if may_create_version(&e) {
            form method="post" action={ (base) "/versioni" } class="actions" {
                (csrf_field(visit))
                button type="submit" { (l.t("Crea bozza nuova versione", "Create a new version draft")) }
            }
        }
        @for d in &versions {
            section class="version card" aria-labelledby={ "v-" (d.version) } {
                h3 id={ "v-" (d.version) } {
                    (l.t("Versione ", "Version ")) (d.version) " — "
                    span class={ "state state-" (d.state.to_lowercase()) } { (descriptor_state(&d.state, l)) }
                }
                @if let Some(p) = &d.published_at { p class="meta" { (l.t("Pubblicata il ", "Published on ")) (when(p)) } }
                p class="meta" {
                    (l.t("Chiamate al giorno: ", "Daily calls: "))
                    (crate::web::number(d.daily_calls_per_consumer)) (l.t(" per fruitore, ", " per consumer, "))
                    (crate::web::number(d.daily_calls_total)) (l.t(" in totale", " in total"))
                }
                div class="actions" {
                    @for a in actions(&d.state) {
                        (action_form(visit, &e, d, *a))
                    }
                }
            }
        }
        @if !ever_published(&e) {
            h2 { (l.t("Elimina la bozza dell'e-service", "Delete the e-service draft")) }
            form method="post" action={ (base) "/elimina" } class="danger" {
                (csrf_field(visit))
                (confirm_field(visit, l.t("elimina l'intero e-service in bozza, con tutte le sue versioni", "delete the whole draft e-service, with all its versions")))
                button type="submit" { (l.t("Elimina l'e-service", "Delete the e-service")) }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(&e.name, visit, ROOT, body)))
}

/// The form (or link) of one action on version `d`.
fn action_form(visit: &Visit, e: &EService, d: &Descriptor, a: Action) -> Markup {
    let l = visit.session.lang;
    let base = format!("/erogazione/e-service/{}", e.id);
    let v = d.version;
    match a {
        Action::Edit => html! {
            a href={ (base) "/passo-" (if ever_published(e) { 3 } else { 1 }) } { (l.t("Modifica la bozza", "Edit the draft")) }
        },
        Action::Clone => html! {
            form method="post" action={ (base) "/clona" } {
                (csrf_field(visit))
                input type="hidden" name="versione" value=(d.id);
                button type="submit" { (l.t("Clona la versione ", "Clone version ")) (v) }
            }
        },
        _ => {
            let (label, what) = match a {
                Action::Publish => (l.t("Pubblica la versione ", "Publish version "), ""),
                Action::DeleteDraft => (
                    l.t(
                        "Elimina la bozza della versione ",
                        "Delete the draft of version ",
                    ),
                    l.t(
                        "elimina la bozza di questa versione",
                        "delete this version's draft",
                    ),
                ),
                Action::Suspend => (
                    l.t("Sospendi la versione ", "Suspend version "),
                    l.t(
                        "sospendi: i fruitori non potranno usarla finché non la riattivi",
                        "suspend: consumers cannot use it until you reactivate it",
                    ),
                ),
                Action::Reactivate => (l.t("Riattiva la versione ", "Reactivate version "), ""),
                _ => (
                    l.t("Archivia la versione ", "Archive version "),
                    l.t(
                        "archivia questa versione (irreversibile)",
                        "archive this version (irreversible)",
                    ),
                ),
            };
            html! {
                form method="post" action={ (base) "/versioni/" (d.id) "/" (a.slug()) } {
                    (csrf_field(visit))
                    @if a.destructive() { (confirm_field(visit, what)) }
                    button type="submit" { (label) (v) }
                }
            }
        }
    }
}

fn engine_path(id: &str, did: &str, what: &str) -> String {
    format!(
        "/eservices/{}/descriptors/{}{what}",
        encode(id),
        encode(did)
    )
}

/// A version's action: publish, suspend, reactivate, archive, delete the draft.
pub async fn act(
    State(st): St,
    headers: HeaderMap,
    Path((id, did, action)): Path<(String, String, String)>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let Some(a) = [
        Action::Publish,
        Action::DeleteDraft,
        Action::Suspend,
        Action::Reactivate,
        Action::Archive,
    ]
    .into_iter()
    .find(|a| a.slug() == action) else {
        return crate::pages::not_found(State(st), headers).await;
    };
    if a.destructive() && !confirmed(&form) {
        return eservice_page(&st, &visit, &user.token, &id, Some(&not_confirmed())).await;
    }
    let t = &user.token;
    let done: Result<Option<Descriptor>, EngineError> = match a {
        Action::DeleteDraft => st
            .engine
            .send::<serde_json::Value>(Method::DELETE, t, &engine_path(&id, &did, ""), None)
            .await
            .map(|_| None),
        _ => {
            let what = match a {
                Action::Publish => "/publish",
                Action::Suspend => "/suspend",
                Action::Reactivate => "/activate",
                _ => "/archive",
            };
            st.engine
                .send::<Descriptor>(Method::POST, t, &engine_path(&id, &did, what), None)
                .await
                .map(Some)
        }
    };
    match done {
        Ok(d) => {
            let text = match (a, &d) {
                (Action::Publish, Some(d)) => {
                    let e = st.engine.eservice(t, &id).await.ok();
                    published_sentence(l, d, e.as_ref())
                }
                (Action::Suspend, Some(d)) => format!(
                    "{}{}{}",
                    l.t("La versione ", "Version "),
                    d.version,
                    l.t(
                        " è sospesa: i fruitori non possono usarla finché non la riattivi.",
                        " is suspended: consumers cannot use it until you reactivate it."
                    )
                ),
                (Action::Reactivate, Some(d)) => format!(
                    "{}{}{}{}.",
                    l.t("La versione ", "Version "),
                    d.version,
                    l.t(" è riattivata: ora è ", " is reactivated: it is now "),
                    descriptor_state(&d.state, l).to_lowercase()
                ),
                (Action::Archive, Some(d)) => format!(
                    "{}{}{}",
                    l.t("La versione ", "Version "),
                    d.version,
                    l.t(" è archiviata.", " is archived.")
                ),
                _ => l
                    .t(
                        "La bozza della versione è stata eliminata.",
                        "The version's draft was deleted.",
                    )
                    .to_owned(),
            };
            flash(&st, &visit, text);
            redirect(&format!("/erogazione/e-service/{id}"))
        }
        Err(err) => eservice_page(&st, &visit, t, &id, Some(&err)).await,
    }
}

/// "Crea bozza nuova versione": `POST /eservices/{id}/descriptors` without a body (the draft
/// copies the latest version's fields), then its step 3.
pub async fn new_version(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, _form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    match st
        .engine
        .send::<Descriptor>(
            Method::POST,
            &user.token,
            &format!("/eservices/{}/descriptors", encode(&id)),
            None,
        )
        .await
    {
        Ok(d) => {
            flash(
                &st,
                &visit,
                format!(
                    "{}{}{}",
                    l.t(
                        "Creata la bozza della versione ",
                        "Created the draft of version "
                    ),
                    d.version,
                    l.t(
                        ", copia dell'ultima: modificala e pubblicala.",
                        ", a copy of the latest: edit and publish it."
                    )
                ),
            );
            redirect(&format!("/erogazione/e-service/{id}/passo-3"))
        }
        Err(err) => eservice_page(&st, &visit, &user.token, &id, Some(&err)).await,
    }
}

/// "Clona": a published or deprecated version becomes version 1 (draft) of a new e-service.
pub async fn clone(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let body = serde_json::json!({
        "descriptor_id": form.get("versione").cloned().unwrap_or_default(),
    });
    match st
        .engine
        .send::<EService>(
            Method::POST,
            &user.token,
            &format!("/eservices/{}/clone", encode(&id)),
            Some(&body),
        )
        .await
    {
        Ok(e) => {
            flash(
                &st,
                &visit,
                format!(
                    "{}«{}»{}",
                    l.t("Creato l'e-service ", "Created the e-service "),
                    e.name,
                    l.t(
                        ", con la versione 1 in bozza: modificalo e pubblicalo.",
                        ", with version 1 as a draft: edit and publish it."
                    )
                ),
            );
            redirect(&format!("/erogazione/e-service/{}", e.id))
        }
        Err(err) => eservice_page(&st, &visit, &user.token, &id, Some(&err)).await,
    }
}

/// "Elimina l'e-service": allowed by the engine while no version was ever published.
pub async fn delete(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    if !confirmed(&form) {
        return eservice_page(&st, &visit, &user.token, &id, Some(&not_confirmed())).await;
    }
    let name = st
        .engine
        .eservice(&user.token, &id)
        .await
        .map(|e| e.name)
        .unwrap_or_default();
    match st
        .engine
        .send::<serde_json::Value>(
            Method::DELETE,
            &user.token,
            &format!("/eservices/{}", encode(&id)),
            None,
        )
        .await
    {
        Ok(_) => {
            flash(
                &st,
                &visit,
                format!(
                    "{}«{}»{}",
                    l.t("L'e-service ", "The e-service "),
                    name,
                    l.t(" è stato eliminato.", " was deleted.")
                ),
            );
            redirect("/erogazione/e-service")
        }
        Err(err) => eservice_page(&st, &visit, &user.token, &id, Some(&err)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_allows_the_actions_the_guide_lists() {
        assert_eq!(
            actions("DRAFT"),
            [Action::Edit, Action::Publish, Action::DeleteDraft]
        );
        assert_eq!(actions("PUBLISHED"), [Action::Suspend, Action::Clone]);
        assert_eq!(
            actions("DEPRECATED"),
            [Action::Suspend, Action::Archive, Action::Clone]
        );
        assert_eq!(actions("SUSPENDED"), [Action::Reactivate]);
        assert!(actions("ARCHIVED").is_empty());
        assert!(Action::Suspend.destructive() && !Action::Publish.destructive());
    }

    fn eservice(states: &[&str]) -> EService {
        let descriptors: Vec<serde_json::Value> = states
            .iter()
            .enumerate()
            .map(|(i, s)| serde_json::json!({"id": format!("d{i}"), "version": i + 1, "state": s}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": "e", "producer_id": "p", "name": "n", "description": "d",
            "technology": "REST", "mode": "DELIVER", "descriptors": descriptors,
        }))
        .unwrap()
    }

    #[test]
    fn a_new_version_needs_a_publication_and_no_draft() {
        assert!(!may_create_version(&eservice(&["DRAFT"])));
        assert!(may_create_version(&eservice(&["PUBLISHED"])));
        assert!(!may_create_version(&eservice(&["PUBLISHED", "DRAFT"])));
        assert!(may_create_version(&eservice(&["DEPRECATED", "SUSPENDED"])));
    }

    #[test]
    fn a_publication_says_which_version_was_deprecated() {
        let e = eservice(&["DEPRECATED", "PUBLISHED"]);
        let s = published_sentence(Lang::It, &e.descriptors[1], Some(&e));
        assert_eq!(
            s,
            "La versione 2 è pubblicata: è la versione attiva dell'e-service. La versione 1 è ora deprecata."
        );
        let first = eservice(&["PUBLISHED"]);
        assert!(
            !published_sentence(Lang::En, &first.descriptors[0], Some(&first))
                .contains("deprecated")
        );
    }
}
