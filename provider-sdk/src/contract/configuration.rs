//! Remote-content configurations (IO's `RCConfiguration`, `../shared/specs/io-rc-configuration.yaml`):
//! where an entity serves its content and how the gateway authenticates to it.

use serde::{Deserialize, Serialize};

/// When the app shows the precondition notice before opening a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HasPrecondition {
    Always,
    Once,
    Never,
}

/// How the gateway authenticates to the entity's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DetailsAuthentication {
    /// IO's: a static key in a header of the entity's choosing.
    ApiKey {
        header_key_name: String,
        key: String,
    },
    /// An Interop voucher for the entity's e-service, obtained by the gateway for `purpose_id`
    /// and sent as `Authorization: Bearer`.
    InteropVoucher { purpose_id: String },
}

/// One environment of the entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub base_url: String,
    pub details_authentication: DetailsAuthentication,
}

/// The test environment: only `test_users` are sent there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestEnvironment {
    pub base_url: String,
    pub details_authentication: DetailsAuthentication,
    /// Fiscal codes (checked by the receiver).
    pub test_users: Vec<String>,
}

/// What an entity submits to create or replace a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRcConfiguration {
    pub name: String,
    pub description: String,
    pub has_precondition: HasPrecondition,
    pub is_lollipop_enabled: bool,
    #[serde(default)]
    pub disable_lollipop_for: Vec<String>,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub prod_environment: Option<Environment>,
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub test_environment: Option<TestEnvironment>,
}

/// A stored configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RcConfiguration {
    /// A ULID.
    pub configuration_id: String,
    /// The owner (IO's `user_id`): the tenant that created it.
    pub user_id: String,
    #[serde(flatten)]
    pub configuration: NewRcConfiguration,
}

/// `GET /remote-contents/configurations` (IO's `RCConfigurationListResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RcConfigurationList {
    #[serde(rename = "rcConfigList")]
    pub rc_config_list: Vec<RcConfiguration>,
}
