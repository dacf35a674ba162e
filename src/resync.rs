//! Resync: reads every installed org's configs, `CODEOWNERS` and `MAINTAINERS.yaml` again once a day,
//! so that a change the app missed (a push delivery GitHub gave up on, a change made while the app was
//! down) takes effect within a day.
//!
//! Owns: the daily schedule and planning the reads. They are keyed by the UTC day, so replicas and
//! restarts plan them once a day between them; each is then an ordinary outbox action.
//!
//! Never does: read anything itself (the dispatcher has [`crate::refresh`] do it).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::sources;
use crate::store::{Store, StoreError};

/// How often to look whether today's reads are planned.
pub const CHECK_EVERY: Duration = Duration::from_secs(3600);

/// Plans today's reads for every org with an active installation. Returns how many were new.
pub async fn plan(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let tag = format!("sync-{}", now.format("%Y-%m-%d"));
    let repos = store.repositories().await?;
    let mut planned = Vec::new();
    for org in store.orgs().await? {
        let installed: Vec<_> =
            repos.iter().filter(|r| r.org_id == org.id && !r.removed && r.installation_id.is_some()).collect();
        let Some(installation) = installed.iter().find_map(|r| r.installation_id) else { continue };
        if store.installation_state(installation).await?.as_deref() != Some("active") {
            continue;
        }
        let list: Vec<(i64, String)> = installed.iter().map(|r| (r.id, r.full_name.clone())).collect();
        planned.extend(sources::everything(org.id, &org.login, installation, &list, &tag));
    }
    Ok(store.enqueue(&planned, now).await?.len())
}

/// Plans the daily reads until `shutdown` turns true.
pub async fn run(store: Store, mut shutdown: watch::Receiver<bool>) {
    loop {
        match plan(&store, Utc::now()).await {
            Ok(0) => {}
            Ok(reads) => tracing::info!(reads, "the daily re-read of configs and CODEOWNERS is planned"),
            Err(e) => tracing::warn!(error = %e, "could not plan the daily re-read of configs; will try again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}
