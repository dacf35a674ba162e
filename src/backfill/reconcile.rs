//! Reconcile: deliveries GitHub could not deliver (the app was down, or answered an error) are fetched
//! from GitHub and stored under their own GUID, as if they had arrived.
//!
//! A run pages `GET /app/hook/deliveries` (newest first) back past its last position (less an
//! overlap), asks the store which GUIDs it holds, and for each missed one (see
//! [`ladder_core::reconcile::missing`]) fetches the delivery (`request.payload` is its body) and stores
//! it through the queue the receiver uses, checked as the receiver checks it; when the payload cannot
//! be had, it asks GitHub to deliver it again (while fewer than three attempts are listed for it); a
//! payload that does not read as its event is not asked for again, since the receiver would refuse it. A last look older than GitHub keeps deliveries (the
//! app was down, or reconcile off, for longer) leaves a gap: those facts can only come back through a backfill, so the gap is recorded for `serve`'s
//! background backfills, which backfill every org from its start once more.
//!
//! Never does: process deliveries (the worker does), or decide which are missing (the core does).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::github::{GitHub, Verdict};
use crate::store::{Backfills, Queue, StoreError};
use ladder_core::delivery::{NewDelivery, check_body};
use ladder_core::reconcile::{self, Listed};

/// The longest wait after start before the first run.
pub const FIRST_AFTER: Duration = Duration::from_secs(60);

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("GitHub did not list the App's deliveries ({0:?}); check the App's credentials")]
    List(Verdict),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Attempts GitHub listed.
    pub listed: usize,
    /// Missed deliveries stored from their payload.
    pub ingested: usize,
    /// Missed deliveries GitHub was asked to send again.
    pub redelivered: usize,
    /// Missed deliveries neither could recover (listed in the log).
    pub lost: usize,
    /// The start of a window older than GitHub keeps, when there is one.
    pub gap: Option<DateTime<Utc>>,
}

/// What fetching a missed delivery gave.
enum Fetched {
    Stored,
    /// GitHub gave no payload: it may deliver it again.
    NotGiven,
    /// A payload that does not read as its event: the receiver would refuse it again.
    Unreadable,
}

/// Reconciles as the App: stores missed deliveries through `queue`, records gaps in `backfills`.
pub struct Reconcile {
    pub github: Arc<GitHub>,
    pub queue: Queue,
    pub backfills: Backfills,
}

impl Reconcile {
    /// One run.
    pub async fn once(&self, now: DateTime<Utc>) -> Result<Outcome, ReconcileError> {
        let position = self.queue.reconcile_position().await?;
        let listed = self.list(position.map(|p| p.until)).await?;
        // Only a run that read GitHub's list can say what was lost since the last one did.
        let mut outcome = Outcome { gap: reconcile::gap(position.map(|p| p.looked_at), now), ..Outcome::default() };
        if let Some(since) = outcome.gap {
            self.backfills.lost(since, now).await?;
        }
        outcome.listed = listed.len();
        let guids: Vec<String> = listed.iter().map(|l| l.guid.clone()).collect();
        let stored: HashSet<String> = self.queue.delivery_states(&guids).await?.into_iter().map(|(id, _)| id).collect();
        for missed in reconcile::missing(&listed, &stored) {
            let newest = missed.newest;
            match self.ingest(newest, now).await? {
                Fetched::Stored => outcome.ingested += 1,
                Fetched::Unreadable => outcome.lost += 1,
                Fetched::NotGiven if !missed.may_redeliver() => {
                    tracing::warn!(
                        guid = newest.guid,
                        attempts = missed.attempts,
                        "a missed delivery failed every attempt; it is not asked for again"
                    );
                    outcome.lost += 1;
                }
                Fetched::NotGiven => match self.github.redeliver(newest.id).await {
                    Ok(()) => outcome.redelivered += 1,
                    Err(why) => {
                        tracing::warn!(
                            guid = newest.guid,
                            ?why,
                            "a missed delivery could be neither fetched nor redelivered"
                        );
                        outcome.lost += 1;
                    }
                },
            }
        }
        self.queue.reconciled(listed.iter().map(|l| l.delivered_at).max(), now).await?;
        Ok(outcome)
    }

    async fn list(&self, position: Option<DateTime<Utc>>) -> Result<Vec<Listed>, ReconcileError> {
        let (mut all, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let (page, next) = self.github.hook_deliveries(cursor.as_deref()).await.map_err(ReconcileError::List)?;
            let enough = reconcile::far_enough(&page, position);
            all.extend(page);
            match next {
                Some(next) if !enough => cursor = Some(next),
                _ => return Ok(all),
            }
        }
    }

    /// Stores a missed delivery from its payload, when GitHub gives one that reads as its event.
    async fn ingest(&self, missed: &Listed, now: DateTime<Utc>) -> Result<Fetched, StoreError> {
        let delivery = match self.github.hook_delivery(missed.id).await {
            Ok(delivery) => delivery,
            Err(why) => {
                tracing::warn!(guid = missed.guid, ?why, "cannot fetch a missed delivery");
                return Ok(Fetched::NotGiven);
            }
        };
        let payload = &delivery["request"]["payload"];
        if payload.is_null() {
            return Ok(Fetched::NotGiven);
        }
        let body = payload.to_string().into_bytes();
        if let Err(why) = check_body(&missed.event, &body) {
            // The receiver would refuse it again: asking GitHub to send it would not help.
            tracing::warn!(guid = missed.guid, event = missed.event, %why, "a missed delivery does not read as its event");
            return Ok(Fetched::Unreadable);
        }
        self.queue.insert_deliveries(&[NewDelivery::new(&missed.guid, &missed.event, &body, now)]).await?;
        tracing::info!(guid = missed.guid, event = missed.event, "a missed delivery is stored");
        Ok(Fetched::Stored)
    }

    /// Runs every `every` (the first a minute after start at most, when the deliveries that arrive at
    /// start have landed) until `shutdown` turns true.
    pub async fn run(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        tokio::select! {
            () = tokio::time::sleep(every.min(FIRST_AFTER)) => {}
            _ = shutdown.changed() => return,
        }
        loop {
            match self.once(Utc::now()).await {
                Ok(outcome) if outcome.gap.is_some() => tracing::warn!(
                    ?outcome,
                    "deliveries older than GitHub keeps may be missing; every org is backfilled from the gap's start"
                ),
                Ok(outcome) => tracing::debug!(?outcome, "reconciled deliveries"),
                Err(why) => tracing::warn!(%why, "reconciling deliveries failed; trying again later"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
