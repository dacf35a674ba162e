//! Supervision of the app's long-running tasks: the HTTP server, the intake writer, the worker, the
//! dispatcher and the housekeeping loops.
//!
//! Owns: running each task under a name, noticing when one ends (returns or panics) although nobody
//! asked it to stop, and saying so: the failure is logged, [`Health`] reports it (`/readyz` turns 503),
//! and [`Supervisor::failed`] resolves, so that `serve` stops and exits non-zero and an orchestrator
//! restarts the process. Nothing acknowledged is lost by that exit: deliveries are stored before their
//! 2xx, and a stopped worker's claims run out.
//!
//! Never does: the tasks' work, or restart them in process (a fresh process is the clean state).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A task that ended although nobody asked it to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub task: &'static str,
    pub reason: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {} stopped unexpectedly: {}", self.task, self.reason)
    }
}

/// Whether every supervised task still runs; cheap to clone, for `/readyz`.
#[derive(Debug, Clone)]
pub struct Health(watch::Receiver<Option<Failure>>);

impl Health {
    /// The first task that failed, if any.
    pub fn failure(&self) -> Option<Failure> {
        self.0.borrow().clone()
    }
}

/// Runs and watches the app's tasks.
pub struct Supervisor {
    shutdown: watch::Receiver<bool>,
    failed: Arc<watch::Sender<Option<Failure>>>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Supervisor {
    /// A supervisor for tasks that stop when `shutdown` turns true.
    pub fn new(shutdown: watch::Receiver<bool>) -> Supervisor {
        Supervisor { shutdown, failed: Arc::new(watch::channel(None).0), tasks: Vec::new() }
    }

    /// Runs `task` as `name`.
    pub fn spawn(&mut self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let (shutdown, failed) = (self.shutdown.clone(), Arc::clone(&self.failed));
        let watched = async move {
            let ended = AssertUnwindSafe(task).catch_unwind().await;
            if *shutdown.borrow() {
                return;
            }
            let reason = match ended {
                Ok(()) => "it ended without being asked to stop".to_owned(),
                Err(panic) => format!("it panicked: {}", panic_message(&*panic)),
            };
            let failure = Failure { task: name, reason };
            tracing::error!(task = name, reason = %failure.reason, "{failure}; stopping so that the process can be restarted");
            failed.send_if_modified(|first| first.is_none() && first.replace(failure).is_none());
        };
        self.tasks.push((name, tokio::spawn(watched)));
    }

    pub fn health(&self) -> Health {
        Health(self.failed.subscribe())
    }

    /// Resolves when a task fails, with the first failure.
    pub async fn failed(&self) -> Failure {
        let mut failed = self.failed.subscribe();
        if let Ok(failure) = failed.wait_for(Option::is_some).await
            && let Some(failure) = failure.clone()
        {
            return failure;
        }
        // The sender lives as long as `self`, so the wait above ends only with a failure.
        std::future::pending().await
    }

    /// Waits for every task to end (after shutdown was asked for).
    pub async fn join(self) {
        for (name, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(task = name, error = %e, "a task could not be joined");
            }
        }
    }
}

/// A panic's message.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_task_that_ends_or_panics_unasked_is_a_failure_and_the_first_one_counts() {
        let (stop, shutdown) = watch::channel(false);
        let mut supervisor = Supervisor::new(shutdown.clone());
        let health = supervisor.health();
        let mut waiting = shutdown.clone();
        supervisor.spawn("patient loop", async move {
            let _ = waiting.wait_for(|stop| *stop).await;
        });
        assert_eq!(health.failure(), None);
        supervisor.spawn("worker", async { panic!("boom") });
        let failure = tokio::time::timeout(Duration::from_secs(5), supervisor.failed()).await.unwrap();
        assert_eq!(failure, Failure { task: "worker", reason: "it panicked: boom".into() });
        assert_eq!(failure.to_string(), "the worker stopped unexpectedly: it panicked: boom");
        supervisor.spawn("dispatcher", async {});
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(health.failure().map(|f| f.task), Some("worker"), "the first failure is kept");
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), supervisor.join()).await.unwrap();
    }

    #[tokio::test]
    async fn tasks_that_end_on_shutdown_are_no_failure() {
        let (stop, shutdown) = watch::channel(false);
        let mut supervisor = Supervisor::new(shutdown.clone());
        let health = supervisor.health();
        let mut waiting = shutdown.clone();
        supervisor.spawn("loop", async move {
            let _ = waiting.wait_for(|stop| *stop).await;
        });
        stop.send(true).unwrap();
        supervisor.join().await;
        assert_eq!(health.failure(), None);
    }
}
