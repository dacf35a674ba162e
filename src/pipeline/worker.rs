//! The worker: claims pending deliveries from the database, processes them, and retries failures.
//!
//! Owns: the processing loop. It claims a batch (with a short lease that a heartbeat renews while it
//! works, so a crashed worker's claims expire in seconds and a live one's never do), turns each delivery
//! into signals, directory changes, open-work sightings, command requests and pull requests to look at with the pure
//! functions of [`ladder_core::signal`], [`ladder_core::directory`], [`ladder_core::open_work::sighting`], [`ladder_core::commands::answer`], [`ladder_core::plan::readiness`] and
//! [`ladder_core::plan::sources`] under the ladder in force in the delivery's org and repository (a [`Book`] read
//! once per batch), has the [`Planner`] plan the actions, and stores everything (signals, changes,
//! actions, command effects) together with the done marks in one transaction. One bad delivery never
//! holds the others: a failure or a panic while parsing or planning is that delivery's failed attempt,
//! and a batch that cannot be stored is stored one delivery at a time. A failed attempt waits with
//! exponential backoff; after the last allowed attempt the delivery is parked as failed with its error,
//! visible in the logs and metrics, and no claim takes a delivery past its attempt limit. While
//! deliveries wait to be acknowledged, the worker gives way before each batch ([`give_way`], at most
//! [`GIVE_WAY`]), and on SQLite stores a batch [`GIVING_WAY_CHUNK`] completions per transaction, so
//! that acknowledging never waits long for the one writer: during a burst the machine answers GitHub first,
//! and processes what it stored (durably, so nothing is lost by waiting) as soon as the burst allows.
//!
//! Never does: decide what a payload means (the pure functions do) or write SQL (the store does).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use crate::github::AppClient;
use crate::metrics::{Metrics, Outcome};
use crate::pipeline::heartbeat;
use crate::pipeline::ladders::{Book, Ladders};
pub use crate::pipeline::planner::Batch;
use crate::pipeline::planner::Planner;
use crate::pipeline::reads::{Live, Reads};
use crate::store::queue::Completion;
use crate::store::{Queue, Store, StoreError};
use crate::supervise::panic_message;
use ladder_core::commands::answer::{self, Request};
use ladder_core::delivery::{self, Claimed, State};
use ladder_core::ladder::Ladder;
use ladder_core::open_work::sighting;
use ladder_core::plan::action::Planned;
use ladder_core::plan::readiness::{self, PrView};
use ladder_core::plan::sources;
use ladder_core::{directory, event, signal};

/// The longest the worker waits for intake between two batches: during a burst that never ends,
/// processing still goes on.
pub const GIVE_WAY: Duration = Duration::from_millis(250);

/// How many completions the worker stores per transaction on SQLite while deliveries wait to be
/// acknowledged: under a burst a batch's 64 in one transaction held the writer 12–17 ms, 8 hold it
/// about 5 ms.
pub const GIVING_WAY_CHUNK: usize = 8;

/// How many deliveries wait to be acknowledged (see [`crate::inbound::intake::Intake::waiting`]).
pub type Waiting = Arc<dyn Fn() -> usize + Send + Sync>;

