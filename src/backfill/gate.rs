//! Backfill's turn at an installation's budgets: live actions go first, and holds are shared with the
//! dispatcher.
//!
//! Owns: [`Gate`]. Before each request, a run reading as an installation waits while that
//! installation's budget the request spends is held (GitHub asked to wait; recorded by this run, the
//! dispatcher or another replica), and while the installation's live actions are going out (claimed by
//! a dispatcher, or just come due). After GitHub rate-limits a request, it records the hold in the
//! store, per installation and resource, so every replica's dispatcher and backfill see it: a GraphQL
//! limit holds only `graphql`, and live replies (`core`) go on.
//!
//! A run with a personal access token has no installation and no gate: its budget is the token's.
//!
//! Never does: send requests or decide what a response means.

use std::time::Duration;

use chrono::Utc;

use crate::store::{Outbox, StoreError};
use ladder_core::rate::Resource;

/// How often a waiting run looks again whether live actions are still going out.
const LOOK_AGAIN: Duration = Duration::from_millis(250);

/// How long after an action comes due a waiting run assumes a dispatcher will take it: a dispatcher
/// looks at least every second; none running (a backfill from the command line, the server stopped)
/// must not stop backfill for longer.
const DUE_GRACE: Duration = Duration::from_secs(5);

/// One installation's budgets, as backfill sees them.
#[derive(Debug, Clone)]
pub struct Gate {
    pub installation: i64,
    pub outbox: Outbox,
}

impl Gate {
    /// Waits until a request spending `resource` may go: no hold on it, and no live action going out.
    pub async fn wait_turn(&self, resource: Resource) -> Result<(), StoreError> {
        loop {
            let now = Utc::now();
            if let Some(until) = self.outbox.held_until(self.installation, resource, now).await? {
                let wait = (until - now).to_std().unwrap_or_default();
                tracing::info!(installation = self.installation, %resource, seconds = wait.as_secs(),
                    "the installation's budget is held; backfill waits");
                tokio::time::sleep(wait).await;
                continue;
            }
            if !self.outbox.live_busy(self.installation, now, DUE_GRACE).await? {
                return Ok(());
            }
            tokio::time::sleep(LOOK_AGAIN).await;
        }
    }

    /// Records that GitHub rate-limited a request spending `resource` for `wait`.
    pub async fn hold(&self, resource: Resource, wait: Duration, what: &str) -> Result<(), StoreError> {
        let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        let reason = format!("GitHub rate-limited backfill's {what}");
        self.outbox.hold(self.installation, resource, until, &reason).await
    }
}
