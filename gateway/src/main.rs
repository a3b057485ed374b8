//! `gateway`: the messaging gateway's command line.
//!
//! `gateway dev` starts the local development stack. Today that is the Interop engine (the
//! gateway's own API and the mock provider come with issues 4–6); it runs in this process through
//! the engine's library API, as SPEC.md allows for development.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gateway",
    version,
    about = "Recapito: remote-content messaging gateway"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the development stack on localhost with an embedded store.
    Dev {
        /// Where the stack keeps its data (SQLite databases, generated keys).
        #[arg(long, default_value = ".recapito")]
        data_dir: PathBuf,
        /// Port of the Interop engine (0 = any free port).
        #[arg(long, default_value_t = 8081)]
        interop_port: u16,
    },
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RECAPITO_LOG")
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let Cmd::Dev {
        data_dir,
        interop_port,
    } = Cli::parse().command;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(dev(data_dir, interop_port))
}

async fn dev(data_dir: PathBuf, interop_port: u16) -> ExitCode {
    let config = interop::Config {
        bind: format!("127.0.0.1:{interop_port}"),
        data_dir: data_dir.join("interop"),
        ..interop::Config::default()
    };
    let app = match interop::Application::build(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("gateway dev: cannot start the Interop engine: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = format!("http://127.0.0.1:{}", app.port());
    let dir = std::fs::canonicalize(&config.data_dir).unwrap_or(config.data_dir.clone());
    let dir = dir.display();
    println!(
        "\nRecapito development stack\n\
         \n  Interop engine   {url}   (data in {dir})\n\
         \nTry:\n\
         \n  curl {url}/healthz\
         \n  curl {url}/.well-known/jwks.json\
         \n  TOKEN=$(INTEROP_DATA_DIR={dir} cargo run -q -p interop -- dev-token --roles platform)\
         \n  curl -H \"Authorization: Bearer $TOKEN\" -H 'content-type: application/json' \\\
         \n       -d '{{\"name\":\"Comune di Esempio\",\"admin\":{{\"id\":\"2f0c4a8e-1b7d-4c8e-9a51-6d3f2b7e9c10\",\"name\":\"Ada\"}}}}' {url}/tenants\
         \n\nThe gateway API and the mock provider are not built yet (issues 4–6). Ctrl-C stops.\n"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match app.run_until(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gateway dev: {e}");
            ExitCode::FAILURE
        }
    }
}
