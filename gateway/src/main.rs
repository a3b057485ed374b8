//! `gateway`: the messaging gateway's command line.

use clap::{Parser, Subcommand};
use gateway::{Application, Config};
use service_kit::run::Bound;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: glibc keeps freed memory in up to 8 arenas per core, so 50
/// concurrent 10 MB attachments left hundreds of MB resident on 2 cores and would leave more on
/// larger hosts; mimalloc returns it, and allocates faster on the request path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

service_kit::service_cli!(
    name: "gateway",
    about: "Recapito: remote-content messaging gateway",
    prefix: "GATEWAY",
    commands: Cmd
);

#[derive(Subcommand)]
enum Cmd {
    /// Serve the gateway's APIs.
    Serve,
    /// Check PDF files the way attachments are checked (PDF/A-2, every broken rule): one line
    /// per file, `PASS <path>` or `FAIL <path>: <rule> <message>` with further findings
    /// indented below; exits 1 if any failed (the same as the `check-pdf` binary).
    CheckPdf {
        /// One JSON array on stdout, an object per file with every finding.
        #[arg(long)]
        json: bool,
        /// Check against PDF/A-2a, 2b or 2u (default: the level each file claims, 2b if none).
        #[arg(long, value_name = "2a|2b|2u")]
        flavour: Option<pdfa::Flavour>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check an entity's remote-content endpoints the way the gateway fetches them, before going
    /// live: every check with PASS, WARN or FAIL, its code, meaning and fix (docs/probe.md);
    /// exits 0 when nothing failed, 1 otherwise.
    Probe(Box<gateway::probe::cli::ProbeArgs>),
    /// Run the development stack on localhost with embedded stores (the Interop engine, the
    /// gateway, the mock provider and the web console): hands over to the `dev-stack` binary of
    /// this source tree (`cargo run -p dev-stack`) with the same arguments (`gateway dev --help`
    /// lists them).
    #[command(disable_help_flag = true)]
    Dev {
        /// `--data-dir`, `--gateway-port`, `--interop-port`, `--provider-port`, `--console-port`
        /// (see `--help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    service_kit::logs::init("GATEWAY");
    match cli.command {
        Cmd::CheckPdf {
            json,
            flavour,
            files,
        } => pdfa::cli::run_with(&files, &pdfa::cli::CliOptions { json, flavour }),
        Cmd::Serve => {
            match service_kit::run::configured("gateway", Config::load(cli.config.as_deref())) {
                Ok(config) => service_kit::run::serve_until_signal("gateway", async move {
                    Application::build(&config).await.map(Bound::from)
                }),
                Err(code) => code,
            }
        }
        Cmd::Probe(args) => gateway::probe::cli::main(&args, cli.config.as_deref()),
        Cmd::Dev { args } => dev(&args),
    }
}

/// `gateway dev`: the development stack links the Interop engine and the mock provider, which
/// the gateway does not, so it is the `dev-stack` crate's binary; from a source tree (the
/// README's `cargo run --release -p gateway -- dev`) this runs it through cargo, with the same
/// profile and arguments, replacing this process (signals reach the stack directly).
fn dev(args: &[OsString]) -> ExitCode {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    // `cargo run` names itself in CARGO; a binary run on its own falls back to the cargo that
    // built it.
    let cargo = std::env::var_os("CARGO").or_else(|| option_env!("CARGO").map(OsString::from));
    let (Some(cargo), true) = (cargo, workspace.exists()) else {
        eprintln!(
            "gateway dev: the development stack is the dev-stack binary of Recapito's source tree \
             (cargo run --release -p dev-stack); this gateway was not run from one"
        );
        return ExitCode::from(2);
    };
    let mut run = cargo_run_dev_stack(cargo, &workspace, !cfg!(debug_assertions), args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = run.exec();
        eprintln!("gateway dev: cannot run cargo: {e}");
        ExitCode::FAILURE
    }
    #[cfg(not(unix))]
    match run.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("gateway dev: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo run [--release] --manifest-path <workspace> -p dev-stack -- <args>`.
fn cargo_run_dev_stack(
    cargo: OsString,
    workspace: &Path,
    release: bool,
    args: &[OsString],
) -> std::process::Command {
    let mut run = std::process::Command::new(cargo);
    run.arg("run");
    if release {
        run.arg("--release");
    }
    run.arg("--manifest-path")
        .arg(workspace)
        .args(["-p", "dev-stack", "--"])
        .args(args);
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_dev_hands_its_arguments_to_the_dev_stack_in_the_same_profile() {
        let args: Vec<OsString> = ["--data-dir", "/tmp/x", "--gateway-port", "0"]
            .map(OsString::from)
            .to_vec();
        let run = cargo_run_dev_stack("cargo".into(), Path::new("/src/Cargo.toml"), true, &args);
        let argv: Vec<_> = run.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(run.get_program(), "cargo");
        assert_eq!(
            argv,
            [
                "run",
                "--release",
                "--manifest-path",
                "/src/Cargo.toml",
                "-p",
                "dev-stack",
                "--",
                "--data-dir",
                "/tmp/x",
                "--gateway-port",
                "0"
            ]
        );
        let debug = cargo_run_dev_stack("cargo".into(), Path::new("/src/Cargo.toml"), false, &[]);
        assert!(!debug.get_args().any(|a| a == "--release"));
        // The workspace this binary was built from is where the dev stack is.
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../dev-stack/Cargo.toml")
                .exists()
        );
    }

    #[test]
    fn gateway_probe_takes_its_arguments_and_the_global_config() {
        let cli = Cli::try_parse_from([
            "gateway",
            "--config",
            "gateway.toml",
            "probe",
            "--base-url",
            "http://127.0.0.1:8082/rc",
            "--api-key",
            "dev-provider-key",
            "--fiscal-code",
            "SPNDNL80R13C555X",
            "--message-id",
            "avviso-tari-2026",
            "--has-attachments",
        ])
        .unwrap();
        assert_eq!(cli.config.as_deref(), Some(Path::new("gateway.toml")));
        let Cmd::Probe(args) = cli.command else {
            panic!("not probe")
        };
        assert!(args.has_attachments);
        assert_eq!(args.message_id, "avviso-tari-2026");
        let e = Cli::try_parse_from(["gateway", "probe", "--base-url", "http://x"])
            .err()
            .expect("missing arguments");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn gateway_dev_takes_any_arguments_for_the_dev_stack() {
        let cli = Cli::try_parse_from(["gateway", "dev", "--data-dir", "d", "--help"]).unwrap();
        let Cmd::Dev { args } = cli.command else {
            panic!("not dev")
        };
        assert_eq!(args, ["--data-dir", "d", "--help"].map(OsString::from));
    }
}
