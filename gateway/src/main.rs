//! `gateway`: the messaging gateway's command line.

use clap::{Parser, Subcommand};
use gateway::{Application, Config};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: glibc keeps freed memory in up to 8 arenas per core, so 50
/// concurrent 10 MB attachments left hundreds of MB resident on 2 cores and would leave more on
/// larger hosts; mimalloc returns it, and allocates faster on the request path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "gateway",
    version,
    about = "Recapito: remote-content messaging gateway"
)]
struct Cli {
    /// Configuration file (TOML); `GATEWAY_*` environment variables override it.
    #[arg(long, global = true, env = "GATEWAY_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the gateway's APIs.
    Serve,
    /// Check PDF files the way attachments are checked: one line per file, `PASS <path>` or
    /// `FAIL <path>: <clause> <reason>`; exits 1 if any failed.
    CheckPdf {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the development stack on localhost with an embedded store: the Interop engine (in this
    /// process, through its library API) and the gateway.
    Dev {
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    service_kit::logs::init("GATEWAY");
    if let Cmd::CheckPdf { files } = &cli.command {
        return pdfa::cli::run(files);
    }
    // Every connection is a descriptor: the soft limit (often 1 024) is the first thing a flood
    // of idle connections exhausts, long before the hard limit.
    service_kit::raise_open_file_limit();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match cli.command {
        Cmd::CheckPdf { .. } => unreachable!("handled above"),
        Cmd::Serve => {
            let config = match Config::load(cli.config.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("gateway: configuration error: {e}");
                    return ExitCode::from(2);
                }
            };
            rt.block_on(serve(config))
        }
        Cmd::Dev {
            data_dir,
            gateway_port,
            interop_port,
            provider_port,
        } => rt.block_on(dev(&data_dir, gateway_port, interop_port, provider_port)),
    }
}

async fn serve(config: Config) -> ExitCode {
    let app = match Application::build(&config).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gateway: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until(service_kit::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gateway: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn dev(
    data_dir: &Path,
    gateway_port: u16,
    interop_port: u16,
    provider_port: u16,
) -> ExitCode {
    let options = gateway::dev::DevOptions {
        data_dir: data_dir.to_path_buf(),
        gateway_port,
        interop_port,
        provider_port,
    };
    let stack = match gateway::dev::start(options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gateway dev: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", gateway::dev::banner(&stack.env, data_dir));
    service_kit::shutdown::signal().await;
    for t in stack.tasks {
        t.abort();
    }
    ExitCode::SUCCESS
}
