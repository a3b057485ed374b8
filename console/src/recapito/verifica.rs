//! "Verifica dell'endpoint": `gateway probe` in the console, two ways.
//!
//! - **Un indirizzo con chiave API** (`?modo=indirizzo`, the default): the form takes what the CLI
//!   takes (base_url, the API key, a citizen's fiscal code, a message id, the flags the entity
//!   means to declare, lollipop); the probe runs in-process through the gateway's library
//!   ([`gateway::probe::run`]: its fetch path, its checks, its egress policy widened only by the
//!   console's `probe_egress_allow`). The API key is never shown back.
//! - **Una configurazione salvata** (`?modo=configurazione`): one of the tenant's configurations,
//!   probed by the gateway itself through its probe API with the tenant's voucher (the console
//!   must be connected): the gateway calls with the configuration's own credentials — its API
//!   key, or the gateway's own Interop vouchers — so voucher-protected endpoints are checked too.
//!
//! Either way the page shows every check with its code, meaning, fix and time, in the page's
//! language ([`super::correzioni`]).

use super::{Problem, correzioni, problem_box, subnav};
use crate::St;
use crate::session::Lang;
use crate::web::{Field, Fields, Input, Posted, RecapitoUser, Signed, csrf_field, layout};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gateway::config::FetchSettings;
use gateway::domain::egress::Network;
use gateway::probe::report::{Report, Status};
use gateway::probe::{Flags, Options};
use maud::{Markup, html};
use provider_sdk::contract::probe::{ProbeEnvironment, ProbeRequest};
use provider_sdk::contract::{DetailsAuthentication, FiscalCode, HasPrecondition, RcConfiguration};
use std::collections::HashMap;

/// The page's path.
pub const PATH: &str = "/recapito/verifica";
/// How often a tenant's users may probe an address from the console: one probe at a time per
/// tenant, six a minute, four at once for everybody — the gateway's probe API's defaults (a
/// saved configuration is probed by the gateway, under its own `[probe]` limits).
pub const PROBE_LIMITS: gateway::probe::admission::Limits =
    gateway::probe::admission::DEFAULT_LIMITS;

/// The header the key goes in unless the form says otherwise (as the CLI's default).
pub const DEFAULT_HEADER: &str = "X-Api-Key";

/// What the page probes: an address with an API key (in the console), or a saved
/// configuration (by the gateway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Address,
    Saved,
}

impl Mode {
    /// `modo` of the query or the form; anything else is the default.
    pub fn parse(s: Option<&str>) -> Mode {
        match s {
            Some("configurazione") => Mode::Saved,
            _ => Mode::Address,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Mode::Address => "indirizzo",
            Mode::Saved => "configurazione",
        }
    }
}

fn invalid(field: &str, detail: &str) -> Problem {
    Problem {
        status: 400,
        code: "VALIDATION_FAILED".into(),
        detail: detail.into(),
        fields: vec![field.into()],
    }
}

/// The declared precondition of the form (`""`: none).
fn precondition(v: &str) -> Result<Option<HasPrecondition>, Problem> {
    match v {
        "" => Ok(None),
        "NEVER" => Ok(Some(HasPrecondition::Never)),
        "ONCE" => Ok(Some(HasPrecondition::Once)),
        "ALWAYS" => Ok(Some(HasPrecondition::Always)),
        other => Err(invalid("has_precondition", other)),
    }
}

/// The saved configuration to probe and what to probe it with. The gateway checks the fiscal
/// code, the message id and the environment again (its problems blame the same fields).
pub fn request(form: &Fields) -> Result<(String, ProbeRequest), Problem> {
    let v = |k: &str| form.get(k).map_or("", |s| s.trim());
    let on = |k: &str| !v(k).is_empty();
    let configuration = v("configurazione");
    if configuration.is_empty() {
        return Err(invalid("configurazione", ""));
    }
    let environment = match v("environment") {
        "" | "PROD" => ProbeEnvironment::Prod,
        "TEST" => ProbeEnvironment::Test,
        other => return Err(invalid("environment", other)),
    };
    Ok((
        configuration.to_owned(),
        ProbeRequest {
            fiscal_code: v("fiscal_code").to_uppercase(),
            message_id: form.get("message_id").cloned().unwrap_or_default(),
            environment,
            has_precondition: precondition(v("has_precondition"))?,
            has_remote_content: on("has_remote_content"),
            has_attachments: on("has_attachments"),
            lollipop: on("lollipop"),
        },
    ))
}

