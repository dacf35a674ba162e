//! Calibration: the ladder checked against the promotions the org actually made.
//!
//! Owns: finding promotions in the `CODEOWNERS` revisions backfill recorded ([`promotions`]: a person
//! is promoted to a role in a repository on the commit date of the first revision that names them,
//! triager comment lines included; one named in a repository's first recorded revision is marked
//! `founding`, since that date says when the file appeared), and, per level tied to a role ([`calibrate`]): each promoted
//! person's metrics as of the day of their first promotion to that role (evaluated by
//! [`crate::growth::as_of`], from what happened before it, the role itself not counted), their
//! distribution (minimum, 25th percentile, median, by the nearest-rank method) beside the ladder's
//! threshold, who the ladder would have called ready then and what the others lacked, who meets the
//! level today but was never promoted, and a suggested threshold per metric (the 25th percentile,
//! only from at least [`MIN_PROMOTIONS`] promotions), rendered as text, JSON and a YAML snippet.
//!
//! Never does: I/O, read the clock, or change the ladder: a suggestion is only printed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::credit::Bots;
use crate::growth::as_of::{History, Merges, facts_as_of};
use crate::ladder::{Facts, Ladder, Level, Metric, Readiness, evaluate};
use crate::roles::{Role, parse_codeowners};

/// Promotions needed before a threshold is suggested.
pub const MIN_PROMOTIONS: usize = 3;

/// One revision of a repository's `CODEOWNERS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The repository's name, without its owner.
    pub repo: String,
    pub committed_at: DateTime<Utc>,
    /// Its text (`None`: the commit removed the file).
    pub text: Option<String>,
}

/// A person named for a role in a repository for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// As the first revision naming them wrote it.
    pub login: String,
    pub role: Role,
    pub repo: String,
    pub at: DateTime<Utc>,
    /// Named in the repository's first recorded `CODEOWNERS`: the date says when the file appeared,
    /// which may be long after they took the role.
    pub founding: bool,
}

/// Every promotion the revisions record, oldest first (then by repository and login).
pub fn promotions(revisions: &[Revision], bots: &Bots) -> Vec<Promotion> {
    let mut ordered: Vec<&Revision> = revisions.iter().collect();
    ordered.sort_by(|a, b| (a.committed_at, &a.repo).cmp(&(b.committed_at, &b.repo)));
    let mut seen: BTreeSet<(String, Role, String)> = BTreeSet::new();
    let mut first: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let mut out = Vec::new();
    for revision in ordered {
        let Some(text) = &revision.text else { continue };
        let founding =
            *first.entry(revision.repo.to_lowercase()).or_insert(revision.committed_at) == revision.committed_at;
        let mut grants = parse_codeowners(&revision.repo, text, bots);
        grants.sort_by_key(|g| g.login.to_lowercase());
        for grant in grants {
            let key = (revision.repo.to_lowercase(), grant.role, grant.login.to_lowercase());
            if seen.insert(key) {
                let at = revision.committed_at;
                out.push(Promotion { login: grant.login, role: grant.role, repo: revision.repo.clone(), at, founding });
            }
        }
    }
    out
}

/// A promoted person's past, as the shell found it: `None` when their login resolves to no GitHub
/// account the store knows.
pub struct Past<'a> {
    pub login: &'a str,
    pub history: Option<History<'a>>,
}

/// One person's promotion to a level's role, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub login: String,
    pub repo: String,
    pub at: DateTime<Utc>,
    /// Named in the repository's first recorded `CODEOWNERS` ([`Promotion::founding`]).
    pub founding: bool,
    /// Whether the ladder would have called them ready for the level that day.
    pub ready: bool,
    /// Each of the level's requirements (then its endorsements, when it asks for some): metric, value
    /// that day, threshold.
    pub values: Vec<(Metric, u64, u64)>,
}

impl Checked {
    /// The requirements they had not met.
    pub fn lacked(&self) -> impl Iterator<Item = &(Metric, u64, u64)> {
        self.values.iter().filter(|(_, have, need)| have < need)
    }
}

/// A metric's values at promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    pub metric: Metric,
    pub threshold: u64,
    pub min: u64,
    pub p25: u64,
    pub median: u64,
    /// The 25th percentile, from at least [`MIN_PROMOTIONS`] promotions.
    pub suggested: Option<u64>,
}

