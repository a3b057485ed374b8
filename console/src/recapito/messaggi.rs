//! "Messaggi inviati": the messages the tenant sent (`GET /api/v1/messages` through the
//! console's voucher), newest first, filtered by configuration and by date, a page at a time
//! with the gateway's `next` cursor ("Pagina successiva").

use super::{Problem, gateway, problem_box, subnav};
use crate::St;
use crate::session::Lang;
use crate::web::{self, RecapitoUser, Signed, layout};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use provider_sdk::client::SentMessagesFilter;
use provider_sdk::contract::SentMessageItem;
use std::collections::HashMap;

const PATH: &str = "/recapito/messaggi";
/// How many messages a page shows.
pub const PER_PAGE: u32 = 20;

/// A `YYYY-MM-DD` day typed in a date field: its first instant (UTC), or `None` when empty.
/// With `next`, the first instant of the following day (an inclusive "al" is an exclusive `to`).
pub fn day_start(day: &str, next: bool) -> Result<Option<String>, &'static str> {
    use time::format_description::well_known::Rfc3339;
    let day = day.trim();
    if day.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day, &format).map_err(|_| "not a day")?;
    let date = if next {
        date.next_day().ok_or("no next day")?
    } else {
        date
    };
    date.midnight()
        .assume_utc()
        .format(&Rfc3339)
        .map(Some)
        .map_err(|_| "not an instant")
}

/// The gateway's filter for the page's query (`configurazione`, `dal`, `al`, `dopo`); the
/// field blamed when a date is not one.
pub fn filter(q: &HashMap<String, String>) -> Result<SentMessagesFilter, &'static str> {
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    Ok(SentMessagesFilter {
        configuration: get("configurazione").map(str::to_owned),
        from: day_start(get("dal").unwrap_or(""), false).map_err(|_| "from")?,
        to: day_start(get("al").unwrap_or(""), true).map_err(|_| "to")?,
        limit: Some(PER_PAGE),
        cursor: get("dopo").map(str::to_owned),
    })
}

/// The link to the page after the cursor `after` (`None`: the first page), keeping the filters.
pub fn page_href(q: &HashMap<String, String>, after: Option<&str>) -> String {
    let v = |k: &str| q.get(k).map_or("", |s| s.trim());
    let mut pairs: Vec<String> = ["configurazione", "dal", "al"]
        .iter()
        .filter(|k| !v(k).is_empty())
        .map(|k| format!("{k}={}", crate::engine::encode(v(k))))
        .collect();
    if let Some(next) = after {
        pairs.push(format!("dopo={}", crate::engine::encode(next)));
    }
    if pairs.is_empty() {
        PATH.to_owned()
    } else {
        format!("{PATH}?{}", pairs.join("&"))
    }
}

/// A message's state as the citizen left it.
pub fn state(m: &SentMessageItem, l: Lang) -> &'static str {
    if m.is_archived {
        l.t("archiviato", "archived")
    } else if m.is_read {
        l.t("letto", "read")
    } else {
        l.t("inviato", "sent")
    }
}

