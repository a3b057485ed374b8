//! `check-pdf FILE...`: the command line of the validator, shared by the `check-pdf` binary and
//! `gateway check-pdf`, so both print the same lines and exit with the same status.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::{MAX_PDF_BYTES, validate};

/// Checks `files` the way the gateway checks attachments and prints one line per file to
/// stdout, `PASS <path>` or `FAIL <path>: <clause> <reason>`; fails if any file failed.
pub fn run(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        match verdict(path) {
            Ok(()) => println!("PASS {}", path.display()),
            Err(why) => {
                failed = true;
                println!("FAIL {}: {why}", path.display());
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// One file's verdict as the text after `FAIL <path>: `. The size is checked before reading, so
/// a huge file is refused without being loaded.
pub fn verdict(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_PDF_BYTES as u64 => {
            Err(format!("6.1.13 larger than {MAX_PDF_BYTES} bytes"))
        }
        Ok(_) => std::fs::read(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|b| validate(&b).map_err(|f| f.to_string())),
        Err(e) => Err(format!("cannot read: {e}")),
    }
}