/// One level tied to a role, against the promotions to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelCheck {
    pub level: String,
    pub name: String,
    pub role: Role,
    /// Each person's first promotion to the role, oldest first.
    pub promoted: Vec<Checked>,
    pub spreads: Vec<Spread>,
    /// Who meets the level today and was never named for its role (or a higher one).
    pub candidates: Vec<String>,
}

impl LevelCheck {
    pub fn ready(&self) -> usize {
        self.promoted.iter().filter(|c| c.ready).count()
    }

    /// How many were named in a repository's first recorded `CODEOWNERS`.
    pub fn founding(&self) -> usize {
        self.promoted.iter().filter(|c| c.founding).count()
    }
}

/// The whole calibration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calibration {
    pub org: String,
    pub levels: Vec<LevelCheck>,
    /// Logins the revisions name that resolve to no known account.
    pub unresolved: Vec<String>,
}

/// What calibration reads: the promotions, each promoted person's past, and where everyone stands today.
pub struct Inputs<'a> {
    pub promotions: &'a [Promotion],
    /// By lowercased login.
    pub pasts: &'a BTreeMap<String, Past<'a>>,
    pub merges: &'a Merges,
    /// Everyone with activity, by login, as evaluated today.
    pub today: &'a [(String, Readiness)],
}

