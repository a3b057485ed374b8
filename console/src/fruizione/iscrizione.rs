//! "Iscriviti" on a catalogue version's page: the version's attribute groups marked with what the
//! tenant already holds (`GET /tenants/{me}/attributes`), and the form that subscribes: the
//! checked declared attributes are declared first (`POST /tenants/{me}/attributes/declared`),
//! the request is created (`POST /agreements`) and submitted (`POST /agreements/{id}/submit`);
//! the flash says the resulting state and what is still missing.

use super::{Agreement, agreement_state, richieste::explain, tenant};
use crate::engine::{
    Attributes, Descriptor, EService, EngineError, Method, RequiredAttribute, TenantAttributes,
};
use crate::session::{Lang, User};
use crate::web::{
    self, Admin, Field, Fields, Input, Posted, csrf_field, error_box, flash, has_role, layout,
    redirect,
};
use crate::{AppState, St, Visit};
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};
use serde_json::json;
use std::collections::HashMap;

/// The most characters of the notes for the producer (the engine's limit).
const NOTES_MAX: usize = 1000;

/// Whether a group is satisfied by the tenant, and by which attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The tenant holds one of the group's attributes.
    Yes,
    /// A verified attribute the tenant declared or was verified by another producer: this
    /// producer verifies it after the request.
    ToVerify,
    No,
}

/// Which kind of attribute a group asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Certified,
    Declared,
    Verified,
}

/// Whether the tenant `mine` satisfies a group of `kind`, for the e-service of `producer`.
pub fn held(
    kind: Kind,
    group: &[RequiredAttribute],
    mine: &TenantAttributes,
    producer: &str,
) -> Held {
    let any = |f: &dyn Fn(&RequiredAttribute) -> bool| group.iter().any(f);
    match kind {
        Kind::Certified if any(&|a| mine.certified.contains(&a.id)) => Held::Yes,
        Kind::Declared if any(&|a| mine.declared.contains(&a.id)) => Held::Yes,
        Kind::Verified
            if any(&|a| {
                // Without explicit verification, any producer's verification counts.
                mine.verified.iter().any(|v| {
                    v.id == a.id
                        && (v.verified_by.iter().any(|p| p == producer)
                            || !a.explicit_verification && !v.verified_by.is_empty())
                })
            }) =>
        {
            Held::Yes
        }
        Kind::Verified => Held::ToVerify,
        _ => Held::No,
    }
}

