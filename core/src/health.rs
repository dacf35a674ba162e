//! Repo health: for each repository, its maintainers (from `CODEOWNERS`), which of them are active
//! under the org's definition, how concentrated contributions are, and who is closest to maintaining it.
//!
//! Owns: [`repo_health`], a pure function. A maintainer is *active* with a merged PR, a merge performed,
//! or a review on a merged PR in that repository in the last 12 months (the org's draft definition; it
//! also counts direct commits, which PRs cover in practice). The Contributor Absence Factor (CHAOSS) is
//! the fewest people who together made half of the repository's credited contributions in that time.
//!
//! Never does: I/O.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Months, Utc};

use crate::credit::is_credited;
use crate::ladder::{Facts, Ladder, evaluate};
use crate::repo_name::RepoName;
use crate::roles::{Grant, Role};
use crate::signal::{Kind, Signal};

/// Someone who is not a maintainer of the repository, ranked by readiness for its maintainer level.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    pub login: String,
    /// Mean share of the target level's requirements met, 0 to 100.
    pub readiness: u8,
    /// Requirements of the target level not met yet.
    pub missing: Vec<String>,
}

/// One repository's health.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RepoHealth {
    pub repo: String,
    pub private: bool,
    pub maintainers: Vec<String>,
    pub active_maintainers: Vec<String>,
    pub contributions: u64,
    pub absence_factor: u64,
    pub candidates: Vec<Candidate>,
}

impl RepoHealth {
    /// No maintainer is active: the repository is at risk.
    pub fn at_risk(&self) -> bool {
        self.active_maintainers.is_empty()
    }

    pub fn to_json(&self) -> serde_json::Value {
        let candidates: Vec<serde_json::Value> = self
            .candidates
            .iter()
            .map(|c| serde_json::json!({"login": c.login, "readiness": c.readiness, "missing": c.missing}))
            .collect();
        serde_json::json!({
            "repo": self.repo,
            "private": self.private,
            "at_risk": self.at_risk(),
            "maintainers": self.maintainers,
            "active_maintainers": self.active_maintainers,
            "contributions": self.contributions,
            "contributor_absence_factor": self.absence_factor,
            "candidates": candidates,
        })
    }

    pub fn to_text(&self) -> String {
        let visibility = if self.private { " (private)" } else { "" };
        let state = if self.at_risk() { "AT RISK: no active maintainer" } else { "ok" };
        let mut out = format!("{}{visibility}: {state}\n", self.repo);
        let maintainers: Vec<String> = self
            .maintainers
            .iter()
            .map(|m| if self.active_maintainers.contains(m) { format!("@{m}") } else { format!("@{m} (inactive)") })
            .collect();
        let maintainers = if maintainers.is_empty() { "none listed".to_owned() } else { maintainers.join(", ") };
        out.push_str(&format!("  maintainers: {maintainers}\n"));
        out.push_str(&format!(
            "  last 12 months: {} contributions, contributor absence factor {}\n",
            self.contributions, self.absence_factor
        ));
        for c in &self.candidates {
            let missing =
                if c.missing.is_empty() { String::new() } else { format!("; missing {}", c.missing.join(", ")) };
            out.push_str(&format!("  candidate: @{} {}% ready{missing}\n", c.login, c.readiness));
        }
        out
    }
}

/// Candidates listed per repository.
const CANDIDATES: usize = 3;

/// The fewest contributors whose counts add up to at least half of all contributions.
pub fn absence_factor(counts: impl IntoIterator<Item = u64>) -> u64 {
    let mut counts: Vec<u64> = counts.into_iter().filter(|n| *n > 0).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = counts.iter().sum();
    let mut running = 0;
    for (i, n) in counts.iter().enumerate() {
        running += n;
        if running * 2 >= total {
            return i as u64 + 1;
        }
    }
    0
}

/// Whether a signal shows maintainer activity: a merged PR, a merge performed, or a review on a PR
/// that merged.
fn maintainer_activity(s: &Signal, merged: &HashSet<(i64, i64)>) -> bool {
    let on_merged = || s.subject.as_ref().is_some_and(|x| merged.contains(&(s.repo.id, x.number)));
    match s.kind {
        Kind::PrMerged | Kind::MergePerformed => true,
        Kind::ReviewApproved | Kind::ReviewChangesRequested | Kind::ReviewCommented => on_merged(),
        _ => false,
    }
}

