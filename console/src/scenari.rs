//! "Scenari del mock" (development stack only): the mock provider's scenarios — what it serves
//! for each message (correlation id) and how it misbehaves — listed and edited through its admin
//! API (`GET /admin/scenarios`, `GET`/`PUT /admin/scenarios/{id}`), so that a tester can break
//! the entity and watch what the citizen sees. A scenario's page has a fault form (each field of
//! the fault as an input, "Applica" and "Rimuovi il guasto", confirmed) and the whole scenario as
//! JSON to edit; the mock validates what is put, and its refusal is shown next to the field with
//! what was typed kept. Routes exist only when `mock_provider_url` is configured; any signed-in
//! user may use them (the page says so: it is development only).

use crate::engine::{EngineError, encode};
use crate::session::Lang;
use crate::web::{
    Anyone, Fields, Posted, Signed, confirm_field, confirmed, csrf_field, flash, layout,
    not_confirmed, page_param, pager, redirect,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Scenarios a page.
const PER_PAGE: u64 = 20;

/// The code of the mock's refusals (and of the console's own checks of the fault form).
const INVALID: &str = "SCENARIO_INVALID";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/scenari", get(list))
        .route("/scenari/{id}", get(show))
        .route("/scenari/{id}/guasto", post(apply))
        .route("/scenari/{id}/guasto/rimuovi", post(remove))
        .route("/scenari/{id}/json", post(save_json))
}

/// A scenario's fault, as the mock provider reads it (`mock_provider::scenario::Fault`): only
/// what is set is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncate: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pad_bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Fault {
    /// Whether it changes nothing the mock serves.
    fn is_empty(&self) -> bool {
        self.delay_ms == 0
            && self.status.is_none()
            && self.body.is_none()
            && self.redirect.is_none()
            && !self.truncate
            && self.pad_bytes == 0
    }
}

/// What the list and the page show of a scenario (the rest stays in its JSON).
#[derive(Debug, Deserialize)]
struct Summary {
    id: String,
    fiscal_code: String,
    #[serde(default)]
    precondition: Option<Titled>,
    #[serde(default)]
    details: Option<Subject>,
    #[serde(default)]
    attachments: Vec<Named>,
    #[serde(default)]
    fault: Option<Fault>,
    #[serde(default)]
    lollipop: bool,
}

#[derive(Debug, Deserialize)]
struct Titled {
    #[serde(default)]
    title: String,
}

#[derive(Debug, Deserialize)]
struct Subject {
    #[serde(default)]
    subject: String,
}

#[derive(Debug, Deserialize)]
struct Named {
    #[serde(default)]
    name: String,
    #[serde(default)]
    file: String,
}

/// The fault form's fields, as typed: (name, the mock's name for it).
const FAULT_FIELDS: &[(&str, &str)] = &[
    ("only", "fault.only"),
    ("delay_ms", "fault.delay_ms"),
    ("status", "fault.status"),
    ("retry_after", "fault.retry_after"),
    ("body", "fault.body"),
    ("redirect", "fault.redirect"),
    ("truncate", "fault.truncate"),
    ("pad_bytes", "fault.pad_bytes"),
];

fn refused(field: &str, detail: String) -> EngineError {
    EngineError {
        status: 400,
        code: INVALID.into(),
        detail,
        fields: vec![field.into()],
    }
}

/// The fault the form describes: empty fields are left out; a number that is not one is
/// refused next to its field. Whether the fault can be served (a status between 100 and 599, a
/// header value) is the mock's to say.
pub fn fault_of(form: &Fields, l: Lang) -> Result<Fault, EngineError> {
    let text = |name: &str| {
        form.get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let whole = |name: &str, field: &str, what: &str| -> Result<Option<u64>, EngineError> {
        match text(name) {
            None => Ok(None),
            Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                refused(
                    field,
                    format!(
                        "{what}: {v:?} {}",
                        l.t(
                            "non è un numero intero (0 o più).",
                            "is not a whole number (0 or more)."
                        )
                    ),
                )
            }),
        }
    };
    let only = text("only").filter(|o| o != "tutte");
    let delay_ms = whole("delay_ms", "fault.delay_ms", l.t("Ritardo", "Delay"))?.unwrap_or(0);
    let status = match whole("status", "fault.status", l.t("Stato HTTP", "HTTP status"))? {
        None => None,
        Some(s) => Some(u16::try_from(s).map_err(|_| {
            refused(
                "fault.status",
                format!(
                    "{} {s}",
                    l.t(
                        "Stato HTTP: deve essere tra 100 e 599, non",
                        "HTTP status: it must be between 100 and 599, not"
                    )
                ),
            )
        })?),
    };
    let pad_bytes = whole(
        "pad_bytes",
        "fault.pad_bytes",
        l.t("Byte di riempimento", "Padding bytes"),
    )?
    .unwrap_or(0);
    // A raw body is taken as typed (spaces included): it is the answer's bytes.
    let body = form.get("body").filter(|v| !v.is_empty()).cloned();
    Ok(Fault {
        only,
        delay_ms,
        status,
        retry_after: text("retry_after"),
        body,
        redirect: text("redirect"),
        truncate: form.get("truncate").is_some_and(|v| v == "si"),
        pad_bytes,
    })
}

