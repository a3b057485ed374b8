//! Wiring: configuration → store → engine → HTTP server.

use crate::api::auth::{IdentityIssuer, IdentityKeys, IdentityVerifier, JwksSource, RemoteKeys};
use crate::api::{AppState, router};
use crate::config::Config;
use crate::domain::ids::UserId;
use crate::engine::Engine;
use crate::keys::{KeyFileError, load_or_generate};
use crate::store::{Store, StoreError};
use crate::token::assertion::AssertionRules;
use crate::token::replay::JtiGate;
use crate::token::signing::{SigningError, SigningKeys};
use crate::token::{TokenService, TokenSettings};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("key file: {0}")]
    Key(#[from] KeyFileError),
    #[error("identity key: {0}")]
    Identity(String),
    #[error("signing keys: {0}")]
    Signing(#[from] SigningError),
    #[error(transparent)]
    Bind(#[from] service_kit::BindError),
}

/// A built engine, bound to its port, ready to serve.
pub struct Application {
    bound: service_kit::run::Bound,
    engine: Arc<Engine>,
}

/// The identity issuer's keys: its key set (`jwks_url`, `discovery_url`), its configured public
/// key, or the development key in the data folder.
async fn identity_keys(config: &Config) -> Result<IdentityKeys, StartError> {
    let id = &config.identity;
    let source = match (&id.jwks_url, &id.discovery_url) {
        (Some(url), _) => Some(JwksSource::Jwks(url.clone())),
        (None, Some(url)) => Some(JwksSource::Discovery(url.clone())),
        (None, None) => None,
    };
    if let Some(source) = source {
        let remote = Arc::new(
            RemoteKeys::new(
                source.clone(),
                &id.issuer,
                Duration::from_secs(id.jwks_timeout_secs),
                Duration::from_secs(id.jwks_min_refresh_secs),
            )
            .map_err(StartError::Identity)?,
        );
        // An issuer unreachable at start is not fatal: the M2M API works without it, and the
        // key set is fetched again when a token arrives (at most once per
        // jwks_min_refresh_secs) and every jwks_refresh_secs.
        match remote.refresh().await {
            Ok(n) => tracing::info!(keys = n, ?source, "identity issuer's key set fetched"),
            Err(e) => tracing::error!(
                error = %e,
                ?source,
                "cannot fetch the identity issuer's key set: identity tokens are refused until it is fetched (retried when a token arrives, at most once per identity.jwks_min_refresh_secs)"
            ),
        }
        spawn_key_set_refresh(remote.clone(), Duration::from_secs(id.jwks_refresh_secs));
        return Ok(IdentityKeys::Remote(remote));
    }
    let pem = match &id.public_key_path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| StartError::Identity(format!("cannot read {}: {e}", p.display())))?,
        None => {
            tracing::warn!(
                "no identity.public_key_path, jwks_url or discovery_url configured: using the development identity key (mint tokens with `interop dev-token`)"
            );
            load_or_generate(&config.dev_identity_key_path())?.public_pem
        }
    };
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|e| StartError::Identity(e.to_string()))?;
    Ok(IdentityKeys::Static(key))
}

/// Fetches the identity issuer's key set every `every`.
fn spawn_key_set_refresh(remote: Arc<RemoteKeys>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = remote.refresh().await {
                tracing::warn!(error = %e, "cannot refresh the identity issuer's key set; keeping the keys known");
            }
        }
    });
}

/// The development platform operator: generated once into the data folder, trusted by an engine
/// that uses the development identity key, and the subject of `interop dev-token --roles
/// platform`.
pub fn dev_platform_operator(config: &Config) -> Result<UserId, StartError> {
    let path = config.dev_platform_operator_path();
    let cannot = |e: std::io::Error| StartError::Identity(format!("{}: {e}", path.display()));
    match std::fs::read_to_string(&path) {
        Ok(s) => s
            .trim()
            .parse()
            .map_err(|e| StartError::Identity(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(cannot)?;
            }
            let id = UserId::random();
            std::fs::write(&path, id.to_string()).map_err(cannot)?;
            Ok(id)
        }
        Err(e) => Err(cannot(e)),
    }
}

