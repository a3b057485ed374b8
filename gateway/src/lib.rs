//! Recapito's messaging gateway. The message store, the app API and the fetch from entities are
//! issues 4 and 5; today the crate holds the `dev` command, which runs the Interop engine.
