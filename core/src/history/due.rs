//! When `serve` backfills an org, and from when: a decision from the org's last run, a window of
//! deliveries that reconcile found GitHub no longer keeps, and whether an installed repository was
//! never paged.
//!
//! Owns: [`LastRun`], [`Lost`] and [`due`].
//!
//! Never does: read the store or run anything (the shell's `backfill::auto` does).

use chrono::{DateTime, Utc};

/// An org's last backfill run, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastRun {
    pub since: Option<DateTime<Utc>>,
    pub finished: bool,
    /// The lost window (by when reconcile found it) that the last finished run over every repository,
    /// from the window's start or earlier, covered.
    pub covered: Option<DateTime<Utc>>,
}

/// Deliveries lost from `since` on (the app was down longer than GitHub keeps them), found by
/// reconcile at `found_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lost {
    pub since: DateTime<Utc>,
    pub found_at: DateTime<Utc>,
}

/// A backfill to run: from `since` (the whole history when None); with `keep_done`, the lists the
/// last run completed stay done (only what it did not page is paged), otherwise it starts afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub since: Option<DateTime<Utc>>,
    pub keep_done: bool,
}

/// Whether an org is due a backfill, and from when:
/// - never backfilled: the whole history (which covers any lost window);
/// - a run that did not finish: that run, resumed as it was;
/// - lost deliveries no run over every repository covered: the window, from its start;
/// - an installed repository no run has paged: the whole history of the new ones.
///
/// A window's run starts afresh (every list paged again from the window's start); the others keep
/// what is done.
pub fn due(last: Option<&LastRun>, lost: Option<&Lost>, unpaged: bool) -> Option<Due> {
    let keeping = |since| Some(Due { since, keep_done: true });
    let Some(last) = last else { return keeping(None) };
    if !last.finished {
        return keeping(last.since);
    }
    if let Some(lost) = lost.filter(|l| last.covered.is_none_or(|c| c < l.found_at)) {
        return Some(Due { since: Some(lost.since), keep_done: false });
    }
    if unpaged { keeping(None) } else { None }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn an_org_is_due_what_its_history_lacks() {
        let run = |since: Option<u32>, covered: Option<u32>, finished: bool| LastRun {
            since: since.map(day),
            finished,
            covered: covered.map(day),
        };
        let lost = Lost { since: day(3), found_at: day(10) };
        let whole = Some(Due { since: None, keep_done: true });
        let window = Some(Due { since: Some(day(3)), keep_done: false });
        let resumed_window = Some(Due { since: Some(day(3)), keep_done: true });
        let cases = [
            ("never backfilled", None, None, false, whole),
            ("never backfilled, a window lost", None, Some(lost), false, whole),
            ("unfinished whole run", Some(run(None, None, false)), Some(lost), false, whole),
            ("unfinished window run", Some(run(Some(3), None, false)), Some(lost), false, resumed_window),
            ("finished before the loss was found", Some(run(None, None, true)), Some(lost), false, window),
            ("a window run finished before another loss", Some(run(Some(3), Some(8), true)), Some(lost), true, window),
            ("window covered", Some(run(Some(3), Some(10), true)), Some(lost), false, None),
            // One repository's run covers no window: the org's last whole run says.
            ("one repository since", Some(run(Some(3), None, true)), Some(lost), false, window),
            ("finished, nothing lost", Some(run(None, None, true)), None, false, None),
            ("finished, a repository added", Some(run(None, None, true)), None, true, whole),
            ("window covered, a repository added", Some(run(Some(3), Some(10), true)), Some(lost), true, whole),
        ];
        for (name, last, lost, unpaged, expected) in cases {
            assert_eq!(due(last.as_ref(), lost.as_ref(), unpaged), expected, "{name}");
        }
    }
}
