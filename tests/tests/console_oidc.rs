//! The web console's OpenID Connect sign-in against a real OpenID provider: oidc-provider
//! (OpenID-certified) under node, run by `tests/oidc/provider.js`, with ES256 ID tokens carrying
//! `tenant_id` and `roles`. The engine verifies them with the provider's key set, found through
//! its discovery document (`identity.discovery_url`), with `identity.audience` = the console's
//! client id; the console runs the authorization code flow with PKCE in Debian's Chromium
//! (WebDriver, fantoccini), typing into the provider's login form.
//!
//! It checks: a tampered `state` is refused (`OIDC_STATE_INVALID`, 400); the provider's error
//! (the user cancels at the provider) is shown (`OIDC_PROVIDER_ERROR`); an ID token for another
//! audience is refused by the console itself (`OIDC_TOKEN_INVALID`); a user the provider knows
//! but who is not a user of the tenant their token names is refused by the engine
//! (`USER_NOT_REGISTERED`); an ID token listing three tenants makes the console ask which, and
//! get a token naming the chosen one from the provider: the tenant whose user she is not is
//! refused by the engine (`USER_NOT_REGISTERED`); the two that registered her sign her in, each
//! with the role it granted (the catalogue shows, the header names the user, the tenant and the
//! role); signing out goes through the provider's end-session page and back to the sign-in
//! page, and the session is over.
//!
//! `scripts/test` runs `scripts/browser` and `scripts/oidc`, which install the browser, axe-core
//! and oidc-provider and export RECAPITO_CHROMIUM, RECAPITO_CHROMEDRIVER, RECAPITO_AXE_JS,
//! RECAPITO_NODE and RECAPITO_OIDC_PROVIDER. Without them the test fails under CI=true and skips
//! loudly otherwise.

use e2e::Engine;
use e2e::browser::{Browser, accessible, browser, connect, free_port, heading_is, start_driver};
use e2e::world::{Terms, publish};
use fantoccini::{Client, Locator};
use interop::domain::ids::UserId;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The console's client id at the provider, and the engine's identity audience.
const CLIENT_ID: &str = "recapito-console";

/// The browser, and node with oidc-provider.
struct Tools {
    browser: Browser,
    node: String,
    provider: PathBuf,
}

fn tools() -> Option<Tools> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| Path::new(v).exists());
    let (Some(node), Some(provider)) = (var("RECAPITO_NODE"), var("RECAPITO_OIDC_PROVIDER")) else {
        let why = "RECAPITO_NODE and RECAPITO_OIDC_PROVIDER must name existing files: run \
                   `eval \"$(scripts/oidc)\"` (scripts/test does)";
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("the console's OpenID Connect test cannot run: {why}");
        }
        // Straight to stderr: the test harness would capture `eprintln!`.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the console's OpenID Connect test: {why} ***\n"
        );
        return None;
    };
    Some(Tools {
        browser: browser()?,
        node,
        provider: provider.into(),
    })
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// oidc-provider on a free port, for the console at `console_url`, with `accounts`; its issuer.
fn start_provider(t: &Tools, console_url: &str, accounts: &Value) -> (Process, String) {
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.js");
    let mut child = Command::new(&t.node)
        .arg(&script)
        .env("RECAPITO_OIDC_PROVIDER", &t.provider)
        .env("PORT", port.to_string())
        .env("CONSOLE_URL", console_url)
        .env("ACCOUNTS", accounts.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().unwrap();
    let process = Process(child);
    let mut lines = BufReader::new(stdout);
    let mut first = String::new();
    lines
        .read_line(&mut first)
        .expect("the provider's first line");
    // Keep reading: a closed pipe would end the provider at its next line.
    std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "oidc-provider: {line}");
        }
    });
    let issuer = first
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("the provider did not start: {first:?}"))
        .to_owned();
    (process, issuer)
}

/// Waits for an element of the provider's pages.
async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let source = c.source().await.unwrap_or_default();
    panic!("no {css} at {url}: {source}");
}

