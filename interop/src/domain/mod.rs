//! The pure domain of the Interop engine: state, commands, events, rules. No I/O.

pub mod actor;
pub mod agreement;
pub mod attribute;
pub mod client;
pub mod command;
pub mod commands;
pub mod error;
pub mod eservice;
pub mod ids;
pub mod key;
pub mod operativity;
pub mod purpose;
pub mod queries;
pub mod state;
pub mod tenant;

pub use actor::{Actor, Role};
pub use command::{Command, Ctx, EServiceInfo, NewUser, handle};
pub use error::{DomainError, DomainResult, ErrorCode, ErrorKind};
pub use state::{Event, State};
