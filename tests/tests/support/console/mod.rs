//! Steps of the console's pages, by clicks and typing, for the browser tests and the end-to-end
//! journey to reuse.

pub mod erogazione;
pub mod fruizione;
