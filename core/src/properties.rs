//! Property tests of every parser that reads what outsiders send: webhook payloads,
//! comment commands, `CODEOWNERS` and `MAINTAINERS.yaml` (the ladder config has its own, in
//! `ladder::properties`). Over thousands of generated and damaged inputs, none panics, what the intake
//! accepts the worker parses, and each keeps its promises. The fuzz targets in `fuzz/` search the same
//! ground further; what they find becomes a case here. A seeded xorshift makes a failure reproducible
//! from the seed it names.

use crate::commands::grammar::{parse, parse_at_most};
use crate::credit::Bots;
use crate::delivery::check_body;
use crate::event::KNOWN_EVENTS;
use crate::ladder::Ladder;
use crate::rng::Rng;
use crate::roles::{parse_codeowners, parse_maintainers};

const SEEDS: u64 = 2000;

fn seeds() -> impl Iterator<Item = (u64, Rng)> {
    (1..=SEEDS).map(|seed| (seed, Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)))
}

#[test]
fn what_the_intake_accepts_the_worker_parses_and_derives_from() {
    let fixtures: Vec<(&str, &[u8])> = vec![
        ("pull_request", include_bytes!("../../tests/fixtures/webhooks/pull_request/closed.merged.json")),
        ("issues", include_bytes!("../../tests/fixtures/webhooks/issues/labeled.json")),
        ("issue_comment", include_bytes!("../../tests/fixtures/webhooks/issue_comment/created.json")),
        ("pull_request_review", include_bytes!("../../tests/fixtures/webhooks/pull_request_review/submitted.json")),
    ];
    let ladder = Ladder::builtin();
    let mut accepted = 0;
    for (seed, mut rng) in seeds() {
        let (event, body) = *rng.pick(&fixtures);
        let event = if rng.below(4) == 0 { *rng.pick(KNOWN_EVENTS) } else { event };
        let body = rng.damage(body);
        if check_body(event, &body).is_err() {
            continue;
        }
        accepted += 1;
        let parsed = crate::event::parse(event, &body).unwrap_or_else(|e| panic!("seed {seed}: accepted, then {e}"));
        let signals = crate::signal::derive(&parsed, chrono::DateTime::UNIX_EPOCH);
        assert!(signals.iter().all(|s| !s.actor.login.contains('\0')), "seed {seed}: a NUL reached a signal");
        let _ = crate::directory::changes(&parsed);
        let _ = crate::commands::answer::requests(&parsed, &ladder);
    }
    assert!(accepted > 100, "damage leaves some bodies valid: {accepted}");
}

#[test]
fn the_command_grammar_never_panics_and_keys_are_unique() {
    let words = ["/amp", "/AMP", "help", "status", "@alice", "enroll", "mentor", "cohort", "2026", "optout", "x"];
    let frames = ["", "> ", "- ", "```\n", "    ", "# ", "<!--\n", "| a |\n|---|\n| "];
    for (seed, mut rng) in seeds() {
        let mut text = String::new();
        for _ in 0..rng.below(12) {
            text.push_str(rng.pick::<&str>(&frames));
            for _ in 0..rng.below(5) {
                text.push_str(rng.pick::<&str>(&words));
                text.push(*rng.pick(&[' ', ' ', '\t', '\n']));
            }
            text.push('\n');
        }
        let all = parse(&text, "/amp");
        let mut keys: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "seed {seed}: keys repeat in {text:?}");
        let limit = rng.below(4);
        let (first, more) = parse_at_most(&text, "/amp", limit);
        assert_eq!((first.len().min(limit), more), (all.len().min(limit), all.len() > limit), "seed {seed}");
        assert!(all.iter().zip(&first).all(|(a, f)| a == f), "seed {seed}: the first are the same");
    }
}

#[test]
fn codeowners_and_maintainers_never_panic() {
    let codeowners = include_str!("../../tests/fixtures/asyncapi/CODEOWNERS.website");
    let maintainers = include_str!("../../tests/fixtures/asyncapi/MAINTAINERS.yaml");
    let bots = Bots::from_list("asyncapi-bot");
    for (seed, mut rng) in seeds().take(500) {
        let text = String::from_utf8_lossy(&rng.damage(codeowners.as_bytes())).into_owned();
        for grant in parse_codeowners("website", &text, &bots) {
            assert!(!grant.login.contains('/') && !grant.login.is_empty(), "seed {seed}: {grant:?}");
        }
        let text = String::from_utf8_lossy(&rng.damage(maintainers.as_bytes())).into_owned();
        if let Err(errors) = parse_maintainers("MAINTAINERS.yaml", &text) {
            assert!(errors.to_string().contains("MAINTAINERS.yaml:"), "seed {seed}: {errors}");
        }
    }
}
