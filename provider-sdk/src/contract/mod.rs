//! Wire types, as in the reference contracts (`../shared/specs/`), with their defects fixed.

pub mod configuration;
pub mod fiscal_code;
pub mod message;
pub mod present;
pub mod probe;
pub mod remote_content;
#[cfg(feature = "openapi")]
pub mod schema;

pub use configuration::{
    DetailsAuthentication, Environment, HasPrecondition, NewRcConfiguration, RcConfiguration,
    RcConfigurationList, TestEnvironment,
};
pub use fiscal_code::{FiscalCode, InvalidFiscalCode};
pub use message::{
    CreatedMessage, FeatureLevelType, MessageContent, NewMessage, SentMessageItem, SentMessages,
    ThirdPartyData,
};
pub use remote_content::{
    PreconditionContent, RemoteContentAttachment, RemoteContentDetails,
    RemoteContentDetailsResponse,
};
