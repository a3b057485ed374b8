//! Scenario files: what the mock entity serves for one correlation id, and how it misbehaves.

use provider_sdk::contract::{PreconditionContent, RemoteContentAttachment, RemoteContentDetails};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An attachment and the file its bytes come from (relative to the scenario folder's parent,
/// i.e. `fixtures/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioAttachment {
    #[serde(flatten)]
    pub meta: RemoteContentAttachment,
    pub file: PathBuf,
}

/// A deliberate misbehaviour, applied to every request of the scenario (or only to `path` when
/// given: `details`, `precondition` or `attachment`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub only: Option<String>,
    /// Wait before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// Answer this status instead (with an empty body unless `body` is set).
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<String>,
    /// Answer these raw bytes (UTF-8) instead of the real body.
    #[serde(default)]
    pub body: Option<String>,
    /// Redirect there (302).
    #[serde(default)]
    pub redirect: Option<String>,
    /// Announce the full length but send only half the body.
    #[serde(default)]
    pub truncate: bool,
    /// Pad the JSON answer with this many spaces (an oversized body).
    #[serde(default)]
    pub pad_bytes: usize,
}

impl Fault {
    /// A fault the mock can serve, or the field at fault (as the scenario names it) and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(o) = &self.only
            && !["details", "precondition", "attachment"].contains(&o.as_str())
        {
            return Err((
                "fault.only",
                format!("fault.only must be details, precondition or attachment, not {o:?}"),
            ));
        }
        if let Some(s) = self.status
            && !(100..=599).contains(&s)
        {
            return Err((
                "fault.status",
                format!("fault.status must be an HTTP status (100 to 599), not {s}"),
            ));
        }
        if let Some(r) = &self.retry_after
            && axum::http::HeaderValue::from_str(r).is_err()
        {
            return Err((
                "fault.retry_after",
                format!("fault.retry_after must be a header value, not {r:?}"),
            ));
        }
        if let Some(to) = &self.redirect
            && axum::http::HeaderValue::from_str(to).is_err()
        {
            return Err((
                "fault.redirect",
                format!("fault.redirect must be a header value, not {to:?}"),
            ));
        }
        Ok(())
    }
}

/// One correlation id's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scenario {
    pub id: String,
    /// The only citizen it answers for (others get 404).
    pub fiscal_code: String,
    #[serde(default)]
    pub precondition: Option<PreconditionContent>,
    #[serde(default)]
    pub details: Option<RemoteContentDetails>,
    #[serde(default)]
    pub attachments: Vec<ScenarioAttachment>,
    #[serde(default)]
    pub fault: Option<Fault>,
    /// Require valid lollipop headers for this scenario, whatever the server's policy
    /// (checked with provider-sdk's verifier before any fault applies).
    #[serde(default)]
    pub lollipop: bool,
}

/// Loads every `*.json` of `dir` (each a scenario or a list of scenarios).
pub fn load_dir(dir: &Path) -> Result<HashMap<String, Scenario>, String> {
    let mut out = HashMap::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let list: Vec<Scenario> = match serde_json::from_str::<Scenario>(&text) {
            Ok(s) => vec![s],
            Err(_) => serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}: not a scenario or a list of scenarios: {e}",
                    path.display()
                )
            })?,
        };
        for s in list {
            out.insert(s.id.clone(), s);
        }
    }
    Ok(out)
}
