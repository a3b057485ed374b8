//! "Anagrafica": the signed-in user's tenant as the engine records it (read-only): its
//! certified, declared and verified attributes, named from `GET /attributes`, and its users with
//! their roles. The engine decides who sees what: a refusal is shown as its sentence.

use crate::St;
use crate::engine::{EngineError, TenantUser};
use crate::pages::{engine_error, error_box, layout, role_label, signed_in};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use std::collections::HashMap;

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
    let names: HashMap<String, String> = match st.engine.attributes(&user.token).await {
        Ok(all) => all.into_iter().map(|a| (a.id, a.name)).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "attribute names unavailable");
            HashMap::new()
        }
    };
    let mut verifiers: HashMap<String, String> = HashMap::new();
    for v in attrs.verified.iter().flat_map(|a| &a.verified_by) {
        if !verifiers.contains_key(v)
            && let Ok(t) = st.engine.tenant(&user.token, v).await
        {
            verifiers.insert(v.clone(), t.name);
        }
    }
    let users = st.engine.tenant_users(&user.token, &tenant).await;
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
        (users_section(&users))
    };
    visit.finish(&st, layout("Anagrafica", &visit, "/anagrafica", body))
}

fn users_section(users: &Result<Vec<TenantUser>, EngineError>) -> Markup {
    html! {
        @match users {
            Err(e) => (error_box(e)),
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
                                    (role_label(r))
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
