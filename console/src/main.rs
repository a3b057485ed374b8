//! `console`: the web console (Interop's back office).

use clap::{Parser, Subcommand};
use console::Config;
use std::process::ExitCode;

service_kit::service_cli!(
    name: "console",
    about: "Recapito's web console: Interop's back office, on the engine's public API",
    prefix: "CONSOLE",
    commands: Cmd
);

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
