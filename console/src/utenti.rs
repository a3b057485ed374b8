//! "Utenti": the users of the signed-in user's tenant and their roles, as the engine lists them
//! (`GET /tenants/{id}/users`). An administrator adds a user (the identity provider's subject,
//! a name, roles), suspends and reactivates one, and removes one (confirmed); the other users
//! read. The engine enforces every rule (who may, well-formed ids, at least one role, not on
//! oneself): its refusal is shown next to the field or the row it concerns, with what was typed
//! kept.

use crate::engine::{EngineError, Method, TenantUser, encode};
use crate::session::{Lang, User};
use crate::web::{
    Field, Fields, Input, Member, Posted, Signed, confirm_field, confirmed, csrf_field,
    engine_error, error_box, flash, has_role, layout, not_confirmed, posted_as, redirect,
    role_label,
};
use crate::{AppState, St, Visit};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use maud::{Markup, html};

/// The roles of a tenant's users, as the add form offers them.
const ROLES: &[&str] = &["admin", "api", "security"];

/// The longest name the engine accepts.
const NAME_MAX: usize = 100;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/utenti", get(page).post(add))
        .route("/utenti/{id}/sospendi", post(suspend))
        .route("/utenti/{id}/riattiva", post(reactivate))
        .route("/utenti/{id}/rimuovi", post(remove))
}

/// What the add form holds: what was typed, kept when the engine refuses.
#[derive(Default)]
struct Typed {
    id: String,
    name: String,
    roles: Vec<String>,
}

impl Typed {
    fn of(form: &Fields) -> Typed {
        Typed {
            id: form.get("id").map_or("", |v| v.trim()).to_owned(),
            name: form.get("nome").cloned().unwrap_or_default(),
            roles: ROLES
                .iter()
                .filter(|r| form.get(&format!("ruolo_{r}")).is_some_and(|v| v == "si"))
                .map(|r| (*r).to_owned())
                .collect(),
        }
    }
}

/// A refused action: on the add form (with what was typed) or on a user's row.
enum Failed {
    Add(Typed, EngineError),
    Row(String, EngineError),
}

pub async fn page(State(st): St, Signed(visit, user, _): Signed<Member>) -> Response {
    render(&st, &visit, &user, None).await
}

/// "Aggiungi utente".
async fn add(State(st): St, Posted(visit, user, form, _): Posted<Member>) -> Response {
    let l = visit.session.lang;
    let typed = Typed::of(&form);
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let body = serde_json::json!({ "id": typed.id, "name": typed.name, "roles": typed.roles });
    let path = format!("/tenants/{}/users", encode(&tenant));
    match st
        .engine
        .send::<TenantUser>(Method::POST, &user.token, &path, Some(&body))
        .await
    {
        Ok(added) => {
            let roles: Vec<&str> = added.roles.iter().map(|r| role_label(r, l)).collect();
            flash(
                &st,
                &visit,
                format!(
                    "{}{}{}{}{}",
                    l.t("Utente «", "User “"),
                    added.name,
                    l.t(
                        "» aggiunto, attivo, con i ruoli: ",
                        "” added, active, with the roles: "
                    ),
                    roles.join(", "),
                    l.t(
                        ". Può accedere alla console con la sua identità.",
                        ". They can sign in to the console with their identity."
                    ),
                ),
            );
            redirect("/utenti")
        }
        Err(e) => render(&st, &visit, &user, Some(Failed::Add(typed, blamed(e)))).await,
    }
}

/// The field of the add form an engine error concerns, when the engine names none: a body it
/// cannot read is the id (the only field typed freely that must have a form: a UUID); a role
/// mismatch is the roles; an existing user is the id.
fn blamed(mut e: EngineError) -> EngineError {
    if e.fields.is_empty() {
        let field = match e.code.as_str() {
            "INVALID_BODY" | "USER_ALREADY_EXISTS" => Some("id"),
            "USER_ROLE_MISMATCH" => Some("roles"),
            _ => None,
        };
        e.fields.extend(field.map(str::to_owned));
    }
    e
}

async fn suspend(
    State(st): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    set_state(st, headers, id, form, true).await
}

async fn reactivate(
    State(st): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    set_state(st, headers, id, form, false).await
}

