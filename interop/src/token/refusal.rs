//! A refused token request: its cause (a [`RefusalCode`], in the engine's one code table,
//! `codes.rs`) and context. The public answer stays generic (as the reference's), but the exact
//! cause is logged and recorded for the client's owner to read.

pub use crate::codes::RefusalCode;

/// A refusal with its context, for the log and the client's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub detail: String,
    /// The client, once the kid identified it (failures are readable by its owner).
    pub client_id: Option<crate::domain::ids::ClientId>,
    pub kid: Option<String>,
    pub purpose_id: Option<String>,
}

impl Refusal {
    pub fn new(code: RefusalCode, detail: impl Into<String>) -> Self {
        Refusal {
            code,
            detail: detail.into(),
            client_id: None,
            kid: None,
            purpose_id: None,
        }
    }
}
