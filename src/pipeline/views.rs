//! Views the command line and the pages share, for an audience: a person's report (what `ladder
//! status` prints and a person page shows) and the org's repository health (`ladder repos`, the repos
//! page), so that both say exactly the same for the same data.
//!
//! Owns: the lookups behind them. For everyone ([`Scope::All`]) a report reads the store's digests; for
//! the public it is computed from the person's signals in public repositories, with roles held there
//! (and org-wide), so nothing of a private repository shows, not even as a count.
//!
//! Never does: decide (the core's [`Report`] and [`repo_health`] do) or format anything.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use crate::store::{Store, StoreError};
use ladder_core::health::{OrgActivity, RepoHealth, repo_health};
use ladder_core::ladder::{Facts, Ladder};
use ladder_core::report::{Person, Report};
use ladder_core::roles::Grant;
use ladder_core::signal::Org;
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
    let facts = match scope {
        Scope::All => store.people().facts_of(org.id, person.id, ladder).await?,
        Scope::Public => {
            let signals = store.growth().signals_of(org.id, person.id, scope).await?;
            let merged = store.people().merged_in_org(org.id).await?;
            let mut facts = Facts::from_signals(&signals, &merged, ladder);
            facts.endorsements = store.people().endorsements_of(org.id, &person.login).await?;
            facts
        }
    };
    let grants = store.directory().roles_of(&org.login, &person.login, person.id).await?;
    let repos = repositories(store, org, &grants).await?;
    let grants = grants_shown(grants, &repos, org, scope);
    Ok(Report::new(org.clone(), person, &facts, ladder, grants, now))
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
