//! Recapito's Interop engine: tenants, attributes, e-services, agreements, purposes, clients and
//! keys (SPEC §1), persisted as an event log, served over HTTP.
//!
//! ```text
//! HTTP (api/) ──► Engine (engine.rs) ──► domain::handle (pure) ──► events
//!                    │                                               │
//!                    └──── Store (store/: SQLite or PostgreSQL) ◄── append ─┘
//! ```

pub mod api;
pub mod app;
pub mod codes;
pub mod config;
pub mod domain;
pub mod engine;
pub mod keys;
pub mod store;
pub mod token;

pub use app::Application;
pub use config::Config;
