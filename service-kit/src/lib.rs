//! What Recapito's services (the gateway and the Interop engine) do the same way, so that a fix
//! made for one protects both: the HTTP server loop with its timeouts and connection caps, the
//! open-file limit raised at start, layered configuration, problem+json answers, logs, shutdown on a signal, and PostgreSQL (which
//! `database_url` selects it, the pool, migrations safe from several instances).

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
