//! `interop`: the Interop engine's command line.

use clap::{Parser, Subcommand};
use interop::domain::Role;
use interop::domain::ids::{TenantId, UserId};
use interop::{Application, Config};
use service_kit::run::Bound;
use std::process::ExitCode;

service_kit::service_cli!(
    name: "interop",
    about: "Recapito's Interop engine: e-services, agreements, purposes, clients, keys",
    prefix: "INTEROP",
    commands: Cmd
);

#[derive(Subcommand)]
enum Cmd {
    /// Serve the management API.
    Serve,
    /// Mint an identity token for the management API, signed with the development issuer key.
    DevToken {
        /// The user (identity subject); a random one if omitted.
        #[arg(long)]
        user: Option<UserId>,
        /// The user's tenant (omit for a platform token).
        #[arg(long)]
        tenant: Option<TenantId>,
        /// Roles, comma-separated: admin, api, security, platform.
        #[arg(long, value_delimiter = ',', default_value = "admin")]
        roles: Vec<String>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    service_kit::logs::init("INTEROP");
    let config = match service_kit::run::configured("interop", Config::load(cli.config.as_deref()))
    {
        Ok(c) => c,
        Err(code) => return code,
    };
    match cli.command {
        Cmd::Serve => service_kit::run::serve_until_signal("interop", async move {
            Application::build(&config).await.map(Bound::from)
        }),
        Cmd::DevToken {
            user,
            tenant,
            roles,
            ttl,
        } => dev_token(&config, user, tenant, &roles, ttl),
    }
}

fn dev_token(
    config: &Config,
    user: Option<UserId>,
    tenant: Option<TenantId>,
    roles: &[String],
    ttl: i64,
) -> ExitCode {
    let mut parsed = Vec::new();
    for r in roles {
        match Role::parse(r.trim()) {
            Some(role) => parsed.push(role),
            None => {
                eprintln!("interop: unknown role {r:?} (admin, api, security, platform)");
                return ExitCode::from(2);
            }
        }
    }
    let issuer = match interop::app::dev_issuer(config) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("interop: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A platform token is only honoured for a configured operator: by default, the development
    // one the engine trusts with the development identity key.
    let user = match user {
        Some(u) => u,
        None if parsed.contains(&Role::Platform) => {
            match interop::app::dev_platform_operator(config) {
                Ok(u) => u,
                Err(e) => {
                    eprintln!("interop: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => UserId::random(),
    };
    match issuer.mint(user, tenant, &parsed, ttl) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("interop: cannot sign: {e}");
            ExitCode::FAILURE
        }
    }
}