/// The probe's options for the form, with the gateway's fetch settings and the console's
/// `probe_egress_allow`; the field blamed when one is not usable.
pub fn options(
    form: &Fields,
    mut fetch: FetchSettings,
    allow: &[Network],
) -> Result<Options, Problem> {
    let v = |k: &str| form.get(k).map_or("", |s| s.trim());
    let on = |k: &str| !v(k).is_empty();
    let base_url: url::Url = v("base_url")
        .parse()
        .ok()
        .filter(|u: &url::Url| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| invalid("base_url", "http(s) URL"))?;
    let key = v("api_key");
    if key.is_empty() {
        return Err(invalid("api_key", ""));
    }
    let header = if v("api_key_header").is_empty() {
        DEFAULT_HEADER
    } else {
        v("api_key_header")
    };
    if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err() {
        return Err(invalid("api_key_header", header));
    }
    let fiscal_code = FiscalCode::parse(&v("fiscal_code").to_uppercase())
        .map_err(|_| invalid("fiscal_code", v("fiscal_code")))?;
    let message_id = v("message_id");
    if message_id.is_empty() {
        return Err(invalid("message_id", ""));
    }
    let has_precondition = precondition(v("has_precondition"))?;
    fetch.egress_allow.extend(allow.iter().cloned());
    Ok(Options {
        base_url,
        auth: DetailsAuthentication::ApiKey {
            header_key_name: header.to_owned(),
            key: key.to_owned(),
        },
        interop: None,
        fiscal_code,
        message_id: message_id.to_owned(),
        flags: Flags {
            has_precondition,
            has_remote_content: on("has_remote_content"),
            has_attachments: on("has_attachments"),
        },
        lollipop: on("lollipop"),
        fetch,
    })
}

fn status_label(s: Status, l: Lang) -> &'static str {
    match s {
        Status::Pass => l.t("SUPERATO", "PASS"),
        Status::Warn => l.t("AVVISO", "WARN"),
        Status::Fail => l.t("FALLITO", "FAIL"),
    }
}

/// What both forms ask besides the target: the citizen, the message, the flags, lollipop.
fn message_fields(typed: &Fields, error: Option<&Problem>, l: Lang) -> Markup {
    let v = |k: &str| typed.get(k).map_or("", |s| s.as_str());
    let on = |k: &str| !v(k).is_empty();
    let pre = v("has_precondition");
    html! {
        (Field::new("fiscal_code", l.t("Codice fiscale del cittadino", "Citizen's fiscal code"), Input::Text, v("fiscal_code"))
            .required().max(16).render(error, "fiscal_code", l))
        (Field::new("message_id", l.t("Identificativo del messaggio presso l'ente", "The entity's message id"), Input::Text, v("message_id"))
            .required().render(error, "message_id", l))
        div class="field" {
            label for="f-has_precondition" { (l.t("Precondizione dichiarata", "Declared precondition")) }
            select id="f-has_precondition" name="has_precondition" {
                option value="" selected[pre.is_empty()] { (l.t("Nessuna", "None")) }
                @for p in ["NEVER", "ONCE", "ALWAYS"] { option value=(p) selected[pre == p] { (p) } }
            }
        }
        fieldset {
            legend { (l.t("Cosa dichiarerà il messaggio", "What the message will declare")) }
            div class="check" {
                input id="f-has_remote_content" name="has_remote_content" type="checkbox" value="1" checked[on("has_remote_content")];
                label for="f-has_remote_content" { (l.t("Contenuto remoto", "Remote content")) }
            }
            div class="check" {
                input id="f-has_attachments" name="has_attachments" type="checkbox" value="1" checked[on("has_attachments")];
                label for="f-has_attachments" { (l.t("Allegati", "Attachments")) }
            }
            div class="check" {
                input id="f-lollipop" name="lollipop" type="checkbox" value="1" checked[on("lollipop")];
                label for="f-lollipop" { (l.t("Firma lollipop (come un dispositivo)", "Lollipop signature (as a device)")) }
            }
        }
    }
}

