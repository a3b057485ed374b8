//! "Anagrafica": the signed-in user's tenant as the engine records it: its certified attributes
//! (assigned by the platform, read-only here), its declared attributes (an administrator declares
//! one from the declared attributes of `GET /attributes`, and revokes one, confirmed), and its
//! verified attributes with the producers that verified them. Names come from `GET /attributes`
//! and `GET /tenants/{id}`. The engine decides who may do what: a refusal is shown as its
//! sentence next to the form it concerns, with what was chosen kept.

use crate::St;
use crate::engine::{Attribute, EngineError, Method, TenantAttributes, encode};
use crate::session::{Lang, User};
use crate::web::{
    Anyone, Member, Posted, Signed, confirm_field, confirmed, csrf_field, engine_error, error_box,
    flash, has_role, layout, not_confirmed, redirect,
};
use crate::{AppState, Visit};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use std::collections::HashMap;

/// Verifiers named at most per page (the others are shown by id): one engine call each.
const MAX_VERIFIERS: usize = 50;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/anagrafica", get(page))
        .route("/anagrafica/dichiarati", post(declare))
        .route("/anagrafica/dichiarati/{id}/revoca", post(revoke))
}

/// What the page shows after a refused action: the form it concerns, its error, what was chosen.
enum Failed {
    Declare {
        chosen: String,
        error: EngineError,
    },
    Revoke {
        attribute: String,
        error: EngineError,
    },
}

/// The tenant's registry page. The platform operator has no tenant: the page says so.
pub async fn page(State(st): St, Signed(visit, user, _): Signed<Anyone>) -> Response {
    render(&st, &visit, &user, None).await
}

/// "Dichiara": declares the chosen attribute for the user's tenant.
async fn declare(State(st): St, Posted(visit, user, form, _): Posted<Member>) -> Response {
    let l = visit.session.lang;
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let chosen = form.get("attributo").cloned().unwrap_or_default();
    let path = format!("/tenants/{}/attributes/declared", encode(&tenant));
    let body = serde_json::json!({ "id": chosen });
    match st
        .engine
        .send::<TenantAttributes>(Method::POST, &user.token, &path, Some(&body))
        .await
    {
        Ok(_) => {
            let name = attribute_name(&st, &user, &chosen).await;
            flash(
                &st,
                &visit,
                format!(
                    "{}{name}{}",
                    l.t("Attributo «", "Attribute “"),
                    l.t(
                        "» dichiarato: ora è tra gli attributi dichiarati del tuo ente, e vale per le richieste di fruizione che lo richiedono.",
                        "” declared: it is now among your organization's declared attributes, and counts for the requests (agreements) that require it."
                    )
                ),
            );
            redirect("/anagrafica")
        }
        Err(error) => {
            let failed = Failed::Declare { chosen, error };
            render(&st, &visit, &user, Some(failed)).await
        }
    }
}

/// "Revoca": withdraws the tenant's declaration of an attribute (confirmed).
async fn revoke(
    State(st): St,
    Path(attribute): Path<String>,
    Posted(visit, user, form, _): Posted<Member>,
) -> Response {
    let l = visit.session.lang;
    if !confirmed(&form) {
        let error = not_confirmed();
        return render(
            &st,
            &visit,
            &user,
            Some(Failed::Revoke { attribute, error }),
        )
        .await;
    }
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let path = format!(
        "/tenants/{}/attributes/declared/{}",
        encode(&tenant),
        encode(&attribute)
    );
    match st
        .engine
        .send::<serde_json::Value>(Method::DELETE, &user.token, &path, None)
        .await
    {
        Ok(_) => {
            let name = attribute_name(&st, &user, &attribute).await;
            flash(
                &st,
                &visit,
                format!(
                    "{}{name}{}",
                    l.t(
                        "Dichiarazione dell'attributo «",
                        "Declaration of the attribute “"
                    ),
                    l.t(
                        "» revocata: il tuo ente non lo dichiara più.",
                        "” revoked: your organization no longer declares it."
                    )
                ),
            );
            redirect("/anagrafica")
        }
        Err(error) => {
            render(
                &st,
                &visit,
                &user,
                Some(Failed::Revoke { attribute, error }),
            )
            .await
        }
    }
}

