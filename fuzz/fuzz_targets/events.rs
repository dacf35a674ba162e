//! Webhook payloads: every event parser, and what the worker derives from a parsed event (signals,
//! directory changes, commands), never panics on any body the intake would accept.
#![no_main]

use ladder_core::event::{KNOWN_EVENTS, parse};
use ladder_core::ladder::Ladder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &[u8])| {
    let (which, body) = input;
    let name = KNOWN_EVENTS[usize::from(which) % KNOWN_EVENTS.len()];
    if ladder_core::delivery::check_body(name, body).is_err() {
        return;
    }
    let event = parse(name, body).expect("what the intake accepts, the worker parses");
    let at = chrono::DateTime::UNIX_EPOCH;
    let _ = ladder_core::signal::derive(&event, at);
    let _ = ladder_core::directory::changes(&event);
    let ladder = Ladder::builtin();
    let requests = ladder_core::commands::answer::requests(&event, &ladder);
    assert!(requests.len() <= ladder_core::commands::answer::SCANNED + 1);
});
