//! `gateway`: the messaging gateway's command line.

use clap::{Parser, Subcommand};
use gateway::{Application, Config};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = std::env::var("GATEWAY_LOG_FORMAT").is_ok_and(|v| v == "json");
    let filter = tracing_subscriber::EnvFilter::try_from_env("GATEWAY_LOG")
        .unwrap_or_else(|_| "info".into());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
    if let Cmd::CheckPdf { files } = &cli.command {
        return check_pdf(files);
    }
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
        } => rt.block_on(dev(&data_dir, gateway_port, interop_port)),
    }
}

fn check_pdf(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        let verdict = match std::fs::metadata(path) {
            Ok(m) if m.len() as usize > gateway::pdf::MAX_PDF_BYTES => Err(format!(
                "6.1.13 larger than {} bytes",
                gateway::pdf::MAX_PDF_BYTES
            )),
            Ok(_) => std::fs::read(path)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|b| gateway::pdf::validate(&b).map_err(|f| f.to_string())),
            Err(e) => Err(format!("cannot read: {e}")),
        };
        match verdict {
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

async fn serve(config: Config) -> ExitCode {
    let app = match Application::build(&config).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gateway: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gateway: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// The development app API key: generated once into the data folder.
fn dev_app_key(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("app-api-key");
    if let Ok(k) = std::fs::read_to_string(&path) {
        return Ok(k.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir)?;
    let key = format!("dev-{}", uuid::Uuid::new_v4().simple());
    std::fs::write(&path, &key)?;
    Ok(key)
}

async fn dev(data_dir: &Path, gateway_port: u16, interop_port: u16) -> ExitCode {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        eprintln!("gateway dev: {what}: {e}");
        ExitCode::FAILURE
    };
    let interop_config = interop::Config {
        bind: format!("127.0.0.1:{interop_port}"),
        data_dir: data_dir.join("interop"),
        ..interop::Config::default()
    };
    let engine = match interop::Application::build(&interop_config).await {
        Ok(a) => a,
        Err(e) => return fail("cannot start the Interop engine", &e),
    };
    let interop_url = format!("http://127.0.0.1:{}", engine.port());
    let app_key = match dev_app_key(data_dir) {
        Ok(k) => k,
        Err(e) => return fail("cannot write the app API key", &e),
    };
    let mut config = Config {
        bind: format!("127.0.0.1:{gateway_port}"),
        data_dir: data_dir.join("gateway"),
        ..Config::default()
    };
    config.auth.interop_jwks_url = format!("{interop_url}/.well-known/jwks.json");
    config.auth.voucher_issuer = interop_config.tokens.issuer.clone();
    config.auth.app_api_keys = vec![app_key.clone()];
    let gateway = match Application::build(&config).await {
        Ok(a) => a,
        Err(e) => return fail("cannot start the gateway", &e),
    };
    let gateway_url = format!("http://127.0.0.1:{}", gateway.port());
    let dir = std::fs::canonicalize(data_dir).unwrap_or(data_dir.to_path_buf());
    let dir = dir.display();
    println!(
        "\nRecapito development stack (data in {dir})\n\
         \n  gateway          {gateway_url}\
         \n  Interop engine   {interop_url}\
         \n  app API key      {app_key}\
         \n\nTry:\n\
         \n  curl {gateway_url}/readyz\
         \n  curl -H 'Authorization: Bearer {app_key}' -H 'fiscal_code: SPNDNL80R13C555X' {gateway_url}/api/communication/v1/messages\
         \n  curl {interop_url}/.well-known/jwks.json\
         \n  TOKEN=$(INTEROP_DATA_DIR={dir}/interop cargo run -q -p interop -- dev-token --roles platform)\
         \n  curl -H \"Authorization: Bearer $TOKEN\" {interop_url}/tenants\
         \n\nEntities submit with a voucher whose aud is {aud:?} (see README). The demo world and the mock\
         \nprovider come with issue 6. Ctrl-C stops.\n",
        aud = config.auth.voucher_audience,
    );
    let engine_task = tokio::spawn(engine.run_until(shutdown_signal()));
    let result = gateway.run_until(shutdown_signal()).await;
    let _ = engine_task.await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail("server error", &e),
    }
}
