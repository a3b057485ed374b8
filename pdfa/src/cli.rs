//! `check-pdf [--json] [--flavour 2a|2b|2u] FILE...`: the command line of the validator, shared
//! by the `check-pdf` binary and `gateway check-pdf`, so both print the same lines and exit with
//! the same status.
//!
//! Text (the default): per file `PASS <path>`, or `FAIL <path>: <rule> <message> [<object>]`
//! followed by one indented line per further finding. `--json`: one JSON array on stdout, per
//! file `{"file", "verdict": "pass"|"fail", "flavour", "flavour_source", "findings": [{"rule",
//! "clause", "message", "object"}], "truncated"}` (and `"error"` when the file cannot be read).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::rules::RuleId;
use crate::{FailureKind, Finding, Flavour, FlavourSource, MAX_PDF_BYTES, Options, Report, check};

/// How `check-pdf` reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct CliOptions {
    /// One JSON document on stdout instead of lines.
    pub json: bool,
    /// The flavour to check against; `None`: the one each file claims (2b if none).
    pub flavour: Option<Flavour>,
}

/// What `parse_args` understood.
#[derive(Debug)]
pub enum Command {
    Check(CliOptions, Vec<PathBuf>),
    Help,
    Version,
}

/// The usage text of `check-pdf`.
pub const USAGE: &str = "usage: check-pdf [--json] [--flavour 2a|2b|2u] FILE...\n\
    Checks PDF files against PDF/A-2 as Recapito's gateway checks attachments: one line per\n\
    file, `PASS <path>` or `FAIL <path>: <rule> <message>` (further findings indented below);\n\
    exits 1 if any failed.\n\
    --json            one JSON array on stdout, an object per file with every finding\n\
    --flavour LEVEL   check against PDF/A-2a, 2b or 2u (default: the level each file claims,\n\
    \x20                 2b if it claims none)";

/// Parses `check-pdf`'s arguments (without the program name). An error is the message for
/// stderr; the caller exits 2.
pub fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    let mut options = CliOptions::default();
    let mut files = Vec::new();
    let mut options_end = false;
    let mut args = args.into_iter();
    let flavour = |value: Option<&str>| -> Result<Flavour, String> {
        let value = value.ok_or("--flavour needs a value: 2a, 2b or 2u")?;
        value.parse()
    };
    while let Some(arg) = args.next() {
        if options_end {
            files.push(PathBuf::from(arg));
        } else if arg == "--" {
            options_end = true;
        } else if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        } else if arg == "-V" || arg == "--version" {
            return Ok(Command::Version);
        } else if arg == "--json" {
            options.json = true;
        } else if arg == "--flavour" {
            let value = args.next();
            options.flavour = Some(flavour(value.as_ref().and_then(|v| v.to_str()))?);
        } else if let Some(value) = arg.to_str().and_then(|a| a.strip_prefix("--flavour=")) {
            options.flavour = Some(flavour(Some(value))?);
        } else if arg.as_encoded_bytes().starts_with(b"-") && arg != "-" {
            // As `gateway check-pdf` (clap) does: an unknown option is a usage error.
            return Err(format!("unexpected argument {}", arg.display()));
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    if files.is_empty() {
        return Err("no file to check".into());
    }
    Ok(Command::Check(options, files))
}

/// Checks `files` the way the gateway checks attachments and prints one line per file to
/// stdout, `PASS <path>` or `FAIL <path>: <rule> <message>`; fails if any file failed.
pub fn run(files: &[PathBuf]) -> ExitCode {
    run_with(files, &CliOptions::default())
}

