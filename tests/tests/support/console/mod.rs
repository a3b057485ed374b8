//! The console's flows, step by step, by clicks and typing: what the browser tests and the
//! end-to-end journey reuse.

pub mod anagrafica;
pub mod erogazione;
pub mod fruizione;
pub mod scenari;
