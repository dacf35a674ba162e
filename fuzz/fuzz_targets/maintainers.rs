//! `MAINTAINERS.yaml`: any text gives grants or located errors, never a panic.
#![no_main]

use ladder_core::roles::parse_maintainers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(errors) = parse_maintainers("MAINTAINERS.yaml", text) {
        assert!(errors.to_string().contains("MAINTAINERS.yaml"));
    }
});
