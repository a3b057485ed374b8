//! Configuration: defaults, then a TOML file (`--config FILE`), then `GATEWAY_*` environment
//! variables (nested keys joined with `__`, e.g. `GATEWAY_AUTH__VOUCHER_AUDIENCE`).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub bind: String,
    /// Where the SQLite database lives.
    pub data_dir: PathBuf,
    pub auth: AuthConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthConfig {
    /// The Interop engine's JWKS (vouchers are verified against it).
    pub interop_jwks_url: String,
    /// `iss` of the vouchers (the engine's `tokens.issuer`).
    pub voucher_issuer: String,
    /// `aud` vouchers must carry to call this gateway (the audience of its e-service).
    pub voucher_audience: String,
    /// Tolerated clock difference, seconds.
    pub clock_skew: u64,
    /// Keys the app backend authenticates with (`Authorization: Bearer <key>`).
    pub app_api_keys: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from(".recapito/gateway"),
            auth: AuthConfig {
                interop_jwks_url: "http://127.0.0.1:8081/.well-known/jwks.json".into(),
                voucher_issuer: "recapito-interop".into(),
                voucher_audience: "recapito-gateway".into(),
                clock_skew: 10,
                app_api_keys: Vec::new(),
            },
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            if !f.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    f.display()
                ))));
            }
            fig = fig.merge(Toml::file(f));
        }
        fig.merge(Env::prefixed("GATEWAY_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("gateway.db")
    }
}
