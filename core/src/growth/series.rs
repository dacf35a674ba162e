//! The org's growth: its people's timelines summed per period, and its newcomers' cohorts.
//!
//! Owns: [`Series`] and [`Sums`] (people at each level, levels first reached, people active,
//! drifting and away, newcomers by their first action, signals per track, per period), and
//! [`Cohort`] and [`Cohorts`]: how many of each month's newcomers were still active [`RETAINED`]
//! months later, that is, did something in the three months that end then (months `k - 2` to `k`
//! after the one they came in, [`retention_window`]; none counted for a month that has not come yet).
//!
//! Never does: I/O, or decide levels (see [`super::timeline`]).

use std::collections::BTreeMap;

use super::period::Period;
use super::timeline::Timeline;
use crate::ladder::Activity;
use crate::signal::Kind;

/// Months after their first one at which newcomers are counted again.
pub const RETAINED: [usize; 3] = [3, 6, 12];

/// Where "still there `k` periods after period `base`" looks: the three periods ending then
/// (numbered as `base` is). Someone active in any of them stayed.
pub fn retention_window(base: i64, k: usize) -> std::ops::RangeInclusive<i64> {
    base + k as i64 - 2..=base + k as i64
}

/// An org's series, one value per period (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    pub periods: Vec<Period>,
    /// Per level, in the ladder's order: the people whose highest level it is at each period's end.
    pub levels: Vec<Vec<u64>>,
    /// Levels reached for the first time in each period, summed over people (a promotion is the first
    /// period a person holds a level).
    pub promotions: Vec<u64>,
    /// People active, drifting and away at each period's end, among those who had begun by then.
    pub engagement: Vec<[u64; 3]>,
    /// Per first action: people whose first credited action fell in each period.
    pub newcomers: BTreeMap<Kind, Vec<u64>>,
    /// Credited signals per track (in `Track::ALL`'s order) in each period.
    pub tracks: Vec<[u64; 4]>,
}

fn engagement_index(activity: Activity) -> usize {
    match activity {
        Activity::Active => 0,
        Activity::Drifting => 1,
        Activity::Away => 2,
    }
}

#[cfg(test)]
/// The org's series from its people's timelines over `periods` (each timeline walked over them), on
/// a ladder of `levels` levels.
pub fn series(periods: &[Period], levels: usize, people: &[Timeline]) -> Series {
    let mut sums = Sums::new(periods, levels);
    for person in people {
        sums.add(person);
    }
    sums.series
}

/// Series summed one person at a time, so that a large org's timelines need not all be held at once.
#[derive(Debug, Clone)]
pub struct Sums {
    series: Series,
}

impl Sums {
    pub fn new(periods: &[Period], levels: usize) -> Sums {
        let n = periods.len();
        Sums {
            series: Series {
                periods: periods.to_vec(),
                levels: vec![vec![0; n]; levels],
                promotions: vec![0; n],
                engagement: vec![[0; 3]; n],
                newcomers: BTreeMap::new(),
                tracks: vec![[0; 4]; n],
            },
        }
    }

    /// Adds one person's timeline (walked over the same periods).
    pub fn add(&mut self, person: &Timeline) {
        let out = &mut self.series;
        let n = out.periods.len();
        let mut highest = 0;
        for (i, (period, state)) in out.periods.iter().zip(&person.states).enumerate() {
            if let Some(level) = state.levels.checked_sub(1) {
                out.levels[level][i] += 1;
            }
            out.promotions[i] += state.levels.saturating_sub(highest) as u64;
            highest = highest.max(state.levels);
            if person.first.is_some_and(|(at, _)| at < period.end) {
                out.engagement[i][engagement_index(state.activity)] += 1;
            }
            for (track, count) in out.tracks[i].iter_mut().zip(state.signals) {
                *track += count;
            }
        }
        if let Some((at, kind)) = person.first
            && let Some(i) = out.periods.iter().position(|p| p.start <= at && at < p.end)
        {
            out.newcomers.entry(kind).or_insert_with(|| vec![0; n])[i] += 1;
        }
    }

    pub fn finish(self) -> Series {
        self.series
    }
}

/// The newcomers of one month, and how many were still active [`RETAINED`] months later.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cohort {
    pub period: Period,
    pub size: u64,
    /// Per [`RETAINED`] month: how many did something in the three months ending then; None while
    /// that month has not come.
    pub retained: [Option<u64>; 3],
}

#[cfg(test)]
/// Each month's newcomers among `people` (timelines over the monthly `periods`), with how many stayed.
pub fn cohorts(periods: &[Period], people: &[Timeline]) -> Vec<Cohort> {
    let mut cohorts = Cohorts::new(periods);
    for person in people {
        cohorts.add(person);
    }
    cohorts.finish()
}

/// Cohorts counted one person at a time.
#[derive(Debug, Clone)]
pub struct Cohorts {
    periods: Vec<Period>,
    cohorts: Vec<Cohort>,
}

