//! Typed identifiers: a message id can never be passed where a configuration id or a tenant is
//! expected, and two adjacent ids cannot be swapped.
//!
//! Message and configuration ids are ULIDs the gateway mints. A parsed id keeps the spelling it
//! was given (26 Crockford base32 characters, checked once, here): stored ids are the canonical
//! upper-case spelling, and another spelling of the same ULID (lower case) names no stored id,
//! as it always did — decoding it to a `Ulid` and printing it back would quietly start finding
//! messages under a second name.

use provider_sdk::contract::schema::Ulid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The detail of a refused spelling (`INVALID_PATH`, `VALIDATION_FAILED`).
            pub const INVALID: &'static str = concat!("a ", $what, " id is a ULID");

            /// A fresh id (not time-ordered within a millisecond: see `api::messages`).
            pub fn new() -> Self {
                Self(ulid::Ulid::new().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The ULID this spelling decodes to.
            pub fn ulid(&self) -> ulid::Ulid {
                ulid::Ulid::from_string(&self.0).unwrap_or_default()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<ulid::Ulid> for $name {
            fn from(u: ulid::Ulid) -> Self {
                Self(u.to_string())
            }
        }

        impl std::str::FromStr for $name {
            type Err = &'static str;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                super::validate::ulid(s)
                    .map(|_| Self(s.to_owned()))
                    .ok_or(Self::INVALID)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        /// IO's `Ulid` schema (`provider_sdk::contract::schema::Ulid`).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <Ulid as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                <Ulid as utoipa::ToSchema>::name()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                raw.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

ulid_id!(/// A message, minted by the gateway at submission: time-ordered, so "newest first" is
    /// "largest id first".
    MessageId, "message");
ulid_id!(/// A remote-content configuration, minted by the gateway when an entity creates it.
    ConfigurationId, "configuration");

/// The details of refused id spellings, so the path extractor answers them as they are.
pub const INVALID_ID_DETAILS: &[&str] = &[MessageId::INVALID, ConfigurationId::INVALID];

/// An Interop tenant (the voucher's `consumerId`): the sender of messages and the owner of
/// configurations (IO's `user_id`). Opaque to the gateway: it comes from a verified voucher.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TenantId {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

/// Maps keyed by tenant are looked up by its text (the configuration's tables).
impl std::borrow::Borrow<str> for TenantId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for TenantId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_ulid_kept_as_spelled() {
        let id: MessageId = "01ARZ3NDEKTSV4RRFFQ69G5FAV".parse().unwrap();
        assert_eq!(id.to_string(), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
        let lower: MessageId = "01arz3ndektsv4rrffq69g5fav".parse().unwrap();
        assert_ne!(lower, id, "another spelling is another stored key");
        assert_eq!(lower.ulid(), id.ulid());
        for bad in [
            "",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
            "01ARZ3NDEKTSV4RRFFQ69G5FAVX",
            "01ARZ3NDEKTSV4RRFFQ69G5FAU",
        ] {
            assert_eq!(
                bad.parse::<ConfigurationId>(),
                Err("a configuration id is a ULID"),
                "{bad}"
            );
        }
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"");
        assert_eq!(serde_json::from_str::<MessageId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<MessageId>("\"nope\"").is_err());
    }
}
