//! Configuration: defaults, then a TOML file (`--config FILE`), then `GATEWAY_*` environment
//! variables (nested keys joined with `__`, e.g. `GATEWAY_AUTH__VOUCHER_AUDIENCE`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// The probe API (`[probe]`): how often entities may have the gateway probe their endpoints.
    #[serde(default)]
    pub probe: ProbeConfig,
}

/// `[probe]`: `POST /api/v1/remote-contents/configurations/{id}/probe` makes the gateway call an
/// entity's endpoints on request, so it is bounded (one probe at a time per tenant besides).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeConfig {
    /// Probes one tenant may start in any minute.
    pub per_tenant_per_minute: u32,
    /// Probes running at once, every tenant's together.
    pub max_concurrent: usize,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        let d = crate::probe::admission::DEFAULT_LIMITS;
        ProbeConfig {
            per_tenant_per_minute: d.per_tenant_per_minute,
            max_concurrent: d.max_concurrent,
        }
    }
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
            self.organization_fiscal_codes
                .iter()
                .map(|(tenant, fc)| (crate::domain::TenantId::new(tenant.as_str()), fc.clone()))
                .collect(),
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
            probe: ProbeConfig::default(),
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
        service_kit::config::load(file, "GATEWAY", Config::check_values)
    }

    /// What [`Config::load`] refuses (exit code 2). The listen address, the database URL, the
    /// app keys and the e-service pin are read by [`Config::settings`] when the gateway starts
    /// (a failure to start, as before).
    fn check_values(&self) -> Result<(), String> {
        if self
            .interop_client
            .as_ref()
            .is_some_and(|c| c.voucher_reuse_secs == 0)
        {
            // 0 would ask Interop for a voucher at every fetch, one at a time per purpose.
            return Err("interop_client.voucher_reuse_secs must be at least 1".to_owned());
        }
        self.check_server()?;
        FetchSettings::try_from(&self.fetch)?;
        self.submission.payees()?;
        Ok(())
    }

    /// The listen address, read once.
    pub fn bind(&self) -> Result<Bind, String> {
        self.bind.parse()
    }

    /// Everything the gateway runs with, each value parsed and checked once: what
    /// [`crate::Application::build`] starts from.
    ///
    /// The `[server]` checks stay with [`Config::load`], as before: a program that builds its
    /// `Config` (the tests, with short server timeouts) is trusted with them.
    pub fn settings(&self) -> Result<Settings, String> {
        let a = &self.auth;
        let app_api_keys: Vec<String> = a
            .app_api_keys
            .iter()
            .filter(|k| !k.is_empty())
            .cloned()
            .collect();
        if app_api_keys.is_empty() {
            return Err("auth.app_api_keys is empty: the app API would accept nobody".into());
        }
        if a.eservice_id.trim().is_empty() || a.producer_id.trim().is_empty() {
            return Err("auth.eservice_id and auth.producer_id must name the gateway's e-service on Interop and its producer: without them any e-service claiming the gateway's audience would be accepted".into());
        }
        Ok(Settings {
            bind: self.bind()?,
            database: self.database()?,
            auth: AuthSettings {
                interop_jwks_url: a.interop_jwks_url.clone(),
                voucher_issuer: a.voucher_issuer.clone(),
                voucher_audience: a.voucher_audience.clone(),
                eservice_id: a.eservice_id.clone(),
                producer_id: a.producer_id.clone(),
                clock_skew: Duration::from_secs(a.clock_skew),
                app_api_keys,
            },
            fetch: FetchSettings::try_from(&self.fetch)?,
            interop_client: self.interop_client.clone(),
            server: self.server.clone(),
            payees: self.submission.payees()?,
            probe: self.probe_limits()?,
        })
    }

    fn probe_limits(&self) -> Result<crate::probe::admission::Limits, String> {
        let p = self.probe;
        if p.per_tenant_per_minute == 0 || p.max_concurrent == 0 {
            return Err("probe.per_tenant_per_minute and probe.max_concurrent must be at least 1 (they bound the probe API; to refuse probes, firewall the route)".into());
        }
        Ok(crate::probe::admission::Limits {
            per_tenant_per_minute: p.per_tenant_per_minute,
            max_concurrent: p.max_concurrent,
        })
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("gateway.db")
    }

    /// Which store [`crate::store::open`] opens, from `database_url` (read as the engine reads
    /// its own: [`service_kit::postgres::url`]).
    pub fn database(&self) -> Result<Database, String> {
        Database::select(self.database_url.as_deref(), || self.database_path())
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

/// The gateway's settings, validated: what it runs with ([`Config::settings`]).
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: Bind,
    pub database: Database,
    pub auth: AuthSettings,
    pub fetch: FetchSettings,
    pub interop_client: Option<InteropClientConfig>,
    pub server: service_kit::ServerSettings,
    pub payees: crate::domain::message::PayeePolicy,
    pub probe: crate::probe::admission::Limits,
}

