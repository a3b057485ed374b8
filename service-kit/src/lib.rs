//! What Recapito's services (the gateway and the Interop engine) do the same way, so that a fix
//! made for one protects both: the HTTP server loop with its timeouts and connection caps, and
//! the open-file limit raised at start.

mod activity;
mod limits;
pub mod nofile;
pub mod server;
pub mod settings;
mod throttle;

pub use nofile::raise_open_file_limit;
pub use server::{bind, serve};
pub use settings::ServerSettings;
