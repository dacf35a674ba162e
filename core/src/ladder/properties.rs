//! Property tests: over thousands of generated configs and signal sets, parsing never panics and
//! reports located errors, and evaluation never panics, is deterministic, and does not depend on the
//! order of its input. The generator is a seeded xorshift, so a failure names a seed that reproduces it.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use super::config::parse;
use super::evaluate::evaluate;
use super::facts::Facts;
use super::metric::Metric;
use crate::event::Account;
use crate::rng::Rng;
use crate::roles::Role;
use crate::signal::{Kind, Org, Repo, Signal, Subject};

fn random_yaml(rng: &mut Rng) -> String {
    let mut names: Vec<&str> = Metric::all_names();
    names.extend(["reviews", "", "pr merged", "ß", "levels"]);
    let thresholds = ["1", "2", "3", "10", "0", "-1", "2.5", "x", "1e30", "[1]", "{a: 1}", "~", "\"4\""];
    let ids = ["a", "b", "a", "maintainer", "", "with space", "x-y_z"];
    let top = [
        "command_prefix: /amp",
        "label_prefix: amp/",
        "bots: [a, b]",
        "window_months: 12",
        "colour: blue",
        "weekly_caps: {issue_comment: 3}",
        "weekly_caps: {hugs: 1}",
        "substantial: {min_lines: 5}",
        "admins: x",
    ];
    let mut yaml = String::new();
    for _ in 0..rng.below(3) {
        let line: &&str = rng.pick(&top);
        yaml.push_str(line);
        yaml.push('\n');
    }
    yaml.push_str("levels:\n");
    for _ in 0..rng.below(5) {
        yaml.push_str(&format!("  - id: {}\n", rng.pick(&ids)));
        if rng.below(4) == 0 {
            yaml.push_str(&format!("    role: {}\n", rng.pick(&["triager", "maintainer", "king"])));
        }
        yaml.push_str("    requires:\n");
        for _ in 0..rng.below(4) {
            yaml.push_str(&format!("      {}: {}\n", rng.pick(&names), rng.pick(&thresholds)));
        }
    }
    if rng.below(10) == 0 {
        // Damage: cut the text somewhere.
        let cut = rng.below(yaml.len().max(1));
        yaml.truncate(yaml.char_indices().map(|(i, _)| i).take_while(|i| *i <= cut).last().unwrap_or(0));
    }
    yaml
}