fn address_form(visit: &crate::Visit, typed: &Fields, error: Option<&Problem>) -> Markup {
    let l = visit.session.lang;
    let v = |k: &str| typed.get(k).map_or("", |s| s.as_str());
    let header = if v("api_key_header").is_empty() {
        DEFAULT_HEADER
    } else {
        v("api_key_header")
    };
    html! {
        form method="post" action=(PATH) {
            (csrf_field(visit))
            input type="hidden" name="modo" value=(Mode::Address.as_str());
            (Field::new("base_url", l.t("Indirizzo base dell'endpoint (base_url)", "Endpoint base address (base_url)"), Input::Url, v("base_url"))
                .required().hint(l.t("Es. https://ente.example.it/rc: il gateway chiama {base_url}/messages/{id}.", "E.g. https://entity.example.it/rc: the gateway calls {base_url}/messages/{id}."))
                .render(error, "base_url", l))
            (Field::new("api_key_header", l.t("Intestazione della chiave API", "API key header"), Input::Text, header)
                .required().render(error, "api_key_header", l))
            (Field::new("api_key", l.t("Chiave API", "API key"), Input::Secret, "").required()
                .hint(l.t("Non viene conservata né mostrata di nuovo: riscrivila a ogni verifica.", "It is neither kept nor shown again: type it for each check."))
                .render(error, "api_key", l))
            (message_fields(typed, error, l))
            div class="actions" { button type="submit" { (l.t("Verifica l'endpoint", "Check the endpoint")) } }
        }
    }
}

/// The saved-configuration form: the tenant's configurations (or why they cannot be listed).
fn saved_form(
    visit: &crate::Visit,
    typed: &Fields,
    error: Option<&Problem>,
    configurations: &Result<Vec<RcConfiguration>, Problem>,
) -> Markup {
    let l = visit.session.lang;
    let v = |k: &str| typed.get(k).map_or("", |s| s.as_str());
    let chosen = v("configurazione");
    let env = v("environment");
    let configurations = match configurations {
        Ok(c) => c,
        Err(p) => {
            // The page already shows a refusal with this code (a POST refused the same way).
            let shown = error.is_some_and(|e| e.code == p.code);
            return html! {
                @if !shown { (problem_box(p, l)) }
                @if p.code == "RECAPITO_NOT_CONNECTED" {
                    p { a href="/recapito/collega" { (l.t("Collega la console", "Connect the console")) } }
                }
            };
        }
    };
    if configurations.is_empty() {
        return html! {
            p { (l.t("Il tuo ente non ha ancora configurazioni: ", "Your entity has no configurations yet: "))
                a href="/recapito/configurazioni/nuova" { (l.t("crea una configurazione", "create a configuration")) } "." }
        };
    }
    let blamed = |f: &str| error.filter(|e| e.concerns(f));
    html! {
        form method="post" action=(PATH) {
            (csrf_field(visit))
            input type="hidden" name="modo" value=(Mode::Saved.as_str());
            div class={ "field" @if blamed("configurazione").is_some() { " invalid" } } {
                label for="f-configurazione" { (l.t("Configurazione", "Configuration")) " " span class="req" { (l.t("(obbligatorio)", "(required)")) } }
                @if let Some(e) = blamed("configurazione") {
                    p class="field-error" id="f-configurazione-err" { (e.sentence(l)) " (" code { (e.code) } ")" }
                }
                select id="f-configurazione" name="configurazione" required {
                    @for c in configurations {
                        @let auth = match &c.configuration.prod_environment.as_ref().map(|e| &e.details_authentication) {
                            Some(DetailsAuthentication::InteropVoucher { .. }) => l.t("voucher Interop", "Interop voucher"),
                            Some(DetailsAuthentication::ApiKey { .. }) => l.t("chiave API", "API key"),
                            None => l.t("solo test", "test only"),
                        };
                        option value=(c.configuration_id) selected[chosen == c.configuration_id] {
                            (c.configuration.name) " — " (auth) " (" (c.configuration_id) ")"
                        }
                    }
                }
            }
            div class={ "field" @if blamed("environment").is_some() { " invalid" } } {
                label for="f-environment" { (l.t("Ambiente", "Environment")) }
                p class="hint" id="f-environment-hint" { (l.t("L'ambiente di test si verifica solo per uno dei suoi utenti di test.", "The test environment is checked only for one of its test users.")) }
                @if let Some(e) = blamed("environment") {
                    p class="field-error" id="f-environment-err" { (e.sentence(l)) " " (e.detail) " (" code { (e.code) } ")" }
                }
                select id="f-environment" name="environment" aria-describedby="f-environment-hint" {
                    option value="PROD" selected[env != "TEST"] { (l.t("Produzione", "Production")) }
                    option value="TEST" selected[env == "TEST"] { (l.t("Test", "Test")) }
                }
            }
            (message_fields(typed, error, l))
            div class="actions" { button type="submit" { (l.t("Fai verificare al gateway", "Have the gateway check it")) } }
        }
    }
}

