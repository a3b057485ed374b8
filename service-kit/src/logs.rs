//! Logs on stderr, as both services write them: the filter from `{PREFIX}_LOG` (`info` when
//! unset, e.g. `gateway=debug`), JSON lines when `{PREFIX}_LOG_FORMAT=json`.

/// Installs the global subscriber for the service whose variables start with `prefix`
/// (`GATEWAY`, `INTEROP`).
pub fn init(prefix: &str) {
    let json = std::env::var(format!("{prefix}_LOG_FORMAT")).is_ok_and(|v| v == "json");
    let filter = tracing_subscriber::EnvFilter::try_from_env(format!("{prefix}_LOG"))
        .unwrap_or_else(|_| "info".into());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
}