/// The fault in words: where it applies, then what it does.
pub fn fault_words(fault: Option<&Fault>, l: Lang) -> String {
    let Some(f) = fault.filter(|f| !f.is_empty()) else {
        return l.t("Nessun guasto", "No fault").into();
    };
    let mut what = Vec::new();
    if f.delay_ms > 0 {
        what.push(format!(
            "{} {} ms",
            l.t("risponde dopo", "answers after"),
            f.delay_ms
        ));
    }
    if let Some(to) = &f.redirect {
        what.push(format!("{} {to}", l.t("reindirizza a", "redirects to")));
    }
    if let Some(s) = f.status {
        let mut t = format!("{} {s}", l.t("risponde con lo stato", "answers status"));
        if let Some(r) = &f.retry_after {
            t.push_str(&format!(" (Retry-After: {r})"));
        }
        what.push(t);
    }
    if let Some(b) = &f.body {
        what.push(format!(
            "{} ({} {})",
            l.t("risponde un corpo grezzo", "answers a raw body"),
            b.chars().count(),
            l.t("caratteri", "characters")
        ));
    }
    if f.truncate {
        what.push(
            l.t(
                "annuncia tutto il corpo ma ne invia metà",
                "announces the whole body but sends half",
            )
            .into(),
        );
    }
    if f.pad_bytes > 0 {
        what.push(format!(
            "{} {} {}",
            l.t("aggiunge", "adds"),
            f.pad_bytes,
            l.t("byte di riempimento", "padding bytes")
        ));
    }
    format!("{}: {}", only_words(f.only.as_deref(), l), what.join("; "))
}

fn only_words(only: Option<&str>, l: Lang) -> &'static str {
    match only {
        Some("details") => l.t("solo sui dettagli", "on the details only"),
        Some("precondition") => l.t("solo sulla precondizione", "on the precondition only"),
        Some("attachment") => l.t("solo sugli allegati", "on the attachments only"),
        _ => l.t("su ogni chiamata", "on every call"),
    }
}

// ---- The mock's admin API ----------------------------------------------------------------

fn http() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .expect("HTTP client")
    })
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    fields: Vec<String>,
}

/// One call to the mock's admin API: a success's headers and body, or its refusal.
async fn call(
    st: &AppState,
    method: reqwest::Method,
    path: &str,
    body: Option<String>,
) -> Result<(reqwest::header::HeaderMap, axum::body::Bytes), EngineError> {
    let base = st.config.mock_provider_url.as_deref().unwrap_or_default();
    let mut request = http().request(method, format!("{}{path}", base.trim_end_matches('/')));
    if let Some(body) = body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
    }
    let unreachable = |e: reqwest::Error| EngineError {
        status: 502,
        code: "MOCK_UNREACHABLE".into(),
        detail: e.to_string(),
        fields: Vec::new(),
    };
    let answer = request.send().await.map_err(unreachable)?;
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.map_err(unreachable)?;
    if (200..300).contains(&status) {
        return Ok((headers, bytes));
    }
    let p: Problem = serde_json::from_slice(&bytes).unwrap_or(Problem {
        code: String::new(),
        detail: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
        fields: Vec::new(),
    });
    Err(EngineError {
        status,
        code: if p.code.is_empty() {
            format!("HTTP_{status}")
        } else {
            p.code
        },
        detail: p.detail,
        fields: p.fields,
    })
}

fn bad_answer(e: serde_json::Error) -> EngineError {
    EngineError {
        status: 502,
        code: "MOCK_ANSWER".into(),
        detail: e.to_string(),
        fields: Vec::new(),
    }
}

/// A scenario, as the mock serves it (the whole JSON, for the editor).
async fn scenario(st: &AppState, id: &str) -> Result<serde_json::Value, EngineError> {
    let (_, body) = call(
        st,
        reqwest::Method::GET,
        &format!("/admin/scenarios/{}", encode(id)),
        None,
    )
    .await?;
    serde_json::from_slice(&body).map_err(bad_answer)
}

