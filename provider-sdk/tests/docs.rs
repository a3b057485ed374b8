//! `docs/provider-sdk.md` lists exactly the SDK's codes: the router's tables are `AuthCode::ALL`
//! and `RouterCode::ALL`, the lollipop table is `LollipopCode::ALL` (each with its status and
//! meaning, nothing more, nothing less), and the client table is the `CLIENT_*` codes
//! `ClientError::code` gives.

use provider_sdk::auth::AuthCode;
use provider_sdk::client::ClientError;
use provider_sdk::lollipop::LollipopCode;
use provider_sdk::server::RouterCode;
use std::collections::BTreeSet;

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/provider-sdk.md"
    ))
    .expect("docs/provider-sdk.md")
}

/// The codes in the first column of the table rows whose code starts with `prefix`.
fn table_codes(doc: &str, prefix: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(code, _)| code.to_owned()))
        .filter(|code| code.starts_with(prefix))
        .collect()
}

/// Each code has its row `| `CODE` | status | meaning |` in the docs, exactly once.
fn rows_present(codes: &[(&str, u16, &str)]) {
    let doc = doc();
    for (code, status, what) in codes {
        let row = format!("| `{code}` | {status} | {what} |");
        assert_eq!(
            doc.lines().filter(|l| *l == row).count(),
            1,
            "docs/provider-sdk.md must hold the row {row} exactly once"
        );
    }
}

#[test]
fn the_lollipop_table_lists_exactly_every_code() {
    let codes: Vec<_> = LollipopCode::ALL
        .iter()
        .map(|c| (c.as_str(), c.status(), c.describe()))
        .collect();
    rows_present(&codes);
    let documented = table_codes(&doc(), "LOLLIPOP_");
    let known: BTreeSet<String> = LollipopCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(
        documented, known,
        "the table of docs/provider-sdk.md and LollipopCode::ALL differ"
    );
}

/// The router's tables list exactly `AuthCode::ALL` and `RouterCode::ALL`, with their statuses
/// and meanings: every code the router can answer besides lollipop's.
#[test]
fn the_router_tables_list_exactly_every_auth_and_router_code() {
    let mut codes: Vec<_> = AuthCode::ALL
        .iter()
        .map(|c| (c.as_str(), c.status(), c.describe()))
        .collect();
    codes.extend(
        RouterCode::ALL
            .iter()
            .map(|c| (c.as_str(), c.status(), c.describe())),
    );
    rows_present(&codes);
    let doc = doc();
    let start = doc
        .find("## The router's answers")
        .expect("the router section");
    let end = start
        + doc[start..]
            .find("\n## ")
            .map_or(doc.len() - start, |i| i + 1);
    let documented: BTreeSet<String> = table_codes(&doc[start..end], "");
    let known: BTreeSet<String> = codes.iter().map(|(c, ..)| (*c).to_owned()).collect();
    assert_eq!(
        documented, known,
        "the router's tables in docs/provider-sdk.md and AuthCode::ALL + RouterCode::ALL differ"
    );
}

#[test]
fn the_client_table_lists_exactly_the_client_codes() {
    let errors = [
        ClientError::Key(String::new()),
        ClientError::Config(String::new()),
        ClientError::Transport {
            url: String::new(),
            detail: String::new(),
        },
        ClientError::Unexpected {
            status: 200,
            body: String::new(),
        },
    ];
    let known: BTreeSet<String> = errors.iter().map(|e| e.code().to_owned()).collect();
    assert_eq!(known.len(), errors.len(), "one code per variant");
    assert_eq!(table_codes(&doc(), "CLIENT_"), known);
    // A problem keeps the peer's code, never a CLIENT_* one.
    let problem = ClientError::Problem {
        status: 401,
        code: "TOKEN_REFUSED".into(),
        detail: String::new(),
        fields: vec![],
    };
    assert_eq!(problem.code(), "TOKEN_REFUSED");
}
