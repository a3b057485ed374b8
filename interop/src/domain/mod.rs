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

pub use actor::{Actor, Ctx, Role};
pub use command::{Command, handle};
pub use commands::agreements::AgreementCommand;
pub use commands::clients::{ClientCommand, NewClient};
pub use commands::eservices::{EServiceClone, EServiceCommand};
pub use commands::purposes::{NewPurpose, PurposeCommand, PurposeDraftChanges};
pub use commands::tenants::TenantCommand;
pub use error::{DomainError, DomainResult, ErrorCode};
pub use eservice::EServiceInfo;
pub use state::{Event, State};
pub use tenant::NewUser;
