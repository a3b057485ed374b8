//! The console's "Fruizione" pages in a real browser, on the development stack, by clicks and
//! typing. PagoPA publishes (through the engine's API) an e-service asking for a certified
//! attribute the Comune holds, a declared one and a verified one; the Comune's administrator
//! opens it in the catalogue, sees what it holds and what is missing, declares and subscribes
//! ("Iscriviti"): the request waits for the producer. PagoPA verifies the attribute and approves
//! (API). The administrator creates a purpose above the threshold (the threshold and the calls
//! left are shown before publishing; then it waits, with its expected approval date), creates a
//! client, pastes a private key (refused, not echoed back), the public key (its RFC 7638 kid,
//! computed here, is shown), attaches the client to an active purpose; a voucher asked for an
//! unattached purpose is refused and the client page says why. The security operator sees only
//! Client (Richieste and Finalità are refused by URL) and uploads a key to their client. axe-core
//! on each main page; screenshots with `RECAPITO_SCREENSHOTS=docs`.

use e2e::browser::{Session, accessible, heading_is, screenshot};
use e2e::console::fruizione::{self as steps, NewPurpose, click, main_contains, main_text};
use e2e::console::{ask_voucher, thumbprint};
use e2e::console::{fits_360, sign_in};
use e2e::fixture;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::path::Path;

/// What the test sets up through the engine's API, as PagoPA's administrator.
struct Producer {
    api: dev_stack::world::Api,
    token: String,
    comune: String,
    verified_attribute: String,
}

const ESERVICE: &str = "Anagrafe di prova";
const DECLARED: &str = "Responsabile della protezione dei dati nominato";
const VERIFIED: &str = "Misure minime di sicurezza ICT";

/// PagoPA's administrator, with a token from the engine's development identity key.
fn producer(env: &dev_stack::DevEnv, data_dir: &Path) -> Producer {
    use interop::domain::Role;
    let config = interop::Config {
        data_dir: std::fs::canonicalize(data_dir).unwrap().join("interop"),
        ..interop::Config::default()
    };
    let idp = interop::app::dev_issuer(&config).expect("the development identity key");
    let admin = env.admins.iter().find(|a| a.name == "PagoPA").unwrap();
    let token = idp
        .mint(
            admin.user_id.parse().unwrap(),
            Some(admin.tenant_id.parse().unwrap()),
            &[Role::Admin],
            600,
        )
        .unwrap();
    let attr = |name: &str| {
        env.attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("the demo attribute {name}"))
            .id
            .clone()
    };
    Producer {
        api: dev_stack::world::Api::new(reqwest::Client::new(), &env.interop_url, token.clone()),
        token,
        comune: env
            .admins
            .iter()
            .find(|a| a.name == "Comune di Esempio")
            .unwrap()
            .tenant_id
            .clone(),
        verified_attribute: attr(VERIFIED),
    }
}

