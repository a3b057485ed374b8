//! `check-pdf FILE...`: checks PDF files the way the gateway checks attachments, one line per
//! file, `PASS <path>` or `FAIL <path>: <clause> <reason>`; exits 1 if any failed, 2 on usage.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: check-pdf FILE...\n\
    Checks PDF files against PDF/A-2 as Recapito's gateway checks attachments: one line per\n\
    file, `PASS <path>` or `FAIL <path>: <clause> <reason>`; exits 1 if any failed.";

fn main() -> ExitCode {
    let mut files = Vec::new();
    let mut options_end = false;
    for arg in std::env::args_os().skip(1) {
        if options_end {
            files.push(PathBuf::from(arg));
        } else if arg == "--" {
            options_end = true;
        } else if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        } else if arg == "-V" || arg == "--version" {
            println!("check-pdf {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        } else if arg.as_encoded_bytes().starts_with(b"-") && arg != "-" {
            // As `gateway check-pdf` (clap) does: an unknown option is a usage error.
            eprintln!("check-pdf: unexpected argument {}\n{USAGE}", arg.display());
            return ExitCode::from(2);
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    pdfa::cli::run(&files)
}
