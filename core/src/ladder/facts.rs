//! Facts: everything evaluating one person needs, already counted.
//!
//! Owns: [`Facts`] and [`Facts::from_signals`], which computes them from a person's signals in memory
//! (repo health and tests do). The store computes the same facts from the digests it keeps
//! ([`crate::digest`]), so that `ladder status` reads a few hundred rows however active the person is;
//! `tests/it/digests.rs` pins the store's SQL to this, the reference, on both engines.
//!
//! Which signals count: credited ones ([`crate::credit`]). Weekly caps limit kind and track counts;
//! metrics over distinct things (repos, months, subjects) count each thing once, which no burst inflates.
//! Evidence is the [`EVIDENCE`] newest references behind a number, newest first.
//!
//! Never does: I/O, or decide levels (see [`super::evaluate`]).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use super::config::Ladder;
use super::metric::{Measure, Metric};
use crate::credit::is_credited;
use crate::digest::{Engagement, MergedPr, PersonDigest};
use crate::signal::{Kind, Signal};

/// The most references listed behind one number.
pub const EVIDENCE: usize = 10;

/// What is known about one person, ready for evaluation against one ladder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Credited signals per kind and week (uncapped).
    pub weeks: BTreeMap<(Kind, i64), u64>,
    /// Months with credited activity: the first and last signal in each.
    pub months: BTreeMap<i64, (DateTime<Utc>, DateTime<Utc>)>,
    /// Repositories with credited activity.
    pub repos: BTreeSet<String>,
    /// `primary_reviews`, `reviews_on_merged`, `newcomers_helped` and `substantial_prs`.
    pub derived: BTreeMap<Metric, Measure>,
    /// The newest references behind each kind and track metric the ladder uses.
    pub recent: BTreeMap<Metric, Vec<String>>,
    /// Endorsements per level id: each endorser's login and company (if known).
    pub endorsements: BTreeMap<String, Vec<(String, Option<String>)>>,
}

/// A reference to rank: when, repository, and number (`None` for the repository itself).
pub type Reference<'a> = (DateTime<Utc>, &'a str, Option<i64>);

/// The [`EVIDENCE`] newest references, newest first (ties by repository and number, descending).
pub fn newest(mut refs: Vec<Reference<'_>>) -> Vec<String> {
    refs.sort_unstable_by(|a, b| b.cmp(a));
    refs.into_iter()
        .take(EVIDENCE)
        .map(|(_, repo, number)| match number {
            Some(n) => format!("{repo}#{n}"),
            None => repo.to_owned(),
        })
        .collect()
}

/// A count with the newest references behind it.
fn counted(refs: Vec<Reference<'_>>) -> Measure {
    Measure { value: refs.len() as u64, evidence: newest(refs) }
}

/// Whether a merged PR counts as substantial: large enough, and mechanical by neither its title, its
/// branch, nor (when they were read) its paths.
pub fn is_substantial(pr: &MergedPr, ladder: &Ladder) -> bool {
    let by_paths = pr.paths.as_ref().is_some_and(|paths| ladder.mechanical_by_paths(paths.iter().map(String::as_str)));
    pr.lines >= ladder.min_lines && !ladder.is_mechanical(&pr.title, &pr.head) && !by_paths
}

impl Facts {
    /// Facts from a person's signals. `merged` names the org's merged PRs as `(repo id, number)`.
    pub fn from_signals(signals: &[Signal], merged: &HashSet<(i64, i64)>, ladder: &Ladder) -> Facts {
        Facts::from_signals_with(signals, |key| merged.contains(key), ladder)
    }

    /// [`Facts::from_signals`], with `merged` saying whether a PR is merged.
    pub fn from_signals_with(signals: &[Signal], merged: impl Fn(&(i64, i64)) -> bool, ladder: &Ladder) -> Facts {
        let credited: Vec<&Signal> = signals.iter().filter(|s| is_credited(s, &ladder.bots)).collect();
        let mut digest = PersonDigest::default();
        for s in &credited {
            digest.add(s);
        }
        let mut facts = Facts::from_digest(&digest, merged, ladder);
        facts.recent = ladder
            .metrics()
            .into_iter()
            .filter_map(|metric| Some((metric, recent(&credited, &metric.kinds()?))))
            .collect();
        facts
    }

