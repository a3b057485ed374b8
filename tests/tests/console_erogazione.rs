//! The console's "Erogazione" pages in a real browser (Chromium through chromedriver), on the
//! development stack: PagoPA's administrator, signed in by clicking, creates an e-service through
//! every step of the draft (bad input shows the engine's sentence next to the field, what was
//! typed kept; an incomplete version cannot be published and the summary marks what is missing)
//! and publishes it; a form sent after the draft was published elsewhere shows the engine's
//! refusal, typed values kept; Comune di Esempio's request (made through the engine's API) is
//! pending until PagoPA verifies its attribute and approves it; a purpose above the threshold
//! gets an expected date and is approved; a version is suspended and reactivated, confirmed.
//! A security operator is refused every page of the section, by URL too, and has no
//! "Erogazione" in the navigation. axe-core runs on each main page; screenshots with
//! `RECAPITO_SCREENSHOTS=docs`.
//!
//! Needs `eval "$(scripts/browser)"` (RECAPITO_CHROMIUM, RECAPITO_CHROMEDRIVER,
//! RECAPITO_AXE_JS); without them it fails under CI=true and skips loudly otherwise.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::erogazione::{
    self as erog, NewEService, Version, button, flash_says, link, type_in, value_of, wait_text,
};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::path::Path;

#[tokio::test]
async fn a_producer_publishes_an_eservice_and_approves_a_request_and_a_purpose() {
    let Some(s) = Session::start().await else {
        return;
    };
    let apis = Apis::new(&s.env, s.dir.path());
    let result = walk(&s.client, &s.env.console_url, &s.axe, &apis).await;
    s.finish("erogazione", result).await;
}

/// The engine's API as PagoPA's and the Comune's administrators (tokens from the engine's
/// development identity key, as the stack's seed mints them).
struct Apis {
    pagopa: dev_stack::world::Api,
    comune: dev_stack::world::Api,
    interop: String,
    pagopa_token: String,
}

impl Apis {
    fn new(env: &dev_stack::DevEnv, data_dir: &Path) -> Apis {
        use interop::domain::Role;
        let config = interop::Config {
            data_dir: std::fs::canonicalize(data_dir).unwrap().join("interop"),
            ..interop::Config::default()
        };
        let idp = interop::app::dev_issuer(&config).expect("the development identity key");
        let api = |name: &str| {
            let admin = env
                .admins
                .iter()
                .find(|a| a.name == name)
                .expect("an administrator");
            let token = idp
                .mint(
                    admin.user_id.parse().unwrap(),
                    Some(admin.tenant_id.parse().unwrap()),
                    &[Role::Admin],
                    1800,
                )
                .unwrap();
            (
                dev_stack::world::Api::new(reqwest::Client::new(), &env.interop_url, &token),
                token,
            )
        };
        let (pagopa, pagopa_token) = api("PagoPA");
        Apis {
            pagopa,
            comune: api("Comune di Esempio").0,
            interop: env.interop_url.clone(),
            pagopa_token,
        }
    }
}

const NAME: &str = "Anagrafe dei residenti";
const CERTIFIED: &str = "Comuni e loro Consorzi e Associazioni";
const VERIFIED: &str = "Misure minime di sicurezza ICT";

/// The field-error next to the field `id`.
async fn error_next_to(c: &Client, id: &str, code: &str) {
    wait_text(
        c,
        &format!("div.field.invalid:has(#{id}) .field-error"),
        code,
    )
    .await;
    let invalid = c
        .find(Locator::Id(id))
        .await
        .unwrap()
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"), "{id}");
}

/// No horizontal scrolling on the current page (the elements wider than the window named).
async fn no_overflow(c: &Client, page: &str) -> Result<(), fantoccini::error::CmdError> {
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth ? [] :\
               Array.from(document.querySelectorAll('main *'))\
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth)\
                 .map(e => e.tagName + '.' + e.className).slice(0, 5);",
            vec![],
        )
        .await?;
    assert_eq!(wide, json!([]), "horizontal scrolling at 360 px on {page}");
    Ok(())
}

