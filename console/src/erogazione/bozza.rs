//! The step-by-step draft of an e-service ("+ Aggiungi"), as the user guide describes it: step 1
//! the general information, step 2 the attributes required (certified, declared and verified,
//! as groups: one attribute of a group suffices), step 3 the version (audience, voucher
//! lifespan, daily-call thresholds, approval policy, server URLs), step 4 the summary and
//! "Pubblica". Each step is saved in the engine (`POST`/`PUT`), so leaving and coming back
//! resumes the draft; editing a draft walks the same steps. Once version 1 is published the
//! general information and the attributes are frozen: a new version walks steps 3 and 4 only.
//!
//! What was typed goes to the engine as typed (a number field that is not a number too): the
//! engine's refusal comes back next to the field it blames, with what was typed kept.

use super::{ROOT, attribute_names, descriptor_state, subnav};
use crate::engine::{Attributes, Descriptor, EService, EngineError, Method, RequiredAttribute};
use crate::session::Lang;
use crate::web::{
    Field, Fields, Input, Posted, Producer, Signed, csrf_field, engine_error, error_box, flash,
    layout, redirect,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The fields of step 1, as the engine names them.
pub const INFO_FIELDS: [&str; 4] = ["name", "description", "technology", "mode"];
/// The fields of step 3, as the engine names them.
pub const VERSION_FIELDS: [&str; 7] = [
    "description",
    "audience",
    "voucher_lifespan",
    "daily_calls_per_consumer",
    "daily_calls_total",
    "agreement_approval_policy",
    "server_urls",
];

/// What was typed in `k` (empty when absent).
pub fn typed<'a>(form: &'a Fields, k: &str) -> &'a str {
    form.get(k).map(String::as_str).unwrap_or("")
}

/// Empty (or blank): `null`; else the text as typed.
fn text_or_null(s: &str) -> Value {
    if s.trim().is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

/// Empty: `null` (not given yet, allowed in a draft); a whole number: the number; anything else
/// is sent as typed, for the engine to refuse (`INVALID_BODY` naming the field).
pub fn number_or_typed(s: &str) -> Value {
    let t = s.trim();
    if t.is_empty() {
        Value::Null
    } else if let Ok(n) = t.parse::<u64>() {
        Value::from(n)
    } else {
        Value::String(t.to_owned())
    }
}

/// One value a line, blank lines left out.
pub fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The required attributes as the engine reads them.
pub fn attributes_json(a: &Attributes) -> Value {
    let groups = |g: &Vec<Vec<RequiredAttribute>>| -> Value {
        g.iter()
            .map(|group| {
                group
                    .iter()
                    .map(|r| json!({"id": r.id, "explicit_verification": r.explicit_verification}))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .into()
    };
    json!({
        "certified": groups(&a.certified),
        "declared": groups(&a.declared),
        "verified": groups(&a.verified),
    })
}

/// Step 1's form as the engine's `EServiceInfo`, with the e-service's `attributes` (kept).
pub fn info_json(form: &Fields, attributes: &Attributes) -> Value {
    json!({
        "name": typed(form, "name"),
        "description": typed(form, "description"),
        "technology": typed(form, "technology"),
        "mode": typed(form, "mode"),
        "attributes": attributes_json(attributes),
    })
}

/// Step 3's form as the engine's `DescriptorFields` (every field optional while a draft).
pub fn descriptor_json(form: &Fields) -> Value {
    json!({
        "description": text_or_null(typed(form, "description")),
        "audience": lines(typed(form, "audience")),
        "voucher_lifespan": number_or_typed(typed(form, "voucher_lifespan")),
        "daily_calls_per_consumer": number_or_typed(typed(form, "daily_calls_per_consumer")),
        "daily_calls_total": number_or_typed(typed(form, "daily_calls_total")),
        "agreement_approval_policy": text_or_null(typed(form, "agreement_approval_policy")),
        "server_urls": lines(typed(form, "server_urls")),
    })
}

/// The engine's refusal with the field it concerns named when the engine did not name it: a body
/// that could not be read names the field in its detail (`…: daily_calls_total: invalid
/// type…`), a name already taken concerns the name, an audience taken the audience.
pub fn blame(mut e: EngineError, known: &[&str]) -> EngineError {
    if !e.fields.is_empty() {
        return e;
    }
    match e.code.as_str() {
        "ESERVICE_NAME_TAKEN" => e.fields.push("name".into()),
        "AUDIENCE_TAKEN" => e.fields.push("audience".into()),
        "INVALID_BODY" => {
            if let Some(f) = known.iter().find(|f| e.detail.contains(&format!(" {f}: "))) {
                e.fields.push((*f).to_owned());
            }
        }
        _ => {}
    }
    e
}

/// An e-service's step-1 fields, to fill the form.
pub fn info_fields(e: &EService) -> Fields {
    HashMap::from([
        ("name".into(), e.name.clone()),
        ("description".into(), e.description.clone()),
        ("technology".into(), e.technology.clone()),
        ("mode".into(), e.mode.clone()),
    ])
}

/// A version's step-3 fields, to fill the form.
pub fn version_fields(d: &Descriptor) -> Fields {
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    HashMap::from([
        ("versione".into(), d.id.clone()),
        (
            "description".into(),
            d.description.clone().unwrap_or_default(),
        ),
        ("audience".into(), d.audience.join("\n")),
        (
            "voucher_lifespan".into(),
            n(d.voucher_lifespan.map(u64::from)),
        ),
        (
            "daily_calls_per_consumer".into(),
            n(d.daily_calls_per_consumer),
        ),
        ("daily_calls_total".into(), n(d.daily_calls_total)),
        (
            "agreement_approval_policy".into(),
            d.agreement_approval_policy.clone().unwrap_or_default(),
        ),
        ("server_urls".into(), d.server_urls.join("\n")),
    ])
}

/// An attribute kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Certified,
    Declared,
    Verified,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Certified, Kind::Declared, Kind::Verified];

    /// The form's and the path's name.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Certified => "certified",
            Kind::Declared => "declared",
            Kind::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// The engine's name of the kind (`GET /attributes`).
    pub fn engine(self) -> &'static str {
        match self {
            Kind::Certified => "CERTIFIED",
            Kind::Declared => "DECLARED",
            Kind::Verified => "VERIFIED",
        }
    }

    /// "certificati", "dichiarati", "verificati".
    pub fn plural(self, l: Lang) -> &'static str {
        match self {
            Kind::Certified => l.t("certificati", "certified"),
            Kind::Declared => l.t("dichiarati", "declared"),
            Kind::Verified => l.t("verificati", "verified"),
        }
    }

    pub fn groups(self, a: &Attributes) -> &Vec<Vec<RequiredAttribute>> {
        match self {
            Kind::Certified => &a.certified,
            Kind::Declared => &a.declared,
            Kind::Verified => &a.verified,
        }
    }

    fn groups_mut(self, a: &mut Attributes) -> &mut Vec<Vec<RequiredAttribute>> {
        match self {
            Kind::Certified => &mut a.certified,
            Kind::Declared => &mut a.declared,
            Kind::Verified => &mut a.verified,
        }
    }
}

