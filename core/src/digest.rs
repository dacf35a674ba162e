//! Digests: a person's signals boiled down to what evaluation needs, in a form that adds up.
//!
//! Owns: [`PersonDigest`], the counts per kind and week, the months with activity, the repositories, the
//! issues and PRs of others a person reviewed or helped on, and their merged PRs; and [`digest`], which
//! builds one per person from any batch of signals. Two digests of disjoint batches combine into the
//! digest of both, which is how the store keeps them: it adds the digest of each batch it records, so
//! `ladder status` reads a few hundred rows instead of every signal a person ever produced.
//!
//! Credit is applied where it does not depend on config: acting on one's own subject never counts
//! ([`Kind::needs_others_subject`]). Which accounts are bots is config, applied when reading.
//!
//! Never does: I/O, or apply the ladder (caps, windows, thresholds); see [`crate::ladder::facts`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Utc};

use crate::signal::{Kind, Signal};

/// Review kinds: a review of any verdict.
pub const REVIEWS: [Kind; 3] = [Kind::ReviewApproved, Kind::ReviewChangesRequested, Kind::ReviewCommented];
/// `author_association` values of someone new to the repository.
pub const NEWCOMER_ASSOCIATIONS: [&str; 2] = ["FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR"];

/// Monday-based week number since the year 1 (weekly caps count per such week).
pub fn week(at: DateTime<Utc>) -> i64 {
    (i64::from(at.num_days_from_ce()) - 1).div_euclid(7)
}

/// Months since the year 0 (`year * 12 + month - 1`).
pub fn month(at: DateTime<Utc>) -> i64 {
    i64::from(at.year()) * 12 + i64::from(at.month0())
}

/// `YYYY-MM` of a [`month`] number.
pub fn month_name(month: i64) -> String {
    format!("{:04}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1)
}

/// What a person did on one issue or PR of someone else: when they first approved it, first reviewed it
/// (any verdict), and first helped on it while its author was a newcomer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub repo_name: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub newcomer_at: Option<DateTime<Utc>>,
}

impl Engagement {
    /// Combines what two batches told about the same subject.
    pub fn merge(&mut self, other: &Engagement) {
        let earliest = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.approved_at = earliest(self.approved_at, other.approved_at);
        self.reviewed_at = earliest(self.reviewed_at, other.reviewed_at);
        self.newcomer_at = earliest(self.newcomer_at, other.newcomer_at);
    }
}

/// A merged PR: what decides whether it is substantial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedPr {
    pub repo_name: String,
    /// Lines added plus deleted.
    pub lines: u64,
    /// Title and head branch, lowercased.
    pub title: String,
    pub head: String,
    pub merged_at: DateTime<Utc>,
    /// The paths it changed, when they were read (the ladder has path patterns for mechanical changes).
    pub paths: Option<Vec<String>>,
}

/// One person's activity in one org, boiled down. Every field adds up across batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonDigest {
    /// Signals per kind and [`week`], for counts and weekly caps.
    pub weeks: BTreeMap<(Kind, i64), u64>,
    /// Per [`month`] with activity: the first and last signal in it.
    pub months: BTreeMap<i64, (DateTime<Utc>, DateTime<Utc>)>,
    /// Repositories (full names) with activity.
    pub repos: BTreeSet<String>,
    /// Others' issues and PRs, as `(repo id, number)`, the person reviewed or helped a newcomer on.
    pub engagements: BTreeMap<(i64, i64), Engagement>,
    /// The person's merged PRs, as `(repo id, number)`.
    pub merged: BTreeMap<(i64, i64), MergedPr>,
}

impl PersonDigest {
    /// Adds one signal. Signals acting on the person's own subject where that earns nothing are skipped.
    pub fn add(&mut self, s: &Signal) {
        if s.kind.needs_others_subject() && s.is_self_action() {
            return;
        }
        *self.weeks.entry((s.kind, week(s.occurred_at))).or_default() += 1;
        let span = self.months.entry(month(s.occurred_at)).or_insert((s.occurred_at, s.occurred_at));
        *span = (span.0.min(s.occurred_at), span.1.max(s.occurred_at));
        if !self.repos.contains(&s.repo.full_name) {
            self.repos.insert(s.repo.full_name.clone());
        }
        let Some(subject) = &s.subject else { return };
        let key = (s.repo.id, subject.number);
        if s.kind == Kind::PrMerged {
            self.merged.entry(key).or_insert_with(|| merged_pr(s));
        }
        if let Some(engagement) = engagement(s) {
            match self.engagements.get_mut(&key) {
                Some(existing) => existing.merge(&engagement),
                None => {
                    self.engagements.insert(key, engagement);
                }
            }
        }
    }
}

