//! The contract between Recapito and the entities that send remote-content messages, and a kit
//! for entities to serve it.
//!
//! - [`contract`]: the wire types, defined once and shared with the gateway: the fiscal code,
//!   remote-content configurations (IO's `RCConfiguration`), message submission (IO's
//!   `NewMessage` with `third_party_data`) and the remote content itself.
//! - [`provider::Provider`]: the three endpoints as a trait; [`server::router`] serves them with
//!   IO's status codes, checking the caller ([`auth::Authentication`]: an API key or an Interop
//!   voucher verified against the engine's JWKS) and the citizen's `fiscal_code`;
//!   [`server::builder`] adds [`lollipop`] verification (the citizen's device signature).
//! - [`client::GatewayClient`]: the entity's side of the gateway: Interop vouchers from a client
//!   assertion, remote-content configurations, message submission.
//! - [`voucher`]: the claims of vouchers and client assertions, and [`voucher::VoucherClient`],
//!   which trades client assertions for vouchers for any number of purposes (also what the
//!   gateway uses as a consumer of entities' e-services).
//! - `pdfa` (feature `pdfa`, off by default): the gateway's PDF/A-2 validator, to check an
//!   attachment before serving it.
//!
//! ```no_run
//! use provider_sdk::auth::Authentication;
//! use provider_sdk::contract::*;
//! use provider_sdk::provider::{Attachment, Provider, ProviderError};
//! use std::sync::Arc;
//!
//! struct Comune;
//!
//! impl Provider for Comune {
//!     async fn precondition(&self, _id: &str, _fc: &FiscalCode) -> Result<PreconditionContent, ProviderError> {
//!         Err(ProviderError::NotFound)
//!     }
//!     async fn details(&self, id: &str, _fc: &FiscalCode) -> Result<RemoteContentDetailsResponse, ProviderError> {
//!         Ok(RemoteContentDetailsResponse {
//!             details: Some(RemoteContentDetails { subject: format!("Avviso {id}"), markdown: "x".repeat(80) }),
//!             attachments: None,
//!         })
//!     }
//!     async fn attachment(&self, _id: &str, _fc: &FiscalCode, _url: &str) -> Result<Attachment, ProviderError> {
//!         Err(ProviderError::NotFound)
//!     }
//! }
//!
//! # async fn run() {
//! let auth = Authentication::ApiKey { header: "X-Api-Key".into(), key: "secret".into() };
//! let app = axum::Router::new().nest("/rc", provider_sdk::server::router(Arc::new(Comune), auth));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

mod codes;

pub mod auth;
pub mod client;
pub mod contract;
pub mod lollipop;
#[cfg(feature = "pdfa")]
pub mod pdfa;
pub mod provider;
pub mod server;
pub mod voucher;
