//! The probe's report: every check with its verdict, code, meaning, fix and measures; its JSON
//! form (schema `recapito-probe/1`, docs/probe.md) and its terminal form.

//! The types are the wire contract's ([`provider_sdk::contract::probe`]): an entity reading the
//! JSON (or the gateway's probe API) uses the same ones.

pub use provider_sdk::contract::probe::{Check, Declared, Limits, Report, SCHEMA, Status, Summary};
use std::fmt::Write as _;

/// The terminal form: one line per check (`PASS`/`WARN`/`FAIL`, name, code, time, detail), the
/// meaning and the fix below each warning and failure, then the summary.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gateway probe {} message {}",
        report.base_url, report.message_id
    );
    let width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for c in &report.checks {
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
    let s = &report.summary;
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
        let text = render(&example());
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
