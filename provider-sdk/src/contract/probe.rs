//! The endpoint probe's wire types: its report (schema `recapito-probe/1`, what `gateway probe
//! --json` prints and the gateway's `POST /api/v1/remote-contents/configurations/{id}/probe`
//! answers) and the request that asks the gateway to probe a saved configuration.

use super::HasPrecondition;
use serde::{Deserialize, Serialize};

/// The schema's name and version; a change that breaks a reader gets a new one.
pub const SCHEMA: &str = "recapito-probe/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The gateway would accept it.
    Pass,
    /// The gateway would accept it, but something is worth changing.
    Warn,
    /// Citizens could not open the message.
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// What was checked: `precondition`, `details`, `attachment <id>`, or one of these with a
    /// measure: `details: time`, `details: size`, `details: content type`, `details: flags`,
    /// `details: retry-after`.
    pub name: String,
    /// The request's path below `base_url`.
    pub path: String,
    pub status: Status,
    /// `OK`, one of the gateway's error codes, or one of the probe's own (`PROBE_*`).
    pub code: String,
    pub meaning: String,
    /// What the entity should change (`nothing to change` for `OK`).
    pub fix: String,
    /// What was seen: the gateway's detail, or the measure against its limit.
    pub detail: String,
    /// The entity's HTTP status, when an answer came.
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    /// Body bytes read (of a 200 answer).
    pub bytes: Option<u64>,
    /// The call's time, validation included (0 for checks on another check's answer).
    pub elapsed_ms: u64,
}

/// The message's flags the probe checked the answers against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Declared {
    /// `ALWAYS`, `ONCE`, `NEVER` or null.
    pub has_precondition: Option<String>,
    pub has_remote_content: bool,
    pub has_attachments: bool,
    /// The requests carried lollipop headers signed by a device key made for this run.
    pub lollipop: bool,
}

/// The gateway's fetch settings the probe ran with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub max_json_bytes: u64,
    pub max_pdf_bytes: u64,
    pub pdf_validation_timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub passed: usize,
    pub warnings: usize,
    pub failed: usize,
    /// `FAIL` if any check failed, else `WARN` if any warned, else `PASS`.
    pub outcome: Status,
    pub elapsed_ms: u64,
}

/// A probe's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: String,
    pub base_url: String,
    pub message_id: String,
    pub declared: Declared,
    pub limits: Limits,
    pub checks: Vec<Check>,
    pub summary: Summary,
}

impl Summary {
    pub fn of(checks: &[Check], elapsed_ms: u64) -> Summary {
        let count = |s| checks.iter().filter(|c| c.status == s).count();
        let (passed, warnings, failed) = (
            count(Status::Pass),
            count(Status::Warn),
            count(Status::Fail),
        );
        let outcome = if failed > 0 {
            Status::Fail
        } else if warnings > 0 {
            Status::Warn
        } else {
            Status::Pass
        };
        Summary {
            passed,
            warnings,
            failed,
            outcome,
            elapsed_ms,
        }
    }
}

impl Report {
    /// 0 when nothing failed (warnings included), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.summary.outcome == Status::Fail)
    }
}

/// Which of a configuration's environments a probe calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProbeEnvironment {
    /// `prod_environment`.
    #[default]
    Prod,
    /// `test_environment` (the fiscal code must then be one of its `test_users`).
    Test,
}

/// What to probe a saved configuration with: the citizen, the message and the flags the entity
/// means to submit it with (`POST /api/v1/remote-contents/configurations/{id}/probe`). The
/// gateway calls the configuration's `base_url` with the configuration's own authentication (its
/// API key, or vouchers it asks for the configuration's purpose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProbeRequest {
    /// The citizen whose message is probed (the `fiscal_code` header). Checked by the
    /// receiver (a [`FiscalCode`](super::FiscalCode)), so a bad one gets a field-level error.
    #[cfg_attr(feature = "openapi", schema(value_type = super::FiscalCode))]
    pub fiscal_code: String,
    /// The entity's correlation id (`third_party_data.id`), one path segment at the entity.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub message_id: String,
    #[serde(default)]
    pub environment: ProbeEnvironment,
    /// The precondition the messages will declare (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_precondition: Option<HasPrecondition>,
    #[serde(default)]
    pub has_remote_content: bool,
    #[serde(default)]
    pub has_attachments: bool,
    /// Sign the requests as a citizen's device would (a key made for the run).
    #[serde(default)]
    pub lollipop: bool,
}
