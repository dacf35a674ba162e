//! One person's timeline: where they stood at the end of each period, how active they were, and
//! what they did in it.
//!
//! Owns: [`Timeline`], [`State`] and [`timeline`], which walks the periods adding the person's
//! credited signals to a running digest, and at each period's end evaluates it exactly as
//! [`super::as_of::readiness_as_of`] would (the tests hold it to that at every period end) at a
//! fraction of the cost: each signal is added once, not once per period.
//!
//! Never does: I/O, or sum people up (see [`super::series`]).

use chrono::{DateTime, Utc};

use super::as_of::{History, Merges, endorsements_before, merged_before, role_as_of};
use super::period::Period;
use crate::credit::is_credited;
use crate::digest::PersonDigest;
use crate::ladder::{Activity, Facts, Ladder, Readiness, evaluate};
use crate::signal::{Kind, Track};

/// Where a person stood at the end of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// How many of the ladder's levels they held (0: none).
    pub levels: usize,
    pub activity: Activity,
    /// Their credited signals in the period, per track (in [`Track::ALL`]'s order).
    pub signals: [u64; 4],
}

impl State {
    pub fn active_in_period(&self) -> bool {
        self.signals.iter().any(|n| *n > 0)
    }
}

/// A person's states at the end of each period, and their first credited action.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub first: Option<(DateTime<Utc>, Kind)>,
    pub states: Vec<State>,
    /// Where their work alone (whatever role they hold) stood at the last period's end: its level and
    /// last activity (evidence lists only the references a digest keeps).
    pub earned: Option<Readiness>,
}

fn track_index(track: Track) -> usize {
    Track::ALL.iter().position(|t| *t == track).unwrap_or(0)
}

