//! The probe's report: every check with its verdict, code, meaning, fix and measures; its JSON
//! form (schema `recapito-probe/1`, docs/probe.md) and its terminal form.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The schema's name and version; a change that breaks a reader gets a new one.
pub const SCHEMA: &str = "recapito-probe/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Limits {
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub max_json_bytes: u64,
    pub max_pdf_bytes: u64,
    pub pdf_validation_timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    /// The terminal form: one line per check (`PASS`/`WARN`/`FAIL`, name, code, time, detail),
    /// the meaning and the fix below each warning and failure, then the summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "gateway probe {} message {}",
            self.base_url, self.message_id
        );
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &self.checks {
            let mut seen = Vec::new();
            if let Some(s) = c.http_status {
                seen.push(s.to_string());
            }
            if let Some(t) = &c.content_type {
                seen.push(t.clone());
            }
            if let Some(b) = c.bytes {
                seen.push(format!("{b} B"));
            }
            let _ = write!(
                out,
                "{} {:width$}  {}  {} ms",
                c.status.as_str(),
                c.name,
                c.code,
                c.elapsed_ms
            );
            if !seen.is_empty() {
                let _ = write!(out, "  [{}]", seen.join(", "));
            }
            if !c.detail.is_empty() {
                let _ = write!(out, "  {}", c.detail);
            }
            out.push('\n');
            if c.status != Status::Pass {
                let _ = writeln!(out, "     meaning: {}", c.meaning);
                let _ = writeln!(out, "     fix: {}", c.fix);
            }
        }
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{}: {} passed, {} warnings, {} failed in {} ms",
            s.outcome.as_str(),
            s.passed,
            s.warnings,
            s.failed,
            s.elapsed_ms
        );
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The report of fixtures/probe/report.example.json (and docs/probe.md).
    pub(crate) fn example() -> Report {
        let checks = vec![
            Check {
                name: "precondition".into(),
                path: "messages/avviso-tari-2026/precondition".into(),
                status: Status::Pass,
                code: "OK".into(),
                meaning: "the gateway would accept this answer".into(),
                fix: "nothing to change".into(),
                detail: String::new(),
                http_status: Some(200),
                content_type: Some("application/json".into()),
                bytes: Some(121),
                elapsed_ms: 4,
            },
            Check {
                name: "details: time".into(),
                path: "messages/avviso-tari-2026".into(),
                status: Status::Warn,
                code: "PROBE_SLOW_ANSWER".into(),
                meaning: "the answer took more than half the gateway's timeout (`fetch.timeout_ms`)".into(),
                fix: "answer faster (cache, index, precompute the PDF): a busier day will cross the timeout and citizens will get ENTITY_TIMEOUT".into(),
                detail: "6012 ms of 10000 ms".into(),
                http_status: Some(200),
                content_type: Some("application/json".into()),
                bytes: Some(402),
                elapsed_ms: 6012,
            },
            Check {
                name: "attachment a1".into(),
                path: "messages/avviso-tari-2026/attachments/avviso.pdf".into(),
                status: Status::Fail,
                code: "ATTACHMENT_NOT_PDFA".into(),
                meaning: "the attachment does not conform to PDF/A-2: the detail names the first broken rule (veraPDF's id, e.g. 6.1.3-1) and why".into(),
                fix: "produce the attachment as PDF/A-2 (the detail names the broken rule; `gateway check-pdf FILE` lists every one)".into(),
                detail: "6.6.2.1-1 the document has no XMP metadata".into(),
                http_status: Some(200),
                content_type: Some("application/octet-stream".into()),
                bytes: Some(1203),
                elapsed_ms: 9,
            },
        ];
        Report {
            schema: SCHEMA.into(),
            base_url: "http://127.0.0.1:8082/rc".into(),
            message_id: "avviso-tari-2026".into(),
            declared: Declared {
                has_precondition: Some("ALWAYS".into()),
                has_remote_content: true,
                has_attachments: true,
                lollipop: false,
            },
            limits: Limits {
                connect_timeout_ms: 2000,
                timeout_ms: 10000,
                max_json_bytes: 1048576,
                max_pdf_bytes: 20971520,
                pdf_validation_timeout_ms: 3000,
            },
            summary: Summary::of(&checks, 6030),
            checks,
        }
    }

    const GOLDEN: &str = include_str!("../../../fixtures/probe/report.example.json");

    #[test]
    fn the_json_schema_is_the_golden_example_both_ways() {
        let written = serde_json::to_string_pretty(&example()).unwrap() + "\n";
        assert_eq!(written, GOLDEN, "fixtures/probe/report.example.json");
        let read: Report = serde_json::from_str(GOLDEN).unwrap();
        assert_eq!(read, example());
    }

    #[test]
    fn docs_show_the_golden_example() {
        let doc = include_str!("../../../docs/probe.md");
        assert!(
            doc.contains(GOLDEN),
            "docs/probe.md shows fixtures/probe/report.example.json verbatim"
        );
    }

    #[test]
    fn summary_and_exit_code() {
        let r = example();
        assert_eq!(
            (r.summary.passed, r.summary.warnings, r.summary.failed),
            (1, 1, 1)
        );
        assert_eq!(r.summary.outcome, Status::Fail);
        assert_eq!(r.exit_code(), 1);
        let warn_only = Summary::of(&r.checks[..2], 1);
        assert_eq!(warn_only.outcome, Status::Warn);
        let pass = Summary::of(&r.checks[..1], 1);
        assert_eq!(pass.outcome, Status::Pass);
        assert_eq!(Summary::of(&[], 0).outcome, Status::Pass);
    }

    #[test]
    fn the_terminal_form_has_a_line_per_check_then_the_summary() {
        let text = example().render();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("PASS precondition "), "{text}");
        assert!(
            lines[1].contains("OK  4 ms  [200, application/json, 121 B]"),
            "{text}"
        );
        assert!(lines[2].starts_with("WARN details: time "), "{text}");
        assert!(lines[3].starts_with("     meaning: "), "{text}");
        assert!(lines[4].starts_with("     fix: answer faster"), "{text}");
        assert!(text.contains("FAIL attachment a1 "), "{text}");
        assert!(text.contains("ATTACHMENT_NOT_PDFA"), "{text}");
        assert!(text.contains("6.6.2.1-1"), "{text}");
        assert_eq!(
            lines.last().unwrap(),
            &"FAIL: 1 passed, 1 warnings, 1 failed in 6030 ms"
        );
    }
}
