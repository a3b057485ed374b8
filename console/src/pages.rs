//! Signing in and out, and the "Catalogo e-service" pages. Each handler reads the session, calls
//! the engine with the user's token, and renders with [`layout`].

use crate::engine::{Descriptor, RequiredAttribute};
use crate::session::{Lang, User};
use crate::web::{
    Anyone, Signed, csrf_field, csrf_refused, engine_error, layout, number, page_param, pager,
    redirect, role_label, when,
};
use crate::{St, Visit, cleared_cookie, csrf_ok, mint_dev_token};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::collections::HashMap;

pub async fn home(State(st): St, headers: HeaderMap) -> Response {
    let visit = Visit::of(&st, &headers);
    let to = if visit.session.user.is_some() {
        "/catalogo"
    } else {
        "/accesso"
    };
    visit.finish(&st, redirect(to))
}

/// "Accedi": the development sign-in list when enabled.
pub async fn sign_in(State(st): St, headers: HeaderMap) -> Response {
    let visit = Visit::of(&st, &headers);
    let l = visit.session.lang;
    let body = html! {
        h1 { (l.t("Accedi", "Sign in")) }
        @if let Some(oidc) = &st.oidc {
            form method="post" action="/accesso/oidc" class="oidc" {
                (csrf_field(&visit))
                button type="submit" { (l.t("Accedi con ", "Sign in with ")) (oidc.config().display_name()) }
            }
        }
        @if st.config.dev_sign_in {
            p class="notice" {
                (l.t("Accesso di sviluppo: scegli un utente del mondo dimostrativo. \
                      Il token di identità è firmato con la chiave di sviluppo; in produzione questa pagina non esiste.",
                     "Development sign-in: choose a user of the demo world. \
                      The identity token is signed with the development key; in production this page does not exist."))
            }
            ul class="users" {
                @for (i, u) in st.config.dev_users.iter().enumerate() {
                    li {
                        form method="post" action="/accesso/sviluppo" {
                            (csrf_field(&visit))
                            input type="hidden" name="user" value=(i);
                            button type="submit" {
                                (l.t("Accedi come ", "Sign in as ")) (u.name)
                                @if !u.tenant_name.is_empty() { " (" (u.tenant_name) ")" }
                            }
                            p class="roles" {
                                @for (j, r) in u.roles.iter().enumerate() {
                                    @if j > 0 { ", " }
                                    (role_label(r, l))
                                }
                            }
                        }
                    }
                }
            }
        } @else if st.oidc.is_none() {
            p { (l.t("Nessun metodo di accesso è configurato per questa console.", "No sign-in method is configured for this console.")) }
        }
    };
    visit.finish(&st, layout(l.t("Accedi", "Sign in"), &visit, "", body))
}

/// Development sign-in: mints the chosen user's identity token; a new session id.
pub async fn dev_sign_in(
    State(st): St,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let visit = Visit::of(&st, &headers);
    if visit.new || !csrf_ok(&visit.session, form.get("csrf")) {
        return csrf_refused(&st, &visit);
    }
    let chosen = form
        .get("user")
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| st.config.dev_users.get(i));
    let (Some(u), Some(key)) = (chosen, st.dev_key.as_ref()) else {
        return visit.finish(&st, (StatusCode::BAD_REQUEST, "utente sconosciuto"));
    };
    let token = match mint_dev_token(key, &st.config, u) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot mint a development identity token");
            return (StatusCode::INTERNAL_SERVER_ERROR, "firma non riuscita").into_response();
        }
    };
    st.sessions.remove(&visit.id);
    let (id, _) = st.sessions.create_in(
        Some(User {
            name: u.name.clone(),
            tenant_name: u.tenant_name.clone(),
            tenant_id: u.tenant_id.clone(),
            roles: u.roles.clone(),
            token,
        }),
        visit.session.lang,
    );
    let mut res = redirect("/catalogo");
    res.headers_mut()
        .append(SET_COOKIE, crate::session_cookie(&st, &id));
    res
}

