//! Resync: reads every installed org's configs, `CODEOWNERS` and `MAINTAINERS.yaml` again once a day,
//! so that a change the app missed (a push delivery GitHub gave up on, a change made while the app was
//! down) takes effect within a day.
//!
//! Owns: the daily schedule and planning the reads. A file read in the last day (when the App was
//! installed, or on a push) is not read again; the rest are keyed by the UTC day, so replicas and
//! restarts plan them once a day between them; each is then an ordinary outbox action.
//!
//! Never does: read anything itself (the dispatcher has [`crate::outbound::refresh`] do it).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::store::{Directory, Outbox, StoreError};
use ladder_core::plan::action::Planned;
use ladder_core::plan::sources;

/// How often to look whether today's reads are planned.
pub const CHECK_EVERY: Duration = Duration::from_secs(3600);

/// How long after start the first look waits: the deliveries that arrive at start (an installation,
/// redeliveries) read what they need themselves, and what they read is then fresh.
pub const FIRST_CHECK_AFTER: Duration = Duration::from_secs(300);

/// How long a read stays fresh: a file read more recently is not read again.
pub const FRESH_FOR: chrono::Duration = chrono::Duration::days(1);

/// Plans today's reads for every org with an active installation, but for files read in the last
/// [`FRESH_FOR`]. Returns how many were new.
pub async fn plan(directory: &Directory, outbox: &Outbox, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let tag = format!("sync-{}", now.format("%Y-%m-%d"));
    let repos = directory.repositories().await?;
    let mut planned = Vec::new();
    for org in directory.orgs().await? {
        let installed: Vec<_> =
            repos.iter().filter(|r| r.org_id == org.id && !r.removed && r.installation_id.is_some()).collect();
        let Some(installation) = installed.iter().find_map(|r| r.installation_id) else { continue };
        if directory.installation_state(installation).await?.as_deref() != Some("active") {
            continue;
        }
        let list: Vec<(i64, String)> = installed.iter().map(|r| (r.id, r.full_name.clone())).collect();
        let recent: Vec<Planned> =
            outbox.planned_since(org.id, "fetch", now - FRESH_FOR).await?.into_iter().map(|e| e.planned).collect();
        planned.extend(stale(sources::everything(org.id, &org.login, installation, &list, &tag), &recent));
    }
    Ok(outbox.enqueue(&planned, now).await?.len())
}

/// The reads in `reads` that read no file a `recent` action read.
fn stale(reads: Vec<Planned>, recent: &[Planned]) -> Vec<Planned> {
    let same = |a: &Planned, b: &Planned| a.repo.eq_ignore_ascii_case(&b.repo) && a.action == b.action;
    reads.into_iter().filter(|read| !recent.iter().any(|r| same(read, r))).collect()
}

/// Plans the daily reads until `shutdown` turns true.
pub async fn run(directory: Directory, outbox: Outbox, mut shutdown: watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(FIRST_CHECK_AFTER) => {}
        _ = shutdown.changed() => return,
    }
    loop {
        match plan(&directory, &outbox, Utc::now()).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_core::plan::action::Action;
    use ladder_core::plan::action::Source;

    #[test]
    fn files_read_lately_are_not_read_again() {
        let repos = [(7, "Org/One".to_owned()), (8, "Org/Two".to_owned())];
        let installed = sources::everything(1, "Org", 42, &repos, "delivery-1");
        // A push read one repository's CODEOWNERS (its login in another case).
        let mut pushed = sources::everything(1, "org", 42, &repos[..1], "delivery-2");
        pushed.retain(|p| p.action == Action::Fetch { source: Source::Codeowners });
        let all = ["codeowners:org/one", "codeowners:org/two", "org_config:org/.github", "repo_config:org/one"];
        let all = [&all[..], &["repo_config:org/two"]].concat();
        let cases: Vec<(&str, Vec<Planned>, Vec<&str>)> = vec![
            ("nothing read lately", vec![], all.clone()),
            ("everything read on install", installed, vec![]),
            (
                "one CODEOWNERS read on a push",
                pushed,
                all.iter().copied().filter(|k| *k != "codeowners:org/one").collect(),
            ),
        ];
        for (name, recent, expected) in cases {
            let daily = sources::everything(1, "Org", 42, &repos, "sync-2026-11-25");
            let planned: Vec<String> = stale(daily, &recent).into_iter().map(|p| p.key).collect();
            let expected: Vec<String> = expected.iter().map(|k| format!("fetch:sync-2026-11-25:{k}")).collect();
            assert_eq!(planned, expected, "{name}");
        }
    }
}
