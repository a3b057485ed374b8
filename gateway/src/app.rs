//! Wiring: configuration → store → HTTP server.

use crate::api::{AppState, router};
use crate::auth::app_key::AppKeys;
use crate::auth::voucher::VoucherVerifier;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::StoreError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Bind(#[from] service_kit::BindError),
}

/// A built gateway, bound to its port, ready to serve.
pub struct Application(service_kit::run::Bound);

impl Application {
    pub async fn build(config: &Config) -> Result<Application, StartError> {
        let settings = config.settings().map_err(StartError::Config)?;
        let a = &settings.auth;
        let vouchers = VoucherVerifier::new(
            a.interop_jwks_url.clone(),
            &a.voucher_issuer,
            &a.voucher_audience,
            provider_sdk::auth::EServicePin::new(&a.eservice_id, &a.producer_id),
            a.clock_skew.as_secs(),
        );
        let fetcher = crate::fetch::Fetcher::new(&settings.fetch, settings.interop_client.clone())
            .map_err(StartError::Config)?;
        let store = crate::store::open(&settings.database).await?;
        let listener = service_kit::bind(&settings.bind.to_string()).await?;
        let state = AppState {
            store,
            vouchers: Arc::new(vouchers),
            app_keys: Arc::new(AppKeys::new(&a.app_api_keys)),
            metrics: Arc::new(Metrics::default()),
            fetcher: Arc::new(fetcher),
            payees: Arc::new(settings.payees),
            probes: Arc::new(crate::api::probe::Probes {
                fetch: settings.fetch.clone(),
                interop: settings.interop_client.clone(),
                admission: crate::probe::admission::Admission::new(settings.probe),
            }),
        };
        Ok(Application(service_kit::run::Bound::new(
            "gateway",
            listener,
            router(state),
            settings.server,
        )))
    }

    pub fn port(&self) -> u16 {
        self.0.port()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.0.run_until(shutdown).await
    }
}

impl From<Application> for service_kit::run::Bound {
    fn from(app: Application) -> Self {
        app.0
    }
}
