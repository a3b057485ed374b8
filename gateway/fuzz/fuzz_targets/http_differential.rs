//! Any answer bytes (or a structured answer built from them), in pieces, closed or not: the
//! entity client and hyper's HTTP/1 client agree on the status, the body and whether it
//! failed, except for the listed asymmetries (`src/fetch/http/differential.rs`); and neither
//! panics.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/fetch/http/mod.rs"]
mod http;

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        std::panic::set_hook(Box::new(|info| {
            eprintln!("panic: {info}");
            std::process::abort();
        }));
    },
    |data: &[u8]| {
        let case = http::differential::from_fuzz(data);
        if let Err(disagreement) = http::differential::check(&case) {
            panic!("{disagreement}");
        }
    }
);