/// An attribute's name for a message (its id when the engine does not name it).
async fn attribute_name(st: &AppState, user: &User, id: &str) -> String {
    st.engine
        .get::<Attribute>(&user.token, &format!("/attributes/{}", encode(id)))
        .await
        .map(|a| a.name)
        .unwrap_or_else(|_| id.to_owned())
}

/// The page, with a refused action's error next to its form (status: the engine's).
async fn render(st: &AppState, visit: &Visit, user: &User, failed: Option<Failed>) -> Response {
    let l = visit.session.lang;
    let Some(tenant) = user.tenant_id.clone() else {
        let body = html! {
            h1 { "Anagrafica" }
            p { (l.t("Il tuo utente non appartiene a un ente: non c'è un'anagrafica da mostrare.",
                     "Your user does not belong to an organization: there is no registry to show.")) }
        };
        return visit.finish(
            st,
            (StatusCode::NOT_FOUND, layout("Anagrafica", visit, "", body)),
        );
    };
    let attrs = match st.engine.tenant_attributes(&user.token, &tenant).await {
        Ok(a) => a,
        Err(e) => return engine_error(visit, st, &e),
    };
    // Names of attributes and of verifiers: without them (an engine error) the ids are shown.
    // The engine's answers do not depend on each other: asked at once, not one after another.
    let mut verifier_ids: Vec<&String> =
        attrs.verified.iter().flat_map(|a| &a.verified_by).collect();
    verifier_ids.sort_unstable();
    verifier_ids.dedup();
    let engine = &st.engine;
    let (all, verifiers) = tokio::join!(engine.attributes(&user.token), async {
        let mut lookups = tokio::task::JoinSet::new();
        for id in verifier_ids.iter().take(MAX_VERIFIERS) {
            let (engine, token, id) = (engine.clone(), user.token.clone(), (*id).clone());
            lookups.spawn(async move { engine.tenant(&token, &id).await.map(|t| (id, t.name)) });
        }
        let mut names = HashMap::new();
        while let Some(found) = lookups.join_next().await {
            if let Ok(Ok((id, name))) = found {
                names.insert(id, name);
            }
        }
        names
    },);
    let all = all.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "attribute names unavailable");
        Vec::new()
    });
    let names: HashMap<&str, &str> = all
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let name = |id: &str| -> Markup {
        html! {
            @if let Some(n) = names.get(id) { (n) " " }
            code { (id) }
        }
    };
    let admin = has_role(user, &["admin"]);
    // The declared attributes the tenant could declare: those it does not declare yet.
    let declarable: Vec<&Attribute> = all
        .iter()
        .filter(|a| a.kind == "DECLARED" && !attrs.declared.contains(&a.id))
        .collect();
    let status = match &failed {
        Some(Failed::Declare { error, .. } | Failed::Revoke { error, .. }) => {
            crate::web::refusal_status(error.status)
        }
        None => StatusCode::OK,
    };
    let revoke_error = match &failed {
        Some(Failed::Revoke { attribute, error }) => Some((attribute, error)),
        _ => None,
    };
    let body = html! {
        h1 { "Anagrafica" }
        @if !user.tenant_name.is_empty() { p class="meta" { (l.t("Ente: ", "Organization: ")) (user.tenant_name) } }
        p { (l.t("Gli attributi del tuo ente: le qualità che possiede o dichiara di possedere, che gli erogatori richiedono per approvare le richieste di fruizione.",
                 "Your organization's attributes: the qualities it holds or declares to hold, which producers require to approve requests (agreements)."))
            " " a href="/utenti" { (l.t("Gli utenti dell'ente sono nella pagina Utenti.", "The organization's users are on the Users page.")) } }

        h2 { (l.t("Attributi certificati", "Certified attributes")) }
        p { (l.t("Assegnati dalla piattaforma, sulla base di fonti autoritative: qui si leggono soltanto.",
                 "Assigned by the platform from authoritative sources: they are read-only here.")) }
        @if attrs.certified.is_empty() {
            p { (l.t("Nessun attributo certificato.", "No certified attribute.")) }
        } @else {
            ul class="attributes" { @for a in &attrs.certified { li { (name(a)) } } }
        }

        h2 { (l.t("Attributi dichiarati", "Declared attributes")) }
        p { (l.t("Dichiarati dal tuo ente, sotto la sua responsabilità.", "Declared by your organization, on its own responsibility.")) }
        @if attrs.declared.is_empty() {
            p { (l.t("Nessun attributo dichiarato.", "No declared attribute.")) }
        } @else {
            ul class="attributes declared" {
                @for a in &attrs.declared {
                    li {
                        (name(a))
                        @if let Some(e) = revoke_error.filter(|(id, _)| *id == a).map(|(_, e)| e) {
                            (error_box(e, l))
                        }
                        @if admin {
                            form method="post" action={ "/anagrafica/dichiarati/" (encode(a)) "/revoca" } class="revoke" {
                                (csrf_field(visit))
                                (confirm_field(visit, &format!("{}{}", l.t("revocare la dichiarazione di ", "revoke the declaration of "), names.get(a.as_str()).copied().unwrap_or(a))))
                                button type="submit" { (l.t("Revoca la dichiarazione", "Revoke the declaration")) }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            (declare_form(visit, l, &declarable, failed.as_ref()))
        }

        h2 { (l.t("Attributi verificati", "Verified attributes")) }
        p { (l.t("Verificati dagli erogatori presso cui il tuo ente ha richieste di fruizione.",
                 "Verified by the producers your organization has requests (agreements) with.")) }
        @if attrs.verified.is_empty() {
            p { (l.t("Nessun attributo verificato.", "No verified attribute.")) }
        } @else {
            ul class="attributes" {
                @for a in &attrs.verified {
                    li {
                        (name(&a.id))
                        @if !a.verified_by.is_empty() {
                            (l.t(" — verificato da ", " — verified by "))
                            @for (i, v) in a.verified_by.iter().enumerate() {
                                @if i > 0 { ", " }
                                @if let Some(n) = verifiers.get(v) { (n) } @else { code { (v) } }
                            }
                        }
                    }
                }
            }
        }
    };
    visit.finish(
        st,
        (status, layout("Anagrafica", visit, "/anagrafica", body)),
    )
}

/// "Dichiara un attributo": a choice among the declared attributes the tenant does not declare.
fn declare_form(
    visit: &Visit,
    l: Lang,
    declarable: &[&Attribute],
    failed: Option<&Failed>,
) -> Markup {
    let (chosen, error) = match failed {
        Some(Failed::Declare { chosen, error }) => (chosen.as_str(), Some(error)),
        _ => ("", None),
    };
    html! {
        h3 { (l.t("Dichiara un attributo", "Declare an attribute")) }
        @if let Some(e) = error.filter(|e| e.fields.is_empty() || !e.concerns("id")) {
            (error_box(e, l))
        }
        @if declarable.is_empty() {
            p { (l.t("Non ci sono altri attributi dichiarabili.", "There are no other attributes to declare.")) }
        } @else {
            form method="post" action="/anagrafica/dichiarati" class="declare" {
                (csrf_field(visit))
                div class={ "field" @if error.is_some_and(|e| e.concerns("id")) { " invalid" } } {
                    label for="f-attributo" { (l.t("Attributo da dichiarare", "Attribute to declare")) }
                    @if let Some(e) = error.filter(|e| e.concerns("id")) {
                        p class="field-error" id="f-attributo-err" { (e.sentence(l)) " " (e.detail) " (" code { (e.code) } ")" }
                    }
                    select id="f-attributo" name="attributo" required {
                        @for a in declarable {
                            option value=(a.id) selected[a.id == chosen] { (a.name) }
                        }
                    }
                }
                button type="submit" { (l.t("Dichiara", "Declare")) }
            }
        }
    }
}
