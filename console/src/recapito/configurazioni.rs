//! "Configurazioni": the tenant's remote-content configurations, listed, created, edited and
//! deleted through the gateway's API (`/api/v1/remote-contents/configurations`) with the
//! console's voucher. The form is turned into the contract's JSON by [`from_form`]; every rule
//! is the gateway's, whose problem shows next to the field it blames. An API key's value is
//! write-only: after saving the page says "impostata", and an empty field keeps it.

use super::{Problem, gateway, problem_box, problem_page, subnav};
use crate::session::{Lang, User};
use crate::web::{self, Field, Fields, Input, Posted, RecapitoUser, Signed, csrf_field, layout};
use crate::{AppState, St, Visit};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use provider_sdk::contract::{
    DetailsAuthentication, Environment, HasPrecondition, NewRcConfiguration, RcConfiguration,
    TestEnvironment,
};
use serde::Deserialize;

const LIST: &str = "/recapito/configurazioni";

/// The two environments: (form prefix, gateway field).
const ENVS: [(&str, &str); 2] = [("prod", "prod_environment"), ("test", "test_environment")];

/// The fiscal codes typed in a text area: one per line, or separated by commas or spaces.
pub fn codes(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn get<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// The environment typed under `prefix` (`prod`, `test`): absent when its address is empty. An
/// empty API key value keeps `current`'s (the field is write-only).
fn environment(
    form: &Fields,
    prefix: &str,
    current: Option<&DetailsAuthentication>,
) -> Option<(String, DetailsAuthentication)> {
    let url = get(form, &format!("{prefix}_url"));
    if url.is_empty() {
        return None;
    }
    let auth = if get(form, &format!("{prefix}_auth")) == "API_KEY" {
        let typed = form
            .get(&format!("{prefix}_chiave"))
            .map_or("", String::as_str);
        let key = match current {
            Some(DetailsAuthentication::ApiKey { key, .. }) if typed.is_empty() => key.clone(),
            _ => typed.to_owned(),
        };
        DetailsAuthentication::ApiKey {
            header_key_name: get(form, &format!("{prefix}_header")).to_owned(),
            key,
        }
    } else {
        DetailsAuthentication::InteropVoucher {
            purpose_id: get(form, &format!("{prefix}_finalita")).to_owned(),
        }
    };
    Some((url.to_owned(), auth))
}

/// The configuration typed in the form, as the gateway's contract has it; `current` is the
/// stored one when editing (its API key values are kept when their fields are left empty).
pub fn from_form(form: &Fields, current: Option<&NewRcConfiguration>) -> NewRcConfiguration {
    let has_precondition = match get(form, "precondizione") {
        "ALWAYS" => HasPrecondition::Always,
        "NEVER" => HasPrecondition::Never,
        _ => HasPrecondition::Once,
    };
    let prod = environment(
        form,
        "prod",
        current
            .and_then(|c| c.prod_environment.as_ref())
            .map(|e| &e.details_authentication),
    );
    let test = environment(
        form,
        "test",
        current
            .and_then(|c| c.test_environment.as_ref())
            .map(|e| &e.details_authentication),
    );
    NewRcConfiguration {
        name: get(form, "nome").to_owned(),
        description: get(form, "descrizione").to_owned(),
        has_precondition,
        is_lollipop_enabled: get(form, "lollipop") == "si",
        disable_lollipop_for: codes(get(form, "no_lollipop")),
        prod_environment: prod.map(|(base_url, details_authentication)| Environment {
            base_url,
            details_authentication,
        }),
        test_environment: test.map(|(base_url, details_authentication)| TestEnvironment {
            base_url,
            details_authentication,
            test_users: codes(get(form, "test_utenti")),
        }),
    }
}

/// The form's fields for a stored configuration (API key values left out: write-only).
pub fn to_form(c: &NewRcConfiguration) -> Fields {
    let mut f = Fields::new();
    f.insert("nome".into(), c.name.clone());
    f.insert("descrizione".into(), c.description.clone());
    let pre = match c.has_precondition {
        HasPrecondition::Always => "ALWAYS",
        HasPrecondition::Once => "ONCE",
        HasPrecondition::Never => "NEVER",
    };
    f.insert("precondizione".into(), pre.into());
    if c.is_lollipop_enabled {
        f.insert("lollipop".into(), "si".into());
    }
    f.insert("no_lollipop".into(), c.disable_lollipop_for.join("\n"));
    let envs = [
        (
            "prod",
            c.prod_environment
                .as_ref()
                .map(|e| (&e.base_url, &e.details_authentication)),
        ),
        (
            "test",
            c.test_environment
                .as_ref()
                .map(|e| (&e.base_url, &e.details_authentication)),
        ),
    ];
    for (prefix, env) in envs {
        let Some((url, auth)) = env else { continue };
        f.insert(format!("{prefix}_url"), url.clone());
        match auth {
            DetailsAuthentication::ApiKey {
                header_key_name, ..
            } => {
                f.insert(format!("{prefix}_auth"), "API_KEY".into());
                f.insert(format!("{prefix}_header"), header_key_name.clone());
            }
            DetailsAuthentication::InteropVoucher { purpose_id } => {
                f.insert(format!("{prefix}_auth"), "INTEROP_VOUCHER".into());
                f.insert(format!("{prefix}_finalita"), purpose_id.clone());
            }
        }
    }
    if let Some(t) = &c.test_environment {
        f.insert("test_utenti".into(), t.test_users.join("\n"));
    }
    f
}

/// "Configurazioni": the tenant's configurations.
pub async fn list(State(st): St, Signed(visit, user, _): Signed<RecapitoUser>) -> Response {
    let l = visit.session.lang;
    let title = l.t(
        "Configurazioni dei contenuti remoti",
        "Remote-content configurations",
    );
    let listed = match gateway(&st, &user) {
        Ok(g) => g.configurations().await.map_err(Problem::from),
        Err(p) => Err(p),
    };
    let body = html! {
        h1 { (title) }
        (subnav(&visit, LIST))
        p { (l.t("Dove il tuo ente pubblica i dettagli e gli allegati dei messaggi, e come il gateway si autentica.",
                 "Where your entity serves its messages' details and attachments, and how the gateway authenticates.")) }
        @match &listed {
            Err(p) => {
                (problem_box(p, l))
                @if p.code == "RECAPITO_NOT_CONNECTED" {
                    p { a href="/recapito/collega" { (l.t("Collega la console", "Connect the console")) } }
                }
            }
            Ok(list) => {
                p class="actions" { a class="button" href="/recapito/configurazioni/nuova" { (l.t("Nuova configurazione", "New configuration")) } }
                @if list.is_empty() {
                    p { (l.t("Nessuna configurazione.", "No configuration.")) }
                } @else {
                    table class="list" tabindex="0" {
                        caption { (l.t("Configurazioni del tuo ente", "Your entity's configurations")) }
                        thead { tr {
                            th scope="col" { (l.t("Nome", "Name")) }
                            th scope="col" { (l.t("Ambienti", "Environments")) }
                            th scope="col" { (l.t("Identificativo", "Identifier")) }
                        } }
                        tbody {
                            @for c in list {
                                tr {
                                    th scope="row" { a href=(format!("{LIST}/{}", crate::engine::encode(&c.configuration_id))) { (c.configuration.name) } }
                                    td { (environments(&c.configuration, l)) }
                                    td { code { (c.configuration_id) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    visit.finish(&st, layout(title, &visit, super::ROOT, body))
}

fn environments(c: &NewRcConfiguration, l: Lang) -> String {
    let mut v = Vec::new();
    if let Some(p) = &c.prod_environment {
        v.push(format!(
            "{} {}",
            l.t("produzione:", "production:"),
            p.base_url
        ));
    }
    if let Some(t) = &c.test_environment {
        v.push(format!("{} {}", l.t("test:", "test:"), t.base_url));
    }
    v.join("; ")
}

#[derive(Deserialize)]
struct EnginePurpose {
    id: String,
    title: String,
    #[serde(default)]
    versions: Vec<EngineVersion>,
}

#[derive(Deserialize)]
struct EngineVersion {
    state: String,
}

/// The purposes an Interop-voucher authentication can name: the active purposes on the
/// tenant's own e-services (the gateway obtains a voucher for them as their consumer).
async fn purposes(st: &AppState, user: &User) -> Vec<(String, String)> {
    st.engine
        .page::<EnginePurpose>(&user.token, "/purposes?side=producer&limit=500")
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|p| p.versions.iter().any(|v| v.state == "ACTIVE"))
                .map(|p| (p.id, p.title))
                .collect()
        })
        .unwrap_or_default()
}

/// "Nuova configurazione".
pub async fn new_form(State(st): St, Signed(visit, user, _): Signed<RecapitoUser>) -> Response {
    let mut typed = Fields::new();
    typed.insert("precondizione".into(), "ONCE".into());
    render(&st, &visit, &user, None, None, &typed, StatusCode::OK).await
}

/// The configuration form: new (`id` none) or editing `id` (`current`).
async fn render(
    st: &AppState,
    visit: &Visit,
    user: &User,
    editing: Option<(&str, &NewRcConfiguration)>,
    error: Option<&Problem>,
    typed: &Fields,
    status: StatusCode,
) -> Response {
    let l = visit.session.lang;
    let title = match editing {
        Some(_) => l.t("Modifica la configurazione", "Edit the configuration"),
        None => l.t("Nuova configurazione", "New configuration"),
    };
    let options = purposes(st, user).await;
    let action = match editing {
        Some((id, _)) => format!("{LIST}/{}", crate::engine::encode(id)),
        None => format!("{LIST}/nuova"),
    };
    let v = |k: &str| typed.get(k).map_or("", String::as_str);
    let body = html! {
        h1 { (title) }
        (subnav(visit, LIST))
        @if let Some(e) = error { (problem_box(e, l)) }
        form method="post" action=(action) {
            (csrf_field(visit))
            (Field::new("nome", l.t("Nome", "Name"), Input::Text, v("nome")).required().max(200).render(error, "name", l))
            (Field::new("descrizione", l.t("Descrizione", "Description"), Input::Area, v("descrizione")).required().render(error, "description", l))
            (precondition(v("precondizione"), error, l))
            fieldset {
                legend { "Lollipop" }
                label class="check" {
                    input type="checkbox" name="lollipop" value="si" checked[v("lollipop") == "si"];
                    " " (l.t("Il gateway passa al servizio le intestazioni lollipop dell'app", "The gateway passes the app's lollipop headers to the service"))
                }
                (Field::new("no_lollipop", l.t("Codici fiscali senza lollipop", "Fiscal codes without lollipop"), Input::Area, v("no_lollipop"))
                    .hint(l.t("Uno per riga.", "One per line.")).render(error, "disable_lollipop_for", l))
            }
            @for (prefix, gw) in ENVS {
                (environment_fields(prefix, gw, typed, editing.map(|(_, c)| c), &options, error, l))
            }
            div class="actions" {
                button type="submit" { (l.t("Salva la configurazione", "Save the configuration")) }
                " " a href=(LIST) { (l.t("Annulla", "Cancel")) }
            }
        }
        @if let Some((id, c)) = editing {
            h2 { (l.t("Elimina", "Delete")) }
            form method="post" action=(format!("{LIST}/{}/elimina", crate::engine::encode(id))) {
                (csrf_field(visit))
                (web::confirm_field(visit, &format!("{} «{}»", l.t("elimina la configurazione", "delete the configuration"), c.name)))
                div class="actions" { button type="submit" { (l.t("Elimina la configurazione", "Delete the configuration")) } }
            }
        }
    };
    visit.finish(st, (status, layout(title, visit, super::ROOT, body)))
}

/// The problem's sentence next to a field it blames.
fn blame(error: Option<&Problem>, gw: &str, id: &str, l: Lang) -> Option<Markup> {
    error.filter(|e| e.concerns(gw)).map(|e| {
        html! { p class="field-error" id=(format!("{id}-err")) { (e.sentence(l)) " " (e.detail) " (" code { (e.code) } ")" } }
    })
}

fn precondition(value: &str, error: Option<&Problem>, l: Lang) -> Markup {
    let options = [
        ("ALWAYS", l.t("Sempre", "Always")),
        (
            "ONCE",
            l.t(
                "Una volta, finché il messaggio non è letto",
                "Once, until the message is read",
            ),
        ),
        ("NEVER", l.t("Mai", "Never")),
    ];
    let err = blame(error, "has_precondition", "f-precondizione", l);
    html! {
        div class={ "field" @if err.is_some() { " invalid" } } {
            label for="f-precondizione" { (l.t("Quando l'app mostra la precondizione", "When the app shows the precondition")) }
            @if let Some(e) = &err { (e) }
            select id="f-precondizione" name="precondizione" {
                @for (v, label) in options { option value=(v) selected[value == v] { (label) } }
            }
        }
    }
}

fn environment_fields(
    prefix: &str,
    gw: &str,
    typed: &Fields,
    current: Option<&NewRcConfiguration>,
    purposes: &[(String, String)],
    error: Option<&Problem>,
    l: Lang,
) -> Markup {
    let v = |k: &str| {
        typed
            .get(&format!("{prefix}_{k}"))
            .map_or("", String::as_str)
    };
    let (legend, hint) = if prefix == "prod" {
        (l.t("Ambiente di produzione", "Production environment"),
         l.t("Lascia vuoto l'indirizzo per non avere questo ambiente. Serve almeno un ambiente.", "Leave the address empty for no such environment. At least one environment is needed."))
    } else {
        (l.t("Ambiente di test", "Test environment"),
         l.t("Solo gli utenti di test ricevono i contenuti da qui. Lascia vuoto l'indirizzo per non averlo.", "Only the test users get content from here. Leave the address empty for none."))
    };
    let stored_key = current
        .and_then(|c| {
            if prefix == "prod" {
                c.prod_environment
                    .as_ref()
                    .map(|e| &e.details_authentication)
            } else {
                c.test_environment
                    .as_ref()
                    .map(|e| &e.details_authentication)
            }
        })
        .is_some_and(|a| matches!(a, DetailsAuthentication::ApiKey { .. }));
    let auth = if v("auth") == "API_KEY" {
        "API_KEY"
    } else {
        "INTEROP_VOUCHER"
    };
    let chosen = v("finalita");
    let auth_field = format!("{gw}.details_authentication");
    let url_label = l.t("Indirizzo di base (base_url)", "Base address (base_url)");
    let header_label = l.t("Nome dell'intestazione della chiave", "Key header name");
    let key_label = l.t("Valore della chiave API", "API key value");
    let key_hint = if stored_key {
        l.t(
            "Impostata: non viene mostrata. Lascia vuoto per mantenerla, o scrivi un nuovo valore.",
            "Set: it is not shown. Leave empty to keep it, or type a new value.",
        )
    } else {
        l.t(
            "Non viene più mostrata dopo il salvataggio.",
            "It is not shown again after saving.",
        )
    };
    let purpose_id = format!("f-{prefix}_finalita");
    let purpose_err = blame(error, &format!("{auth_field}.purpose_id"), &purpose_id, l);
    html! {
        fieldset class={ "environment" @if error.is_some_and(|e| e.concerns(gw)) { " invalid" } } {
            legend { (legend) }
            p class="hint" { (hint) }
            (Field::new(&format!("{prefix}_url"), url_label, Input::Text, v("url")).hint("https://…").render(error, &format!("{gw}.base_url"), l))
            fieldset {
                legend { (l.t("Come si autentica il gateway", "How the gateway authenticates")) }
                label class="check" {
                    input type="radio" name=(format!("{prefix}_auth")) value="INTEROP_VOUCHER" checked[auth == "INTEROP_VOUCHER"];
                    " " (l.t("Voucher Interop", "Interop voucher"))
                }
                label class="check" {
                    input type="radio" name=(format!("{prefix}_auth")) value="API_KEY" checked[auth == "API_KEY"];
                    " " (l.t("Chiave API in un'intestazione", "API key in a header"))
                }
                div class={ "field" @if purpose_err.is_some() { " invalid" } } {
                    label for=(purpose_id) { (l.t("Finalità del voucher (con voucher Interop)", "The voucher's purpose (with an Interop voucher)")) }
                    @if let Some(e) = &purpose_err { (e) }
                    select id=(purpose_id) name=(format!("{prefix}_finalita")) {
                        option value="" selected[chosen.is_empty()] { (l.t("— scegli —", "— choose —")) }
                        @for (id, title) in purposes { option value=(id) selected[chosen == id] { (title) " (" (id) ")" } }
                        @if !chosen.is_empty() && !purposes.iter().any(|(id, _)| id == chosen) {
                            option value=(chosen) selected { (chosen) }
                        }
                    }
                }
                (Field::new(&format!("{prefix}_header"), header_label, Input::Text, v("header")).render(error, &format!("{auth_field}.header_key_name"), l))
                (Field::new(&format!("{prefix}_chiave"), key_label, Input::Secret, "").hint(key_hint).render(error, &format!("{auth_field}.key"), l))
            }
            @if prefix == "test" {
                (Field::new("test_utenti", l.t("Utenti di test (codici fiscali)", "Test users (fiscal codes)"), Input::Area, typed.get("test_utenti").map_or("", String::as_str))
                    .hint(l.t("Uno per riga.", "One per line.")).render(error, &format!("{gw}.test_users"), l))
            }
        }
    }
}

/// Creates a configuration from the form.
pub async fn create(State(st): St, Posted(visit, user, form, _): Posted<RecapitoUser>) -> Response {
    let l = visit.session.lang;
    let body = from_form(&form, None);
    let done = match gateway(&st, &user) {
        Ok(g) => g.create_configuration(&body).await.map_err(Problem::from),
        Err(p) => Err(p),
    };
    match done {
        Ok(c) => {
            web::flash(
                &st,
                &visit,
                format!(
                    "{} «{}» {}",
                    l.t("Configurazione", "Configuration"),
                    c.configuration.name,
                    l.t(
                        "creata: i messaggi che la indicano prendono i contenuti da qui.",
                        "created: the messages naming it take their content from here."
                    )
                ),
            );
            visit.finish(&st, web::redirect(LIST))
        }
        Err(p) => {
            let status = crate::web::refusal_status(p.status);
            render(
                &st,
                &visit,
                &user,
                None,
                Some(&p),
                &without_secrets(&form),
                status,
            )
            .await
        }
    }
}

/// What was typed, without the API key values (never echoed back).
fn without_secrets(form: &Fields) -> Fields {
    let mut f = form.clone();
    f.remove("prod_chiave");
    f.remove("test_chiave");
    f
}

async fn stored(st: &AppState, user: &User, id: &str) -> Result<RcConfiguration, Problem> {
    gateway(st, user)?
        .configuration(&crate::engine::encode(id))
        .await
        .map_err(Problem::from)
}

/// "Modifica la configurazione".
pub async fn edit_form(
    State(st): St,
    Signed(visit, user, _): Signed<RecapitoUser>,
    Path(id): Path<String>,
) -> Response {
    match stored(&st, &user, &id).await {
        Ok(c) => {
            let typed = to_form(&c.configuration);
            render(
                &st,
                &visit,
                &user,
                Some((&id, &c.configuration)),
                None,
                &typed,
                StatusCode::OK,
            )
            .await
        }
        Err(p) => problem_page(&st, &visit, &p),
    }
}

/// Replaces a configuration with the form.
pub async fn update(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<RecapitoUser>,
) -> Response {
    let l = visit.session.lang;
    let current = match stored(&st, &user, &id).await {
        Ok(c) => c,
        Err(p) => return problem_page(&st, &visit, &p),
    };
    let body = from_form(&form, Some(&current.configuration));
    let done = match gateway(&st, &user) {
        Ok(g) => g
            .update_configuration(&crate::engine::encode(&id), &body)
            .await
            .map_err(Problem::from),
        Err(p) => Err(p),
    };
    match done {
        Ok(()) => {
            web::flash(
                &st,
                &visit,
                format!(
                    "{} «{}» {}",
                    l.t("Configurazione", "Configuration"),
                    body.name,
                    l.t(
                        "aggiornata: vale dal prossimo recupero dei contenuti.",
                        "updated: it applies from the next content fetch."
                    )
                ),
            );
            visit.finish(&st, web::redirect(LIST))
        }
        Err(p) => {
            let status = crate::web::refusal_status(p.status);
            render(
                &st,
                &visit,
                &user,
                Some((&id, &current.configuration)),
                Some(&p),
                &without_secrets(&form),
                status,
            )
            .await
        }
    }
}

/// Deletes a configuration (confirmed).
pub async fn delete(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<RecapitoUser>,
) -> Response {
    let l = visit.session.lang;
    let current = match stored(&st, &user, &id).await {
        Ok(c) => c,
        Err(p) => return problem_page(&st, &visit, &p),
    };
    if !web::confirmed(&form) {
        let mut p = Problem::own(400, "CONFIRMATION_REQUIRED");
        p.fields = vec!["conferma".into()];
        let typed = to_form(&current.configuration);
        return render(
            &st,
            &visit,
            &user,
            Some((&id, &current.configuration)),
            Some(&p),
            &typed,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let done = match gateway(&st, &user) {
        Ok(g) => g
            .delete_configuration(&crate::engine::encode(&id))
            .await
            .map_err(Problem::from),
        Err(p) => Err(p),
    };
    match done {
        Ok(()) => {
            web::flash(&st, &visit, format!("{} «{}» {}", l.t("Configurazione", "Configuration"), current.configuration.name,
                l.t("eliminata: i messaggi che la indicano non mostrano più i contenuti remoti.", "deleted: the messages naming it no longer show remote content.")));
            visit.finish(&st, web::redirect(LIST))
        }
        Err(p) => problem_page(&st, &visit, &p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_with_a_voucher_production_environment_is_the_contracts_json() {
        let f = form(&[
            ("nome", " Comune "),
            ("descrizione", "Contenuti del Comune"),
            ("precondizione", "ALWAYS"),
            ("lollipop", "si"),
            ("no_lollipop", "spndnl80r13c555x\nRSSMRA85T10A562S"),
            ("prod_url", "https://comune.example/rc"),
            ("prod_auth", "INTEROP_VOUCHER"),
            ("prod_finalita", "5f0c6f39-2d0c-4bd4-9c55-3a0d8e0f7a11"),
            ("test_url", ""),
        ]);
        let json = serde_json::to_value(from_form(&f, None)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "Comune",
                "description": "Contenuti del Comune",
                "has_precondition": "ALWAYS",
                "is_lollipop_enabled": true,
                "disable_lollipop_for": ["SPNDNL80R13C555X", "RSSMRA85T10A562S"],
                "prod_environment": {
                    "base_url": "https://comune.example/rc",
                    "details_authentication": {"type": "INTEROP_VOUCHER", "purpose_id": "5f0c6f39-2d0c-4bd4-9c55-3a0d8e0f7a11"}
                }
            })
        );
    }

    #[test]
    fn a_test_environment_with_an_api_key_carries_its_users() {
        let f = form(&[
            ("nome", "Test"),
            ("descrizione", "Solo test"),
            ("test_url", "https://test.example"),
            ("test_auth", "API_KEY"),
            ("test_header", "X-Api-Key"),
            ("test_chiave", "s3cret"),
            ("test_utenti", "SPNDNL80R13C555X, RSSMRA85T10A562S"),
        ]);
        let c = from_form(&f, None);
        assert_eq!(c.prod_environment, None);
        assert_eq!(c.has_precondition, HasPrecondition::Once);
        assert!(!c.is_lollipop_enabled);
        let t = c.test_environment.unwrap();
        assert_eq!(t.test_users, vec!["SPNDNL80R13C555X", "RSSMRA85T10A562S"]);
        assert_eq!(
            t.details_authentication,
            DetailsAuthentication::ApiKey {
                header_key_name: "X-Api-Key".into(),
                key: "s3cret".into()
            }
        );
    }

    #[test]
    fn an_empty_key_keeps_the_stored_one_and_the_form_never_holds_it() {
        let stored = from_form(
            &form(&[
                ("nome", "N"),
                ("descrizione", "D"),
                ("prod_url", "https://e.example"),
                ("prod_auth", "API_KEY"),
                ("prod_header", "X-Key"),
                ("prod_chiave", "old-secret"),
            ]),
            None,
        );
        let mut typed = to_form(&stored);
        assert!(
            typed.values().all(|v| !v.contains("old-secret")),
            "{typed:?}"
        );
        typed.insert("prod_chiave".into(), String::new());
        let kept = from_form(&typed, Some(&stored));
        assert_eq!(kept, stored);
        typed.insert("prod_chiave".into(), "new-secret".into());
        let changed = from_form(&typed, Some(&stored));
        assert!(matches!(
            changed.prod_environment.unwrap().details_authentication,
            DetailsAuthentication::ApiKey { key, .. } if key == "new-secret"
        ));
        assert!(!without_secrets(&typed).contains_key("prod_chiave"));
    }
}
