//! "Gestione client": e-service clients (their keys obtain vouchers through purposes) and API
//! clients (their keys obtain tokens for the Interop M2M API). An administrator creates and
//! deletes clients, manages their security operators and attaches them to purposes; members
//! upload and delete public keys (PEM; the engine computes the RFC 7638 kid). A private key
//! pasted by mistake is refused by the engine and never shown again nor logged by the console.
//! "Perché un voucher è stato rifiutato": the engine's recorded refusal causes, in words.

use super::{ADMIN_ONLY, PER_PAGE, action_form, query, subnav, tenant};
use crate::engine::{EngineError, Method, TenantUser};
use crate::session::{Lang, User};
use crate::web::{
    self, Admin, Consumer, Field, Fields, Input, Posted, Signed, confirmed, csrf_field,
    engine_error, error_box, flash, has_role, layout, not_confirmed, page_param, pager, redirect,
    role_label, when,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A client as the engine returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct Client {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub keys: Vec<ClientKey>,
    #[serde(default)]
    pub purposes: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClientKey {
    pub kid: String,
    pub name: String,
    pub bits: u64,
    pub uploaded_by: String,
    pub created_at: String,
}

/// A recorded refusal of a token request.
#[derive(Debug, Clone, Deserialize)]
pub struct Failure {
    pub at: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub purpose_id: Option<String>,
    pub code: String,
    #[serde(default)]
    pub detail: String,
}

/// Why a voucher was refused, in plain words (Italian, English), for each cause the engine
/// records (`GET /clients/{id}/token-failures`; checked against the engine's list by a test).
pub const REFUSAL_CAUSES: &[(&str, &str, &str)] = &[
    (
        "ASSERTION_MALFORMED",
        "L'asserzione del client non è un JWT ben formato.",
        "The client assertion is not a well-formed JWT.",
    ),
    (
        "ASSERTION_ALG_NOT_ALLOWED",
        "L'asserzione non è firmata con RS256 (altri algoritmi sono rifiutati).",
        "The assertion is not signed with RS256 (other algorithms are refused).",
    ),
    (
        "ASSERTION_KID_INVALID",
        "L'asserzione non indica il kid della chiave, o non è un kid valido (43 caratteri).",
        "The assertion names no key kid, or not a valid one (43 characters).",
    ),
    (
        "UNKNOWN_KID",
        "Nessun client ha una chiave con questo kid: mai caricata, eliminata, o il client è stato eliminato.",
        "No client holds a key with this kid: never uploaded, deleted, or its client was deleted.",
    ),
    (
        "ASSERTION_SIGNATURE_INVALID",
        "La firma non corrisponde alla chiave pubblica indicata dal kid: è stata usata un'altra chiave privata.",
        "The signature does not match the public key named by the kid: another private key was used.",
    ),
    (
        "ASSERTION_CLAIM_MISSING",
        "Manca un dato obbligatorio dell'asserzione (iss, sub, aud, jti, iat, exp) o ha un tipo sbagliato.",
        "A required claim of the assertion (iss, sub, aud, jti, iat, exp) is missing or of the wrong type.",
    ),
    (
        "ASSERTION_AUDIENCE_INVALID",
        "Il destinatario (aud) dell'asserzione non è quello della piattaforma.",
        "The assertion's audience (aud) is not the platform's.",
    ),
    (
        "ASSERTION_EXPIRED",
        "L'asserzione è scaduta (exp nel passato).",
        "The assertion has expired (exp in the past).",
    ),
    (
        "ASSERTION_NOT_YET_VALID",
        "L'asserzione non è ancora valida (nbf nel futuro).",
        "The assertion is not valid yet (nbf in the future).",
    ),
    (
        "ASSERTION_IAT_IN_FUTURE",
        "L'asserzione risulta emessa nel futuro (iat): controlla l'orologio del sistema.",
        "The assertion claims to be issued in the future (iat): check the system clock.",
    ),
    (
        "ASSERTION_LIFETIME_TOO_LONG",
        "L'asserzione dura troppo (exp − iat oltre il massimo consentito).",
        "The assertion lives too long (exp − iat beyond the allowed maximum).",
    ),
    (
        "SUB_MISMATCH",
        "Il soggetto (sub) dell'asserzione non è l'id del client che possiede la chiave.",
        "The assertion's subject (sub) is not the id of the client holding the key.",
    ),
    (
        "CLIENT_ID_MISMATCH",
        "Il client_id della richiesta è diverso dal soggetto (sub) dell'asserzione.",
        "The request's client_id differs from the assertion's subject (sub).",
    ),
    (
        "JTI_REPLAYED",
        "L'asserzione è già stata usata (stesso jti): ne serve una nuova per ogni richiesta.",
        "The assertion was already used (same jti): each request needs a new one.",
    ),
    (
        "DIGEST_INVALID",
        "Il digest dell'asserzione non è valido (serve SHA256 e 64 caratteri esadecimali).",
        "The assertion's digest is invalid (SHA256 and 64 hex characters are needed).",
    ),
    (
        "PURPOSE_ID_REQUIRED",
        "Un client e-service deve indicare la finalità (purposeId).",
        "An e-service client must name the purpose (purposeId).",
    ),
    (
        "PURPOSE_ID_INVALID",
        "La finalità indicata (purposeId) non è un identificativo valido.",
        "The purpose named (purposeId) is not a valid identifier.",
    ),
    (
        "PURPOSE_NOT_FOUND",
        "La finalità indicata non esiste o è di un altro ente.",
        "The purpose named does not exist or belongs to another organization.",
    ),
    (
        "CLIENT_NOT_ON_PURPOSE",
        "Il client non è associato alla finalità indicata: associalo dalla pagina del client.",
        "The client is not attached to the purpose named: attach it from the client's page.",
    ),
    (
        "PURPOSE_NOT_ACTIVE",
        "La finalità non ha una versione attiva (bozza, in attesa di approvazione, sospesa o archiviata).",
        "The purpose has no active version (draft, waiting for approval, suspended or archived).",
    ),
    (
        "AGREEMENT_NOT_ACTIVE",
        "La richiesta di fruizione non è attiva (sospesa, in attesa, archiviata o assente).",
        "The subscription request is not active (suspended, pending, archived or missing).",
    ),
    (
        "DESCRIPTOR_NOT_ACTIVE",
        "La versione dell'e-service non è pubblicata (sospesa o archiviata dall'erogatore).",
        "The e-service version is not published (suspended or archived by its producer).",
    ),
];

/// A refusal cause in words, or a generic sentence for a cause this console does not know.
pub fn refusal_cause(code: &str, l: Lang) -> &'static str {
    REFUSAL_CAUSES.iter().find(|(c, ..)| *c == code).map_or(
        l.t(
            "Richiesta di voucher rifiutata.",
            "Voucher request refused.",
        ),
        |(_, it, en)| l.t(it, en),
    )
}

fn kind_label(kind: &str, l: Lang) -> &'static str {
    match kind {
        "API" => l.t("Client API (Interop M2M)", "API client (Interop M2M)"),
        _ => l.t("Client e-service", "E-service client"),
    }
}

