//! Metrics a ladder level can require, and how each is computed from a person's counted signals.
//!
//! Owns: the metric names (signal kinds, tracks, and derived metrics such as `primary_reviews`), and
//! [`measure`], which gives each metric's value with the evidence behind it, applying the ladder's
//! weekly caps and window.
//!
//! Never does: I/O or credit rules; it reads [`Facts`], which already hold only what counts.

use std::fmt;

use chrono::{DateTime, Datelike, Months, Utc};

use super::config::Ladder;
use super::facts::Facts;
use crate::digest::{month, month_name};
use crate::signal::{Kind, Track};

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
    /// Endorsements for a level by maintainers of different companies (set on the level, not in
    /// `requires`).
    Endorsements,
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
            Metric::Endorsements => "endorsements",
            other => DERIVED.iter().find(|(_, m)| *m == other).map_or("?", |(n, _)| n),
        }
    }

    /// The signal kinds a kind or track metric counts; `None` for derived metrics.
    pub fn kinds(self) -> Option<Vec<Kind>> {
        match self {
            Metric::Kind(kind) => Some(vec![kind]),
            Metric::Track(track) => Some(Kind::ALL.iter().copied().filter(|k| k.track() == track).collect()),
            _ => None,
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

/// Whole months from `from` to `to`.
fn months_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() { months - 1 } else { months };
    u64::try_from(months).unwrap_or(0)
}

/// The value of `metric` for a person, with its evidence, at `now`.
pub fn measure(metric: Metric, facts: &Facts, ladder: &Ladder, now: DateTime<Utc>) -> Measure {
    let evidence = || facts.recent.get(&metric).cloned().unwrap_or_default();
    match metric {
        Metric::Kind(kind) => Measure { value: facts.count(kind, ladder.weekly_cap(kind)), evidence: evidence() },
        Metric::Track(track) => {
            let kinds = Kind::ALL.iter().filter(|k| k.track() == track);
            Measure { value: kinds.map(|k| facts.count(*k, ladder.weekly_cap(*k))).sum(), evidence: evidence() }
        }
        Metric::Repos => Measure { value: facts.repos.len() as u64, evidence: facts.repos.iter().cloned().collect() },
        Metric::ActiveMonths => {
            // Months with a credited signal after `since` and not after `now`.
            let since = now.checked_sub_months(Months::new(ladder.window_months)).unwrap_or(DateTime::<Utc>::MIN_UTC);
            let range = month(since)..=month(now);
            let months: Vec<String> = facts
                .months
                .range(range)
                .filter(|(_, (first, last))| *last > since && *first <= now)
                .map(|(m, _)| month_name(*m))
                .collect();
            Measure { value: months.len() as u64, evidence: months }
        }
        Metric::TenureMonths => match facts.first_activity() {
            Some(first) => Measure {
                value: months_between(first, now),
                evidence: vec![format!("since {}", first.format("%Y-%m-%d"))],
            },
            None => Measure::default(),
        },
        Metric::PrimaryReviews | Metric::ReviewsOnMerged | Metric::SubstantialPrs | Metric::NewcomersHelped => {
            facts.derived.get(&metric).cloned().unwrap_or_default()
        }
        // Per level; see `evaluate`.
        Metric::Endorsements => Measure::default(),
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
