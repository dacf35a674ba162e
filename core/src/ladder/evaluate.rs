//! Evaluation: where a person stands on the ladder, what is missing for the next level, and whether
//! they are active.
//!
//! Owns: [`evaluate`], a pure function of a person's [`Facts`], the ladder, the role they hold and
//! `now`. Every metric counts all history except `active_months`, which counts months within the
//! ladder's window. Inactivity is shown (active, drifting, away), never silently subtracted.
//!
//! Never does: I/O, or read the clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, Utc};

use super::config::{Ladder, Level};
use super::facts::Facts;
use super::measure::measure;
use super::metric::{Measure, Metric};
use crate::roles::Role;

/// Recent activity: active, drifting (nothing for 6 months) or away (nothing for 12 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    Active,
    Drifting,
    Away,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Active => "active",
            Activity::Drifting => "drifting",
            Activity::Away => "away",
        }
    }

    /// The status at `now` of someone last active at `last`.
    pub fn at(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Activity {
        let months_ago = |n| now.checked_sub_months(Months::new(n)).unwrap_or(DateTime::<Utc>::MIN_UTC);
        match last {
            Some(at) if at > months_ago(6) => Activity::Active,
            Some(at) if at > months_ago(12) => Activity::Drifting,
            _ => Activity::Away,
        }
    }
}

/// Progress on one requirement of a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub metric: Metric,
    pub have: u64,
    pub need: u64,
    pub evidence: Vec<String>,
}

impl Progress {
    pub fn met(&self) -> bool {
        self.have >= self.need
    }
}

/// Where a person stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    /// The highest level held: it and every level before it are met.
    pub level: Option<String>,
    /// The level after it, with progress on each of its requirements (`None` at the top).
    pub next: Option<(String, Vec<Progress>)>,
    pub activity: Activity,
    pub last_activity: Option<DateTime<Utc>>,
    /// Every metric any level uses, with its evidence.
    pub metrics: BTreeMap<Metric, Measure>,
}

impl Readiness {
    /// The requirements of the next level not met yet.
    pub fn missing(&self) -> Vec<&Progress> {
        self.next.iter().flat_map(|(_, p)| p.iter().filter(|p| !p.met())).collect()
    }

    /// The mean share of `level`'s requirements met, each counted at most whole (0.0 to 1.0); `None`
    /// for a level that requires nothing.
    pub fn share_of(&self, level: &Level) -> Option<f64> {
        if level.requires.is_empty() {
            return None;
        }
        let met = level.requires.iter().map(|(metric, need)| {
            let have = self.metrics.get(metric).map_or(0, |m| m.value);
            have.min(*need) as f64 / *need as f64
        });
        Some(met.sum::<f64>() / level.requires.len() as f64)
    }
}

fn progress(level: &Level, metrics: &BTreeMap<Metric, Measure>, facts: &Facts) -> Vec<Progress> {
    let mut progress: Vec<Progress> = level
        .requires
        .iter()
        .map(|(metric, need)| {
            let m = metrics.get(metric).cloned().unwrap_or_default();
            Progress { metric: *metric, have: m.value, need: *need, evidence: m.evidence }
        })
        .collect();
    if let Some(need) = level.endorsements {
        let m = facts.endorsed(&level.id);
        progress.push(Progress { metric: Metric::Endorsements, have: m.value, need, evidence: m.evidence });
    }
    progress
}

/// How many levels (from the bottom) a role holds outright: up to the highest level tied to a role of
/// the same rank or lower.
fn held_by_role(ladder: &Ladder, role: Option<Role>) -> usize {
    let Some(role) = role else { return 0 };
    ladder.levels.iter().rposition(|l| l.role.is_some_and(|r| r.rank() <= role.rank())).map_or(0, |i| i + 1)
}

