//! Configuration: defaults, then a TOML file (`--config FILE`), then `INTEROP_*` environment
//! variables (nested keys with `__`, e.g. `INTEROP_IDENTITY__ISSUER`).

use crate::domain::ids::UserId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub bind: String,
    /// Where the SQLite databases and the development identity key live.
    pub data_dir: PathBuf,
    /// Absent (the default): the embedded SQLite files in `data_dir`, for one instance.
    /// `postgres://user:password@host:port/database` means PostgreSQL, which several engine
    /// instances share (`?options[search_path]=SCHEMA` selects a schema).
    pub database_url: Option<String>,
    pub identity: IdentityConfig,
    pub tokens: TokensConfig,
    /// Slow, idle and numerous clients (`[server]`, the same names as the gateway's).
    #[serde(default)]
    pub server: service_kit::ServerSettings,
}

/// The authorization server (`POST /token.oauth2`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokensConfig {
    /// `iss` of the vouchers and M2M tokens the engine signs.
    pub issuer: String,
    /// What client assertions must carry in `aud`.
    pub client_assertion_audience: String,
    /// `aud` of tokens for the engine's own M2M API (API clients).
    pub m2m_audience: String,
    /// Lifetime of M2M tokens, seconds.
    pub m2m_lifespan: u32,
    /// Longest accepted `exp - iat` of a client assertion, seconds.
    pub max_assertion_lifetime: i64,
    /// Tolerated clock difference with clients, seconds.
    pub clock_skew: u64,
    /// A PEM private key to sign with (the same file for every instance). When absent, keys are
    /// generated into the store, which every instance sharing it uses.
    pub signing_key_path: Option<PathBuf>,
    /// How long a rotated-out key stays in the JWKS, seconds (≥ the longest voucher lifespan).
    pub key_retention: i64,
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
    /// The platform operators: identity-token subjects (`sub`, user UUIDs) who act as the
    /// platform (register tenants, certify attributes) when their token names no tenant. Any
    /// other token claiming the `platform` role is refused: who operates the platform is this
    /// engine's decision, never a claim an identity provider puts in a token. With the
    /// development identity key (no `public_key_path`) the development operator of
    /// `data_dir/dev-platform-operator` is one too (`interop dev-token --roles platform`).
    #[serde(default)]
    pub platform_operators: Vec<UserId>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8081".into(),
            data_dir: PathBuf::from(".recapito/interop"),
            database_url: None,
            identity: IdentityConfig {
                issuer: "recapito-dev-identity".into(),
                audience: "recapito-interop".into(),
                public_key_path: None,
                private_key_path: None,
                platform_operators: Vec::new(),
            },
            tokens: TokensConfig {
                issuer: "recapito-interop".into(),
                client_assertion_audience: "recapito-interop/client-assertion".into(),
                m2m_audience: "recapito-interop/m2m".into(),
                m2m_lifespan: 600,
                max_assertion_lifetime: 3600,
                clock_skew: 10,
                signing_key_path: None,
                key_retention: 86_400 + 60,
            },
            server: service_kit::ServerSettings::default(),
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        service_kit::config::load(file, "INTEROP", Config::check_values)
    }

    /// What [`Config::load`] refuses (exit status 2): the values that would make the engine
    /// useless, each named as the configuration file spells it.
    fn check_values(&self) -> Result<(), String> {
        self.server.validate()?;
        let t = &self.tokens;
        let at_least_one = [
            (
                "tokens.m2m_lifespan",
                i64::from(t.m2m_lifespan),
                "every M2M token would be expired when issued",
            ),
            (
                "tokens.max_assertion_lifetime",
                t.max_assertion_lifetime,
                "every client assertion would be refused",
            ),
            (
                "tokens.key_retention",
                t.key_retention,
                "a rotated-out key would leave the JWKS while vouchers it signed are still valid",
            ),
        ];
        if let Some((name, _, why)) = at_least_one.iter().find(|(_, v, _)| *v < 1) {
            return Err(format!("{name} must be at least 1 (less: {why})"));
        }
        for (name, value) in [
            ("identity.issuer", &self.identity.issuer),
            ("identity.audience", &self.identity.audience),
            ("tokens.issuer", &t.issuer),
            (
                "tokens.client_assertion_audience",
                &t.client_assertion_audience,
            ),
            ("tokens.m2m_audience", &t.m2m_audience),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{name} must not be empty"));
            }
        }
        Ok(())
    }

    /// Which store [`crate::store::open`] opens, from `database_url`.
    pub fn database(&self) -> Result<Database, String> {
        Database::select(self.database_url.as_deref(), || SqliteFiles {
            log: self.database_path(),
            tokens: self.tokens_database_path(),
        })
    }

    /// Where keys generated before they moved into the store were kept (imported at start).
    pub fn legacy_signing_dir(&self) -> PathBuf {
        self.data_dir.join("signing")
    }

    pub fn tokens_database_path(&self) -> PathBuf {
        self.data_dir.join("tokens.db")
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("interop.db")
    }

    /// The development identity key, generated on first use.
    pub fn dev_identity_key_path(&self) -> PathBuf {
        self.data_dir.join("identity.key.pem")
    }

    /// Where the development platform operator's id is kept (with the development identity key).
    pub fn dev_platform_operator_path(&self) -> PathBuf {
        self.data_dir.join("dev-platform-operator")
    }
}

/// The store a configuration selects: the embedded SQLite files, or PostgreSQL.
pub type Database = service_kit::postgres::Database<SqliteFiles>;

/// The embedded store's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteFiles {
    /// The event log (durable).
    pub log: PathBuf,
    /// The token records.
    pub tokens: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_selects_the_backend() {
        let mut c = Config::default();
        assert_eq!(
            c.database(),
            Ok(Database::Embedded(SqliteFiles {
                log: c.data_dir.join("interop.db"),
                tokens: c.data_dir.join("tokens.db"),
            }))
        );
        // Which URLs select PostgreSQL is service_kit::postgres's, tested there.
        c.database_url = Some("postgresql://db/recapito".into());
        assert_eq!(
            c.database(),
            Ok(Database::Postgres("postgresql://db/recapito".into()))
        );
    }

    #[test]
    fn values_that_would_make_the_engine_useless_are_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("interop.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:0\"\n").unwrap();
        assert!(Config::load(Some(&file)).is_ok());
        for (toml, message) in [
            (
                "[tokens]\nm2m_lifespan = 0\n",
                "tokens.m2m_lifespan must be at least 1",
            ),
            (
                "[tokens]\nmax_assertion_lifetime = -5\n",
                "tokens.max_assertion_lifetime must be at least 1",
            ),
            (
                "[tokens]\nkey_retention = 0\n",
                "tokens.key_retention must be at least 1",
            ),
            (
                "[identity]\naudience = \" \"\n",
                "identity.audience must not be empty",
            ),
            (
                "[tokens]\nissuer = \"\"\n",
                "tokens.issuer must not be empty",
            ),
            (
                "[server]\nmax_connections_per_ip = 0\n",
                "server.max_connections_per_ip must be at least 1",
            ),
        ] {
            std::fs::write(&file, toml).unwrap();
            let e = Config::load(Some(&file)).unwrap_err().to_string();
            assert!(e.contains(message), "{toml}: {e}");
        }
    }
}
