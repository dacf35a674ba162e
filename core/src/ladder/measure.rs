//! Measuring a metric: the value of one metric for a person, with its evidence, from their [`Facts`].
//!
//! Owns: [`measure`], applying the ladder's weekly caps and its window for active months.
//!
//! Never does: I/O or credit rules; it reads [`Facts`], which already hold only what counts.

use chrono::{DateTime, Datelike, Months, Utc};

use super::config::Ladder;
use super::facts::Facts;
use super::metric::{Measure, Metric};
use crate::digest::{month, month_name};
use crate::signal::Kind;

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
