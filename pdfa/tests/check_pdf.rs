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
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: check-pdf FILE..."));
    let out = check_pdf().arg("--strict").arg(fixture()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
