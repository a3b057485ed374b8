//! What every page shares: the layout (skip link, header, navigation by role, the language
//! switch, the flash message), the engine's errors as sentences, and the pieces of a form (the
//! CSRF field, a field with its label and the engine's message next to it, the confirmation of
//! a destructive action). Pages are written in Italian by default, in English when the user
//! chooses it ([`Lang`]).

use crate::engine::EngineError;
use crate::session::{Lang, User};
use crate::{AppState, CSRF_REFUSED, St, Visit, csrf_ok};
use axum::Form;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;

/// A submitted form's fields.
pub type Fields = HashMap<String, String>;

/// The roles that see the producer's pages (Erogazione), as the user guide says: administrators
/// (and delegates) and API operators.
pub const PRODUCER_ROLES: &[&str] = &["admin", "api"];
/// The roles that see the consumer's pages (Fruizione): administrators, and security operators
/// for the clients they are members of.
pub const CONSUMER_ROLES: &[&str] = &["admin", "security"];

/// Who may open a section's pages: the roles it names. Its pages take [`Signed`] (GET) or
/// [`Posted`] (POST) of it, so a page can be neither reached nor acted on by another role, by
/// URL either.
pub trait Roles: Send + Sync + 'static {
    const ROLES: &'static [&'static str];

    /// The visit and the user a page of these roles is for, or the page to answer instead.
    fn admit(st: &AppState, headers: &HeaderMap) -> Result<(Visit, User), Box<Response>> {
        signed_in_as(st, headers, Self::ROLES)
    }
}

/// Any signed-in user, the platform operator included (the catalogue, Anagrafica, the mock's
/// scenarios): only the sign-in page for a visitor who is not signed in.
pub struct Anyone;

impl Roles for Anyone {
    const ROLES: &'static [&'static str] = &[];

    fn admit(st: &AppState, headers: &HeaderMap) -> Result<(Visit, User), Box<Response>> {
        signed_in(st, headers)
    }
}

/// Erogazione: [`PRODUCER_ROLES`].
pub struct Producer;
/// Fruizione: [`CONSUMER_ROLES`].
pub struct Consumer;
/// An administrator's action (adding users, keys, connecting the console…).
pub struct Admin;
/// Any user of a tenant (Anagrafica, Utenti): each may send the forms, and the engine refuses
/// what its rules do not allow (only administrators declare attributes or add users).
pub struct Member;
/// Recapito: administrators and API operators ([`crate::recapito::ROLES`]).
pub struct RecapitoUser;

impl Roles for Producer {
    const ROLES: &'static [&'static str] = PRODUCER_ROLES;
}
impl Roles for Consumer {
    const ROLES: &'static [&'static str] = CONSUMER_ROLES;
}
impl Roles for Admin {
    const ROLES: &'static [&'static str] = &["admin"];
}
impl Roles for Member {
    const ROLES: &'static [&'static str] = &["admin", "api", "security"];
}
impl Roles for RecapitoUser {
    const ROLES: &'static [&'static str] = crate::recapito::ROLES;
}

/// A page's signed-in user holding one of `R`'s roles, with the visit; otherwise the handler
/// does not run and the answer is the sign-in page or the `403` page ([`signed_in_as`]).
pub struct Signed<R>(pub Visit, pub User, pub std::marker::PhantomData<R>);

impl<R: Roles> axum::extract::FromRequestParts<AppState> for Signed<R> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Response> {
        R::admit(st, &parts.headers)
            .map(|(visit, user)| Signed(visit, user, std::marker::PhantomData))
            .map_err(|r| *r)
    }
}

/// A form posted with a valid CSRF token by a signed-in user holding one of `R`'s roles: the
/// visit, the user and the form's fields; otherwise the handler does not run ([`posted_as`]).
pub struct Posted<R>(
    pub Visit,
    pub User,
    pub Fields,
    pub std::marker::PhantomData<R>,
);

