//! The "Erogazione" pages' steps: written by the Erogazione pages' work (this placeholder keeps
//! the module list of `console/mod.rs` whole until it is merged).
