//! Reconciling missed deliveries: which of the deliveries GitHub lists the store lacks, how far back to
//! page, and when the gap is older than GitHub keeps.
//!
//! GitHub lists an App's recent deliveries (`GET /app/hook/deliveries`, newest first), each attempt
//! with the delivery's GUID (the `X-GitHub-Delivery` the store keys deliveries by) and the status the
//! app answered. A GUID no attempt delivered (no 2xx or 3xx) and the store does not hold was missed.
//! GitHub keeps deliveries [`RETENTION`]; a position older than that means some are gone for good and
//! only a backfill of that window can recover their facts.
//!
//! Owns: [`Listed`], [`missing`], [`far_enough`], [`gap`]. Never does: I/O or read the clock.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

/// How long GitHub keeps deliveries (github.com; Enterprise Server keeps 7 days).
pub const RETENTION: TimeDelta = TimeDelta::days(3);

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
        (200..400).contains(&self.status_code)
    }
}

/// The GUIDs no attempt delivered and the store does not hold, each once with its newest attempt
/// (whose id fetches the payload), oldest first.
pub fn missing<'a>(listed: &'a [Listed], stored: &HashSet<String>) -> Vec<&'a Listed> {
    let delivered: HashSet<&str> = listed.iter().filter(|l| l.delivered()).map(|l| l.guid.as_str()).collect();
    let mut newest: BTreeMap<&str, &Listed> = BTreeMap::new();
    for l in listed.iter().filter(|l| !delivered.contains(l.guid.as_str()) && !stored.contains(&l.guid)) {
        let entry = newest.entry(l.guid.as_str()).or_insert(l);
        if l.delivered_at > entry.delivered_at {
            *entry = l;
        }
    }
    let mut out: Vec<&Listed> = newest.into_values().collect();
    out.sort_by_key(|l| (l.delivered_at, l.id));
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
            listed(8, "moved", 7, 301),
        ];
        let stored: HashSet<String> = ["stored".into(), "stored-but-failed".into()].into();
        let ids: Vec<i64> = missing(&list, &stored).iter().map(|l| l.id).collect();
        assert_eq!(ids, [7, 3], "one attempt per GUID, its newest, oldest GUID first");
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