#[tokio::test]
async fn the_console_signs_in_with_a_real_openid_provider() {
    let Some(t) = tools() else { return };
    let axe = std::fs::read_to_string(&t.browser.axe).expect("axe-core");
    let dir = tempfile::tempdir().unwrap();

    // The world, built with the tests' static identity key: a tenant whose administrator
    // publishes an e-service.
    let engine = Engine::spawn_at(dir.path().to_path_buf()).await;
    let admin = engine.tenant("Comune di Prova").await;
    publish(&admin, &Terms::new("https://oidc.example/servizio")).await;
    let tenant = admin.tenant.unwrap().to_string();
    // A second tenant, whose users Ada is not one of.
    let second = engine
        .tenant("Provincia di Prova")
        .await
        .tenant
        .unwrap()
        .to_string();
    // A third, whose administrator registered Ada too, as a security operator: one person, a
    // user of two tenants with other roles in each.
    let union = engine.tenant("Unione dei Comuni").await;
    let third = union.tenant.unwrap().to_string();
    union
        .post(
            &format!("/tenants/{third}/users"),
            json!({"id": admin.id, "name": "Ada Rossi", "roles": ["security"]}),
        )
        .await
        .expect_status(reqwest::StatusCode::CREATED);
    drop(engine);

    // The provider lists both tenants for the Comune's administrator (as a provider would for
    // someone who works for two), and knows someone who claims the Comune but is not one of its
    // users.
    let console_port = free_port();
    let console_url = format!("http://127.0.0.1:{console_port}");
    let outsider = UserId::random();
    let accounts = json!({
        admin.id.to_string(): {"name": "Ada Rossi", "tenants": [
            {"tenant_id": tenant, "roles": ["admin"], "name": "Comune di Prova"},
            {"tenant_id": second, "roles": ["admin"], "name": "Provincia di Prova"},
            {"tenant_id": third, "roles": ["security"], "name": "Unione dei Comuni"},
        ]},
        outsider.to_string(): {"name": "Estraneo", "tenant_id": tenant, "roles": ["admin"]},
    });
    let (_provider, issuer) = start_provider(&t, &console_url, &accounts);

    // The engine again, now trusting the provider's key set (by discovery), for the console.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut config = e2e::engine_config(dir.path().to_path_buf());
    config.identity.issuer = issuer.clone();
    config.identity.audience = CLIENT_ID.into();
    config.identity.public_key_path = None;
    config.identity.discovery_url = Some(format!("{issuer}/.well-known/openid-configuration"));
    let engine = Engine::spawn_config(config).await;

    let console = console::build(console::Config {
        bind: format!("127.0.0.1:{console_port}"),
        engine_url: engine.base.clone(),
        oidc: Some(console::config::OidcConfig {
            issuer: issuer.clone(),
            name: "Fornitore di prova".into(),
            client_id: CLIENT_ID.into(),
            client_secret: None,
            redirect_url: format!("{console_url}/accesso/oidc/ritorno"),
            scopes: vec!["profile".into(), "recapito".into()],
            post_logout_redirect_url: String::new(),
        }),
        ..console::Config::default()
    })
    .await
    .expect("the console starts");
    let console_task = tokio::spawn(async move {
        let _ = console.run_until(std::future::pending()).await;
    });

    // Without the browser's session, any state is unknown: 400 with its code.
    let res = reqwest::get(format!(
        "{console_url}/accesso/oidc/ritorno?code=abc&state=inventato"
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("OIDC_STATE_INVALID"));

    let (_driver, driver_url) = start_driver(&t.browser).await;
    let c = connect(&t.browser, &driver_url).await;
    let result = walk(
        &c,
        &console_url,
        &admin.id.to_string(),
        &outsider.to_string(),
        &axe,
    )
    .await;
    let _ = c.close().await;
    console_task.abort();
    result.unwrap();
}

/// Starts a sign-in from a fresh browser (no console or provider session): clicks "Accedi con",
/// and waits for the provider's login form.
async fn to_the_provider(c: &Client, console: &str) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{console}/accesso")).await?;
    c.delete_all_cookies().await?;
    c.goto(&format!("{console}/accesso")).await?;
    heading_is(c, "Accedi").await;
    c.find(Locator::XPath(
        "//button[normalize-space(.)='Accedi con Fornitore di prova']",
    ))
    .await?
    .click()
    .await?;
    wait_for(c, "input[name=login]").await;
    Ok(())
}

/// Types `login` (and any password) into the provider's form, and submits it.
async fn sign_in_as(c: &Client, login: &str) -> Result<(), fantoccini::error::CmdError> {
    wait_for(c, "input[name=login]")
        .await
        .send_keys(login)
        .await?;
    c.find(Locator::Css("input[name=password]"))
        .await?
        .send_keys("qualsiasi")
        .await?;
    c.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await
}

async fn main_text(c: &Client) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css("main")).await?.text().await
}