/// The person's [`State`] at the end of each of `periods` (oldest first, contiguous).
pub fn timeline(history: History<'_>, merges: &Merges, ladder: &Ladder, periods: &[Period]) -> Timeline {
    let credited: Vec<_> = history.signals.iter().filter(|s| is_credited(s, &ladder.bots)).collect();
    let first = credited.first().map(|s| (s.occurred_at, s.kind));
    let mut digest = PersonDigest::default();
    let mut next = 0;
    let mut states = Vec::with_capacity(periods.len());
    let mut earned = None;
    for (i, period) in periods.iter().enumerate() {
        let mut signals = [0; 4];
        while let Some(s) = credited.get(next).filter(|s| s.occurred_at < period.end) {
            digest.add(s);
            if s.occurred_at >= period.start {
                signals[track_index(s.kind.track())] += 1;
            }
            next += 1;
        }
        let mut facts = Facts::from_digest(&digest, |key| merged_before(merges, key, period.end), ladder);
        facts.endorsements = endorsements_before(history.endorsements, period.end);
        let readiness = evaluate(ladder, &facts, role_as_of(history.roles, period.end), period.end);
        let levels = ladder.levels_held(readiness.level.as_deref());
        states.push(State { levels, activity: readiness.activity, signals });
        if i + 1 == periods.len() {
            earned = Some(evaluate(ladder, &facts, None, period.end));
        }
    }
    Timeline { first, states, earned }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::growth::as_of::{Endorsement, RoleSince, readiness_as_of};
    use crate::growth::period::{Interval, periods};
    use crate::rng::Rng;
    use crate::roles::Role;
    use crate::signal::{Org, Repo, Signal, Subject};

    const KINDS: [Kind; 7] = [
        Kind::PrMerged,
        Kind::PrOpened,
        Kind::ReviewApproved,
        Kind::ReviewCommented,
        Kind::IssueComment,
        Kind::TriageLabeled,
        Kind::ReleasePublished,
    ];

    /// A random person's history over two years: signals on others' and their own subjects, merges,
    /// an endorsement and a role.
    fn history(rng: &mut Rng, start: DateTime<Utc>) -> (Vec<Signal>, Merges, Vec<Endorsement>, Vec<RoleSince>) {
        let account = |id| Account { id, login: format!("u{id}"), account_type: Some("User".into()) };
        let mut signals: Vec<Signal> = (0..rng.below(120))
            .map(|n| {
                let kind = *rng.pick(&KINDS);
                let number = rng.below(40) as i64;
                let author = if rng.below(4) == 0 { 7 } else { 3 };
                Signal {
                    kind,
                    identity: format!("{n}"),
                    org: Org { id: 1, login: "o".into() },
                    repo: Repo { id: 2 + number % 3, full_name: format!("o/r{}", number % 3), private: false },
                    subject: Some(Subject {
                        number,
                        is_pull_request: true,
                        author: Some(account(author)),
                        author_association: Some(
                            if number % 5 == 0 { "FIRST_TIME_CONTRIBUTOR" } else { "MEMBER" }.into(),
                        ),
                    }),
                    actor: account(7),
                    occurred_at: start + Duration::hours(rng.below(730 * 24) as i64),
                    data: json!({"additions": rng.below(200), "deletions": 0, "title": "t", "head": "h"}),
                }
            })
            .collect();
        signals.sort_by_key(|s| s.occurred_at);
        let mut merges = Merges::new();
        for n in 0..40 {
            if rng.below(2) == 0 {
                merges.insert((2 + n % 3, n), start + Duration::days(rng.below(730) as i64));
            }
        }
        let endorsements = vec![Endorsement {
            level: "regular".into(),
            endorser: "m".into(),
            company: None,
            at: start + Duration::days(rng.below(730) as i64),
        }];
        let roles = if rng.below(3) == 0 {
            vec![RoleSince { role: Role::Triager, since: start + Duration::days(rng.below(900) as i64) }]
        } else {
            Vec::new()
        };
        (signals, merges, endorsements, roles)
    }

    #[test]
    fn the_walk_equals_evaluating_as_of_every_period_end() {
        let ladder = crate::ladder::config::parse(
            "t.yml",
            "window_months: 6\nlevels:\n  - id: first\n    requires: {pr_merged: 1}\n  - id: regular\n    requires: {pr_merged: 3, active_months: 2, primary_reviews: 1}\n    endorsements: 1\n  - id: triager\n    role: triager\n    requires: {triage: 40, newcomers_helped: 5}\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let start = Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap();
        let now = start + Duration::days(800);
        let mut rng = Rng(7);
        let mut reached = [0; 4];
        for _ in 0..60 {
            let (signals, merges, endorsements, roles) = history(&mut rng, start);
            let history = History { signals: &signals, endorsements: &endorsements, roles: &roles };
            for interval in [Interval::Month, Interval::Week] {
                let periods = periods(interval, start - Duration::days(20), now);
                let walked = timeline(history, &merges, &ladder, &periods);
                assert_eq!(walked.states.len(), periods.len());
                for (period, state) in periods.iter().zip(&walked.states) {
                    let direct = readiness_as_of(history, &merges, &ladder, period.end);
                    let levels = ladder.levels_held(direct.level.as_deref());
                    assert_eq!((state.levels, state.activity), (levels, direct.activity), "{:?} {period:?}", interval);
                    let in_period = signals
                        .iter()
                        .filter(|s| s.occurred_at >= period.start && s.occurred_at < period.end)
                        .filter(|s| crate::credit::is_credited(s, &ladder.bots))
                        .count() as u64;
                    assert_eq!(state.signals.iter().sum::<u64>(), in_period);
                    reached[state.levels] += 1;
                }
                // Their work alone at the end: the as-of rule without a role.
                let end = periods.last().unwrap().end;
                let alone =
                    evaluate(&ladder, &super::super::as_of::facts_as_of(history, &merges, &ladder, end), None, end);
                let earned = walked.earned.as_ref().unwrap();
                assert_eq!((&earned.level, earned.last_activity), (&alone.level, alone.last_activity), "{interval:?}");
            }
        }
        assert!(reached.iter().all(|n| *n > 0), "every level was reached somewhere: {reached:?}");
    }
}
