//! Remote-content configurations (IO's `RCConfiguration`, `../shared/specs/io-rc-configuration.yaml`):
//! where an entity serves its content and how the gateway authenticates to it.

use serde::{Deserialize, Serialize};

/// When the app shows the precondition: always, until the message is read, never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RCConfigurationProdEnvironment))]
pub struct Environment {
    /// An absolute http(s) URL without credentials, query or fragment.
    #[cfg_attr(feature = "openapi", schema(format = "uri", min_length = 1))]
    pub base_url: String,
    pub details_authentication: DetailsAuthentication,
}

/// The test environment: only `test_users` are sent here; when only a test environment is
/// configured, other citizens are refused (`NOT_A_TEST_USER`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RCConfigurationTestEnvironment))]
pub struct TestEnvironment {
    /// An absolute http(s) URL without credentials, query or fragment.
    #[cfg_attr(feature = "openapi", schema(format = "uri", min_length = 1))]
    pub base_url: String,
    pub details_authentication: DetailsAuthentication,
    /// Fiscal codes (checked by the receiver).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<super::FiscalCode>))]
    pub test_users: Vec<String>,
}

/// A remote-content configuration: at least one of `prod_environment` and `test_environment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = NewRCConfigurationPublic))]
pub struct NewRcConfiguration {
    /// 1..200 characters, not counting surrounding whitespace.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// 1..1000 characters, not counting surrounding whitespace.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1000))]
    pub description: String,
    pub has_precondition: HasPrecondition,
    /// Whether the gateway passes the app's lollipop headers to the entity.
    pub is_lollipop_enabled: bool,
    /// Citizens for whom lollipop is not used even when enabled. Defaults to `[]`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<super::FiscalCode>, default = json!([])))]
    pub disable_lollipop_for: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(
        default,
        deserialize_with = "super::present::not_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub prod_environment: Option<Environment>,
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RCConfigurationListResponse))]
pub struct RcConfigurationList {
    #[serde(rename = "rcConfigList")]
    pub rc_config_list: Vec<RcConfiguration>,
}

/// The schemas the derive cannot give (feature `openapi`): `details_authentication` is a `oneOf`
/// of two named schemas on `type` (IO's API_KEY and Recapito's INTEROP_VOUCHER), and a stored
/// configuration is the new one plus its id and owner, with `disable_lollipop_for` always there.
#[cfg(feature = "openapi")]
mod openapi {
    use super::{DetailsAuthentication, NewRcConfiguration, RcConfiguration};
    use std::borrow::Cow;
    use utoipa::openapi::schema::{
        AllOfBuilder, Discriminator, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };
    use utoipa::openapi::{Ref, RefOr};
    use utoipa::{PartialSchema, ToSchema};

    const API_KEY: &str = "RCApiKeyAuthentication";
    const INTEROP_VOUCHER: &str = "RCInteropVoucherAuthentication";

    fn tag(value: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([value]))
    }

    fn api_key() -> Schema {
        ObjectBuilder::new()
            .description(Some(
                "IO's: a static key the gateway sends in a header of the entity's choosing.",
            ))
            .property("type", tag("API_KEY"))
            .property(
                "header_key_name",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .pattern(Some("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"))
                    .description(Some(
                        "An HTTP header name, in any case; `Authorization` is allowed (with \
                         `API_KEY` the gateway sends none of its own). Refused: the headers the \
                         gateway sets on every call (`Host`, `Accept`, `fiscal_code`, \
                         `signature`, `signature-input`, `x-pagopa-lollipop-*`) and framing or \
                         hop-by-hop headers (`Content-Length`, `Content-Type`, \
                         `Transfer-Encoding`, `Connection`, `Keep-Alive`, `Proxy-Connection`, \
                         `Proxy-Authorization`, `TE`, `Trailer`, `Upgrade`).",
                    )),
            )
            .property(
                "key",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .description(Some("The header's value.")),
            )
            .required("type")
            .required("header_key_name")
            .required("key")
            .into()
    }

    fn interop_voucher() -> Schema {
        ObjectBuilder::new()
            .description(Some(
                "Not in IO's contract: the gateway, as an Interop consumer, obtains a voucher for \
                 `purpose_id` and sends it as `Authorization: Bearer`.",
            ))
            .property("type", tag("INTEROP_VOUCHER"))
            .property(
                "purpose_id",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .description(Some("The Interop purpose (a UUID).")),
            )
            .required("type")
            .required("purpose_id")
            .into()
    }

    impl PartialSchema for DetailsAuthentication {
        fn schema() -> RefOr<Schema> {
            let mut discriminator = Discriminator::new("type");
            for (value, name) in [("API_KEY", API_KEY), ("INTEROP_VOUCHER", INTEROP_VOUCHER)] {
                discriminator
                    .mapping
                    .insert(value.into(), format!("#/components/schemas/{name}"));
            }
            Schema::from(
                OneOfBuilder::new()
                    .description(Some("How the gateway authenticates to the entity."))
                    .item(Ref::from_schema_name(API_KEY))
                    .item(Ref::from_schema_name(INTEROP_VOUCHER))
                    .discriminator(Some(discriminator)),
            )
            .into()
        }
    }

    impl ToSchema for DetailsAuthentication {
        fn name() -> Cow<'static, str> {
            "RCAuthenticationConfig".into()
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            schemas.push((API_KEY.into(), api_key().into()));
            schemas.push((INTEROP_VOUCHER.into(), interop_voucher().into()));
        }
    }

    impl PartialSchema for RcConfiguration {
        fn schema() -> RefOr<Schema> {
            let own = ObjectBuilder::new()
                .property("configuration_id", Ref::from_schema_name("Ulid"))
                .property(
                    "user_id",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .description(Some("The owner: the Interop tenant that created it.")),
                )
                .required("configuration_id")
                .required("user_id")
                .required("disable_lollipop_for");
            Schema::from(
                AllOfBuilder::new()
                    .description(Some(
                        "A stored configuration (what IO calls `RCConfigurationResponse`: always \
                         with its owner).",
                    ))
                    .item(Ref::from_schema_name(NewRcConfiguration::name()))
                    .item(own),
            )
            .into()
        }
    }

    impl ToSchema for RcConfiguration {
        fn name() -> Cow<'static, str> {
            "RCConfigurationPublic".into()
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            for (name, schema) in [
                (NewRcConfiguration::name(), NewRcConfiguration::schema()),
                (
                    crate::contract::schema::Ulid::name(),
                    crate::contract::schema::Ulid::schema(),
                ),
            ] {
                schemas.push((name.into(), schema));
            }
            NewRcConfiguration::schemas(schemas);
        }
    }
}