fn merged_pr(s: &Signal) -> MergedPr {
    let text = |key: &str| s.data[key].as_str().unwrap_or("").to_lowercase();
    MergedPr {
        repo_name: s.repo.full_name.clone(),
        lines: ["additions", "deletions"].iter().filter_map(|k| s.data[*k].as_u64()).sum(),
        title: text("title"),
        head: text("head"),
        merged_at: s.occurred_at,
        paths: s.data["paths"]
            .as_array()
            .map(|paths| paths.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect()),
    }
}

/// What a review or comment on someone else's subject tells, if anything evaluation uses.
fn engagement(s: &Signal) -> Option<Engagement> {
    let review = REVIEWS.contains(&s.kind);
    let helping = review || matches!(s.kind, Kind::ReviewComment | Kind::IssueComment);
    let association = s.subject.as_ref().and_then(|x| x.author_association.as_deref());
    let newcomer = helping && association.is_some_and(|a| NEWCOMER_ASSOCIATIONS.contains(&a));
    let at = Some(s.occurred_at);
    let engagement = Engagement {
        repo_name: s.repo.full_name.clone(),
        approved_at: at.filter(|_| s.kind == Kind::ReviewApproved),
        reviewed_at: at.filter(|_| review),
        newcomer_at: at.filter(|_| newcomer),
    };
    (review || newcomer).then_some(engagement)
}

/// The digest of each person, as `(org id, actor id)`, in `signals`.
pub fn digest<'a>(signals: impl IntoIterator<Item = &'a Signal>) -> BTreeMap<(i64, i64), PersonDigest> {
    let mut people: BTreeMap<(i64, i64), PersonDigest> = BTreeMap::new();
    for s in signals {
        people.entry((s.org.id, s.actor.id)).or_default().add(s);
    }
    people
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::signal::{Org, Repo, Subject};

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn signal(kind: Kind, number: i64, author: i64, association: &str, when: DateTime<Utc>) -> Signal {
        let account = |id| Account { id, login: format!("u{id}"), account_type: Some("User".into()) };
        Signal {
            kind,
            identity: format!("{}:{number}:{when}", kind.as_str()),
            org: Org { id: 9, login: "o".into() },
            repo: Repo { id: 5, full_name: "o/r".into(), private: false },
            subject: Some(Subject {
                number,
                is_pull_request: true,
                author: Some(account(author)),
                author_association: Some(association.into()),
            }),
            actor: account(1),
            occurred_at: when,
            data: json!({"additions": 7, "deletions": 3, "title": "Feat: Ärger", "head": "Main"}),
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_are_calendar_months() {
        // 2026-11-23 is a Monday.
        assert_eq!(week(at(2026, 11, 22)) + 1, week(at(2026, 11, 23)));
        assert_eq!(week(at(2026, 11, 23)), week(at(2026, 11, 29)));
        assert_eq!(month_name(month(at(2026, 1, 31))), "2026-01");
        assert_eq!(month(at(2026, 1, 1)) - 1, month(at(2025, 12, 31)));
    }

    #[test]
    fn what_each_signal_adds() {
        let signals = [
            signal(Kind::ReviewCommented, 4, 2, "MEMBER", at(2026, 3, 5)),
            signal(Kind::ReviewApproved, 4, 2, "MEMBER", at(2026, 3, 2)),
            signal(Kind::IssueComment, 6, 3, "FIRST_TIME_CONTRIBUTOR", at(2026, 4, 1)),
            signal(Kind::IssueComment, 7, 3, "CONTRIBUTOR", at(2026, 4, 1)), // nothing beyond counts
            signal(Kind::ReviewApproved, 8, 1, "MEMBER", at(2026, 4, 2)),    // own PR: skipped entirely
            signal(Kind::PrMerged, 9, 1, "MEMBER", at(2026, 4, 3)),
        ];
        let people = digest(&signals);
        assert_eq!(people.keys().collect::<Vec<_>>(), [&(9, 1)]);
        let d = &people[&(9, 1)];
        let weeks: u64 = d.weeks.values().sum();
        assert_eq!(weeks, 5);
        assert_eq!(d.months.keys().map(|m| month_name(*m)).collect::<Vec<_>>(), ["2026-03", "2026-04"]);
        assert_eq!(d.months[&month(at(2026, 3, 1))], (at(2026, 3, 2), at(2026, 3, 5)));
        let four = &d.engagements[&(5, 4)];
        assert_eq!(
            (four.approved_at, four.reviewed_at, four.newcomer_at),
            (Some(at(2026, 3, 2)), Some(at(2026, 3, 2)), None)
        );
        assert_eq!(d.engagements[&(5, 6)].newcomer_at, Some(at(2026, 4, 1)));
        assert_eq!(d.engagements.len(), 2, "#7 told nothing, #8 is their own");
        let pr = &d.merged[&(5, 9)];
        assert_eq!((pr.lines, pr.title.as_str(), pr.head.as_str()), (10, "feat: ärger", "main"));
    }
}
