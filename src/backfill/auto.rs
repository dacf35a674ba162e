//! `serve`'s backfills: each org with an active installation is backfilled in the background once,
//! again for the repositories added to the installation later, and again from the start of a window
//! of deliveries that reconcile found lost for good.
//!
//! Every [`Auto::every`] it asks [`ladder_core::history::due`] of each org (from its last run, the
//! lost window, and whether an installed repository was never paged) and runs those due one at a
//! time as the installation, limited to the installation's repositories. A run interrupted by a
//! restart resumes from its checkpoints (the lease keeps replicas from running one org twice); a run
//! that fails is tried again at the next look. Repositories a finished run did not find (GitHub no
//! longer lists them under that name) are not asked for again until the process restarts.
//!
//! Never does: page itself ([`super::run`] does), or post anything.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::gate::Gate;
use super::progress::Lines;
use super::run::{Backfill, Settings};
use crate::github::GitHub;
use crate::store::backfills::Selection;
use crate::store::{Backfills, Directory, Outbox, Store, StoreError};
use ladder_core::history::due;

/// An org to backfill: its login, its installation, the installation's repositories, and from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub owner: String,
    pub installation: i64,
    pub repos: HashSet<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub keep_done: bool,
}

/// Serve's background backfills.
pub struct Auto {
    directory: Directory,
    backfills: Backfills,
    /// Live actions go first, and rate-limit holds are shared with them.
    outbox: Outbox,
    github: Arc<GitHub>,
    every: Duration,
    in_flight: usize,
    /// Per org, the repositories a finished run of this process was asked for.
    asked: Mutex<HashMap<String, HashSet<String>>>,
}

impl Auto {
    pub fn new(store: &Store, github: Arc<GitHub>, every: Duration) -> Auto {
        Auto {
            directory: store.directory(),
            backfills: store.backfills(),
            outbox: store.outbox(),
            github,
            every,
            in_flight: 1,
            asked: Mutex::default(),
        }
    }

    /// Backfills keeping `in_flight` requests in flight at once (one by default).
    pub fn with_in_flight(self, in_flight: usize) -> Auto {
        Auto { in_flight: in_flight.max(1), ..self }
    }

    /// The orgs whose history is not (all) backfilled.
    pub async fn due(&self) -> Result<Vec<Due>, StoreError> {
        let repos = self.directory.repositories().await?;
        let lost = self.backfills.lost_window().await?;
        let mut out = Vec::new();
        for org in self.directory.orgs().await? {
            let installed: Vec<_> =
                repos.iter().filter(|r| r.org_id == org.id && !r.removed && r.installation_id.is_some()).collect();
            // The same test as the one that holds level-ups back until the first backfill.
            let Some(installation) = self.directory.active_installation(&org.login).await? else { continue };
            let names: HashSet<String> = installed.iter().map(|r| r.full_name.to_lowercase()).collect();
            let paged = self.backfills.paged_repositories(&org.login).await?;
            let asked = self.asked.lock().unwrap_or_else(|e| e.into_inner()).get(&org.login).cloned();
            let unpaged = names.iter().any(|n| !paged.contains(n) && !asked.as_ref().is_some_and(|a| a.contains(n)));
            let last = self.backfills.last_run(&org.login).await?;
            if let Some(due) = due::due(last.as_ref(), lost.as_ref(), unpaged) {
                let (since, keep_done) = (due.since, due.keep_done);
                out.push(Due { owner: org.login.clone(), installation, repos: names, since, keep_done });
            }
        }
        Ok(out)
    }

    async fn backfill(&self, due: &Due) {
        let reader = match self.github.history(due.installation) {
            Ok(reader) => reader,
            Err(why) => return tracing::warn!(org = due.owner, ?why, "cannot read history as the installation"),
        };
        let defaults = Settings::default();
        let settings =
            Settings { holder: format!("serve, {}", defaults.holder), in_flight: self.in_flight, ..defaults };
        let gate = Some(Gate { installation: due.installation, outbox: self.outbox.clone() });
        let run = Backfill { reader: &reader, store: self.backfills.clone(), progress: &Lines, settings, gate };
        let selection = Selection { owner: due.owner.clone(), repo: None, since: due.since };
        match run.run_only(&selection, Some(&due.repos), due.keep_done).await {
            Ok(summary) => {
                tracing::info!(org = due.owner, since = ?due.since, ?summary, "backfill of an installation is done");
                // Those that failed are asked for again at the next look.
                let failed: HashSet<String> = summary.failed.iter().map(|(name, _)| name.to_lowercase()).collect();
                let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
                asked.entry(due.owner.clone()).or_default().extend(due.repos.difference(&failed).cloned());
            }
            Err(why) => {
                tracing::warn!(org = due.owner, %why, "backfill of an installation stopped; it is tried again later")
            }
        }
    }

    /// Looks every [`Auto::every`] until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            match self.due().await {
                Ok(due) => {
                    for due in due {
                        tokio::select! {
                            () = self.backfill(&due) => {}
                            _ = shutdown.changed() => return,
                        }
                    }
                }
                Err(why) => tracing::warn!(%why, "cannot tell which installations need a backfill"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
