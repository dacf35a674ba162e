//! Views the command line and the pages share, for an audience: a person's report (what `ladder
//! status` prints and a person page shows, with their next steps) and the org's repository health (`ladder repos`, the repos
//! page), so that both say exactly the same for the same data; and the program's mentees and
//! outcomes (admins only).
//!
//! Owns: the lookups behind them. A report reads the store's digests of the person's signals that the
//! scope shows (for the public, those in public repositories), with roles held there (and org-wide),
//! so nothing of a private repository shows to the public, not even as a count.
//!
//! Never does: decide (the core's [`Report`] and [`repo_health`] do) or format anything.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;

use crate::store::{Store, StoreError};
use ladder_core::calibration::{self, Calibration, Inputs, Past};
use ladder_core::enrolment::Enrolment;
use ladder_core::growth::as_of::History;
use ladder_core::health::{OrgActivity, RepoHealth, repo_health};
use ladder_core::ladder::{Ladder, evaluate};
use ladder_core::next_steps::{Guides, Lookup, Place, kinds};
use ladder_core::program::{Mentee, MenteeStatus, Outcome, at_risk, outcomes, progress, responsiveness};
use ladder_core::report::{Person, Report};
use ladder_core::roles::Grant;
use ladder_core::signal::{Org, Signal};
use ladder_core::visibility::Scope;

/// The org's repositories that `scope` shows, by full name, with whether each is private. A
/// repository known only from an imported `CODEOWNERS` has no known visibility and counts as private.
async fn repositories(store: &Store, org: &Org, grants: &[Grant]) -> Result<BTreeMap<String, bool>, StoreError> {
    let mut repos: BTreeMap<String, bool> = store
        .directory()
        .repositories()
        .await?
        .into_iter()
        .filter(|r| r.org_id == org.id && !r.removed)
        .map(|r| (r.full_name, r.private))
        .collect();
    for repo in grants.iter().filter_map(|g| g.repo.as_deref()) {
        repos.entry(format!("{}/{repo}", org.login)).or_insert(true);
    }
    Ok(repos)
}

/// The grants `scope` shows: org-wide ones, and those of repositories it shows.
pub fn grants_shown(grants: Vec<Grant>, repos: &BTreeMap<String, bool>, org: &Org, scope: Scope) -> Vec<Grant> {
    grants
        .into_iter()
        .filter(|g| match &g.repo {
            None => true,
            Some(repo) => scope.shows(repos.get(&format!("{}/{repo}", org.login)).copied().unwrap_or(true)),
        })
        .collect()
}

/// Every grant in the org that `scope` shows, with the org's repositories.
pub async fn org_grants(
    store: &Store,
    org: &Org,
    scope: Scope,
) -> Result<(Vec<Grant>, BTreeMap<String, bool>), StoreError> {
    let grants = store.directory().roles_in_org(&org.login).await?;
    let repos = repositories(store, org, &grants).await?;
    Ok((grants_shown(grants, &repos, org, scope), repos))
}

/// A person's report in the org, as `scope` may see it.
pub async fn report(
    store: &Store,
    org: &Org,
    ladder: &Ladder,
    person: Person,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let facts = store.people().facts_in(org.id, person.id, ladder, scope).await?;
    let grants = store.directory().roles_of(&org.login, &person.login, person.id).await?;
    let repos = repositories(store, org, &grants).await?;
    let grants = grants_shown(grants, &repos, org, scope);
    Ok(Report::new(org.clone(), person, &facts, ladder, grants, now))
}

/// Looks for the open work that would take the person of `report` to their next level, as `scope`
/// may see it.
pub async fn suggest(
    store: &Store,
    ladder: &Ladder,
    report: &mut Report,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let place = match scope {
        Scope::All => Place::Trusted,
        Scope::Public => Place::Public,
    };
    let needs = kinds(&report.readiness);
    let lookup = Lookup { seeker: report.seeker(), bots: &ladder.bots, place, now };
    let offers = store.open_work().offers(report.org.id, &needs, lookup).await?;
    let private: BTreeSet<String> =
        store.directory().private_repositories(report.org.id).await?.into_iter().map(|(_, name)| name).collect();
    let guides = store.backfills().release_guides(report.org.id).await?;
    report.suggest(&offers, Guides { guides: &guides, private: &private }, place);
    Ok(())
}

/// The ladder checked against the promotions the org's `CODEOWNERS` history records (admins only:
/// it reads every repository).
pub async fn calibration(
    store: &Store,
    org: &Org,
    ladder: &Ladder,
    now: DateTime<Utc>,
) -> Result<Calibration, StoreError> {
    let revisions = store.backfills().codeowners_history(org.id).await?;
    let promotions = calibration::promotions(&revisions, &ladder.bots);
    let growth = store.growth();
    let merges = growth.merges(org.id).await?;
    let endorsements = growth.endorsements(org.id).await?;
    let logins: BTreeMap<String, &str> =
        promotions.iter().map(|p| (p.login.to_lowercase(), p.login.as_str())).collect();
    let mut found: Vec<(String, &str, Option<Vec<Signal>>)> = Vec::new();
    for (key, login) in logins {
        let signals = match store.people().people_by_login(login).await?.into_iter().next() {
            Some(person) => Some(store.people().signals_of(org.id, person.id).await?),
            None => None,
        };
        found.push((key, login, signals));
    }
    let pasts: BTreeMap<String, Past<'_>> = found
        .iter()
        .map(|(key, login, signals)| {
            let endorsed = endorsements.get(key).map(Vec::as_slice).unwrap_or_default();
            let history = signals.as_deref().map(|signals| History { signals, endorsements: endorsed, roles: &[] });
            (key.clone(), Past { login, history })
        })
        .collect();
    let mut today = Vec::new();
    for person in growth.people(org.id).await? {
        let facts = store.people().facts_of(org.id, person.id, ladder).await?;
        today.push((person.login, evaluate(ladder, &facts, None, now)));
    }
    let inputs = Inputs { promotions: &promotions, pasts: &pasts, merges: &merges, today: &today };
    Ok(calibration::calibrate(&org.login, ladder, &inputs))
}

