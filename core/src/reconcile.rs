//! Reconciling missed deliveries: which of the deliveries GitHub lists the store lacks, how far back to
//! page, and when the gap is older than GitHub keeps.
//!
//! GitHub lists an App's recent deliveries (`GET /app/hook/deliveries`, newest first), each attempt
//! with the delivery's GUID (the `X-GitHub-Delivery` the store keys deliveries by) and the status the
//! app answered. A GUID no attempt delivered (no 2xx: GitHub counts nothing else as delivered) and the
//! store does not hold was missed. GitHub is asked to deliver one again at most until
//! [`MAX_ATTEMPTS`] attempts are listed for it ([`Missed::may_redeliver`]), so a payload that keeps
//! failing is not asked for every few minutes for days.
//! GitHub keeps deliveries [`RETENTION`]; a position older than that means some are gone for good and
//! only a backfill of that window can recover their facts.
//!
//! Owns: [`Listed`], [`Missed`], [`missing`], [`far_enough`], [`gap`]. Never does: I/O or read the clock.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

/// How long GitHub keeps deliveries (github.com; Enterprise Server keeps 7 days).
pub const RETENTION: TimeDelta = TimeDelta::days(3);

/// Attempts at one delivery after which GitHub is not asked for another.
pub const MAX_ATTEMPTS: usize = 3;

/// How far before the last position a run looks again, for deliveries listed late.
pub const OVERLAP: TimeDelta = TimeDelta::minutes(10);

/// One attempt as `GET /app/hook/deliveries` lists it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub guid: String,
    pub delivered_at: DateTime<Utc>,
    pub status_code: i64,
    pub event: String,
}

impl Listed {
    fn delivered(&self) -> bool {
        (200..300).contains(&self.status_code)
    }
}

/// A delivery missed: its newest attempt (whose id fetches the payload) and how many attempts GitHub
/// lists for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missed<'a> {
    pub newest: &'a Listed,
    pub attempts: usize,
}

impl Missed<'_> {
    /// Whether GitHub may be asked to deliver it again.
    pub fn may_redeliver(&self) -> bool {
        self.attempts < MAX_ATTEMPTS
    }
}

/// The GUIDs no attempt delivered and the store does not hold, each once, oldest first.
pub fn missing<'a>(listed: &'a [Listed], stored: &HashSet<String>) -> Vec<Missed<'a>> {
    let delivered: HashSet<&str> = listed.iter().filter(|l| l.delivered()).map(|l| l.guid.as_str()).collect();
    let mut newest: BTreeMap<&str, Missed<'a>> = BTreeMap::new();
    for l in listed.iter().filter(|l| !delivered.contains(l.guid.as_str()) && !stored.contains(&l.guid)) {
        let entry = newest.entry(l.guid.as_str()).or_insert(Missed { newest: l, attempts: 0 });
        entry.attempts += 1;
        if l.delivered_at > entry.newest.delivered_at {
            entry.newest = l;
        }
    }
    let mut out: Vec<Missed<'a>> = newest.into_values().collect();
    out.sort_by_key(|m| (m.newest.delivered_at, m.newest.id));
    out
}

/// Whether paging (newest first) may stop after `page`: it reaches back past the last position, less
/// the overlap. Without a position (the first run), everything GitHub keeps is read.
pub fn far_enough(page: &[Listed], position: Option<DateTime<Utc>>) -> bool {
    let Some(position) = position else { return false };
    page.iter().any(|l| l.delivered_at < position - OVERLAP)
}

/// The start of a window GitHub no longer keeps (the last look at its list, less the overlap), when
/// that look is older than its retention (the app was down, or reconcile did not run, for longer): its
/// facts can only be backfilled. A quiet org (no deliveries for days) has no gap while reconcile
/// looks.
pub fn gap(looked_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    looked_at.filter(|p| *p < now - RETENTION).map(|p| p - OVERLAP)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap() + TimeDelta::minutes(minute)
    }

    fn listed(id: i64, guid: &str, minute: i64, status: i64) -> Listed {
        Listed { id, guid: guid.into(), delivered_at: at(minute), status_code: status, event: "issues".into() }
    }

    #[test]
    fn missing_guids_are_those_no_attempt_delivered_and_the_store_lacks() {
        let list = vec![
            listed(1, "stored", 0, 202),
            listed(2, "failed-twice", 1, 502),
            listed(3, "failed-twice", 5, 0),
            listed(4, "redelivered-ok", 2, 500),
            listed(5, "redelivered-ok", 6, 202),
            listed(6, "stored-but-failed", 3, 503),
            listed(7, "timed-out", 4, 0),
            // A redirect is not a delivery (a proxy in the way): GitHub counts only 2xx.
            listed(8, "moved", 7, 301),
            listed(9, "keeps-failing", 8, 400),
            listed(10, "keeps-failing", 9, 400),
            listed(11, "keeps-failing", 10, 400),
        ];
        let stored: HashSet<String> = ["stored".into(), "stored-but-failed".into()].into();
        let missed = missing(&list, &stored);
        let ids: Vec<(i64, usize, bool)> =
            missed.iter().map(|m| (m.newest.id, m.attempts, m.may_redeliver())).collect();
        assert_eq!(
            ids,
            [(7, 1, true), (3, 2, true), (8, 1, true), (11, 3, false)],
            "one per GUID with its newest attempt, oldest GUID first"
        );
    }

    #[test]
    fn paging_stops_past_the_position_less_the_overlap() {
        let page = vec![listed(1, "a", 30, 202), listed(2, "b", 20, 202)];
        assert!(!far_enough(&page, None));
        assert!(!far_enough(&page, Some(at(25))));
        assert!(!far_enough(&page, Some(at(30))));
        assert!(far_enough(&page, Some(at(31))));
    }

    #[test]
    fn a_gap_is_a_position_older_than_github_keeps() {
        let now = at(0);
        assert_eq!(gap(None, now), None);
        assert_eq!(gap(Some(now - TimeDelta::days(2)), now), None);
        let old = now - TimeDelta::days(4);
        assert_eq!(gap(Some(old), now), Some(old - OVERLAP));
    }
}
