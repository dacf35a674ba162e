//! Ladder configs and repository overrides: any text parses or is refused with located errors, never
//! a panic.
#![no_main]

use ladder_core::ladder::config::{parse, parse_override};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(errors) = parse(".github/amp.yml", text) {
        assert!(!errors.0.is_empty());
        assert!(errors.to_string().contains(".github/amp.yml"));
    }
    let _ = parse_override(".github/amp.yml", text);
});