/// `values` sorted; the nearest-rank percentile `p` (0 to 100): the smallest value with at least p % of
/// the values at or below it.
pub fn nearest_rank(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Checks every level tied to a role against the promotions to that role.
pub fn calibrate(org: &str, ladder: &Ladder, inputs: &Inputs<'_>) -> Calibration {
    let levels = ladder
        .levels
        .iter()
        .enumerate()
        .filter_map(|(index, level)| level.role.map(|role| check(ladder, index, level, role, inputs)))
        .collect();
    let unresolved: BTreeSet<String> =
        inputs.pasts.values().filter(|p| p.history.is_none()).map(|p| p.login.to_owned()).collect();
    Calibration { org: org.to_owned(), levels, unresolved: unresolved.into_iter().collect() }
}

fn check(ladder: &Ladder, index: usize, level: &Level, role: Role, inputs: &Inputs<'_>) -> LevelCheck {
    let mut first: BTreeMap<String, &Promotion> = BTreeMap::new();
    for p in inputs.promotions.iter().filter(|p| p.role == role) {
        first
            .entry(p.login.to_lowercase())
            .and_modify(|e| {
                if p.at < e.at {
                    *e = p
                }
            })
            .or_insert(p);
    }
    let mut promoted: Vec<Checked> = first
        .iter()
        .filter_map(|(key, p)| {
            let history = inputs.pasts.get(key)?.history?;
            let facts = facts_as_of(history, inputs.merges, ladder, p.at);
            // Earned, not held: the role they were just given does not count.
            let r = evaluate(ladder, &facts, None, p.at);
            let values = requirements(level, &r, &facts);
            let ready = ladder.levels_held(r.level.as_deref()) > index;
            Some(Checked {
                login: p.login.clone(),
                repo: p.repo.clone(),
                at: p.at,
                founding: p.founding,
                ready,
                values,
            })
        })
        .collect();
    promoted.sort_by(|a, b| (a.at, &a.login).cmp(&(b.at, &b.login)));
    let spreads = level
        .requires
        .iter()
        .enumerate()
        .map(|(i, (metric, threshold))| {
            let mut values: Vec<u64> = promoted.iter().map(|c| c.values[i].1).collect();
            values.sort_unstable();
            let p25 = nearest_rank(&values, 25).unwrap_or(0);
            Spread {
                metric: *metric,
                threshold: *threshold,
                min: values.first().copied().unwrap_or(0),
                p25,
                median: nearest_rank(&values, 50).unwrap_or(0),
                suggested: (values.len() >= MIN_PROMOTIONS).then_some(p25),
            }
        })
        .collect();
    let named: BTreeSet<String> =
        inputs.promotions.iter().filter(|p| p.role.rank() >= role.rank()).map(|p| p.login.to_lowercase()).collect();
    let candidates = inputs
        .today
        .iter()
        .filter(|(login, r)| ladder.levels_held(r.level.as_deref()) > index && !named.contains(&login.to_lowercase()))
        .map(|(login, _)| login.clone())
        .collect();
    LevelCheck { level: level.id.clone(), name: level.name.clone(), role, promoted, spreads, candidates }
}

/// The level's requirements as `r` measured them, in the ladder's order, then its endorsements.
fn requirements(level: &Level, r: &Readiness, facts: &Facts) -> Vec<(Metric, u64, u64)> {
    let mut out: Vec<(Metric, u64, u64)> = level
        .requires
        .iter()
        .map(|(metric, need)| (*metric, r.metrics.get(metric).map_or(0, |m| m.value), *need))
        .collect();
    if let Some(need) = level.endorsements {
        out.push((Metric::Endorsements, facts.endorsed(&level.id).value, need));
    }
    out
}

impl Calibration {
    /// The text `ladder calibrate` prints.
    pub fn to_text(&self) -> String {
        let mut out = format!("Calibration of the ladder in {} against its CODEOWNERS history\n", self.org);
        for level in &self.levels {
            let n = level.promoted.len();
            let _ = writeln!(out, "\n{} (role {}): {n} promotion{} found", level.name, level.role.as_str(), plural(n));
            if n > 0 {
                let _ = writeln!(
                    out,
                    "  {:<22}{:>10}{:>6}{:>6}{:>8}{:>11}",
                    "metric", "threshold", "min", "p25", "median", "suggested"
                );
                for s in &level.spreads {
                    let suggested = s.suggested.map_or_else(|| "-".to_owned(), |v| v.to_string());
                    let _ = writeln!(
                        out,
                        "  {:<22}{:>10}{:>6}{:>6}{:>8}{:>11}",
                        s.metric.name(),
                        s.threshold,
                        s.min,
                        s.p25,
                        s.median,
                        suggested
                    );
                }
                let _ = writeln!(out, "  ready at promotion: {} of {n}", level.ready());
                if level.founding() > 0 {
                    let _ = writeln!(
                        out,
                        "  named in a repository's first CODEOWNERS: {} of {n} (their date is when the file appeared)",
                        level.founding()
                    );
                }
            }
            for c in level.promoted.iter().filter(|c| !c.ready) {
                let lacked: Vec<String> =
                    c.lacked().map(|(m, have, need)| format!("{} {have}/{need}", m.name())).collect();
                let _ = writeln!(
                    out,
                    "  promoted without meeting it: {} ({}, {}): {}",
                    c.login,
                    c.repo,
                    c.at.format("%Y-%m-%d"),
                    if lacked.is_empty() { "a level below it".to_owned() } else { lacked.join(", ") }
                );
            }
            if !level.candidates.is_empty() {
                let _ = writeln!(out, "  meets it today, never promoted: {}", level.candidates.join(", "));
            }
        }
        if !self.unresolved.is_empty() {
            let _ = writeln!(
                out,
                "\nnamed in CODEOWNERS but unknown here (no activity recorded): {}",
                self.unresolved.join(", ")
            );
        }
        if let Some(yaml) = self.suggestion() {
            let _ = write!(out, "\n{yaml}");
        }
        out
    }

    /// The suggested thresholds as a snippet for `.github/amp.yml`, when any level has one.
    pub fn suggestion(&self) -> Option<String> {
        let levels: Vec<&LevelCheck> =
            self.levels.iter().filter(|l| l.spreads.iter().any(|s| s.suggested.is_some())).collect();
        if levels.is_empty() {
            return None;
        }
        let mut out = format!(
            "# A SUGGESTION, not applied: the 25th percentile at promotion (nearest rank), from at least {MIN_PROMOTIONS}\n\
             # promotions. Review it before copying it into .github/amp.yml.\nlevels:\n"
        );
        for level in levels {
            let _ = writeln!(out, "  - id: {}\n    requires:", level.level);
            for s in &level.spreads {
                let value = s.suggested.unwrap_or(s.threshold);
                let note =
                    if s.suggested.is_some() { String::new() } else { "  # kept: too few promotions".to_owned() };
                let _ = writeln!(out, "      {}: {value}{note}", s.metric.name());
            }
        }
        Some(out)
    }

    /// The JSON `ladder calibrate --json` prints.
    pub fn to_json(&self) -> Value {
        let levels: Vec<Value> = self
            .levels
            .iter()
            .map(|l| {
                json!({
                    "level": l.level,
                    "name": l.name,
                    "role": l.role.as_str(),
                    "promotions": l.promoted.len(),
                    "ready_at_promotion": l.ready(),
                    "founding": l.founding(),
                    "metrics": l.spreads.iter().map(|s| json!({
                        "metric": s.metric.name(), "threshold": s.threshold, "min": s.min, "p25": s.p25,
                        "median": s.median, "suggested": s.suggested,
                    })).collect::<Vec<_>>(),
                    "promoted": l.promoted.iter().map(|c| json!({
                        "login": c.login, "repo": c.repo, "at": c.at.to_rfc3339(), "ready": c.ready, "founding": c.founding,
                        "lacked": c.lacked().map(|(m, have, need)| json!({"metric": m.name(), "have": have, "need": need})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "candidates": l.candidates,
                })
            })
            .collect();
        json!({"org": self.org, "levels": levels, "unresolved": self.unresolved, "suggestion": self.suggestion()})
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::event::Account;
    use crate::ladder::config::parse;
    use crate::signal::{Kind, Org, Repo, Signal, Subject};

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
    }

    fn revision(repo: &str, d: u32, text: Option<&str>) -> Revision {
        Revision { repo: repo.into(), committed_at: day(d), text: text.map(str::to_owned) }
    }

    #[test]
    fn the_nearest_rank_percentile() {
        let cases: [(&[u64], usize, Option<u64>); 7] = [
            (&[], 25, None),
            (&[7], 25, Some(7)),
            (&[1, 2, 3, 4], 25, Some(1)),
            (&[1, 2, 3, 4], 50, Some(2)),
            (&[1, 2, 3, 4, 5], 25, Some(2)),
            (&[1, 2, 3, 4, 5], 50, Some(3)),
            (&[1, 2, 3, 4, 5], 100, Some(5)),
        ];
        for (values, p, want) in cases {
            assert_eq!(nearest_rank(values, p), want, "{values:?} p{p}");
        }
    }

    #[test]
    fn a_promotion_is_the_first_revision_naming_someone() {
        let revisions = [
            revision("cli", 5, Some("* @alice @carol\n")),
            revision("cli", 1, Some("* @alice\n# Docs Triagers: @bob\n")),
            revision("cli", 6, None),
            revision("cli", 7, Some("* @Alice @dependabot[bot] @asyncapi-bot\n# Docs Triagers: @bob @dan\n")),
            revision("web", 3, Some("* @alice\n")),
        ];
        let got: Vec<(String, Role, String, DateTime<Utc>, bool)> =
            promotions(&revisions, &Bots::new(["asyncapi-bot"]))
                .into_iter()
                .map(|p| (p.login, p.role, p.repo, p.at, p.founding))
                .collect();
        let want = [
            ("alice", Role::Maintainer, "cli", day(1), true),
            ("bob", Role::Triager, "cli", day(1), true),
            ("alice", Role::Maintainer, "web", day(3), true),
            ("carol", Role::Maintainer, "cli", day(5), false),
            ("dan", Role::Triager, "cli", day(7), false),
        ];
        let want: Vec<_> =
            want.iter().map(|(l, r, repo, at, f)| (l.to_string(), *r, repo.to_string(), *at, *f)).collect();
        assert_eq!(got, want);
    }

    fn merged(person: i64, n: i64, d: u32) -> Signal {
        Signal {
            kind: Kind::PrMerged,
            identity: format!("1#{person}-{n}"),
            org: Org { id: 1, login: "o".into() },
            repo: Repo { id: 1, full_name: "o/cli".into(), private: false },
            subject: Some(Subject {
                number: person * 100 + n,
                is_pull_request: true,
                author: None,
                author_association: None,
            }),
            actor: Account { id: person, login: format!("p{person}"), account_type: Some("User".into()) },
            occurred_at: day(d),
            data: serde_json::json!({"additions": 50}),
        }
    }

    #[test]
    fn levels_are_checked_as_of_each_promotion() {
        let ladder = parse(
            "amp.yml",
            "levels:\n  - id: contributor\n    requires: {pr_merged: 1}\n  - id: triager\n    role: triager\n    requires: {pr_merged: 2, repos: 1}\n",
        )
        .unwrap();
        // p1 merged 3 before day 10; p2 1 before day 12 (and 2 after); p3 2 before day 20.
        let s1 = [merged(1, 1, 1), merged(1, 2, 2), merged(1, 3, 3)];
        let s2 = [merged(2, 1, 1), merged(2, 2, 13), merged(2, 3, 14)];
        let s3 = [merged(3, 1, 5), merged(3, 2, 6)];
        let s5 = [merged(5, 1, 1), merged(5, 2, 2)];
        let history = |signals| History { signals, endorsements: &[], roles: &[] };
        let promotions = [
            Promotion { login: "p1".into(), role: Role::Triager, repo: "cli".into(), at: day(10), founding: true },
            Promotion { login: "P2".into(), role: Role::Triager, repo: "cli".into(), at: day(12), founding: false },
            Promotion { login: "p2".into(), role: Role::Triager, repo: "web".into(), at: day(15), founding: false },
            Promotion { login: "p3".into(), role: Role::Triager, repo: "web".into(), at: day(20), founding: false },
            Promotion {
                login: "ghost-user".into(),
                role: Role::Triager,
                repo: "cli".into(),
                at: day(4),
                founding: false,
            },
            Promotion { login: "p6".into(), role: Role::Maintainer, repo: "cli".into(), at: day(4), founding: false },
        ];
        let pasts: BTreeMap<String, Past<'_>> = [
            ("p1", Some(history(&s1[..]))),
            ("p2", Some(history(&s2[..]))),
            ("p3", Some(history(&s3[..]))),
            ("ghost-user", None),
        ]
        .into_iter()
        .map(|(login, history)| (login.to_owned(), Past { login, history }))
        .collect();
        let today = |signals: &[Signal]| {
            evaluate(&ladder, &Facts::from_signals(signals, &Default::default(), &ladder), None, day(28))
        };
        let today = [
            ("p1".to_owned(), today(&s1)),
            ("p5".to_owned(), today(&s5)),
            ("p6".to_owned(), today(&s5)),
            ("p7".to_owned(), today(&s5[..1])),
        ];
        let merges = Merges::new();
        let inputs = Inputs { promotions: &promotions, pasts: &pasts, merges: &merges, today: &today };
        let calibration = calibrate("o", &ladder, &inputs);
        assert_eq!(calibration.unresolved, ["ghost-user"]);
        let [level] = &calibration.levels[..] else { panic!("{calibration:?}") };
        let checked: Vec<(&str, &str, DateTime<Utc>, bool, Vec<(Metric, u64, u64)>)> = level
            .promoted
            .iter()
            .map(|c| (c.login.as_str(), c.repo.as_str(), c.at, c.ready, c.values.clone()))
            .collect();
        let merged_m = Metric::Kind(Kind::PrMerged);
        assert_eq!(
            checked,
            [
                ("p1", "cli", day(10), true, vec![(merged_m, 3, 2), (Metric::Repos, 1, 1)]),
                ("P2", "cli", day(12), false, vec![(merged_m, 1, 2), (Metric::Repos, 1, 1)]),
                ("p3", "web", day(20), true, vec![(merged_m, 2, 2), (Metric::Repos, 1, 1)]),
            ],
            "each person once, at their first promotion to the role"
        );
        assert_eq!((level.ready(), level.founding()), (2, 1));
        let spreads: Vec<(Metric, u64, u64, u64, u64, Option<u64>)> =
            level.spreads.iter().map(|s| (s.metric, s.threshold, s.min, s.p25, s.median, s.suggested)).collect();
        assert_eq!(spreads, [(merged_m, 2, 1, 1, 2, Some(1)), (Metric::Repos, 1, 1, 1, 1, Some(1))]);
        // p5 meets it and was never named; p6 was named for a higher role; p7 does not meet it.
        assert_eq!(level.candidates, ["p5"]);
        let text = calibration.to_text();
        assert!(text.contains("triager (role triager): 3 promotions found"), "{text}");
        assert!(text.contains("  pr_merged                      2     1     1       2          1"), "{text}");
        assert!(text.contains("promoted without meeting it: P2 (cli, 2026-03-12): pr_merged 1/2"), "{text}");
        assert!(text.contains("named in a repository's first CODEOWNERS: 1 of 3"), "{text}");
        assert!(text.contains("meets it today, never promoted: p5"), "{text}");
        assert!(
            text.contains("A SUGGESTION")
                && text.contains("  - id: triager\n    requires:\n      pr_merged: 1\n      repos: 1\n"),
            "{text}"
        );
        let json = calibration.to_json();
        assert_eq!(json["levels"][0]["promotions"], 3);
        assert_eq!(
            json["levels"][0]["promoted"][1]["lacked"][0],
            serde_json::json!({"metric": "pr_merged", "have": 1, "need": 2})
        );
        // Under three promotions: figures, no suggestion.
        let few = calibrate("o", &ladder, &Inputs { promotions: &promotions[..2], ..inputs });
        assert!(few.levels[0].spreads.iter().all(|s| s.suggested.is_none()));
        assert_eq!(few.suggestion(), None);
    }
}