/// `[auth]`, with at least one app API key and the e-service pin present.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub interop_jwks_url: String,
    pub voucher_issuer: String,
    pub voucher_audience: String,
    pub eservice_id: String,
    pub producer_id: String,
    pub clock_skew: Duration,
    /// Never empty, no empty key.
    pub app_api_keys: Vec<String>,
}

/// `[fetch]`, with durations and the counts that cannot be 0.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_json_bytes: usize,
    pub max_pdf_bytes: usize,
    pub per_entity_concurrency: NonZeroUsize,
    pub queue_timeout: Duration,
    pub breaker_failures: NonZeroU32,
    pub breaker_open: Duration,
    pub pdf_validations_in_flight: NonZeroUsize,
    pub pdf_validation_timeout: Duration,
    pub pdf_queue_timeout: Duration,
    pub spool_dir: Option<PathBuf>,
    pub extra_root_certs: Vec<PathBuf>,
    pub egress_allow: Vec<crate::domain::egress::Network>,
}

/// `fetch.{key} must be at least 1 (0: {why})`, as `[server]` says it.
fn at_least_one(key: &str, why: &str) -> String {
    format!("fetch.{key} must be at least 1 (0: {why})")
}

fn positive(key: &str, ms: u64, why: &str) -> Result<Duration, String> {
    if ms == 0 {
        return Err(at_least_one(key, why));
    }
    Ok(Duration::from_millis(ms))
}

impl TryFrom<&FetchConfig> for FetchSettings {
    type Error = String;

    fn try_from(c: &FetchConfig) -> Result<FetchSettings, String> {
        let bytes = |key: &str, n: usize, why: &str| {
            if n == 0 {
                Err(at_least_one(key, why))
            } else {
                Ok(n)
            }
        };
        Ok(FetchSettings {
            connect_timeout: positive(
                "connect_timeout_ms",
                c.connect_timeout_ms,
                "no entity could ever be reached",
            )?,
            timeout: positive("timeout_ms", c.timeout_ms, "every call would time out")?,
            max_json_bytes: bytes(
                "max_json_bytes",
                c.max_json_bytes,
                "every details and precondition answer would be too large",
            )?,
            max_pdf_bytes: bytes(
                "max_pdf_bytes",
                c.max_pdf_bytes,
                "every attachment would be too large",
            )?,
            per_entity_concurrency: NonZeroUsize::new(c.per_entity_concurrency).ok_or_else(
                || at_least_one("per_entity_concurrency", "no call could ever be made"),
            )?,
            queue_timeout: Duration::from_millis(c.queue_timeout_ms),
            breaker_failures: NonZeroU32::new(c.breaker_failures).ok_or_else(|| {
                at_least_one(
                    "breaker_failures",
                    "every entity's circuit would be open before its first call",
                )
            })?,
            breaker_open: Duration::from_millis(c.breaker_open_ms),
            pdf_validations_in_flight: NonZeroUsize::new(c.pdf_validations_in_flight).ok_or_else(
                || {
                    at_least_one(
                        "pdf_validations_in_flight",
                        "no attachment could ever be validated",
                    )
                },
            )?,
            pdf_validation_timeout: positive(
                "pdf_validation_timeout_ms",
                c.pdf_validation_timeout_ms,
                "every attachment would be refused as too complex",
            )?,
            pdf_queue_timeout: Duration::from_millis(c.pdf_queue_timeout_ms),
            spool_dir: c.spool_dir.clone(),
            extra_root_certs: c.extra_root_certs.clone(),
            egress_allow: c.egress_allow.clone(),
        })
    }
}

/// A listen address: a host (a name, an IPv4 address or a bracketed IPv6 one) and a port,
/// read once. A name is resolved when the gateway binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    host: String,
    port: u16,
}

