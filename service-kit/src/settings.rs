//! The `[server]` section both services read, under the same names.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How the HTTP server treats slow, idle and numerous clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Time a client has to send a complete request head, counted from the connection's start
    /// and, on a keep-alive connection, from the end of the previous response: it is also how
    /// long an idle keep-alive connection is kept.
    pub header_read_timeout_ms: u64,
    /// Longest time without a byte moving either way once a request head has arrived (a stalled
    /// request body, a client that stops reading its response). It must exceed the longest a
    /// handler takes to start answering.
    pub idle_timeout_ms: u64,
    /// Open connections, all clients together; at the cap the server stops accepting until one
    /// closes. Lowered at start to fit the open-file limit if it does not.
    pub max_connections: usize,
    /// Open connections from one IP address; more are closed as soon as they are accepted.
    pub max_connections_per_ip: usize,
}

pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 10_000;
pub const DEFAULT_IDLE_TIMEOUT_MS: u64 = 60_000;
pub const DEFAULT_MAX_CONNECTIONS: usize = 4_096;
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 256;

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_read_timeout_ms: DEFAULT_HEADER_READ_TIMEOUT_MS,
            idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
        }
    }
}

impl ServerSettings {
    /// Refuses the values that would make the server useless (each 0 here would close or refuse
    /// every connection); the message names the setting as the configuration file spells it.
    pub fn validate(&self) -> Result<(), String> {
        let zero = [
            (
                "header_read_timeout_ms",
                self.header_read_timeout_ms == 0,
                "every connection would be closed before its first request",
            ),
            (
                "idle_timeout_ms",
                self.idle_timeout_ms == 0,
                "every request would be cut off",
            ),
            (
                "max_connections",
                self.max_connections == 0,
                "no connection would ever be accepted",
            ),
            (
                "max_connections_per_ip",
                self.max_connections_per_ip == 0,
                "every client would be refused",
            ),
        ];
        match zero.iter().find(|(_, is_zero, _)| *is_zero) {
            Some((name, _, why)) => Err(format!("server.{name} must be at least 1 (0: {why})")),
            None => Ok(()),
        }
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Zero = fn(&mut ServerSettings);

    #[test]
    fn defaults_are_valid_and_each_zero_is_refused_by_name() {
        assert_eq!(ServerSettings::default().validate(), Ok(()));
        let zeroed: [(&str, Zero); 4] = [
            ("server.header_read_timeout_ms", |s| {
                s.header_read_timeout_ms = 0
            }),
            ("server.idle_timeout_ms", |s| s.idle_timeout_ms = 0),
            ("server.max_connections", |s| s.max_connections = 0),
            ("server.max_connections_per_ip", |s| {
                s.max_connections_per_ip = 0
            }),
        ];
        for (name, zero) in zeroed {
            let mut s = ServerSettings::default();
            zero(&mut s);
            let e = s.validate().unwrap_err();
            assert!(e.starts_with(&format!("{name} must be at least 1")), "{e}");
        }
    }

    #[derive(Debug, Default, Serialize, Deserialize)]
    struct WithServer {
        #[serde(default)]
        server: ServerSettings,
    }

    #[test]
    fn a_partial_server_section_keeps_the_other_defaults_and_a_zero_is_refused_at_load() {
        let dir = std::env::temp_dir().join(format!("service-kit-server-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("service.toml");
        let load = |toml: &str| {
            std::fs::write(&file, toml).unwrap();
            crate::config::load(Some(&file), "SERVICE_KIT_SERVER_UNSET", |c: &WithServer| {
                c.server.validate()
            })
        };
        let c = load("[server]\nidle_timeout_ms = 2500\nmax_connections = 9\n").unwrap();
        assert_eq!(c.server.idle_timeout_ms, 2_500);
        assert_eq!(c.server.max_connections, 9);
        assert_eq!(
            c.server.header_read_timeout_ms,
            DEFAULT_HEADER_READ_TIMEOUT_MS
        );
        assert_eq!(
            c.server.max_connections_per_ip,
            DEFAULT_MAX_CONNECTIONS_PER_IP
        );
        for setting in [
            "header_read_timeout_ms",
            "idle_timeout_ms",
            "max_connections",
            "max_connections_per_ip",
        ] {
            let e = load(&format!("[server]\n{setting} = 0\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("server.{setting} must be at least 1")),
                "{e}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
