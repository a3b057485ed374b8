//! "Verifica dell'endpoint": `gateway probe` in the console. The form takes what the CLI takes
//! (base_url, the API key, a citizen's fiscal code, a message id, the flags the entity means to
//! declare, lollipop); the probe runs in-process through the gateway's library
//! ([`gateway::probe::run`]: its fetch path, its checks, its egress policy widened only by the
//! console's `probe_egress_allow`), and the page shows every check. The API key is never shown
//! back.

use super::{ROLES, subnav};
use crate::St;
use crate::engine::EngineError;
use crate::session::Lang;
use crate::web::{Field, Fields, Input, csrf_field, error_box, layout, posted_as, signed_in_as};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gateway::config::FetchSettings;
use gateway::domain::egress::Network;
use gateway::probe::report::{Report, Status};
use gateway::probe::{Flags, Options};
use maud::{Markup, html};
use provider_sdk::contract::{DetailsAuthentication, FiscalCode, HasPrecondition};

/// The page's path.
pub const PATH: &str = "/recapito/verifica";
/// The header the key goes in unless the form says otherwise (as the CLI's default).
pub const DEFAULT_HEADER: &str = "X-Api-Key";

fn invalid(field: &str, detail: &str) -> EngineError {
    EngineError {
        status: 400,
        code: "VALIDATION_FAILED".into(),
        detail: detail.into(),
        fields: vec![field.into()],
    }
}

/// The probe's options for the form, with the gateway's fetch settings and the console's
/// `probe_egress_allow`; the field blamed when one is not usable.
pub fn options(
    form: &Fields,
    mut fetch: FetchSettings,
    allow: &[Network],
) -> Result<Options, EngineError> {
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
    let has_precondition = match v("has_precondition") {
        "" => None,
        "NEVER" => Some(HasPrecondition::Never),
        "ONCE" => Some(HasPrecondition::Once),
        "ALWAYS" => Some(HasPrecondition::Always),
        other => return Err(invalid("has_precondition", other)),
    };
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

fn form(visit: &crate::Visit, typed: &Fields, error: Option<&EngineError>) -> Markup {
    let l = visit.session.lang;
    let v = |k: &str| typed.get(k).map_or("", |s| s.as_str());
    let on = |k: &str| !v(k).is_empty();
    let header = if v("api_key_header").is_empty() {
        DEFAULT_HEADER
    } else {
        v("api_key_header")
    };
    let pre = v("has_precondition");
    html! {
        form method="post" action=(PATH) {
            (csrf_field(visit))
            (Field::new("base_url", l.t("Indirizzo base dell'endpoint (base_url)", "Endpoint base address (base_url)"), Input::Url, v("base_url"))
                .required().hint(l.t("Es. https://ente.example.it/rc: il gateway chiama {base_url}/messages/{id}.", "E.g. https://entity.example.it/rc: the gateway calls {base_url}/messages/{id}."))
                .render(error, "base_url", l))
            (Field::new("api_key_header", l.t("Intestazione della chiave API", "API key header"), Input::Text, header)
                .required().render(error, "api_key_header", l))
            div class={ "field" @if error.is_some_and(|e| e.concerns("api_key")) { " invalid" } } {
                label for="f-api_key" { (l.t("Chiave API", "API key")) " " span class="req" { (l.t("(obbligatorio)", "(required)")) } }
                p class="hint" id="f-api_key-hint" { (l.t("Non viene conservata né mostrata di nuovo: riscrivila a ogni verifica.", "It is neither kept nor shown again: type it for each check.")) }
                @if let Some(e) = error.filter(|e| e.concerns("api_key")) {
                    p class="field-error" { (e.sentence(l)) " (" code { (e.code) } ")" }
                }
                input id="f-api_key" name="api_key" type="password" autocomplete="off" required aria-describedby="f-api_key-hint";
            }
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
            div class="actions" { button type="submit" { (l.t("Verifica l'endpoint", "Check the endpoint")) } }
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
                            td { (c.meaning) @if !c.detail.is_empty() { br; small { (c.detail) } } }
                            td { (c.fix) }
                            td { (c.elapsed_ms) " ms" }
                        }
                    }
                }
            }
            }
        }
    }
}

fn page(
    st: &crate::AppState,
    visit: &crate::Visit,
    status: StatusCode,
    typed: &Fields,
    error: Option<&EngineError>,
    result: Option<Markup>,
) -> Response {
    let l = visit.session.lang;
    let title = l.t("Verifica dell'endpoint", "Endpoint check");
    let body = html! {
        h1 { (title) }
        (subnav(visit, PATH))
        p { (l.t("Il gateway chiama il tuo endpoint come farebbe l'app all'apertura di un messaggio (precondizione, dettagli, allegati) e riporta ogni controllo, con il codice, il suo significato e come correggerlo.",
                 "The gateway calls your endpoint as the app would when a message is opened (precondition, details, attachments) and reports every check, with its code, its meaning and how to fix it.")) }
        @if let Some(e) = error.filter(|e| e.fields.is_empty()) { (error_box(e, l)) }
        // The report first: what the user came for; the form, still filled, under it.
        @if let Some(r) = result { (r) }
        (form(visit, typed, error))
    };
    visit.finish(st, (status, layout(title, visit, super::ROOT, body)))
}

/// The empty form.
pub async fn form_page(State(st): St, headers: HeaderMap) -> Response {
    let (visit, _) = match signed_in_as(&st, &headers, ROLES) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    page(&st, &visit, StatusCode::OK, &Fields::new(), None, None)
}

/// Runs the probe and shows its report under the form (the typed values kept, the key not).
pub async fn probe(State(st): St, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let (visit, _) = match posted_as(&st, &headers, ROLES, &form) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut typed = form.clone();
    typed.remove("api_key");
    let fetch = match FetchSettings::try_from(&gateway::Config::default().fetch) {
        Ok(f) => f,
        Err(e) => {
            let e = EngineError {
                status: 500,
                code: "PROBE_UNAVAILABLE".into(),
                detail: e.to_string(),
                fields: Vec::new(),
            };
            return page(
                &st,
                &visit,
                StatusCode::INTERNAL_SERVER_ERROR,
                &typed,
                Some(&e),
                None,
            );
        }
    };
    let o = match options(&form, fetch, &st.config.probe_egress_allow) {
        Ok(o) => o,
        Err(e) => return page(&st, &visit, StatusCode::BAD_REQUEST, &typed, Some(&e), None),
    };
    match gateway::probe::run(&o).await {
        Ok(r) => {
            let l = visit.session.lang;
            page(
                &st,
                &visit,
                StatusCode::OK,
                &typed,
                None,
                Some(report(&r, l)),
            )
        }
        Err(detail) => {
            let e = EngineError {
                status: 500,
                code: "PROBE_UNAVAILABLE".into(),
                detail,
                fields: Vec::new(),
            };
            page(
                &st,
                &visit,
                StatusCode::INTERNAL_SERVER_ERROR,
                &typed,
                Some(&e),
                None,
            )
        }
    }
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