/// The CSS class of a check's row and of the summary.
fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "probe-pass",
        Status::Warn => "probe-warn",
        Status::Fail => "probe-fail",
    }
}

fn report(r: &Report, l: Lang) -> Markup {
    let s = &r.summary;
    html! {
        section class="probe-report" aria-labelledby="esito" {
            h2 id="esito" { (l.t("Esito", "Outcome")) }
            p class={ "probe-summary " (status_class(s.outcome)) } role="status" {
                strong { (status_label(s.outcome, l)) } ": "
                (s.passed) " " (l.t("superati", "passed")) ", "
                (s.warnings) " " (l.t("avvisi", "warnings")) ", "
                (s.failed) " " (l.t("falliti", "failed")) " — "
                (s.elapsed_ms) " ms"
            }
            div class="table-scroll" tabindex="0" role="region" aria-label=(l.t("Controlli", "Checks")) {
            table class="list" {
                caption { (l.t("Controlli eseguiti su ", "Checks run against ")) code { (r.base_url) } }
                thead { tr {
                    th scope="col" { (l.t("Controllo", "Check")) }
                    th scope="col" { (l.t("Esito", "Result")) }
                    th scope="col" { (l.t("Codice", "Code")) }
                    th scope="col" { (l.t("Significato", "Meaning")) }
                    th scope="col" { (l.t("Come correggere", "How to fix")) }
                    th scope="col" { (l.t("Tempo", "Time")) }
                } }
                tbody {
                    @for c in &r.checks {
                        tr class=(status_class(c.status)) {
                            th scope="row" { (c.name) br; code { (c.path) } }
                            td { strong { (status_label(c.status, l)) } }
                            td { code { (c.code) } }
                            td { (correzioni::meaning(&c.code, &c.meaning, l)) @if !c.detail.is_empty() { br; small { (c.detail) } } }
                            td { (correzioni::fix(&c.code, &c.fix, l)) }
                            td { (c.elapsed_ms) " ms" }
                        }
                    }
                }
            }
            }
        }
    }
}

/// What a page shows besides its form: the typed values, the refusal, the report.
struct Shown<'a> {
    typed: &'a Fields,
    error: Option<&'a Problem>,
    result: Option<Markup>,
}