    /// Facts from the digest of a person's credited signals, without the newest references behind
    /// kinds and tracks (which need the signals): what evaluating a level needs. `merged` says whether
    /// a PR, as `(repo id, number)`, is merged.
    pub fn from_digest(digest: &PersonDigest, merged: impl Fn(&(i64, i64)) -> bool, ladder: &Ladder) -> Facts {
        let engaged = |pick: fn(&Engagement) -> Option<DateTime<Utc>>, needs_merge: bool| {
            let refs = digest
                .engagements
                .iter()
                .filter(|(key, _)| !needs_merge || merged(key))
                .filter_map(|((_, number), e)| pick(e).map(|at| (at, e.repo_name.as_str(), Some(*number))))
                .collect();
            counted(refs)
        };
        let substantial = digest
            .merged
            .iter()
            .filter(|(_, pr)| is_substantial(pr, ladder))
            .map(|((_, number), pr)| (pr.merged_at, pr.repo_name.as_str(), Some(*number)))
            .collect();
        let derived = BTreeMap::from([
            (Metric::PrimaryReviews, engaged(|e| e.approved_at, true)),
            (Metric::ReviewsOnMerged, engaged(|e| e.reviewed_at, true)),
            (Metric::NewcomersHelped, engaged(|e| e.newcomer_at, false)),
            (Metric::SubstantialPrs, counted(substantial)),
        ]);
        Facts {
            weeks: digest.weeks.clone(),
            months: digest.months.clone(),
            repos: digest.repos.clone(),
            derived,
            recent: BTreeMap::new(),
            endorsements: BTreeMap::new(),
        }
    }

    /// These facts with one more merged PR of the person's (the merge a delivery reports, before it is
    /// recorded): as if [`Facts::from_signals`] had seen it too.
    pub fn with_merged_pr(&self, merge: &Signal, ladder: &Ladder) -> Facts {
        let mut facts = self.clone();
        let mut digest = PersonDigest::default();
        digest.add(merge);
        for (key, n) in digest.weeks {
            *facts.weeks.entry(key).or_default() += n;
        }
        for (month, (first, last)) in digest.months {
            let span = facts.months.entry(month).or_insert((first, last));
            *span = (span.0.min(first), span.1.max(last));
        }
        facts.repos.extend(digest.repos);
        for ((_, number), pr) in &digest.merged {
            if is_substantial(pr, ladder) {
                let measure = facts.derived.entry(Metric::SubstantialPrs).or_default();
                measure.value += 1;
                measure.evidence.insert(0, format!("{}#{number}", pr.repo_name));
                measure.evidence.truncate(EVIDENCE);
            }
        }
        facts
    }

    /// Credited signals of `kind`, at most `cap` in any one week.
    pub fn count(&self, kind: Kind, cap: Option<u64>) -> u64 {
        let weeks = self.weeks.range((kind, i64::MIN)..=(kind, i64::MAX));
        weeks.map(|(_, n)| cap.map_or(*n, |cap| (*n).min(cap))).sum()
    }

    /// Credited signals per kind, uncapped.
    pub fn tally(&self) -> BTreeMap<Kind, u64> {
        let mut tally = BTreeMap::new();
        for ((kind, _), n) in &self.weeks {
            *tally.entry(*kind).or_default() += n;
        }
        tally
    }

    /// Endorsements for `level` that count: one per company (an endorser without one counts alone),
    /// with the endorsers' logins as evidence.
    pub fn endorsed(&self, level: &str) -> Measure {
        let endorsers = self.endorsements.get(level).map(Vec::as_slice).unwrap_or_default();
        let companies: BTreeSet<String> = endorsers
            .iter()
            .map(|(login, company)| company.as_deref().map_or_else(|| format!("@{login}"), str::to_lowercase))
            .collect();
        Measure { value: companies.len() as u64, evidence: endorsers.iter().map(|(login, _)| login.clone()).collect() }
    }

    pub fn first_activity(&self) -> Option<DateTime<Utc>> {
        self.months.values().map(|(first, _)| *first).min()
    }

    pub fn last_activity(&self) -> Option<DateTime<Utc>> {
        self.months.values().map(|(_, last)| *last).max()
    }
}

/// The newest distinct references among a person's credited signals of `kinds`.
fn recent(credited: &[&Signal], kinds: &[Kind]) -> Vec<String> {
    let mut latest: BTreeMap<(&str, Option<i64>), DateTime<Utc>> = BTreeMap::new();
    let counts = credited.iter().filter(|s| kinds.contains(&s.kind));
    for s in counts.filter(|s| !(s.kind.needs_others_subject() && s.is_self_action())) {
        let at =
            latest.entry((s.repo.full_name.as_str(), s.subject.as_ref().map(|x| x.number))).or_insert(s.occurred_at);
        *at = (*at).max(s.occurred_at);
    }
    newest(latest.into_iter().map(|((repo, number), at)| (at, repo, number)).collect())
}
