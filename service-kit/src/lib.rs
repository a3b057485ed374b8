//! What Recapito's services (the gateway, the Interop engine, the web console) do the same way,
//! so that a fix made for one protects all: the HTTP server loop with its timeouts and
//! connection caps (`server`), start-up and exit statuses (`run`: the command line, the
//! configuration read, the open-file limit, serving until a signal), layered configuration
//! (`config`), problem+json answers and the extractors that reject with them (`problem`,
//! `extract`), group commit (`batch`), logs, shutdown on a signal, and PostgreSQL (which
//! `database_url` selects, the pool, migrations safe from several instances).

mod activity;
pub mod batch;
pub mod config;
pub mod extract;
mod limits;
pub mod logs;
pub mod nofile;
pub mod postgres;
pub mod problem;
pub mod run;
pub mod server;
pub mod settings;
pub mod shutdown;
#[cfg(feature = "testing")]
pub mod testing;
mod throttle;

pub use nofile::raise_open_file_limit;
pub use server::{BindError, bind, serve};
pub use settings::ServerSettings;
