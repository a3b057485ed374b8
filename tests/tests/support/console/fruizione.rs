//! The consumer's steps (Fruizione) in the console, by clicks and typing.