impl<R: Roles> axum::extract::FromRequest<AppState> for Posted<R> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let Form(form) = Form::<Fields>::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        csrf_checked(st, &headers, &form)
            .and_then(|()| R::admit(st, &headers))
            .map(|(visit, user)| Posted(visit, user, form, std::marker::PhantomData))
            .map_err(|r| *r)
    }
}

/// Whether `user` holds one of `roles`.
pub fn has_role(user: &User, roles: &[&str]) -> bool {
    user.roles.iter().any(|r| roles.contains(&r.as_str()))
}

/// The navigation: (path, label) per role, in the user guide's order; "Scenari del mock" for
/// every signed-in user when the console edits the mock provider's scenarios (`mock`: the
/// development stack only).
/// "Vista del cittadino" when configured and open to the user (`citizen`: every signed-in user on
/// the development stack; an entity's administrators and API operators with `test_users`).
fn nav(user: &User, l: Lang, mock: bool, citizen: bool) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![(
        "/catalogo",
        l.t("Catalogo e-service", "E-service catalogue"),
    )];
    let tenant_user = user.tenant_id.is_some() && !user.roles.iter().any(|r| r == "platform");
    if tenant_user && has_role(user, PRODUCER_ROLES) {
        items.push(("/erogazione", l.t("Erogazione", "Erogazione (provide)")));
    }
    if tenant_user && has_role(user, CONSUMER_ROLES) {
        items.push(("/fruizione", l.t("Fruizione", "Fruizione (consume)")));
    }
    if tenant_user && has_role(user, crate::recapito::ROLES) {
        items.push(("/recapito", "Recapito"));
    }
    // The registry page is the user's tenant's: the platform operator has none.
    if tenant_user {
        items.push(("/anagrafica", "Anagrafica"));
        items.push(("/utenti", l.t("Utenti", "Users")));
    }
    if mock {
        items.push(("/scenari", l.t("Scenari del mock", "Mock scenarios")));
    }
    if citizen {
        items.push(("/cittadino", l.t("Vista del cittadino", "Citizen's view")));
    }
    items
}

/// Role names as the user guide writes them.
pub fn role_label(r: &str, l: Lang) -> &str {
    match r {
        "admin" => l.t("Amministratore", "Administrator"),
        "api" => l.t("Operatore API", "API operator"),
        "security" => l.t("Operatore di sicurezza", "Security operator"),
        "platform" => l.t("Operatore della piattaforma", "Platform operator"),
        other => other,
    }
}

