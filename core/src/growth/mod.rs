//! Growth: how an org's contributors move up its ladder over time, as the pages and the API show it.
//!
//! [`as_of`] is the one rule for the past: a person evaluated as of a date is evaluated from what a
//! store holding only what happened before that date would hold (signals, merges, endorsements, roles
//! granted). [`timeline`] walks one person through a list of period ends with that rule, adding their
//! signals as it goes (and is checked against [`as_of`] at every period end); [`series`] sums the
//! people's timelines into the org's series and its newcomer cohorts; [`snapshot`] builds what the
//! pages show of an org (series, cohorts, repositories, headline numbers, each person's standing)
//! one person at a time; [`figures`] picks the overview's charts from a snapshot; [`period`] cuts
//! calendar months and weeks.
//!
//! Never does: I/O, or read the clock: the shell reads the history, and passes `now` and the periods.

pub mod as_of;
pub mod figures;
pub mod period;
pub mod series;
pub mod snapshot;
pub mod timeline;