impl Bind {
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl std::str::FromStr for Bind {
    type Err = String;

    fn from_str(s: &str) -> Result<Bind, String> {
        let invalid = || format!("bind {s:?} must be host:port (e.g. 127.0.0.1:8080, [::1]:0)");
        if let Ok(a) = s.parse::<std::net::SocketAddr>() {
            return Ok(Bind {
                host: match a.ip() {
                    std::net::IpAddr::V4(ip) => ip.to_string(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                },
                port: a.port(),
            });
        }
        let (host, port) = s.rsplit_once(':').ok_or_else(invalid)?;
        let port = port.parse().map_err(|_| invalid())?;
        if host.is_empty() || host.contains(':') || host.contains(['[', ']', '/', ' ']) {
            return Err(invalid());
        }
        Ok(Bind {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The store a configuration selects: the embedded SQLite file, or PostgreSQL.
pub type Database = service_kit::postgres::Database<PathBuf>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_selects_the_backend() {
        let mut c = Config::default();
        assert_eq!(
            c.database(),
            Ok(Database::Embedded(PathBuf::from(
                ".recapito/gateway/gateway.db"
            )))
        );
        // Which URLs select PostgreSQL is service_kit::postgres's, tested there.
        c.database_url = Some("postgres://u:p@db:5432/recapito".into());
        assert_eq!(
            c.database(),
            Ok(Database::Postgres("postgres://u:p@db:5432/recapito".into()))
        );
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
            Ok(Database::Embedded(_))
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
    fn the_idle_timeout_must_outlast_the_longest_fetch() {
        // How the [server] section is read and each 0 refused is service_kit's, tested there
        // (and `tests/process.rs` checks the gateway refuses it at start).
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
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

    #[test]
    fn a_fetch_zero_that_cannot_work_is_refused_at_load_naming_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
        // Today's defaults load, with the durations and counts the fetcher runs with.
        std::fs::write(&file, "bind = \"127.0.0.1:0\"\n").unwrap();
        let f = FetchSettings::try_from(&Config::load(Some(&file)).unwrap().fetch).unwrap();
        assert_eq!(f.per_entity_concurrency.get(), 32);
        assert_eq!(f.pdf_validations_in_flight.get(), 2);
        assert_eq!(f.breaker_failures.get(), 5);
        assert_eq!(f.timeout, Duration::from_secs(10));
        assert_eq!(f.pdf_queue_timeout, Duration::from_secs(20));
        for key in [
            "connect_timeout_ms",
            "timeout_ms",
            "max_json_bytes",
            "max_pdf_bytes",
            // Each of these three was silently read as 1 before.
            "per_entity_concurrency",
            "breaker_failures",
            "pdf_validations_in_flight",
            "pdf_validation_timeout_ms",
        ] {
            std::fs::write(&file, format!("[fetch]\n{key} = 0\n")).unwrap();
            let e = Config::load(Some(&file)).unwrap_err().to_string();
            assert!(
                e.contains(&format!("fetch.{key} must be at least 1")),
                "{key}: {e}"
            );
        }
        // A 0 that means something stays allowed: no wait for a busy entity or slot, no pause.
        for key in [
            "queue_timeout_ms",
            "pdf_queue_timeout_ms",
            "breaker_open_ms",
        ] {
            std::fs::write(&file, format!("[fetch]\n{key} = 0\n")).unwrap();
            assert!(Config::load(Some(&file)).is_ok(), "{key}");
        }
    }

    #[test]
    fn bind_is_read_once_as_host_and_port() {
        for (raw, shown, port) in [
            ("127.0.0.1:8080", "127.0.0.1:8080", 8080),
            ("[::1]:0", "[::1]:0", 0),
            ("localhost:9000", "localhost:9000", 9000),
        ] {
            let b: Bind = raw.parse().unwrap();
            assert_eq!((b.to_string().as_str(), b.port()), (shown, port), "{raw}");
        }
        for bad in [
            "127.0.0.1",
            "localhost",
            ":80",
            "host:port",
            "::1:80",
            "a:70000",
        ] {
            assert!(bad.parse::<Bind>().is_err(), "{bad}");
        }
        // Refused when the gateway starts, as an address it cannot listen on always was.
        let mut c = Config {
            bind: "8080".into(),
            ..Config::default()
        };
        c.auth.app_api_keys = vec!["k".into()];
        (c.auth.eservice_id, c.auth.producer_id) = ("e".into(), "p".into());
        let e = c.settings().unwrap_err();
        assert!(e.contains("must be host:port"), "{e}");
    }

    #[test]
    fn settings_need_an_app_key_and_the_eservice_pin() {
        let mut c = Config::default();
        c.auth.app_api_keys = vec![String::new()];
        c.auth.eservice_id = "e".into();
        c.auth.producer_id = "p".into();
        assert!(
            c.settings()
                .unwrap_err()
                .contains("auth.app_api_keys is empty")
        );
        c.auth.app_api_keys = vec![String::new(), "k".into()];
        let s = c.settings().unwrap();
        assert_eq!(s.auth.app_api_keys, ["k"]);
        assert_eq!(s.auth.clock_skew, Duration::from_secs(10));
        c.auth.producer_id = " ".into();
        assert!(c.settings().unwrap_err().contains("auth.producer_id"));
    }
}
