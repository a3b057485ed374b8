//! "Le mie finalità": the tenant's purposes as consumer (paged by the engine), a new purpose (an
//! e-service with an active request, title, description, the risk analysis, the daily calls),
//! and a purpose's page: its versions and states, the threshold and the daily calls left before
//! publishing, the waiting state with its expected approval date, publish a draft,
//! suspend/reactivate, archive, delete, a new load estimate, operativity (what blocks it and
//! who), the clients attached.

use super::{
    Agreement, PER_PAGE, action_form, eservice_name, eservices, query, subnav, suspended_by,
    version_state,
};
use crate::engine::{EngineError, Method};
use crate::session::{Lang, User};
use crate::web::{
    Admin, Field, Fields, Input, Posted, Signed, confirmed, csrf_field, engine_error, error_box,
    flash, layout, not_confirmed, number, page_param, pager, redirect, when,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A purpose as the engine returns it (with the clients attached, on its own page).
#[derive(Debug, Clone, Deserialize)]
pub struct Purpose {
    pub id: String,
    pub eservice_id: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub risk_analysis: Value,
    #[serde(default)]
    pub versions: Vec<PurposeVersion>,
    #[serde(default)]
    pub suspended_by_consumer: bool,
    #[serde(default)]
    pub suspended_by_producer: bool,
    pub created_at: String,
    #[serde(default)]
    pub clients: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PurposeVersion {
    pub id: String,
    pub state: String,
    pub daily_calls: u64,
    pub created_at: String,
    #[serde(default)]
    pub activated_at: Option<String>,
    #[serde(default)]
    pub expected_approval_date: Option<Value>,
    #[serde(default)]
    pub rejection_reason: Option<String>,
}

impl Purpose {
    fn find(&self, states: &[&str]) -> Option<&PurposeVersion> {
        states
            .iter()
            .find_map(|s| self.versions.iter().find(|v| v.state == *s))
    }

    /// The version that says where the purpose stands: in force, else waiting, else draft,
    /// else the last.
    pub fn headline(&self) -> Option<&PurposeVersion> {
        self.find(&["ACTIVE", "SUSPENDED", "WAITING_FOR_APPROVAL", "DRAFT"])
            .or(self.versions.last())
    }
}

/// "Remaining daily calls" as the engine computes them.
#[derive(Debug, Clone, Deserialize)]
pub struct Remaining {
    pub daily_calls_per_consumer: u64,
    pub daily_calls_total: u64,
    pub consumer_load: u64,
    pub total_load: u64,
    pub remaining_per_consumer: u64,
    pub remaining_total: u64,
}

/// "Can this purpose reach the e-service?"
#[derive(Debug, Clone, Deserialize)]
pub struct Operativity {
    pub operative: bool,
    #[serde(default)]
    pub blockers: Vec<Value>,
}

/// A closed answer: (value sent, Italian, English).
pub type Choice = (&'static str, &'static str, &'static str);

/// The risk analysis's questions: (form field, Italian, English, choices). An empty choice list
/// is a free text answer. The answers go to the engine as one JSON object.
pub const RISK_QUESTIONS: &[(&str, &str, &str, &[Choice])] = &[
    (
        "finalita_istituzionale",
        "Per quale finalità istituzionale sono trattati i dati?",
        "For which institutional purpose is the data processed?",
        &[],
    ),
    (
        "dati_personali",
        "Sono trattati dati personali?",
        "Is personal data processed?",
        &[("SI", "Sì", "Yes"), ("NO", "No", "No")],
    ),
    (
        "base_giuridica",
        "Base giuridica del trattamento",
        "Legal basis of the processing",
        &[
            ("OBBLIGO_LEGALE", "Obbligo di legge", "Legal obligation"),
            (
                "INTERESSE_PUBBLICO",
                "Interesse pubblico o pubblici poteri",
                "Public interest or official authority",
            ),
            (
                "CONTRATTO",
                "Esecuzione di un contratto",
                "Performance of a contract",
            ),
            (
                "CONSENSO",
                "Consenso dell'interessato",
                "Consent of the data subject",
            ),
        ],
    ),
    (
        "dati_particolari",
        "Sono trattate categorie particolari di dati (art. 9 GDPR)?",
        "Are special categories of data processed (GDPR art. 9)?",
        &[("SI", "Sì", "Yes"), ("NO", "No", "No")],
    ),
    (
        "conservazione",
        "Per quanto tempo sono conservati i dati?",
        "How long is the data kept?",
        &[],
    ),
    (
        "misure_sicurezza",
        "Quali misure di sicurezza sono adottate?",
        "Which security measures are in place?",
        &[],
    ),
];

/// The risk analysis's answers as the engine stores them: the answered questions, with the
/// questionnaire's version; nothing answered is an empty object, which the engine refuses.
pub fn risk_analysis(form: &Fields) -> Value {
    let mut answers = Map::new();
    for (name, ..) in RISK_QUESTIONS {
        if let Some(v) = form.get(&format!("rischio-{name}")).map(|v| v.trim())
            && !v.is_empty()
        {
            answers.insert((*name).to_owned(), Value::String(v.to_owned()));
        }
    }
    if answers.is_empty() {
        return json!({});
    }
    json!({ "version": "1.0", "answers": answers })
}

/// A new purpose's JSON from the form. The daily calls are sent as typed when they are a whole
/// number, else as given so the engine refuses them (its message is shown next to the field).
pub fn new_purpose(form: &Fields) -> Value {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let calls = get("chiamate");
    json!({
        "eservice_id": get("eservice"),
        "title": get("titolo"),
        "description": get("descrizione"),
        "risk_analysis": risk_analysis(form),
        "daily_calls": calls.parse::<u64>().map_or(Value::String(calls.to_owned()), Value::from),
    })
}

/// "Le mie finalità".
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<Admin>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let page = page_param(&params);
    let path = format!(
        "/purposes?side=consumer&offset={}&limit={PER_PAGE}",
        (page - 1).saturating_mul(PER_PAGE)
    );
    let found = match st.engine.page::<Purpose>(&user.token, &path).await {
        Ok(f) => f,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let names = eservices(
        &st,
        &user.token,
        found.items.iter().map(|p| p.eservice_id.clone()),
    )
    .await;
    let title = l.t("Le mie finalità", "My purposes");
    let body = html! {
        (subnav(&user, l, "/fruizione/finalita"))
        h1 { (title) }
        p { a class="button" href="/fruizione/finalita/nuova" { (l.t("+ Aggiungi una finalità", "+ Add a purpose")) } }
        p class="count" { (found.total) (l.t(" finalità.", " purposes.")) }
        @if !found.items.is_empty() {
            table {
                caption { (l.t("Finalità del tuo ente", "Your organization's purposes")) }
                thead { tr {
                    th scope="col" { (l.t("Titolo", "Title")) }
                    th scope="col" { "E-service" }
                    th scope="col" { (l.t("Stato", "State")) }
                    th scope="col" { (l.t("Chiamate al giorno", "Daily calls")) }
                } }
                tbody {
                    @for p in &found.items {
                        @let v = p.headline();
                        tr {
                            td { a href={ "/fruizione/finalita/" (p.id) } { (p.title) } }
                            td { (eservice_name(&names, &p.eservice_id)) }
                            td { (v.map_or("—", |v| version_state(&v.state, l))) }
                            td { (number(v.map(|v| v.daily_calls))) }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine delle finalità", "Purpose pages"), page, found.total, PER_PAGE,
            |p| format!("/fruizione/finalita{}", query(&[("pagina", &if p > 1 { p.to_string() } else { String::new() })]))))
    };
    visit.finish(&st, layout(title, &visit, "/fruizione", body))
}

/// An e-service a purpose can be created on: (id, name, daily calls per consumer, in total).
type Subscribable = (String, String, Option<u64>, Option<u64>);

/// The e-services a purpose can be created on: those with an ACTIVE request, with the
/// thresholds of the request's version.
async fn subscribable(st: &AppState, user: &User) -> Result<Vec<Subscribable>, EngineError> {
    let active = st
        .engine
        .page::<Agreement>(
            &user.token,
            "/agreements?side=consumer&state=ACTIVE&limit=500",
        )
        .await?;
    let found = eservices(
        st,
        &user.token,
        active.items.iter().map(|a| a.eservice_id.clone()),
    )
    .await;
    let mut v: Vec<_> = active
        .items
        .iter()
        .map(|a| {
            let e = found.get(&a.eservice_id);
            let d = e.and_then(|e| e.descriptors.iter().find(|d| d.id == a.descriptor_id));
            (
                a.eservice_id.clone(),
                e.map_or(a.eservice_id.clone(), |e| e.name.clone()),
                d.and_then(|d| d.daily_calls_per_consumer),
                d.and_then(|d| d.daily_calls_total),
            )
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

/// "+ Aggiungi": the new purpose's form.
pub async fn new_form(State(st): St, Signed(visit, user, _): Signed<Admin>) -> Response {
    form_page(&st, &visit, &user, &Fields::new(), None).await
}

async fn form_page(
    st: &AppState,
    visit: &Visit,
    user: &User,
    typed: &Fields,
    error: Option<&EngineError>,
) -> Response {
    let l = visit.session.lang;
    let choices = match subscribable(st, user).await {
        Ok(c) => c,
        Err(e) => return engine_error(visit, st, &e),
    };
    let get = |k: &str| typed.get(k).map_or("", String::as_str);
    let title = l.t("Nuova finalità", "New purpose");
    let body = html! {
        (subnav(user, l, "/fruizione/finalita"))
        h1 { (title) }
        @if let Some(e) = error.filter(|e| {
            !["eservice_id", "title", "description", "risk_analysis", "daily_calls"].iter().any(|f| e.concerns(f))
        }) { (error_box(e, l)) }
        @if choices.is_empty() {
            p { (l.t(
                "Il tuo ente non ha richieste di fruizione attive: una finalità si crea su un e-service con una richiesta attiva. Iscriviti dal ",
                "Your organization has no active subscription request: a purpose is created on an e-service with an active request. Subscribe from the ",
            )) a href="/catalogo" { (l.t("catalogo", "catalogue")) } "." }
        } @else {
            table {
                caption { (l.t("Soglie degli e-service (chiamate al giorno)", "The e-services' thresholds (calls a day)")) }
                thead { tr {
                    th scope="col" { "E-service" }
                    th scope="col" { (l.t("Per fruitore", "Per consumer")) }
                    th scope="col" { (l.t("In totale", "In total")) }
                } }
                tbody { @for (_, name, per, total) in &choices { tr { td { (name) } td { (number(*per)) } td { (number(*total)) } } } }
            }
            p class="hint" { (l.t(
                "Sotto la soglia la finalità si attiva appena pubblicata; sopra, attende l'approvazione dell'erogatore. Le chiamate ancora disponibili sono mostrate sulla pagina della finalità prima di pubblicarla.",
                "Under the threshold the purpose is active as soon as it is published; above it, it waits for the producer's approval. The calls still available are shown on the purpose's page before publishing it.",
            )) }
            form method="post" action="/fruizione/finalita/nuova" {
                (csrf_field(visit))
                @let blamed = error.filter(|e| e.concerns("eservice_id"));
                div class={ "field" @if blamed.is_some() { " invalid" } } {
                    label for="f-eservice" { "E-service " span class="req" { (l.t("(obbligatorio)", "(required)")) } }
                    @if let Some(e) = blamed { p class="field-error" id="f-eservice-err" { (e.sentence(l)) " " (e.detail) } }
                    select id="f-eservice" name="eservice" required {
                        @for (id, name, ..) in &choices { option value=(id) selected[get("eservice") == id] { (name) } }
                    }
                }
                (Field::new("titolo", l.t("Titolo", "Title"), Input::Text, get("titolo")).required().max(60)
                    .hint(l.t("Da 5 a 60 caratteri.", "5 to 60 characters.")).render(error, "title", l))
                (Field::new("descrizione", l.t("Descrizione", "Description"), Input::Area, get("descrizione")).required().max(250)
                    .hint(l.t("Da 10 a 250 caratteri.", "10 to 250 characters.")).render(error, "description", l))
                (risk_fieldset(typed, error, l))
                (Field::new("chiamate", l.t("Stima di carico: chiamate API al giorno", "Load estimate: API calls a day"), Input::Number, get("chiamate"))
                    .required().hint(l.t("Un numero intero da 1 a 1.000.000.000.", "A whole number from 1 to 1,000,000,000.")).render(error, "daily_calls", l))
                button type="submit" { (l.t("Salva in bozza", "Save as draft")) }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(title, visit, "/fruizione", body)))
}

/// The risk analysis's questions, with the engine's refusal of the whole analysis on top.
fn risk_fieldset(typed: &Fields, error: Option<&EngineError>, l: Lang) -> Markup {
    let blamed = error.filter(|e| e.concerns("risk_analysis"));
    html! {
        fieldset class={ "risk" @if blamed.is_some() { " invalid" } } {
            legend { (l.t("Analisi del rischio", "Risk analysis")) }
            @if let Some(e) = blamed { p class="field-error" { (e.sentence(l)) " " (e.detail) " (" code { (e.code) } ")" } }
            @for (name, it, en, choices) in RISK_QUESTIONS {
                @let field = format!("rischio-{name}");
                @let value = typed.get(&field).map_or("", String::as_str);
                @if choices.is_empty() {
                    (Field::new(&field, l.t(it, en), Input::Text, value).required().max(250).render(None::<&EngineError>, "", l))
                } @else {
                    div class="field" {
                        label for={ "f-" (field) } { (l.t(it, en)) " " span class="req" { (l.t("(obbligatorio)", "(required)")) } }
                        select id={ "f-" (field) } name=(field) required {
                            option value="" { (l.t("Scegli…", "Choose…")) }
                            @for (v, cit, cen) in *choices { option value=(v) selected[value == *v] { (l.t(cit, cen)) } }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /fruizione/finalita/nuova`: a draft purpose; its page shows the thresholds before it is
/// published.
pub async fn create(State(st): St, Posted(visit, user, form, _): Posted<Admin>) -> Response {
    let l = visit.session.lang;
    let p: Result<Purpose, EngineError> = st
        .engine
        .send(
            Method::POST,
            &user.token,
            "/purposes",
            Some(&new_purpose(&form)),
        )
        .await;
    match p {
        Ok(p) => {
            flash(&st, &visit, l.t(
                "Finalità salvata in bozza. Controlla la soglia e le chiamate disponibili, poi pubblicala.",
                "Purpose saved as a draft. Check the threshold and the calls available, then publish it.",
            ));
            redirect(&format!("/fruizione/finalita/{}", p.id))
        }
        Err(e) => {
            // A daily-calls value that is not a number is the engine's INVALID_BODY: shown next to the field.
            let e = if e.code == "INVALID_BODY" && e.detail.contains("daily_calls") {
                super::blame(e, "daily_calls")
            } else {
                e
            };
            form_page(&st, &visit, &user, &form, Some(&e)).await
        }
    }
}

/// A purpose's page.
pub async fn page(
    State(st): St,
    Signed(visit, user, _): Signed<Admin>,
    Path(id): Path<String>,
) -> Response {
    render(&st, &visit, &user, &id, None, "").await
}

/// An expected approval date as the engine writes it (`YYYY-MM-DD`), day first.
fn date(v: &Value) -> String {
    match v.as_str() {
        Some(s) if s.len() == 10 => format!("{}/{}/{}", &s[8..10], &s[5..7], &s[0..4]),
        Some(s) => s.to_owned(),
        None => v.to_string(),
    }
}

/// A blocker of operativity in words: what stops the purpose and who.
fn blocker(b: &Value, l: Lang) -> String {
    let sides = |b: &Value| {
        let list: Vec<&str> = b["suspended_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        suspended_by(
            list.contains(&"CONSUMER"),
            list.contains(&"PRODUCER"),
            list.contains(&"PLATFORM"),
            l,
        )
    };
    match b["point"].as_str() {
        Some("DESCRIPTOR") => format!(
            "{} ({}).",
            l.t(
                "La versione dell'e-service non è operativa: l'erogatore l'ha sospesa o archiviata",
                "The e-service version is not operative: its producer suspended or archived it",
            ),
            match b["state"].as_str() {
                Some("SUSPENDED") => l.t("sospesa", "suspended"),
                Some("ARCHIVED") => l.t("archiviata", "archived"),
                Some("DRAFT") => l.t("bozza", "draft"),
                _ => l.t("stato sconosciuto", "unknown state"),
            }
        ),
        Some("NO_AGREEMENT") => l
            .t(
                "Il tuo ente non ha una richiesta di fruizione su questo e-service.",
                "Your organization has no subscription request on this e-service.",
            )
            .to_owned(),
        Some("AGREEMENT") => {
            let who = sides(b);
            format!(
                "{} {}{}.",
                l.t(
                    "La richiesta di fruizione non è attiva:",
                    "The subscription request is not active:"
                ),
                super::agreement_state(b["state"].as_str().unwrap_or_default(), l),
                if who.is_empty() {
                    String::new()
                } else {
                    format!(", {} {who}", l.t("sospesa", "suspended"))
                }
            )
        }
        Some("PURPOSE") => {
            let who = sides(b);
            format!(
                "{} {}{}.",
                l.t(
                    "La finalità non ha una versione attiva:",
                    "The purpose has no active version:"
                ),
                b["state"].as_str().map_or("—", |s| version_state(s, l)),
                if who.is_empty() {
                    String::new()
                } else {
                    format!(", {} {who}", l.t("sospesa", "suspended"))
                }
            )
        }
        _ => b.to_string(),
    }
}

async fn render(
    st: &AppState,
    visit: &Visit,
    user: &User,
    id: &str,
    error: Option<&EngineError>,
    typed_calls: &str,
) -> Response {
    let l = visit.session.lang;
    let path = format!("/purposes/{}", crate::engine::encode(id));
    let p: Purpose = match st.engine.get(&user.token, &path).await {
        Ok(p) => p,
        Err(e) => return engine_error(visit, st, &e),
    };
    let engine = &st.engine;
    let (remaining_path, operativity_path) = (
        format!("{path}/remaining-daily-calls"),
        format!("{path}/operativity"),
    );
    let (e, remaining, operativity, clients) = tokio::join!(
        engine.eservice(&user.token, &p.eservice_id),
        engine.get::<Remaining>(&user.token, &remaining_path),
        engine.get::<Operativity>(&user.token, &operativity_path),
        engine.get::<Vec<super::client::Client>>(&user.token, "/clients?kind=CONSUMER&limit=500"),
    );
    let e = e.ok();
    let clients: HashMap<String, String> = clients
        .map(|c| c.into_iter().map(|c| (c.id, c.name)).collect())
        .unwrap_or_default();
    let base = format!("/fruizione/finalita/{}", p.id);
    let draft = p.find(&["DRAFT"]);
    let current = p.find(&["ACTIVE", "SUSPENDED"]);
    let waiting = p.find(&["WAITING_FOR_APPROVAL"]);
    let title = format!("{} {}", l.t("Finalità:", "Purpose:"), p.title);
    let body = html! {
        (subnav(user, l, "/fruizione/finalita"))
        nav aria-label=(l.t("Percorso", "Breadcrumb")) class="crumbs" {
            a href="/fruizione" { "Fruizione" } " › "
            a href="/fruizione/finalita" { (l.t("Le mie finalità", "My purposes")) } " › " (p.title)
        }
        h1 { (title) }
        @if let Some(e) = error.filter(|e| !e.concerns("daily_calls")) { (error_box(e, l)) }
        dl {
            dt { "E-service" }
            dd { @if let Some(e) = &e { a href={ "/catalogo/" (e.id) } { (e.name) } } @else { code { (p.eservice_id) } } }
            dt { (l.t("Descrizione", "Description")) } dd { (p.description) }
            dt { (l.t("Stato", "State")) }
            dd class="state" { (p.headline().map_or("—", |v| version_state(&v.state, l))) }
            @if p.suspended_by_consumer || p.suspended_by_producer {
                dt { (l.t("Sospesa", "Suspended")) }
                dd { (suspended_by(p.suspended_by_consumer, p.suspended_by_producer, false, l)) }
            }
            dt { (l.t("Creata il", "Created on")) } dd { (when(&p.created_at)) }
        }
        @if let Some(w) = waiting {
            div class="notice" role="note" {
                p {
                    (l.t("Una stima di ", "An estimate of ")) (w.daily_calls)
                    (l.t(" chiamate al giorno supera la soglia ed è in attesa dell'approvazione dell'erogatore.",
                         " calls a day exceeds the threshold and is waiting for the producer's approval."))
                    " "
                    @match &w.expected_approval_date {
                        Some(d) if !d.is_null() => { (l.t("Data prevista di approvazione: ", "Expected approval date: ")) strong { (date(d)) } "." }
                        _ => { (l.t("L'erogatore non ha ancora indicato una data prevista di approvazione.", "The producer has not set an expected approval date yet.")) }
                    }
                }
            }
        }
        h2 { (l.t("Soglia e chiamate disponibili", "Threshold and calls available")) }
        @match &remaining {
            Ok(r) => {
                dl class="remaining" {
                    dt { (l.t("Soglia per fruitore (chiamate al giorno)", "Threshold per consumer (calls a day)")) } dd { (r.daily_calls_per_consumer) }
                    dt { (l.t("Già in uso dal tuo ente", "Already used by your organization")) } dd { (r.consumer_load) }
                    dt { (l.t("Ancora disponibili per il tuo ente", "Still available to your organization")) } dd class="left" { (r.remaining_per_consumer) }
                    dt { (l.t("Soglia totale", "Total threshold")) } dd { (r.daily_calls_total) }
                    dt { (l.t("Ancora disponibili in totale", "Still available in total")) } dd { (r.remaining_total) }
                }
                @if let Some(d) = draft {
                    @let over = d.daily_calls > r.remaining_per_consumer.min(r.remaining_total);
                    p class={ "verdict" @if over { " over" } } {
                        (l.t("Questa finalità chiede ", "This purpose asks for ")) (d.daily_calls) (l.t(" chiamate al giorno: ", " calls a day: "))
                        @if over {
                            (l.t("supera le chiamate disponibili, quindi pubblicandola resterà in attesa dell'approvazione dell'erogatore.",
                                 "more than the calls available, so once published it will wait for the producer's approval."))
                        } @else {
                            (l.t("rientra nella soglia, quindi pubblicandola sarà attiva subito.",
                                 "within the threshold, so once published it is active at once."))
                        }
                    }
                }
            }
            Err(err) => { (error_box(err, l)) }
        }
        h2 { (l.t("Versioni della stima di carico", "Load estimate versions")) }
        table class="versions" tabindex="0" {
            caption { (l.t("Stime di carico della finalità", "The purpose's load estimates")) }
            thead { tr {
                th scope="col" { (l.t("Chiamate al giorno", "Daily calls")) }
                th scope="col" { (l.t("Stato", "State")) }
                th scope="col" { (l.t("Creata il", "Created on")) }
                th scope="col" { (l.t("Attivata il", "Activated on")) }
                th scope="col" { (l.t("Note", "Notes")) }
            } }
            tbody {
                @for v in &p.versions {
                    tr {
                        td { (v.daily_calls) }
                        td { (version_state(&v.state, l)) }
                        td { (when(&v.created_at)) }
                        td { (v.activated_at.as_deref().map(when).unwrap_or_else(|| "—".into())) }
                        td {
                            @if let Some(d) = v.expected_approval_date.as_ref().filter(|d| !d.is_null()) {
                                (l.t("Approvazione prevista il ", "Approval expected on ")) (date(d)) " "
                            }
                            @if let Some(r) = &v.rejection_reason { (l.t("Rifiutata: ", "Rejected: ")) (r) }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Questa finalità può accedere all'e-service dell'erogatore?", "Can this purpose reach the producer's e-service?")) }
        @match &operativity {
            Ok(o) if o.operative => { p class="operative" { (l.t("Sì: i client associati possono ottenere voucher.", "Yes: the attached clients can obtain vouchers.")) } }
            Ok(o) => {
                p class="blocked" { (l.t("No. Cosa la blocca:", "No. What blocks it:")) }
                ul { @for b in &o.blockers { li { (blocker(b, l)) } } }
            }
            Err(err) => { (error_box(err, l)) }
        }
        h2 { (l.t("Client associati", "Attached clients")) }
        @if p.clients.is_empty() {
            p { (l.t("Nessun client: associane uno dalla pagina del client, in ", "No client: attach one from the client's page, in ")) a href="/fruizione/client" { (l.t("Gestione client", "Clients")) } "." }
        } @else {
            ul { @for c in &p.clients { li { a href={ "/fruizione/client/" (c) } { (clients.get(c).map_or(c.as_str(), String::as_str)) } } } }
        }
        h2 { (l.t("Azioni", "Actions")) }
        div class="actions" {
            @if draft.is_some() && current.is_none() && waiting.is_none() {
                (action_form(visit, &format!("{base}/pubblica"), l.t("Pubblica la finalità", "Publish the purpose"), None))
                (action_form(visit, &format!("{base}/elimina"), l.t("Elimina la bozza", "Delete the draft"),
                    Some(l.t("elimina questa finalità in bozza", "delete this draft purpose"))))
            }
            @if let Some(c) = current {
                @if c.state == "ACTIVE" || !p.suspended_by_consumer {
                    (action_form(visit, &format!("{base}/sospendi"), l.t("Sospendi", "Suspend"),
                        Some(l.t("sospendi la finalità: le sue chiavi non otterranno voucher", "suspend the purpose: its keys will get no voucher"))))
                }
                @if p.suspended_by_consumer {
                    (action_form(visit, &format!("{base}/riattiva"), l.t("Riattiva", "Reactivate"), None))
                }
            }
            @if current.is_some() || waiting.is_some() {
                (action_form(visit, &format!("{base}/archivia"), l.t("Archivia", "Archive"),
                    Some(l.t("archivia la finalità (irreversibile)", "archive the purpose (cannot be undone)"))))
            }
        }
        @if current.is_some() {
            section aria-labelledby="stima" {
                h2 id="stima" { (l.t("Aggiorna stima di carico", "Update the load estimate")) }
                form method="post" action={ (base) "/stima" } {
                    (csrf_field(visit))
                    (Field::new("chiamate", l.t("Nuova stima: chiamate API al giorno", "New estimate: API calls a day"), Input::Number, typed_calls)
                        .required().hint(l.t("Sopra la soglia attende l'approvazione dell'erogatore; intanto resta in vigore la stima attuale.",
                            "Above the threshold it waits for the producer's approval; meanwhile the current estimate stays in force."))
                        .render(error, "daily_calls", l))
                    button type="submit" { (l.t("Aggiorna la stima", "Update the estimate")) }
                }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(&title, visit, "/fruizione", body)))
}

/// A purpose's actions: `pubblica`, `sospendi`, `riattiva`, `archivia`, `elimina`, `stima`.
pub async fn act(
    State(st): St,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Posted(visit, user, form, _): Posted<Admin>,
) -> Response {
    let l = visit.session.lang;
    let base = format!("/purposes/{}", crate::engine::encode(&id));
    let p: Purpose = match st.engine.get(&user.token, &base).await {
        Ok(p) => p,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let calls = form.get("chiamate").map_or("", |c| c.trim()).to_owned();
    let version = |states: &[&str]| p.find(states).map(|v| v.id.clone()).unwrap_or_default();
    let (method, path, body, destructive) = match action.as_str() {
        "pubblica" => (
            Method::POST,
            format!("{base}/versions/{}/activate", version(&["DRAFT"])),
            None,
            false,
        ),
        "sospendi" => (
            Method::POST,
            format!(
                "{base}/versions/{}/suspend",
                version(&["ACTIVE", "SUSPENDED"])
            ),
            None,
            true,
        ),
        "riattiva" => (
            Method::POST,
            format!("{base}/versions/{}/activate", version(&["SUSPENDED"])),
            None,
            false,
        ),
        "archivia" => (
            Method::POST,
            format!(
                "{base}/versions/{}/archive",
                version(&["ACTIVE", "SUSPENDED", "WAITING_FOR_APPROVAL"])
            ),
            None,
            true,
        ),
        "elimina" => (Method::DELETE, base.clone(), None, true),
        "stima" => (
            Method::POST,
            format!("{base}/versions"),
            Some(
                json!({ "daily_calls": calls.parse::<u64>().map_or(Value::String(calls.clone()), Value::from) }),
            ),
            false,
        ),
        _ => return crate::pages::not_found(State(st), headers).await,
    };
    if destructive && !confirmed(&form) {
        return render(&st, &visit, &user, &id, Some(&not_confirmed()), &calls).await;
    }
    let done: Result<Option<Purpose>, EngineError> = st
        .engine
        .send(method, &user.token, &path, body.as_ref())
        .await;
    match done {
        Err(e) => {
            let e = if action == "stima" && e.code == "INVALID_BODY" {
                super::blame(e, "daily_calls")
            } else {
                e
            };
            render(&st, &visit, &user, &id, Some(&e), &calls).await
        }
        Ok(None) => {
            flash(
                &st,
                &visit,
                l.t(
                    "La finalità in bozza è stata eliminata.",
                    "The draft purpose was deleted.",
                ),
            );
            redirect("/fruizione/finalita")
        }
        Ok(Some(p)) => {
            let what = match action.as_str() {
                "pubblica" => l.t("Finalità pubblicata.", "Purpose published."),
                "sospendi" => l.t(
                    "Finalità sospesa: le sue chiavi non ottengono voucher.",
                    "Purpose suspended: its keys get no voucher.",
                ),
                "riattiva" => l.t(
                    "Sospensione tolta da parte tua.",
                    "Your side's suspension is lifted.",
                ),
                "archivia" => l.t("Finalità archiviata.", "Purpose archived."),
                _ => l.t(
                    "Nuova stima di carico registrata.",
                    "New load estimate recorded.",
                ),
            };
            let state = if p.find(&["WAITING_FOR_APPROVAL"]).is_some() {
                l.t(
                    "Una stima è in attesa dell'approvazione dell'erogatore (supera la soglia).",
                    "An estimate waits for the producer's approval (it exceeds the threshold).",
                )
            } else if p.find(&["ACTIVE"]).is_some() {
                l.t("Stato: attiva.", "State: active.")
            } else {
                p.headline().map_or("", |v| version_state(&v.state, l))
            };
            flash(&st, &visit, format!("{what} {state}"));
            redirect(&format!("/fruizione/finalita/{}", p.id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_risk_analysis_keeps_the_answered_questions() {
        let f = form(&[
            ("rischio-finalita_istituzionale", " Notifiche ai cittadini "),
            ("rischio-dati_personali", "SI"),
            ("rischio-conservazione", ""),
            ("altro", "x"),
        ]);
        assert_eq!(
            risk_analysis(&f),
            json!({"version": "1.0", "answers": {"finalita_istituzionale": "Notifiche ai cittadini", "dati_personali": "SI"}})
        );
        // Nothing answered: an empty object, which the engine refuses (VALIDATION_FAILED).
        assert_eq!(risk_analysis(&form(&[])), json!({}));
    }

    #[test]
    fn a_new_purpose_is_sent_as_the_engine_reads_it() {
        let f = form(&[
            ("eservice", "e1"),
            ("titolo", " Avvisi "),
            ("descrizione", "Avvisi di pagamento"),
            ("chiamate", "500"),
            ("rischio-dati_personali", "NO"),
        ]);
        let v = new_purpose(&f);
        assert_eq!(v["eservice_id"], "e1");
        assert_eq!(v["title"], "Avvisi");
        assert_eq!(v["daily_calls"], 500);
        assert_eq!(v["risk_analysis"]["answers"]["dati_personali"], "NO");
        // Not a number: sent as typed, for the engine to refuse.
        assert_eq!(
            new_purpose(&form(&[("chiamate", "tante")]))["daily_calls"],
            "tante"
        );
    }

    #[test]
    fn blockers_say_what_and_who() {
        let b = json!({"point": "AGREEMENT", "state": "SUSPENDED", "suspended_by": ["PRODUCER"]});
        assert_eq!(
            blocker(&b, Lang::It),
            "La richiesta di fruizione non è attiva: Sospesa, sospesa dall'erogatore."
        );
        let p = json!({"point": "PURPOSE", "state": "WAITING_FOR_APPROVAL", "suspended_by": []});
        assert_eq!(
            blocker(&p, Lang::En),
            "The purpose has no active version: Waiting for approval."
        );
    }
}
