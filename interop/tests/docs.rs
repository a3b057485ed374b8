//! The documentation's error tables list every code the engine can answer with.

use interop::api::problem::HTTP_CODES;
use interop::domain::ErrorCode;
use interop::token::refusal::RefusalCode;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/interop.md"))
        .expect("docs/interop.md")
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let doc = doc();
    for code in ErrorCode::ALL {
        let status = interop::api::problem::status_of(code.kind()).as_u16();
        let row = format!("| `{}` | {status} |", code.as_str());
        assert!(doc.contains(&row), "docs/interop.md lacks the row {row}");
    }
    for (code, status, _) in HTTP_CODES {
        let row = format!("| `{code}` | {status} |");
        assert!(doc.contains(&row), "docs/interop.md lacks the row {row}");
    }
}

#[test]
fn every_token_refusal_cause_is_documented() {
    let doc = doc();
    for code in RefusalCode::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.describe());
        assert!(doc.contains(&row), "docs/interop.md lacks the row {row}");
    }
}
