//! The Interop user guide's whole journey in the console, in a real browser (Chromium through
//! chromedriver), by clicks and typing only, on the development stack:
//!
//! 1. PagoPA's administrator creates and publishes an e-service with a certified attribute group
//!    (which the Comune holds) and a verified one (which nobody has verified yet);
//! 2. the Comune's administrator opens it in the catalogue, sees what is missing (the verified
//!    attribute) and subscribes: the request waits for the producer;
//! 3. PagoPA's administrator verifies the attribute and approves the request;
//! 4. the Comune's administrator creates a purpose above the threshold: it waits;
//! 5. PagoPA's administrator sets the expected date and approves it;
//! 6. the Comune's administrator creates a client, uploads a public key (its RFC 7638 kid shown)
//!    and attaches the client to the purpose;
//! 7. outside the browser, a voucher is obtained with that key; a second request, for a purpose
//!    the client is not attached to, is refused, and the client's page shows why;
//! 8. a security operator sees no "Erogazione" and is refused its pages by URL.
//!
//! Needs `eval "$(scripts/browser)"`; without it the test fails under CI=true and skips loudly
//! otherwise.

use e2e::browser::{Session, accessible, heading_is};
use e2e::console::erogazione::{self as erog, NewEService, Version};
use e2e::console::fruizione::{self as fru, NewPurpose, click, main_contains};
use e2e::console::{ask_voucher, thumbprint};
use e2e::fixture;
use fantoccini::{Client, Locator};

const ESERVICE: &str = "Certificati di residenza";
const CERTIFIED: &str = "Comuni e loro Consorzi e Associazioni";
const VERIFIED: &str = "Misure minime di sicurezza ICT";
const PURPOSE: &str = "Certificati per lo sportello";

#[tokio::test]
async fn the_user_guides_journey_from_publication_to_a_refused_voucher_by_clicks() {
    let Some(s) = Session::start().await else {
        return;
    };
    let result = walk(&s.client, &s.env, &s.axe).await;
    s.finish("journey", result).await;
}

/// From the sign-in page: "Accedi come `who`".
async fn sign_in(c: &Client, who: &str) -> Result<(), fantoccini::error::CmdError> {
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(&format!(
        "//button[starts-with(normalize-space(.), 'Accedi come {who}')]"
    )))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    Ok(())
}

/// "Esci", back to the sign-in page.
async fn sign_out(c: &Client) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::XPath(
        "//header//button[normalize-space(.)='Esci']",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Accedi").await;
    Ok(())
}

async fn walk(
    c: &Client,
    env: &dev_stack::DevEnv,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&env.console_url).await?;

    // 1. The producer publishes.
    sign_in(c, "Admin PagoPA").await?;
    erog::create_and_publish(
        c,
        &NewEService {
            name: ESERVICE,
            description: "Rilascio dei certificati di residenza agli sportelli",
            certified: &[&[CERTIFIED]],
            verified: &[&[(VERIFIED, true)]],
            version: Version {
                description: "Prima versione",
                audience: "residenza.example",
                voucher_lifespan: "300",
                daily_calls_per_consumer: "100",
                daily_calls_total: "1000",
                approval: "Automatica",
                server_url: "https://residenza.example/api",
            },
        },
    )
    .await?;
    sign_out(c).await?;

    // 2. The consumer sees what is missing and subscribes.
    sign_in(c, "Admin Comune di Esempio").await?;
    let missing = fru::open_version(c, ESERVICE, 1).await?;
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].contains(VERIFIED), "{missing:?}");
    accessible(c, axe, "versione con Iscriviti").await;
    let said = fru::subscribe(c, &[], "Per lo sportello anagrafe").await?;
    assert!(said.contains(VERIFIED), "{said}");
    sign_out(c).await?;

    // 3. The producer verifies the attribute and approves.
    sign_in(c, "Admin PagoPA").await?;
    erog::verify_and_approve(c, "Comune di Esempio", ESERVICE, VERIFIED).await?;
    sign_out(c).await?;

    // 4. The consumer's purpose, above the threshold of 100 calls a day: it waits.
    sign_in(c, "Admin Comune di Esempio").await?;
    fru::fill_purpose(
        c,
        &NewPurpose {
            eservice: ESERVICE,
            title: PURPOSE,
            description: "Certificati di residenza chiesti allo sportello",
            daily_calls: 500,
        },
    )
    .await?;
    let purpose = fru::save_purpose(c, PURPOSE).await?;
    let said = fru::publish_purpose(c).await?;
    assert!(said.to_lowercase().contains("attesa"), "{said}");
    sign_out(c).await?;

    // 5. The producer sets the expected date and approves it.
    sign_in(c, "Admin PagoPA").await?;
    erog::approve_purpose(c, PURPOSE, "01312099").await?;
    sign_out(c).await?;

    // 6. The consumer's client, its key and the purpose.
    sign_in(c, "Admin Comune di Esempio").await?;
    let client =
        fru::create_client(c, "Client sportello", false, &["Admin Comune di Esempio"]).await?;
    let public = fixture("keys/client-a.pub.pem");
    let kid = thumbprint(&public);
    let page = fru::upload_key(c, "Chiave dello sportello", &public).await?;
    assert!(page.contains(&kid), "{page}");
    let said = fru::attach_purpose(c, PURPOSE).await?;
    assert!(said.contains("Client associato alla finalità"), "{said}");

    // 7. A voucher with that key; then one for a purpose the client is not attached to.
    let private = fixture("keys/client-a.key.pem");
    let (endpoint, audience) = (&env.token_endpoint, &env.client_assertion_audience);
    let ok = ask_voucher(endpoint, audience, &client, &kid, &private, &purpose).await;
    assert_eq!(ok, 200, "the voucher for the attached purpose");
    let other = env.sender.purpose_id.clone();
    let refused = ask_voucher(endpoint, audience, &client, &kid, &private, &other).await;
    assert_eq!(refused, 401, "a voucher for another purpose");
    fru::open_client(c, "Client sportello").await?;
    let causes = fru::refusal_causes(c).await?;
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert!(causes[0].contains("CLIENT_NOT_ON_PURPOSE"), "{causes:?}");
    accessible(c, axe, "client con i rifiuti").await;
    sign_out(c).await?;

    // 8. A security operator: no producer's pages, not even by URL.
    sign_in(c, "Operatore di sicurezza Comune di Esempio").await?;
    let nav = c.find(Locator::Css("nav.sections")).await?.text().await?;
    assert!(!nav.contains("Erogazione"), "{nav}");
    for path in [
        "/erogazione",
        "/erogazione/richieste",
        "/erogazione/finalita",
    ] {
        c.goto(&format!("{}{path}", env.console_url)).await?;
        heading_is(c, "Accesso negato").await;
    }
    click(c, "Torna al catalogo").await?;
    heading_is(c, "Catalogo e-service").await;
    main_contains(c, ESERVICE).await?;
    Ok(())
}
