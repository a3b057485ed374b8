//! `provider_sdk::pdfa` (feature `pdfa`): an entity checks an attachment the way the gateway
//! will, before serving it.

use provider_sdk::pdfa::{self, FailureKind};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../fixtures/pdf/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn a_pdfa_2b_attachment_passes() {
    assert_eq!(pdfa::validate(&fixture("pdfa2b-minimal.pdf")), Ok(()));
}

#[test]
fn a_file_that_is_not_a_pdf_is_refused_with_its_clause() {
    let refused = pdfa::validate(&fixture("not-a-pdf.pdf")).unwrap_err();
    assert_eq!(refused.kind, FailureKind::NotPdf, "{refused}");
    assert_eq!(refused.clause, "6.1.2", "{refused}");
    assert!(
        refused.to_string().starts_with("6.1.2 "),
        "the reason starts with its clause: {refused}"
    );
}

#[test]
fn an_encrypted_pdf_is_refused_as_encrypted() {
    let refused = pdfa::validate(&fixture("encrypted.pdf")).unwrap_err();
    assert_eq!(refused.kind, FailureKind::Encrypted, "{refused}");
}
