//! The `X-Hub-Signature-256` check: any header against any body never panics, and only the right
//! signature passes.
#![no_main]

use ladder::inbound::webhook::signature::{Secrets, sign};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&[u8], &[u8])| {
    let (header, body) = input;
    let secrets = Secrets::new("fuzz-secret", Some("previous")).expect("a secret");
    let verdict = secrets.verify(Some(header), body);
    if header == sign("fuzz-secret", body).as_bytes() {
        assert!(verdict.is_ok());
    }
    assert!(secrets.verify(Some(sign("fuzz-secret", body).as_bytes()), body).is_ok());
});
