//! Metrics a ladder level can require: their names (signal kinds, tracks, and derived metrics such as
//! `primary_reviews`) and the [`Measure`] of one (a value with the evidence behind it).
//!
//! Never does: compute a metric (see [`super::measure`]), I/O, or credit rules.

use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back() {
        for name in Metric::all_names() {
            assert_eq!(Metric::parse(name).map(Metric::name), Some(name));
        }
        assert_eq!(Metric::parse("reviews"), None);
        assert_eq!(Metric::all_names().len(), 14 + 4 + 7);
    }
}
