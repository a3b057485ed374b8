//! Steps in the console's "Scenari del mock" page (development stack only; any signed-in user),
//! by clicks and typing only. Each action waits for the page that tells what happened.

use super::anagrafica::{click_to_next_page, flash, open_section};
use crate::browser::heading_is;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};

/// Opens "Scenari del mock" from the navigation, then scenario `id` from the list.
pub async fn open_scenario(c: &Client, id: &str) -> Result<(), CmdError> {
    open_section(c, "Scenari del mock").await?;
    let link = c
        .find(Locator::XPath(&format!(
            "//table[@class='scenari']//a[normalize-space(.)='{id}']"
        )))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, &format!("Scenario {id}")).await;
    Ok(())
}

/// Types `value` into the field labelled by id `field` (`f-status`…), replacing what was there.
pub async fn type_into(c: &Client, field: &str, value: &str) -> Result<(), CmdError> {
    let input = c.find(Locator::Id(field)).await?;
    input.clear().await?;
    if !value.is_empty() {
        input.send_keys(value).await?;
    }
    Ok(())
}

/// On scenario `id`'s page: chooses "Su quali chiamate" by its label (`Solo i dettagli`…), types
/// each (field id, value) of `fields` (`("f-status", "503")`, `("f-retry_after", "30")`…) and
/// presses "Applica". Returns the page's message (or panics when there is none: see
/// [`apply_refused`] for a refusal).
pub async fn set_fault(
    c: &Client,
    id: &str,
    only: &str,
    fields: &[(&str, &str)],
) -> Result<String, CmdError> {
    open_scenario(c, id).await?;
    fill_fault(c, only, fields).await?;
    flash(c).await
}

/// Fills the fault form of the page shown and presses "Applica" (waits for the next page).
pub async fn fill_fault(c: &Client, only: &str, fields: &[(&str, &str)]) -> Result<(), CmdError> {
    c.find(Locator::Id("f-only"))
        .await?
        .select_by_label(only)
        .await?;
    for (field, value) in fields {
        type_into(c, field, value).await?;
    }
    let button = c
        .find(Locator::XPath(
            "//form[@class='fault']//button[normalize-space(.)='Applica']",
        ))
        .await?;
    click_to_next_page(c, button).await
}

/// The text next to a field the last refusal blamed (`f-status`, `f-json`…).
pub async fn apply_refused(c: &Client, field: &str) -> Result<String, CmdError> {
    c.find(Locator::Id(&format!("{field}-err")))
        .await?
        .text()
        .await
}

/// On scenario `id`'s page: ticks the confirmation and presses "Rimuovi il guasto".
pub async fn remove_fault(c: &Client, id: &str) -> Result<String, CmdError> {
    open_scenario(c, id).await?;
    c.find(Locator::Css("form.remove-fault input[name=conferma]"))
        .await?
        .click()
        .await?;
    let button = c
        .find(Locator::XPath(
            "//form[@class='remove-fault']//button[normalize-space(.)='Rimuovi il guasto']",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    flash(c).await
}

/// On the scenario page shown: replaces the JSON editor's text with `text` and presses "Salva
/// il JSON" (waits for the next page: the scenario with a message, or the refusal).
pub async fn save_json(c: &Client, text: &str) -> Result<(), CmdError> {
    type_into(c, "f-json", text).await?;
    let button = c
        .find(Locator::XPath(
            "//button[normalize-space(.)='Salva il JSON']",
        ))
        .await?;
    click_to_next_page(c, button).await
}
