//! The error-code table of the documentation and of the generated OpenAPI document list every
//! error code with its status and meaning.

use gateway::domain::Code;

fn row(code: Code) -> String {
    format!(
        "| `{}` | {} | {} |",
        code.as_str(),
        code.status(),
        code.describe()
    )
}

#[test]
fn every_error_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/gateway.md"))
        .expect("docs/gateway.md");
    for code in Code::ALL {
        let row = row(*code);
        assert!(doc.contains(&row), "docs/gateway.md lacks the row {row}");
    }
}

#[test]
fn the_openapi_document_lists_every_error_code() {
    let doc = serde_json::to_value(gateway::api::openapi::openapi()).expect("serializable");
    let code = &doc["components"]["schemas"]["Problem"]["properties"]["code"];
    let table = code["description"]
        .as_str()
        .expect("Problem.code has a table");
    let listed: Vec<&str> = code["enum"]
        .as_array()
        .expect("Problem.code is an enum")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        listed,
        Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()
    );
    for code in Code::ALL {
        let row = row(*code);
        assert!(
            table.lines().any(|l| l == row),
            "the OpenAPI document's Problem.code table lacks the row {row}"
        );
    }
}
