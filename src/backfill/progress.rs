//! How a backfill shows its progress: a bar per repository on a terminal (items, requests, ETA),
//! plain log lines otherwise.
//!
//! Never does: decide anything; it is told what happened.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// Where progress goes.
pub trait Progress: Send + Sync {
    /// A repository's backfill begins; `items` is how many pull requests and issues GitHub counts.
    fn started(&self, repo: &str, items: u64);
    /// `items` more are recorded; `requests` sent so far in all.
    fn advanced(&self, repo: &str, items: u64, requests: u64);
    /// The repository is done, or failed with `error`.
    fn finished(&self, repo: &str, error: Option<&str>);
}

/// Log lines (tracing), for logs and pipes.
pub struct Lines;

impl Progress for Lines {
    fn started(&self, repo: &str, items: u64) {
        tracing::info!(repo, items, "backfill of a repository begins");
    }

    fn advanced(&self, repo: &str, items: u64, requests: u64) {
        tracing::info!(repo, items, requests, "backfill page recorded");
    }

    fn finished(&self, repo: &str, error: Option<&str>) {
        match error {
            None => tracing::info!(repo, "backfill of a repository is done"),
            Some(error) => tracing::warn!(repo, error, "backfill of a repository failed; it is retried later"),
        }
    }
}

/// A bar per repository on a terminal.
pub struct Bars {
    all: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars { all: MultiProgress::new(), bars: Mutex::new(HashMap::new()) }
    }

    fn bar(&self, repo: &str) -> Option<ProgressBar> {
        self.bars.lock().unwrap_or_else(|e| e.into_inner()).get(repo).cloned()
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

impl Progress for Bars {
    fn started(&self, repo: &str, items: u64) {
        let bar = self.all.add(ProgressBar::new(items.max(1)));
        let style = ProgressStyle::with_template("{prefix:30!} {wide_bar} {pos}/{len} items, {msg} (ETA {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(repo.to_owned());
        self.bars.lock().unwrap_or_else(|e| e.into_inner()).insert(repo.to_owned(), bar);
    }

    fn advanced(&self, repo: &str, items: u64, requests: u64) {
        if let Some(bar) = self.bar(repo) {
            bar.inc(items);
            bar.set_message(format!("{requests} requests"));
        }
    }

    fn finished(&self, repo: &str, error: Option<&str>) {
        if let Some(bar) = self.bar(repo) {
            match error {
                None => bar.finish_with_message("done"),
                Some(error) => bar.abandon_with_message(format!("failed: {error}")),
            }
        }
    }
}