/// `run`, reporting as `options` say.
pub fn run_with(files: &[PathBuf], options: &CliOptions) -> ExitCode {
    let mut failed = false;
    let mut json = String::from("[");
    for (i, path) in files.iter().enumerate() {
        let outcome = outcome(path, options.flavour);
        failed |= !matches!(&outcome, Ok(r) if r.passed());
        if options.json {
            if i > 0 {
                json.push(',');
            }
            json.push_str("\n  ");
            json.push_str(&json_entry(path, &outcome));
        } else {
            print!("{}", text_entry(path, &outcome));
        }
    }
    if options.json {
        json.push_str(if files.is_empty() { "]" } else { "\n]" });
        println!("{json}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// One file's verdict as the text after `FAIL <path>: ` (its first finding). The size is
/// checked before reading, so a huge file is refused without being loaded.
pub fn verdict(path: &Path) -> Result<(), String> {
    match outcome(path, None) {
        Ok(report) => match report.findings.first() {
            None => Ok(()),
            Some(f) => Err(f.to_string()),
        },
        Err(e) => Err(e),
    }
}

/// A file's report, or why it could not be read.
fn outcome(path: &Path, flavour: Option<Flavour>) -> Result<Report, String> {
    let options = Options {
        flavour,
        ..Options::default()
    };
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_PDF_BYTES as u64 => {
            let rule = RuleId::clause_only("6.1.13");
            Ok(Report {
                flavour: flavour.unwrap_or(Flavour::B),
                flavour_source: if flavour.is_some() {
                    FlavourSource::Forced
                } else {
                    FlavourSource::Default
                },
                findings: vec![Finding {
                    rule,
                    clause: rule.clause(),
                    message: format!("larger than {MAX_PDF_BYTES} bytes"),
                    object: String::new(),
                    kind: FailureKind::NotPdf,
                }],
                truncated: false,
            })
        }
        Ok(_) => std::fs::read(path)
            .map(|bytes| check(&bytes, &options))
            .map_err(|e| format!("cannot read: {e}")),
        Err(e) => Err(format!("cannot read: {e}")),
    }
}

fn text_entry(path: &Path, outcome: &Result<Report, String>) -> String {
    let path = path.display();
    match outcome {
        Err(e) => format!("FAIL {path}: {e}\n"),
        Ok(report) => {
            let mut findings = report.findings.iter();
            let Some(first) = findings.next() else {
                return format!("PASS {path}\n");
            };
            let mut out = format!("FAIL {path}: {first}\n");
            for f in findings {
                let _ = writeln!(out, "    {f}");
            }
            if report.truncated {
                let _ = writeln!(
                    out,
                    "    (more findings left out after {})",
                    report.findings.len()
                );
            }
            out
        }
    }
}

fn json_entry(path: &Path, outcome: &Result<Report, String>) -> String {
    let file = json_string(&path.display().to_string());
    match outcome {
        Err(e) => format!(
            "{{\"file\": {file}, \"verdict\": \"fail\", \"flavour\": null, \"flavour_source\": null, \
             \"findings\": [], \"truncated\": false, \"error\": {}}}",
            json_string(e)
        ),
        Ok(report) => {
            let findings: Vec<String> = report
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{{\"rule\": {}, \"clause\": {}, \"message\": {}, \"object\": {}}}",
                        json_string(&f.rule.to_string()),
                        json_string(f.clause),
                        json_string(&f.message),
                        json_string(&f.object)
                    )
                })
                .collect();
            let source = match report.flavour_source {
                FlavourSource::Forced => "forced",
                FlavourSource::Claimed => "claimed",
                FlavourSource::Default => "default",
            };
            format!(
                "{{\"file\": {file}, \"verdict\": \"{}\", \"flavour\": \"{}\", \"flavour_source\": \
                 \"{source}\", \"findings\": [{}], \"truncated\": {}}}",
                if report.passed() { "pass" } else { "fail" },
                report.flavour,
                findings.join(", "),
                report.truncated
            )
        }
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn arguments_name_the_flavour_and_the_format() {
        let args = |a: &[&str]| parse_args(a.iter().map(std::ffi::OsString::from));
        match args(&["--json", "--flavour", "2U", "a.pdf"]) {
            Ok(Command::Check(o, files)) => {
                assert!(o.json);
                assert_eq!(o.flavour, Some(Flavour::U));
                assert_eq!(files, [PathBuf::from("a.pdf")]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            args(&["--flavour=2a", "a.pdf"]),
            Ok(Command::Check(
                CliOptions {
                    flavour: Some(Flavour::A),
                    ..
                },
                _
            ))
        ));
        assert!(
            args(&["--flavour", "3b", "a.pdf"])
                .unwrap_err()
                .contains("2a, 2b or 2u")
        );
        assert!(
            args(&["a.pdf", "--flavour"])
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(args(&["--strict", "a.pdf"]).is_err());
        assert!(args(&[]).is_err());
    }
}
