//! `ladder serve`: wires the store, intake, worker, housekeeping and HTTP server together and runs
//! them until SIGTERM or SIGINT.
//!
//! Owns: start-up order (migrate before listening), the retention sweep, the daily config resync (when
//! sending), and shutdown order (stop
//! accepting, drain requests, let the intake commit what it holds, stop the worker).
//!
//! Never does: any of the work itself.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::config::{ServeSettings, Verification};
use crate::dispatch::{Dispatcher, Mode};
use crate::github::GitHub;
use crate::intake::Intake;
use crate::ladders::Ladders;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError, redact_url};
use crate::web::{self, Limits, Ops};
use crate::webhook::Receiver;
use crate::worker::Worker;
use crate::{resync, server};

/// How often SQLite's write-ahead log is copied into the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(500);
/// How often delivery bodies past the retention window are dropped.
const RETENTION_SWEEP: Duration = Duration::from_secs(3600);

/// Why the app could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {address}: {source}; set HOST and PORT to a free address")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    GitHub(#[from] crate::github::ClientError),
}

/// Sending to GitHub with the App's credentials, or dry-run without them.
fn mode(settings: &ServeSettings) -> Result<Mode, ServeError> {
    Ok(match &settings.credentials {
        Some(credentials) => Mode::Send(Arc::new(GitHub::new(&settings.github_api_url, credentials)?)),
        None => Mode::DryRun,
    })
}

/// The app, running: HTTP server, intake, worker and retention sweep.
pub struct Running {
    address: std::net::SocketAddr,
    store: Store,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    intake: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
}

/// Connects to the database, migrates it, and starts serving on `listener`.
pub async fn start(settings: &ServeSettings, listener: TcpListener) -> Result<Running, ServeError> {
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let address = listener.local_addr().map_err(|source| ServeError::Bind { address: settings.listen, source })?;

    let metrics = Arc::new(Metrics::new());
    let stored = Arc::new(Notify::new());
    let (shutdown, stop) = watch::channel(false);
    let (intake_handle, intake) = Intake::spawn(store.clone(), Arc::clone(&stored));
    let ladders = Arc::new(Ladders::new(settings.ladders.clone()));
    let mode = mode(settings)?;
    let github = match &mode {
        Mode::Send(github) => Some(Arc::clone(github)),
        Mode::DryRun => None,
    };
    let worker =
        Worker::new(store.clone(), settings.worker.clone(), Arc::clone(&ladders), github, Arc::clone(&metrics));
    let sending = matches!(mode, Mode::Send(_));
    let pace = (settings.worker.poll, settings.write_spacing);
    let dispatcher = Dispatcher::new(store.clone(), mode, ladders, Arc::clone(&metrics), pace);
    let mut background = vec![
        tokio::spawn(worker.run(stored, stop.clone())),
        tokio::spawn(dispatcher.run(stop.clone())),
        tokio::spawn(sweep_bodies(store.clone(), settings.body_retention, stop.clone())),
        tokio::spawn(checkpoint(store.clone(), stop.clone())),
    ];
    if sending {
        // Without credentials nothing can be read, and dry-run entries every day would be noise.
        background.push(tokio::spawn(resync::run(store.clone(), stop.clone())));
    }
    let receiver =
        Receiver { verification: settings.verification.clone(), intake: intake_handle, metrics: Arc::clone(&metrics) };
    let limits =
        Limits { max_concurrent_requests: settings.max_concurrent_requests, body_timeout: settings.body_timeout };
    let app = web::router(receiver, Ops { store: store.clone(), metrics }, limits);
    let server = tokio::spawn(server::serve(listener, app, settings.header_timeout, stop));
    tracing::info!(%address, path = web::WEBHOOK_PATH, "listening for GitHub deliveries");
    Ok(Running { address, store, shutdown, server, intake, background })
}

impl Running {
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops accepting, lets requests in flight finish, lets the intake commit what it holds, then
    /// stops the worker and closes the database.
    pub async fn stop(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        // The server drops the router, and with it the last intake handle, once connections drain; the
        // intake then commits what it holds and ends.
        self.server.await?;
        self.intake.await?;
        for task in self.background {
            task.await?;
        }
        self.store.close().await;
        Ok(())
    }
}

/// Runs the app until SIGTERM or SIGINT.
pub async fn run(settings: ServeSettings) -> Result<(), ServeError> {
    announce(&settings);
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|source| ServeError::Bind { address: settings.listen, source })?;
    let running = start(&settings, listener).await?;
    wait_for_signal().await;
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    running.stop().await?;
    tracing::info!("stopped");
    Ok(())
}

fn announce(settings: &ServeSettings) {
    tracing::info!(database = %redact_url(&settings.database_url), "starting ladder {}", env!("CARGO_PKG_VERSION"));
    match &settings.verification {
        Verification::Secrets(secrets) => {
            tracing::info!(secrets = secrets.len(), "webhook signatures are verified")
        }
        Verification::Disabled => tracing::warn!(
            "INSECURE: --insecure-no-verify is set; unsigned deliveries are accepted and anyone who can reach \
             this port can forge events. Never run like this where GitHub can reach it."
        ),
    }
    match &settings.credentials {
        Some(c) => {
            tracing::info!(app_id = c.app_id, api = %settings.github_api_url, "GitHub App credentials loaded")
        }
        None => tracing::info!("dry-run: APP_ID and PRIVATE_KEY are not set, so nothing will be sent to GitHub"),
    }
}

async fn sweep_bodies(store: Store, retention: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        let cutoff = Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
        match store.prune_bodies(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(bodies = n, "dropped delivery bodies past the retention window"),
            Err(e) => tracing::warn!(error = %e, "retention sweep failed; will try again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RETENTION_SWEEP) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Keeps SQLite's write-ahead log short (see [`Store::checkpoint`]).
async fn checkpoint(store: Store, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECKPOINT_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
        if let Err(e) = store.checkpoint().await {
            tracing::warn!(error = %e, "checkpoint failed; will try again");
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
