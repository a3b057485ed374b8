//! A service's process, as both services run theirs: the configuration read (a bad one is exit
//! status 2), the open-file limit raised, the runtime, start-up (a failure to start is exit
//! status 1), then serving until Ctrl-C or SIGTERM.

use crate::server::serve;
use crate::settings::ServerSettings;
use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;
use tokio::net::TcpListener;

/// A service bound to its port with the router it serves, ready to run: what both services'
/// `Application::build` makes.
pub struct Bound {
    name: &'static str,
    listener: TcpListener,
    router: axum::Router,
    settings: ServerSettings,
}

impl Bound {
    /// `name` is how the logs call the service ("gateway", "interop engine").
    pub fn new(
        name: &'static str,
        listener: TcpListener,
        router: axum::Router,
        settings: ServerSettings,
    ) -> Bound {
        Bound {
            name,
            listener,
            router,
            settings,
        }
    }

    /// The port it listens on (the one the system chose when asked for port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.listener.local_addr()?, "{} listening", self.name);
        serve(self.listener, self.router, &self.settings, shutdown).await
    }
}

/// Declares a service's command line, `struct Cli { config, command }`: the global
/// `--config FILE` option (TOML; also `{PREFIX}_CONFIG`, and `{PREFIX}_*` variables override the
/// file) and the subcommands `$commands` (a `clap::Subcommand` enum). The caller depends on clap.
///
/// ```ignore
/// service_kit::service_cli!(name: "console", about: "…", prefix: "CONSOLE", commands: Cmd);
/// ```
#[macro_export]
macro_rules! service_cli {
    (name: $name:literal, about: $about:literal, prefix: $prefix:literal, commands: $commands:ty) => {
        #[derive(clap::Parser)]
        #[command(name = $name, version, about = $about)]
        struct Cli {
            #[arg(
                long,
                global = true,
                env = concat!($prefix, "_CONFIG"),
                help = concat!(
                    "Configuration file (TOML); `", $prefix, "_*` environment variables override it"
                )
            )]
            config: Option<std::path::PathBuf>,
            #[command(subcommand)]
            command: $commands,
        }
    };
}

/// The loaded configuration, or exit status 2 with `{program}: configuration error: …` on
/// stderr.
pub fn configured<T, E: Display>(program: &str, loaded: Result<T, E>) -> Result<T, ExitCode> {
    loaded.map_err(|e| {
        eprintln!("{program}: configuration error: {e}");
        ExitCode::from(2)
    })
}

/// A multi-threaded runtime for the whole process, with the open-file limit raised first: every
/// connection is a descriptor, and the soft limit (often 1 024) is the first thing a flood of
/// idle connections exhausts, long before the hard limit.
pub fn runtime() -> tokio::runtime::Runtime {
    crate::nofile::raise_open_file_limit();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// `{program} serve`: starts the service with `start` on a [`runtime`] and serves until Ctrl-C
/// or SIGTERM. A failure to start or to serve is told on stderr (`{program}: cannot start: …`,
/// `{program}: server error: …`) and is exit status 1.
pub fn serve_until_signal<E: Display>(
    program: &str,
    start: impl Future<Output = Result<Bound, E>>,
) -> ExitCode {
    runtime().block_on(async {
        let service = match start.await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{program}: cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        match service.run_until(crate::shutdown::signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{program}: server error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bound_service_answers_on_its_port_until_shutdown() {
        let listener = crate::bind("127.0.0.1:0").await.unwrap();
        let router = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
        let bound = Bound::new("sample", listener, router, ServerSettings::default());
        let port = bound.port();
        assert_ne!(port, 0);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(bound.run_until(async {
            let _ = stopped.await;
        }));
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("hello"), "{answer}");
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    #[test]
    fn a_configuration_error_is_exit_status_2() {
        assert_eq!(configured::<u8, &str>("x", Ok(1)), Ok(1));
        assert_eq!(
            configured::<u8, &str>("x", Err("bad")),
            Err(ExitCode::from(2))
        );
    }
}