/// A change to the attribute groups (step 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupEdit {
    /// A new group, holding `attribute`.
    NewGroup {
        kind: Kind,
        attribute: String,
        explicit: bool,
    },
    /// `attribute` added to group `group` (0-based): any one of the group suffices.
    AddTo {
        kind: Kind,
        group: usize,
        attribute: String,
        explicit: bool,
    },
    /// The `index`-th attribute of group `group` removed (the group too, once empty).
    Remove {
        kind: Kind,
        group: usize,
        index: usize,
    },
}

impl GroupEdit {
    /// The change a step-2 form asks for (`op`, `kind`, `group`, `index`, `attribute`,
    /// `explicit`), or `None` for a malformed form.
    pub fn parse(form: &Fields) -> Option<GroupEdit> {
        let kind = Kind::parse(typed(form, "kind"))?;
        let num = |k: &str| typed(form, k).parse::<usize>().ok();
        let attribute = || {
            let a = typed(form, "attribute").trim();
            (!a.is_empty()).then(|| a.to_owned())
        };
        let explicit = kind == Kind::Verified && typed(form, "explicit") == "si";
        match typed(form, "op") {
            "nuovo-gruppo" => Some(GroupEdit::NewGroup {
                kind,
                attribute: attribute()?,
                explicit,
            }),
            "aggiungi" => Some(GroupEdit::AddTo {
                kind,
                group: num("group")?,
                attribute: attribute()?,
                explicit,
            }),
            "rimuovi" => Some(GroupEdit::Remove {
                kind,
                group: num("group")?,
                index: num("index")?,
            }),
            _ => None,
        }
    }

    /// Applies the change; `false` when the group or attribute it names is no longer there
    /// (the page was stale). An attribute already in the group is not added twice.
    pub fn apply(&self, a: &mut Attributes) -> bool {
        match self {
            GroupEdit::NewGroup {
                kind,
                attribute,
                explicit,
            } => {
                kind.groups_mut(a).push(vec![RequiredAttribute {
                    id: attribute.clone(),
                    explicit_verification: *explicit,
                }]);
                true
            }
            GroupEdit::AddTo {
                kind,
                group,
                attribute,
                explicit,
            } => match kind.groups_mut(a).get_mut(*group) {
                Some(g) => {
                    if !g.iter().any(|r| &r.id == attribute) {
                        g.push(RequiredAttribute {
                            id: attribute.clone(),
                            explicit_verification: *explicit,
                        });
                    }
                    true
                }
                None => false,
            },
            GroupEdit::Remove { kind, group, index } => {
                let groups = kind.groups_mut(a);
                let Some(g) = groups.get_mut(*group) else {
                    return false;
                };
                if *index >= g.len() {
                    return false;
                }
                g.remove(*index);
                if g.is_empty() {
                    groups.remove(*group);
                }
                true
            }
        }
    }
}

/// The draft version of `e`, if any.
pub fn draft(e: &EService) -> Option<&Descriptor> {
    e.descriptors.iter().find(|d| d.state == "DRAFT")
}

/// Whether a version of `e` was ever published (its general information is then frozen).
pub fn ever_published(e: &EService) -> bool {
    e.descriptors.iter().any(|d| d.state != "DRAFT")
}

/// A `<select>` field, as [`Field`] renders inputs: label, the engine's sentence when it blames
/// `engine_field`, the chosen value kept.
pub fn select_field(
    name: &str,
    label: &str,
    options: &[(&str, &str)],
    value: &str,
    error: Option<&EngineError>,
    engine_field: &str,
    l: Lang,
) -> Markup {
    let id = format!("f-{name}");
    let blamed = error.filter(|e| e.concerns(engine_field));
    let err_id = format!("{id}-err");
    html! {
        div class={ "field" @if blamed.is_some() { " invalid" } } {
            label for=(id) { (label) }
            @if let Some(e) = blamed {
                p class="field-error" id=(err_id) { (e.sentence(l)) " " (e.detail) " (" code { (e.code) } ")" }
            }
            select id=(id) name=(name)
                aria-invalid=[blamed.map(|_| "true")]
                aria-describedby=[blamed.map(|_| err_id.as_str())] {
                @for (v, text) in options {
                    option value=(v) selected[*v == value] { (text) }
                }
            }
        }
    }
}