async fn page(
    st: &crate::AppState,
    visit: &crate::Visit,
    user: &crate::session::User,
    mode: Mode,
    status: StatusCode,
    shown: Shown<'_>,
) -> Response {
    let l = visit.session.lang;
    let title = l.t("Verifica dell'endpoint", "Endpoint check");
    let form = match mode {
        Mode::Address => address_form(visit, shown.typed, shown.error),
        Mode::Saved => {
            let configurations = match super::gateway(st, user) {
                Ok(g) => g.configurations().await.map_err(Problem::from),
                Err(p) => Err(p),
            };
            saved_form(visit, shown.typed, shown.error, &configurations)
        }
    };
    let tab = |m: Mode, it: &'static str, en: &'static str| {
        html! {
            li { a href=(format!("{PATH}?modo={}", m.as_str())) aria-current=[(m == mode).then_some("page")] { (l.t(it, en)) } }
        }
    };
    let body = html! {
        h1 { (title) }
        (subnav(visit, PATH))
        p { (l.t("Il gateway chiama il tuo endpoint come farebbe l'app all'apertura di un messaggio (precondizione, dettagli, allegati) e riporta ogni controllo, con il codice, il suo significato e come correggerlo.",
                 "The gateway calls your endpoint as the app would when a message is opened (precondition, details, attachments) and reports every check, with its code, its meaning and how to fix it.")) }
        nav class="probe-modes" aria-label=(l.t("Cosa verificare", "What to check")) {
            ul {
                (tab(Mode::Address, "Un indirizzo con chiave API", "An address with an API key"))
                (tab(Mode::Saved, "Una configurazione salvata (anche con voucher Interop)", "A saved configuration (Interop vouchers too)"))
            }
        }
        @if mode == Mode::Saved {
            p { (l.t("Il gateway verifica la configurazione da dove gira, con le sue credenziali: la chiave API salvata, oppure i propri voucher Interop per la finalità indicata.",
                     "The gateway checks the configuration from where it runs, with its credentials: the saved API key, or its own Interop vouchers for the purpose named.")) }
        }
        @if let Some(e) = shown.error.filter(|e| e.fields.is_empty()) { (problem_box(e, l)) }
        // The report first: what the user came for; the form, still filled, under it.
        @if let Some(r) = shown.result { (r) }
        (form)
    };
    visit.finish(st, (status, layout(title, visit, super::ROOT, body)))
}

/// The empty form of the mode the query asks (`?modo=configurazione`).
pub async fn form_page(
    State(st): St,
    Signed(visit, user, _): Signed<RecapitoUser>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mode = Mode::parse(q.get("modo").map(String::as_str));
    let empty = Fields::new();
    let shown = Shown {
        typed: &empty,
        error: None,
        result: None,
    };
    page(&st, &visit, &user, mode, StatusCode::OK, shown).await
}

/// The problem the probe could not start with (the gateway's fetch settings unusable).
fn unavailable(detail: String) -> Problem {
    Problem {
        status: 500,
        code: "PROBE_UNAVAILABLE".into(),
        detail,
        fields: Vec::new(),
    }
}

/// Probes an address in the console, within the tenant's share of [`PROBE_LIMITS`].
async fn probe_address(
    st: &crate::AppState,
    user: &crate::session::User,
    form: &Fields,
) -> Result<Report, Problem> {
    let fetch = FetchSettings::try_from(&gateway::Config::default().fetch)
        .map_err(|e| unavailable(e.to_string()))?;
    let o = options(form, fetch, &st.config.probe_egress_allow)?;
    let tenant = gateway::domain::TenantId::new(user.tenant_id.as_deref().unwrap_or_default());
    let _permit = st
        .probes
        .admit(&tenant, std::time::Instant::now())
        .map_err(|r| Problem {
            status: 429,
            code: "PROBE_LIMITED".into(),
            detail: format!("retry in {} s", r.retry_after_secs()),
            fields: Vec::new(),
        })?;
    gateway::probe::run(&o).await.map_err(unavailable)
}

/// Has the gateway probe a saved configuration.
async fn probe_saved(
    st: &crate::AppState,
    user: &crate::session::User,
    form: &Fields,
) -> Result<Report, Problem> {
    let (id, request) = request(form)?;
    let g = super::gateway(st, user)?;
    Ok(g.probe(&id, &request).await?)
}