/// A config that is valid by construction: known metrics, thresholds that never fall from one level to
/// the next, optional roles and caps.
fn random_valid_yaml(rng: &mut Rng) -> String {
    let names = Metric::all_names();
    let mut highest: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut yaml = format!(
        "window_months: {}\nweekly_caps: {{issue_comment: {}}}\nlevels:\n",
        1 + rng.below(24),
        1 + rng.below(5)
    );
    for level in 0..1 + rng.below(5) {
        yaml.push_str(&format!("  - id: level{level}\n"));
        if rng.below(3) == 0 {
            yaml.push_str(&format!("    role: {}\n", rng.pick(&["triager", "maintainer", "tsc_member"])));
        }
        yaml.push_str("    requires:\n");
        let mut used = HashSet::new();
        for _ in 0..1 + rng.below(4) {
            let name = *rng.pick(&names);
            if used.insert(name) {
                let need = highest.get(name).copied().unwrap_or(1) + rng.below(4);
                highest.insert(name, need);
                yaml.push_str(&format!("      {name}: {need}\n"));
            }
        }
    }
    yaml
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn random_signals(rng: &mut Rng, n: usize) -> Vec<Signal> {
    let people = [(1, "me", "User"), (2, "other", "User"), (3, "asyncapi-bot", "User"), (4, "renovate[bot]", "Bot")];
    let associations = ["FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "MEMBER", "NONE"];
    let titles = ["chore(deps): bump x", "feat: y", "", "Bump z"];
    let mut seen = HashSet::new();
    (0..n)
        .map(|i| {
            let (id, login, account_type) = *rng.pick(&people);
            let (author_id, author_login, _) = *rng.pick(&people);
            let number = rng.below(20) as i64;
            let repo = rng.below(3) as i64;
            let kind = *rng.pick(&Kind::ALL);
            Signal {
                kind,
                // As recorded: a PR merges once.
                identity: if kind == Kind::PrMerged { format!("{repo}#{number}") } else { format!("s{i}") },
                org: Org { id: 9, login: "o".into() },
                repo: Repo { id: repo, full_name: format!("o/r{repo}"), private: rng.below(2) == 0 },
                subject: (rng.below(8) != 0).then(|| Subject {
                    number,
                    is_pull_request: rng.below(2) == 0,
                    author: (rng.below(6) != 0).then(|| Account {
                        id: author_id,
                        login: author_login.into(),
                        account_type: Some("User".into()),
                    }),
                    author_association: Some((*rng.pick(&associations)).into()),
                }),
                actor: Account { id, login: login.into(), account_type: Some(account_type.into()) },
                // From three years back to a little in the future (clock skew).
                occurred_at: now() - Duration::hours(rng.below(26_400) as i64 - 200),
                data: json!({"additions": rng.below(200), "deletions": rng.below(50), "title": rng.pick(&titles), "head": rng.pick(&["dependabot/x", "main"])}),
            }
        })
        .filter(|s: &Signal| seen.insert((s.kind, s.identity.clone())))
        .collect()
}

#[test]
fn parsing_never_panics_and_errors_are_located() {
    for seed in 1..=3000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let yaml = random_yaml(&mut rng);
        match parse("p.yml", &yaml) {
            Ok(ladder) => {
                assert!(!ladder.levels.is_empty(), "seed {seed}: {yaml}");
                for level in &ladder.levels {
                    assert!(level.requires.iter().all(|(_, need)| *need >= 1), "seed {seed}: {yaml}");
                }
            }
            Err(errors) => {
                assert!(!errors.0.is_empty(), "seed {seed}");
                for e in &errors.0 {
                    assert!(e.file == "p.yml" && !e.message.is_empty(), "seed {seed}: {e}");
                    assert!(e.line >= 1 || yaml.trim().is_empty(), "seed {seed}: unlocated {e} in {yaml:?}");
                }
            }
        }
    }
}

#[test]
fn evaluation_is_total_deterministic_and_order_independent() {
    for seed in 1..=1500u64 {
        let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let yaml = random_valid_yaml(&mut rng);
        let ladder = parse("p.yml", &yaml).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{yaml}"));
        let n = rng.below(120);
        let signals = random_signals(&mut rng, n);
        let merged: HashSet<(i64, i64)> =
            (0..rng.below(30)).map(|_| (rng.below(3) as i64, rng.below(20) as i64)).collect();
        let role = [None, Some(Role::Triager), Some(Role::Maintainer), Some(Role::TscMember)][rng.below(4)];
        let eval = |signals: &[Signal]| evaluate(&ladder, &Facts::from_signals(signals, &merged, &ladder), role, now());
        let first = eval(&signals);
        assert_eq!(first, eval(&signals), "seed {seed}");
        let mut shuffled = signals.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i + 1));
        }
        assert_eq!(first, eval(&shuffled), "seed {seed}: order matters");
        if let Some(level) = &first.level {
            assert!(ladder.level(level).is_some(), "seed {seed}");
        }
    }
}

#[test]
fn adding_a_merge_to_facts_counts_like_recording_it() {
    let mut checked = 0;
    for seed in 1..=800u64 {
        let mut rng = Rng(seed.wrapping_mul(0xA24B_AED4_963E_E407));
        let ladder = parse("p.yml", &random_valid_yaml(&mut rng)).unwrap();
        let n = 1 + rng.below(80);
        let signals = random_signals(&mut rng, n);
        let Some(i) =
            signals.iter().position(|s| s.kind == Kind::PrMerged && crate::credit::is_credited(s, &ladder.bots))
        else {
            continue;
        };
        let merged: HashSet<(i64, i64)> = HashSet::new();
        let mut without = signals.clone();
        let merge = without.remove(i);
        let values = |facts: &Facts| {
            let r = evaluate(&ladder, facts, None, now());
            (r.level, r.metrics.into_iter().map(|(m, v)| (m, v.value)).collect::<Vec<_>>())
        };
        let added = Facts::from_signals(&without, &merged, &ladder).with_merged_pr(&merge, &ladder);
        assert_eq!(values(&added), values(&Facts::from_signals(&signals, &merged, &ladder)), "seed {seed}");
        checked += 1;
    }
    assert!(checked > 100, "only {checked} cases had a credited merge");
}