/// The steps, `current` marked; steps 1 and 2 only while the general information may change.
fn steps(l: Lang, id: Option<&str>, current: u8, frozen: bool) -> Markup {
    let names = [
        l.t("Informazioni generali", "General information"),
        l.t("Attributi", "Attributes"),
        l.t("Versione", "Version"),
        l.t("Riepilogo e pubblicazione", "Summary and publication"),
    ];
    html! {
        nav class="steps" aria-label=(l.t("Passi della bozza", "Steps of the draft")) {
            ol {
                @for (i, name) in names.iter().enumerate() {
                    @let n = i as u8 + 1;
                    @let reachable = id.is_some() && !(frozen && n <= 2);
                    li {
                        @if n == current {
                            span aria-current="step" { (l.t("Passo ", "Step ")) (n) ": " (name) }
                        } @else if reachable {
                            a href={ "/erogazione/e-service/" (id.unwrap_or_default()) "/passo-" (n) } {
                                (l.t("Passo ", "Step ")) (n) ": " (name)
                            }
                        } @else {
                            span { (l.t("Passo ", "Step ")) (n) ": " (name) }
                        }
                    }
                }
            }
        }
    }
}

/// The heading of a step's page.
fn title(l: Lang, e: Option<&EService>) -> String {
    match e {
        None => l.t("Nuovo e-service", "New e-service").to_owned(),
        Some(e) => format!("{}{}", l.t("Bozza: ", "Draft: "), e.name),
    }
}

fn page(st: &AppState, visit: &Visit, status: StatusCode, h1: &str, body: Markup) -> Response {
    let l = visit.session.lang;
    let body = html! {
        (subnav(l, "/erogazione/e-service"))
        h1 { (h1) }
        (body)
    };
    visit.finish(st, (status, layout(h1, visit, ROOT, body)))
}

/// Step 1's form (a new e-service when `id` is `None`).
fn step1_form(
    visit: &Visit,
    id: Option<&str>,
    form: &Fields,
    error: Option<&EngineError>,
) -> Markup {
    let l = visit.session.lang;
    let action = match id {
        None => "/erogazione/e-service/nuovo".to_owned(),
        Some(id) => format!("/erogazione/e-service/{id}/passo-1"),
    };
    html! {
        (steps(l, id, 1, false))
        @if let Some(e) = error { (error_box(e, l)) }
        form method="post" action=(action) novalidate {
            (csrf_field(visit))
            (Field::new("name", l.t("Nome dell'e-service", "E-service name"), Input::Text, typed(form, "name"))
                .required()
                .hint(l.t("Da 5 a 60 caratteri, diverso dagli altri tuoi e-service.", "5 to 60 characters, unlike your other e-services' names."))
                .render(error, "name", l))
            (Field::new("description", l.t("Descrizione", "Description"), Input::Area, typed(form, "description"))
                .required()
                .hint(l.t("Da 10 a 250 caratteri.", "10 to 250 characters."))
                .render(error, "description", l))
            (select_field("technology", l.t("Tecnologia", "Technology"),
                &[("REST", "REST"), ("SOAP", "SOAP")], typed(form, "technology"), error, "technology", l))
            (select_field("mode", l.t("Modalità", "Mode"),
                &[("DELIVER", l.t("Eroga: l'erogatore espone l'API", "Deliver: the producer serves the API")),
                  ("RECEIVE", l.t("Riceve: l'erogatore riceve le chiamate", "Receive: the producer receives calls"))],
                typed(form, "mode"), error, "mode", l))
            div class="actions" {
                button type="submit" { (l.t("Salva in bozza e continua", "Save the draft and continue")) }
            }
        }
        p class="hint" {
            (l.t("Una volta pubblicata la versione 1, nome, descrizione, tecnologia e attributi non si potranno più modificare.",
                 "Once version 1 is published, the name, description, technology and attributes can no longer change."))
        }
    }
}

/// "+ Aggiungi": step 1 of a new e-service.
pub async fn new_form(State(st): St, Signed(visit, _, _): Signed<Producer>) -> Response {
    let l = visit.session.lang;
    let form = HashMap::from([
        ("technology".into(), "REST".into()),
        ("mode".into(), "DELIVER".into()),
    ]);
    let h1 = title(l, None);
    page(
        &st,
        &visit,
        StatusCode::OK,
        &h1,
        step1_form(&visit, None, &form, None),
    )
}

/// Step 1 sent for a new e-service: `POST /eservices` (version 1 is created as a draft).
pub async fn create(State(st): St, Posted(visit, user, form, _): Posted<Producer>) -> Response {
    let l = visit.session.lang;
    let body = info_json(&form, &Attributes::default());
    match st
        .engine
        .send::<EService>(Method::POST, &user.token, "/eservices", Some(&body))
        .await
    {
        Ok(e) => {
            flash(
                &st,
                &visit,
                format!(
                    "{}{}{}",
                    l.t("Bozza salvata: l'e-service «", "Draft saved: the e-service «"),
                    e.name,
                    l.t(
                        "» ha la versione 1 in bozza. Ora scegli gli attributi richiesti ai fruitori.",
                        "» has version 1 as a draft. Now choose the attributes consumers need."
                    )
                ),
            );
            redirect(&format!("/erogazione/e-service/{}/passo-2", e.id))
        }
        Err(e) => {
            let e = blame(e, &INFO_FIELDS);
            let h1 = title(l, None);
            page(
                &st,
                &visit,
                crate::web::refusal_status(e.status),
                &h1,
                step1_form(&visit, None, &form, Some(&e)),
            )
        }
    }
}