/// Waits while deliveries wait to be acknowledged, at most `most`.
pub async fn give_way(waiting: &(dyn Fn() -> usize + Send + Sync), most: Duration) {
    const LOOK_EVERY: Duration = Duration::from_millis(5);
    let until = tokio::time::Instant::now() + most;
    while waiting() > 0 && tokio::time::Instant::now() < until {
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Deliveries claimed (and committed) together.
    pub batch: i64,
    /// How long a claim holds without being renewed before another worker may take the delivery over;
    /// the worker renews its claims every third of it while it works.
    pub lease: Duration,
    /// Attempts before a delivery is parked as failed.
    pub max_attempts: i64,
    /// Wait before the second attempt; doubles with each further attempt.
    pub backoff: Duration,
    /// How often to look for work when nothing wakes the worker (deliveries stored by other replicas,
    /// retries coming due).
    pub poll: Duration,
    /// How long raw bodies are kept after processing (replies to opt-outs say when erasure completes).
    pub body_retention: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            batch: 64,
            lease: Duration::from_secs(10),
            max_attempts: 5,
            backoff: Duration::from_secs(2),
            poll: Duration::from_secs(1),
            body_retention: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Why one delivery could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("the body was pruned by the retention window before it was processed")]
    BodyPruned,
    #[error("the stored body cannot be decompressed: {0}")]
    Corrupt(#[from] std::io::Error),
    #[error(transparent)]
    Parse(#[from] event::ParseError),
    #[error("processing panicked (a bug; please report it with the delivery id): {0}")]
    Panicked(String),
}

/// What one delivery means: what to store, and the commands to answer (which need the store).
pub struct Processed {
    pub completion: Completion,
    pub requests: Vec<Request>,
    /// A pull request whose readiness comment and labels to decide.
    pub pr: Option<PrView>,
    /// A merged pull request, whose author may have moved up the ladder.
    pub merge: Option<PrView>,
    /// The ladder in force where the delivery happened.
    pub ladder: Arc<Ladder>,
}

/// Turns one claimed delivery into what it means. Pure apart from decompression.
pub fn process(claimed: &Claimed, book: &Book) -> Result<Processed, ProcessError> {
    let body = claimed.body.as_deref().ok_or(ProcessError::BodyPruned)?;
    let raw = delivery::decompress(body)?;
    let event = event::parse(&claimed.event, &raw)?;
    let ladder = match &event.envelope().repository {
        Some(repo) => book.repo(repo.owner.id, &repo.full_name),
        None => book.org(event.envelope().installation.as_ref().and_then(|i| i.account.as_ref()).map_or(0, |a| a.id)),
    };
    let completion = Completion {
        delivery_id: claimed.id.clone(),
        signals: signal::derive(&event, claimed.received_at),
        changes: directory::changes(&event),
        open_work: sighting::changes(&event),
        actions: [sources::fetches(&event, &claimed.id, &ladder), sources::checks(&event)].concat(),
        effects: Vec::new(),
        reads: Vec::new(),
    };
    let pr = readiness::pr_view(&event, &ladder, &claimed.id);
    let merge = readiness::merge_view(&event, &ladder, &claimed.id);
    Ok(Processed { completion, requests: answer::requests(&event, &ladder), pr, merge, ladder })
}

/// [`process`], with a panic turned into an error so that the delivery is retried and then parked like
/// any other failure instead of taking the batch down with it.
fn process_guarded(claimed: &Claimed, book: &Book) -> Result<Processed, ProcessError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(claimed, book)))
        .unwrap_or_else(|panic| Err(ProcessError::Panicked(panic_message(&*panic))))
}

/// What turns a processed delivery into everything to store: the [`Planner`] (lookups, then the pure
/// deciders). A trait so that the worker's handling of a planner that fails or panics can be tried.
pub trait Plan: Send + Sync {
    /// The completion to store for `processed`; `batch` carries what earlier deliveries of the same
    /// batch showed.
    fn plan(
        &self,
        processed: Processed,
        batch: &mut Batch,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<Completion, StoreError>> + Send;
}

impl<R: Reads> Plan for Planner<R> {
    async fn plan(
        &self,
        processed: Processed,
        batch: &mut Batch,
        now: DateTime<Utc>,
    ) -> Result<Completion, StoreError> {
        let Processed { mut completion, requests, pr, merge, ladder } = processed;
        let answers = self.answer(requests, &ladder, batch, now).await?;
        completion.actions.extend(answers.replies);
        completion.effects = answers.effects;
        completion.reads = answers.reads;
        if let Some(pr) = pr {
            completion.actions.extend(self.readiness(&pr, &ladder, now).await?);
        }
        if let Some(merge) = merge {
            if let Some(paths) = self.paths(&merge, &ladder, now).await? {
                signal::add_paths(&mut completion.signals, &paths);
            }
            let level_up = self.level_up(&merge, &completion.signals, batch, &ladder, now).await?;
            completion.actions.extend(level_up);
        }
        completion.actions = completion.actions.into_iter().map(Planned::fitted).collect();
        batch.read(&completion.reads);
        Ok(completion)
    }
}

/// One worker; a process runs one, replicas each run their own.
pub struct Worker<P = Planner<Live>> {
    queue: Queue,
    settings: WorkerSettings,
    ladders: Arc<Ladders>,
    planner: P,
    metrics: Arc<Metrics>,
    /// Notified when a batch stored actions, to wake this process's dispatcher.
    planned: Arc<Notify>,
    /// Identifies this worker's claims; unique per process.
    token: String,
    /// Deliveries waiting to be acknowledged in this process, to give way to.
    waiting: Waiting,
}

impl Worker {
    /// A worker planning with the store's and GitHub's answers ([`Live`]).
    pub fn new(
        store: &Store,
        settings: WorkerSettings,
        ladders: Arc<Ladders>,
        github: AppClient,
        metrics: Arc<Metrics>,
    ) -> Worker {
        let retention_days = u32::try_from(settings.body_retention.as_secs() / 86_400).unwrap_or(u32::MAX);
        let planner = Planner::new(Live::new(store, github), retention_days);
        Worker::with_planner(store.queue(), settings, ladders, planner, metrics)
    }
}

impl<P: Plan> Worker<P> {
    /// A worker planning with `planner`.
    pub fn with_planner(
        queue: Queue,
        settings: WorkerSettings,
        ladders: Arc<Ladders>,
        planner: P,
        metrics: Arc<Metrics>,
    ) -> Worker<P> {
        let token = format!("{}-{:016x}", std::process::id(), random_u64());
        let (planned, waiting): (_, Waiting) = (Arc::new(Notify::new()), Arc::new(|| 0));
        Worker { queue, settings, ladders, planner, metrics, planned, token, waiting }
    }

