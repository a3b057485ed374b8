//! The engine's code table (`src/codes.rs`) is the one source of its codes: `docs/interop.md` and
//! the OpenAPI document (generated, `interop::api::openapi()`) list exactly its codes, with the same statuses
//! and meanings, and the domain's codes are table codes.

use interop::codes::{Code, RefusalCode, TokenRequestCause};
use interop::domain::ErrorCode;
use serde_json::Value;
use std::collections::BTreeSet;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/interop.md"))
        .expect("docs/interop.md")
}

fn openapi() -> Value {
    serde_json::to_value(interop::api::openapi()).expect("the OpenAPI document serializes")
}

/// The rows of the first markdown table after the line `heading`, without its header.
fn table_after(text: &str, heading: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != heading);
    assert!(lines.next().is_some(), "no {heading:?}");
    lines
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(str::to_owned)
        .collect()
}

/// Compares a documented table with the expected rows: same rows, none twice.
fn assert_same_rows(what: &str, documented: Vec<String>, expected: Vec<String>) {
    let set: BTreeSet<&String> = documented.iter().collect();
    assert_eq!(set.len(), documented.len(), "{what}: a row appears twice");
    let expected_set: BTreeSet<&String> = expected.iter().collect();
    let missing: Vec<_> = expected_set.difference(&set).collect();
    let extra: Vec<_> = set.difference(&expected_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what} differs from src/codes.rs\nmissing or different: {missing:#?}\nnot in the table: {extra:#?}"
    );
}

fn code_rows() -> Vec<String> {
    Code::ALL
        .iter()
        .map(|c| format!("| `{}` | {} | {} |", c.as_str(), c.status(), c.describe()))
        .collect()
}

fn cause_rows(causes: impl Iterator<Item = (&'static str, &'static str)>) -> Vec<String> {
    causes
        .map(|(c, what)| format!("| `{c}` | {what} |"))
        .collect()
}

fn token_request_cause_rows() -> Vec<String> {
    cause_rows(
        TokenRequestCause::ALL
            .iter()
            .map(|c| (c.as_str(), c.describe())),
    )
}

fn refusal_cause_rows() -> Vec<String> {
    cause_rows(RefusalCode::ALL.iter().map(|c| (c.as_str(), c.describe())))
}

#[test]
fn the_error_code_table_is_the_code_table() {
    assert_same_rows(
        "docs/interop.md \"Error codes\"",
        table_after(&doc(), "## Error codes"),
        code_rows(),
    );
}

#[test]
fn the_token_causes_tables_are_the_code_table_s() {
    let doc = doc();
    assert_same_rows(
        "docs/interop.md \"Causes of INVALID_TOKEN_REQUEST\"",
        table_after(&doc, "### Causes of INVALID_TOKEN_REQUEST"),
        token_request_cause_rows(),
    );
    assert_same_rows(
        "docs/interop.md \"Refusal causes\"",
        table_after(&doc, "### Refusal causes"),
        refusal_cause_rows(),
    );
}

#[test]
fn causes_are_answered_with_their_carrier_s_status() {
    assert_eq!(TokenRequestCause::CARRIER, Code::INVALID_TOKEN_REQUEST);
    assert_eq!(RefusalCode::CARRIER, Code::TOKEN_REFUSED);
    for c in TokenRequestCause::ALL {
        assert_eq!(c.status(), 400, "{c:?}");
    }
    for c in RefusalCode::ALL {
        assert_eq!(c.status(), 401, "{c:?}");
    }
}

#[test]
fn every_domain_code_is_the_table_code_of_the_same_name() {
    let mut seen = BTreeSet::new();
    for code in ErrorCode::ALL {
        assert_eq!(code.as_code().as_str(), code.as_str());
        assert!(
            seen.insert(code.as_code().as_str()),
            "{code:?} maps to a code twice"
        );
        assert!(
            matches!(code.as_code().status(), 400 | 403 | 404 | 409),
            "a domain refusal is 400, 403, 404 or 409: {code:?}"
        );
    }
}

#[test]
fn the_openapi_problem_code_lists_the_code_table() {
    let doc = openapi();
    let code = doc
        .pointer("/components/schemas/Problem/properties/code")
        .expect("Problem.code");
    let listed: Vec<&str> = code["enum"]
        .as_array()
        .expect("Problem.code has an enum")
        .iter()
        .map(|c| c.as_str().expect("codes are strings"))
        .collect();
    let expected: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, expected, "Problem.code's enum is not Code::ALL");
    let description = code["description"]
        .as_str()
        .expect("Problem.code description");
    let rows: Vec<String> = description
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(str::to_owned)
        .collect();
    assert_same_rows(
        "the OpenAPI document's Problem.code's table",
        rows,
        code_rows(),
    );
}

#[test]
fn the_openapi_token_answers_list_their_causes() {
    let doc = openapi();
    let rows = |pointer: &str| -> Vec<String> {
        doc.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{pointer}"))
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(str::to_owned)
            .collect()
    };
    assert_same_rows(
        "the OpenAPI document's TokenProblem's causes",
        rows("/components/schemas/TokenProblem/description"),
        token_request_cause_rows(),
    );
    assert_same_rows(
        "the OpenAPI document's TokenFailure.code's table",
        rows("/components/schemas/TokenFailure/properties/code/description"),
        refusal_cause_rows(),
    );
    let listed: Vec<&str> = doc
        .pointer("/components/schemas/TokenFailure/properties/code/enum")
        .and_then(Value::as_array)
        .expect("TokenFailure.code has an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let expected: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        listed, expected,
        "TokenFailure.code's enum is not RefusalCode::ALL"
    );
}