/// A page saying the general information can no longer change.
fn frozen(l: Lang, id: &str) -> Markup {
    html! {
        p class="notice" {
            (l.t("Una versione di questo e-service è già stata pubblicata: le informazioni generali e gli attributi non si possono più modificare. Puoi creare una nuova versione.",
                 "A version of this e-service was published: its general information and attributes can no longer change. You can create a new version."))
        }
        p { a href={ "/erogazione/e-service/" (id) } { (l.t("Torna all'e-service", "Back to the e-service")) } }
    }
}

/// Step 1 of an existing draft.
pub async fn step1(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    let l = visit.session.lang;
    let e = match st.engine.eservice(&user.token, &id).await {
        Ok(e) => e,
        Err(err) => return engine_error(&visit, &st, &err),
    };
    let h1 = title(l, Some(&e));
    let body = if ever_published(&e) {
        frozen(l, &e.id)
    } else {
        step1_form(&visit, Some(&e.id), &info_fields(&e), None)
    };
    page(&st, &visit, StatusCode::OK, &h1, body)
}

/// Step 1 sent for an existing draft: `PUT /eservices/{id}` (the attributes kept as they are).
pub async fn save1(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let path = format!("/eservices/{}", crate::engine::encode(&id));
    let result = match st.engine.eservice(&user.token, &id).await {
        Ok(e) => {
            st.engine
                .send::<EService>(
                    Method::PUT,
                    &user.token,
                    &path,
                    Some(&info_json(&form, &e.attributes)),
                )
                .await
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(e) => {
            flash(
                &st,
                &visit,
                l.t(
                    "Informazioni generali salvate nella bozza.",
                    "General information saved in the draft.",
                ),
            );
            redirect(&format!("/erogazione/e-service/{}/passo-2", e.id))
        }
        Err(err) => {
            let err = blame(err, &INFO_FIELDS);
            let h1 = format!("{}{}", l.t("Bozza: ", "Draft: "), typed(&form, "name"));
            page(
                &st,
                &visit,
                crate::web::refusal_status(err.status),
                &h1,
                step1_form(&visit, Some(&id), &form, Some(&err)),
            )
        }
    }
}

/// Step 2: the attribute groups of each kind, each change saved at once.
fn step2_body(
    visit: &Visit,
    e: &EService,
    all: &[crate::engine::Attribute],
    error: Option<&EngineError>,
) -> Markup {
    let l = visit.session.lang;
    let names: HashMap<&str, &str> = all
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let name = |id: &str| {
        names
            .get(id)
            .map(|n| n.to_string())
            .unwrap_or(id.to_owned())
    };
    let action = format!("/erogazione/e-service/{}/passo-2", e.id);
    let explain = |k: Kind| {
        match k {
        Kind::Certified => l.t(
            "Assegnati dalla piattaforma in base alle fonti autoritative: la piattaforma li verifica da sé.",
            "Assigned by the platform from authoritative sources: the platform checks them itself.",
        ),
        Kind::Declared => l.t(
            "Il fruitore dichiara di possederli quando presenta la richiesta di fruizione.",
            "The consumer declares holding them when it submits its request.",
        ),
        Kind::Verified => l.t(
            "Verificati da un erogatore. Con «verifica esplicita» li verifichi tu; altrimenti vale la verifica di qualsiasi erogatore.",
            "Verified by a producer. With «explicit verification» you verify them; otherwise any producer's verification counts.",
        ),
    }
    };
    html! {
        (steps(l, Some(&e.id), 2, false))
        @if let Some(err) = error { (error_box(err, l)) }
        p {
            (l.t("Ogni gruppo è soddisfatto se il fruitore possiede almeno uno dei suoi attributi; il fruitore deve soddisfare tutti i gruppi.",
                 "A group is satisfied when the consumer holds any one of its attributes; the consumer must satisfy every group."))
        }
        @for kind in Kind::ALL {
            @let choices: Vec<&crate::engine::Attribute> = {
                let mut v: Vec<_> = all.iter().filter(|a| a.kind == kind.engine()).collect();
                v.sort_by(|a, b| a.name.cmp(&b.name));
                v
            };
            section class="attr-kind" id={ "attributi-" (kind.slug()) } aria-labelledby={ "h-" (kind.slug()) } {
                h2 id={ "h-" (kind.slug()) } { (l.t("Attributi ", "Attributes: ")) (kind.plural(l)) }
                p class="hint" { (explain(kind)) }
                @let groups = kind.groups(&e.attributes);
                @if groups.is_empty() {
                    p { (l.t("Nessun gruppo: non richiesti.", "No group: none required.")) }
                }
                @for (g, group) in groups.iter().enumerate() {
                    div class="group" {
                        h3 { (l.t("Gruppo ", "Group ")) (g + 1) " (" (kind.plural(l)) ")" " — " (l.t("basta uno di questi", "any one of these")) }
                        ul {
                            @for (i, r) in group.iter().enumerate() {
                                li {
                                    (name(&r.id))
                                    @if kind == Kind::Verified && r.explicit_verification {
                                        " (" (l.t("verifica esplicita", "explicit verification")) ")"
                                    }
                                    " "
                                    form method="post" action=(action) class="inline" {
                                        (csrf_field(visit))
                                        input type="hidden" name="op" value="rimuovi";
                                        input type="hidden" name="kind" value=(kind.slug());
                                        input type="hidden" name="group" value=(g);
                                        input type="hidden" name="index" value=(i);
                                        button type="submit" {
                                            (l.t("Rimuovi", "Remove"))
                                            span class="vh" { " «" (name(&r.id)) "» " (l.t("dal gruppo ", "from group ")) (g + 1) }
                                        }
                                    }
                                }
                            }
                        }
                        @if !choices.is_empty() {
                            (add_form(visit, &action, kind, Some(g), &choices))
                        }
                    }
                }
                @if choices.is_empty() {
                    p { (l.t("Non ci sono attributi di questo tipo.", "There are no attributes of this kind.")) }
                } @else {
                    (add_form(visit, &action, kind, None, &choices))
                }
            }
        }
        div class="actions" {
            a class="button" href={ "/erogazione/e-service/" (e.id) "/passo-3" } { (l.t("Continua: la versione", "Continue: the version")) }
            a href={ "/erogazione/e-service/" (e.id) "/passo-1" } { (l.t("Indietro: informazioni generali", "Back: general information")) }
        }
    }
}

/// A form adding an attribute of `kind` to group `group` (0-based), or to a new group.
fn add_form(
    visit: &Visit,
    action: &str,
    kind: Kind,
    group: Option<usize>,
    choices: &[&crate::engine::Attribute],
) -> Markup {
    let l = visit.session.lang;
    let id = match group {
        Some(g) => format!("f-{}-g{}", kind.slug(), g + 1),
        None => format!("f-{}-nuovo", kind.slug()),
    };
    let label = match group {
        Some(g) => format!(
            "{}{} ({})",
            l.t(
                "Attributo da aggiungere al gruppo ",
                "Attribute to add to group "
            ),
            g + 1,
            kind.plural(l)
        ),
        None => format!(
            "{}{}",
            l.t(
                "Attributo di un nuovo gruppo di attributi ",
                "Attribute of a new group of attributes: "
            ),
            kind.plural(l)
        ),
    };
    let button = match group {
        Some(g) => format!(
            "{}{} ({})",
            l.t("Aggiungi al gruppo ", "Add to group "),
            g + 1,
            kind.plural(l)
        ),
        None => format!(
            "{}{}",
            l.t(
                "Crea un gruppo di attributi ",
                "Create a group of attributes: "
            ),
            kind.plural(l)
        ),
    };
    html! {
        form method="post" action=(action) class="add-attribute" {
            (csrf_field(visit))
            input type="hidden" name="op" value=(if group.is_some() { "aggiungi" } else { "nuovo-gruppo" });
            input type="hidden" name="kind" value=(kind.slug());
            @if let Some(g) = group { input type="hidden" name="group" value=(g); }
            div class="field" {
                label for=(id) { (label) }
                select id=(id) name="attribute" {
                    @for a in choices { option value=(a.id) { (a.name) } }
                }
            }
            @if kind == Kind::Verified {
                label class="check" {
                    input type="checkbox" name="explicit" value="si";
                    " " (l.t("Verifica esplicita: la verifico io", "Explicit verification: I verify it"))
                }
            }
            button type="submit" { (button) }
        }
    }
}

/// Step 2 of a draft.
pub async fn step2(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    step2_page(&st, &visit, &user.token, &id, None).await
}

async fn step2_page(
    st: &AppState,
    visit: &Visit,
    token: &str,
    id: &str,
    error: Option<&EngineError>,
) -> Response {
    let l = visit.session.lang;
    let (e, all) = tokio::join!(st.engine.eservice(token, id), st.engine.attributes(token));
    let e = match e {
        Ok(e) => e,
        Err(err) => return engine_error(visit, st, &err),
    };
    let all = match all {
        Ok(a) => a,
        Err(err) => return engine_error(visit, st, &err),
    };
    let h1 = title(l, Some(&e));
    let body = if ever_published(&e) {
        frozen(l, &e.id)
    } else {
        step2_body(visit, &e, &all, error)
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    page(st, visit, status, &h1, body)
}

/// A change to the groups: the e-service's information sent again with the groups changed.
pub async fn save2(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let back = format!("/erogazione/e-service/{id}/passo-2");
    let Some(edit) = GroupEdit::parse(&form) else {
        flash(
            &st,
            &visit,
            l.t(
                "Scegli un attributo, poi premi il pulsante del gruppo.",
                "Choose an attribute, then press the group's button.",
            ),
        );
        return redirect(&back);
    };
    let mut e = match st.engine.eservice(&user.token, &id).await {
        Ok(e) => e,
        Err(err) => return step2_page(&st, &visit, &user.token, &id, Some(&err)).await,
    };
    if !edit.apply(&mut e.attributes) {
        flash(
            &st,
            &visit,
            l.t(
                "Il gruppo era già cambiato: ecco i gruppi attuali.",
                "The group had already changed: here are the current groups.",
            ),
        );
        return redirect(&back);
    }
    let info = info_json(&info_fields(&e), &e.attributes);
    let path = format!("/eservices/{}", crate::engine::encode(&id));
    match st
        .engine
        .send::<EService>(Method::PUT, &user.token, &path, Some(&info))
        .await
    {
        Ok(_) => {
            let names = attribute_names(&st, &user.token).await;
            let name = |a: &str| names.get(a).cloned().unwrap_or_else(|| a.to_owned());
            let text = match &edit {
                GroupEdit::NewGroup {
                    kind, attribute, ..
                } => format!(
                    "{}«{}»{}{}.",
                    l.t("Creato un gruppo con ", "Created a group with "),
                    name(attribute),
                    l.t(" tra gli attributi ", " among the attributes: "),
                    kind.plural(l)
                ),
                GroupEdit::AddTo {
                    kind,
                    group,
                    attribute,
                    ..
                } => format!(
                    "«{}»{}{} ({}).",
                    name(attribute),
                    l.t(" aggiunto al gruppo ", " added to group "),
                    group + 1,
                    kind.plural(l)
                ),
                GroupEdit::Remove { kind, group, .. } => format!(
                    "{}{} ({}).",
                    l.t(
                        "Attributo rimosso dal gruppo ",
                        "Attribute removed from group "
                    ),
                    group + 1,
                    kind.plural(l)
                ),
            };
            flash(&st, &visit, text);
            redirect(&back)
        }
        Err(err) => step2_page(&st, &visit, &user.token, &id, Some(&err)).await,
    }
}

/// Step 3's form: the draft version `versione`'s fields.
fn step3_form(visit: &Visit, id: &str, form: &Fields, error: Option<&EngineError>) -> Markup {
    let l = visit.session.lang;
    html! {
        @if let Some(e) = error { (error_box(e, l)) }
        form method="post" action={ "/erogazione/e-service/" (id) "/passo-3" } novalidate {
            (csrf_field(visit))
            input type="hidden" name="versione" value=(typed(form, "versione"));
            (Field::new("description", l.t("Descrizione della versione", "Version description"), Input::Area, typed(form, "description"))
                .render(error, "description", l))
            (Field::new("audience", l.t("Audience dei voucher", "Vouchers' audience"), Input::Area, typed(form, "audience"))
                .required()
                .hint(l.t("Il valore «aud» dei voucher per questa versione; uno per riga.", "The vouchers' «aud» for this version; one a line."))
                .render(error, "audience", l))
            (Field::new("voucher_lifespan", l.t("Durata dei voucher (secondi)", "Voucher lifespan (seconds)"), Input::Text, typed(form, "voucher_lifespan"))
                .required()
                .hint(l.t("Un numero intero da 60 a 86400.", "A whole number from 60 to 86400."))
                .render(error, "voucher_lifespan", l))
            (Field::new("daily_calls_per_consumer", l.t("Soglia di chiamate al giorno per fruitore", "Daily calls threshold per consumer"), Input::Text, typed(form, "daily_calls_per_consumer"))
                .required()
                .hint(l.t("Un numero intero, non più della soglia totale. Oltre la soglia le finalità attendono la tua approvazione.", "A whole number, at most the total threshold. Above it, purposes wait for your approval."))
                .render(error, "daily_calls_per_consumer", l))
            (Field::new("daily_calls_total", l.t("Soglia di chiamate al giorno in totale", "Daily calls threshold in total"), Input::Text, typed(form, "daily_calls_total"))
                .required()
                .hint(l.t("Un numero intero: la somma per tutti i fruitori.", "A whole number: the sum for every consumer."))
                .render(error, "daily_calls_total", l))
            (select_field("agreement_approval_policy", l.t("Approvazione delle richieste di fruizione", "Approval of subscription requests"),
                &[("", l.t("— da scegliere —", "— to choose —")),
                  ("AUTOMATIC", l.t("Automatica", "Automatic")),
                  ("MANUAL", l.t("Manuale: le approvo io", "Manual: I approve them"))],
                typed(form, "agreement_approval_policy"), error, "agreement_approval_policy", l))
            (Field::new("server_urls", l.t("Indirizzi dei server", "Server URLs"), Input::Area, typed(form, "server_urls"))
                .required()
                .hint(l.t("Indirizzi http(s), uno per riga.", "http(s) URLs, one a line."))
                .render(error, "server_urls", l))
            div class="actions" {
                button type="submit" { (l.t("Salva in bozza e continua", "Save the draft and continue")) }
            }
        }
    }
}

/// Step 3: the draft version. Without a draft, the page says so and offers a new version.
pub async fn step3(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    let l = visit.session.lang;
    let e = match st.engine.eservice(&user.token, &id).await {
        Ok(e) => e,
        Err(err) => return engine_error(&visit, &st, &err),
    };
    let h1 = title(l, Some(&e));
    let body = match draft(&e) {
        Some(d) => html! {
            (steps(l, Some(&e.id), 3, ever_published(&e)))
            p class="meta" { (l.t("Versione ", "Version ")) (d.version) " — " (descriptor_state(&d.state, l)) }
            (step3_form(&visit, &e.id, &version_fields(d), None))
        },
        None => no_draft(&visit, &e),
    };
    page(&st, &visit, StatusCode::OK, &h1, body)
}

fn no_draft(visit: &Visit, e: &EService) -> Markup {
    let l = visit.session.lang;
    html! {
        p class="notice" { (l.t("Questo e-service non ha una versione in bozza.", "This e-service has no draft version.")) }
        p { a href={ "/erogazione/e-service/" (e.id) } { (l.t("Torna all'e-service", "Back to the e-service")) } }
    }
}

/// Step 3 sent: `PUT /eservices/{id}/descriptors/{versione}` (all the fields replaced).
pub async fn save3(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let l = visit.session.lang;
    let path = format!(
        "/eservices/{}/descriptors/{}",
        crate::engine::encode(&id),
        crate::engine::encode(typed(&form, "versione"))
    );
    let body = descriptor_json(&form);
    match st
        .engine
        .send::<Descriptor>(Method::PUT, &user.token, &path, Some(&body))
        .await
    {
        Ok(d) => {
            flash(
                &st,
                &visit,
                format!(
                    "{}{}{}",
                    l.t("Versione ", "Version "),
                    d.version,
                    l.t(
                        " salvata in bozza. Controlla il riepilogo e pubblicala.",
                        " saved as a draft. Check the summary and publish it."
                    )
                ),
            );
            redirect(&format!("/erogazione/e-service/{id}/passo-4"))
        }
        Err(err) => {
            let err = blame(err, &VERSION_FIELDS);
            let e = st.engine.eservice(&user.token, &id).await.ok();
            let h1 = match &e {
                Some(e) => title(l, Some(e)),
                None => l.t("Bozza", "Draft").to_owned(),
            };
            let frozen = e.as_ref().is_some_and(ever_published);
            let body = html! {
                (steps(l, Some(&id), 3, frozen))
                (step3_form(&visit, &id, &form, Some(&err)))
            };
            page(
                &st,
                &visit,
                crate::web::refusal_status(err.status),
                &h1,
                body,
            )
        }
    }
}

/// A value of the summary, and the engine's word when publishing found it missing.
fn summary_row(
    l: Lang,
    label: &str,
    value: Markup,
    error: Option<&EngineError>,
    field: &str,
) -> Markup {
    let blamed = error.filter(|e| e.concerns(field));
    html! {
        dt { (label) }
        dd class={ @if blamed.is_some() { "invalid" } } {
            (value)
            @if blamed.is_some() {
                p class="field-error" { (l.t("Manca: serve per pubblicare.", "Missing: needed to publish.")) }
            }
        }
    }
}

fn step4_body(
    visit: &Visit,
    e: &EService,
    names: &HashMap<String, String>,
    error: Option<&EngineError>,
) -> Markup {
    let l = visit.session.lang;
    let Some(d) = draft(e) else {
        return no_draft(visit, e);
    };
    let none = || html! { "—" };
    let list = |v: &[String]| {
        if v.is_empty() {
            none()
        } else {
            html! { ul { @for x in v { li { (x) } } } }
        }
    };
    let num = |v: Option<u64>| v.map_or_else(none, |n| html! { (n) });
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let frozen = ever_published(e);
    html! {
        (steps(l, Some(&e.id), 4, frozen))
        @if let Some(err) = error { (error_box(err, l)) }
        h2 { (l.t("Informazioni generali", "General information")) }
        dl {
            dt { (l.t("Nome", "Name")) } dd { (e.name) }
            (summary_row(l, l.t("Descrizione", "Description"), html! { (e.description) }, error, "eservice.description"))
            dt { (l.t("Tecnologia", "Technology")) } dd { (e.technology) }
            dt { (l.t("Modalità", "Mode")) } dd { (if e.mode == "RECEIVE" { l.t("Riceve", "Receive") } else { l.t("Eroga", "Deliver") }) }
        }
        h2 { (l.t("Attributi richiesti", "Attributes required")) }
        @if e.attributes.is_empty() {
            p { (l.t("Nessun attributo richiesto.", "No attribute required.")) }
        } @else {
            ul {
                @for kind in Kind::ALL {
                    @for (g, group) in kind.groups(&e.attributes).iter().enumerate() {
                        li {
                            (l.t("Gruppo ", "Group ")) (g + 1) " (" (kind.plural(l)) "): "
                            @for (i, r) in group.iter().enumerate() {
                                @if i > 0 { (l.t(" oppure ", " or ")) }
                                (name(&r.id))
                                @if r.explicit_verification { " (" (l.t("verifica esplicita", "explicit verification")) ")" }
                            }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Versione ", "Version ")) (d.version) }
        dl {
            dt { (l.t("Descrizione della versione", "Version description")) } dd { (d.description.clone().unwrap_or_else(|| "—".into())) }
            (summary_row(l, l.t("Audience dei voucher", "Vouchers' audience"), list(&d.audience), error, "audience"))
            (summary_row(l, l.t("Durata dei voucher (secondi)", "Voucher lifespan (seconds)"), num(d.voucher_lifespan.map(u64::from)), error, "voucher_lifespan"))
            (summary_row(l, l.t("Soglia di chiamate al giorno per fruitore", "Daily calls threshold per consumer"), num(d.daily_calls_per_consumer), error, "daily_calls_per_consumer"))
            (summary_row(l, l.t("Soglia di chiamate al giorno in totale", "Daily calls threshold in total"), num(d.daily_calls_total), error, "daily_calls_total"))
            (summary_row(l, l.t("Approvazione delle richieste di fruizione", "Approval of subscription requests"),
                html! { (match d.agreement_approval_policy.as_deref() {
                    Some("AUTOMATIC") => l.t("Automatica", "Automatic"),
                    Some("MANUAL") => l.t("Manuale", "Manual"),
                    _ => "—",
                }) }, error, "agreement_approval_policy"))
            (summary_row(l, l.t("Indirizzi dei server", "Server URLs"), list(&d.server_urls), error, "server_urls"))
        }
        p { a href={ "/erogazione/e-service/" (e.id) "/passo-3" } { (l.t("Modifica la versione", "Edit the version")) } }
        form method="post" action={ "/erogazione/e-service/" (e.id) "/passo-4" } {
            (csrf_field(visit))
            input type="hidden" name="versione" value=(d.id);
            div class="actions" {
                button type="submit" { (l.t("Pubblica", "Publish")) }
                a href={ "/erogazione/e-service/" (e.id) } { (l.t("Lascia in bozza ed esci", "Keep as a draft and leave")) }
            }
        }
    }
}

/// Step 4: the summary, and "Pubblica".
pub async fn step4(
    State(st): St,
    Signed(visit, user, _): Signed<Producer>,
    Path(id): Path<String>,
) -> Response {
    step4_page(&st, &visit, &user.token, &id, None).await
}

async fn step4_page(
    st: &AppState,
    visit: &Visit,
    token: &str,
    id: &str,
    error: Option<&EngineError>,
) -> Response {
    let l = visit.session.lang;
    let (e, names) = tokio::join!(st.engine.eservice(token, id), attribute_names(st, token));
    let e = match e {
        Ok(e) => e,
        Err(err) => return engine_error(visit, st, error.unwrap_or(&err)),
    };
    let h1 = title(l, Some(&e));
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    page(st, visit, status, &h1, step4_body(visit, &e, &names, error))
}

/// "Pubblica": `POST …/descriptors/{versione}/publish`. Refused as incomplete, the summary marks
/// each field the engine lists as missing.
pub async fn publish(
    State(st): St,
    Path(id): Path<String>,
    Posted(visit, user, form, _): Posted<Producer>,
) -> Response {
    let path = format!(
        "/eservices/{}/descriptors/{}/publish",
        crate::engine::encode(&id),
        crate::engine::encode(typed(&form, "versione"))
    );
    match st
        .engine
        .send::<Descriptor>(Method::POST, &user.token, &path, None)
        .await
    {
        Ok(d) => {
            let e = st.engine.eservice(&user.token, &id).await.ok();
            flash(
                &st,
                &visit,
                super::eservices::published_sentence(visit.session.lang, &d, e.as_ref()),
            );
            redirect(&format!("/erogazione/e-service/{id}"))
        }
        Err(err) => step4_page(&st, &visit, &user.token, &id, Some(&err)).await,
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
    fn the_version_form_becomes_the_engines_fields_as_typed() {
        let f = form(&[
            ("description", "  "),
            ("audience", "api.example\n\n  other.example  \n"),
            ("voucher_lifespan", " 600 "),
            ("daily_calls_per_consumer", "mille"),
            ("daily_calls_total", ""),
            ("agreement_approval_policy", "MANUAL"),
            ("server_urls", "https://a.example/\r\nhttps://b.example/"),
        ]);
        assert_eq!(
            descriptor_json(&f),
            json!({
                "description": null,
                "audience": ["api.example", "other.example"],
                "voucher_lifespan": 600,
                "daily_calls_per_consumer": "mille",
                "daily_calls_total": null,
                "agreement_approval_policy": "MANUAL",
                "server_urls": ["https://a.example/", "https://b.example/"],
            })
        );
    }

    #[test]
    fn the_general_information_keeps_the_attribute_groups() {
        let mut a = Attributes::default();
        a.verified.push(vec![RequiredAttribute {
            id: "v1".into(),
            explicit_verification: true,
        }]);
        let f = form(&[
            ("name", "Servizio"),
            ("description", "Una descrizione"),
            ("technology", "REST"),
            ("mode", "DELIVER"),
        ]);
        let j = info_json(&f, &a);
        assert_eq!(j["name"], "Servizio");
        assert_eq!(
            j["attributes"],
            json!({"certified": [], "declared": [],
                   "verified": [[{"id": "v1", "explicit_verification": true}]]})
        );
    }

    #[test]
    fn attribute_groups_are_edited_as_or_groups() {
        let mut a = Attributes::default();
        let edit = |pairs: &[(&str, &str)]| GroupEdit::parse(&form(pairs)).unwrap();
        assert!(
            edit(&[
                ("op", "nuovo-gruppo"),
                ("kind", "certified"),
                ("attribute", "c1")
            ])
            .apply(&mut a)
        );
        assert!(
            edit(&[
                ("op", "aggiungi"),
                ("kind", "certified"),
                ("group", "0"),
                ("attribute", "c2"),
                // Only verified attributes are verified explicitly.
                ("explicit", "si"),
            ])
            .apply(&mut a)
        );
        // Twice the same attribute in a group: once.
        assert!(
            edit(&[
                ("op", "aggiungi"),
                ("kind", "certified"),
                ("group", "0"),
                ("attribute", "c2")
            ])
            .apply(&mut a)
        );
        assert!(
            edit(&[
                ("op", "nuovo-gruppo"),
                ("kind", "verified"),
                ("attribute", "v1"),
                ("explicit", "si")
            ])
            .apply(&mut a)
        );
        assert_eq!(
            attributes_json(&a),
            json!({"certified": [[{"id": "c1", "explicit_verification": false},
                                  {"id": "c2", "explicit_verification": false}]],
                   "declared": [],
                   "verified": [[{"id": "v1", "explicit_verification": true}]]})
        );
        // A group that is no longer there: nothing changes.
        assert!(
            !edit(&[
                ("op", "aggiungi"),
                ("kind", "declared"),
                ("group", "0"),
                ("attribute", "d1")
            ])
            .apply(&mut a)
        );
        // Removing the last attribute of a group removes the group.
        let rm = |k: &str, g: &str, i: &str| {
            edit(&[("op", "rimuovi"), ("kind", k), ("group", g), ("index", i)])
        };
        assert!(rm("verified", "0", "0").apply(&mut a));
        assert!(a.verified.is_empty());
        assert!(rm("certified", "0", "0").apply(&mut a));
        assert_eq!(a.certified[0].len(), 1);
        assert_eq!(a.certified[0][0].id, "c2");
        assert!(!rm("certified", "0", "5").apply(&mut a));
        // Malformed forms are no edit.
        assert!(
            GroupEdit::parse(&form(&[("op", "nuovo-gruppo"), ("kind", "certified")])).is_none()
        );
        assert!(
            GroupEdit::parse(&form(&[
                ("op", "x"),
                ("kind", "certified"),
                ("attribute", "a")
            ]))
            .is_none()
        );
        assert!(GroupEdit::parse(&form(&[("op", "rimuovi"), ("kind", "other")])).is_none());
    }

    #[test]
    fn a_refusal_is_shown_next_to_the_field_it_concerns() {
        let e = |code: &str, detail: &str| EngineError {
            status: 400,
            code: code.into(),
            detail: detail.into(),
            fields: Vec::new(),
        };
        let unreadable = blame(
            e(
                "INVALID_BODY",
                "Failed to deserialize the JSON body into the target type: daily_calls_total: invalid type: string \"mille\", expected u64 at line 1 column 9",
            ),
            &VERSION_FIELDS,
        );
        assert_eq!(unreadable.fields, ["daily_calls_total"]);
        assert_eq!(
            blame(e("ESERVICE_NAME_TAKEN", ""), &INFO_FIELDS).fields,
            ["name"]
        );
        assert!(
            blame(e("DESCRIPTOR_STATE_CONFLICT", "x"), &VERSION_FIELDS)
                .fields
                .is_empty()
        );
        let named = EngineError {
            fields: vec!["audience".into()],
            ..e("VALIDATION_FAILED", "")
        };
        assert_eq!(blame(named, &VERSION_FIELDS).fields, ["audience"]);
    }
}