/// The health of the org's repositories that `scope` shows, from the last 12 months.
pub async fn health(
    store: &Store,
    org: &Org,
    ladder: &Ladder,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Vec<RepoHealth>, StoreError> {
    let (grants, mut repos) = org_grants(store, org, scope).await?;
    repos.retain(|_, private| scope.shows(*private));
    let since = now - chrono::Months::new(12);
    let mut signals = store.people().signals_in_org_since(org.id, since).await?;
    signals.retain(|s| scope.shows(s.repo.private));
    let merged: HashSet<(i64, i64)> = store.people().merged_in_org(org.id).await?;
    let activity = OrgActivity { repos: &repos, grants: &grants, signals: &signals, merged: &merged };
    Ok(repo_health(ladder, &activity, now))
}

/// The program as its coordinators see it: the target level, the mentees (of one cohort, or everyone
/// enrolled now) and the outcomes of cohorts that ended.
#[derive(Debug, Clone)]
pub struct ProgramView {
    pub target: Option<String>,
    pub mentees: Vec<MenteeStatus>,
    pub outcomes: Vec<Outcome>,
}

/// The program in `org`: everyone enrolled now, or the members of `cohort`.
pub async fn program(
    store: &Store,
    org: &Org,
    ladder: &Ladder,
    cohort: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ProgramView, StoreError> {
    let all = store.people().enrolments(org.id).await?;
    let target = ladder.program_target();
    let members: Vec<&Enrolment> = all
        .iter()
        .filter(|e| match cohort {
            Some(name) => e.in_cohort(name),
            None => e.is_active(),
        })
        .collect();
    // Each mentee's lookups are independent: side by side, the page takes as long as the slowest.
    let mentees =
        try_join_all(members.into_iter().map(|enrolment| mentee(store, org, ladder, target, enrolment, now))).await?;
    let growth = store.growth();
    let histories =
        try_join_all(all.iter().map(|enrolment| growth.standing(org.id, Scope::All, &enrolment.login))).await?;
    let past: Vec<Mentee<'_>> = all
        .iter()
        .zip(&histories)
        .map(|(enrolment, standing)| Mentee {
            enrolment,
            months: standing.as_ref().map(|s| s.months.as_slice()).unwrap_or_default(),
            role: standing.as_ref().and_then(|s| s.role),
        })
        .collect();
    let outcomes = outcomes(&ladder.program.cohorts, &past, &all, now);
    Ok(ProgramView { target: target.map(|l| l.name.clone()), mentees, outcomes })
}

async fn mentee(
    store: &Store,
    org: &Org,
    ladder: &Ladder,
    target: Option<&ladder_core::ladder::Level>,
    enrolment: &Enrolment,
    now: DateTime<Utc>,
) -> Result<MenteeStatus, StoreError> {
    let person = store.people().people_by_login(&enrolment.login).await?.into_iter().next();
    let report = match person.clone() {
        Some(person) => Some(report(store, org, ladder, person, Scope::All, now).await?),
        None => None,
    };
    let readiness = report.as_ref().map(|r| &r.readiness);
    let mentor = match &enrolment.mentor {
        Some(login) => store.people().people_by_login(login).await?.into_iter().next(),
        None => None,
    };
    let responsiveness = match (&person, &mentor) {
        (Some(mentee), Some(mentor)) => {
            let opened = store.people().opened_prs(org.id, mentee.id).await?;
            let prs: Vec<(i64, i64)> = opened.iter().map(|(pr, _)| *pr).collect();
            let reviews = store.people().first_reviews(org.id, mentor.id, &prs).await?;
            Some(responsiveness(&opened, &reviews))
        }
        _ => None,
    };
    let last_activity = readiness.and_then(|r| r.last_activity);
    Ok(MenteeStatus {
        login: enrolment.login.clone(),
        mentor: enrolment.mentor.clone(),
        cohort: enrolment.cohort.clone(),
        enrolled_at: enrolment.enrolled_at,
        level: report.as_ref().and_then(|r| r.readiness.level.as_deref().map(|id| r.level_name(id))),
        progress: match (readiness, target) {
            (Some(r), Some(t)) => progress(r, ladder, t),
            _ => 0,
        },
        last_activity,
        activity: readiness.map_or(ladder_core::ladder::Activity::Away, |r| r.activity),
        at_risk: at_risk(last_activity, enrolment.enrolled_at, now),
        responsiveness,
    })
}
