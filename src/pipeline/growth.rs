//! Growth snapshots: computing what the pages show of each org, for each audience, and keeping it
//! fresh.
//!
//! Owns: [`Grower`], which reads every person's history in an org (signals of the repositories the
//! audience may see, the org's merges, endorsements with their dates, roles held), runs the core's
//! [`Builder`] one person at a time, adds the repositories' health ([`views::health`]) and saves the
//! snapshot with each person's standing; [`Grower::current`], which the pages call, and
//! [`Grower::run`], the background task that recomputes snapshots whose data changed.
//!
//! A snapshot names the data it was computed from (its version: the newest signal, the counts of
//! endorsements, roles and opt-outs, the ladder in force). A page uses a snapshot whose version is
//! current, or one whose data changed less than `lag` ago (the background task is on it), and
//! computes one at once otherwise; none is used once it is an hour old (activity and windows move
//! with time). Roles count from the moment they are known (their history is not read yet).
//!
//! Never does: decide levels or sums (the core does) or render anything.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, watch};

use super::ladders::Ladders;
use super::views;
use crate::store::{Store, StoreError};
use ladder_core::growth::as_of::{History, RoleSince};
use ladder_core::growth::snapshot::{Builder, Snapshot};
use ladder_core::ladder::Ladder;
use ladder_core::signal::Org;
use ladder_core::visibility::Scope;

/// The oldest a snapshot may be, whatever its data.
pub const MAX_AGE: Duration = Duration::from_secs(3600);

/// Computes and keeps growth snapshots.
pub struct Grower {
    store: Store,
    ladders: Arc<Ladders>,
    /// How long after its data changed a snapshot may still be shown.
    lag: Duration,
    /// One computation at a time: two pages asking at once wait for one result.
    computing: Mutex<()>,
}

/// A short fingerprint of the ladder in force, part of a snapshot's version.
fn fingerprint(ladder: &Ladder) -> String {
    let digest = Sha256::digest(format!("{ladder:?}").as_bytes());
    hex::encode(&digest[..8])
}

impl Grower {
    pub fn new(store: &Store, ladders: Arc<Ladders>, lag: Duration) -> Grower {
        Grower { store: store.clone(), ladders, lag, computing: Mutex::new(()) }
    }

    /// The org's snapshot for `scope`: the kept one while it may be shown, otherwise computed now.
    pub async fn current(&self, org: &Org, scope: Scope, now: DateTime<Utc>) -> Result<Snapshot, StoreError> {
        if let Some(computed) = self.ensure(org, scope, now).await? {
            return Ok(computed);
        }
        match self.store.growth().snapshot(org.id, scope).await? {
            Some(snapshot) => Ok(snapshot),
            // Discarded since it was judged fresh (by an opt-out): computed anew.
            None => {
                let _one = self.computing.lock().await;
                self.compute(org, scope, now).await
            }
        }
    }

    /// Makes sure the org has a snapshot for `scope` that may be shown at `now`, which the lists of
    /// people read their standings from: computes one (and returns it) when the kept one may not be
    /// shown; reads only its version and age otherwise.
    pub async fn ensure(&self, org: &Org, scope: Scope, now: DateTime<Utc>) -> Result<Option<Snapshot>, StoreError> {
        if self.may_show(org, scope, now).await? {
            return Ok(None);
        }
        let _one = self.computing.lock().await;
        // Another request may have computed it while this one waited.
        if self.may_show(org, scope, now).await? {
            return Ok(None);
        }
        self.compute(org, scope, now).await.map(Some)
    }

    /// Whether the kept snapshot may be shown at `now`: younger than an hour, and computed from the
    /// data there is now or changed less than `lag` ago.
    async fn may_show(&self, org: &Org, scope: Scope, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let Some((version, computed_at)) = self.store.growth().kept(org.id, scope).await? else { return Ok(false) };
        let age = (now - computed_at).to_std().unwrap_or_default();
        Ok(age < MAX_AGE && (age < self.lag || version == self.version(org).await?))
    }

    async fn version(&self, org: &Org) -> Result<String, StoreError> {
        let ladder = self.ladders.book().await?.org(org.id);
        self.store.growth().version(org, &fingerprint(&ladder)).await
    }

    /// Computes the org's snapshot for `scope` at `now` and keeps it.
    pub async fn compute(&self, org: &Org, scope: Scope, now: DateTime<Utc>) -> Result<Snapshot, StoreError> {
        let started = std::time::Instant::now();
        let ladder = self.ladders.book().await?.org(org.id);
        let growth = self.store.growth();
        let version = growth.version(org, &fingerprint(&ladder)).await?;
        let merges = growth.merges(org.id).await?;
        let endorsements = growth.endorsements(org.id).await?;
        let (grants, _) = views::org_grants(&self.store, org, scope).await?;
        let first = growth.first_signal(org.id, scope).await?.unwrap_or(now);
        let mut builder = Builder::new(&ladder, &merges, first, now);
        let mut standings = Vec::new();
        for person in growth.people(org.id).await? {
            let signals = self.store.people().signals_in(org.id, person.id, scope).await?;
            let roles: Vec<RoleSince> = grants
                .iter()
                .filter(|g| g.github_id == Some(person.id) || g.login.eq_ignore_ascii_case(&person.login))
                .map(|g| RoleSince { role: g.role, since: now })
                .collect();
            let endorsed = endorsements.get(&person.login.to_lowercase()).map(Vec::as_slice).unwrap_or_default();
            let history = History { signals: &signals, endorsements: endorsed, roles: &roles };
            if let Some(standing) = builder.add(person.id, &person.login, history) {
                let ready = standing.ready_for_a_role(&ladder);
                standings.push((standing, ready));
            }
        }
        let repos = views::health(&self.store, org, &ladder, scope, now).await?;
        let snapshot = builder.finish(repos);
        growth.save(org.id, scope, &version, &snapshot, &standings).await?;
        // Busy people's counts of substantial PRs under this ladder, so that their first answer
        // (a command, a sticky comment) does not read their whole history.
        self.store.people().remember_substantial(org.id, scope, &ladder).await?;
        tracing::info!(
            org = org.login,
            scope = scope.as_str(),
            people = standings.len(),
            ms = started.elapsed().as_millis() as u64,
            "growth snapshot computed"
        );
        Ok(snapshot)
    }

    /// Every `every`, recomputes the snapshots whose data changed (or that are getting old), until
    /// `shutdown` turns true.
    pub async fn run(self: Arc<Self>, every: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(why) = self.refresh_stale(Utc::now()).await {
                tracing::warn!(%why, "growth snapshots could not be refreshed; trying again later");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn refresh_stale(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        for org in self.store.directory().orgs().await? {
            let current = self.version(&org).await?;
            for scope in Scope::BOTH {
                let fresh = self.store.growth().kept(org.id, scope).await?.is_some_and(|(version, computed_at)| {
                    (now - computed_at).to_std().unwrap_or_default() < MAX_AGE / 2 && version == current
                });
                if !fresh {
                    let _one = self.computing.lock().await;
                    self.compute(&org, scope, now).await?;
                }
            }
        }
        Ok(())
    }
}
