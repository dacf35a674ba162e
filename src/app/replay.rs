//! `ladder replay`: feeds payload files through the same queue and worker as live deliveries.
//!
//! Owns: finding payload files (a file, or a folder laid out as `<event>/<action>.json`), naming each
//! delivery after its content so that replaying twice adds nothing, and waiting until all are processed.
//!
//! Never does: process payloads itself; the worker does, exactly as for webhooks.

use std::path::{Path, PathBuf};

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::pipeline::worker::Worker;
use crate::store::queue::Inserted;
use crate::store::{Queue, StoreError};
use ladder_core::delivery::{NewDelivery, State};

/// One payload file and the event it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFile {
    pub path: PathBuf,
    pub event: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot tell the event of {0}: put it in a folder named after the event (for example pull_request/opened.json) or pass --event"
    )]
    NoEvent(PathBuf),
    #[error("{path} cannot be processed: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: ladder_core::delivery::BodyError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The delivery id of a replayed payload: derived from its event and bytes.
pub fn delivery_id(event: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(event.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    format!("replay-{}", &hex::encode(hasher.finalize())[..32])
}

/// The event a file is for: `event` when given, else the name of the folder it is in.
fn event_of(path: &Path, event: Option<&str>) -> Result<String, ReplayError> {
    if let Some(event) = event {
        return Ok(event.to_owned());
    }
    path.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .filter(|n| ladder_core::delivery::check_headers(Some(n), Some("x")).is_ok())
        .map(str::to_owned)
        .ok_or_else(|| ReplayError::NoEvent(path.to_owned()))
}

/// Every `.json` file under `paths` (files as given, folders recursively, in name order).
pub fn find_payloads(paths: &[PathBuf], event: Option<&str>) -> Result<Vec<PayloadFile>, ReplayError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.into_iter().map(|path| Ok(PayloadFile { event: event_of(&path, event)?, path })).collect()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReplayError> {
    let read_err = |source| ReplayError::Read { path: path.to_owned(), source };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(read_err)?;
        out.push(path.to_owned());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(read_err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read_err)?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry.extension().is_some_and(|e| e == "json") {
            out.push(entry);
        }
    }
    Ok(())
}

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub new: usize,
    pub done: usize,
    pub ignored: usize,
    pub failed: usize,
}

/// Stores each payload as a delivery and runs the worker until all of them are processed.
pub async fn replay(queue: &Queue, worker: &Worker, files: &[PayloadFile]) -> Result<Summary, ReplayError> {
    let now = Utc::now();
    let mut deliveries = Vec::with_capacity(files.len());
    for file in files {
        let body = std::fs::read(&file.path).map_err(|source| ReplayError::Read { path: file.path.clone(), source })?;
        // What the receiver would refuse is refused here too.
        ladder_core::delivery::check_body(&file.event, &body)
            .map_err(|source| ReplayError::Unreadable { path: file.path.clone(), source })?;
        deliveries.push(NewDelivery::new(&delivery_id(&file.event, &body), &file.event, &body, now));
    }
    let inserted = queue.insert_deliveries(&deliveries).await?;
    let ids: Vec<String> = deliveries.iter().map(|d| d.id.clone()).collect();
    loop {
        let states = queue.delivery_states(&ids).await?;
        if states.iter().all(|(_, s)| s.is_final()) {
            let count = |want: State| states.iter().filter(|(_, s)| *s == want).count();
            return Ok(Summary {
                files: files.len(),
                new: inserted.iter().filter(|i| **i == Inserted::New).count(),
                done: count(State::Done),
                ignored: count(State::Ignored),
                failed: count(State::Failed),
            });
        }
        if worker.run_once(Utc::now()).await? == 0 {
            // Another process holds the remaining claims, or a retry is not due yet.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_ids_depend_on_event_and_content_only() {
        let a = delivery_id("issues", b"{}");
        assert_eq!(a, delivery_id("issues", b"{}"));
        assert_ne!(a, delivery_id("issues", b"{ }"));
        assert_ne!(a, delivery_id("pull_request", b"{}"));
        assert!(a.starts_with("replay-") && a.len() == 39, "{a}");
        assert!(ladder_core::delivery::check_headers(Some("issues"), Some(&a)).is_ok());
    }

    #[test]
    fn the_event_comes_from_the_folder_or_the_flag() {
        let p = Path::new("fixtures/webhooks/pull_request/opened.json");
        assert_eq!(event_of(p, None).unwrap(), "pull_request");
        assert_eq!(event_of(p, Some("issues")).unwrap(), "issues");
        assert!(matches!(event_of(Path::new("opened.json"), None), Err(ReplayError::NoEvent(_))));
    }
}