/// The groups of `kind` the tenant does not hold: each group's attribute names.
pub fn missing(
    kind: Kind,
    groups: &[Vec<RequiredAttribute>],
    mine: &TenantAttributes,
    producer: &str,
    names: &HashMap<String, String>,
) -> Vec<String> {
    groups
        .iter()
        .filter(|g| held(kind, g, mine, producer) != Held::Yes)
        .map(|g| {
            g.iter()
                .map(|a| names.get(&a.id).cloned().unwrap_or_else(|| a.id.clone()))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .collect()
}

fn groups_of(a: &Attributes, kind: Kind) -> &[Vec<RequiredAttribute>] {
    match kind {
        Kind::Certified => &a.certified,
        Kind::Declared => &a.declared,
        Kind::Verified => &a.verified,
    }
}

fn kind_title(kind: Kind, l: Lang) -> &'static str {
    match kind {
        Kind::Certified => l.t("Certificati", "Certified"),
        Kind::Declared => l.t("Dichiarati", "Declared"),
        Kind::Verified => l.t("Verificati", "Verified"),
    }
}

/// The attribute groups, each marked with what the tenant holds.
fn marked_groups(
    e: &EService,
    mine: &TenantAttributes,
    names: &HashMap<String, String>,
    l: Lang,
) -> Markup {
    html! {
        @for kind in [Kind::Certified, Kind::Declared, Kind::Verified] {
            @let groups = groups_of(&e.attributes, kind);
            h3 { (kind_title(kind, l)) }
            @if groups.is_empty() {
                p { (l.t("Nessuno.", "None.")) }
            } @else {
                ol class="groups" {
                    @for g in groups {
                        @let h = held(kind, g, mine, &e.producer_id);
                        li class={ "group " (match h { Held::Yes => "held", Held::ToVerify => "to-verify", Held::No => "missing" }) } {
                            strong {
                                (match h {
                                    Held::Yes => l.t("Posseduto", "Held"),
                                    Held::ToVerify => l.t("Da verificare dall'erogatore", "To be verified by the producer"),
                                    Held::No => l.t("Mancante", "Missing"),
                                })
                            }
                            " — " (l.t("uno tra:", "one of:"))
                            ul {
                                @for a in g {
                                    li {
                                        @if let Some(n) = names.get(&a.id) { (n) " " }
                                        code { (a.id) }
                                        @if has(kind, mine, &a.id) { " " span class="mine" { (l.t("(il tuo ente lo possiede)", "(your organization holds it)")) } }
                                        @if a.explicit_verification { " " (l.t("(verifica esplicita)", "(explicit verification)")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn has(kind: Kind, mine: &TenantAttributes, id: &str) -> bool {
    match kind {
        Kind::Certified => mine.certified.iter().any(|a| a == id),
        Kind::Declared => mine.declared.iter().any(|a| a == id),
        Kind::Verified => mine.verified.iter().any(|a| a.id == id),
    }
}

/// The version page's "Attributi richiesti" with the tenant's marks and, for an administrator on
/// a published version, the "Iscriviti" form. `None` for a user without a tenant (the page shows
/// the plain groups) or when the tenant's attributes cannot be read.
pub async fn requirements(
    st: &AppState,
    visit: &Visit,
    user: &User,
    e: &EService,
    d: &Descriptor,
    names: &HashMap<String, String>,
) -> Option<Markup> {
    let me = user.tenant_id.as_deref()?;
    let mine = match st.engine.tenant_attributes(&user.token, me).await {
        Ok(m) => m,
        Err(err) => {
            tracing::warn!(error = %err, "the tenant's attributes are unavailable");
            return None;
        }
    };
    let l = visit.session.lang;
    let admin = has_role(user, super::ADMIN_ONLY);
    // A live request (not rejected nor archived) on the e-service: its page, not a second one.
    let live = if admin {
        st.engine
            .page::<Agreement>(
                &user.token,
                &format!(
                    "/agreements?side=consumer&eservice={}&limit=50",
                    crate::engine::encode(&e.id)
                ),
            )
            .await
            .ok()
            .and_then(|found| {
                found
                    .items
                    .into_iter()
                    .find(|a| !matches!(a.state.as_str(), "REJECTED" | "ARCHIVED"))
            })
    } else {
        None
    };
    let form = match &live {
        Some(a) => Some(html! {
            section class="subscribe" aria-labelledby="iscriviti" {
                h2 id="iscriviti" { (l.t("Iscriviti", "Subscribe (Iscriviti)")) }
                p {
                    (l.t("Il tuo ente ha già una richiesta di fruizione su questo e-service: ", "Your organization already has a subscription request on this e-service: "))
                    a href={ "/fruizione/richieste/" (a.id) } { (agreement_state(&a.state, l)) }
                    "."
                }
            }
        }),
        None => (admin && d.state == "PUBLISHED")
            .then(|| subscribe_form(visit, e, d, &mine, names, &Fields::new(), None)),
    };
    Some(html! {
        p { (l.t(
            "Ogni gruppo è soddisfatto da uno qualsiasi dei suoi attributi; servono tutti i gruppi. Accanto a ogni gruppo: se il tuo ente lo soddisfa già.",
            "Any one attribute of a group satisfies it; every group is needed. Next to each group: whether your organization already satisfies it.",
        )) }
        (marked_groups(e, &mine, names, l))
        @if let Some(f) = form { (f) }
    })
}

/// The "Iscriviti" form: the missing certified groups (which block it), the declared attributes
/// to declare, the verified ones the producer will check, and the notes for the producer.
fn subscribe_form(
    visit: &Visit,
    e: &EService,
    d: &Descriptor,
    mine: &TenantAttributes,
    names: &HashMap<String, String>,
    typed: &Fields,
    error: Option<&EngineError>,
) -> Markup {
    let l = visit.session.lang;
    let certified = missing(
        Kind::Certified,
        &e.attributes.certified,
        mine,
        &e.producer_id,
        names,
    );
    let verified = missing(
        Kind::Verified,
        &e.attributes.verified,
        mine,
        &e.producer_id,
        names,
    );
    let to_declare: Vec<&RequiredAttribute> = e
        .attributes
        .declared
        .iter()
        .filter(|g| held(Kind::Declared, g, mine, &e.producer_id) != Held::Yes)
        .flatten()
        .collect();
    let notes = typed.get("note").map_or("", String::as_str);
    html! {
        section class="subscribe" aria-labelledby="iscriviti" {
            h2 id="iscriviti" { (l.t("Iscriviti", "Subscribe (Iscriviti)")) }
            @if let Some(err) = error.filter(|e| !e.concerns("consumer_notes")) { (error_box(err, l)) }
            @if !certified.is_empty() {
                div class="notice" {
                    p { (l.t(
                        "Al tuo ente mancano attributi certificati richiesti: la richiesta resterà in bozza e non potrà essere inoltrata finché la piattaforma non li certifica. Mancano:",
                        "Your organization lacks required certified attributes: the request will stay a draft and cannot be submitted until the platform certifies them. Missing:",
                    )) }
                    ul { @for m in &certified { li { (m) } } }
                }
            }
            @if !verified.is_empty() {
                p { (l.t(
                    "Dopo l'iscrizione l'erogatore dovrà verificare: ",
                    "After subscribing, the producer has to verify: ",
                )) (verified.join(", ")) "." }
            }
            form method="post" action={ "/catalogo/" (e.id) "/versioni/" (d.id) "/iscriviti" } {
                (csrf_field(visit))
                @if !to_declare.is_empty() {
                    fieldset {
                        legend { (l.t("Attributi dichiarati richiesti", "Required declared attributes")) }
                        p class="hint" { (l.t(
                            "Dichiara di possedere gli attributi che il tuo ente ha (uno per gruppo basta).",
                            "Declare the attributes your organization has (one per group is enough).",
                        )) }
                        @for a in &to_declare {
                            @let field = format!("dichiara-{}", a.id);
                            label class="check" {
                                input type="checkbox" name=(field) value="si" checked[typed.contains_key(&field)];
                                " " (l.t("Dichiaro: ", "I declare: "))
                                (names.get(&a.id).map_or(a.id.as_str(), String::as_str))
                            }
                        }
                    }
                }
                (Field::new("note", l.t("Note per l'erogatore", "Notes for the producer"), Input::Area, notes)
                    .max(NOTES_MAX)
                    .hint(l.t("Facoltative: perché il tuo ente chiede di fruire dell'e-service.", "Optional: why your organization asks to use the e-service."))
                    .render(error, "consumer_notes", l))
                button type="submit" { (l.t("Iscriviti", "Subscribe")) }
            }
        }
    }
}

/// `POST /catalogo/{id}/versioni/{did}/iscriviti`.
pub async fn subscribe(
    State(st): St,
    Path((id, did)): Path<(String, String)>,
    Posted(visit, user, form, _): Posted<Admin>,
) -> Response {
    let l = visit.session.lang;
    let me = tenant(&user).to_owned();
    // The checked declared attributes first (one the tenant already declared is no error).
    for key in form.keys().filter_map(|k| k.strip_prefix("dichiara-")) {
        let declared: Result<serde_json::Value, EngineError> = st
            .engine
            .send(
                Method::POST,
                &user.token,
                &format!(
                    "/tenants/{}/attributes/declared",
                    crate::engine::encode(&me)
                ),
                Some(&json!({ "id": key })),
            )
            .await;
        if let Err(e) = declared.filter_err("ATTRIBUTE_ALREADY_ASSIGNED") {
            return again(&st, &visit, &user, &id, &did, &form, e).await;
        }
    }
    let notes = form.get("note").map_or("", |n| n.trim());
    let body = json!({
        "eservice_id": id,
        "descriptor_id": did,
        "consumer_notes": (!notes.is_empty()).then_some(notes),
    });
    let created: Agreement = match st
        .engine
        .send(Method::POST, &user.token, "/agreements", Some(&body))
        .await
    {
        Ok(a) => a,
        Err(e) => return again(&st, &visit, &user, &id, &did, &form, e).await,
    };
    let submitted: Result<Agreement, EngineError> = if created.state == "DRAFT" {
        st.engine
            .send(
                Method::POST,
                &user.token,
                &format!("/agreements/{}/submit", created.id),
                None,
            )
            .await
    } else {
        Ok(created.clone())
    };
    let text = match &submitted {
        Ok(a) => {
            let created_only = a.state == "MISSING_CERTIFIED_ATTRIBUTES";
            let mut t = format!(
                "{} {}. {}",
                if created_only {
                    l.t(
                        "Richiesta creata ma non inoltrata. Stato della richiesta:",
                        "Request created but not submitted. State of the request:",
                    )
                } else {
                    l.t(
                        "Iscrizione presentata. Stato della richiesta:",
                        "Subscription made. State of the request:",
                    )
                },
                agreement_state(&a.state, l),
                explain(&a.state, l)
            );
            // What is still missing: the certified attributes (the platform certifies them),
            // or the verified ones (the producer verifies them before approving).
            if created_only || a.state == "PENDING" {
                let names = attribute_names(&st, &user.token).await;
                if let (Ok(e), Ok(mine)) = (
                    st.engine.eservice(&user.token, &id).await,
                    st.engine.tenant_attributes(&user.token, &me).await,
                ) {
                    let (kind, groups, said) = if created_only {
                        (
                            Kind::Certified,
                            &e.attributes.certified,
                            l.t(
                                "Mancano gli attributi certificati:",
                                "Missing certified attributes:",
                            ),
                        )
                    } else {
                        (
                            Kind::Verified,
                            &e.attributes.verified,
                            l.t(
                                "L'erogatore deve verificare:",
                                "The producer has to verify:",
                            ),
                        )
                    };
                    let v = missing(kind, groups, &mine, &e.producer_id, &names);
                    if !v.is_empty() {
                        t.push_str(&format!(" {said} {}.", v.join(", ")));
                    }
                }
            }
            t
        }
        Err(e) => format!(
            "{} {} ({}). {}",
            l.t(
                "La richiesta è stata creata ma non inoltrata:",
                "The request was created but not submitted:"
            ),
            e.sentence(l),
            e.code,
            explain(&created.state, l)
        ),
    };
    flash(&st, &visit, text);
    redirect(&format!("/fruizione/richieste/{}", created.id))
}

/// The attributes' names by id (empty when the engine does not answer).
pub async fn attribute_names(st: &AppState, token: &str) -> HashMap<String, String> {
    st.engine
        .attributes(token)
        .await
        .map(|all| all.into_iter().map(|a| (a.id, a.name)).collect())
        .unwrap_or_default()
}

/// The form again, with what was typed and the engine's refusal.
async fn again(
    st: &AppState,
    visit: &Visit,
    user: &User,
    id: &str,
    did: &str,
    typed: &Fields,
    e: EngineError,
) -> Response {
    let l = visit.session.lang;
    let eservice = match st.engine.eservice(&user.token, id).await {
        Ok(x) => x,
        Err(_) => return web::engine_error(visit, st, &e),
    };
    let d = eservice.descriptors.iter().find(|d| d.id == did).cloned();
    let mine = st
        .engine
        .tenant_attributes(&user.token, tenant(user))
        .await
        .unwrap_or_default();
    let names = attribute_names(st, &user.token).await;
    let title = format!("{} {}", l.t("Iscriviti a", "Subscribe to"), eservice.name);
    let body = html! {
        nav aria-label=(l.t("Percorso", "Breadcrumb")) class="crumbs" {
            a href="/catalogo" { (l.t("Catalogo e-service", "E-service catalogue")) } " › "
            a href={ "/catalogo/" (eservice.id) } { (eservice.name) }
        }
        h1 { (title) }
        @if let Some(d) = &d {
            (marked_groups(&eservice, &mine, &names, l))
            (subscribe_form(visit, &eservice, d, &mine, &names, typed, Some(&e)))
        } @else {
            (error_box(&e, l))
        }
    };
    let status = crate::web::refusal_status(e.status);
    visit.finish(st, (status, layout(&title, visit, "/catalogo", body)))
}

/// An engine answer where one refusal code counts as done.
trait FilterErr {
    fn filter_err(self, ok_code: &str) -> Result<(), EngineError>;
}

impl<T> FilterErr for Result<T, EngineError> {
    fn filter_err(self, ok_code: &str) -> Result<(), EngineError> {
        match self {
            Ok(_) => Ok(()),
            Err(e) if e.code == ok_code => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::VerifiedAttribute;

    fn req(id: &str) -> RequiredAttribute {
        RequiredAttribute {
            id: id.into(),
            explicit_verification: false,
        }
    }

    #[test]
    fn a_group_is_held_by_any_of_its_attributes_and_an_explicit_verification_by_this_producer() {
        let mine = TenantAttributes {
            certified: vec!["c1".into()],
            declared: vec![],
            verified: vec![VerifiedAttribute {
                id: "v1".into(),
                verified_by: vec!["other".into()],
            }],
        };
        assert_eq!(
            held(Kind::Certified, &[req("c0"), req("c1")], &mine, "p"),
            Held::Yes
        );
        assert_eq!(held(Kind::Certified, &[req("c2")], &mine, "p"), Held::No);
        assert_eq!(held(Kind::Declared, &[req("d1")], &mine, "p"), Held::No);
        let explicit = RequiredAttribute {
            explicit_verification: true,
            ..req("v1")
        };
        assert_eq!(
            held(Kind::Verified, std::slice::from_ref(&explicit), &mine, "p"),
            Held::ToVerify
        );
        assert_eq!(held(Kind::Verified, &[req("v1")], &mine, "p"), Held::Yes);
        assert_eq!(
            held(Kind::Verified, &[req("v2")], &mine, "p"),
            Held::ToVerify
        );
        assert_eq!(
            held(Kind::Verified, &[req("v1")], &mine, "other"),
            Held::Yes
        );
        let names = HashMap::from([("c2".to_owned(), "Comuni".to_owned())]);
        assert_eq!(
            missing(
                Kind::Certified,
                &[vec![req("c1")], vec![req("c2"), req("c3")]],
                &mine,
                "p",
                &names
            ),
            vec!["Comuni / c3".to_owned()]
        );
    }
}