    /// The same worker, giving way before each batch while `waiting` says deliveries wait to be
    /// acknowledged.
    pub fn giving_way_to(self, waiting: impl Fn() -> usize + Send + Sync + 'static) -> Worker<P> {
        Worker { waiting: Arc::new(waiting), ..self }
    }

    /// The same worker, notifying `planned` whenever it stores actions (the dispatcher waits on it,
    /// so a reply goes out at once rather than at the dispatcher's next look).
    pub fn waking(self, planned: Arc<Notify>) -> Worker<P> {
        Worker { planned, ..self }
    }

    /// Processes deliveries until `shutdown` turns true, waking on `wake` or every `poll`.
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(token = %self.token, "worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            give_way(&*self.waiting, GIVE_WAY).await;
            match self.run_once(Utc::now()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "worker could not complete a batch; retrying"),
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("worker stopped");
    }

    /// Claims and processes one batch; returns how many deliveries it claimed. While it works, its
    /// claims are kept alive (see [`Worker::heartbeat`]), however long that takes.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let (lease, limit) = (self.settings.lease, self.settings.max_attempts);
        let parked = self.queue.park_exhausted(now, limit).await?;
        if parked > 0 {
            tracing::error!(deliveries = parked, "deliveries whose last attempt never ended parked as failed");
            self.metrics.delivery_processed(Outcome::Failed, parked);
        }
        let claimed = self.queue.claim_deliveries(&self.token, now, lease, self.settings.batch, limit).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = claimed.iter().map(|c| c.id.clone()).collect();
        tokio::select! {
            done = self.work(claimed, now) => done.map(|()| ids.len()),
            never = self.heartbeat(&ids) => match never {},
        }
    }

    /// Keeps this worker's claims on `ids` from running out while it works.
    async fn heartbeat(&self, ids: &[String]) -> std::convert::Infallible {
        let lease = self.settings.lease;
        heartbeat::renew_forever(lease, "worker", || self.queue.extend_claims(&self.token, ids, Utc::now(), lease))
            .await
    }

    /// Processes claimed deliveries and stores what they produced. A delivery that fails (to parse, to
    /// plan, to store) is that delivery's failed attempt; the others go on.
    async fn work(&self, claimed: Vec<Claimed>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let book = self.ladders.book().await?;
        let results = tokio::task::spawn_blocking(move || {
            claimed.into_iter().map(|c| (process_guarded(&c, &book), c)).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("the processing task failed: {e}")))?;
        let mut completions = Vec::with_capacity(results.len());
        let mut batch = Batch::default();
        for (result, claimed) in results {
            let planned = match result {
                Ok(processed) => self.plan_guarded(processed, &mut batch, now).await,
                Err(e) => Err(e.to_string()),
            };
            match planned {
                Ok(completion) => completions.push((completion, claimed)),
                Err(why) => self.record_failure(&claimed, &why, now).await?,
            }
        }
        self.complete(completions, now).await
    }

    /// Plans one delivery; a store error or a panic is its failed attempt.
    async fn plan_guarded(
        &self,
        processed: Processed,
        batch: &mut Batch,
        now: DateTime<Utc>,
    ) -> Result<Completion, String> {
        use futures_util::FutureExt;
        match std::panic::AssertUnwindSafe(self.planner.plan(processed, batch, now)).catch_unwind().await {
            Ok(Ok(completion)) => Ok(completion),
            Ok(Err(e)) => Err(format!("planning failed: {e}")),
            Err(panic) => Err(format!(
                "planning panicked (a bug; please report it with the delivery id): {}",
                panic_message(&*panic)
            )),
        }
    }

