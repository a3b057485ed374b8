//! Typed identifiers: a purpose id can never be passed where a client id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id (v4). Only the edges call this: the domain takes ids as input.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(/// An organization (ente): producer of some e-services, consumer of others.
    TenantId);
id_type!(/// A person or technical user of a tenant.
    UserId);
id_type!(/// A certified, declared or verified attribute.
    AttributeId);
id_type!(/// An e-service (an API offered by a producer).
    EServiceId);
id_type!(/// One version of an e-service.
    DescriptorId);
id_type!(/// A consumer's request to use an e-service (richiesta di fruizione).
    AgreementId);
id_type!(/// A consumer's declared reason and load for using an e-service (finalità).
    PurposeId);
id_type!(/// One load estimate of a purpose.
    PurposeVersionId);
id_type!(/// A group of security operators and public keys.
    ClientId);