async fn put(st: &AppState, id: &str, body: String) -> Result<(), EngineError> {
    call(
        st,
        reqwest::Method::PUT,
        &format!("/admin/scenarios/{}", encode(id)),
        Some(body),
    )
    .await
    .map(|_| ())
}

// ---- Pages ---------------------------------------------------------------------------------

/// A refusal of the mock's (or of the console's check), as a sentence of this page: the mock
/// is not the Interop engine, so the engine's sentences do not apply.
fn sentence(e: &EngineError, l: Lang) -> &'static str {
    match e.code.as_str() {
        INVALID => l.t(
            "Il mock provider ha rifiutato lo scenario.",
            "The mock provider refused the scenario.",
        ),
        "CONFIRMATION_REQUIRED" => e.sentence(l),
        "MOCK_UNREACHABLE" => l.t(
            "Il mock provider non risponde: è avviato lo stack di sviluppo?",
            "The mock provider does not answer: is the development stack running?",
        ),
        "HTTP_404" => l.t(
            "Scenario non trovato: forse il mock è stato riavviato. Torna all'elenco.",
            "Scenario not found: the mock may have been restarted. Go back to the list.",
        ),
        _ => l.t(
            "Il mock provider non ha accettato la richiesta.",
            "The mock provider did not accept the request.",
        ),
    }
}

/// An error box of this page ([`sentence`], the detail, the code).
fn problem_box(e: &EngineError, l: Lang) -> Markup {
    html! {
        div class="error" role="alert" {
            p { (sentence(e, l)) }
            @if !e.detail.is_empty() { p class="detail" { (e.detail) } }
            p class="code" { (l.t("Codice", "Code")) ": " code { (e.code) } }
        }
    }
}

/// A whole page telling the mock's error.
fn error_page(st: &AppState, visit: &Visit, e: &EngineError) -> Response {
    let l = visit.session.lang;
    let status = crate::web::refusal_status(e.status);
    let page = layout(
        l.t("Scenari del mock", "Mock scenarios"),
        visit,
        "/scenari",
        html! {
            h1 { (l.t("Scenari del mock", "Mock scenarios")) }
            (problem_box(e, l))
            p { a href="/scenari" { (l.t("Torna all'elenco degli scenari", "Back to the list of scenarios")) } }
        },
    );
    visit.finish(st, (status, page))
}

fn intro(l: Lang) -> Markup {
    html! {
        p {
            (l.t("Lo stack di sviluppo serve i messaggi a contenuto remoto con il mock provider: \
                  ogni scenario è un messaggio (il suo identificativo di correlazione), il cittadino \
                  a cui risponde e ciò che serve. Imposta un guasto per vedere che cosa riceve il \
                  cittadino quando l'ente si comporta male.",
                 "The development stack serves remote-content messages with the mock provider: \
                  each scenario is a message (its correlation id), the citizen it answers and what \
                  it serves. Set a fault to see what the citizen gets when the entity misbehaves."))
        }
        p class="hint" {
            (l.t("Solo nello stack di sviluppo: ogni utente che ha effettuato l'accesso può \
                  modificare gli scenari, qualunque sia il suo ruolo. Le modifiche durano fino al \
                  riavvio dello stack.",
                 "Development stack only: every signed-in user may change the scenarios, whatever \
                  their role. Changes last until the stack restarts."))
        }
    }
}

/// What a scenario serves, in words.
fn serves(s: &Summary, l: Lang) -> Markup {
    html! {
        ul class="serves" {
            @if let Some(p) = &s.precondition {
                li { (l.t("Precondizione: ", "Precondition: ")) (p.title) }
            }
            @match &s.details {
                Some(d) => li { (l.t("Oggetto: ", "Subject: ")) (d.subject) },
                None => li { (l.t("Nessun dettaglio", "No details")) },
            }
            @if !s.attachments.is_empty() {
                li {
                    (l.t("Allegati: ", "Attachments: "))
                    @for (i, a) in s.attachments.iter().enumerate() {
                        @if i > 0 { ", " }
                        (a.name)
                    }
                }
            }
            @if s.lollipop {
                li { (l.t("Richiede la firma lollipop", "Requires the lollipop signature")) }
            }
        }
    }
}

