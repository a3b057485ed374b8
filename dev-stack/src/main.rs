//! `dev-stack`: the development stack on localhost (what `gateway dev` hands over to).

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the development stack on localhost with embedded stores: the web console, the Interop
/// engine, the gateway and the mock provider, in this process, with a demo world seeded on the first start.
#[derive(Parser)]
#[command(name = "gateway dev", version)]
struct Cli {
    /// Where the stack keeps its data (SQLite databases, generated keys).
    #[arg(long, default_value = ".recapito")]
    data_dir: PathBuf,
    /// Port of the gateway (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    gateway_port: u16,
    /// Port of the Interop engine (0 = any free port).
    #[arg(long, default_value_t = 8081)]
    interop_port: u16,
    /// Port of the mock provider (0 = any free port).
    #[arg(long, default_value_t = 8082)]
    provider_port: u16,
    /// Port of the web console (0 = any free port).
    #[arg(long, default_value_t = 8083)]
    console_port: u16,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    service_kit::logs::init("GATEWAY");
    service_kit::run::runtime().block_on(async {
        let options = dev_stack::DevOptions {
            data_dir: cli.data_dir.clone(),
            gateway_port: cli.gateway_port,
            interop_port: cli.interop_port,
            provider_port: cli.provider_port,
            console_port: cli.console_port,
        };
        let stack = match dev_stack::start(options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("gateway dev: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("{}", dev_stack::banner(&stack.env, &cli.data_dir));
        service_kit::shutdown::signal().await;
        for t in stack.tasks {
            t.abort();
        }
        ExitCode::SUCCESS
    })
}
