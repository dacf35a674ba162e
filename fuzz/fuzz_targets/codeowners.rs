//! `CODEOWNERS`: any text gives grants without panicking, and never a team or a bot.
#![no_main]

use ladder_core::credit::Bots;
use ladder_core::roles::parse_codeowners;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let bots = Bots::from_list("asyncapi-bot");
    for grant in parse_codeowners("cli", text, &bots) {
        assert!(!grant.login.contains('/'), "a team is not a person: {grant:?}");
        assert!(!grant.login.eq_ignore_ascii_case("asyncapi-bot"), "a bot is not a person");
    }
});