/// "Scenari del mock": the scenarios by id, a page at a time.
async fn list(
    State(st): St,
    Signed(visit, _, _): Signed<Anyone>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let page = page_param(&params);
    let path = format!(
        "/admin/scenarios?offset={}&limit={PER_PAGE}",
        (page - 1) * PER_PAGE
    );
    let (items, total) = match call(&st, reqwest::Method::GET, &path, None).await {
        Ok((h, body)) => {
            let total: u64 = h
                .get("x-total-count")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            match serde_json::from_slice::<Vec<Summary>>(&body) {
                Ok(items) => (items, total),
                Err(e) => return error_page(&st, &visit, &bad_answer(e)),
            }
        }
        Err(e) => return error_page(&st, &visit, &e),
    };
    let body = html! {
        h1 { (l.t("Scenari del mock", "Mock scenarios")) }
        (intro(l))
        @if items.is_empty() {
            p { (l.t("Il mock non serve nessuno scenario.", "The mock serves no scenario.")) }
        } @else {
            div class="table-scroll" tabindex="0" role="region" aria-labelledby="scenari-caption" {
                table class="scenari" {
                    caption id="scenari-caption" { (l.t("Scenari serviti dal mock provider", "Scenarios the mock provider serves")) }
                    thead {
                        tr {
                            th scope="col" { (l.t("Scenario", "Scenario")) }
                            th scope="col" { (l.t("Codice fiscale del cittadino", "Citizen's fiscal code")) }
                            th scope="col" { (l.t("Che cosa serve", "What it serves")) }
                            th scope="col" { (l.t("Guasto", "Fault")) }
                        }
                    }
                    tbody {
                        @for s in &items {
                            tr {
                                th scope="row" { a href={ "/scenari/" (encode(&s.id)) } { (s.id) } }
                                td { code { (s.fiscal_code) } }
                                td { (serves(s, l)) }
                                td { (fault_words(s.fault.as_ref(), l)) }
                            }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine degli scenari", "Pages of scenarios"), page, total, PER_PAGE, |p| format!("/scenari?pagina={p}")))
    };
    let title = l.t("Scenari del mock", "Mock scenarios");
    visit.finish(&st, layout(title, &visit, "/scenari", body))
}

/// What was sent and refused, shown again with the refusal.
enum Typed {
    Nothing,
    Fault(Fields, EngineError),
    Remove(EngineError),
    Json(String, EngineError),
}

/// A scenario's page.
async fn show(
    State(st): St,
    Signed(visit, _, _): Signed<Anyone>,
    Path(id): Path<String>,
) -> Response {
    render(&st, &visit, &id, Typed::Nothing).await
}

/// The scenario's page, with what was typed and refused (if anything).
async fn render(st: &AppState, visit: &Visit, id: &str, typed: Typed) -> Response {
    let l = visit.session.lang;
    let json = match scenario(st, id).await {
        Ok(j) => j,
        Err(e) => return error_page(st, visit, &e),
    };
    let s: Summary = match serde_json::from_value(json.clone()) {
        Ok(s) => s,
        Err(e) => return error_page(st, visit, &bad_answer(e)),
    };
    let current: Fields = fault_fields(s.fault.as_ref());
    let (fault_values, fault_error) = match &typed {
        Typed::Fault(f, e) => (f.clone(), Some(e)),
        _ => (current, None),
    };
    let (json_text, json_error) = match &typed {
        Typed::Json(t, e) => (t.clone(), Some(e)),
        _ => (
            serde_json::to_string_pretty(&json).unwrap_or_default(),
            None,
        ),
    };
    let remove_error = match &typed {
        Typed::Remove(e) => Some(e),
        _ => None,
    };
    let action = format!("/scenari/{}", encode(id));
    let has_fault = s.fault.as_ref().is_some_and(|f| !f.is_empty());
    let title = format!("{} {}", l.t("Scenario", "Scenario"), s.id);
    let body = html! {
        p class="back" { a href="/scenari" { (l.t("← Scenari del mock", "← Mock scenarios")) } }
        h1 { (title) }
        dl class="scenario" {
            dt { (l.t("Codice fiscale del cittadino", "Citizen's fiscal code")) }
            dd { code { (s.fiscal_code) } }
            dt { (l.t("Che cosa serve", "What it serves")) }
            dd { (serves(&s, l)) }
            @if !s.attachments.is_empty() {
                dt { (l.t("File degli allegati", "Attachment files")) }
                dd { @for a in &s.attachments { code { (a.file) } " " } }
            }
            dt { (l.t("Guasto attuale", "Current fault")) }
            dd class="current-fault" { (fault_words(s.fault.as_ref(), l)) }
        }
        p class="hint" { (l.t("Ogni utente che ha effettuato l'accesso può modificare gli scenari (solo nello stack di sviluppo).", "Every signed-in user may change the scenarios (development stack only).")) }

        section aria-labelledby="guasto" {
            h2 id="guasto" { (l.t("Guasto", "Fault")) }
            p { (l.t("Lascia vuoto ciò che non serve. Il guasto vale dalla chiamata successiva.", "Leave empty what you do not need. The fault applies from the next call.")) }
            @if let Some(e) = fault_error.filter(|e| !FAULT_FIELDS.iter().any(|(_, m)| e.concerns(m))) {
                (problem_box(e, l))
            }
            form method="post" action={ (action) "/guasto" } class="fault" {
                (csrf_field(visit))
                (only_select(&fault_values, fault_error, l))
                (input(&fault_values, fault_error, "delay_ms", "fault.delay_ms", "number", l.t("Ritardo prima di rispondere (millisecondi)", "Delay before answering (milliseconds)"), Some(l.t("Il gateway smette di attendere dopo alcuni secondi: un ritardo lungo prova i suoi timeout.", "The gateway stops waiting after a few seconds: a long delay tries its timeouts.")), l))
                (input(&fault_values, fault_error, "status", "fault.status", "number", l.t("Stato HTTP della risposta", "HTTP status of the answer"), Some(l.t("Per esempio 503 (non disponibile) o 500; il corpo è vuoto se non indichi un corpo grezzo.", "For example 503 (unavailable) or 500; the body is empty unless you give a raw body.")), l))
                (input(&fault_values, fault_error, "retry_after", "fault.retry_after", "text", "Retry-After", Some(l.t("Secondi da attendere, inviati con lo stato (per esempio 30).", "Seconds to wait, sent with the status (for example 30).")), l))
                (area(&fault_values, fault_error, "body", "fault.body", l.t("Corpo grezzo della risposta", "Raw body of the answer"), l.t("Inviato così com'è al posto del contenuto (per esempio JSON non valido).", "Sent as it is instead of the content (for example invalid JSON)."), l))
                (input(&fault_values, fault_error, "redirect", "fault.redirect", "url", l.t("Reindirizza a (URL)", "Redirect to (URL)"), Some(l.t("Risponde 302 verso questo indirizzo.", "Answers 302 to this address.")), l))
                (input(&fault_values, fault_error, "pad_bytes", "fault.pad_bytes", "number", l.t("Byte di riempimento", "Padding bytes"), Some(l.t("Spazi aggiunti alla risposta JSON, per renderla troppo grande.", "Spaces added to the JSON answer, to make it oversized.")), l))
                div class="field" {
                    label for="f-truncate" class="check" {
                        input id="f-truncate" type="checkbox" name="truncate" value="si"
                            checked[fault_values.get("truncate").is_some_and(|v| v == "si")];
                        " " (l.t("Tronca la risposta: annuncia tutto il corpo e ne invia metà", "Truncate the answer: announce the whole body and send half"))
                    }
                }
                div class="actions" {
                    button type="submit" { (l.t("Applica", "Apply")) }
                }
            }
            @if has_fault || remove_error.is_some() {
                form method="post" action={ (action) "/guasto/rimuovi" } class="remove-fault" {
                    (csrf_field(visit))
                    @if let Some(e) = remove_error { (problem_box(e, l)) }
                    (confirm_field(visit, l.t("il mock torna a servire il contenuto normale di questo scenario", "the mock serves this scenario's normal content again")))
                    div class="actions" {
                        button type="submit" { (l.t("Rimuovi il guasto", "Remove the fault")) }
                    }
                }
            }
        }

        section aria-labelledby="json" {
            h2 id="json" { (l.t("Modifica come JSON", "Edit as JSON")) }
            form method="post" action={ (action) "/json" } {
                (csrf_field(visit))
                @let blamed = json_error;
                div class={ "field" @if blamed.is_some() { " invalid" } } {
                    label for="f-json" { (l.t("Lo scenario intero, in JSON", "The whole scenario, as JSON")) }
                    p class="hint" id="f-json-hint" {
                        (l.t("Il mock lo controlla prima di servirlo; l'identificativo resta quello dello scenario.",
                             "The mock checks it before serving it; the id stays the scenario's."))
                    }
                    @if let Some(e) = blamed {
                        p class="field-error" id="f-json-err" { (sentence(e, l)) " " (e.detail) " (" code { (e.code) } ")" }
                    }
                    textarea id="f-json" name="json" rows="18" class="json" spellcheck="false"
                        aria-invalid=[blamed.map(|_| "true")]
                        aria-describedby=(if blamed.is_some() { "f-json-hint f-json-err" } else { "f-json-hint" }) { (json_text) }
                }
                div class="actions" {
                    button type="submit" { (l.t("Salva il JSON", "Save the JSON")) }
                }
            }
        }
    };
    let status = match &typed {
        Typed::Nothing => StatusCode::OK,
        Typed::Fault(_, e) | Typed::Remove(e) | Typed::Json(_, e) => {
            crate::web::refusal_status(e.status)
        }
    };
    visit.finish(st, (status, layout(&title, visit, "/scenari", body)))
}

/// The form's values for `fault` (what the form shows before anything is typed).
fn fault_fields(fault: Option<&Fault>) -> Fields {
    let mut m = Fields::new();
    let Some(f) = fault else { return m };
    let mut set = |k: &str, v: String| {
        m.insert(k.into(), v);
    };
    set("only", f.only.clone().unwrap_or_else(|| "tutte".into()));
    if f.delay_ms > 0 {
        set("delay_ms", f.delay_ms.to_string());
    }
    if let Some(s) = f.status {
        set("status", s.to_string());
    }
    if let Some(r) = &f.retry_after {
        set("retry_after", r.clone());
    }
    if let Some(b) = &f.body {
        set("body", b.clone());
    }
    if let Some(r) = &f.redirect {
        set("redirect", r.clone());
    }
    if f.truncate {
        set("truncate", "si".into());
    }
    if f.pad_bytes > 0 {
        set("pad_bytes", f.pad_bytes.to_string());
    }
    m
}

/// The error text next to a field the refusal names.
fn field_error(e: Option<&EngineError>, mock_name: &str, id: &str, l: Lang) -> Option<Markup> {
    let e = e.filter(|e| e.concerns(mock_name))?;
    Some(html! {
        p class="field-error" id={ (id) "-err" } { (sentence(e, l)) " " (e.detail) " (" code { (e.code) } ")" }
    })
}

#[allow(clippy::too_many_arguments)]
fn input(
    values: &Fields,
    error: Option<&EngineError>,
    name: &str,
    mock_name: &str,
    kind: &str,
    label: &str,
    hint: Option<&str>,
    l: Lang,
) -> Markup {
    let id = format!("f-{name}");
    let err = field_error(error, mock_name, &id, l);
    let mut described = Vec::new();
    if hint.is_some() {
        described.push(format!("{id}-hint"));
    }
    if err.is_some() {
        described.push(format!("{id}-err"));
    }
    let value = values.get(name).map_or("", String::as_str);
    html! {
        div class={ "field" @if err.is_some() { " invalid" } } {
            label for=(id) { (label) }
            @if let Some(h) = hint { p class="hint" id={ (id) "-hint" } { (h) } }
            @if let Some(e) = &err { (e) }
            input id=(id) name=(name) type=(kind) value=(value)
                min=[(kind == "number").then_some("0")]
                aria-invalid=[err.as_ref().map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
        }
    }
}

fn area(
    values: &Fields,
    error: Option<&EngineError>,
    name: &str,
    mock_name: &str,
    label: &str,
    hint: &str,
    l: Lang,
) -> Markup {
    let id = format!("f-{name}");
    let err = field_error(error, mock_name, &id, l);
    let described = if err.is_some() {
        format!("{id}-hint {id}-err")
    } else {
        format!("{id}-hint")
    };
    html! {
        div class={ "field" @if err.is_some() { " invalid" } } {
            label for=(id) { (label) }
            p class="hint" id={ (id) "-hint" } { (hint) }
            @if let Some(e) = &err { (e) }
            textarea id=(id) name=(name) rows="3"
                aria-invalid=[err.as_ref().map(|_| "true")]
                aria-describedby=(described) { (values.get(name).map_or("", String::as_str)) }
        }
    }
}

fn only_select(values: &Fields, error: Option<&EngineError>, l: Lang) -> Markup {
    let chosen = values.get("only").map_or("tutte", String::as_str);
    let err = field_error(error, "fault.only", "f-only", l);
    let options = [
        ("tutte", l.t("Ogni chiamata", "Every call")),
        ("details", l.t("Solo i dettagli", "The details only")),
        (
            "precondition",
            l.t("Solo la precondizione", "The precondition only"),
        ),
        (
            "attachment",
            l.t("Solo gli allegati", "The attachments only"),
        ),
    ];
    html! {
        div class={ "field" @if err.is_some() { " invalid" } } {
            label for="f-only" { (l.t("Su quali chiamate", "On which calls")) }
            @if let Some(e) = &err { (e) }
            select id="f-only" name="only"
                aria-invalid=[err.as_ref().map(|_| "true")]
                aria-describedby=[err.as_ref().map(|_| "f-only-err")] {
                @for (v, label) in options {
                    option value=(v) selected[v == chosen] { (label) }
                }
            }
        }
    }
}

/// The scenario with `fault` (none: removed), put back to the mock.
async fn put_fault(st: &AppState, id: &str, fault: Option<&Fault>) -> Result<(), EngineError> {
    let mut json = scenario(st, id).await?;
    match fault {
        Some(f) => json["fault"] = serde_json::to_value(f).map_err(bad_answer)?,
        None => {
            if let Some(o) = json.as_object_mut() {
                o.remove("fault");
            }
        }
    }
    put(st, id, json.to_string()).await
}

/// "Applica": the form's fault on the scenario.
async fn apply(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, _, form, _): Posted<Anyone>,
) -> Response {
    let l = visit.session.lang;
    let fault = match fault_of(&form, l) {
        Ok(f) if f.is_empty() => {
            let e = EngineError {
                status: 400,
                code: INVALID.into(),
                detail: l
                    .t(
                        "Il guasto è vuoto: indica almeno un ritardo, uno stato, un corpo, un \
                         reindirizzamento, il troncamento o il riempimento; per tornare al \
                         contenuto normale usa «Rimuovi il guasto».",
                        "The fault is empty: give at least a delay, a status, a body, a redirect, \
                         truncation or padding; to serve the normal content again use \"Remove \
                         the fault\".",
                    )
                    .into(),
                fields: Vec::new(),
            };
            return render(&st, &visit, &id, Typed::Fault(form, e)).await;
        }
        Ok(f) => f,
        Err(e) => return render(&st, &visit, &id, Typed::Fault(form, e)).await,
    };
    match put_fault(&st, &id, Some(&fault)).await {
        Ok(()) => {
            flash(
                &st,
                &visit,
                format!(
                    "{} {id}: {}. {}",
                    l.t(
                        "Guasto applicato allo scenario",
                        "Fault applied to scenario"
                    ),
                    fault_words(Some(&fault), l),
                    l.t(
                        "Il mock lo serve dalla prossima chiamata.",
                        "The mock serves it from the next call."
                    )
                ),
            );
            visit.finish(&st, redirect(&format!("/scenari/{}", encode(&id))))
        }
        Err(e) if e.status == 400 => render(&st, &visit, &id, Typed::Fault(form, e)).await,
        Err(e) => error_page(&st, &visit, &e),
    }
}

/// "Rimuovi il guasto" (confirmed).
async fn remove(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, _, form, _): Posted<Anyone>,
) -> Response {
    let l = visit.session.lang;
    if !confirmed(&form) {
        return render(&st, &visit, &id, Typed::Remove(not_confirmed())).await;
    }
    match put_fault(&st, &id, None).await {
        Ok(()) => {
            flash(
                &st,
                &visit,
                format!(
                    "{} {id}: {}",
                    l.t(
                        "Guasto rimosso dallo scenario",
                        "Fault removed from scenario"
                    ),
                    l.t(
                        "il mock serve di nuovo il contenuto normale.",
                        "the mock serves the normal content again."
                    )
                ),
            );
            visit.finish(&st, redirect(&format!("/scenari/{}", encode(&id))))
        }
        Err(e) => render(&st, &visit, &id, Typed::Remove(e)).await,
    }
}

/// "Salva il JSON": the whole scenario as typed, validated by the mock.
async fn save_json(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, _, form, _): Posted<Anyone>,
) -> Response {
    let l = visit.session.lang;
    let text = form.get("json").cloned().unwrap_or_default();
    match put(&st, &id, text.clone()).await {
        Ok(()) => {
            let fault = scenario(&st, &id)
                .await
                .ok()
                .and_then(|j| serde_json::from_value::<Summary>(j).ok())
                .and_then(|s| s.fault);
            flash(
                &st,
                &visit,
                format!(
                    "{} {id} {}. {}: {}.",
                    l.t("Scenario", "Scenario"),
                    l.t(
                        "salvato dal JSON: il mock lo serve dalla prossima chiamata",
                        "saved from the JSON: the mock serves it from the next call"
                    ),
                    l.t("Guasto", "Fault"),
                    fault_words(fault.as_ref(), l)
                ),
            );
            visit.finish(&st, redirect(&format!("/scenari/{}", encode(&id))))
        }
        Err(e) if e.status == 400 => render(&st, &visit, &id, Typed::Json(text, e)).await,
        Err(e) => error_page(&st, &visit, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn the_fault_form_becomes_the_mocks_fault_with_only_what_was_typed() {
        let f = fault_of(
            &form(&[
                ("only", "details"),
                ("delay_ms", ""),
                ("status", " 503 "),
                ("retry_after", "30"),
                ("body", ""),
                ("redirect", ""),
                ("pad_bytes", ""),
            ]),
            Lang::It,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            json!({"only": "details", "status": 503, "retry_after": "30"})
        );
        let all = fault_of(
            &form(&[
                ("only", "tutte"),
                ("delay_ms", "1500"),
                ("body", " {not json"),
                ("redirect", "https://altrove.example/x"),
                ("truncate", "si"),
                ("pad_bytes", "4096"),
            ]),
            Lang::En,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&all).unwrap(),
            json!({"delay_ms": 1500, "body": " {not json", "redirect": "https://altrove.example/x",
                   "truncate": true, "pad_bytes": 4096})
        );
        // Nothing typed: an empty fault (the page refuses to apply it).
        assert!(
            fault_of(&form(&[("only", "tutte")]), Lang::It)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_number_that_is_not_one_is_refused_next_to_its_field() {
        let e = fault_of(&form(&[("delay_ms", "mezzo secondo")]), Lang::It).unwrap_err();
        assert_eq!(e.fields, ["fault.delay_ms"]);
        assert!(e.detail.contains("non è un numero intero"), "{}", e.detail);
        let e = fault_of(&form(&[("status", "70000")]), Lang::En).unwrap_err();
        assert_eq!(e.fields, ["fault.status"]);
        assert!(e.detail.contains("between 100 and 599"), "{}", e.detail);
        let e = fault_of(&form(&[("pad_bytes", "-1")]), Lang::En).unwrap_err();
        assert_eq!(e.fields, ["fault.pad_bytes"]);
    }

    #[test]
    fn the_mocks_fault_reads_back_into_the_form_and_in_words() {
        let f: Fault = serde_json::from_value(
            json!({"only": "details", "status": 503, "retry_after": "30", "truncate": false}),
        )
        .unwrap();
        let fields = fault_fields(Some(&f));
        assert_eq!(fault_of(&fields, Lang::It).unwrap(), f);
        assert_eq!(
            fault_words(Some(&f), Lang::It),
            "solo sui dettagli: risponde con lo stato 503 (Retry-After: 30)"
        );
        assert_eq!(
            fault_words(Some(&f), Lang::En),
            "on the details only: answers status 503 (Retry-After: 30)"
        );
        let slow: Fault = serde_json::from_value(json!({"delay_ms": 30000})).unwrap();
        assert_eq!(
            fault_words(Some(&slow), Lang::It),
            "su ogni chiamata: risponde dopo 30000 ms"
        );
        assert_eq!(fault_words(None, Lang::It), "Nessun guasto");
        assert_eq!(fault_words(Some(&Fault::default()), Lang::En), "No fault");
    }

    #[tokio::test]
    async fn the_page_exists_only_when_the_mock_is_configured() {
        use tower::ServiceExt;
        let get = |app: axum::Router, path: &'static str| async move {
            app.oneshot(
                axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
        };
        let without = crate::router(AppState::new(crate::Config::default()).unwrap());
        assert_eq!(get(without.clone(), "/scenari").await.status(), 404);
        assert_eq!(get(without, "/scenari/avviso").await.status(), 404);
        let with = crate::router(
            AppState::new(crate::Config {
                mock_provider_url: Some("http://127.0.0.1:9".into()),
                ..crate::Config::default()
            })
            .unwrap(),
        );
        // There, but for signed-in users: the anonymous visitor goes to the sign-in page.
        let r = get(with.clone(), "/scenari").await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/accesso");
        // A change without the session's CSRF token is refused.
        for path in [
            "/scenari/avviso/guasto",
            "/scenari/avviso/guasto/rimuovi",
            "/scenari/avviso/json",
        ] {
            let r = with
                .clone()
                .oneshot(
                    axum::http::Request::post(path)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(axum::body::Body::from("status=503&csrf=forged"))
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(r.status(), crate::CSRF_REFUSED, "{path}");
        }
        let bad = crate::Config {
            mock_provider_url: Some("127.0.0.1:8082".into()),
            ..crate::Config::default()
        };
        assert!(bad.check().unwrap_err().contains("mock_provider_url"));
        // Development only: not where others reach the console.
        let public = crate::Config {
            mock_provider_url: Some("http://127.0.0.1:8082".into()),
            bind: "0.0.0.0:8083".into(),
            ..crate::Config::default()
        };
        assert!(
            public
                .check()
                .unwrap_err()
                .contains("development stack only")
        );
        let behind_https = crate::Config {
            mock_provider_url: Some("http://127.0.0.1:8082".into()),
            public_url: "https://console.example.it".into(),
            ..crate::Config::default()
        };
        assert!(
            behind_https
                .check()
                .unwrap_err()
                .contains("development stack only")
        );
        assert_eq!(
            crate::Config {
                mock_provider_url: Some("http://127.0.0.1:8082".into()),
                ..crate::Config::default()
            }
            .check(),
            Ok(())
        );
    }
}