async fn sign_in(c: &Client, who: &str) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::XPath(&format!(
        "//button[contains(., 'Accedi come {who}')]"
    )))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    Ok(())
}

async fn walk(
    c: &Client,
    console: &str,
    axe: &str,
    apis: &Apis,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(console).await?;
    heading_is(c, "Accedi").await;
    sign_in(c, "Admin PagoPA").await?;

    // The section's index, then "I tuoi e-service".
    c.find(Locator::XPath(
        "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Erogazione']",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Erogazione").await;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    for part in [
        "I tuoi e-service",
        "Richieste di fruizione",
        "Finalità da approvare",
        "1 e-service",
    ] {
        assert!(main.contains(part), "{part} in {main}");
    }
    accessible(c, axe, "Erogazione").await;
    erog::start_new(c).await?;
    accessible(c, axe, "Nuovo e-service").await;

    // Step 1, bad input: an empty name, then one too long; the engine's sentence next to the
    // name, what was typed kept.
    erog::general_info(c, "", "Consultazione dei dati anagrafici dei residenti").await?;
    error_next_to(c, "f-name", "VALIDATION_FAILED").await;
    assert_eq!(
        value_of(c, "f-description").await?,
        "Consultazione dei dati anagrafici dei residenti"
    );
    let long = "Un nome di e-service decisamente troppo lungo per essere accettato";
    assert!(long.chars().count() > 60);
    type_in(c, "f-name", long).await?;
    button(c, "Salva in bozza e continua").await?;
    wait_text(c, "div.field.invalid:has(#f-name) .field-error", "60").await;
    assert_eq!(value_of(c, "f-name").await?, long);
    accessible(c, axe, "Nuovo e-service, nome non valido").await;
    type_in(c, "f-name", NAME).await?;
    button(c, "Salva in bozza e continua").await?;
    heading_is(c, &format!("Bozza: {NAME}")).await;
    flash_says(c, "Bozza salvata").await;

    // Step 2: a certified group and a verified group (verified explicitly).
    erog::add_group(c, "certified", &[(CERTIFIED, false)]).await?;
    erog::add_group(c, "verified", &[(VERIFIED, true)]).await?;
    let groups = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        groups.contains(&format!("{VERIFIED} (verifica esplicita)")),
        "{groups}"
    );
    assert!(groups.contains("Gruppo 1 (certificati)"), "{groups}");
    accessible(c, axe, "Nuovo e-service, passo 2").await;
    screenshot(c, "erogazione-nuovo-passo-2").await;

    // Step 3: a non-number in the daily calls: the sentence next to it, "mille" kept.
    link(c, "Continua: la versione").await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 3").await;
    let terms = Version {
        description: "Prima versione",
        audience: "anagrafe.example",
        voucher_lifespan: "600",
        daily_calls_per_consumer: "mille",
        daily_calls_total: "5000",
        approval: "Manuale: le approvo io",
        server_url: "",
    };
    erog::version(c, &terms).await?;
    error_next_to(c, "f-daily_calls_per_consumer", "INVALID_BODY").await;
    assert_eq!(value_of(c, "f-daily_calls_per_consumer").await?, "mille");
    assert_eq!(value_of(c, "f-audience").await?, "anagrafe.example");
    accessible(c, axe, "Nuovo e-service, passo 3 non valido").await;
    // Saved without a server: publishing is refused, the summary marks what is missing.
    erog::version(
        c,
        &Version {
            daily_calls_per_consumer: "1000",
            ..terms.clone()
        },
    )
    .await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 4").await;
    button(c, "Pubblica").await?;
    wait_text(c, "main .error", "DESCRIPTOR_INCOMPLETE").await;
    let marked = c.find(Locator::Css("dd.invalid")).await?.text().await?;
    assert!(marked.contains("Manca"), "{marked}");
    assert_eq!(c.find_all(Locator::Css("dd.invalid")).await?.len(), 1);
    accessible(c, axe, "Nuovo e-service, riepilogo incompleto").await;
    link(c, "Modifica la versione").await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 3").await;
    assert_eq!(value_of(c, "f-daily_calls_per_consumer").await?, "1000");
    type_in(c, "f-server_urls", "https://anagrafe.example/api").await?;
    button(c, "Salva in bozza e continua").await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 4").await;
    accessible(c, axe, "Nuovo e-service, riepilogo").await;
    erog::publish(c, NAME).await?;
    let eservice = c
        .current_url()
        .await?
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // A stale form: a new version's draft is published elsewhere (through the API) while its
    // step 3 is open; sending the form shows the engine's refusal, what was typed kept.
    button(c, "Crea bozza nuova versione").await?;
    flash_says(c, "Creata la bozza della versione 2").await;
    let draft = c
        .find(Locator::Css("input[name=versione]"))
        .await?
        .prop("value")
        .await?
        .unwrap();
    apis.pagopa
        .act(&format!(
            "/eservices/{eservice}/descriptors/{draft}/publish"
        ))
        .await
        .expect("published elsewhere");
    type_in(c, "f-description", "Seconda versione, mai salvata").await?;
    button(c, "Salva in bozza e continua").await?;
    wait_text(c, "main .error", "DESCRIPTOR_STATE_CONFLICT").await;
    assert_eq!(
        value_of(c, "f-description").await?,
        "Seconda versione, mai salvata"
    );
    accessible(c, axe, "Modulo non più valido").await;

    // The e-service's page: version 2 active, version 1 deprecated.
    erog::open(c, "I tuoi e-service").await?;
    link(c, NAME).await?;
    heading_is(c, NAME).await;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains("Versione 2 — Attiva") && main.contains("Versione 1 — Deprecata"),
        "{main}"
    );

    // The Comune subscribes (through the API): pending, its verified attribute not verified.
    let a = apis
        .comune
        .post("/agreements", json!({"eservice_id": eservice}))
        .await
        .expect("a request");
    let agreement = dev_stack::world::id(&a, "/id").unwrap();
    apis.comune
        .act(&format!("/agreements/{agreement}/submit"))
        .await
        .expect("submitted");
    erog::open_pending_request(c, "Comune di Esempio", NAME).await?;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains("Gruppo 1: soddisfatto") && main.contains("Gruppo 1: non soddisfatto"),
        "the certified group is satisfied, the verified one not: {main}"
    );
    accessible(c, axe, "Richiesta di fruizione").await;
    screenshot(c, "erogazione-richiesta").await;
    // Approving before verifying: the engine refuses, the page says why.
    button(c, "Approva la richiesta").await?;
    wait_text(c, "main .error", "VERIFIED_ATTRIBUTES_NOT_VERIFIED").await;
    erog::verify_and_approve(c, "Comune di Esempio", NAME, VERIFIED).await?;
    assert_eq!(
        c.find(Locator::Css("dd.request-state"))
            .await?
            .text()
            .await?,
        "Attiva"
    );

    // A purpose above the threshold (2000 > 1000 a day per consumer) waits for approval.
    let p = apis
        .comune
        .post(
            "/purposes",
            json!({"eservice_id": eservice, "title": "Verifiche di residenza",
                   "description": "Controlli di residenza per i servizi comunali",
                   "risk_analysis": {"v": 1}, "daily_calls": 2000}),
        )
        .await
        .expect("a purpose");
    let (purpose, version) = (
        dev_stack::world::id(&p, "/id").unwrap(),
        dev_stack::world::id(&p, "/versions/0/id").unwrap(),
    );
    let activated = apis
        .comune
        .act(&format!("/purposes/{purpose}/versions/{version}/activate"))
        .await
        .expect("activated");
    assert_eq!(activated["versions"][0]["state"], "WAITING_FOR_APPROVAL");
    erog::open(c, "Finalità da approvare").await?;
    accessible(c, axe, "Finalità da approvare").await;
    link(c, "Verifiche di residenza").await?;
    heading_is(c, "Verifiche di residenza").await;
    let main = c.find(Locator::Css("main")).await?.text().await?;
    for part in ["2000 — in attesa di approvazione", "1000", "5000"] {
        assert!(main.contains(part), "{part} in {main}");
    }
    c.find(Locator::Id("f-expected_approval_date"))
        .await?
        .send_keys("01312099")
        .await?;
    assert_eq!(value_of(c, "f-expected_approval_date").await?, "2099-01-31");
    button(c, "Imposta la data prevista").await?;
    flash_says(c, "31/01/2099").await;
    accessible(c, axe, "Finalità").await;
    screenshot(c, "erogazione-finalita").await;
    button(c, "Approva la finalità").await?;
    flash_says(c, "è attiva con 2000 chiamate al giorno").await;

    // Two more purposes wait (the Comune is above its threshold now): one approved with the
    // journey's step, the other's estimate rejected, a reason required.
    for (title, calls) in [("Seconda finalità", 3000), ("Terza finalità", 500)] {
        let p = apis
            .comune
            .post(
                "/purposes",
                json!({"eservice_id": eservice, "title": title,
                       "description": "Altri controlli per i servizi comunali",
                       "risk_analysis": {"v": 1}, "daily_calls": calls}),
            )
            .await
            .expect("a purpose");
        let (purpose, version) = (
            dev_stack::world::id(&p, "/id").unwrap(),
            dev_stack::world::id(&p, "/versions/0/id").unwrap(),
        );
        apis.comune
            .act(&format!("/purposes/{purpose}/versions/{version}/activate"))
            .await
            .expect("activated");
    }
    erog::approve_purpose(c, "Terza finalità", "01312099").await?;
    erog::open(c, "Finalità da approvare").await?;
    let waiting = c.find(Locator::Css("main table")).await?.text().await?;
    assert!(
        waiting.contains("Seconda finalità") && !waiting.contains("Terza finalità"),
        "{waiting}"
    );
    link(c, "Seconda finalità").await?;
    heading_is(c, "Seconda finalità").await;
    button(c, "Rifiuta la stima di carico").await?;
    error_next_to(c, "f-reason", "VALIDATION_FAILED").await;
    type_in(
        c,
        "f-reason",
        "Il carico supera la capacità della nostra infrastruttura",
    )
    .await?;
    button(c, "Rifiuta la stima di carico").await?;
    flash_says(c, "Hai rifiutato la nuova stima di carico").await;

    // Suspend version 2 (confirmed), then reactivate it.
    erog::open(c, "I tuoi e-service").await?;
    link(c, NAME).await?;
    heading_is(c, NAME).await;
    let suspend = "//form[.//button[normalize-space(.)='Sospendi la versione 2']]";
    c.find(Locator::XPath(&format!(
        "{suspend}//input[@name='conferma']"
    )))
    .await?
    .click()
    .await?;
    button(c, "Sospendi la versione 2").await?;
    flash_says(c, "La versione 2 è sospesa").await;
    wait_text(c, "main", "Versione 2 — Sospesa").await;
    button(c, "Riattiva la versione 2").await?;
    flash_says(c, "La versione 2 è riattivata: ora è attiva").await;
    accessible(c, axe, "e-service").await;
    screenshot(c, "erogazione-eservice").await;

    // Usable at 360 px: the e-service, the requests' list, a request.
    c.set_window_size(360, 800).await?;
    no_overflow(c, "e-service").await?;
    erog::open(c, "Richieste di fruizione").await?;
    no_overflow(c, "Richieste di fruizione").await?;
    accessible(c, axe, "Richieste di fruizione").await;
    link(c, "Comune di Esempio").await?;
    no_overflow(c, "richiesta").await?;
    c.set_window_size(1280, 900).await?;

    // The journey's step: another e-service, every step in one call; then cloned.
    let second = erog::create_and_publish(
        c,
        &NewEService {
            name: "Certificati anagrafici",
            description: "Rilascio dei certificati anagrafici ai cittadini",
            certified: &[&[CERTIFIED, "Gestori di pubblici servizi"]],
            verified: &[],
            version: Version {
                description: "Prima versione",
                audience: "certificati.example",
                voucher_lifespan: "300",
                daily_calls_per_consumer: "100",
                daily_calls_total: "1000",
                approval: "Automatica",
                server_url: "https://certificati.example/api",
            },
        },
    )
    .await?;
    assert!(!second.is_empty() && second != eservice);
    let main = c.find(Locator::Css("main")).await?.text().await?;
    assert!(
        main.contains(&format!(
            "Gruppo 1 (certificati): {CERTIFIED} oppure Gestori di pubblici servizi"
        )),
        "{main}"
    );
    button(c, "Clona la versione 1").await?;
    heading_is(c, "Certificati anagrafici - copy").await;
    flash_says(c, "Creato l'e-service «Certificati anagrafici - copy»").await;
    // A stale form: the copy is deleted elsewhere while its step 1 is open; sending it shows the
    // engine's refusal, what was typed kept.
    let copy = c
        .current_url()
        .await?
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    link(c, "Modifica le informazioni generali e gli attributi").await?;
    wait_text(c, "nav.steps [aria-current=step]", "Passo 1").await;
    let deleted = reqwest::Client::new()
        .delete(format!("{}/eservices/{copy}", apis.interop))
        .bearer_auth(&apis.pagopa_token)
        .send()
        .await
        .expect("deleted elsewhere");
    assert_eq!(deleted.status(), reqwest::StatusCode::NO_CONTENT);
    type_in(c, "f-name", "Certificati anagrafici online").await?;
    button(c, "Salva in bozza e continua").await?;
    wait_text(c, "main .error", "ESERVICE_NOT_FOUND").await;
    assert_eq!(
        value_of(c, "f-name").await?,
        "Certificati anagrafici online"
    );
    // Cloned again, and this time deleted here, confirmed.
    erog::open(c, "I tuoi e-service").await?;
    link(c, "Certificati anagrafici").await?;
    heading_is(c, "Certificati anagrafici").await;
    button(c, "Clona la versione 1").await?;
    heading_is(c, "Certificati anagrafici - copy").await;
    // A draft never published is deleted whole, confirmed.
    let delete = "//form[.//button[normalize-space(.)=\"Elimina l'e-service\"]]";
    c.find(Locator::XPath(&format!(
        "{delete}//input[@name='conferma']"
    )))
    .await?
    .click()
    .await?;
    button(c, "Elimina l'e-service").await?;
    heading_is(c, "I tuoi e-service").await;
    flash_says(c, "è stato eliminato").await;

    // A security operator: no "Erogazione" in the nav, every page refused by URL.
    button(c, "Esci").await?;
    heading_is(c, "Accedi").await;
    sign_in(c, "Operatore di sicurezza PagoPA").await?;
    let nav = c.find(Locator::Css("nav.sections")).await?.text().await?;
    assert!(!nav.contains("Erogazione"), "{nav}");
    for path in [
        "/erogazione".to_owned(),
        "/erogazione/e-service".to_owned(),
        "/erogazione/e-service/nuovo".to_owned(),
        format!("/erogazione/e-service/{eservice}"),
        format!("/erogazione/e-service/{eservice}/passo-3"),
        "/erogazione/richieste".to_owned(),
        format!("/erogazione/richieste/{agreement}"),
        "/erogazione/finalita".to_owned(),
        format!("/erogazione/finalita/{purpose}"),
    ] {
        c.goto(&format!("{console}{path}")).await?;
        heading_is(c, "Accesso negato").await;
        let main = c.find(Locator::Css("main")).await?.text().await?;
        assert!(main.contains("ROLE_REQUIRED"), "{path}: {main}");
    }
    Ok(())
}
