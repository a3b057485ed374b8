//! The gateway's pure domain: validation and rules, no I/O.

pub mod configuration;
pub mod egress;
pub mod error;
pub mod ids;
pub mod message;
pub mod remote;
pub mod validate;

pub use error::{Code, GatewayError, Result};
pub use ids::{ConfigurationId, MessageId, TenantId};
