//! `ladder serve`: wires the store, intake, worker, housekeeping and HTTP server together and runs
//! them until SIGTERM or SIGINT.
//!
//! Owns: start-up order (migrate before listening), the retention sweep, the daily config resync (when
//! sending), supervision of every task (one that ends unexpectedly stops the process with an error), and
//! shutdown order (stop accepting, drain requests, let the intake commit what it holds, stop the rest).
//!
//! Never does: any of the work itself.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::app::settings::ServeSettings;
use crate::github::{AppClient, GitHub};
use crate::inbound::intake::Intake;
use crate::inbound::server;
use crate::inbound::webhook::signature::Verification;
use crate::inbound::webhook::signature::Verifier;
use crate::inbound::webhook::{Load, Receiver};
use crate::metrics::Metrics;
use crate::outbound::dispatch::Dispatcher;
use crate::outbound::refresh::Keep;
use crate::outbound::resync;
use crate::pipeline::growth::Grower;
use crate::pipeline::ladders::Ladders;
use crate::pipeline::worker::Worker;
use crate::store::{Store, StoreError, redact_url};
use crate::supervise::{Failure, Supervisor};
use crate::web::admin::Admin;
use crate::web::setup::Setup;
use crate::web::site::Site;
use crate::web::{self, Ops};

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
    #[error("{0}; the process exits so that it can be restarted (nothing acknowledged is lost)")]
    Failed(Failure),
    #[error(transparent)]
    GitHub(#[from] crate::github::ClientError),
    #[error("the system gives no randomness for the setup link; check /dev/urandom")]
    NoRandomness,
}

/// The App's client from its credentials, or none (dry-run, or setup mode until the App is registered).
fn client(settings: &ServeSettings) -> Result<AppClient, ServeError> {
    Ok(AppClient::new(match &settings.credentials {
        Some(credentials) => Some(Arc::new(GitHub::new(&settings.github_api_url, credentials)?)),
        None => None,
    }))
}

/// Runs `task` once the App has a client: at once with credentials, after setup in setup mode, never
/// in dry-run (without credentials nothing can be read, and dry-run entries would be noise).
async fn with_client<F, Fut>(client: AppClient, mut stop: watch::Receiver<bool>, task: F)
where
    F: FnOnce(Arc<GitHub>) -> Fut,
    Fut: Future<Output = ()>,
{
    tokio::select! {
        github = client.ready() => task(github).await,
        _ = stop.changed() => {}
    }
}

/// The app, running: HTTP server, intake, worker, dispatcher and housekeeping, each supervised.
pub struct Running {
    address: std::net::SocketAddr,
    store: Store,
    /// Setup mode's one-time link, if the app started in it.
    setup_link: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: Supervisor,
}

/// Connects to the database, migrates it, and starts serving on `listener`.
pub async fn start(settings: &ServeSettings, listener: TcpListener) -> Result<Running, ServeError> {
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let address = listener.local_addr().map_err(|source| ServeError::Bind { address: settings.listen, source })?;

    let metrics = Arc::new(Metrics::new());
    let stored = Arc::new(Notify::new());
    let (shutdown, stop) = watch::channel(false);
    let mut tasks = Supervisor::new(stop.clone());
    let (intake_handle, intake) = Intake::new(store.queue(), Arc::clone(&stored));
    tasks.spawn("intake writer", intake);
    let ladders = Arc::new(Ladders::new(settings.ladders.clone(), store.configs()));
    let growth_ladders = Arc::clone(&ladders);
    let client = client(settings)?;
    let planned = Arc::new(Notify::new());
    let worker =
        Worker::new(&store, settings.worker.clone(), Arc::clone(&ladders), client.clone(), Arc::clone(&metrics))
            .waking(Arc::clone(&planned))
            .giving_way_to(intake_handle.waiting());
    let pace = (settings.worker.poll, settings.write_spacing);
    let dispatcher = Dispatcher::new(Keep::new(&store), client.clone(), ladders, Arc::clone(&metrics), pace);
    tasks.spawn("worker", worker.run(stored, stop.clone()));
    tasks.spawn("dispatcher", dispatcher.run(planned, stop.clone()));
    tasks.spawn("retention sweep", sweep_bodies(store.clone(), settings.body_retention, stop.clone()));
    tasks.spawn("checkpoint", checkpoint(store.clone(), stop.clone()));
    let (directory, outbox, stopping) = (store.directory(), store.outbox(), stop.clone());
    tasks.spawn(
        "config resync",
        with_client(client.clone(), stop.clone(), move |_| resync::run(directory, outbox, stopping)),
    );
    if let Some(every) = settings.reconcile_every {
        let (queue, backfills, stopping) = (store.queue(), store.backfills(), stop.clone());
        let reconcile =
            move |github| crate::backfill::reconcile::Reconcile { github, queue, backfills }.run(every, stopping);
        tasks.spawn("reconcile", with_client(client.clone(), stop.clone(), reconcile));
    }
    let (auto_store, every, in_flight, stopping) =
        (store.clone(), settings.backfill_every, settings.backfill_in_flight, stop.clone());
    let auto = move |github| {
        crate::backfill::auto::Auto::new(&auto_store, github, every).with_in_flight(in_flight).run(stopping)
    };
    tasks.spawn("backfill", with_client(client.clone(), stop.clone(), auto));
    let load = Load::new(settings.body_memory, settings.max_concurrent_requests, settings.body_timeout);
    let verifier = Verifier::new(settings.verification.clone());
    let setup = match settings.verification {
        Verification::NotSetUp => {
            let setup = Setup::new(settings.setup.clone(), &settings.github_api_url, verifier.clone(), client.clone())
                .ok_or(ServeError::NoRandomness)?;
            tracing::warn!("setup: open {}", setup.link());
            Some(Arc::new(setup))
        }
        _ => None,
    };
    let receiver =
        Receiver { verification: verifier, intake: intake_handle, metrics: Arc::clone(&metrics), load: load.clone() };
    let ops = Ops { store: store.clone(), metrics, load, health: tasks.health() };
    let grower = Arc::new(Grower::new(&store, Arc::clone(&growth_ladders), settings.growth_lag));
    tasks.spawn("growth snapshots", Arc::clone(&grower).run(settings.growth_every, stop.clone()));
    let admin = Arc::new(Admin::new(settings.admin_token.as_ref(), store.sessions()));
    let site = Site { store: store.clone(), grower, ladders: growth_ladders, admin };
    let app = web::router(receiver, ops, site, setup.clone());
    tasks.spawn("HTTP server", server::serve(listener, app, settings.header_timeout, stop));
    tracing::info!(%address, path = web::WEBHOOK_PATH, "listening for GitHub deliveries");
    let setup_link = setup.as_ref().map(|s| s.link());
    Ok(Running { address, store, setup_link, shutdown, tasks })
}

