//! "Anagrafica": the signed-in user's tenant as the engine records it (read-only): its
//! certified, declared and verified attributes, named from `GET /attributes`, and its users with
//! their roles. The engine decides who sees what: a refusal is shown as its sentence.

use crate::St;
use crate::engine::{EngineError, TenantUser};
use crate::session::Lang;
use crate::web::{engine_error, error_box, layout, role_label, signed_in};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use std::collections::HashMap;

/// Verifiers named at most per page (the others are shown by id): one engine call each.
const MAX_VERIFIERS: usize = 50;

/// The tenant's registry page. The platform operator has no tenant: the page says so.
pub async fn page(State(st): St, headers: HeaderMap) -> Response {
    let (visit, user) = match signed_in(&st, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(tenant) = user.tenant_id.clone() else {
        let body = html! {
            h1 { "Anagrafica" }
            p { "Il tuo utente non appartiene a un ente: non c'è un'anagrafica da mostrare." }
        };
        return visit.finish(
            &st,
            (
                StatusCode::NOT_FOUND,
                layout("Anagrafica", &visit, "", body),
            ),
        );
    };
    let attrs = match st.engine.tenant_attributes(&user.token, &tenant).await {
        Ok(a) => a,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    // Names of attributes and of verifiers: without them (an engine error) the ids are shown.
    // The engine's answers do not depend on each other: asked at once, not one after another.
    let mut verifier_ids: Vec<&String> =
        attrs.verified.iter().flat_map(|a| &a.verified_by).collect();
    verifier_ids.sort_unstable();
    verifier_ids.dedup();
    let engine = &st.engine;
    let (all, users, verifiers) = tokio::join!(
        engine.attributes(&user.token),
        engine.tenant_users(&user.token, &tenant),
        async {
            let mut lookups = tokio::task::JoinSet::new();
            for id in verifier_ids.iter().take(MAX_VERIFIERS) {
                let (engine, token, id) = (engine.clone(), user.token.clone(), (*id).clone());
                lookups
                    .spawn(async move { engine.tenant(&token, &id).await.map(|t| (id, t.name)) });
            }
            let mut names = HashMap::new();
            while let Some(found) = lookups.join_next().await {
                if let Ok(Ok((id, name))) = found {
                    names.insert(id, name);
                }
            }
            names
        },
    );
    let names: HashMap<String, String> = match all {
        Ok(all) => all.into_iter().map(|a| (a.id, a.name)).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "attribute names unavailable");
            HashMap::new()
        }
    };
    let name = |id: &str| -> Markup {
        html! {
            @if let Some(n) = names.get(id) { (n) " " }
            code { (id) }
        }
    };
    let body = html! {
        h1 { "Anagrafica" }
        @if !user.tenant_name.is_empty() { p class="meta" { "Ente: " (user.tenant_name) } }
        h2 { "Attributi certificati" }
        p { "Assegnati dalla piattaforma." }
        @if attrs.certified.is_empty() {
            p { "Nessun attributo certificato." }
        } @else {
            ul class="attributes" { @for a in &attrs.certified { li { (name(a)) } } }
        }
        h2 { "Attributi dichiarati" }
        @if attrs.declared.is_empty() {
            p { "Nessun attributo dichiarato." }
        } @else {
            ul class="attributes" { @for a in &attrs.declared { li { (name(a)) } } }
        }
        h2 { "Attributi verificati" }
        @if attrs.verified.is_empty() {
            p { "Nessun attributo verificato." }
        } @else {
            ul class="attributes" {
                @for a in &attrs.verified {
                    li {
                        (name(&a.id))
                        @if !a.verified_by.is_empty() {
                            " — verificato da "
                            @for (i, v) in a.verified_by.iter().enumerate() {
                                @if i > 0 { ", " }
                                @if let Some(n) = verifiers.get(v) { (n) } @else { code { (v) } }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Utenti" }
        (users_section(&users, visit.session.lang))
    };
    visit.finish(&st, layout("Anagrafica", &visit, "/anagrafica", body))
}

fn users_section(users: &Result<Vec<TenantUser>, EngineError>, l: Lang) -> Markup {
    html! {
        @match users {
            Err(e) => (error_box(e, l)),
            Ok(list) if list.is_empty() => p { "Nessun utente." },
            Ok(list) => table {
                caption { "Utenti dell'ente e loro ruoli" }
                thead { tr { th scope="col" { "Nome" } th scope="col" { "Ruoli" } th scope="col" { "Stato" } } }
                tbody {
                    @for u in list {
                        tr {
                            td { (u.name) }
                            td {
                                @for (i, r) in u.roles.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (role_label(r, l))
                                }
                            }
                            td {
                                (match u.state.as_str() {
                                    "ACTIVE" => "Attivo",
                                    "SUSPENDED" => "Sospeso",
                                    other => other,
                                })
                            }
                        }
                    }
                }
            },
        }
    }
}
