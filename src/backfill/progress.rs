//! How a backfill shows its progress: a bar per repository on a terminal (items, requests, ETA),
//! plain log lines otherwise.
//!
//! Never does: decide anything; it is told what happened.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// What one committed page added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advance {
    /// Pull requests and issues on the page (what [`Progress::started`] counted).
    pub subjects: u64,
    /// Records read: those, and their reviews, comments and timeline events.
    pub items: u64,
    /// Requests sent so far in all.
    pub requests: u64,
}

/// Where progress goes.
pub trait Progress: Send + Sync {
    /// A repository's backfill begins; `subjects` is how many pull requests and issues GitHub counts.
    fn started(&self, repo: &str, subjects: u64);
    /// A page is recorded.
    fn advanced(&self, repo: &str, page: Advance);
    /// The repository is done, or failed with `error`.
    fn finished(&self, repo: &str, error: Option<&str>);
}

/// Log lines (tracing), for logs and pipes.
pub struct Lines;

impl Progress for Lines {
    fn started(&self, repo: &str, subjects: u64) {
        tracing::info!(repo, pull_requests_and_issues = subjects, "backfill of a repository begins");
    }

    fn advanced(&self, repo: &str, page: Advance) {
        let Advance { subjects, items, requests } = page;
        tracing::info!(repo, pull_requests_and_issues = subjects, items, requests, "backfill page recorded");
    }

    fn finished(&self, repo: &str, error: Option<&str>) {
        match error {
            None => tracing::info!(repo, "backfill of a repository is done"),
            Some(error) => tracing::warn!(repo, error, "backfill of a repository failed; it is retried later"),
        }
    }
}

/// A bar per repository on a terminal: its pull requests and issues against GitHub's count, with the
/// records read and the requests sent.
pub struct Bars {
    all: MultiProgress,
    /// Each repository's bar and the records read in it.
    bars: Mutex<HashMap<String, (ProgressBar, u64)>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars { all: MultiProgress::new(), bars: Mutex::new(HashMap::new()) }
    }

    fn bar(&self, repo: &str) -> Option<ProgressBar> {
        self.bars.lock().unwrap_or_else(|e| e.into_inner()).get(repo).map(|(bar, _)| bar.clone())
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

impl Progress for Bars {
    fn started(&self, repo: &str, subjects: u64) {
        let bar = self.all.add(ProgressBar::new(subjects.max(1)));
        let template = "{prefix:30!} {wide_bar} {pos}/{len} PRs and issues, {msg} (ETA {eta})";
        let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(repo.to_owned());
        self.bars.lock().unwrap_or_else(|e| e.into_inner()).insert(repo.to_owned(), (bar, 0));
    }

    fn advanced(&self, repo: &str, page: Advance) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((bar, items)) = bars.get_mut(repo) {
            *items += page.items;
            // An item updated during the run comes round again: the count can pass GitHub's.
            bar.set_length(bar.length().unwrap_or(0).max(bar.position() + page.subjects));
            bar.inc(page.subjects);
            bar.set_message(format!("{items} records, {} requests", page.requests));
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