/// "Sospendi" / "Riattiva".
async fn set_state(
    st: AppState,
    headers: HeaderMap,
    id: String,
    form: Fields,
    suspend: bool,
) -> Response {
    let (visit, user) = match posted_as(&st, &headers, ROLES, &form) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let l = visit.session.lang;
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let action = if suspend { "suspend" } else { "activate" };
    let path = format!(
        "/tenants/{}/users/{}/{action}",
        encode(&tenant),
        encode(&id)
    );
    match st
        .engine
        .send::<TenantUser>(Method::POST, &user.token, &path, None)
        .await
    {
        Ok(u) => {
            let text = if suspend {
                l.t(
                    "» sospeso: non può più operare finché non lo riattivi; le chiavi pubbliche che ha caricato restano valide.",
                    "” suspended: they cannot act until you reactivate them; the public keys they uploaded stay valid.",
                )
            } else {
                l.t(
                    "» riattivato: può di nuovo operare con i suoi ruoli.",
                    "” reactivated: they can act again with their roles.",
                )
            };
            flash(
                &st,
                &visit,
                format!("{}{}{text}", l.t("Utente «", "User “"), u.name),
            );
            redirect("/utenti")
        }
        Err(e) => render(&st, &visit, &user, Some(Failed::Row(id, e))).await,
    }
}

/// "Rimuovi" (confirmed).
async fn remove(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Member>,
) -> Response {
    let l = visit.session.lang;
    if !confirmed(&form) {
        return render(&st, &visit, &user, Some(Failed::Row(id, not_confirmed()))).await;
    }
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let path = format!("/tenants/{}/users/{}", encode(&tenant), encode(&id));
    match st
        .engine
        .send::<serde_json::Value>(Method::DELETE, &user.token, &path, None)
        .await
    {
        Ok(_) => {
            let name = form.get("nome").cloned().unwrap_or(id);
            flash(
                &st,
                &visit,
                format!(
                    "{}{name}{}",
                    l.t("Utente «", "User “"),
                    l.t(
                        "» rimosso dall'ente e dai client di cui era operatore; le chiavi pubbliche che ha caricato restano.",
                        "” removed from the organization and from the clients they operated; the public keys they uploaded stay.",
                    )
                ),
            );
            redirect("/utenti")
        }
        Err(e) => render(&st, &visit, &user, Some(Failed::Row(id, e))).await,
    }
}

/// The signed-in user's own id (the identity token's subject), to leave their own row without
/// actions (the engine refuses them anyway).
fn own_id(user: &User) -> Option<String> {
    let payload = user.token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

fn state_name(s: &str, l: Lang) -> &str {
    match s {
        "ACTIVE" => l.t("Attivo", "Active"),
        "SUSPENDED" => l.t("Sospeso", "Suspended"),
        other => other,
    }
}

async fn render(st: &AppState, visit: &Visit, user: &User, failed: Option<Failed>) -> Response {
    let l = visit.session.lang;
    let tenant = user.tenant_id.clone().unwrap_or_default();
    let users = match st.engine.tenant_users(&user.token, &tenant).await {
        Ok(u) => Ok(u),
        // An ended session is the whole page's error; a refusal is shown in the page.
        Err(e) if e.status == 401 => return engine_error(visit, st, &e),
        Err(e) => Err(e),
    };
    let admin = has_role(user, &["admin"]);
    let me = own_id(user);
    let status = match &failed {
        Some(Failed::Add(_, e) | Failed::Row(_, e)) => crate::web::refusal_status(e.status),
        None => StatusCode::OK,
    };
    let row_error = match &failed {
        Some(Failed::Row(id, e)) => Some((id.as_str(), e)),
        _ => None,
    };
    let body = html! {
        h1 { (l.t("Utenti", "Users")) }
        @if !user.tenant_name.is_empty() { p class="meta" { (l.t("Ente: ", "Organization: ")) (user.tenant_name) } }
        p {
            (l.t("Gli utenti del tuo ente e i loro ruoli: gli amministratori fanno tutto, gli operatori API gestiscono gli e-service, gli operatori di sicurezza i client e le chiavi pubbliche.",
                 "Your organization's users and their roles: administrators do everything, API operators manage e-services, security operators manage clients and public keys."))
            @if !admin { " " (l.t("Solo gli amministratori li modificano.", "Only administrators change them.")) }
        }
        @match &users {
            Err(e) => (error_box(e, l)),
            Ok(list) if list.is_empty() => p { (l.t("Nessun utente.", "No user.")) },
            Ok(list) => table class="users-table" {
                caption { (l.t("Utenti dell'ente e loro ruoli", "The organization's users and their roles")) }
                thead {
                    tr {
                        th scope="col" { (l.t("Nome", "Name")) }
                        th scope="col" { (l.t("Ruoli", "Roles")) }
                        th scope="col" { (l.t("Stato", "State")) }
                        @if admin { th scope="col" { (l.t("Azioni", "Actions")) } }
                    }
                }
                tbody {
                    @for u in list {
                        tr {
                            th scope="row" {
                                (u.name)
                                br;
                                span class="meta" { code { (u.id) } }
                                @if me.as_deref() == Some(u.id.as_str()) { " " (l.t("(tu)", "(you)")) }
                            }
                            td {
                                @for (i, r) in u.roles.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (role_label(r, l))
                                }
                            }
                            td { (state_name(&u.state, l)) }
                            @if admin {
                                td {
                                    @if let Some(e) = row_error.filter(|(id, _)| *id == u.id).map(|(_, e)| e) {
                                        (error_box(e, l))
                                    }
                                    @if me.as_deref() != Some(u.id.as_str()) {
                                        (row_actions(visit, l, u))
                                    }
                                }
                            }
                        }
                    }
                }
            },
        }
        @if admin {
            (add_form(visit, l, failed.as_ref()))
        }
    };
    visit.finish(
        st,
        (
            status,
            layout(l.t("Utenti", "Users"), visit, "/utenti", body),
        ),
    )
}

