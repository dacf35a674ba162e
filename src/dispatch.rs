//! The dispatcher: carries out the outbox's actions.
//!
//! Owns: the loop that claims pending actions (with a lease, so a crashed replica's claims expire) and
//! records how each ended. In dry-run, which is how the app runs without App credentials, an action
//! is logged and marked `dry_run`, and `ladder outbox` shows it; nothing reaches GitHub.
//!
//! Never does: decide or render actions (processing did), or touch deliveries.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crate::action::Action;
use crate::store::outbox::{Entry, Outcome};
use crate::store::{Store, StoreError};

/// Actions claimed at once.
const BATCH: i64 = 32;
/// How long a claim holds before another replica may take the action over.
const LEASE: Duration = Duration::from_secs(60);

/// Sends (or, in dry-run, logs) planned actions.
pub struct Dispatcher {
    store: Store,
    poll: Duration,
    token: String,
}

impl Dispatcher {
    pub fn new(store: Store, poll: Duration) -> Dispatcher {
        let token = format!("dispatch-{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0));
        Dispatcher { store, poll, token }
    }

    /// Dispatches until `shutdown` turns true, looking for work every `poll`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "dispatcher could not read the outbox; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims and dispatches one batch; returns how many actions it claimed.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let claimed = self.store.claim_actions(&self.token, Utc::now(), LEASE, BATCH).await?;
        for entry in &claimed {
            log_dry_run(entry);
            self.store.finish_action(entry.seq, &self.token, Outcome::DryRun, None, Utc::now()).await?;
        }
        Ok(claimed.len())
    }
}

fn log_dry_run(entry: &Entry) {
    let p = &entry.planned;
    match &p.action {
        Action::Comment { body } => tracing::info!(
            repo = %p.repo, issue = p.issue, key = %p.key, body = %body,
            "dry-run: would comment (see `ladder outbox`)"
        ),
    }
}
