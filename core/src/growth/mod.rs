//! Growth: how an org's contributors move up its ladder over time, as the pages and the API show it.
//!
//! [`as_of`] is the one rule for the past: a person evaluated as of a date is evaluated from what a
//! store holding only what happened before that date would hold (signals, merges, endorsements, roles
//! granted). [`timeline`] walks one person through a list of period ends with that rule, adding their
//! signals as it goes (and is checked against [`as_of`] at every period end); [`series`] sums the
//! people's timelines into the org's series, its newcomer cohorts and its headline numbers.
//!
//! Never does: I/O, or read the clock: the shell reads the history, and passes `now` and the periods.

pub mod as_of;
pub mod period;
pub mod series;
pub mod timeline;