/// Runs the probe and shows its report under the form (the typed values kept, the key not).
pub async fn probe(State(st): St, Posted(visit, user, form, _): Posted<RecapitoUser>) -> Response {
    let mode = Mode::parse(form.get("modo").map(String::as_str));
    let mut typed = form.clone();
    typed.remove("api_key");
    let outcome = match mode {
        Mode::Address => probe_address(&st, &user, &form).await,
        Mode::Saved => probe_saved(&st, &user, &form).await,
    };
    let l = visit.session.lang;
    let (status, shown) = match &outcome {
        Ok(r) => (
            StatusCode::OK,
            Shown {
                typed: &typed,
                error: None,
                result: Some(report(r, l)),
            },
        ),
        Err(p) => (
            crate::web::refusal_status(p.status),
            Shown {
                typed: &typed,
                error: Some(p),
                result: None,
            },
        ),
    };
    page(&st, &visit, &user, mode, status, shown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> FetchSettings {
        FetchSettings::try_from(&gateway::Config::default().fetch).unwrap()
    }

    fn typed(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_form_becomes_the_cli_options() {
        let f = typed(&[
            ("base_url", "http://127.0.0.1:8082/rc"),
            ("api_key_header", "X-Key"),
            ("api_key", "secret"),
            ("fiscal_code", "spndnl80r13c555x"),
            ("message_id", "m-1"),
            ("has_precondition", "ONCE"),
            ("has_remote_content", "1"),
            ("has_attachments", "1"),
            ("lollipop", "1"),
        ]);
        let allow: Vec<Network> = vec!["127.0.0.1/32".parse().unwrap()];
        let before = defaults().egress_allow.len();
        let o = options(&f, defaults(), &allow).unwrap();
        assert_eq!(o.base_url.as_str(), "http://127.0.0.1:8082/rc");
        assert_eq!(
            o.auth,
            DetailsAuthentication::ApiKey {
                header_key_name: "X-Key".into(),
                key: "secret".into()
            }
        );
        assert!(o.interop.is_none());
        assert_eq!(o.fiscal_code.as_str(), "SPNDNL80R13C555X");
        assert_eq!(o.message_id, "m-1");
        assert_eq!(
            o.flags,
            Flags {
                has_precondition: Some(HasPrecondition::Once),
                has_remote_content: true,
                has_attachments: true,
            }
        );
        assert!(o.lollipop);
        assert_eq!(o.fetch.egress_allow.len(), before + 1);
    }

    #[test]
    fn unchecked_boxes_and_an_empty_header_are_the_cli_defaults() {
        let f = typed(&[
            ("base_url", "https://ente.example.it/rc"),
            ("api_key", "k"),
            ("fiscal_code", "SPNDNL80R13C555X"),
            ("message_id", "m"),
        ]);
        let o = options(&f, defaults(), &[]).unwrap();
        assert_eq!(o.flags, Flags::default());
        assert!(!o.lollipop);
        assert!(
            matches!(o.auth, DetailsAuthentication::ApiKey { header_key_name, .. } if header_key_name == DEFAULT_HEADER)
        );
    }

    #[tokio::test]
    async fn loopback_is_probed_only_when_probe_egress_allow_lists_it() {
        // Nobody listens there: refused before connecting, or a connection that fails.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/rc", closed.local_addr().unwrap());
        drop(closed);
        let f = typed(&[
            ("base_url", &base),
            ("api_key", "k"),
            ("fiscal_code", "SPNDNL80R13C555X"),
            ("message_id", "m"),
        ]);
        let code = |allow: Vec<Network>| {
            let o = options(&f, defaults(), &allow).unwrap();
            async move {
                let r = gateway::probe::run(&o).await.unwrap();
                assert_eq!(r.summary.outcome, Status::Fail);
                r.checks[0].code.clone()
            }
        };
        assert_eq!(code(Vec::new()).await, "ENTITY_ADDRESS_NOT_ALLOWED");
        let allowed = code(vec!["127.0.0.1/32".parse().unwrap()]).await;
        assert_ne!(allowed, "ENTITY_ADDRESS_NOT_ALLOWED");
    }

    #[test]
    fn the_saved_configuration_form_becomes_the_gateways_probe_request() {
        let f = typed(&[
            ("modo", "configurazione"),
            ("configurazione", "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
            ("environment", "TEST"),
            ("fiscal_code", " spndnl80r13c555x "),
            ("message_id", "avviso 1"),
            ("has_precondition", "ONCE"),
            ("has_attachments", "1"),
        ]);
        assert_eq!(Mode::parse(f.get("modo").map(String::as_str)), Mode::Saved);
        let (id, r) = request(&f).unwrap();
        assert_eq!(id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assert_eq!(
            r,
            ProbeRequest {
                fiscal_code: "SPNDNL80R13C555X".into(),
                // The id as typed: spaces are part of it (the gateway percent-encodes them).
                message_id: "avviso 1".into(),
                environment: ProbeEnvironment::Test,
                has_precondition: Some(HasPrecondition::Once),
                has_remote_content: false,
                has_attachments: true,
                lollipop: false,
            }
        );
        // Production by default; a configuration must be chosen; an unknown environment blamed.
        let mut f = typed(&[("configurazione", "c"), ("message_id", "m")]);
        assert_eq!(request(&f).unwrap().1.environment, ProbeEnvironment::Prod);
        f.insert("environment".into(), "STAGING".into());
        assert_eq!(request(&f).unwrap_err().fields, vec!["environment"]);
        f.insert("configurazione".into(), " ".into());
        assert_eq!(request(&f).unwrap_err().fields, vec!["configurazione"]);
        assert_eq!(Mode::parse(Some("x")), Mode::Address);
        assert_eq!(Mode::parse(None), Mode::Address);
    }

    #[tokio::test]
    async fn a_tenant_probes_one_address_at_a_time() {
        // An endpoint that holds every connection for 600 ms, then closes it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/rc", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
                    drop(socket);
                });
            }
        });
        let st = crate::AppState::new(crate::Config {
            probe_egress_allow: vec!["127.0.0.1/32".parse().unwrap()],
            ..crate::Config::default()
        })
        .unwrap();
        let user = |tenant: &str| crate::session::User {
            name: "u".into(),
            tenant_name: "t".into(),
            tenant_id: Some(tenant.into()),
            roles: vec!["admin".into()],
            token: String::new(),
        };
        let f = typed(&[
            ("base_url", &base),
            ("api_key", "k"),
            ("fiscal_code", "SPNDNL80R13C555X"),
            ("message_id", "m"),
        ]);
        let (a, b) = (user("comune"), user("comune"));
        let (first, second) = tokio::join!(probe_address(&st, &a, &f), probe_address(&st, &b, &f));
        let refused: Vec<_> = [&first, &second]
            .into_iter()
            .filter_map(|r| r.as_ref().err())
            .collect();
        assert_eq!(refused.len(), 1, "{first:?} / {second:?}");
        assert_eq!(
            (refused[0].status, refused[0].code.as_str()),
            (429, "PROBE_LIMITED")
        );
        // Another tenant is not held up; the first tenant may go again once its probe ended.
        assert!(probe_address(&st, &user("altro"), &f).await.is_ok());
        assert!(probe_address(&st, &a, &f).await.is_ok());
    }

    #[test]
    fn each_unusable_value_blames_its_field() {
        let good = [
            ("base_url", "https://ente.example.it/rc"),
            ("api_key", "k"),
            ("fiscal_code", "SPNDNL80R13C555X"),
            ("message_id", "m"),
            ("has_precondition", ""),
        ];
        for (field, bad) in [
            ("base_url", "ftp://ente.example.it"),
            ("api_key", ""),
            ("fiscal_code", "ABC"),
            ("message_id", " "),
            ("has_precondition", "SOMETIMES"),
        ] {
            let mut f = typed(&good);
            f.insert(field.into(), bad.into());
            let e = options(&f, defaults(), &[]).unwrap_err();
            assert_eq!(e.fields, vec![field.to_owned()], "{field}");
            assert_eq!(e.code, "VALIDATION_FAILED");
        }
    }
}
