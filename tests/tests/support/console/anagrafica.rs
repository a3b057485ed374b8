//! Steps in the console's "Anagrafica" and "Utenti" pages, and its language switch, by clicks and
//! typing only (the signed-in user is a tenant's administrator; pages in Italian unless said).
//! Each step waits for the page that tells what happened and returns its message.

use crate::browser::heading_is;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use std::time::Duration;

/// Clicks `el` and waits until the browser shows another document (the old one's root is gone),
/// so that what is read next is the new page's.
pub async fn click_to_next_page(c: &Client, el: Element) -> Result<(), CmdError> {
    let old = c.find(Locator::Css("html")).await?;
    el.click().await?;
    for _ in 0..100 {
        if old.attr("lang").await.is_err() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the click did not lead to another page");
}

/// The page's flash message (what the last action did), once there.
pub async fn flash(c: &Client) -> Result<String, CmdError> {
    for _ in 0..50 {
        if let Ok(f) = c.find(Locator::Css("main .flash")).await {
            return f.text().await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message after the action");
}

/// A section of the navigation, by its label.
pub async fn open_section(c: &Client, label: &str) -> Result<(), CmdError> {
    let link = c
        .find(Locator::XPath(&format!(
            "//nav[@class='sections']//a[normalize-space(.)='{label}']"
        )))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, label).await;
    Ok(())
}

/// The footer's language switch: "English" or "Italiano"; waits for `html[lang]` to change.
pub async fn switch_language(c: &Client, to: &str) -> Result<(), CmdError> {
    let lang = if to == "English" { "en" } else { "it" };
    let button = c
        .find(Locator::XPath(&format!(
            "//footer//button[normalize-space(.)='{to}']"
        )))
        .await?;
    click_to_next_page(c, button).await?;
    let now = c.find(Locator::Css("html")).await?.attr("lang").await?;
    assert_eq!(now.as_deref(), Some(lang), "the page is not in {to}");
    Ok(())
}

/// Anagrafica: declares the declared attribute named `name` (chosen in the list).
pub async fn declare_attribute(c: &Client, name: &str) -> Result<String, CmdError> {
    open_section(c, "Anagrafica").await?;
    c.find(Locator::Id("f-attributo"))
        .await?
        .select_by_label(name)
        .await?;
    let button = c
        .find(Locator::XPath(
            "//form[@class='declare']//button[normalize-space(.)='Dichiara']",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}

/// Anagrafica: revokes the declaration of `name`, ticking the confirmation.
pub async fn revoke_declaration(c: &Client, name: &str) -> Result<String, CmdError> {
    open_section(c, "Anagrafica").await?;
    let item = c
        .find(Locator::XPath(&format!(
            "//ul[contains(@class,'declared')]/li[contains(., '{name}')]"
        )))
        .await?;
    item.find(Locator::Css("input[name=conferma]"))
        .await?
        .click()
        .await?;
    let button = item.find(Locator::Css("button[type=submit]")).await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}

/// Utenti: fills the add form (`roles` by their labels, e.g. "Operatore API") and sends it.
/// Returns nothing: the caller reads the message or the error next to a field.
pub async fn fill_and_add_user(
    c: &Client,
    id: &str,
    name: &str,
    roles: &[&str],
) -> Result<(), CmdError> {
    let field = c.find(Locator::Id("f-id")).await?;
    field.clear().await?;
    field.send_keys(id).await?;
    let field = c.find(Locator::Id("f-nome")).await?;
    field.clear().await?;
    field.send_keys(name).await?;
    for role in ["Amministratore", "Operatore API", "Operatore di sicurezza"] {
        let box_ = c
            .find(Locator::XPath(&format!(
                "//fieldset[contains(@class,'roles-choice')]//label[normalize-space(.)='{role}']/input"
            )))
            .await?;
        if box_.is_selected().await? != roles.contains(&role) {
            box_.click().await?;
        }
    }
    let button = c
        .find(Locator::XPath(
            "//form[@class='add-user']//button[normalize-space(.)='Aggiungi utente']",
        ))
        .await?;
    click_to_next_page(c, button).await
}

/// Utenti: adds a user and returns the page's message.
pub async fn add_user(
    c: &Client,
    id: &str,
    name: &str,
    roles: &[&str],
) -> Result<String, CmdError> {
    open_section(c, "Utenti").await?;
    fill_and_add_user(c, id, name, roles).await?;
    flash(c).await
}

/// Utenti: clicks a user's row action ("Sospendi", "Riattiva"; "Rimuovi" ticks the
/// confirmation first) and returns the page's message.
pub async fn user_action(c: &Client, action: &str, name: &str) -> Result<String, CmdError> {
    open_section(c, "Utenti").await?;
    let row = c
        .find(Locator::XPath(&format!(
            "//table[contains(@class,'users-table')]//tr[th[contains(., '{name}')]]"
        )))
        .await?;
    if action == "Rimuovi" {
        row.find(Locator::Css("input[name=conferma]"))
            .await?
            .click()
            .await?;
    }
    let button = row
        .find(Locator::XPath(&format!(
            ".//button[normalize-space(.)='{action} {name}']"
        )))
        .await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}