/// Whether `pem` looks like a private key (a secret): it is never shown back.
pub fn is_private(pem: &str) -> bool {
    pem.contains("PRIVATE KEY")
}

/// "Gestione client" (`?tipo=CONSUMER|API&pagina=`).
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<Consumer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let kind = params
        .get("tipo")
        .map(String::as_str)
        .filter(|k| ["CONSUMER", "API"].contains(k))
        .unwrap_or("");
    let page = page_param(&params);
    let path = format!(
        "/clients?offset={}&limit={PER_PAGE}{}",
        (page - 1).saturating_mul(PER_PAGE),
        if kind.is_empty() {
            String::new()
        } else {
            format!("&kind={kind}")
        }
    );
    let found = match st.engine.page::<Client>(&user.token, &path).await {
        Ok(f) => f,
        Err(e) => return engine_error(&visit, &st, &e),
    };
    let admin = has_role(&user, ADMIN_ONLY);
    let title = l.t("Gestione client", "Clients");
    let body = html! {
        (subnav(&user, l, "/fruizione/client"))
        h1 { (title) }
        @if !admin {
            p { (l.t("Vedi i client di cui sei operatore di sicurezza: puoi caricarne ed eliminarne le chiavi pubbliche.",
                     "You see the clients you are a security operator of: you can upload and delete their public keys.")) }
        }
        nav class="filters" aria-label=(l.t("Tipo di client", "Client kind")) {
            ul {
                @for (k, label) in [("", l.t("Tutti", "All")), ("CONSUMER", kind_label("CONSUMER", l)), ("API", kind_label("API", l))] {
                    li {
                        @let href = format!("/fruizione/client{}", query(&[("tipo", k)]));
                        @if k == kind { a href=(href) aria-current="page" { (label) } } @else { a href=(href) { (label) } }
                    }
                }
            }
        }
        @if admin {
            p { a class="button" href="/fruizione/client/nuovo" { (l.t("+ Aggiungi un client", "+ Add a client")) } }
        }
        p class="count" { (found.total) (l.t(" client.", " clients.")) }
        @if !found.items.is_empty() {
            table {
                caption { (l.t("Client del tuo ente", "Your organization's clients")) }
                thead { tr {
                    th scope="col" { (l.t("Nome", "Name")) }
                    th scope="col" { (l.t("Tipo", "Kind")) }
                    th scope="col" { (l.t("Chiavi", "Keys")) }
                    th scope="col" { (l.t("Finalità", "Purposes")) }
                    th scope="col" { (l.t("Creato il", "Created on")) }
                } }
                tbody {
                    @for c in &found.items {
                        tr {
                            td { a href={ "/fruizione/client/" (c.id) } { (c.name) } }
                            td { (kind_label(&c.kind, l)) }
                            td { (c.keys.len()) }
                            td { @if c.kind == "API" { "—" } @else { (c.purposes.len()) } }
                            td { (when(&c.created_at)) }
                        }
                    }
                }
            }
        }
        (pager(l, l.t("Pagine dei client", "Client pages"), page, found.total, PER_PAGE,
            |p| format!("/fruizione/client{}", query(&[("tipo", kind), ("pagina", &if p > 1 { p.to_string() } else { String::new() })]))))
    };
    visit.finish(&st, layout(title, &visit, "/fruizione", body))
}