/// Evaluates one person from their [`Facts`]; `role` is the highest role they already hold.
pub fn evaluate(ladder: &Ladder, facts: &Facts, role: Option<Role>, now: DateTime<Utc>) -> Readiness {
    // Credit does not decay: every metric counts all history, and recency shows as the activity
    // status instead. Only active_months looks at the window.
    let metrics: BTreeMap<Metric, Measure> =
        ladder.metrics().into_iter().map(|m| (m, measure(m, facts, ladder, now))).collect();
    let earned = ladder.levels.iter().take_while(|l| progress(l, &metrics, facts).iter().all(Progress::met)).count();
    let held = earned.max(held_by_role(ladder, role));
    let last_activity = facts.last_activity();
    Readiness {
        level: held.checked_sub(1).map(|i| ladder.levels[i].id.clone()),
        next: ladder.levels.get(held).map(|l| (l.id.clone(), progress(l, &metrics, facts))),
        activity: Activity::at(last_activity, now),
        last_activity,
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    use std::collections::HashSet;

    use super::*;
    use crate::event::Account;
    use crate::ladder::config::parse;
    use crate::signal::{Kind, Org, Repo, Signal, Subject};

    fn eval(ladder: &Ladder, signals: &[Signal], merged: &HashSet<(i64, i64)>, role: Option<Role>) -> Readiness {
        evaluate(ladder, &Facts::from_signals(signals, merged, ladder), role, now())
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    const ME: i64 = 1;

    fn signal(kind: Kind, n: i64, days_ago: i64) -> Signal {
        let author_id = if kind.needs_others_subject() { 2 } else { ME };
        Signal {
            kind,
            identity: format!("{}-{n}-{days_ago}", kind.as_str()),
            org: Org { id: 9, login: "asyncapi".into() },
            repo: Repo { id: 100 + n % 3, full_name: format!("asyncapi/r{}", n % 3), private: false },
            subject: Some(Subject {
                number: n,
                is_pull_request: true,
                author: Some(Account { id: author_id, login: "x".into(), account_type: Some("User".into()) }),
                author_association: Some(if n % 2 == 0 { "FIRST_TIME_CONTRIBUTOR" } else { "MEMBER" }.into()),
            }),
            actor: Account { id: ME, login: "me".into(), account_type: Some("User".into()) },
            occurred_at: now() - Duration::days(days_ago),
            data: json!({"additions": n * 10, "deletions": 0, "title": if n == 1 { "chore(deps): bump" } else { "feat: x" }, "head": "feature"}),
        }
    }

    fn ladder(yaml: &str) -> Ladder {
        parse("test.yml", yaml).unwrap()
    }

    const TWO_LEVELS: &str = "levels:\n  - id: contributor\n    requires: {pr_merged: 1}\n  - id: regular\n    requires: {pr_merged: 3, active_months: 2}\n";

    #[test]
    fn levels_are_held_in_order_and_the_next_one_says_what_is_missing() {
        let ladder = ladder(TWO_LEVELS);
        let none = eval(&ladder, &[], &HashSet::new(), None);
        assert_eq!((none.level.as_deref(), none.activity), (None, Activity::Away));
        assert_eq!(none.next.as_ref().unwrap().0, "contributor");

        let signals = [signal(Kind::PrMerged, 1, 10), signal(Kind::PrMerged, 2, 12)];
        let r = eval(&ladder, &signals, &HashSet::new(), None);
        assert_eq!(r.level.as_deref(), Some("contributor"));
        let missing: Vec<(&str, u64, u64)> = r.missing().iter().map(|p| (p.metric.name(), p.have, p.need)).collect();
        assert_eq!(missing, [("pr_merged", 2, 3), ("active_months", 1, 2)]);
        assert_eq!(
            r.metrics[&Metric::Kind(Kind::PrMerged)].evidence,
            ["asyncapi/r1#1", "asyncapi/r2#2"],
            "newest first"
        );

        let more = [signals.to_vec(), vec![signal(Kind::PrMerged, 3, 45)]].concat();
        let r = eval(&ladder, &more, &HashSet::new(), None);
        assert_eq!((r.level.as_deref(), r.next.is_none()), (Some("regular"), true));
    }

    #[test]
    fn a_level_is_not_held_when_one_below_it_is_not_met() {
        let ladder =
            ladder("levels:\n  - id: a\n    requires: {review_approved: 1}\n  - id: b\n    requires: {pr_merged: 1}\n");
        let r = eval(&ladder, &[signal(Kind::PrMerged, 1, 1)], &HashSet::new(), None);
        assert_eq!((r.level, r.next.map(|n| n.0)), (None, Some("a".to_owned())));
    }

    #[test]
    fn a_role_holds_its_level_and_those_below() {
        let ladder = Ladder::builtin();
        let level = |role| eval(&ladder, &[], &HashSet::new(), role).level;
        assert_eq!(level(None), None);
        assert_eq!(level(Some(Role::Triager)).as_deref(), Some("triager"));
        assert_eq!(level(Some(Role::Maintainer)).as_deref(), Some("maintainer"));
        assert_eq!(level(Some(Role::Champion)).as_deref(), Some("maintainer"));
        assert_eq!(level(Some(Role::TscMember)).as_deref(), Some("maintainer"));
        let r = eval(&ladder, &[], &HashSet::new(), Some(Role::Triager));
        assert_eq!(r.next.map(|n| n.0).as_deref(), Some("committer"), "never 'ready to be a contributor'");
    }

    #[test]
    fn endorsements_count_once_per_company() {
        let ladder = ladder("levels:\n  - id: a\n    requires: {pr_merged: 1}\n    endorsements: 2\n");
        let mut facts = Facts::from_signals(&[signal(Kind::PrMerged, 1, 3)], &HashSet::new(), &ladder);
        let endorse = |facts: &mut Facts, who: &[(&str, Option<&str>)]| {
            let list = who.iter().map(|(l, c)| ((*l).to_owned(), c.map(str::to_owned))).collect();
            facts.endorsements.insert("a".into(), list);
            evaluate(&ladder, facts, None, now())
        };
        let r = endorse(&mut facts, &[("x", Some("IBM")), ("y", Some("ibm"))]);
        assert_eq!(r.level, None);
        let missing: Vec<(&str, u64, u64)> = r.missing().iter().map(|p| (p.metric.name(), p.have, p.need)).collect();
        assert_eq!(missing, [("endorsements", 1, 2)], "one company");
        assert_eq!(endorse(&mut facts, &[("x", Some("IBM")), ("y", None)]).level.as_deref(), Some("a"));
        assert_eq!(
            endorse(&mut facts, &[("x", None), ("y", None)]).level.as_deref(),
            Some("a"),
            "no company: each alone"
        );
    }

    #[test]
    fn activity_boundaries() {
        let day = |d| Some(now() - Duration::days(d));
        let cases = [
            (day(0), Activity::Active),
            (day(180), Activity::Active),
            (day(185), Activity::Drifting),
            (day(364), Activity::Drifting),
            (day(366), Activity::Away),
            (None, Activity::Away),
        ];
        for (last, expected) in cases {
            assert_eq!(Activity::at(last, now()), expected, "{last:?}");
        }
    }

    #[test]
    fn derived_metrics() {
        let ladder = ladder(
            "weekly_caps: {issue_comment: 2}\nsubstantial: {mechanical_titles: [\"chore(deps)*\"]}\nlevels:\n  - id: a\n    requires: {primary_reviews: 1, reviews_on_merged: 1, substantial_prs: 1, repos: 1, newcomers_helped: 1, active_months: 1, tenure_months: 1, issue_comment: 1}\n",
        );
        let merged: HashSet<(i64, i64)> = [(101, 4), (102, 5)].into();
        let signals = vec![
            signal(Kind::ReviewApproved, 4, 3),         // primary review of merged #4 (newcomer's)
            signal(Kind::ReviewCommented, 4, 2),        // same PR: reviews_on_merged counts it once
            signal(Kind::ReviewChangesRequested, 5, 2), // merged #5, not an approval
            signal(Kind::ReviewApproved, 7, 2),         // #7 never merged
            signal(Kind::PrMerged, 1, 40),              // mechanical title
            signal(Kind::PrMerged, 3, 100),             // 30 lines: substantial
            signal(Kind::IssueComment, 8, 1),
            signal(Kind::IssueComment, 10, 1),
            signal(Kind::IssueComment, 12, 1), // over the weekly cap of 2 for issue_comment
            signal(Kind::PrMerged, 9, 800),    // long ago: counts, but not as an active month
        ];
        let r = eval(&ladder, &signals, &merged, None);
        let value = |m: Metric| r.metrics[&m].value;
        assert_eq!(value(Metric::PrimaryReviews), 1);
        assert_eq!(value(Metric::ReviewsOnMerged), 2);
        assert_eq!(value(Metric::SubstantialPrs), 2);
        assert_eq!(r.metrics[&Metric::SubstantialPrs].evidence, ["asyncapi/r0#3", "asyncapi/r0#9"]);
        assert_eq!(value(Metric::Kind(Kind::IssueComment)), 2);
        assert_eq!(value(Metric::NewcomersHelped), 4, "#4, #8, #10, #12: caps limit a kind's count, not subjects");
        assert_eq!(value(Metric::Repos), 3);
        assert_eq!(value(Metric::TenureMonths), 26);
        assert_eq!(value(Metric::ActiveMonths), 3, "{:?}", r.metrics[&Metric::ActiveMonths].evidence);
        assert_eq!(r.level.as_deref(), Some("a"));
    }

    #[test]
    fn the_builtin_ladder_never_calls_a_newcomer_more_than_they_are() {
        let ladder = Ladder::builtin();
        let r = eval(&ladder, &[signal(Kind::PrMerged, 3, 5)], &HashSet::new(), None);
        assert_eq!(r.level.as_deref(), Some("contributor"));
        assert_eq!(r.next.as_ref().unwrap().0, "regular_contributor");
        assert_eq!(r.activity, Activity::Active);
    }
}
