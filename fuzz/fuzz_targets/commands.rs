//! The comment command grammar: any Markdown parses without panicking, keys are unique, and a limit
//! is kept.
#![no_main]

use ladder_core::commands::grammar::{parse, parse_at_most};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let all = parse(text, "/amp");
    let mut keys: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(before, keys.len(), "keys are unique within a comment");
    let (first, more) = parse_at_most(text, "/amp", 3);
    assert!(first.len() <= 3);
    assert_eq!(more, all.len() > 3);
    assert_eq!(first, all.into_iter().take(3).collect::<Vec<_>>());
});