impl Producer {
    /// Announces when the purpose's waiting version will be approved.
    async fn expect_approval(&self, env: &dev_stack::DevEnv, purpose: &str, date: &str) {
        let http = reqwest::Client::new();
        let p: Value = http
            .get(format!("{}/purposes/{purpose}", env.interop_url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let waiting = p["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["state"] == "WAITING_FOR_APPROVAL")
            .expect("a waiting version");
        let status = http
            .put(format!(
                "{}/purposes/{purpose}/versions/{}/expected-approval-date",
                env.interop_url,
                waiting["id"].as_str().unwrap()
            ))
            .bearer_auth(&self.token)
            .json(&json!({ "expected_approval_date": date }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, reqwest::StatusCode::OK);
    }
}

/// PagoPA publishes [`ESERVICE`]: the Comune's certified category, [`DECLARED`], and
/// [`VERIFIED`] verified by PagoPA itself; 100 calls a day per consumer, 1000 in all.
async fn publish(p: &Producer, env: &dev_stack::DevEnv) -> String {
    let attr = |name: &str| {
        env.attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .id
            .clone()
    };
    let e = p
        .api
        .post(
            "/eservices",
            json!({"name": ESERVICE, "description": "Consultazione dei dati anagrafici di prova",
                "technology": "REST", "mode": "DELIVER",
                "attributes": {
                    "certified": [[{"id": attr("Comuni e loro Consorzi e Associazioni")}]],
                    "declared": [[{"id": attr(DECLARED)}]],
                    "verified": [[{"id": p.verified_attribute, "explicit_verification": true}]],
                },
                "descriptor": {"audience": ["anagrafe-prova"], "voucher_lifespan": 600,
                    "daily_calls_per_consumer": 100, "daily_calls_total": 1000,
                    "agreement_approval_policy": "AUTOMATIC", "server_urls": ["https://anagrafe.example/"]}}),
        )
        .await
        .expect("created");
    let (id, did) = (
        dev_stack::world::id(&e, "/id").unwrap(),
        dev_stack::world::id(&e, "/descriptors/0/id").unwrap(),
    );
    p.api
        .act(&format!("/eservices/{id}/descriptors/{did}/publish"))
        .await
        .expect("published");
    id
}

#[tokio::test]
async fn the_consumer_subscribes_creates_a_purpose_and_a_client_with_its_key_in_a_browser() {
    let Some(s) = Session::start().await else {
        return;
    };
    let p = producer(&s.env, s.dir.path());
    let eservice = publish(&p, &s.env).await;
    let result = walk(&s.client, &s.env, &p, &eservice, &s.axe).await;
    s.finish("fruizione", result).await;
}

async fn walk(
    c: &Client,
    env: &dev_stack::DevEnv,
    p: &Producer,
    eservice: &str,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let console = &env.console_url;
    sign_in(c, console, "Admin Comune di Esempio").await?;

    // The version's attribute groups: the certified one held, the declared one missing, the
    // verified one to be verified by the producer.
    let missing = steps::open_version(c, ESERVICE, 1).await?;
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(
        missing[0].starts_with("Mancante") && missing[0].contains(DECLARED),
        "{missing:?}"
    );
    assert!(
        missing[1].starts_with("Da verificare dall'erogatore") && missing[1].contains(VERIFIED),
        "{missing:?}"
    );
    let main = main_text(c).await?;
    assert!(main.contains("Posseduto — uno tra:"), "{main}");
    accessible(c, axe, "versione con Iscriviti").await;
    screenshot(c, "fruizione-iscriviti").await;

    // "Iscriviti": the declared attribute declared, the request submitted and pending.
    let flash =
        steps::subscribe(c, &[DECLARED], "Per i procedimenti anagrafici del Comune").await?;
    assert!(
        flash.contains("In attesa di approvazione")
            && flash.contains(&format!("L'erogatore deve verificare: {VERIFIED}")),
        "{flash}"
    );
    let agreement = c
        .current_url()
        .await?
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let main = main_text(c).await?;
    assert!(
        main.contains("Per i procedimenti anagrafici del Comune"),
        "{main}"
    );
    accessible(c, axe, "richiesta").await;
    // The list of requests shows it.
    click(c, "Le mie richieste").await?;
    heading_is(c, "Le mie richieste").await;
    main_contains(c, ESERVICE).await?;
    accessible(c, axe, "Le mie richieste").await;

    // PagoPA verifies the attribute and approves the request (through the API).
    p.api
        .post(
            &format!("/tenants/{}/attributes/verified", p.comune),
            json!({"id": p.verified_attribute}),
        )
        .await
        .expect("verified");
    p.api
        .act(&format!("/agreements/{agreement}/approve"))
        .await
        .expect("approved");

    // A purpose above the threshold: the thresholds on the form, the calls left on the draft's
    // page before publishing, then the waiting state.
    let title = "Verifica residenza";
    steps::fill_purpose(
        c,
        &NewPurpose {
            eservice: ESERVICE,
            title,
            description: "Verifica della residenza dei richiedenti",
            daily_calls: 500,
        },
    )
    .await?;
    let main = main_text(c).await?;
    assert!(
        main.contains(&format!("{ESERVICE} 100 1000")),
        "thresholds: {main}"
    );
    accessible(c, axe, "Nuova finalità").await;
    c.execute("window.scrollTo(0, 0);", vec![]).await?;
    screenshot(c, "fruizione-finalita-nuova").await;
    let purpose = steps::save_purpose(c, title).await?;
    let main = main_text(c).await?;
    for part in [
        "Soglia per fruitore (chiamate al giorno)\n100",
        "Ancora disponibili per il tuo ente\n100",
        "Questa finalità chiede 500 chiamate al giorno: supera le chiamate disponibili",
    ] {
        assert!(main.contains(part), "{part} in {main}");
    }
    accessible(c, axe, "finalità in bozza").await;
    let flash = steps::publish_purpose(c).await?;
    assert!(
        flash.contains("in attesa dell'approvazione dell'erogatore"),
        "{flash}"
    );
    let main = main_text(c).await?;
    assert!(
        main.contains("L'erogatore non ha ancora indicato una data prevista di approvazione."),
        "{main}"
    );
    assert!(main.contains("No. Cosa la blocca:"), "operativity: {main}");
    // The producer sets the expected approval date; the consumer reads it.
    p.expect_approval(env, &purpose, "2099-01-31").await;
    c.refresh().await?;
    main_contains(c, "Data prevista di approvazione: 31/01/2099.").await?;
    accessible(c, axe, "finalità in attesa").await;
    fits_360(c, "finalità").await?;

    // The request: suspended and reactivated on the Comune's side; PagoPA publishes version 2,
    // "Aggiornamento disponibile", and the upgrade (confirmed) moves the request to it.
    steps::open_request(c, ESERVICE).await?;
    let flash = steps::act(c, "Sospendi", true).await?;
    assert!(flash.contains("Stato: Sospesa"), "{flash}");
    main_contains(c, "dal tuo ente (fruitore)").await?;
    let flash = steps::act(c, "Riattiva", false).await?;
    assert!(flash.contains("Stato: Attiva"), "{flash}");
    let d = p
        .api
        .act(&format!("/eservices/{eservice}/descriptors"))
        .await
        .expect("version 2");
    let d = dev_stack::world::id(&d, "/id").unwrap();
    p.api
        .act(&format!("/eservices/{eservice}/descriptors/{d}/publish"))
        .await
        .expect("version 2 published");
    c.refresh().await?;
    main_contains(c, "È pubblicata la versione 2").await?;
    accessible(c, axe, "richiesta con aggiornamento").await;
    let flash = steps::act(c, "Aggiorna alla nuova versione", true).await?;
    assert!(
        flash.contains("Richiesta aggiornata alla nuova versione")
            && flash.contains("Stato: Attiva"),
        "{flash}"
    );
    main_contains(c, &format!("{ESERVICE}, versione 2")).await?;

    // A purpose under the threshold: active at once; a new estimate, suspended, reactivated,
    // archived.
    let small = "Controllo anagrafico";
    steps::fill_purpose(
        c,
        &NewPurpose {
            eservice: ESERVICE,
            title: small,
            description: "Controllo dei dati anagrafici dichiarati",
            daily_calls: 50,
        },
    )
    .await?;
    steps::save_purpose(c, small).await?;
    main_contains(
        c,
        "rientra nella soglia, quindi pubblicandola sarà attiva subito",
    )
    .await?;
    let flash = steps::publish_purpose(c).await?;
    assert!(flash.contains("Stato: attiva."), "{flash}");
    main_contains(c, "Sì: i client associati possono ottenere voucher.").await?;
    let flash = steps::new_estimate(c, 80).await?;
    assert_eq!(flash, "Nuova stima di carico registrata. Stato: attiva.");
    let flash = steps::act(c, "Sospendi", true).await?;
    assert!(flash.starts_with("Finalità sospesa"), "{flash}");
    main_contains(c, "No. Cosa la blocca:").await?;
    let flash = steps::act(c, "Riattiva", false).await?;
    assert!(flash.ends_with("Stato: attiva."), "{flash}");
    let flash = steps::act(c, "Archivia", true).await?;
    assert!(flash.starts_with("Finalità archiviata."), "{flash}");

    // A client with the administrator and the security operator as members.
    let client = steps::create_client(
        c,
        "Client anagrafe",
        false,
        &[
            "Admin Comune di Esempio",
            "Operatore di sicurezza Comune di Esempio",
        ],
    )
    .await?;
    // A private key pasted: refused next to the field, the field emptied, the key not shown.
    let private = fixture("keys/client-b.key.pem");
    let page = steps::upload_key(c, "Chiave sbagliata", &private).await?;
    assert!(page.contains("Hai incollato una chiave privata"), "{page}");
    let field = c
        .find(Locator::Css("textarea[name=chiave]"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(
        field.as_deref(),
        Some(""),
        "the private key is not echoed back"
    );
    let secret_line = private.lines().nth(1).unwrap();
    assert!(
        !c.source().await?.contains(secret_line),
        "the private key is not in the page"
    );
    let invalid = c
        .find(Locator::Css("textarea[name=chiave]"))
        .await?
        .attr("aria-invalid")
        .await?;
    assert_eq!(invalid.as_deref(), Some("true"));
    // The public key: its kid is the RFC 7638 thumbprint.
    let public = fixture("keys/client-b.pub.pem");
    let kid = thumbprint(&public);
    let page = steps::upload_key(c, "Chiave del Comune", &public).await?;
    assert!(
        page.contains(&format!("Chiave caricata. Il suo kid (RFC 7638) è {kid}")),
        "{page}"
    );
    assert_eq!(steps::kids(c).await?, vec![kid.clone()]);
    // Attached to the Comune's active purpose on "Recapito messaggi".
    let flash = steps::attach_purpose(c, "Uso di Recapito messaggi").await?;
    assert!(flash.contains("Client associato alla finalità"), "{flash}");

    // A voucher for the purpose the client is not attached to: refused, and the client's page
    // says why.
    assert_eq!(
        ask_voucher(
            &env.token_endpoint,
            &env.client_assertion_audience,
            &client,
            &kid,
            &fixture("keys/client-b.key.pem"),
            &purpose
        )
        .await,
        401
    );
    steps::open_client(c, "Client anagrafe").await?;
    let causes = steps::refusal_causes(c).await?;
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert!(
        causes[0].starts_with("Il client non è associato alla finalità indicata")
            && causes[0].contains("CLIENT_NOT_ON_PURPOSE"),
        "{causes:?}"
    );
    accessible(c, axe, "client").await;
    screenshot(c, "fruizione-client").await;
    fits_360(c, "client").await?;
    // An operator removed from the client (confirmed) and added again.
    let flash = steps::act(c, "Rimuovi l'operatore", true).await?;
    assert_eq!(
        flash,
        "Operatore rimosso dal client; le chiavi che ha caricato restano."
    );
    let flash = steps::act(c, "Aggiungi", false).await?;
    assert_eq!(flash, "Operatore aggiunto al client.");
    assert_eq!(c.find_all(Locator::Css("ul.members > li")).await?.len(), 2);
    // Detached from the purpose (confirmed), attached again.
    let flash = steps::act(c, "Rimuovi dalla finalità", true).await?;
    assert_eq!(flash, "Client tolto dalla finalità.");
    steps::attach_purpose(c, "Uso di Recapito messaggi").await?;
    // An API client (Interop M2M), created and deleted (confirmed).
    steps::create_client(c, "Client M2M", true, &[]).await?;
    main_contains(c, "servono solo per ottenere i token dell'API Interop M2M").await?;
    let flash = steps::act(c, "Elimina il client", true).await?;
    assert_eq!(flash, "Client eliminato, con le sue chiavi.");
    heading_is(c, "Gestione client").await;
    steps::open_client(c, "Client anagrafe").await?;
    // In English, the causes too.
    steps::navigate(
        c,
        c.find(Locator::XPath(
            "//footer//button[normalize-space(.)='English']",
        ))
        .await?,
    )
    .await?;
    // Back on the very page, in English.
    heading_is(c, "Client anagrafe").await;
    let main = main_contains(c, "Why a voucher was refused").await?;
    assert!(
        main.contains("The client is not attached to the purpose named"),
        "{main}"
    );
    steps::navigate(
        c,
        c.find(Locator::XPath(
            "//footer//button[normalize-space(.)='Italiano']",
        ))
        .await?,
    )
    .await?;
    heading_is(c, "Client anagrafe").await;
    click(c, "Gestione client").await?;
    heading_is(c, "Gestione client").await;
    accessible(c, axe, "Gestione client").await;
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accedi").await;

    // The security operator: Client only; Richieste and Finalità refused by URL.
    sign_in(c, console, "Operatore di sicurezza Comune di Esempio").await?;
    c.find(Locator::XPath(
        "//nav[@aria-label='Sezioni']//a[normalize-space(.)='Fruizione']",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Fruizione").await;
    let main = main_text(c).await?;
    assert!(
        main.contains("Gestione client")
            && !main.contains("Le mie richieste")
            && !main.contains("Le mie finalità"),
        "{main}"
    );
    for path in [
        "/fruizione/richieste",
        "/fruizione/finalita",
        "/fruizione/finalita/nuova",
    ] {
        c.goto(&format!("{console}{path}")).await?;
        heading_is(c, "Accesso negato").await;
    }
    steps::open_clients(c).await?;
    let names: Vec<String> = {
        let mut v = Vec::new();
        for a in c
            .find_all(Locator::Css("main table tbody td:first-child a"))
            .await?
        {
            v.push(a.text().await?);
        }
        v
    };
    assert_eq!(
        names,
        ["Client anagrafe"],
        "only the clients they are a member of"
    );
    steps::open_client(c, "Client anagrafe").await?;
    let other = fixture("keys/client-a.pub.pem");
    let page = steps::upload_key(c, "Chiave dell'operatore", &other).await?;
    assert!(
        page.contains(&format!(
            "Chiave caricata. Il suo kid (RFC 7638) è {}",
            thumbprint(&other)
        )),
        "{page}"
    );
    assert_eq!(steps::kids(c).await?.len(), 2);
    accessible(c, axe, "client, operatore di sicurezza").await;
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accedi").await;

    // PagoPA's administrator lacks the certified attribute: the request is created but stays a
    // draft, the message says what is missing; the draft is deleted (confirmed).
    sign_in(c, console, "Admin PagoPA").await?;
    let missing = steps::open_version(c, ESERVICE, 2).await?;
    assert!(
        missing[0].starts_with("Mancante") && missing[0].contains("Comuni e loro Consorzi"),
        "{missing:?}"
    );
    let flash = steps::subscribe(c, &[DECLARED], "").await?;
    assert!(
        flash.contains("Richiesta creata ma non inoltrata")
            && flash.contains("Attributi certificati mancanti")
            && flash.contains(
                "Mancano gli attributi certificati: Comuni e loro Consorzi e Associazioni."
            ),
        "{flash}"
    );
    let flash = steps::act(c, "Elimina la bozza", true).await?;
    assert_eq!(flash, "La bozza di richiesta è stata eliminata.");
    heading_is(c, "Le mie richieste").await;
    Ok(())
}