fn row_actions(visit: &Visit, l: Lang, u: &TenantUser) -> Markup {
    let base = format!("/utenti/{}", encode(&u.id));
    html! {
        div class="actions" {
            @if u.state == "SUSPENDED" {
                form method="post" action={ (base) "/riattiva" } {
                    (csrf_field(visit))
                    button type="submit" { (l.t("Riattiva ", "Reactivate ")) (u.name) }
                }
            } @else {
                form method="post" action={ (base) "/sospendi" } {
                    (csrf_field(visit))
                    button type="submit" { (l.t("Sospendi ", "Suspend ")) (u.name) }
                }
            }
            form method="post" action={ (base) "/rimuovi" } {
                (csrf_field(visit))
                input type="hidden" name="nome" value=(u.name);
                (confirm_field(visit, &format!("{}{}", l.t("rimuovere ", "remove "), u.name)))
                button type="submit" { (l.t("Rimuovi ", "Remove ")) (u.name) }
            }
        }
    }
}

fn add_form(visit: &Visit, l: Lang, failed: Option<&Failed>) -> Markup {
    let empty = Typed::default();
    let (typed, error) = match failed {
        Some(Failed::Add(t, e)) => (t, Some(e)),
        _ => (&empty, None),
    };
    let roles_blamed = error.filter(|e| e.concerns("roles"));
    html! {
        h2 id="aggiungi" { (l.t("Aggiungi un utente", "Add a user")) }
        @if let Some(e) = error.filter(|e| !["id", "name", "roles"].iter().any(|f| e.concerns(f))) {
            (error_box(e, l))
        }
        form method="post" action="/utenti" class="add-user" {
            (csrf_field(visit))
            (Field::new("id", l.t("Identificativo", "Identifier"), Input::Text, &typed.id)
                .required()
                .hint(l.t("L'identificativo dell'utente presso il fornitore di identità (un UUID, per esempio 0190e8b0-0000-7000-8000-000000000042).",
                          "The user's identifier at the identity provider (a UUID, for example 0190e8b0-0000-7000-8000-000000000042)."))
                .render(error, "id", l))
            (Field::new("nome", l.t("Nome e cognome", "Full name"), Input::Text, &typed.name)
                .required()
                .max(NAME_MAX)
                .render(error, "name", l))
            fieldset class={ "roles-choice" @if roles_blamed.is_some() { " invalid" } }
                aria-describedby=[roles_blamed.map(|_| "f-ruoli-err")] {
                legend { (l.t("Ruoli (almeno uno)", "Roles (at least one)")) }
                @if let Some(e) = roles_blamed {
                    p class="field-error" id="f-ruoli-err" { (e.sentence(l)) " " (e.detail) " (" code { (e.code) } ")" }
                }
                @for r in ROLES {
                    label class="check" {
                        input type="checkbox" name={ "ruolo_" (r) } value="si" checked[typed.roles.iter().any(|t| t == r)];
                        " " (role_label(r, l))
                    }
                }
            }
            button type="submit" { (l.t("Aggiungi utente", "Add user")) }
        }
    }
}
