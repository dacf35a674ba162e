//! Metrics a ladder level can require, and how each is computed from a person's counted signals.
//!
//! Owns: the metric names (signal kinds, tracks, and derived metrics such as `primary_reviews`), and
//! [`measure`], which gives each metric's value with the evidence behind it.
//!
//! Never does: I/O or credit rules; it is handed signals that already count.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use chrono::{DateTime, Datelike, Utc};

use crate::signal::{Kind, Signal, Track};

/// Something a level can require a minimum of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Signals of one kind.
    Kind(Kind),
    /// Signals of any kind in one track.
    Track(Track),
    /// Approvals of others' PRs that then merged (Kubernetes' "primary reviewer").
    PrimaryReviews,
    /// Others' merged PRs the person reviewed (approved, requested changes or commented).
    ReviewsOnMerged,
    /// Own merged PRs above the size threshold and not mechanical.
    SubstantialPrs,
    /// Distinct calendar months with counted activity.
    ActiveMonths,
    /// Whole months since the first credited activity (all history).
    TenureMonths,
    /// Distinct repositories with counted activity.
    Repos,
    /// Distinct issues and PRs of first-time contributors the person reviewed or commented on.
    NewcomersHelped,
}

const DERIVED: [(&str, Metric); 7] = [
    ("primary_reviews", Metric::PrimaryReviews),
    ("reviews_on_merged", Metric::ReviewsOnMerged),
    ("substantial_prs", Metric::SubstantialPrs),
    ("active_months", Metric::ActiveMonths),
    ("tenure_months", Metric::TenureMonths),
    ("repos", Metric::Repos),
    ("newcomers_helped", Metric::NewcomersHelped),
];

impl Metric {
    pub fn parse(name: &str) -> Option<Metric> {
        Kind::parse(name)
            .map(Metric::Kind)
            .or_else(|| Track::ALL.into_iter().find(|t| t.as_str() == name).map(Metric::Track))
            .or_else(|| DERIVED.iter().find(|(n, _)| *n == name).map(|(_, m)| *m))
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Kind(k) => k.as_str(),
            Metric::Track(t) => t.as_str(),
            other => DERIVED.iter().find(|(_, m)| *m == other).map_or("?", |(n, _)| n),
        }
    }

    /// Every metric name, for error messages and documentation.
    pub fn all_names() -> Vec<&'static str> {
        let kinds = Kind::ALL.iter().map(|k| k.as_str());
        let tracks = Track::ALL.iter().map(|t| t.as_str());
        kinds.chain(tracks).chain(DERIVED.iter().map(|(n, _)| *n)).collect()
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A metric's value and what it rests on: `owner/repo#N` references, or months for time metrics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Measure {
    pub value: u64,
    pub evidence: Vec<String>,
}

/// What the derived metrics need beyond the person's own signals.
pub struct Context<'a> {
    /// `(repo id, number)` of every merged PR in the org.
    pub merged: &'a HashSet<(i64, i64)>,
    /// Whether a merged PR is mechanical (a dependency bump, a bot sync).
    pub is_mechanical: &'a dyn Fn(&Signal) -> bool,
    /// The smallest added-plus-deleted line count of a substantial PR.
    pub min_lines: u64,
    /// The person's first credited activity, over all history.
    pub first_activity: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// `owner/repo#N` for a signal about an issue or PR; the repository alone otherwise.
pub fn reference(signal: &Signal) -> String {
    match &signal.subject {
        Some(subject) => format!("{}#{}", signal.repo.full_name, subject.number),
        None => signal.repo.full_name.clone(),
    }
}

fn subject_key(signal: &Signal) -> Option<(i64, i64)> {
    signal.subject.as_ref().map(|s| (signal.repo.id, s.number))
}

const REVIEWS: [Kind; 3] = [Kind::ReviewApproved, Kind::ReviewChangesRequested, Kind::ReviewCommented];
const NEWCOMER_ASSOCIATIONS: [&str; 2] = ["FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR"];

/// Counts signals matching `keep`: one per signal, or one per distinct subject when `distinct`.
fn count(counted: &[&Signal], distinct: bool, keep: impl Fn(&Signal) -> bool) -> Measure {
    let mut seen = BTreeSet::new();
    let mut evidence = Vec::new();
    let mut value = 0;
    for s in counted.iter().copied().filter(|s| keep(s)) {
        if distinct && !seen.insert(subject_key(s).unwrap_or((s.repo.id, 0))) {
            continue;
        }
        value += 1;
        evidence.push(reference(s));
    }
    Measure { value, evidence }
}

/// Whole months from `from` to `to`.
fn months_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() { months - 1 } else { months };
    u64::try_from(months).unwrap_or(0)
}

/// The value of `metric` over `counted` (credited and capped signals, oldest first).
pub fn measure(metric: Metric, counted: &[&Signal], ctx: &Context<'_>) -> Measure {
    let merged = |s: &Signal| subject_key(s).is_some_and(|k| ctx.merged.contains(&k));
    match metric {
        Metric::Kind(kind) => count(counted, false, |s| s.kind == kind),
        Metric::Track(track) => count(counted, false, |s| s.kind.track() == track),
        Metric::PrimaryReviews => count(counted, true, |s| s.kind == Kind::ReviewApproved && merged(s)),
        Metric::ReviewsOnMerged => count(counted, true, |s| REVIEWS.contains(&s.kind) && merged(s)),
        Metric::SubstantialPrs => count(counted, false, |s| {
            let lines = ["additions", "deletions"].iter().filter_map(|k| s.data[*k].as_u64()).sum::<u64>();
            s.kind == Kind::PrMerged && lines >= ctx.min_lines && !(ctx.is_mechanical)(s)
        }),
        Metric::NewcomersHelped => count(counted, true, |s| {
            let helping = REVIEWS.contains(&s.kind) || matches!(s.kind, Kind::ReviewComment | Kind::IssueComment);
            let association = s.subject.as_ref().and_then(|x| x.author_association.as_deref());
            helping && association.is_some_and(|a| NEWCOMER_ASSOCIATIONS.contains(&a))
        }),
        Metric::Repos => {
            let repos: BTreeSet<&str> = counted.iter().map(|s| s.repo.full_name.as_str()).collect();
            Measure { value: repos.len() as u64, evidence: repos.into_iter().map(str::to_owned).collect() }
        }
        Metric::ActiveMonths => {
            let months: BTreeSet<String> = counted.iter().map(|s| s.occurred_at.format("%Y-%m").to_string()).collect();
            Measure { value: months.len() as u64, evidence: months.into_iter().collect() }
        }
        Metric::TenureMonths => match ctx.first_activity {
            Some(first) => Measure {
                value: months_between(first, ctx.now),
                evidence: vec![format!("since {}", first.format("%Y-%m-%d"))],
            },
            None => Measure::default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_name_parses_back() {
        for name in Metric::all_names() {
            assert_eq!(Metric::parse(name).map(Metric::name), Some(name));
        }
        assert_eq!(Metric::parse("reviews"), None);
        assert_eq!(Metric::all_names().len(), 14 + 4 + 7);
    }

    #[test]
    fn whole_months() {
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
        let cases = [
            (at(2026, 1, 15), at(2026, 1, 31), 0),
            (at(2026, 1, 15), at(2026, 2, 14), 0),
            (at(2026, 1, 15), at(2026, 2, 15), 1),
            (at(2025, 11, 30), at(2026, 11, 30), 12),
            (at(2026, 3, 1), at(2026, 1, 1), 0),
        ];
        for (from, to, expected) in cases {
            assert_eq!(months_between(from, to), expected, "{from} -> {to}");
        }
    }
}
