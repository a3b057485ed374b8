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
    /// Where the SQLite database lives (and, with any backend, the gateway's other files).
    pub data_dir: PathBuf,
    /// The database: absent means the embedded SQLite file `data_dir/gateway.db` (one process);
    /// `postgres://user:password@host:port/database` means PostgreSQL, which several gateway
    /// instances can share. Env: `GATEWAY_DATABASE_URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    pub auth: AuthConfig,
    pub fetch: FetchConfig,
    /// The gateway as an Interop consumer, for `INTEROP_VOUCHER` configurations.
    pub interop_client: Option<InteropClientConfig>,
    /// Slow, idle and numerous clients (`[server]`, the same names as the engine's).
    #[serde(default)]
    pub server: service_kit::ServerSettings,
    /// Submissions (`[submission]`).
    #[serde(default)]
    pub submission: SubmissionConfig,
}

/// Submissions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubmissionConfig {
    /// What a `payment_data` without `payee` gets: `sender_organization` (IO's behaviour, the
    /// default) fills in the sender tenant's organization fiscal code from
    /// `organization_fiscal_codes` and refuses the payment of a sender not listed there;
    /// `refuse` asks every payment to name its payee.
    #[serde(default)]
    pub missing_payee: crate::domain::message::MissingPayee,
    /// Each sender tenant's organization fiscal code (11 digits), keyed by Interop tenant id:
    /// the gateway's counterpart of IO's service registry.
    #[serde(default)]
    pub organization_fiscal_codes: std::collections::BTreeMap<String, String>,
}

impl SubmissionConfig {
    /// The payee policy, or which registered fiscal code is wrong.
    pub fn payees(&self) -> Result<crate::domain::message::PayeePolicy, String> {
        crate::domain::message::PayeePolicy::new(
            self.missing_payee,
            self.organization_fiscal_codes.clone(),
        )
    }
}

/// Calls to entities.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchConfig {
    pub connect_timeout_ms: u64,
    /// Whole request, first byte to last.
    pub timeout_ms: u64,
    /// Largest JSON answer (details, precondition).
    pub max_json_bytes: usize,
    /// Largest attachment.
    pub max_pdf_bytes: usize,
    /// Requests in flight to one entity (origin of its base URL); more wait up to
    /// `queue_timeout_ms`, then get 503 ENTITY_BUSY.
    pub per_entity_concurrency: usize,
    pub queue_timeout_ms: u64,
    /// Consecutive failures (timeouts, unreachable, 5xx) that open an entity's circuit…
    pub breaker_failures: u32,
    /// …and how long it stays open (requests fail fast with ENTITY_CIRCUIT_OPEN).
    pub breaker_open_ms: u64,
    /// PDF validations running at once (each holds one attachment in memory); a freed slot goes
    /// to the entities with attachments waiting in turn, so one entity cannot hold them all.
    pub pdf_validations_in_flight: usize,
    /// How long one validation may take once it holds a slot; past it the attachment is refused
    /// with ATTACHMENT_TOO_COMPLEX. Also bounds how long one entity's attachments can delay
    /// another entity's.
    #[serde(default = "default_pdf_validation_timeout_ms")]
    pub pdf_validation_timeout_ms: u64,
    /// How long a downloaded attachment may wait for a validation slot; past it the app gets
    /// `503 ATTACHMENT_VALIDATION_BUSY` (retry) instead of a request that waits without end
    /// while every slot is busy, and its spooled file is removed.
    #[serde(default = "default_pdf_queue_timeout_ms")]
    pub pdf_queue_timeout_ms: u64,
    /// Where attachments are spooled while they are validated (default: the system temp folder).
    pub spool_dir: Option<PathBuf>,
    /// PEM files of CA certificates trusted for `https` entities besides the system's roots
    /// (a private CA, a test entity).
    #[serde(default)]
    pub extra_root_certs: Vec<PathBuf>,
    /// Networks entity calls may reach besides public addresses (CIDR, e.g. `10.20.0.0/16`,
    /// `::1/128`). Loopback, private, link-local, unique-local, multicast and other non-public
    /// addresses are refused otherwise, checked on the address actually connected to.
    #[serde(default)]
    pub egress_allow: Vec<crate::domain::egress::Network>,
}

