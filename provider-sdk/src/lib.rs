//! The contract between Recapito and the entities that send remote-content messages.
//!
//! [`contract`] holds the wire types, defined once and shared by the gateway and by entity code:
//! the fiscal code, remote-content configurations (IO's `RCConfiguration`) and message submission
//! (IO's `NewMessage` with `third_party_data`). The provider trait, its router, voucher and
//! lollipop verification and the entity client come with issue 6.

pub mod contract;
