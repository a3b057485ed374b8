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
    /// PEM public key of the issuer (RS256). When absent and no `jwks_url` or `discovery_url`
    /// is set, a development issuer key is generated in `data_dir/identity.key.pem` (and
    /// `interop dev-token` signs with it).
    pub public_key_path: Option<PathBuf>,
    /// The issuer's JSON Web Key Set (an OpenID provider's `jwks_uri`): tokens signed by any of
    /// its keys (by `kid`; RS256, ES256 and the other RSA/ECDSA algorithms) are accepted. Not
    /// with `public_key_path` or `discovery_url`.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// The issuer's OpenID discovery document (`<issuer>/.well-known/openid-configuration`):
    /// its `issuer` must be `issuer`, and its `jwks_uri` is used as `jwks_url` would be. Not
    /// with `public_key_path` or `jwks_url`.
    #[serde(default)]
    pub discovery_url: Option<String>,
    /// Seconds between two fetches of the key set caused by tokens naming a key it does not
    /// hold (however many such tokens arrive).
    #[serde(default = "default_jwks_min_refresh_secs")]
    pub jwks_min_refresh_secs: u64,
    /// Seconds between two periodic fetches of the key set (keys the issuer removed stop being
    /// accepted).
    #[serde(default = "default_jwks_refresh_secs")]
    pub jwks_refresh_secs: u64,
    /// Timeout of one fetch of the discovery document or key set, seconds.
    #[serde(default = "default_jwks_timeout_secs")]
    pub jwks_timeout_secs: u64,
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

fn default_jwks_min_refresh_secs() -> u64 {
    30
}

fn default_jwks_refresh_secs() -> u64 {
    900
}

fn default_jwks_timeout_secs() -> u64 {
    10
}

impl IdentityConfig {
    /// Whether the engine uses the development identity key: no static key and no key set.
    pub fn uses_dev_key(&self) -> bool {
        self.public_key_path.is_none() && self.jwks_url.is_none() && self.discovery_url.is_none()
    }

    /// The identity section's values [`Config::load`] refuses.
    fn check(&self) -> Result<(), String> {
        let sources = [
            ("identity.public_key_path", self.public_key_path.is_some()),
            ("identity.jwks_url", self.jwks_url.is_some()),
            ("identity.discovery_url", self.discovery_url.is_some()),
        ];
        let set: Vec<&str> = sources
            .iter()
            .filter(|(_, s)| *s)
            .map(|(n, _)| *n)
            .collect();
        if set.len() > 1 {
            return Err(format!(
                "{} are exclusive: the identity issuer's keys come from one of them",
                set.join(" and ")
            ));
        }
        for (name, url) in [
            ("identity.jwks_url", &self.jwks_url),
            ("identity.discovery_url", &self.discovery_url),
        ] {
            if let Some(url) = url
                && !crate::api::auth::is_http_url(url)
            {
                return Err(format!("{name} must be an http(s) URL, not {url:?}"));
            }
        }
        for (name, v) in [
            ("identity.jwks_min_refresh_secs", self.jwks_min_refresh_secs),
            ("identity.jwks_refresh_secs", self.jwks_refresh_secs),
            ("identity.jwks_timeout_secs", self.jwks_timeout_secs),
        ] {
            if v < 1 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(())
    }
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
                jwks_url: None,
                discovery_url: None,
                jwks_min_refresh_secs: default_jwks_min_refresh_secs(),
                jwks_refresh_secs: default_jwks_refresh_secs(),
                jwks_timeout_secs: default_jwks_timeout_secs(),
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
        self.identity.check()?;
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
        std::fs::write(
            &file,
            "[identity]\ndiscovery_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert!(!c.identity.uses_dev_key());
        assert_eq!(c.identity.jwks_min_refresh_secs, 30);
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
            (
                "[identity]\njwks_url = \"file:///etc/jwks.json\"\n",
                "identity.jwks_url must be an http(s) URL",
            ),
            (
                "[identity]\ndiscovery_url = \"https:///x\"\n",
                "identity.discovery_url must be an http(s) URL",
            ),
            (
                "[identity]\npublic_key_path = \"k.pem\"\njwks_url = \"https://idp.example/jwks\"\n",
                "identity.public_key_path and identity.jwks_url are exclusive",
            ),
            (
                "[identity]\njwks_url = \"https://idp.example/jwks\"\ndiscovery_url = \"https://idp.example/.well-known/openid-configuration\"\n",
                "identity.jwks_url and identity.discovery_url are exclusive",
            ),
            (
                "[identity]\njwks_min_refresh_secs = 0\n",
                "identity.jwks_min_refresh_secs must be at least 1",
            ),
        ] {
            std::fs::write(&file, toml).unwrap();
            let e = Config::load(Some(&file)).unwrap_err().to_string();
            assert!(e.contains(message), "{toml}: {e}");
        }
    }
}