/// Who acts as the platform: the configured operators, and the development operator when the
/// development identity key is in use.
fn platform_operators(config: &Config) -> Result<BTreeSet<UserId>, StartError> {
    let mut operators: BTreeSet<UserId> =
        config.identity.platform_operators.iter().copied().collect();
    if config.identity.uses_dev_key() {
        operators.insert(dev_platform_operator(config)?);
    }
    if operators.is_empty() {
        tracing::warn!(
            "identity.platform_operators is empty: nobody can register tenants or certify attributes"
        );
    }
    Ok(operators)
}

/// The issuer `interop dev-token` signs with.
pub fn dev_issuer(config: &Config) -> Result<IdentityIssuer, StartError> {
    let pem = match &config.identity.private_key_path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| StartError::Identity(format!("cannot read {}: {e}", p.display())))?,
        None => load_or_generate(&config.dev_identity_key_path())?.private_pem,
    };
    IdentityIssuer::new(
        pem.as_bytes(),
        &config.identity.issuer,
        &config.identity.audience,
    )
    .map_err(|e| StartError::Identity(e.to_string()))
}

impl Application {
    pub async fn build(config: &Config) -> Result<Application, StartError> {
        let identity = IdentityVerifier::with_keys(
            identity_keys(config).await?,
            &config.identity.issuer,
            &config.identity.audience,
            platform_operators(config)?,
        );
        let store = crate::store::open(config).await?;
        let engine = Arc::new(Engine::open(store.clone()).await?);
        let tokens = Arc::new(token_service(config, store).await?);
        spawn_pruning(tokens.clone(), config.tokens.clock_skew as i64);
        let listener = service_kit::bind(&config.bind).await?;
        let state = AppState {
            engine: engine.clone(),
            identity: Arc::new(identity),
            tokens,
        };
        Ok(Application {
            bound: service_kit::run::Bound::new(
                "interop engine",
                listener,
                router(state),
                config.server.clone(),
            ),
            engine,
        })
    }

    pub fn port(&self) -> u16 {
        self.bound.port()
    }

    pub fn engine(&self) -> Arc<Engine> {
        self.engine.clone()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.bound.run_until(shutdown).await
    }
}

impl From<Application> for service_kit::run::Bound {
    fn from(app: Application) -> Self {
        app.bound
    }
}

async fn token_service(config: &Config, store: Arc<dyn Store>) -> Result<TokenService, StartError> {
    let t = &config.tokens;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let keys = match &t.signing_key_path {
        Some(p) => SigningKeys::configured(p)?,
        None => {
            let legacy = config.legacy_signing_dir();
            SigningKeys::stored(store.clone(), t.key_retention, now, Some(&legacy)).await?
        }
    };
    let settings = TokenSettings {
        issuer: t.issuer.clone(),
        m2m_audience: t.m2m_audience.clone(),
        m2m_lifespan: t.m2m_lifespan,
        rules: AssertionRules {
            audience: t.client_assertion_audience.clone(),
            max_lifetime: t.max_assertion_lifetime,
            clock_skew: t.clock_skew,
        },
    };
    let jti = JtiGate::start(store.clone());
    Ok(TokenService {
        settings,
        keys,
        store,
        jti,
    })
}

/// Seconds beyond the clock skew before an expired assertion id is forgotten.
const PRUNE_MARGIN: i64 = 300;

/// Forgets expired assertion ids once a minute.
fn spawn_pruning(tokens: Arc<TokenService>, skew: i64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            // A margin beyond the skew: instances' clocks differ, and an id pruned by one must
            // already be refused as expired by every other.
            if let Err(e) = tokens.store.prune_jti(now - skew - PRUNE_MARGIN).await {
                tracing::warn!(error = %e, "cannot prune assertion ids");
            }
        }
    });
}
