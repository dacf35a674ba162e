//! Intake: stores verified deliveries durably, many per transaction (group commit).
//!
//! Owns: one task that drains a queue of deliveries waiting to be stored, writes whatever has gathered
//! in one transaction, and only then answers each waiting request. With SQLite at `synchronous=FULL`
//! this turns thousands of fsyncs a second into a few hundred without acknowledging anything early.
//! Requests that arrive while the queue is full wait for room: being busy is never a reason to drop.
//! It also counts the deliveries waiting to be stored and answered ([`Intake::waiting`]), so that
//! processing can give way to acknowledging during a burst.
//!
//! Never does: verify, parse or process deliveries.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc, oneshot};

use crate::store::queue::{Inserted, MAX_INSERT_BATCH};
use crate::store::{Queue, StoreError};
use ladder_core::delivery::NewDelivery;

/// How many deliveries may wait for the writer before submitters wait too.
const QUEUE_CAPACITY: usize = 4096;

struct Job {
    delivery: NewDelivery,
    reply: oneshot::Sender<Result<Inserted, Arc<StoreError>>>,
}

/// A handle to submit deliveries. Cheap to clone; the writer stops when every handle is dropped.
#[derive(Clone)]
pub struct Intake {
    jobs: mpsc::Sender<Job>,
    waiting: Arc<AtomicUsize>,
}

/// Counts one submission as waiting while it lives (an abandoned request included).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, Ordering::Relaxed);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why a delivery could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the database did not store the delivery: {0}")]
    Store(Arc<StoreError>),
    #[error("the server is shutting down")]
    ShuttingDown,
}

impl Intake {
    /// A handle and the writer to run (it ends once every handle is dropped). `stored` is notified
    /// after each commit, to wake the worker.
    pub fn new(queue: Queue, stored: Arc<Notify>) -> (Intake, impl Future<Output = ()> + Send + 'static) {
        let (jobs, rx) = mpsc::channel(QUEUE_CAPACITY);
        (Intake { jobs, waiting: Arc::new(AtomicUsize::new(0)) }, run(rx, queue, stored))
    }

    /// How many deliveries are waiting to be stored and answered, now.
    pub fn waiting(&self) -> impl Fn() -> usize + Send + Sync + 'static {
        let waiting = Arc::clone(&self.waiting);
        move || waiting.load(Ordering::Relaxed)
    }

    /// Stores one delivery; returns once it is committed.
    pub async fn submit(&self, delivery: NewDelivery) -> Result<Inserted, IntakeError> {
        let _waiting = Waiting::new(&self.waiting);
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { delivery, reply }).await.map_err(|_| IntakeError::ShuttingDown)?;
        match answer.await {
            Ok(result) => result.map_err(IntakeError::Store),
            Err(_) => Err(IntakeError::ShuttingDown),
        }
    }
}

async fn run(mut rx: mpsc::Receiver<Job>, queue: Queue, stored: Arc<Notify>) {
    let mut batch = Vec::with_capacity(MAX_INSERT_BATCH);
    while rx.recv_many(&mut batch, MAX_INSERT_BATCH).await > 0 {
        let (deliveries, replies): (Vec<_>, Vec<_>) = batch.drain(..).map(|j| (j.delivery, j.reply)).unzip();
        let started = std::time::Instant::now();
        match queue.insert_deliveries(&deliveries).await {
            Ok(results) => {
                tracing::trace!(
                    deliveries = deliveries.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "committed"
                );
                for (reply, inserted) in replies.into_iter().zip(results) {
                    let _ = reply.send(Ok(inserted));
                }
                stored.notify_one();
            }
            Err(e) => {
                tracing::error!(error = %e, deliveries = deliveries.len(), "could not store deliveries; answering 503");
                let e = Arc::new(e);
                for reply in replies {
                    let _ = reply.send(Err(Arc::clone(&e)));
                }
            }
        }
    }
}
