//! The gateway's PDF/A-2 validator (the `pdfa` crate), for an entity to check an attachment
//! before it serves it: the gateway downloads every attachment and refuses one that fails here
//! (`415 ATTACHMENT_NOT_PDF`, `ATTACHMENT_ENCRYPTED`, `ATTACHMENT_NOT_PDFA` or
//! `ATTACHMENT_TOO_COMPLEX`, by [`FailureKind`]), so the citizen would see an error instead of
//! the document. Enabled by the `pdfa` feature.
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
//! ```

pub use ::pdfa::{
    DEFAULT_TIMEOUT, FailureKind, Limits, MAX_PDF_BYTES, PdfFailure, validate, validate_with,
};