    /// Stores the completions: all in one transaction, or, while deliveries wait to be acknowledged
    /// on the same one writer (SQLite), [`GIVING_WAY_CHUNK`] at a time, so that it is never held long.
    /// PostgreSQL's writers run side by side: there smaller transactions would only cost time.
    async fn complete(&self, mut rest: Vec<(Completion, Claimed)>, now: DateTime<Utc>) -> Result<(), StoreError> {
        while !rest.is_empty() {
            let intake_waits = (self.waiting)() > 0 && self.queue.one_writer();
            let take = if intake_waits { GIVING_WAY_CHUNK.min(rest.len()) } else { rest.len() };
            let later = rest.split_off(take);
            self.complete_together(rest, now).await?;
            rest = later;
        }
        Ok(())
    }

    /// Stores the completions in one transaction; if that fails, each alone, so that only a delivery
    /// whose own completion cannot be stored counts a failed attempt.
    async fn complete_together(
        &self,
        completions: Vec<(Completion, Claimed)>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let (all, claimed): (Vec<Completion>, Vec<Claimed>) = completions.into_iter().unzip();
        let wake = || {
            if all.iter().any(|c| !c.actions.is_empty()) {
                self.planned.notify_one();
            }
        };
        match self.queue.complete_deliveries(&self.token, now, &all).await {
            Ok(done) => {
                tracing::trace!(deliveries = done.len(), micros = started.elapsed().as_micros() as u64, "completed");
                self.metrics.delivery_processed(Outcome::Done, done.len() as u64);
                wake();
                return Ok(());
            }
            Err(e) if all.len() > 1 => {
                tracing::warn!(error = %e, deliveries = all.len(), "a batch could not be stored; storing its deliveries one by one");
            }
            Err(e) => return self.record_failure(&claimed[0], &format!("storing failed: {e}"), now).await,
        }
        for (completion, claimed) in all.iter().zip(&claimed) {
            match self.queue.complete_deliveries(&self.token, now, std::slice::from_ref(completion)).await {
                Ok(done) => self.metrics.delivery_processed(Outcome::Done, done.len() as u64),
                Err(e) => self.record_failure(claimed, &format!("storing failed: {e}"), now).await?,
            }
        }
        wake();
        Ok(())
    }

    async fn record_failure(&self, claimed: &Claimed, error: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let retry_in = delivery::backoff(self.settings.backoff, claimed.attempts);
        let state = self
            .queue
            .fail_delivery(&self.token, &claimed.id, error, now, retry_in, self.settings.max_attempts)
            .await?;
        match state {
            Some(State::Failed) => {
                tracing::error!(delivery = %claimed.id, event = %claimed.event, attempts = claimed.attempts, error, "delivery parked as failed");
                self.metrics.delivery_processed(Outcome::Failed, 1);
            }
            Some(_) => {
                tracing::warn!(delivery = %claimed.id, event = %claimed.event, attempts = claimed.attempts, error, retry_in_secs = retry_in.as_secs(), "delivery attempt failed; will retry");
                self.metrics.delivery_processed(Outcome::Retry, 1);
            }
            None => {}
        }
        Ok(())
    }
}

/// A random number for claim tokens, from the standard library's randomly keyed hasher.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::time::Instant;

    async fn waited(waiting: Arc<AtomicUsize>) -> Duration {
        let started = Instant::now();
        super::give_way(&move || waiting.load(Ordering::Relaxed), super::GIVE_WAY).await;
        started.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn the_worker_gives_way_to_waiting_deliveries_for_a_while_only() {
        let most = super::GIVE_WAY;
        assert_eq!(waited(Arc::new(AtomicUsize::new(0))).await, Duration::ZERO, "nothing waits: no wait");
        let always = waited(Arc::new(AtomicUsize::new(3))).await;
        assert!(always >= most && always < most + Duration::from_millis(10), "a burst that never ends: {always:?}");
        let waiting = Arc::new(AtomicUsize::new(1));
        let answered = Arc::clone(&waiting);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            answered.store(0, Ordering::Relaxed);
        });
        let some = waited(waiting).await;
        assert!(some >= Duration::from_millis(40) && some < Duration::from_millis(50), "until answered: {some:?}");
    }
}