impl Cohorts {
    pub fn new(periods: &[Period]) -> Cohorts {
        let mut cohorts: Vec<Cohort> =
            periods.iter().map(|p| Cohort { period: *p, size: 0, retained: [None; 3] }).collect();
        for (i, cohort) in cohorts.iter_mut().enumerate() {
            for (slot, k) in cohort.retained.iter_mut().zip(RETAINED) {
                if i + k < periods.len() {
                    *slot = Some(0);
                }
            }
        }
        Cohorts { periods: periods.to_vec(), cohorts }
    }

    /// Adds one person's timeline (walked over the same monthly periods).
    pub fn add(&mut self, person: &Timeline) {
        let Some((at, _)) = person.first else { return };
        let Some(i) = self.periods.iter().position(|p| p.start <= at && at < p.end) else { return };
        let cohort = &mut self.cohorts[i];
        cohort.size += 1;
        let states = &person.states;
        for (slot, k) in cohort.retained.iter_mut().zip(RETAINED) {
            let window = retention_window(i as i64, k);
            let end = (*window.end() as usize + 1).min(states.len());
            if let Some(n) = slot
                && states[(*window.start() as usize).min(end)..end].iter().any(|s| s.active_in_period())
            {
                *n += 1;
            }
        }
    }

    /// The months with newcomers, oldest first.
    pub fn finish(self) -> Vec<Cohort> {
        self.cohorts.into_iter().filter(|c| c.size > 0).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::growth::period::{Interval, periods};
    use crate::growth::timeline::State;

    fn state(levels: usize, activity: Activity, signals: u64) -> State {
        State { levels, activity, signals: [signals, 0, 0, 0] }
    }

    #[test]
    fn people_add_up_per_period() {
        let now = Utc.with_ymd_and_hms(2026, 4, 10, 0, 0, 0).unwrap();
        let periods = periods(Interval::Month, Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap(), now);
        let jan = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        let (a, d) = (Activity::Active, Activity::Drifting);
        let people = [
            // Came in January with a PR, first level in February, second in April.
            Timeline {
                first: Some((jan(6), Kind::PrOpened)),
                states: vec![state(0, a, 2), state(1, a, 1), state(1, a, 0), state(2, a, 3)],
                earned: None,
            },
            // Came in February with a comment, two levels at once in March, then quiet.
            Timeline {
                first: Some((Utc.with_ymd_and_hms(2026, 2, 3, 0, 0, 0).unwrap(), Kind::IssueComment)),
                states: vec![state(0, Activity::Away, 0), state(0, a, 1), state(2, a, 4), state(2, d, 0)],
                earned: None,
            },
            // Never credited (a bot): counts nowhere.
            Timeline { first: None, states: vec![state(0, Activity::Away, 0); 4], earned: None },
        ];
        let s = series(&periods, 2, &people);
        assert_eq!(s.levels, [vec![0, 1, 1, 0], vec![0, 0, 1, 2]]);
        assert_eq!(s.promotions, [0, 1, 2, 1]);
        assert_eq!(s.engagement, [[1, 0, 0], [2, 0, 0], [2, 0, 0], [1, 1, 0]]);
        assert_eq!(s.newcomers[&Kind::PrOpened], [1, 0, 0, 0]);
        assert_eq!(s.newcomers[&Kind::IssueComment], [0, 1, 0, 0]);
        assert_eq!(s.tracks.iter().map(|t| t[0]).collect::<Vec<_>>(), [2, 2, 4, 3]);
    }

    #[test]
    fn cohorts_count_who_did_something_in_the_three_months_ending_k_months_later() {
        let now = Utc.with_ymd_and_hms(2027, 3, 10, 0, 0, 0).unwrap();
        let periods = periods(Interval::Month, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(), now);
        assert_eq!(periods.len(), 15);
        let active_in = |months: &[usize]| Timeline {
            first: Some((periods[months[0]].start, Kind::PrOpened)),
            states: (0..15).map(|m| state(0, Activity::Active, u64::from(months.contains(&m)))).collect(),
            earned: None,
        };
        let people = [
            active_in(&[0, 1]),  // month 1 is within 3 months (1..=3): retained at 3 only
            active_in(&[0, 6]),  // month 6 counts for k=6 (4..=6), not k=3 (1..=3)
            active_in(&[0, 11]), // month 11: no window of 1..=3, 4..=6, 10..=12? yes, k=12
            active_in(&[0]),     // came and went
            active_in(&[13]),    // a newcomer of month 13: none of its months has come
        ];
        let c = cohorts(&periods, &people);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].period.number, c[0].size), (periods[0].number, 4));
        assert_eq!(c[0].retained, [Some(1), Some(1), Some(1)]);
        assert_eq!((c[1].size, c[1].retained), (1, [None, None, None]));
    }
}