/// "Messaggi inviati".
pub async fn list(
    State(st): St,
    Signed(visit, user, _): Signed<RecapitoUser>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let l = visit.session.lang;
    let title = l.t("Messaggi inviati", "Sent messages");
    let v = |k: &str| q.get(k).map_or("", |s| s.trim());
    let answer = async {
        let g = gateway(&st, &user)?;
        let configurations = g.configurations().await.map_err(Problem::from)?;
        let f = filter(&q).map_err(|field| Problem {
            status: 400,
            code: "INVALID_QUERY".into(),
            detail: String::new(),
            fields: vec![field.into()],
        })?;
        // A configuration that is not among the entity's (typed in the address): the gateway
        // would list nothing for it, so its own answer for that configuration says why (another
        // entity's: NOT_YOUR_CONFIGURATION) instead of an empty list. One of the entity's own
        // that was deleted (not found) still lists what was sent with it.
        if let Some(id) = &f.configuration
            && !configurations.iter().any(|c| &c.configuration_id == id)
            && let Err(e) = g.configuration(&crate::engine::encode(id)).await
            && e.code() != "CONFIGURATION_NOT_FOUND"
        {
            return Err(Problem::from(e));
        }
        let page = g.sent_messages(&f).await.map_err(Problem::from)?;
        Ok::<_, Problem>((configurations, page))
    }
    .await;
    // The configurations in the gateway's order, for the filter; by id, for the table.
    let options: Vec<(String, String)> = answer
        .as_ref()
        .map(|(cs, _)| {
            cs.iter()
                .map(|c| (c.configuration_id.clone(), c.configuration.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let names: HashMap<&str, &str> = options
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    let status = match &answer {
        Err(p) if p.code != "RECAPITO_NOT_CONNECTED" => crate::web::refusal_status(p.status),
        _ => StatusCode::OK,
    };
    let href = |after: Option<&str>| page_href(&q, after);
    let body = html! {
        h1 { (title) }
        (subnav(&visit, PATH))
        form method="get" action=(PATH) class="filters" {
            div class="field" {
                label for="f-configurazione" { (l.t("Configurazione", "Configuration")) }
                select id="f-configurazione" name="configurazione" {
                    option value="" { (l.t("Tutte", "All")) }
                    @for (id, name) in &options { option value=(id) selected[v("configurazione") == id] { (name) } }
                }
            }
            div class="field" {
                label for="f-dal" { (l.t("Dal giorno", "From day")) }
                input id="f-dal" name="dal" type="date" value=(v("dal"));
            }
            div class="field" {
                label for="f-al" { (l.t("Al giorno (compreso)", "To day (included)")) }
                input id="f-al" name="al" type="date" value=(v("al"));
            }
            div class="actions" { button type="submit" { (l.t("Filtra", "Filter")) } }
        }
        @match &answer {
            Err(p) => {
                (problem_box(p, l))
                @if p.code == "RECAPITO_NOT_CONNECTED" {
                    p { a href="/recapito/collega" { (l.t("Collega la console", "Connect the console")) } }
                }
            }
            Ok((_, page)) => {
                @if page.items.is_empty() {
                    p { (l.t("Nessun messaggio inviato con questi filtri.", "No message sent with these filters.")) }
                } @else {
                    table class="list" tabindex="0" {
                        caption { (l.t("Messaggi inviati dal tuo ente, dal più recente", "Messages your entity sent, newest first")) }
                        thead { tr {
                            th scope="col" { (l.t("Oggetto", "Subject")) }
                            th scope="col" { (l.t("Cittadino", "Citizen")) }
                            th scope="col" { (l.t("Data", "Date")) }
                            th scope="col" { (l.t("Stato", "Status")) }
                            th scope="col" { (l.t("Configurazione", "Configuration")) }
                        } }
                        tbody {
                            @for m in &page.items {
                                tr {
                                    th scope="row" { (m.subject) }
                                    td { code { (m.fiscal_code) } }
                                    td { (web::when(&m.created_at)) }
                                    td { (state(m, l)) }
                                    td { @if let Some(c) = &m.configuration_id { (names.get(c.as_str()).copied().unwrap_or(c.as_str())) } @else { "—" } }
                                }
                            }
                        }
                    }
                }
                nav class="pager" aria-label=(l.t("Pagine", "Pages")) {
                    @if !v("dopo").is_empty() {
                        a href=(href(None)) { (l.t("Prima pagina", "First page")) } " "
                    }
                    @if let Some(next) = &page.next {
                        a href=(href(Some(next))) rel="next" { (l.t("Pagina successiva", "Next page")) }
                    }
                }
            }
        }
    };
    visit.finish(&st, (status, layout(title, &visit, super::ROOT, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_turns_days_into_instants_and_keeps_the_cursor() {
        let q: HashMap<String, String> = [
            ("configurazione", "01J0000000000000000000000A"),
            ("dal", "2026-12-01"),
            ("al", "2026-12-31"),
            ("dopo", "abc"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let f = filter(&q).unwrap();
        assert_eq!(
            f.configuration.as_deref(),
            Some("01J0000000000000000000000A")
        );
        assert_eq!(f.from.as_deref(), Some("2026-12-01T00:00:00Z"));
        assert_eq!(f.to.as_deref(), Some("2027-01-01T00:00:00Z"));
        assert_eq!(f.cursor.as_deref(), Some("abc"));
        assert_eq!(f.limit, Some(PER_PAGE));
        let empty = filter(&HashMap::new()).unwrap();
        assert_eq!((empty.from, empty.to, empty.cursor), (None, None, None));
        assert_eq!(
            page_href(&q, Some("c+/=")),
            format!(
                "{PATH}?configurazione=01J0000000000000000000000A&dal=2026-12-01&al=2026-12-31&dopo={}",
                crate::engine::encode("c+/=")
            )
        );
        assert_eq!(page_href(&HashMap::new(), None), PATH);
        let bad: HashMap<String, String> = [("al".to_string(), "31/12/2026".to_string())].into();
        assert_eq!(filter(&bad), Err("to"));
    }
}
