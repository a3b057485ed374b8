//! The gateway's PDF/A-2 validator (the `pdfa` crate), for an entity to check an attachment
//! before it serves it: the gateway downloads every attachment and refuses one that fails here
//! (`415 ATTACHMENT_NOT_PDF`, `ATTACHMENT_ENCRYPTED`, `ATTACHMENT_NOT_PDFA` or
//! `ATTACHMENT_TOO_COMPLEX`, by [`FailureKind`]), so the citizen would see an error instead of
//! the document. [`validate`] answers as the gateway does (the first broken rule); [`check`]
//! reports every broken rule, as `check-pdf` does. Enabled by the `pdfa` feature.
//!
//! Validation is synchronous and CPU-bound (up to [`DEFAULT_TIMEOUT`] for a hostile file): on
//! an async runtime, call it in `spawn_blocking`, or once when the document is produced.
//!
//! ```
//! use provider_sdk::pdfa::{self, FailureKind};
//!
//! let refused = pdfa::validate(b"not a PDF").unwrap_err();
//! assert_eq!(refused.kind, FailureKind::NotPdf);
//! // "6.1.2 the file does not start with %PDF-": the ISO 19005-2 clause, then why.
//! println!("{refused}");
//!
//! // Every broken rule, each with veraPDF's rule id, message and object, at the level the
//! // file claims (or the one forced in `Options::flavour`):
//! let report = pdfa::check(b"%PDF-1.7 but nothing else", &pdfa::Options::default());
//! assert!(!report.passed());
//! for finding in &report.findings {
//!     println!("{} {} [{}]", finding.rule, finding.message, finding.object);
//! }
//! ```

pub use ::pdfa::{
    DEFAULT_TIMEOUT, FailureKind, Finding, Flavour, FlavourSource, Limits, MAX_PDF_BYTES, Options,
    PdfFailure, Report, RuleId, check, validate, validate_with,
};