impl Running {
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Setup mode's one-time link (what the log prints), if the app started in setup mode.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    /// Runs `task` as `name` under the same supervision as the app's own tasks: if it ends before the
    /// app is stopped, the app is no longer ready and [`Running::failed`] resolves.
    pub fn supervise(&mut self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(name, task);
    }

    /// Resolves when one of the app's tasks ends unexpectedly.
    pub async fn failed(&self) -> Failure {
        self.tasks.failed().await
    }

    /// Stops accepting, lets requests in flight finish, lets the intake commit what it holds, stops
    /// the worker, dispatcher and housekeeping, and closes the database.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        // The server drops the router, and with it the last intake handle, once connections drain; the
        // intake then commits what it holds and ends. The other tasks end at their next step.
        self.tasks.join().await;
        self.store.close().await;
    }
}

/// Runs the app until SIGTERM or SIGINT, or until one of its tasks ends unexpectedly: then it stops as
/// cleanly as it can and says which, so that the process exits non-zero and is restarted.
pub async fn run(settings: ServeSettings) -> Result<(), ServeError> {
    announce(&settings);
    raise_open_file_limit();
    survive_full_disks();
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|source| ServeError::Bind { address: settings.listen, source })?;
    let running = start(&settings, listener).await?;
    let failure = tokio::select! {
        () = wait_for_signal() => None,
        failure = running.failed() => Some(failure),
    };
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    running.stop().await;
    match failure {
        None => {
            tracing::info!("stopped");
            Ok(())
        }
        Some(failure) => Err(ServeError::Failed(failure)),
    }
}

fn announce(settings: &ServeSettings) {
    tracing::info!(database = %redact_url(&settings.database_url), "starting ladder {}", env!("CARGO_PKG_VERSION"));
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    match &settings.verification {
        Verification::Secrets(secrets) => {
            tracing::info!(secrets = secrets.len(), "webhook signatures are verified")
        }
        Verification::Disabled => tracing::warn!(
            "INSECURE: --insecure-no-verify is set; unsigned deliveries are accepted and anyone who can reach \
             this port can forge events. Never run like this where GitHub can reach it."
        ),
        Verification::NotSetUp => tracing::warn!(
            "setup mode: neither WEBHOOK_SECRET nor APP_ID is set; webhooks are refused (503) until the GitHub \
             App is registered through the setup link below"
        ),
    }
    match &settings.credentials {
        Some(c) => {
            tracing::info!(app_id = c.app_id, api = %settings.github_api_url, "GitHub App credentials loaded")
        }
        None => tracing::info!("dry-run: APP_ID and PRIVATE_KEY are not set, so nothing will be sent to GitHub"),
    }
}

/// Raises the soft limit on open files to the hard limit, so that a thousand connections (each a file)
/// fit; the soft limit is often 1,024.
fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
        let raised = unsafe {
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && {
                let before = limit.rlim_cur;
                limit.rlim_cur = limit.rlim_max;
                before == limit.rlim_max || libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0
            }
        };
        match raised {
            true => tracing::debug!(open_files = limit.rlim_cur, "open-file limit"),
            false => tracing::warn!(
                error = %std::io::Error::last_os_error(),
                "could not raise the open-file limit; connections past it wait to be accepted"
            ),
        }
    }
}

/// A file that may not grow (a quota, a full disk) makes writes fail, and the delivery is answered 503,
/// instead of the kernel's SIGXFSZ ending the process.
fn survive_full_disks() {
    #[cfg(unix)]
    // SAFETY: ignoring a signal installs no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

async fn sweep_bodies(store: Store, retention: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        let cutoff = Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
        match store.queue().prune_bodies(cutoff).await {
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
