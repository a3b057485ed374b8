//! The `check-pdf` binary: the lines and exit statuses `gateway check-pdf` has always had (the
//! gateway's `tests/process.rs` checks the same through the gateway).

use std::path::Path;
use std::process::Command;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pdf/pdfa2b-minimal.pdf")
}

fn check_pdf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_check-pdf"))
}

#[test]
fn a_valid_file_passes_and_exits_0() {
    let out = check_pdf().arg(fixture()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout, format!("PASS {}\n", fixture().display()));
}

#[test]
fn a_bomb_a_non_pdf_and_a_missing_file_fail_with_one_line_each_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.pdf");
    let base = std::fs::read(fixture()).unwrap();
    std::fs::write(
        &bomb,
        pdfa::bombs::object_streams(&base, 600, 32 * 1024 * 1024),
    )
    .unwrap();
    let text = dir.path().join("note.txt");
    std::fs::write(&text, "hello").unwrap();
    let missing = dir.path().join("missing.pdf");
    let out = check_pdf()
        .arg(fixture())
        .arg(&bomb)
        .arg(&text)
        .arg(&missing)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0], format!("PASS {}", fixture().display()));
    assert!(
        lines[1].starts_with(&format!("FAIL {}: limits ", bomb.display())),
        "{stdout}"
    );
    assert_eq!(
        lines[2],
        format!(
            "FAIL {}: 6.1.2 the file does not start with %PDF-",
            text.display()
        )
    );
    assert!(
        lines[3].starts_with(&format!("FAIL {}: cannot read: ", missing.display())),
        "{stdout}"
    );
}

#[test]
fn no_file_or_an_unknown_option_is_a_usage_error() {
    let out = check_pdf().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("usage: check-pdf [--json] [--flavour 2a|2b|2u] FILE...")
    );
    let out = check_pdf().arg("--strict").arg(fixture()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// A copy of the fixture breaking three rules (a JavaScript open action, NeedsRendering, XFA).
fn broken_file(dir: &Path) -> std::path::PathBuf {
    use lopdf::{Object, dictionary};
    let mut doc = lopdf::Document::load(fixture()).unwrap();
    let js = doc.add_object(dictionary! {
        "Type" => "Action", "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)"),
    });
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(|r| r.as_reference())
        .unwrap();
    let catalog = doc.get_dictionary_mut(root).unwrap();
    catalog.set("OpenAction", js);
    catalog.set("NeedsRendering", true);
    catalog.set(
        "AcroForm",
        dictionary! { "Fields" => vec![], "XFA" => Object::string_literal("<xdp/>") },
    );
    let path = dir.join("broken.pdf");
    doc.save(&path).unwrap();
    path
}

#[test]
fn a_failing_file_names_each_broken_rule_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = broken_file(dir.path());
    let out = check_pdf().arg(&broken).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("FAIL {}: 6.", broken.display())),
        "{stdout}"
    );
    for rule in [
        "6.5.1-1 Unknown or not permitted Action type JavaScript",
        "6.4.2-2 ",
        "6.4.2-1 ",
    ] {
        assert!(stdout.contains(rule), "{rule} missing: {stdout}");
    }
    assert!(lines[1].starts_with("    6."), "{stdout}");
}

#[test]
fn json_reports_every_file_with_its_verdict_flavour_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let broken = broken_file(dir.path());
    let missing = dir.path().join("missing.pdf");
    let out = check_pdf()
        .arg("--json")
        .arg(fixture())
        .arg(&broken)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let files = json.as_array().expect("an array");
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["file"], fixture().display().to_string());
    assert_eq!(files[0]["verdict"], "pass");
    assert_eq!(files[0]["flavour"], "2b");
    assert_eq!(files[0]["findings"], serde_json::json!([]));
    assert_eq!(files[0]["truncated"], false);
    assert_eq!(files[1]["verdict"], "fail");
    let findings = files[1]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3, "{findings:?}");
    let js = findings
        .iter()
        .find(|f| f["rule"] == "6.5.1-1")
        .expect("6.5.1-1");
    assert_eq!(js["clause"], "6.5.1");
    assert_eq!(
        js["message"],
        "Unknown or not permitted Action type JavaScript"
    );
    assert!(
        js["object"].as_str().unwrap().ends_with("(PDAction)"),
        "{js}"
    );
    assert_eq!(files[2]["verdict"], "fail");
    assert!(
        files[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot read: ")
    );
}

#[test]
fn the_flavour_can_be_forced_and_an_unknown_one_is_a_usage_error() {
    // The fixture claims PDF/A-2b: checked as 2a, its conformance letter is wrong (and it has
    // no structure tree).
    let out = check_pdf()
        .args(["--json", "--flavour", "2a"])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["flavour"], "2a");
    let rules: Vec<&str> = json[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"6.6.4-3"), "{rules:?}");
    let conformance = &json[0]["findings"][rules.iter().position(|r| *r == "6.6.4-3").unwrap()];
    assert_eq!(
        conformance["message"],
        "The \"conformance\" property of the PDF/A Identification Schema is B instead of \"A\" for PDF/A-2A conforming file"
    );
    let out = check_pdf()
        .args(["--flavour=2b"])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));

    for bad in [&["--flavour", "3b"][..], &["--flavour"][..]] {
        let out = check_pdf().args(bad).arg(fixture()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("2a, 2b or 2u"), "{stderr}");
    }
}
