//! The console's configuration: defaults, then `console serve --config FILE`, then `CONSOLE_*`
//! environment variables (nested keys joined by `__`), as the other services read theirs
//! ([`service_kit::config::load`]).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Everything `console serve` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// The Interop engine's base URL (its public management API).
    pub engine_url: String,
    /// The URL users open (scheme and host): the session cookie is `Secure` unless it is plain
    /// http on localhost. Empty: `http://` + `bind`.
    pub public_url: String,
    /// How long a session lasts without being used, seconds.
    pub session_idle_secs: u64,
    /// Development sign-in: a page listing `dev_users` that mints their identity token with
    /// the development identity key. Never enable it in production.
    pub dev_sign_in: bool,
    /// The development identity issuer (read only when `dev_sign_in` is true).
    pub dev_identity: DevIdentity,
    /// The users offered by the development sign-in page.
    pub dev_users: Vec<DevUser>,
    /// Slow, idle and numerous clients, as the other services (`[server]`).
    pub server: service_kit::ServerSettings,
}

/// The development identity issuer, as the engine's `identity` section names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevIdentity {
    /// PEM (PKCS#8 or PKCS#1) RSA private key: the engine's `DATA_DIR/identity.key.pem`.
    pub private_key_path: PathBuf,
    pub issuer: String,
    pub audience: String,
    /// Lifetime of a minted identity token, seconds.
    pub token_ttl_secs: i64,
}

/// A user of the demo world, as the development sign-in page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUser {
    /// How the page and the header name the user.
    pub name: String,
    /// The tenant's name (empty for the platform operator).
    #[serde(default)]
    pub tenant_name: String,
    /// The tenant's id (absent for the platform operator).
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub user_id: String,
    /// The engine's role names: admin, api, security, platform.
    pub roles: Vec<String>,
}

impl Default for DevIdentity {
    fn default() -> Self {
        DevIdentity {
            private_key_path: PathBuf::new(),
            issuer: "recapito-dev-identity".into(),
            audience: "recapito-interop".into(),
            token_ttl_secs: 3600,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8083".into(),
            engine_url: "http://127.0.0.1:8081".into(),
            public_url: String::new(),
            session_idle_secs: 8 * 3600,
            dev_sign_in: false,
            dev_identity: DevIdentity::default(),
            dev_users: Vec::new(),
            server: service_kit::ServerSettings::default(),
        }
    }
}

impl Config {
    /// The layered configuration, checked.
    pub fn load(file: Option<&Path>) -> Result<Config, service_kit::config::LoadError> {
        service_kit::config::load(file, "CONSOLE", Config::check)
    }

    /// Values that would make the console useless, refused with a message.
    pub fn check(&self) -> Result<(), String> {
        if !(self.engine_url.starts_with("http://") || self.engine_url.starts_with("https://")) {
            return Err(format!(
                "engine_url must be an http(s) URL, not {:?}",
                self.engine_url
            ));
        }
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "public_url must be an http(s) URL, not {:?}",
                self.public_url
            ));
        }
        self.server.validate()?;
        if self.session_idle_secs == 0 {
            return Err("session_idle_secs must be positive".into());
        }
        if self.dev_sign_in && self.dev_identity.private_key_path.as_os_str().is_empty() {
            return Err("dev_sign_in needs dev_identity.private_key_path".into());
        }
        // Development sign-in lets anyone act as anyone: never where others can reach it.
        if self.dev_sign_in && (!self.loopback_bind() || self.secure_cookie()) {
            return Err(
                "dev_sign_in is for the development stack only: bind and public_url must be \
                 plain http on localhost"
                    .into(),
            );
        }
        Ok(())
    }

    /// Whether `bind` is a loopback address.
    fn loopback_bind(&self) -> bool {
        let host = match self.bind.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or_default(),
            None => self.bind.rsplit_once(':').map_or(&*self.bind, |(h, _)| h),
        };
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether the session cookie carries `Secure`: always, except on plain http on localhost
    /// (where browsers would drop it).
    pub fn secure_cookie(&self) -> bool {
        let url = if self.public_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.public_url.clone()
        };
        let Some(rest) = url.strip_prefix("http://") else {
            return true;
        };
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        !(host == "localhost" || host == "127.0.0.1" || rest.starts_with("[::1]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_secure_except_on_plain_http_localhost() {
        let mut c = Config::default();
        assert!(!c.secure_cookie());
        c.public_url = "https://console.example.it".into();
        assert!(c.secure_cookie());
        c.public_url = "http://console.example.it".into();
        assert!(c.secure_cookie());
        c.public_url = "http://localhost:8083".into();
        assert!(!c.secure_cookie());
    }

    #[test]
    fn dev_sign_in_is_off_by_default_and_needs_a_key() {
        let mut c = Config::default();
        assert!(!c.dev_sign_in);
        assert_eq!(c.check(), Ok(()));
        c.dev_sign_in = true;
        assert!(c.check().unwrap_err().contains("private_key_path"));
        c.dev_identity.private_key_path = "identity.key.pem".into();
        assert_eq!(c.check(), Ok(()));
        c.bind = "0.0.0.0:8083".into();
        assert!(c.check().unwrap_err().contains("development stack only"));
        c.bind = "[::1]:8083".into();
        assert_eq!(c.check(), Ok(()));
        c.public_url = "https://console.example.it".into();
        assert!(c.check().unwrap_err().contains("development stack only"));
        c.public_url = String::new();
        c.engine_url = "ftp://x".into();
        assert!(c.check().unwrap_err().contains("engine_url"));
    }
}
