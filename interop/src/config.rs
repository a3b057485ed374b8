//! Configuration: defaults, then a TOML file (`--config FILE`), then `INTEROP_*` environment
//! variables (nested keys with `__`, e.g. `INTEROP_IDENTITY__ISSUER`).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub bind: String,
    /// Where the SQLite database and generated keys live.
    pub data_dir: PathBuf,
    pub identity: IdentityConfig,
}

/// The identity issuer whose tokens the management API accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityConfig {
    pub issuer: String,
    pub audience: String,
    /// PEM public key of the issuer. When absent, a development issuer key is generated in
    /// `data_dir/identity.key.pem` (and `interop dev-token` signs with it).
    pub public_key_path: Option<PathBuf>,
    /// PEM private key used by `interop dev-token` (default: the generated development key).
    pub private_key_path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8081".into(),
            data_dir: PathBuf::from(".recapito/interop"),
            identity: IdentityConfig {
                issuer: "recapito-dev-identity".into(),
                audience: "recapito-interop".into(),
                public_key_path: None,
                private_key_path: None,
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
        fig.merge(Env::prefixed("INTEROP_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("interop.db")
    }

    /// The development identity key, generated on first use.
    pub fn dev_identity_key_path(&self) -> PathBuf {
        self.data_dir.join("identity.key.pem")
    }
}
