//! `console`: the web console (Interop's back office).

use clap::{Parser, Subcommand};
use console::Config;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "console",
    version,
    about = "Recapito's web console: Interop's back office, on the engine's public API"
)]
struct Cli {
    /// Configuration file (TOML); `CONSOLE_*` environment variables override it.
    #[arg(long, global = true, env = "CONSOLE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the console.
    Serve,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    service_kit::logs::init("CONSOLE");
    let config = match service_kit::run::configured("console", Config::load(cli.config.as_deref()))
    {
        Ok(c) => c,
        Err(code) => return code,
    };
    match cli.command {
        Cmd::Serve => service_kit::run::serve_until_signal("console", console::build(config)),
    }
}