/// The gateway's Interop client: it builds client assertions with its key and asks the engine for
/// vouchers for the purposes named by configurations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InteropClientConfig {
    pub token_url: String,
    pub client_id: String,
    pub kid: String,
    pub private_key_path: PathBuf,
    pub assertion_audience: String,
    /// The longest a voucher is reused, seconds (it is also renewed 30 s before its `exp`).
    /// Interop's suspensions reach the gateway only when it asks for a new voucher: this bounds
    /// how long a suspended purpose, agreement or e-service keeps working through this gateway.
    #[serde(default = "default_voucher_reuse_secs")]
    pub voucher_reuse_secs: u64,
}

pub const DEFAULT_VOUCHER_REUSE_SECS: u64 = 60;

fn default_voucher_reuse_secs() -> u64 {
    DEFAULT_VOUCHER_REUSE_SECS
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthConfig {
    /// The Interop engine's JWKS (vouchers are verified against it).
    pub interop_jwks_url: String,
    /// `iss` of the vouchers (the engine's `tokens.issuer`).
    pub voucher_issuer: String,
    /// `aud` vouchers must carry to call this gateway (the audience of its e-service).
    pub voucher_audience: String,
    /// The gateway's e-service on Interop (`eserviceId` of the vouchers): required. An audience
    /// is chosen by whoever publishes an e-service, so `aud` alone would accept vouchers for any
    /// tenant's e-service that claims this audience (docs/security.md).
    pub eservice_id: String,
    /// The tenant that offers the gateway's e-service (`producerId` of the vouchers): required.
    pub producer_id: String,
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
            database_url: None,
            auth: AuthConfig {
                interop_jwks_url: "http://127.0.0.1:8081/.well-known/jwks.json".into(),
                voucher_issuer: "recapito-interop".into(),
                voucher_audience: "recapito-gateway".into(),
                eservice_id: String::new(),
                producer_id: String::new(),
                clock_skew: 10,
                app_api_keys: Vec::new(),
            },
            fetch: FetchConfig {
                connect_timeout_ms: 2_000,
                timeout_ms: 10_000,
                max_json_bytes: 1024 * 1024,
                max_pdf_bytes: 20 * 1024 * 1024,
                per_entity_concurrency: 32,
                queue_timeout_ms: 1_000,
                breaker_failures: 5,
                breaker_open_ms: 10_000,
                pdf_validations_in_flight: 2,
                pdf_validation_timeout_ms: default_pdf_validation_timeout_ms(),
                pdf_queue_timeout_ms: default_pdf_queue_timeout_ms(),
                spool_dir: None,
                extra_root_certs: Vec::new(),
                egress_allow: Vec::new(),
            },
            interop_client: None,
            server: service_kit::ServerSettings::default(),
            submission: SubmissionConfig::default(),
        }
    }
}

fn default_pdf_validation_timeout_ms() -> u64 {
    pdfa::DEFAULT_TIMEOUT.as_millis() as u64
}

fn default_pdf_queue_timeout_ms() -> u64 {
    20_000
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
        let config: Config = fig
            .merge(Env::prefixed("GATEWAY_").split("__"))
            .extract()
            .map_err(Box::new)?;
        if config
            .interop_client
            .as_ref()
            .is_some_and(|c| c.voucher_reuse_secs == 0)
        {
            // 0 would ask Interop for a voucher at every fetch, one at a time per purpose.
            return Err(Box::new(figment::Error::from(
                "interop_client.voucher_reuse_secs must be at least 1".to_owned(),
            )));
        }
        config
            .check_server()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        config
            .submission
            .payees()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        Ok(config)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("gateway.db")
    }

    /// Which store [`crate::store::open`] opens, from `database_url` (read as the engine reads
    /// its own: [`service_kit::postgres::url`]).
    pub fn database(&self) -> Result<Database, String> {
        Ok(
            match service_kit::postgres::url(self.database_url.as_deref())? {
                None => Database::Sqlite(self.database_path()),
                Some(url) => Database::Postgres(url),
            },
        )
    }
}

// --- [server] ---

impl Config {
    /// The `[server]` values that would make the gateway useless, refused at load.
    fn check_server(&self) -> Result<(), String> {
        self.server.validate()?;
        // The idle timeout also runs while a handler works without sending a byte: it must
        // outlast the longest wait for an entity and for an attachment's validation, or slow
        // answers are cut off.
        let f = &self.fetch;
        let longest_fetch = f.timeout_ms
            + f.queue_timeout_ms
            + f.pdf_queue_timeout_ms
            + f.pdf_validation_timeout_ms;
        if self.server.idle_timeout_ms <= longest_fetch {
            return Err(format!(
                "server.idle_timeout_ms ({}) must exceed fetch.timeout_ms + fetch.queue_timeout_ms \
                 + fetch.pdf_queue_timeout_ms + fetch.pdf_validation_timeout_ms \
                 ({longest_fetch}), or slow answers are cut off",
                self.server.idle_timeout_ms
            ));
        }
        Ok(())
    }
}

