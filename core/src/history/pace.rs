//! How fast backfill may ask: the page size after timeouts, and when a budget says to pause.
//!
//! GitHub cuts a request at 10 s with a 502 or 504 (and charges extra for it), and a busy GitHub cannot
//! always serve large pages, so the page size is halved after each timeout and grown back slowly: by a
//! quarter after every [`GROW_AFTER`] answered pages in a row. Backfill pauses while less than a fifth
//! of a rate-limit resource's budget remains, until it renews, so live replies always have budget left.
//!
//! Owns: [`PageSize`] and [`pause`]. Never does: sleep or read the clock (`now` is a parameter).

use chrono::{DateTime, TimeDelta, Utc};

use super::view::RateLimit;

/// Answered pages in a row after which the page size grows.
pub const GROW_AFTER: u32 = 3;

/// The share of a budget kept for live actions, in percent.
pub const RESERVE_PERCENT: i64 = 20;

/// The page size of one list's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize {
    max: u32,
    current: u32,
    answered: u32,
}

impl PageSize {
    pub fn new(max: u32) -> PageSize {
        PageSize { max: max.max(1), current: max.max(1), answered: 0 }
    }

    pub fn get(self) -> u32 {
        self.current
    }

    /// After a timeout or a 502/504: half the size (at least 1).
    pub fn timed_out(&mut self) {
        self.current = (self.current / 2).max(1);
        self.answered = 0;
    }

    /// After an answered page: a quarter more (at least 1) every [`GROW_AFTER`] pages, up to the max.
    pub fn answered(&mut self) {
        self.answered += 1;
        if self.answered >= GROW_AFTER && self.current < self.max {
            self.current = (self.current + (self.current / 4).max(1)).min(self.max);
            self.answered = 0;
        }
    }
}

/// How long to pause before the next request, when less than [`RESERVE_PERCENT`] of the budget
/// remains: until it renews (none when the reset has passed).
pub fn pause(rate: &RateLimit, now: DateTime<Utc>) -> Option<TimeDelta> {
    if rate.limit <= 0 || rate.remaining * 100 >= rate.limit * RESERVE_PERCENT {
        return None;
    }
    let wait = rate.reset_at - now;
    (wait > TimeDelta::zero()).then_some(wait)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn page_size_halves_on_timeouts_and_grows_back_slowly() {
        let mut size = PageSize::new(50);
        let mut seen = vec![size.get()];
        for _ in 0..3 {
            size.timed_out();
            seen.push(size.get());
        }
        assert_eq!(seen, [50, 25, 12, 6]);
        let mut grown = Vec::new();
        for _ in 0..18 {
            size.answered();
            grown.push(size.get());
        }
        assert_eq!(grown, [6, 6, 7, 7, 7, 8, 8, 8, 10, 10, 10, 12, 12, 12, 15, 15, 15, 18]);
        let mut one = PageSize::new(1);
        one.timed_out();
        assert_eq!(one.get(), 1);
    }

    #[test]
    fn pauses_below_a_fifth_of_the_budget_until_it_renews() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let rate = |remaining, reset_in: i64| RateLimit {
            cost: 1,
            limit: 5000,
            remaining,
            reset_at: now + TimeDelta::seconds(reset_in),
        };
        assert_eq!(pause(&rate(1000, 600), now), None);
        assert_eq!(pause(&rate(999, 600), now), Some(TimeDelta::seconds(600)));
        assert_eq!(pause(&rate(0, 30), now), Some(TimeDelta::seconds(30)));
        assert_eq!(pause(&rate(0, -5), now), None);
    }
}