/// The tenant's users who can be members of a client: security operators and administrators.
async fn eligible(st: &AppState, user: &User) -> Vec<TenantUser> {
    st.engine
        .tenant_users(&user.token, tenant(user))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.roles.iter().any(|r| r == "security" || r == "admin"))
        .collect()
}

fn roles_of(u: &TenantUser, l: Lang) -> String {
    u.roles
        .iter()
        .map(|r| role_label(r, l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "+ Aggiungi": the new client's form (administrators).
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
    let users = eligible(st, user).await;
    let get = |k: &str| typed.get(k).map_or("", String::as_str);
    let kind = if get("tipo") == "API" {
        "API"
    } else {
        "CONSUMER"
    };
    let title = l.t("Nuovo client", "New client");
    let body = html! {
        (subnav(user, l, "/fruizione/client"))
        h1 { (title) }
        @if let Some(e) = error.filter(|e| !["name", "description", "kind", "members"].iter().any(|f| e.concerns(f))) { (error_box(e, l)) }
        form method="post" action="/fruizione/client/nuovo" {
            (csrf_field(visit))
            (Field::new("nome", l.t("Nome", "Name"), Input::Text, get("nome")).required().max(60)
                .hint(l.t("Da 2 a 60 caratteri.", "2 to 60 characters.")).render(error, "name", l))
            (Field::new("descrizione", l.t("Descrizione", "Description"), Input::Area, get("descrizione")).max(250).render(error, "description", l))
            fieldset {
                legend { (l.t("Tipo di client", "Client kind")) }
                label class="check" {
                    input type="radio" name="tipo" value="CONSUMER" checked[kind == "CONSUMER"];
                    " " (kind_label("CONSUMER", l)) " — " (l.t("le sue chiavi ottengono i voucher degli e-service, tramite le finalità.", "its keys obtain the e-services' vouchers, through purposes."))
                }
                label class="check" {
                    input type="radio" name="tipo" value="API" checked[kind == "API"];
                    " " (kind_label("API", l)) " — " (l.t("le sue chiavi servono solo per l'API Interop M2M.", "its keys serve only the Interop M2M API."))
                }
            }
            @if !users.is_empty() {
                fieldset class={ @if error.is_some_and(|e| e.concerns("members")) { "invalid" } } {
                    legend { (l.t("Operatori di sicurezza del client", "The client's security operators")) }
                    p class="hint" { (l.t("Solo i membri del client possono caricarne le chiavi.", "Only the client's members can upload its keys.")) }
                    @for u in &users {
                        @let field = format!("membro-{}", u.id);
                        label class="check" {
                            input type="checkbox" name=(field) value="si" checked[typed.contains_key(&field)];
                            " " (u.name) " (" (roles_of(u, l)) ")"
                        }
                    }
                }
            }
            button type="submit" { (l.t("Crea il client", "Create the client")) }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(title, visit, "/fruizione", body)))
}

/// A new client's JSON from the form.
pub fn new_client(form: &Fields) -> Value {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let mut members: Vec<&str> = form
        .keys()
        .filter_map(|k| k.strip_prefix("membro-"))
        .collect();
    members.sort_unstable();
    json!({
        "name": get("nome"),
        "description": get("descrizione"),
        "kind": if get("tipo") == "API" { "API" } else { "CONSUMER" },
        "members": members,
    })
}

/// `POST /fruizione/client/nuovo`.
pub async fn create(State(st): St, Posted(visit, user, form, _): Posted<Admin>) -> Response {
    let l = visit.session.lang;
    let made: Result<Client, EngineError> = st
        .engine
        .send(
            Method::POST,
            &user.token,
            "/clients",
            Some(&new_client(&form)),
        )
        .await;
    match made {
        Ok(c) => {
            flash(
                &st,
                &visit,
                format!(
                    "{} «{}». {}",
                    l.t("Client creato:", "Client created:"),
                    c.name,
                    if c.kind == "API" {
                        l.t("Un suo operatore carichi una chiave pubblica per usare l'API Interop M2M.", "One of its operators uploads a public key to use the Interop M2M API.")
                    } else {
                        l.t(
                            "Carica una chiave pubblica e associalo a una finalità.",
                            "Upload a public key and attach it to a purpose.",
                        )
                    }
                ),
            );
            redirect(&format!("/fruizione/client/{}", c.id))
        }
        Err(e) => {
            let e = if e.code == "USER_ROLE_MISMATCH" || e.code == "USER_NOT_FOUND" {
                super::blame(e, "members")
            } else {
                e
            };
            form_page(&st, &visit, &user, &form, Some(&e)).await
        }
    }
}

/// A client's page.
pub async fn page(
    State(st): St,
    Signed(visit, user, _): Signed<Consumer>,
    Path(id): Path<String>,
) -> Response {
    render(&st, &visit, &user, &id, None, &Fields::new()).await
}

/// What a refused key upload shows next to the key field: the engine's refusal, and for a
/// private key why the field was cleared.
fn key_error(mut e: EngineError, pasted_private: bool, l: Lang) -> EngineError {
    if e.code.starts_with("KEY_") && e.code != "KEY_ALREADY_EXISTS" || pasted_private {
        e.fields = vec!["key".into()];
    }
    if e.code == "KEY_IS_PRIVATE" || pasted_private {
        e.detail = l
            .t(
                "Hai incollato una chiave privata: non è stata salvata e il campo è stato svuotato. La chiave privata resta segreta presso di te: incolla solo la chiave pubblica (-----BEGIN PUBLIC KEY-----).",
                "You pasted a private key: it was not saved and the field was cleared. The private key stays secret with you: paste only the public key (-----BEGIN PUBLIC KEY-----).",
            )
            .to_owned();
    }
    e
}

async fn render(
    st: &AppState,
    visit: &Visit,
    user: &User,
    id: &str,
    error: Option<&EngineError>,
    typed: &Fields,
) -> Response {
    let l = visit.session.lang;
    let path = format!("/clients/{}", crate::engine::encode(id));
    let c: Client = match st.engine.get(&user.token, &path).await {
        Ok(c) => c,
        Err(e) => return engine_error(visit, st, &e),
    };
    let admin = has_role(user, ADMIN_ONLY);
    let engine = &st.engine;
    let failures_path = format!("{path}/token-failures");
    let (users, failures, purposes) = tokio::join!(
        async {
            if admin {
                eligible(st, user).await
            } else {
                Vec::new()
            }
        },
        engine.get::<Vec<Failure>>(&user.token, &failures_path),
        async {
            if admin && c.kind == "CONSUMER" {
                engine
                    .get::<Vec<super::finalita::Purpose>>(
                        &user.token,
                        "/purposes?side=consumer&limit=500",
                    )
                    .await
                    .unwrap_or_default()
            } else {
                Vec::new()
            }
        },
    );
    let user_name = |id: &str| -> Markup {
        html! { @match users.iter().find(|u| u.id == id) { Some(u) => (u.name), None => code { (id) } } }
    };
    let purpose_title: HashMap<&str, &str> = purposes
        .iter()
        .map(|p| (p.id.as_str(), p.title.as_str()))
        .collect();
    let base = format!("/fruizione/client/{}", c.id);
    let pem = typed
        .get("chiave")
        .map(String::as_str)
        .filter(|k| !is_private(k))
        .unwrap_or("");
    let key_name = typed.get("nome_chiave").map_or("", String::as_str);
    let title = c.name.clone();
    let body = html! {
        (subnav(user, l, "/fruizione/client"))
        nav aria-label=(l.t("Percorso", "Breadcrumb")) class="crumbs" {
            a href="/fruizione" { "Fruizione" } " › "
            a href="/fruizione/client" { (l.t("Gestione client", "Clients")) } " › " (c.name)
        }
        h1 { (title) }
        @if let Some(e) = error.filter(|e| !e.concerns("key") && !e.concerns("name")) { (error_box(e, l)) }
        dl {
            dt { (l.t("Tipo", "Kind")) } dd { (kind_label(&c.kind, l)) }
            dt { (l.t("Descrizione", "Description")) } dd { (if c.description.is_empty() { "—" } else { &c.description }) }
            dt { (l.t("Creato il", "Created on")) } dd { (when(&c.created_at)) }
        }
        @if c.kind == "API" {
            p class="notice" { (l.t("Le chiavi di questo client servono solo per ottenere i token dell'API Interop M2M.",
                                    "This client's keys serve only to obtain tokens for the Interop M2M API.")) }
        }

        h2 id="chiavi" { (l.t("Chiavi pubbliche", "Public keys")) }
        @if c.keys.is_empty() {
            p { (l.t("Nessuna chiave.", "No key.")) }
        } @else {
            table class="keys" tabindex="0" {
                caption { (l.t("Chiavi pubbliche del client", "The client's public keys")) }
                thead { tr {
                    th scope="col" { (l.t("Nome", "Name")) }
                    th scope="col" { "kid (RFC 7638)" }
                    th scope="col" { "Bit" }
                    th scope="col" { (l.t("Caricata da", "Uploaded by")) }
                    th scope="col" { (l.t("Caricata il", "Uploaded on")) }
                    th scope="col" { (l.t("Azioni", "Actions")) }
                } }
                tbody {
                    @for k in &c.keys {
                        tr {
                            td { (k.name) }
                            td { code class="kid" { (k.kid) } }
                            td { (k.bits) }
                            td { (user_name(&k.uploaded_by)) }
                            td { (when(&k.created_at)) }
                            td {
                                form method="post" action={ (base) "/elimina-chiave" } {
                                    (csrf_field(visit))
                                    input type="hidden" name="kid" value=(k.kid);
                                    (web::confirm_field(visit, &format!("{} {}", l.t("elimina la chiave", "delete the key"), k.name)))
                                    button type="submit" { (l.t("Elimina", "Delete")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="carica" {
            h3 id="carica" { (l.t("Carica una chiave pubblica", "Upload a public key")) }
            p class="hint" { (l.t(
                "Solo i membri del client caricano chiavi. Crea la coppia di chiavi sul tuo sistema (ad esempio: openssl genrsa -out privata.pem 2048; openssl rsa -in privata.pem -pubout -out pubblica.pem) e incolla qui il contenuto di pubblica.pem. La chiave privata non va mai incollata né condivisa.",
                "Only the client's members upload keys. Create the key pair on your system (for example: openssl genrsa -out private.pem 2048; openssl rsa -in private.pem -pubout -out public.pem) and paste the content of public.pem here. Never paste or share the private key.",
            )) }
            form method="post" action={ (base) "/carica-chiave" } {
                (csrf_field(visit))
                (Field::new("nome_chiave", l.t("Nome della chiave", "Key name"), Input::Text, key_name).required().max(60).render(error, "name", l))
                (Field::new("chiave", l.t("Chiave pubblica (PEM)", "Public key (PEM)"), Input::Area, pem).required()
                    .hint("-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----").render(error, "key", l))
                button type="submit" { (l.t("Carica la chiave", "Upload the key")) }
            }
        }

        h2 { (l.t("Operatori di sicurezza", "Security operators")) }
        @if c.members.is_empty() {
            p { (l.t("Nessun operatore.", "No operator.")) }
        } @else {
            ul class="members" {
                @for m in &c.members {
                    li {
                        (user_name(m))
                        @if admin {
                            form method="post" action={ (base) "/rimuovi-operatore" } class="inline" {
                                (csrf_field(visit))
                                input type="hidden" name="utente" value=(m);
                                (web::confirm_field(visit, l.t("rimuovi l'operatore dal client (le chiavi che ha caricato restano)", "remove the operator from the client (the keys they uploaded stay)")))
                                button type="submit" { (l.t("Rimuovi l'operatore", "Remove the operator")) }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            @let others: Vec<&TenantUser> = users.iter().filter(|u| !c.members.contains(&u.id)).collect();
            @if !others.is_empty() {
                form method="post" action={ (base) "/aggiungi-operatore" } class="inline-form" {
                    (csrf_field(visit))
                    div class="field" {
                        label for="f-utente" { (l.t("Aggiungi un operatore", "Add an operator")) }
                        select id="f-utente" name="utente" {
                            @for u in &others { option value=(u.id) { (u.name) " (" (roles_of(u, l)) ")" } }
                        }
                    }
                    button type="submit" { (l.t("Aggiungi", "Add")) }
                }
            }
        }

        @if c.kind == "CONSUMER" {
            h2 { (l.t("Finalità associate", "Attached purposes")) }
            @if c.purposes.is_empty() {
                p { (l.t("Nessuna finalità: le chiavi non ottengono voucher finché il client non è associato a una finalità attiva.",
                         "No purpose: the keys get no voucher until the client is attached to an active purpose.")) }
            } @else {
                ul class="purposes" {
                    @for p in &c.purposes {
                        li {
                            @if admin {
                                a href={ "/fruizione/finalita/" (p) } { (purpose_title.get(p.as_str()).copied().unwrap_or(p.as_str())) }
                                form method="post" action={ (base) "/rimuovi-finalita" } class="inline" {
                                    (csrf_field(visit))
                                    input type="hidden" name="finalita" value=(p);
                                    (web::confirm_field(visit, l.t("togli il client da questa finalità", "detach the client from this purpose")))
                                    button type="submit" { (l.t("Rimuovi dalla finalità", "Detach from the purpose")) }
                                }
                            } @else { code { (p) } }
                        }
                    }
                }
            }
            @if admin {
                @let free: Vec<&super::finalita::Purpose> = purposes.iter().filter(|p| !c.purposes.contains(&p.id)).collect();
                @if !free.is_empty() {
                    form method="post" action={ (base) "/associa-finalita" } class="inline-form" {
                        (csrf_field(visit))
                        div class="field" {
                            label for="f-finalita" { (l.t("Associa a una finalità", "Attach to a purpose")) }
                            select id="f-finalita" name="finalita" {
                                @for p in &free {
                                    option value=(p.id) {
                                        (p.title) " — " (p.headline().map_or("—", |v| super::version_state(&v.state, l)))
                                    }
                                }
                            }
                        }
                        button type="submit" { (l.t("Associa", "Attach")) }
                    }
                }
            }
        }

        h2 id="rifiuti" { (l.t("Perché un voucher è stato rifiutato", "Why a voucher was refused")) }
        @match &failures {
            Ok(list) if list.is_empty() => { p { (l.t("Nessuna richiesta rifiutata di recente.", "No recently refused request.")) } }
            Ok(list) => {
                table class="failures" tabindex="0" {
                    caption { (l.t("Richieste di voucher rifiutate, dalla più recente", "Refused voucher requests, newest first")) }
                    thead { tr {
                        th scope="col" { (l.t("Quando", "When")) }
                        th scope="col" { (l.t("Causa", "Cause")) }
                        th scope="col" { "kid" }
                        th scope="col" { (l.t("Finalità", "Purpose")) }
                    } }
                    tbody {
                        @for f in list {
                            tr {
                                td { (when(&f.at)) }
                                td { (refusal_cause(&f.code, l)) " " span class="code" { "(" code { (f.code) } ")" } }
                                td { @if let Some(k) = &f.kid { code { (k) } } @else { "—" } }
                                td { @if let Some(p) = &f.purpose_id { code { (p) } } @else { "—" } }
                            }
                        }
                    }
                }
            }
            Err(e) => { (error_box(e, l)) }
        }

        @if admin {
            h2 { (l.t("Elimina il client", "Delete the client")) }
            p { (l.t("Eliminando il client si eliminano le sue chiavi e lo si toglie da tutte le finalità.", "Deleting the client deletes its keys and detaches it from every purpose.")) }
            (action_form(visit, &format!("{base}/elimina"), l.t("Elimina il client", "Delete the client"),
                Some(l.t("elimina il client e tutte le sue chiavi", "delete the client and all its keys"))))
        }
    };
    let status = error.map_or(StatusCode::OK, |e| crate::web::refusal_status(e.status));
    visit.finish(st, (status, layout(&title, visit, "/fruizione", body)))
}

/// A client's actions: `carica-chiave`, `elimina-chiave`, `aggiungi-operatore`,
/// `rimuovi-operatore`, `associa-finalita`, `rimuovi-finalita`, `elimina`.
pub async fn act(
    State(st): St,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Posted(visit, user, form, _): Posted<Consumer>,
) -> Response {
    let l = visit.session.lang;
    let base = format!("/clients/{}", crate::engine::encode(&id));
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let enc = crate::engine::encode;
    let (method, path, body, destructive) = match action.as_str() {
        "carica-chiave" => (
            Method::POST,
            format!("{base}/keys"),
            Some(
                json!({ "name": get("nome_chiave"), "key": form.get("chiave").map_or("", String::as_str) }),
            ),
            false,
        ),
        "elimina-chiave" => (
            Method::DELETE,
            format!("{base}/keys/{}", enc(get("kid"))),
            None,
            true,
        ),
        "aggiungi-operatore" => (
            Method::POST,
            format!("{base}/members"),
            Some(json!({ "user_id": get("utente") })),
            false,
        ),
        "rimuovi-operatore" => (
            Method::DELETE,
            format!("{base}/members/{}", enc(get("utente"))),
            None,
            true,
        ),
        "associa-finalita" => (
            Method::POST,
            format!("{base}/purposes"),
            Some(json!({ "purpose_id": get("finalita") })),
            false,
        ),
        "rimuovi-finalita" => (
            Method::DELETE,
            format!("{base}/purposes/{}", enc(get("finalita"))),
            None,
            true,
        ),
        "elimina" => (Method::DELETE, base.clone(), None, true),
        _ => return crate::pages::not_found(State(st), headers).await,
    };
    if destructive && !confirmed(&form) {
        return render(
            &st,
            &visit,
            &user,
            &id,
            Some(&not_confirmed()),
            &Fields::new(),
        )
        .await;
    }
    let done: Result<Value, EngineError> = st
        .engine
        .send(method, &user.token, &path, body.as_ref())
        .await;
    // What was typed goes back to the form only for a refused upload, never a private key.
    let private = is_private(form.get("chiave").map_or("", String::as_str));
    match done {
        Err(e) if action == "carica-chiave" => {
            let secret = private || e.code == "KEY_IS_PRIVATE";
            let e = key_error(e, secret, l);
            // A private key (also base64-encoded, which only the engine recognises) is a
            // secret: the field comes back empty.
            let mut typed = form.clone();
            if secret {
                typed.remove("chiave");
            }
            render(&st, &visit, &user, &id, Some(&e), &typed).await
        }
        Err(e) => render(&st, &visit, &user, &id, Some(&e), &Fields::new()).await,
        Ok(answer) => {
            let text = match action.as_str() {
                "carica-chiave" => format!(
                    "{} {}",
                    l.t("Chiave caricata. Il suo kid (RFC 7638) è", "Key uploaded. Its kid (RFC 7638) is"),
                    answer["kid"].as_str().unwrap_or_default()
                ),
                "elimina-chiave" => l.t("Chiave eliminata: non ottiene più voucher.", "Key deleted: it obtains no more vouchers.").to_owned(),
                "aggiungi-operatore" => l.t("Operatore aggiunto al client.", "Operator added to the client.").to_owned(),
                "rimuovi-operatore" => l.t("Operatore rimosso dal client; le chiavi che ha caricato restano.", "Operator removed from the client; the keys they uploaded stay.").to_owned(),
                "associa-finalita" => l.t("Client associato alla finalità: le sue chiavi ottengono voucher finché la finalità è operativa.", "Client attached to the purpose: its keys obtain vouchers while the purpose is operative.").to_owned(),
                "rimuovi-finalita" => l.t("Client tolto dalla finalità.", "Client detached from the purpose.").to_owned(),
                _ => l.t("Client eliminato, con le sue chiavi.", "Client deleted, with its keys.").to_owned(),
            };
            flash(&st, &visit, text);
            if action == "elimina" {
                redirect("/fruizione/client")
            } else {
                redirect(&format!("/fruizione/client/{}", crate::engine::encode(&id)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_cause_the_engine_records_has_a_sentence_in_both_languages() {
        let engine: Vec<&str> = interop::codes::RefusalCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        let ours: Vec<&str> = REFUSAL_CAUSES.iter().map(|(c, ..)| *c).collect();
        assert_eq!(
            ours, engine,
            "the table follows the engine's list, in its order"
        );
        for (code, it, en) in REFUSAL_CAUSES {
            assert!(!it.is_empty() && !en.is_empty() && it != en, "{code}");
        }
        assert_eq!(
            refusal_cause("NEW_CAUSE", Lang::En),
            "Voucher request refused."
        );
    }

    #[test]
    fn a_pasted_private_key_is_blamed_on_the_field_and_explained() {
        let e = EngineError {
            status: 400,
            code: "KEY_IS_PRIVATE".into(),
            detail: "this is a private key".into(),
            fields: vec![],
        };
        let e = key_error(e, true, Lang::It);
        assert!(e.concerns("key"));
        assert!(e.detail.contains("campo è stato svuotato"), "{}", e.detail);
        assert!(is_private("-----BEGIN RSA PRIVATE KEY-----\nabc"));
        assert!(!is_private("-----BEGIN PUBLIC KEY-----\nabc"));
    }

    #[test]
    fn a_new_client_is_sent_as_the_engine_reads_it() {
        let form: Fields = [
            ("nome", " Client "),
            ("tipo", "API"),
            ("membro-u2", "si"),
            ("membro-u1", "si"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            new_client(&form),
            json!({"name": "Client", "description": "", "kind": "API", "members": ["u1", "u2"]})
        );
    }
}