// --- end of [server] ---

/// The store a configuration selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_selects_the_backend() {
        let mut c = Config::default();
        assert_eq!(
            c.database(),
            Ok(Database::Sqlite(PathBuf::from(
                ".recapito/gateway/gateway.db"
            )))
        );
        for url in [
            "postgres://u:p@db:5432/recapito",
            "postgresql://db/recapito",
        ] {
            c.database_url = Some(url.into());
            assert_eq!(c.database(), Ok(Database::Postgres(url.into())));
        }
        c.database_url = Some("mysql://u:secret@db/recapito".into());
        let e = c.database().unwrap_err();
        assert!(e.contains("\"mysql\"") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn database_url_is_read_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
        std::fs::write(&file, "database_url = \"postgres://db/recapito\"\n").unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.database_url.as_deref(), Some("postgres://db/recapito"));
        // Absent: the embedded file.
        std::fs::write(&file, "bind = \"127.0.0.1:0\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&file)).unwrap().database(),
            Ok(Database::Sqlite(_))
        ));
    }

    #[test]
    fn voucher_reuse_defaults_to_a_minute_and_is_never_zero() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
        let client = "[interop_client]\ntoken_url = \"http://127.0.0.1:1/token.oauth2\"\n\
                      client_id = \"c\"\nkid = \"k\"\nprivate_key_path = \"k.pem\"\n\
                      assertion_audience = \"a\"\n";
        std::fs::write(&file, client).unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(
            c.interop_client.unwrap().voucher_reuse_secs,
            DEFAULT_VOUCHER_REUSE_SECS
        );
        std::fs::write(&file, format!("{client}voucher_reuse_secs = 0\n")).unwrap();
        let e = Config::load(Some(&file)).unwrap_err().to_string();
        assert!(e.contains("voucher_reuse_secs must be at least 1"), "{e}");
    }

    #[test]
    fn server_settings_default_are_read_from_the_file_and_zero_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:0\"\n").unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.server, service_kit::ServerSettings::default());
        assert_eq!(c.server.header_read_timeout_ms, 10_000);
        assert_eq!(c.server.idle_timeout_ms, 60_000);

        std::fs::write(
            &file,
            "[server]\nheader_read_timeout_ms = 1500\nmax_connections_per_ip = 7\n",
        )
        .unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.server.header_read_timeout_ms, 1_500);
        assert_eq!(c.server.max_connections_per_ip, 7);
        assert_eq!(c.server.max_connections, 4_096);

        for (setting, value) in [
            ("header_read_timeout_ms", "0"),
            ("idle_timeout_ms", "0"),
            ("max_connections", "0"),
            ("max_connections_per_ip", "0"),
        ] {
            std::fs::write(&file, format!("[server]\n{setting} = {value}\n")).unwrap();
            let e = Config::load(Some(&file)).unwrap_err().to_string();
            assert!(
                e.contains(&format!("server.{setting} must be at least 1")),
                "{e}"
            );
        }

        std::fs::write(&file, "[server]\nidle_timeout_ms = 5000\n").unwrap();
        let e = Config::load(Some(&file)).unwrap_err().to_string();
        assert!(e.contains("must exceed fetch.timeout_ms"), "{e}");
    }

    #[test]
    fn the_payee_policy_is_read_from_the_file_and_a_bad_fiscal_code_refused() {
        use crate::domain::message::MissingPayee;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:0\"\n").unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.submission.missing_payee, MissingPayee::SenderOrganization);
        assert!(c.submission.organization_fiscal_codes.is_empty());

        std::fs::write(
            &file,
            "[submission]\nmissing_payee = \"refuse\"\n\
             [submission.organization_fiscal_codes]\n\"tenant-1\" = \"80012345678\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.submission.missing_payee, MissingPayee::Refuse);
        assert_eq!(
            c.submission.organization_fiscal_codes["tenant-1"],
            "80012345678"
        );

        std::fs::write(
            &file,
            "[submission.organization_fiscal_codes]\n\"tenant-1\" = \"SPNDNL80R13C555X\"\n",
        )
        .unwrap();
        let e = Config::load(Some(&file)).unwrap_err().to_string();
        assert!(e.contains("not an organization fiscal code"), "{e}");
        std::fs::write(&file, "[submission]\nmissing_payee = \"guess\"\n").unwrap();
        assert!(Config::load(Some(&file)).is_err());
    }
}
