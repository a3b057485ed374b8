//! `mock-provider`: plays any entity for tests and the dev stack. Serves the scenario files of a
//! folder through provider-sdk's router, applies each scenario's faults, and takes new scenarios
//! at run time (`PUT /admin/scenarios/{id}`).

use clap::Parser;
use mock_provider::{LollipopPolicy, Scenarios, admin_router, entity_router_with, scenario};
use provider_sdk::auth::{Authentication, EServicePin, VoucherVerifier};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

#[derive(Parser)]
#[command(
    name = "mock-provider",
    about = "A configurable remote-content entity for tests"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1:8082", env = "MOCK_PROVIDER_BIND")]
    bind: String,
    /// Folder of scenario files (`*.json`); attachment `file`s are relative to its parent.
    #[arg(long, default_value = "fixtures/scenarios")]
    scenarios: PathBuf,
    /// Path prefix the entity serves under (its configuration's base_url path).
    #[arg(long, default_value = "/rc")]
    prefix: String,
    /// Require this API key header (with --api-key).
    #[arg(long)]
    api_key_header: Option<String>,
    #[arg(long)]
    api_key: Option<String>,
    /// Require Interop vouchers verified against this JWKS (with --voucher-audience,
    /// --voucher-eservice-id and --voucher-producer-id).
    #[arg(long, requires_all = ["voucher_audience", "voucher_eservice_id", "voucher_producer_id"])]
    jwks_url: Option<String>,
    #[arg(long, default_value = "recapito-interop")]
    voucher_issuer: String,
    #[arg(long)]
    voucher_audience: Option<String>,
    /// The e-service vouchers must be for (its id on Interop): a voucher with the right
    /// audience for another e-service is refused.
    #[arg(long)]
    voucher_eservice_id: Option<String>,
    /// The tenant that offers that e-service.
    #[arg(long)]
    voucher_producer_id: Option<String>,
    /// Verify lollipop signatures: `off`, `required` (every request) or `when-present` (requests
    /// that carry lollipop headers). Scenarios with `"lollipop": true` require it regardless.
    #[arg(long, value_enum, default_value = "off")]
    lollipop: Lollipop,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Lollipop {
    Off,
    Required,
    WhenPresent,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let loaded = match scenario::load_dir(&cli.scenarios) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock-provider: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!(scenarios = loaded.len(), "scenarios loaded");
    let scenarios: Scenarios = Arc::new(RwLock::new(loaded));
    let auth = match (
        &cli.api_key_header,
        &cli.api_key,
        &cli.jwks_url,
        &cli.voucher_audience,
    ) {
        (Some(h), Some(k), _, _) => Authentication::ApiKey {
            header: h.clone(),
            key: k.clone(),
        },
        (_, _, Some(url), Some(aud)) => Authentication::Voucher(Box::new(VoucherVerifier::new(
            url,
            &cli.voucher_issuer,
            aud,
            EServicePin::new(
                cli.voucher_eservice_id.clone().unwrap_or_default(),
                cli.voucher_producer_id.clone().unwrap_or_default(),
            ),
            None,
        ))),
        _ => Authentication::None,
    };
    let files_root = cli
        .scenarios
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let lollipop = match cli.lollipop {
        Lollipop::Off => LollipopPolicy::Off,
        Lollipop::Required => LollipopPolicy::Required,
        Lollipop::WhenPresent => LollipopPolicy::WhenPresent,
    };
    let app = entity_router_with(scenarios.clone(), files_root, &cli.prefix, auth, lollipop)
        .merge(admin_router(scenarios));
    let listener = match tokio::net::TcpListener::bind(&cli.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mock-provider: cannot listen on {}: {e}", cli.bind);
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "mock-provider listening on http://{}{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        cli.prefix
    );
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock-provider: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