/// The inputs of [`repo_health`] for one org.
pub struct OrgActivity<'a> {
    /// Repositories by full name (`owner/name`), with whether each is private.
    pub repos: &'a BTreeMap<String, bool>,
    /// Roles held in the org; repository grants name the repository without its owner.
    pub grants: &'a [Grant],
    /// Recorded signals in the org from the last 12 months (older ones are ignored).
    pub signals: &'a [Signal],
    /// `(repo id, number)` of the org's merged PRs.
    pub merged: &'a HashSet<(i64, i64)>,
}

/// Health of every repository, those without an active maintainer first, then by name.
pub fn repo_health(ladder: &Ladder, org: &OrgActivity<'_>, now: DateTime<Utc>) -> Vec<RepoHealth> {
    let since = now.checked_sub_months(Months::new(12)).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let recent: Vec<&Signal> =
        org.signals.iter().filter(|s| s.occurred_at > since && is_credited(s, &ladder.bots)).collect();
    let mut out: Vec<RepoHealth> =
        org.repos.iter().map(|(repo, private)| one_repo(ladder, org, &recent, repo, *private, now)).collect();
    out.sort_by(|a, b| (!a.at_risk(), &a.repo).cmp(&(!b.at_risk(), &b.repo)));
    out
}

fn one_repo(
    ladder: &Ladder,
    org: &OrgActivity<'_>,
    recent: &[&Signal],
    repo: &str,
    private: bool,
    now: DateTime<Utc>,
) -> RepoHealth {
    let name = RepoName::parse(repo).name;
    let maintainers: BTreeSet<String> = org
        .grants
        .iter()
        .filter(|g| g.repo.as_deref() == Some(name) && matches!(g.role, Role::Maintainer | Role::Champion))
        .map(|g| g.login.to_lowercase())
        .collect();
    let here: Vec<&Signal> = recent.iter().copied().filter(|s| s.repo.full_name == repo).collect();
    let mut by_person: BTreeMap<String, Vec<Signal>> = BTreeMap::new();
    for s in &here {
        by_person.entry(s.actor.login.to_lowercase()).or_default().push((*s).clone());
    }
    let active_maintainers: Vec<String> = maintainers
        .iter()
        .filter(|m| by_person.get(*m).is_some_and(|ss| ss.iter().any(|s| maintainer_activity(s, org.merged))))
        .cloned()
        .collect();
    RepoHealth {
        repo: repo.to_owned(),
        private,
        contributions: here.len() as u64,
        absence_factor: absence_factor(by_person.values().map(|v| v.len() as u64)),
        candidates: candidates(ladder, &by_person, &maintainers, org.merged, now),
        maintainers: maintainers.into_iter().collect(),
        active_maintainers,
    }
}

