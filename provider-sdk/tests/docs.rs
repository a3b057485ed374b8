//! `docs/provider-sdk.md` lists exactly the SDK's codes: the lollipop table is
//! `LollipopCode::ALL` (each with its status and meaning, nothing more, nothing less), and the
//! client table is the `CLIENT_*` codes `ClientError::code` gives.

use provider_sdk::client::ClientError;
use provider_sdk::lollipop::LollipopCode;
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

#[test]
fn the_lollipop_table_lists_exactly_every_code() {
    let doc = doc();
    for code in LollipopCode::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            code.as_str(),
            code.status(),
            code.describe()
        );
        assert!(
            doc.lines().any(|l| l == row),
            "docs/provider-sdk.md lacks the row {row}"
        );
    }
    let documented = table_codes(&doc, "LOLLIPOP_");
    let known: BTreeSet<String> = LollipopCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(
        documented, known,
        "the table of docs/provider-sdk.md and LollipopCode::ALL differ"
    );
    assert_eq!(
        doc.lines()
            .filter(|l| l.starts_with("| `LOLLIPOP_"))
            .count(),
        LollipopCode::ALL.len(),
        "a code is listed twice"
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