/// "Esci": ends the session (and, signed in with the OpenID Connect provider, goes to its
/// end-session endpoint when it has one).
pub async fn sign_out(
    State(st): St,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let visit = Visit::of(&st, &headers);
    if visit.new || !csrf_ok(&visit.session, form.get("csrf")) {
        return csrf_refused(&st, &visit);
    }
    st.sessions.remove(&visit.id);
    let token = visit.session.user.as_ref().map(|u| u.token.as_str());
    let mut res = redirect(&crate::oidc::after_sign_out(&st, token).await);
    res.headers_mut().append(SET_COOKIE, cleared_cookie());
    res
}

/// A version's state, in the session's language.
fn state_name(s: &str, l: Lang) -> &str {
    match s {
        "DRAFT" => l.t("Bozza", "Draft"),
        "PUBLISHED" => l.t("Pubblicata", "Published"),
        "DEPRECATED" => l.t("Deprecata", "Deprecated"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        other => other,
    }
}

/// How many e-services a catalogue page shows.
pub const PER_PAGE: u64 = 20;

/// The catalogue's address for a search and a page (1-based); the defaults are left out.
fn catalogue_href(search: &str, page: u64) -> String {
    let mut params = Vec::new();
    if !search.is_empty() {
        params.push(format!("q={}", crate::engine::encode(search)));
    }
    if page > 1 {
        params.push(format!("pagina={page}"));
    }
    if params.is_empty() {
        "/catalogo".into()
    } else {
        format!("/catalogo?{}", params.join("&"))
    }
}

/// "Catalogo e-service": the e-services the engine lets the user see, searched (`q`) and paged
/// (`pagina`, [`PER_PAGE`] a page). The engine filters and pages; the console only asks for one
/// page, so a large catalogue costs what a page costs.
pub async fn catalogue(
    State(st): St,
    Signed(visit, user, _): Signed<Anyone>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let search = params.get("q").map_or("", |q| q.trim());
    let page = page_param(&params);
    let offset = (page - 1).saturating_mul(PER_PAGE);
    let found = match st
        .engine
        .eservices(&user.token, search, offset, PER_PAGE)
        .await
    {
        Ok(l) => l,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let body = html! {
        h1 { (l.t("Catalogo e-service", "E-service catalogue")) }
        form class="search" method="get" action="/catalogo" role="search" {
            label for="q" { (l.t("Cerca per nome o descrizione", "Search by name or description")) }
            input type="search" id="q" name="q" value=(search) maxlength="200";
            button type="submit" { (l.t("Cerca", "Search")) }
            @if !search.is_empty() {
                " " a href="/catalogo" { (l.t("Mostra tutto il catalogo", "Show the whole catalogue")) }
            }
        }
        @if search.is_empty() {
            p class="count" { (found.total) (l.t(" e-service visibili al tuo ente.", " e-services visible to your organization.")) }
        } @else {
            p class="count" {
                (found.total) (l.t(" e-service corrispondono alla ricerca «", " e-services match the search “"))
                (search) (l.t("».", "”."))
            }
        }
        @if found.total == 0 {
            @if search.is_empty() {
                p { (l.t("Il catalogo è vuoto.", "The catalogue is empty.")) }
            } @else {
                p { (l.t("Nessun e-service corrisponde alla ricerca. Prova con altre parole.", "No e-service matches the search. Try other words.")) }
            }
        } @else if found.items.is_empty() {
            p {
                (l.t("La pagina ", "Page ")) (page) (l.t(" non esiste: i risultati sono ", " does not exist: the results fill "))
                (pages) (l.t(" pagine. ", " pages. "))
                a href=(catalogue_href(search, pages)) { (l.t("Vai all'ultima pagina", "Go to the last page")) }
            }
        } @else {
            ul class="cards" {
                @for e in &found.items {
                    li class="card" {
                        h2 { a href={ "/catalogo/" (e.id) } { (e.name) } }
                        p { (e.description) }
                        @if let Some(d) = e.current() {
                            p class="meta" {
                                (l.t("Versione ", "Version ")) (d.version) " · " (state_name(&d.state, l))
                                " · " (e.technology)
                            }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine del catalogo", "Catalogue pages"), page, found.total, PER_PAGE, |p| catalogue_href(search, p)))
    };
    let title = if page > 1 {
        format!(
            "{}{page}",
            l.t("Catalogo e-service, pagina ", "E-service catalogue, page ")
        )
    } else {
        l.t("Catalogo e-service", "E-service catalogue").to_owned()
    };
    visit.finish(&st, layout(&title, &visit, "/catalogo", body))
}

/// An e-service: its information and its versions.
pub async fn eservice(
    State(st): St,
    Signed(visit, user, _): Signed<Anyone>,
    Path(id): Path<String>,
) -> Response {
    let l = visit.session.lang;
    let e = match st.engine.eservice(&user.token, &id).await {
        Ok(e) => e,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    // The producer's name: without it (an engine error) its id is shown.
    let producer = st
        .engine
        .tenant(&user.token, &e.producer_id)
        .await
        .map(|t| t.name)
        .ok();
    let body = html! {
        nav aria-label=(l.t("Percorso", "Breadcrumb")) class="crumbs" {
            a href="/catalogo" { (l.t("Catalogo e-service", "E-service catalogue")) } " › " (e.name)
        }
        h1 { (e.name) }
        p { (e.description) }
        dl {
            dt { (l.t("Tecnologia", "Technology")) } dd { (e.technology) }
            dt { (l.t("Modalità", "Mode")) }
            dd {
                (if e.mode == "RECEIVE" { l.t("Ricezione", "Receive") } else { l.t("Erogazione", "Deliver") })
            }
            dt { (l.t("Ente erogatore", "Producer")) }
            dd {
                @if let Some(name) = &producer { (name) } @else { code { (e.producer_id) } }
            }
        }
        h2 { (l.t("Versioni", "Versions")) }
        table {
            caption { (l.t("Versioni dell'e-service", "The e-service's versions")) }
            thead {
                tr {
                    th scope="col" { (l.t("Versione", "Version")) }
                    th scope="col" { (l.t("Stato", "State")) }
                    th scope="col" { (l.t("Pubblicata il", "Published on")) }
                }
            }
            tbody {
                @for d in &e.descriptors {
                    tr {
                        td { a href={ "/catalogo/" (e.id) "/versioni/" (d.id) } { (l.t("Versione ", "Version ")) (d.version) } }
                        td { (state_name(&d.state, l)) }
                        td { (d.published_at.as_deref().map(when).unwrap_or_else(|| "—".into())) }
                    }
                }
            }
        }
    };
    visit.finish(&st, layout(&e.name, &visit, "/catalogo", body))
}

fn attribute_groups(
    title: &str,
    groups: &[Vec<RequiredAttribute>],
    names: &HashMap<String, String>,
) -> Markup {
    html! {
        h3 { (title) }
        @if groups.is_empty() {
            p { "Nessuno." }
        } @else {
            ol class="groups" {
                @for g in groups {
                    li {
                        "Uno tra: "
                        ul {
                            @for a in g {
                                li {
                                    @if let Some(n) = names.get(&a.id) { (n) " " }
                                    code { (a.id) }
                                    @if a.explicit_verification { " (verifica esplicita)" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A version of an e-service: description, attributes as groups (marked with what the user's
/// tenant holds, and the "Iscriviti" form for its administrators: `fruizione::iscrizione`),
/// thresholds, approval policy, server URLs.
pub async fn version(
    State(st): St,
    Signed(visit, user, _): Signed<Anyone>,
    Path((id, did)): Path<(String, String)>,
) -> Response {
    let l = visit.session.lang;
    let e = match st.engine.eservice(&user.token, &id).await {
        Ok(e) => e,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let d: Descriptor = match st
        .engine
        .get(
            &user.token,
            &format!(
                "/eservices/{}/descriptors/{}",
                e.id,
                crate::engine_path(&did)
            ),
        )
        .await
    {
        Ok(d) => d,
        Err(err) => return engine_error(&visit, &st, &err),
    };
    // The attributes' names: without them (an engine error) the ids are shown alone.
    let names: HashMap<String, String> = if e.attributes.is_empty() {
        HashMap::new()
    } else {
        match st.engine.attributes(&user.token).await {
            Ok(all) => all.into_iter().map(|a| (a.id, a.name)).collect(),
            Err(err) => {
                tracing::warn!(error = %err, "attribute names unavailable");
                HashMap::new()
            }
        }
    };
    let requirements =
        crate::fruizione::iscrizione::requirements(&st, &visit, &user, &e, &d, &names).await;
    let state = match d.state.as_str() {
        "DRAFT" => l.t("Bozza", "Draft"),
        "PUBLISHED" => l.t("Pubblicata", "Published"),
        "DEPRECATED" => l.t("Deprecata", "Deprecated"),
        "SUSPENDED" => l.t("Sospesa", "Suspended"),
        "ARCHIVED" => l.t("Archiviata", "Archived"),
        other => other,
    };
    let title = format!("{} — {} {}", e.name, l.t("versione", "version"), d.version);
    let body = html! {
        nav aria-label=(l.t("Percorso", "Breadcrumb")) class="crumbs" {
            a href="/catalogo" { (l.t("Catalogo e-service", "E-service catalogue")) } " › "
            a href={ "/catalogo/" (e.id) } { (e.name) } " › " (l.t("versione ", "version ")) (d.version)
        }
        h1 { (title) }
        p class="meta" { (l.t("Stato: ", "State: ")) (state) }
        h2 { (l.t("Descrizione della versione", "Description of the version")) }
        p { (d.description.as_deref().unwrap_or("—")) }
        h2 { (l.t("Attributi richiesti", "Required attributes")) }
        @if let Some(r) = requirements {
            (r)
        } @else {
            p { "Ogni gruppo è soddisfatto da uno qualsiasi dei suoi attributi; servono tutti i gruppi." }
            (attribute_groups("Certificati", &e.attributes.certified, &names))
            (attribute_groups("Dichiarati", &e.attributes.declared, &names))
            (attribute_groups("Verificati", &e.attributes.verified, &names))
        }
        h2 { (l.t("Soglie e approvazione", "Thresholds and approval")) }
        dl {
            dt { (l.t("Chiamate al giorno per fruitore", "Calls a day per consumer")) } dd { (number(d.daily_calls_per_consumer)) }
            dt { (l.t("Chiamate al giorno in totale", "Calls a day in total")) } dd { (number(d.daily_calls_total)) }
            dt { (l.t("Durata del voucher (secondi)", "Voucher lifespan (seconds)")) } dd { (number(d.voucher_lifespan.map(u64::from))) }
            dt { (l.t("Approvazione delle richieste di fruizione", "Approval of subscription requests")) }
            dd {
                (match d.agreement_approval_policy.as_deref() {
                    Some("AUTOMATIC") => l.t("Automatica", "Automatic"),
                    Some("MANUAL") => l.t("Manuale", "Manual"),
                    Some(other) => other,
                    None => "—",
                })
            }
            dt { (l.t("Audience dei voucher", "Voucher audience")) }
            dd { @for (i, a) in d.audience.iter().enumerate() { @if i > 0 { ", " } code { (a) } } }
        }
        h2 { (l.t("Indirizzi dei server", "Server addresses")) }
        @if d.server_urls.is_empty() { p { "—" } } @else {
            ul { @for u in &d.server_urls { li { code { (u) } } } }
        }
    };
    visit.finish(&st, layout(&title, &visit, "/catalogo", body))
}

pub async fn not_found(State(st): St, headers: HeaderMap) -> Response {
    let visit = Visit::of(&st, &headers);
    let l = visit.session.lang;
    let page = layout(
        l.t("Pagina non trovata", "Page not found"),
        &visit,
        "",
        html! {
            h1 { (l.t("Pagina non trovata", "Page not found")) }
            p { (l.t("L'indirizzo non corrisponde a nessuna pagina della console.", "The address matches no page of the console.")) }
            p { a href="/" { (l.t("Torna alla console", "Back to the console")) } }
        },
    );
    let mut res = visit.finish(&st, (StatusCode::NOT_FOUND, page));
    res.headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex"));
    res
}
