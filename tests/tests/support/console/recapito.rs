//! Steps in the console's "Recapito" pages (an entity's administrator or API operator), by
//! clicks and typing only. Each action waits for the page that tells what happened.

use super::anagrafica::{click_to_next_page, flash, open_section};
use crate::browser::heading_is;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};

/// The heading of "Configurazioni".
pub const CONFIGURATIONS: &str = "Configurazioni dei contenuti remoti";

/// Opens "Recapito" from the navigation, then its sub-page `label` ("Configurazioni",
/// "Messaggi inviati", "Collega la console"), whose heading is `heading`.
pub async fn open_page(c: &Client, label: &str, heading: &str) -> Result<(), CmdError> {
    open_section(c, "Recapito").await?;
    let link = c
        .find(Locator::XPath(&format!(
            "//nav[@class='subnav']//a[normalize-space(.)='{label}']"
        )))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, heading).await;
    Ok(())
}

/// "Collega la console": chooses the client and purpose labelled `choice` (e.g. "Client Recapito
/// messaggi — …"; `None`: the first offered) and connects. Returns the page's message.
pub async fn connect_console(c: &Client, choice: Option<&str>) -> Result<String, CmdError> {
    open_page(c, "Collega la console", "Collega la console").await?;
    if let Some(label) = choice {
        c.find(Locator::Id("f-scelta"))
            .await?
            .select_by_label(label)
            .await?;
    }
    let button = c
        .find(Locator::XPath(
            "//form[@action='/recapito/collega']//button",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}

/// Types `value` into the field with id `field`, replacing what was there.
pub async fn type_into(c: &Client, field: &str, value: &str) -> Result<(), CmdError> {
    let input = c.find(Locator::Id(field)).await?;
    input.clear().await?;
    if !value.is_empty() {
        input.send_keys(value).await?;
    }
    Ok(())
}

/// A configuration as typed in the form: a production environment with an API key.
pub struct Typed<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub base_url: &'a str,
    pub header: &'a str,
    /// Empty: keep the stored key (editing).
    pub key: &'a str,
}

/// Fills the configuration form shown with `t` and presses "Salva la configurazione" (waits for
/// the next page, which is the list with its message, or the form again with the refusal).
pub async fn fill_and_save(c: &Client, t: &Typed<'_>) -> Result<(), CmdError> {
    type_into(c, "f-nome", t.name).await?;
    type_into(c, "f-descrizione", t.description).await?;
    type_into(c, "f-prod_url", t.base_url).await?;
    c.find(Locator::Css("input[name=prod_auth][value=API_KEY]"))
        .await?
        .click()
        .await?;
    type_into(c, "f-prod_header", t.header).await?;
    type_into(c, "f-prod_chiave", t.key).await?;
    let button = c
        .find(Locator::XPath(
            "//button[normalize-space(.)='Salva la configurazione']",
        ))
        .await?;
    click_to_next_page(c, button).await
}

/// "Configurazioni" > "Nuova configurazione": types `t` and saves.
pub async fn create_configuration(c: &Client, t: &Typed<'_>) -> Result<(), CmdError> {
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let link = c
        .find(Locator::XPath(
            "//a[normalize-space(.)='Nuova configurazione']",
        ))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, "Nuova configurazione").await;
    fill_and_save(c, t).await
}

/// "Configurazioni": opens the configuration named `name` from the list.
pub async fn open_configuration(c: &Client, name: &str) -> Result<(), CmdError> {
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    let link = c
        .find(Locator::XPath(&format!(
            "//table//a[normalize-space(.)='{name}']"
        )))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, "Modifica la configurazione").await;
    Ok(())
}

/// The id of the configuration named `name`, as the list shows it.
pub async fn configuration_id(c: &Client, name: &str) -> Result<String, CmdError> {
    open_page(c, "Configurazioni", CONFIGURATIONS).await?;
    c.find(Locator::XPath(&format!(
        "//table//tr[th//a[normalize-space(.)='{name}']]/td/code"
    )))
    .await?
    .text()
    .await
}

/// On a configuration's page: ticks the confirmation and presses "Elimina la configurazione".
pub async fn delete_configuration(c: &Client, name: &str) -> Result<String, CmdError> {
    open_configuration(c, name).await?;
    c.find(Locator::Css(
        "form[action$='/elimina'] input[name=conferma]",
    ))
    .await?
    .click()
    .await?;
    let button = c
        .find(Locator::XPath(
            "//button[normalize-space(.)='Elimina la configurazione']",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}

/// "Messaggi inviati", filtered by the configuration named `configuration` (`None`: all):
/// the table's text.
pub async fn sent_messages(c: &Client, configuration: Option<&str>) -> Result<String, CmdError> {
    open_page(c, "Messaggi inviati", "Messaggi inviati").await?;
    if let Some(name) = configuration {
        c.find(Locator::Id("f-configurazione"))
            .await?
            .select_by_label(name)
            .await?;
        let button = c
            .find(Locator::XPath("//button[normalize-space(.)='Filtra']"))
            .await?;
        click_to_next_page(c, button).await?;
        heading_is(c, "Messaggi inviati").await;
    }
    c.find(Locator::Css("main")).await?.text().await
}

/// What "Verifica dell'endpoint" is asked to check: an API-key endpoint, a citizen, a message
/// and the flags its messages will declare (`precondition`: "", "NEVER", "ONCE", "ALWAYS").
pub struct Probe<'a> {
    pub base_url: &'a str,
    pub api_key: &'a str,
    pub fiscal_code: &'a str,
    pub message_id: &'a str,
    pub precondition: &'a str,
    pub remote_content: bool,
    pub attachments: bool,
}

/// "Verifica dell'endpoint": fills the form and runs the probe. Returns the summary line (e.g.
/// "SUPERATO: 5 superati, 0 avvisi, 0 falliti — 40 ms").
pub async fn probe_endpoint(c: &Client, p: &Probe<'_>) -> Result<String, CmdError> {
    // The label holds an apostrophe, which an XPath literal cannot: the link by its address.
    open_section(c, "Recapito").await?;
    let link = c
        .find(Locator::XPath(
            "//nav[@class='subnav']//a[@href='/recapito/verifica']",
        ))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, "Verifica dell'endpoint").await;
    type_into(c, "f-base_url", p.base_url).await?;
    type_into(c, "f-api_key", p.api_key).await?;
    check_message(
        c,
        &Declared {
            fiscal_code: p.fiscal_code,
            message_id: p.message_id,
            precondition: p.precondition,
            remote_content: p.remote_content,
            attachments: p.attachments,
        },
    )
    .await
}

