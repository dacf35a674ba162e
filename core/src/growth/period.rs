//! Periods: the calendar months or weeks a growth series is counted in.
//!
//! Owns: [`Interval`], [`Period`] and [`periods`]. A period runs from its start (inclusive) to its end
//! (exclusive); the last one, the period `now` is in, ends at `now`, so a series' last point is where
//! everyone stands now. Months are calendar months, weeks start on Monday (as weekly caps count them),
//! both in UTC.
//!
//! Never does: read the clock (`now` is a parameter).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::digest::{month, month_name, week};

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    Month,
    Week,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Week => "week",
        }
    }

    pub fn parse(text: &str) -> Option<Interval> {
        match text {
            "month" => Some(Interval::Month),
            "week" => Some(Interval::Week),
            _ => None,
        }
    }
}

/// One period: its number (a [`month`] or [`week`]), start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    pub number: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    /// `2026-03` for a month, the Monday it starts (`2026-03-02`) for a week.
    pub fn name(&self, interval: Interval) -> String {
        match interval {
            Interval::Month => month_name(self.number),
            Interval::Week => self.start.format("%Y-%m-%d").to_string(),
        }
    }
}

/// The start of month number `m`.
fn month_start(m: i64) -> DateTime<Utc> {
    let (year, month0) = (m.div_euclid(12), m.rem_euclid(12));
    let date = NaiveDate::from_ymd_opt(year as i32, month0 as u32 + 1, 1).unwrap_or_default();
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The start (Monday, 00:00) of week number `w`.
fn week_start(w: i64) -> DateTime<Utc> {
    let days = w * 7 + 1;
    let date = NaiveDate::from_num_days_from_ce_opt(days as i32).unwrap_or_default();
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The periods from the one `from` is in to the one `now` is in, oldest first; the last ends at
/// `now`. None when `from` is after `now`.
pub fn periods(interval: Interval, from: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Period> {
    let (number, start): (fn(DateTime<Utc>) -> i64, fn(i64) -> DateTime<Utc>) = match interval {
        Interval::Month => (month, month_start),
        Interval::Week => (week, week_start),
    };
    if from > now {
        return Vec::new();
    }
    (number(from)..=number(now))
        .map(|n| Period { number: n, start: start(n), end: if n == number(now) { now } else { start(n + 1) } })
        .collect()
}

/// `at` less `n` whole periods of `interval` (the start of a range that many periods long).
pub fn back(interval: Interval, at: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    match interval {
        Interval::Month => at.checked_sub_months(chrono::Months::new(n)).unwrap_or(DateTime::<Utc>::MIN_UTC),
        Interval::Week => at - Duration::weeks(i64::from(n)),
    }
}

/// The calendar day of a date, for labels.
pub fn day(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn months_and_weeks_cover_the_range_and_end_now() {
        let now = at(2026, 3, 4, 15);
        let months = periods(Interval::Month, at(2025, 12, 31, 23), now);
        let names: Vec<String> = months.iter().map(|p| p.name(Interval::Month)).collect();
        assert_eq!(names, ["2025-12", "2026-01", "2026-02", "2026-03"]);
        assert_eq!((months[0].start, months[0].end), (at(2025, 12, 1, 0), at(2026, 1, 1, 0)));
        assert_eq!((months[3].start, months[3].end), (at(2026, 3, 1, 0), now));
        // 2026-03-02 is a Monday.
        let weeks = periods(Interval::Week, at(2026, 2, 28, 10), now);
        let names: Vec<String> = weeks.iter().map(|p| p.name(Interval::Week)).collect();
        assert_eq!(names, ["2026-02-23", "2026-03-02"]);
        assert_eq!(weeks[0].end, weeks[1].start);
        assert_eq!(weeks[1].end, now);
        for p in months.iter().chain(&weeks) {
            assert!(p.start < p.end);
        }
        assert!(periods(Interval::Month, now + Duration::days(1), now).is_empty());
        assert_eq!(back(Interval::Month, at(2026, 3, 31, 0), 1), at(2026, 2, 28, 0));
        assert_eq!(back(Interval::Week, now, 2), now - Duration::days(14));
        assert_eq!(Interval::parse("week"), Some(Interval::Week));
        assert_eq!(Interval::parse("day"), None);
    }
}
