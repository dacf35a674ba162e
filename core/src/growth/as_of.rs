//! Evaluating a person as of a date: from exactly what had happened before it.
//!
//! Owns: [`History`] (a person's signals in time order, their endorsements and the roles they were
//! granted, each with its date), [`facts_as_of`], [`role_as_of`] and [`readiness_as_of`]. A date cuts
//! everything at once: signals that occurred before it, pull requests merged before it (for reviews
//! that count once a PR merged), endorsements given before it and roles granted by then; the ladder's
//! windows (`active_months`) and the activity status are measured at that date.
//!
//! Never does: I/O. The store's history is read by the shell.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::ladder::{Facts, Ladder, Readiness, evaluate};
use crate::roles::Role;
use crate::signal::Signal;

/// An endorsement of a person for a level, by an endorser (and their company), at a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub level: String,
    pub endorser: String,
    pub company: Option<String>,
    pub at: DateTime<Utc>,
}

/// A role a person holds, and since when (for a role whose start is unknown, the shell passes the
/// moment it first knew of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleSince {
    pub role: Role,
    pub since: DateTime<Utc>,
}

/// One person's past in one org: everything [`facts_as_of`] cuts.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// Every signal the person acted in, oldest first (credit is applied when counting).
    pub signals: &'a [Signal],
    pub endorsements: &'a [Endorsement],
    pub roles: &'a [RoleSince],
}

/// When each of the org's pull requests merged, as `(repo id, number)`.
pub type Merges = HashMap<(i64, i64), DateTime<Utc>>;

/// Whether the PR `key` had merged before `at`.
pub fn merged_before(merges: &Merges, key: &(i64, i64), at: DateTime<Utc>) -> bool {
    merges.get(key).is_some_and(|merged| *merged < at)
}

/// The endorsements given before `at`, per level, as [`Facts::endorsements`] holds them.
pub fn endorsements_before(
    endorsements: &[Endorsement],
    at: DateTime<Utc>,
) -> std::collections::BTreeMap<String, Vec<(String, Option<String>)>> {
    let mut out: std::collections::BTreeMap<String, Vec<(String, Option<String>)>> = Default::default();
    for e in endorsements.iter().filter(|e| e.at < at) {
        out.entry(e.level.clone()).or_default().push((e.endorser.clone(), e.company.clone()));
    }
    out
}

/// The person's facts from what had happened before `at`.
pub fn facts_as_of(history: History<'_>, merges: &Merges, ladder: &Ladder, at: DateTime<Utc>) -> Facts {
    let before = history.signals.partition_point(|s| s.occurred_at < at);
    let mut facts = Facts::from_signals_with(&history.signals[..before], |key| merged_before(merges, key, at), ladder);
    facts.endorsements = endorsements_before(history.endorsements, at);
    facts
}

/// The highest role granted by `at`.
pub fn role_as_of(roles: &[RoleSince], at: DateTime<Utc>) -> Option<Role> {
    roles.iter().filter(|r| r.since <= at).map(|r| r.role).max_by_key(|r| r.rank())
}

/// Where the person stood at `at`: evaluated from [`facts_as_of`] and [`role_as_of`], measured then.
pub fn readiness_as_of(history: History<'_>, merges: &Merges, ladder: &Ladder, at: DateTime<Utc>) -> Readiness {
    evaluate(ladder, &facts_as_of(history, merges, ladder, at), role_as_of(history.roles, at), at)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::ladder::config::parse;
    use crate::signal::{Kind, Org, Repo, Subject};

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
    }

    fn signal(kind: Kind, number: i64, author: i64, at: DateTime<Utc>) -> Signal {
        let account = |id| Account { id, login: format!("u{id}"), account_type: Some("User".into()) };
        Signal {
            kind,
            identity: format!("{}:{number}", kind.as_str()),
            org: Org { id: 1, login: "o".into() },
            repo: Repo { id: 2, full_name: "o/r".into(), private: false },
            subject: Some(Subject {
                number,
                is_pull_request: true,
                author: Some(account(author)),
                author_association: None,
            }),
            actor: account(7),
            occurred_at: at,
            data: json!({"additions": 50, "deletions": 0, "title": "feat", "head": "f"}),
        }
    }

    #[test]
    fn a_date_cuts_signals_merges_endorsements_and_roles_at_once() {
        let ladder = parse(
            "t.yml",
            "levels:\n  - id: helper\n    requires: {primary_reviews: 1}\n  - id: merger\n    requires: {pr_merged: 2}\n    endorsements: 1\n  - id: keeper\n    role: maintainer\n    requires: {pr_merged: 99}\n",
        )
        .unwrap();
        let signals = [
            signal(Kind::ReviewApproved, 10, 3, day(2)),
            signal(Kind::PrMerged, 11, 7, day(4)),
            signal(Kind::PrMerged, 12, 7, day(6)),
        ];
        let merges: Merges = [((2, 10), day(5)), ((2, 11), day(4)), ((2, 12), day(6))].into();
        let endorsements = [Endorsement { level: "merger".into(), endorser: "m".into(), company: None, at: day(8) }];
        let roles = [RoleSince { role: Role::Maintainer, since: day(10) }];
        let history = History { signals: &signals, endorsements: &endorsements, roles: &roles };
        let level_at = |d| readiness_as_of(history, &merges, &ladder, day(d)).level;
        // (as of day, level held): the approval counts once its PR merged (day 5), the second merge
        // lands on day 6 but the endorsement on day 8, and the role on day 10.
        let cases =
            [(2, None), (5, None), (6, Some("helper")), (7, Some("helper")), (9, Some("merger")), (11, Some("keeper"))];
        for (d, want) in cases {
            assert_eq!(level_at(d).as_deref(), want, "as of day {d}");
        }
        let facts = facts_as_of(history, &merges, &ladder, day(5));
        assert_eq!(facts.count(Kind::PrMerged, None), 1, "a signal at the very date is not before it");
    }
}
