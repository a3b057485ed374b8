//! Recapito's messaging gateway: remote-content configurations, message submission, the app API
//! and the message store (SPEC §2). Fetching the content from entities is issue 5.
//!
//! ```text
//! entities ──voucher──► api/ (configurations, messages) ─┐
//! app backend ─key────► api/communication.rs ────────────┼─► domain/ (pure checks) ─► store/ (SQLite)
//!                        auth/voucher.rs ◄── JWKS ── Interop engine
//! ```

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod domain;
pub mod fetch;
pub mod metrics;
pub mod probe;
pub mod store;

pub use app::Application;
pub use config::Config;