/// Waits for the page telling the engine's refusal with `code`.
async fn refused_by_the_engine(c: &Client, code: &str) {
    let mut main = String::new();
    for _ in 0..100 {
        main = main_text(c).await.unwrap_or_default();
        if main.contains(code) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {code} on the page: {main}");
}

async fn walk(
    c: &Client,
    console: &str,
    admin: &str,
    outsider: &str,
    axe: &str,
) -> Result<(), fantoccini::error::CmdError> {
    // The sign-in page offers the provider (and no development list).
    c.goto(console).await?;
    heading_is(c, "Accedi").await;
    let main = main_text(c).await?;
    assert!(main.contains("Accedi con Fornitore di prova"), "{main}");
    assert!(!main.contains("Accesso di sviluppo"), "{main}");
    accessible(c, axe, "Accedi").await;

    // A tampered state: the browser's sign-in is under way, the callback names another state.
    to_the_provider(c, console).await?;
    c.goto(&format!(
        "{console}/accesso/oidc/ritorno?code=rubato&state=manomesso"
    ))
    .await?;
    heading_is(c, "Accesso non riuscito").await;
    let main = main_text(c).await?;
    assert!(main.contains("OIDC_STATE_INVALID"), "{main}");
    accessible(c, axe, "Accesso non riuscito").await;

    // The user cancels at the provider: its error is shown.
    to_the_provider(c, console).await?;
    c.find(Locator::XPath("//a[contains(., 'Cancel')]"))
        .await?
        .click()
        .await?;
    heading_is(c, "Accesso non riuscito").await;
    let main = main_text(c).await?;
    assert!(
        main.contains("access_denied") && main.contains("OIDC_PROVIDER_ERROR"),
        "{main}"
    );

    // An ID token for another audience (signed by the provider's own key): the console refuses it.
    to_the_provider(c, console).await?;
    sign_in_as(c, "aud-altro").await?;
    heading_is(c, "Accesso non riuscito").await;
    let main = main_text(c).await?;
    assert!(main.contains("OIDC_TOKEN_INVALID"), "{main}");
    c.goto(&format!("{console}/catalogo")).await?;
    heading_is(c, "Accedi").await;

    // A valid token naming a tenant its user is not registered in: the engine refuses.
    to_the_provider(c, console).await?;
    sign_in_as(c, outsider).await?;
    refused_by_the_engine(c, "USER_NOT_REGISTERED").await;
    c.goto(&format!("{console}/catalogo")).await?;
    heading_is(c, "Accedi").await;

    // The administrator signs in. The provider lists two tenants: the console asks which, then
    // asks the provider for a token naming the chosen one (without a second login). The
    // Provincia, whose user she is not, is the engine's to refuse.
    to_the_provider(c, console).await?;
    sign_in_as(c, admin).await?;
    heading_is(c, "Scegli l'ente").await;
    let main = main_text(c).await?;
    assert!(
        main.contains("Accedi per Comune di Prova")
            && main.contains("Accedi per Provincia di Prova")
            && main.contains("Accedi per Unione dei Comuni"),
        "{main}"
    );
    accessible(c, axe, "Scegli l'ente").await;
    c.find(Locator::XPath(
        "//button[normalize-space(.)='Accedi per Provincia di Prova']",
    ))
    .await?
    .click()
    .await?;
    refused_by_the_engine(c, "USER_NOT_REGISTERED").await;
    c.goto(&format!("{console}/catalogo")).await?;
    heading_is(c, "Accedi").await;

    // The Unione, where she is a security operator: signed in there, with that role.
    to_the_provider(c, console).await?;
    sign_in_as(c, admin).await?;
    heading_is(c, "Scegli l'ente").await;
    c.find(Locator::XPath(
        "//button[normalize-space(.)='Accedi per Unione dei Comuni']",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    let header = c.find(Locator::Css("header .who")).await?.text().await?;
    assert!(
        header.contains("Ada Rossi")
            && header.contains("Unione dei Comuni")
            && header.contains("Operatore di sicurezza"),
        "{header}"
    );
    // Signed out at the provider too (its end-session page), back on the sign-in page.
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    wait_for(c, "button[name=logout]").await.click().await?;
    heading_is(c, "Accedi").await;

    // Choosing the Comune: the catalogue, and the header names the user and the tenant.
    to_the_provider(c, console).await?;
    sign_in_as(c, admin).await?;
    heading_is(c, "Scegli l'ente").await;
    c.find(Locator::XPath(
        "//button[normalize-space(.)='Accedi per Comune di Prova']",
    ))
    .await?
    .click()
    .await?;
    heading_is(c, "Catalogo e-service").await;
    assert!(c.current_url().await?.path().ends_with("/catalogo"));
    let header = c.find(Locator::Css("header .who")).await?.text().await?;
    assert!(
        header.contains("Ada Rossi")
            && header.contains("Comune di Prova")
            && header.contains("Amministratore"),
        "{header}"
    );
    let main = main_text(c).await?;
    assert!(
        main.contains("E-service https://oidc.example/servizio"),
        "{main}"
    );
    accessible(c, axe, "Catalogo e-service").await;

    // Sign-out: the provider's end-session page, then back to the console's sign-in page.
    c.find(Locator::XPath("//button[normalize-space(.)='Esci']"))
        .await?
        .click()
        .await?;
    let url = {
        let mut url = c.current_url().await?;
        for _ in 0..50 {
            if url.path().starts_with("/session/end") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            url = c.current_url().await?;
        }
        url
    };
    assert!(url.path().starts_with("/session/end"), "at {url}");
    wait_for(c, "button[name=logout]").await.click().await?;
    heading_is(c, "Accedi").await;
    assert!(c.current_url().await?.path().ends_with("/accesso"));
    c.goto(&format!("{console}/catalogo")).await?;
    heading_is(c, "Accedi").await;
    assert!(
        c.current_url().await?.path().ends_with("/accesso"),
        "signed out"
    );
    Ok(())
}
