//! Steps in the console's "Vista del cittadino" (`dev`: any signed-in user, any fiscal code;
//! `test_users`: an entity's test users), by clicks and typing only: a citizen's inbox, a message
//! (past its precondition), the calls the console made and an attachment's bytes downloaded
//! through the console.

use super::anagrafica::{click_to_next_page, open_section};
use crate::browser::heading_is;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};

/// Opens "Vista del cittadino" from the navigation, types `fiscal_code` and opens the inbox.
pub async fn open_inbox(c: &Client, fiscal_code: &str) -> Result<(), CmdError> {
    open_section(c, "Vista del cittadino").await?;
    let input = c.find(Locator::Id("cf")).await?;
    input.clear().await?;
    input.send_keys(fiscal_code).await?;
    let button = c
        .find(Locator::XPath(
            "//button[normalize-space(.)='Apri la casella del cittadino']",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    heading_is(c, "Vista del cittadino").await;
    Ok(())
}

/// With `citizen_view = "test_users"`: opens "Vista del cittadino" from the navigation, picks
/// the test user `fiscal_code` from the list and opens their inbox.
pub async fn open_test_user_inbox(c: &Client, fiscal_code: &str) -> Result<(), CmdError> {
    open_section(c, "Vista del cittadino").await?;
    c.find(Locator::Id("cf"))
        .await?
        .select_by_value(fiscal_code)
        .await?;
    let button = c
        .find(Locator::XPath(
            "//button[normalize-space(.)=\"Apri la casella dell'utente di test\"]",
        ))
        .await?;
    click_to_next_page(c, button).await?;
    heading_is(c, "Vista del cittadino").await;
    Ok(())
}

/// In the inbox shown: opens the message whose subject is `subject`.
pub async fn open_message(c: &Client, subject: &str) -> Result<(), CmdError> {
    let link = c
        .find(Locator::XPath(&format!(
            "//ul[contains(@class,'casella')]//a[normalize-space(.)='{subject}']"
        )))
        .await?;
    click_to_next_page(c, link).await?;
    heading_is(c, subject).await;
    Ok(())
}

/// On a message's precondition: its title, then "Continua" (waits for the details).
pub async fn accept_precondition(c: &Client) -> Result<String, CmdError> {
    let title = c
        .find(Locator::Css("section.precondizione h2"))
        .await?
        .text()
        .await?;
    let go_on = c
        .find(Locator::XPath(
            "//section[@class='precondizione']//a[normalize-space(.)='Continua']",
        ))
        .await?;
    click_to_next_page(c, go_on).await?;
    Ok(title)
}

/// The rows of the calls' table: (call, HTTP status, verdict), as the page shows them.
pub async fn calls(c: &Client) -> Result<Vec<(String, String, String)>, CmdError> {
    let mut out = Vec::new();
    for row in c.find_all(Locator::Css("table.chiamate tbody tr")).await? {
        let what = row.find(Locator::Css("th")).await?.text().await?;
        let cells = row.find_all(Locator::Css("td")).await?;
        out.push((what, cells[0].text().await?, cells[2].text().await?));
    }
    Ok(out)
}

/// The bytes of the attachment whose link says "Scarica `name`", downloaded through the console
/// with the browser's session, and the answer's content type and disposition.
pub async fn download(c: &Client, name: &str) -> Result<(Vec<u8>, String, String), CmdError> {
    let link = c
        .find(Locator::XPath(&format!(
            "//ul[@class='allegati']//a[normalize-space(.)='Scarica {name}']"
        )))
        .await?;
    let href = link.prop("href").await?.expect("a link");
    let cookies = c
        .get_all_cookies()
        .await?
        .iter()
        .map(|k| format!("{}={}", k.name(), k.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let r = reqwest::Client::new()
        .get(href)
        .header("cookie", cookies)
        .send()
        .await
        .expect("the console answers");
    assert_eq!(r.status(), reqwest::StatusCode::OK, "{name}");
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    let bytes = r.bytes().await.expect("the bytes").to_vec();
    Ok((bytes, ct, cd))
}