/// The page around `body`: skip link, header (user, tenant, sign-out), nav, the flash message
/// of the last action, main landmark, and the language switch. `current` is the nav entry
/// marked as the current page (a prefix of the page's path).
pub fn layout(title: &str, visit: &Visit, current: &str, body: Markup) -> Markup {
    let user = visit.session.user.as_ref();
    let l = visit.session.lang;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (l.t("Console Recapito", "Recapito console")) }
                link rel="stylesheet" href="/static/console.css";
            }
            body {
                a class="skip" href="#contenuto" { (l.t("Vai al contenuto", "Skip to content")) }
                header class="top" {
                    p class="brand" { a href="/" { (l.t("Console Recapito", "Recapito console")) } }
                    @if let Some(u) = user {
                        div class="who" {
                            p {
                                span class="name" { (u.name) }
                                @if !u.tenant_name.is_empty() {
                                    " · " span class="tenant" { (u.tenant_name) }
                                }
                                " · " span class="role" {
                                    @for (i, r) in u.roles.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        (role_label(r, l))
                                    }
                                }
                            }
                            form method="post" action="/esci" {
                                (csrf_field(visit))
                                button type="submit" { (l.t("Esci", "Sign out")) }
                            }
                        }
                    }
                }
                @if let Some(u) = user {
                    nav aria-label=(l.t("Sezioni", "Sections")) class="sections" {
                        ul {
                            @for (path, label) in nav(u, l, visit.mock_scenarios, visit.citizen_view) {
                                li {
                                    @if !current.is_empty() && current == path {
                                        a href=(path) aria-current="page" { (label) }
                                    } @else {
                                        a href=(path) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="contenuto" tabindex="-1" {
                    @if let Some(text) = &visit.session.flash {
                        div class="flash" role="status" { p { (text) } }
                    }
                    (body)
                }
                footer {
                    p { (l.t("Recapito — console di Interop (back office)", "Recapito — Interop console (back office)")) }
                    form method="post" action="/lingua" class="lang" {
                        (csrf_field(visit))
                        input type="hidden" name="back" value=(visit.page.as_deref().unwrap_or(current));
                        @match l {
                            Lang::It => {
                                input type="hidden" name="lang" value="en";
                                button type="submit" lang="en" { "English" }
                            }
                            Lang::En => {
                                input type="hidden" name="lang" value="it";
                                button type="submit" lang="it" { "Italiano" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `303 See Other` to `to`.
pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// Whether `to` is a path of this console (no scheme, no other host: `//evil` is refused), so
/// that a form's "go back to" cannot send the user elsewhere.
pub fn local_path(to: &str) -> bool {
    to.starts_with('/') && !to.starts_with("//") && !to.contains('\\') && !to.contains(':')
}

/// "Italiano"/"English": the session's language; back to the page it was chosen on.
pub async fn choose_language(
    State(st): St,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let visit = Visit::of(&st, &headers);
    if visit.new || !csrf_ok(&visit.session, form.get("csrf")) {
        return csrf_refused(&st, &visit);
    }
    if let Some(lang) = form.get("lang").and_then(|l| Lang::parse(l)) {
        st.sessions.update(&visit.id, |s| s.lang = lang);
    }
    let back = form
        .get("back")
        .map(String::as_str)
        .filter(|b| local_path(b))
        .unwrap_or("/");
    redirect(back)
}

/// The HTTP status a page telling a refusal answers with: the service's own when it is an error
/// status (4xx, 5xx), else 502 (a refusal never answers as a success).
pub fn refusal_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::BAD_GATEWAY)
}

/// A page telling an engine error: its sentence and code, with the engine's status.
pub fn engine_error(visit: &Visit, st: &AppState, e: &EngineError) -> Response {
    if matches!(e.code.as_str(), "MISSING_TOKEN" | "INVALID_TOKEN") {
        st.sessions.remove(&visit.id);
    }
    let l = visit.session.lang;
    let status = refusal_status(e.status);
    let page = layout(
        l.t("Errore", "Error"),
        visit,
        "",
        html! {
            h1 { (l.t("Non è stato possibile completare la richiesta", "The request could not be completed")) }
            (error_box(e, l))
            p { a href="/catalogo" { (l.t("Torna al catalogo", "Back to the catalogue")) } }
        },
    );
    visit.finish(st, (status, page))
}

/// A refusal a form shows next to the field it blames: the engine's ([`EngineError`]) or the
/// Recapito gateway's ([`crate::recapito::Problem`]), each with its own sentences.
pub trait Refusal {
    /// The stable code.
    fn code(&self) -> &str;
    /// What the service said of this request.
    fn detail(&self) -> &str;
    /// The code as a sentence in `l`.
    fn sentence(&self, l: Lang) -> &'static str;
    /// Whether the refusal blames `field`.
    fn concerns(&self, field: &str) -> bool;
}

impl Refusal for EngineError {
    fn code(&self) -> &str {
        &self.code
    }
    fn detail(&self) -> &str {
        &self.detail
    }
    fn sentence(&self, l: Lang) -> &'static str {
        EngineError::sentence(self, l)
    }
    fn concerns(&self, field: &str) -> bool {
        EngineError::concerns(self, field)
    }
}

/// An engine error as a sentence, with its code.
pub fn error_box(e: &EngineError, l: Lang) -> Markup {
    html! {
        div class="error" role="alert" {
            p { (e.sentence(l)) }
            @if !e.detail.is_empty() && e.code != "ENGINE_UNREACHABLE" {
                p class="detail" { (e.detail) }
            }
            p class="code" { (l.t("Codice", "Code")) ": " code { (e.code) } }
        }
    }
}

/// The signed-in user, or a redirect to the sign-in page.
pub fn signed_in(st: &AppState, headers: &HeaderMap) -> Result<(Visit, User), Box<Response>> {
    let visit = Visit::of(st, headers);
    match visit.session.user.clone() {
        Some(u) => Ok((visit, u)),
        None => Err(Box::new(visit.finish(st, redirect("/accesso")))),
    }
}

/// The signed-in user holding one of `roles`; otherwise the sign-in page, or a `403` page
/// saying the role does not allow it (a page is refused by URL as its link is hidden).
pub fn signed_in_as(
    st: &AppState,
    headers: &HeaderMap,
    roles: &[&str],
) -> Result<(Visit, User), Box<Response>> {
    let (visit, user) = signed_in(st, headers)?;
    if user.tenant_id.is_some() && has_role(&user, roles) {
        return Ok((visit, user));
    }
    let l = visit.session.lang;
    let page = layout(
        l.t("Accesso negato", "Access denied"),
        &visit,
        "",
        html! {
            h1 { (l.t("Accesso negato", "Access denied")) }
            div class="error" role="alert" {
                p { (l.t("Il tuo ruolo non consente di vedere questa pagina.", "Your role does not allow you to see this page.")) }
                p class="code" { (l.t("Codice", "Code")) ": " code { "ROLE_REQUIRED" } }
            }
            p { a href="/catalogo" { (l.t("Torna al catalogo", "Back to the catalogue")) } }
        },
    );
    Err(Box::new(visit.finish(st, (StatusCode::FORBIDDEN, page))))
}

/// A POST's signed-in user holding one of `roles`, its CSRF token checked.
pub fn posted_as(
    st: &AppState,
    headers: &HeaderMap,
    roles: &[&str],
    form: &Fields,
) -> Result<(Visit, User), Box<Response>> {
    csrf_checked(st, headers, form)?;
    signed_in_as(st, headers, roles)
}

/// Nothing, when `form` carries the session's CSRF token; else the page refusing it.
fn csrf_checked(st: &AppState, headers: &HeaderMap, form: &Fields) -> Result<(), Box<Response>> {
    let visit = Visit::of(st, headers);
    if visit.new || !csrf_ok(&visit.session, form.get("csrf")) {
        return Err(Box::new(csrf_refused(st, &visit)));
    }
    Ok(())
}

/// The page a POST without a valid CSRF token gets.
pub fn csrf_refused(st: &AppState, visit: &Visit) -> Response {
    let l = visit.session.lang;
    let page = layout(
        l.t("Richiesta rifiutata", "Request refused"),
        visit,
        "",
        html! {
            h1 { (l.t("Richiesta rifiutata", "Request refused")) }
            div class="error" role="alert" {
                p {
                    (l.t("Il modulo inviato non porta un codice di sicurezza valido (CSRF): \
                          forse la pagina era scaduta o la richiesta non veniva da questa console.",
                         "The form did not carry a valid security code (CSRF): the page may have \
                          expired, or the request did not come from this console."))
                }
                p class="code" { (l.t("Codice", "Code")) ": " code { "CSRF_TOKEN_INVALID" } }
            }
            p { a href="/" { (l.t("Torna alla console e riprova", "Back to the console, and try again")) } }
        },
    );
    visit.finish(st, (CSRF_REFUSED, page))
}

/// Shows `text` once on the next page the session opens: what the last action did.
pub fn flash(st: &AppState, visit: &Visit, text: impl Into<String>) {
    let text = text.into();
    st.sessions.update(&visit.id, |s| s.flash = Some(text));
}

/// The hidden CSRF field every POST form carries.
pub fn csrf_field(visit: &Visit) -> Markup {
    html! { input type="hidden" name="csrf" value=(visit.session.csrf); }
}

/// How a form field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    /// Several lines (a description, a PEM key).
    Area,
    /// A whole number ≥ 0.
    Number,
    /// A date (`YYYY-MM-DD`).
    Date,
    Url,
    /// A secret (an API key): write-only, never filled in with what was typed or stored.
    Secret,
}

/// A form field: its label, what was typed (kept when the engine refuses), and the engine's
/// sentence next to it when the engine blamed it.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub input: Input,
    pub value: &'a str,
    pub required: bool,
    /// The most characters accepted (the engine's own limit), if any.
    pub max: Option<usize>,
    /// A sentence under the label (a format, an example).
    pub hint: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: &'a str, input: Input, value: &'a str) -> Field<'a> {
        Field {
            name,
            label,
            input,
            value,
            required: false,
            max: None,
            hint: None,
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn max(mut self, chars: usize) -> Self {
        self.max = Some(chars);
        self
    }

    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// The label, the input and, when `error` concerns this field (`engine_field` is the name
    /// the engine — or the gateway — gives it, often the same), the refusal's sentence and
    /// detail next to it.
    pub fn render<R: Refusal + ?Sized>(
        &self,
        error: Option<&R>,
        engine_field: &str,
        l: Lang,
    ) -> Markup {
        let id = format!("f-{}", self.name);
        let blamed = error.filter(|e| e.concerns(engine_field));
        let hint_id = format!("{id}-hint");
        let err_id = format!("{id}-err");
        let described = match (self.hint.is_some(), blamed.is_some()) {
            (true, true) => Some(format!("{hint_id} {err_id}")),
            (true, false) => Some(hint_id.clone()),
            (false, true) => Some(err_id.clone()),
            (false, false) => None,
        };
        let kind = match self.input {
            Input::Number => "number",
            Input::Date => "date",
            Input::Url => "url",
            Input::Secret => "password",
            Input::Text | Input::Area => "text",
        };
        html! {
            div class={ "field" @if blamed.is_some() { " invalid" } } {
                label for=(id) {
                    (self.label)
                    @if self.required { " " span class="req" { (l.t("(obbligatorio)", "(required)")) } }
                }
                @if let Some(h) = self.hint { p class="hint" id=(hint_id) { (h) } }
                @if let Some(e) = blamed {
                    p class="field-error" id=(err_id) {
                        (e.sentence(l)) " " (e.detail()) " (" code { (e.code()) } ")"
                    }
                }
                @if self.input == Input::Area {
                    textarea id=(id) name=(self.name) rows="6"
                        required[self.required]
                        maxlength=[self.max]
                        aria-invalid=[blamed.map(|_| "true")]
                        aria-describedby=[described.as_deref()] { (self.value) }
                } @else {
                    input id=(id) name=(self.name) type=(kind)
                        value=(if self.input == Input::Secret { "" } else { self.value })
                        autocomplete=[(self.input == Input::Secret).then_some("off")]
                        min=[(self.input == Input::Number).then_some("0")]
                        required[self.required]
                        maxlength=[self.max]
                        aria-invalid=[blamed.map(|_| "true")]
                        aria-describedby=[described.as_deref()];
                }
            }
        }
    }
}

/// The box a destructive action's form carries: it is sent only once ticked (checked again by
/// [`confirmed`], so a form sent without the browser's check is refused too).
pub fn confirm_field(visit: &Visit, what: &str) -> Markup {
    let l = visit.session.lang;
    html! {
        label class="confirm" {
            input type="checkbox" name="conferma" value="si" required;
            " " (l.t("Confermo: ", "I confirm: ")) (what)
        }
    }
}

/// Whether a destructive action's form was confirmed ([`confirm_field`]).
pub fn confirmed(form: &Fields) -> bool {
    form.get("conferma").is_some_and(|v| v == "si")
}

/// The console's own refusal of a form that did not confirm a destructive action.
pub fn not_confirmed() -> EngineError {
    EngineError {
        status: 400,
        code: "CONFIRMATION_REQUIRED".into(),
        detail: String::new(),
        fields: vec!["conferma".into()],
    }
}

/// An RFC 3339 instant as the pages write it: `07/12/2026 17:17 UTC`.
pub fn when(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(rfc3339, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:02}/{:02}/{} {:02}:{:02} UTC",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => rfc3339.to_owned(),
    }
}

/// A number, or a dash when there is none.
pub fn number(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "—".into())
}

/// Paging links for a list of `total` items shown `per_page` at a time, `page` (1-based) being
/// shown; `href(page)` is a page's address.
pub fn pager(
    l: Lang,
    label: &str,
    page: u64,
    total: u64,
    per_page: u64,
    href: impl Fn(u64) -> String,
) -> Markup {
    let pages = total.div_ceil(per_page.max(1)).max(1);
    html! {
        @if total > 0 {
            nav class="pages" aria-label=(label) {
                @if page > 1 {
                    a rel="prev" href=(href((page - 1).min(pages))) { (l.t("Pagina precedente", "Previous page")) }
                    " "
                }
                span aria-current="page" { (l.t("Pagina ", "Page ")) (page) (l.t(" di ", " of ")) (pages) }
                @if page < pages {
                    " "
                    a rel="next" href=(href(page + 1)) { (l.t("Pagina successiva", "Next page")) }
                }
            }
        }
    }
}

/// The 1-based page a `pagina` query parameter asks for (missing, zero or malformed: 1).
pub fn page_param(params: &HashMap<String, String>) -> u64 {
    params
        .get("pagina")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_page_answers_the_services_error_status_or_502() {
        assert_eq!(refusal_status(409), StatusCode::CONFLICT);
        assert_eq!(refusal_status(503), StatusCode::SERVICE_UNAVAILABLE);
        for not_an_error in [0, 99, 200, 204, 303, 1000] {
            assert_eq!(
                refusal_status(not_an_error),
                StatusCode::BAD_GATEWAY,
                "{not_an_error}"
            );
        }
    }

    #[test]
    fn only_the_consoles_own_paths_are_gone_back_to() {
        for ok in ["/", "/catalogo", "/erogazione/e-service?pagina=2"] {
            assert!(local_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "evil",
            "/x:y",
        ] {
            assert!(!local_path(bad), "{bad}");
        }
    }

    #[test]
    fn a_field_shows_the_engines_sentence_only_when_blamed_and_keeps_what_was_typed() {
        let e = EngineError {
            status: 400,
            code: "VALIDATION_FAILED".into(),
            detail: "name must not be empty".into(),
            fields: vec!["name".into()],
        };
        let f = Field::new("nome", "Nome", Input::Text, "<typed>")
            .required()
            .max(60);
        let blamed = f.render(Some(&e), "name", Lang::It).into_string();
        assert!(blamed.contains("aria-invalid=\"true\""), "{blamed}");
        assert!(
            blamed.contains("Alcuni dati non sono validi. name must not be empty"),
            "{blamed}"
        );
        assert!(blamed.contains("value=\"&lt;typed&gt;\""), "{blamed}");
        assert!(blamed.contains("maxlength=\"60\""), "{blamed}");
        let other = f.render(Some(&e), "description", Lang::En).into_string();
        assert!(
            !other.contains("field-error") && !other.contains("aria-invalid"),
            "{other}"
        );
        assert!(other.contains("(required)"), "{other}");
    }

    #[test]
    fn paging_links_stop_at_the_ends() {
        let m = pager(Lang::En, "Pages", 1, 45, 20, |p| format!("/x?pagina={p}")).into_string();
        assert!(
            m.contains("Page 1 of 3") && m.contains("/x?pagina=2") && !m.contains("prev"),
            "{m}"
        );
        let last = pager(Lang::It, "Pagine", 3, 45, 20, |p| format!("/x?pagina={p}")).into_string();
        assert!(
            last.contains("Pagina 3 di 3") && !last.contains("next"),
            "{last}"
        );
        assert!(
            pager(Lang::It, "P", 1, 0, 20, |p| p.to_string())
                .into_string()
                .is_empty()
        );
    }
}
