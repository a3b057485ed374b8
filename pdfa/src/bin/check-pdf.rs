//! `check-pdf [--json] [--flavour 2a|2b|2u] FILE...`: checks PDF files the way the gateway
//! checks attachments, `PASS <path>` or `FAIL <path>: <rule> <message>` (further findings
//! indented below), or one JSON array with `--json`; exits 1 if any failed, 2 on usage.

use std::process::ExitCode;

use pdfa::cli::{Command, USAGE, parse_args, run_with};

fn main() -> ExitCode {
    match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Check(options, files)) => run_with(&files, &options),
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("check-pdf {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("check-pdf: {why}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