/// What "Verifica dell'endpoint" › "Una configurazione salvata" is asked to check: one of the
/// tenant's configurations (its id), `environment` ("Produzione" or "Test"), a citizen, a message
/// and the flags (`precondition`: "", "NEVER", "ONCE", "ALWAYS").
pub struct SavedProbe<'a> {
    pub configuration_id: &'a str,
    pub environment: &'a str,
    pub fiscal_code: &'a str,
    pub message_id: &'a str,
    pub precondition: &'a str,
    pub remote_content: bool,
    pub attachments: bool,
}

/// "Verifica dell'endpoint" › "Una configurazione salvata": fills the form and has the gateway
/// probe the configuration. Returns the summary line; an error when no report came (a refusal:
/// the form is shown again).
pub async fn probe_saved(c: &Client, p: &SavedProbe<'_>) -> Result<String, CmdError> {
    open_section(c, "Recapito").await?;
    let link = c
        .find(Locator::XPath(
            "//nav[@class='subnav']//a[@href='/recapito/verifica']",
        ))
        .await?;
    click_to_next_page(c, link).await?;
    let mode = c
        .find(Locator::XPath(
            "//nav[@class='probe-modes']//a[starts-with(normalize-space(.), 'Una configurazione salvata')]",
        ))
        .await?;
    click_to_next_page(c, mode).await?;
    heading_is(c, "Verifica dell'endpoint").await;
    c.find(Locator::Id("f-configurazione"))
        .await?
        .select_by_value(p.configuration_id)
        .await?;
    c.find(Locator::Id("f-environment"))
        .await?
        .select_by_label(p.environment)
        .await?;
    check_message(
        c,
        &Declared {
            fiscal_code: p.fiscal_code,
            message_id: p.message_id,
            precondition: p.precondition,
            remote_content: p.remote_content,
            attachments: p.attachments,
        },
    )
    .await
}

/// A test environment as typed in a configuration's form: an API key and the test users.
pub struct TypedTest<'a> {
    pub base_url: &'a str,
    pub header: &'a str,
    pub key: &'a str,
    /// One fiscal code a line.
    pub test_users: &'a str,
}

/// Opens the configuration named `name`, types its test environment `t` (the production one
/// kept as stored) and saves. Returns the page's message.
pub async fn add_test_environment(
    c: &Client,
    name: &str,
    t: &TypedTest<'_>,
) -> Result<String, CmdError> {
    open_configuration(c, name).await?;
    type_into(c, "f-test_url", t.base_url).await?;
    c.find(Locator::Css("input[name=test_auth][value=API_KEY]"))
        .await?
        .click()
        .await?;
    type_into(c, "f-test_header", t.header).await?;
    type_into(c, "f-test_chiave", t.key).await?;
    type_into(c, "f-test_utenti", t.test_users).await?;
    let button = c
        .find(Locator::XPath(
            "//button[normalize-space(.)='Salva la configurazione']",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}

/// What both ways of "Verifica dell'endpoint" ask besides the target.
struct Declared<'a> {
    fiscal_code: &'a str,
    message_id: &'a str,
    precondition: &'a str,
    remote_content: bool,
    attachments: bool,
}

/// Types the citizen, the message and the flags into the form shown, runs the check and returns
/// the summary line (an error when no report came).
async fn check_message(c: &Client, d: &Declared<'_>) -> Result<String, CmdError> {
    type_into(c, "f-fiscal_code", d.fiscal_code).await?;
    type_into(c, "f-message_id", d.message_id).await?;
    let label = if d.precondition.is_empty() {
        "Nessuna"
    } else {
        d.precondition
    };
    c.find(Locator::Id("f-has_precondition"))
        .await?
        .select_by_label(label)
        .await?;
    for (id, on) in [
        ("f-has_remote_content", d.remote_content),
        ("f-has_attachments", d.attachments),
    ] {
        let b = c.find(Locator::Id(id)).await?;
        if (b.prop("checked").await?.as_deref() == Some("true")) != on {
            b.click().await?;
        }
    }
    let button = c
        .find(Locator::XPath(
            "//form[@action='/recapito/verifica']//button",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    heading_is(c, "Verifica dell'endpoint").await;
    c.find(Locator::Css("main .probe-summary"))
        .await?
        .text()
        .await
}
