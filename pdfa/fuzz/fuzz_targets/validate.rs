//! Any bytes: `validate` answers PASS or FAIL, and `check` (every finding, each flavour's rules)
//! a report, never panics (not even inside lopdf, where
//! `validate`'s own `catch_unwind` would hide it: the panic hook aborts first), never hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // A panic anywhere is a finding, even one `validate` would catch and report as FAIL.
        std::panic::set_hook(Box::new(|info| {
            eprintln!("panic: {info}");
            std::process::abort();
        }));
    },
    |data: &[u8]| {
        let _ = pdfa::validate(data);
        // Going on after a finding reaches code `validate` (stopping at the first) does not.
        let options = pdfa::Options {
            flavour: Some(pdfa::Flavour::A),
            ..pdfa::Options::default()
        };
        let report = pdfa::check(data, &options);
        assert!(report.findings.len() <= options.max_findings);
    }
);
