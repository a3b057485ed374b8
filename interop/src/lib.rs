//! Recapito's Interop engine: tenants, attributes, e-services, agreements, purposes, clients and
//! keys (SPEC §1), persisted as an event log, served over HTTP.

pub mod domain;
