//! The documentation's table lists every error code with its status and meaning.

use gateway::domain::Code;

#[test]
fn every_error_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/gateway.md"))
        .expect("docs/gateway.md");
    for code in Code::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            code.as_str(),
            code.status(),
            code.describe()
        );
        assert!(doc.contains(&row), "docs/gateway.md lacks the row {row}");
    }
}