/// Non-maintainers ranked by how much of the ladder's maintainer level their work here meets.
fn candidates(
    ladder: &Ladder,
    by_person: &BTreeMap<String, Vec<Signal>>,
    maintainers: &BTreeSet<String>,
    merged: &HashSet<(i64, i64)>,
    now: DateTime<Utc>,
) -> Vec<Candidate> {
    let Some(target) = ladder.levels.iter().rev().find(|l| l.role == Some(Role::Maintainer)).or(ladder.levels.last())
    else {
        return Vec::new();
    };
    let mut ranked: Vec<Candidate> = by_person
        .iter()
        .filter(|(login, _)| !maintainers.contains(*login))
        .map(|(_, signals)| {
            let readiness = evaluate(ladder, &Facts::from_signals(signals, merged, ladder), None, now);
            let mean = readiness.share_of(target).unwrap_or(1.0);
            let missing = target
                .requires
                .iter()
                .filter(|(metric, need)| readiness.metrics.get(metric).map_or(0, |m| m.value) < *need)
                .map(|(metric, _)| metric.name().to_owned())
                .collect();
            Candidate { login: signals[0].actor.login.clone(), readiness: (mean * 100.0).round() as u8, missing }
        })
        .collect();
    ranked.sort_by(|a, b| b.readiness.cmp(&a.readiness).then_with(|| a.login.cmp(&b.login)));
    ranked.truncate(CANDIDATES);
    ranked
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::signal::{Org, Repo, Subject};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
    }

    fn signal(repo: i64, kind: Kind, actor: (i64, &str), author: i64, number: i64, days_ago: i64) -> Signal {
        Signal {
            kind,
            identity: format!("{}-{repo}-{number}-{}-{days_ago}", kind.as_str(), actor.0),
            org: Org { id: 1, login: "asyncapi".into() },
            repo: Repo { id: repo, full_name: format!("asyncapi/r{repo}"), private: false },
            subject: Some(Subject {
                number,
                is_pull_request: true,
                author: Some(Account { id: author, login: format!("u{author}"), account_type: Some("User".into()) }),
                author_association: None,
            }),
            actor: Account { id: actor.0, login: actor.1.into(), account_type: Some("User".into()) },
            occurred_at: now() - Duration::days(days_ago),
            data: json!({}),
        }
    }

    fn grant(login: &str, repo: &str) -> Grant {
        Grant { login: login.into(), github_id: None, repo: Some(repo.into()), role: Role::Maintainer, detail: None }
    }

    #[test]
    fn absence_factor_table() {
        let cases: [(&[u64], u64); 5] = [(&[], 0), (&[5], 1), (&[5, 5], 1), (&[4, 3, 3], 2), (&[1, 1, 1, 1, 1, 1], 3)];
        for (counts, expected) in cases {
            assert_eq!(absence_factor(counts.iter().copied()), expected, "{counts:?}");
        }
    }

    #[test]
    fn health_by_hand() {
        let (maya, derberg, newbie, helper) = ((1, "Maya"), (2, "derberg"), (3, "newbie"), (4, "helper"));
        let signals = vec![
            // r1: Maya (maintainer) reviewed newbie's PR 10, which merged: active.
            signal(1, Kind::PrMerged, newbie, 3, 10, 20),
            signal(1, Kind::ReviewApproved, maya, 3, 10, 21),
            signal(1, Kind::IssueComment, helper, 3, 11, 5),
            signal(1, Kind::IssueComment, helper, 3, 12, 6),
            signal(1, Kind::TriageLabeled, newbie, 4, 13, 40),
            // r2: derberg (maintainer) only commented recently, and merged something 400 days ago.
            signal(2, Kind::IssueComment, derberg, 3, 1, 3),
            signal(2, Kind::PrMerged, derberg, 2, 2, 400),
            signal(2, Kind::PrMerged, newbie, 3, 3, 30),
        ];
        let merged: HashSet<(i64, i64)> = [(1, 10), (2, 2), (2, 3)].into();
        let repos: BTreeMap<String, bool> =
            [("asyncapi/r1".to_owned(), false), ("asyncapi/r2".to_owned(), true)].into();
        let grants = [grant("maya", "r1"), grant("derberg", "r2")];
        let org = OrgActivity { repos: &repos, grants: &grants, signals: &signals, merged: &merged };
        let health = repo_health(&Ladder::builtin(), &org, now());
        let summary: Vec<(&str, bool, Vec<&str>, u64, u64)> = health
            .iter()
            .map(|h| {
                let active = h.active_maintainers.iter().map(String::as_str).collect();
                (h.repo.as_str(), h.at_risk(), active, h.contributions, h.absence_factor)
            })
            .collect();
        assert_eq!(
            summary,
            [("asyncapi/r2", true, vec![], 2, 1), ("asyncapi/r1", false, vec!["maya"], 5, 2)],
            "r2 has no active maintainer and comes first"
        );
        assert!(health[0].private);
        let r1: Vec<&str> = health[1].candidates.iter().map(|c| c.login.as_str()).collect();
        assert_eq!(r1, ["newbie", "helper"], "maintainers are not candidates");
        assert!(health[1].candidates[0].readiness > health[1].candidates[1].readiness);
        assert!(health[1].candidates[0].missing.contains(&"primary_reviews".to_owned()));
    }
}
