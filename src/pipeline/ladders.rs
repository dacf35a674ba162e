//! Ladders in force: which ladder applies to an org, and to a repository of it.
//!
//! Owns: the order of precedence (a local file given with `LADDER_CONFIG`, for trials and tests, over
//! each org's last good config read from GitHub, over the built-in ladder; then a repository's
//! override; then `LADDER_BOTS`), and a cache of parsed configs that re-reads a config only when its
//! revision changes. A [`Book`] is a snapshot taken once per worker batch.
//!
//! Never does: read GitHub ([`crate::outbound::refresh`] does) or decide whether a config is valid
//! ([`ladder_core::ladder::config`] does; the store only holds configs that were).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::{Configs, StoreError};
use ladder_core::credit::Bots;
use ladder_core::ladder::Ladder;
use ladder_core::ladder::config::{self, RepoOverride};

/// What the command line chose: a local ladder and a bots list, each overriding what orgs configure.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub local: Option<Ladder>,
    pub bots: Option<Bots>,
}

impl Choice {
    /// A ladder with the local bots list applied.
    fn finish(&self, mut ladder: Ladder) -> Arc<Ladder> {
        if let Some(bots) = &self.bots {
            ladder.bots = bots.clone();
        }
        Arc::new(ladder)
    }

    /// The ladder for orgs without a config of their own.
    pub fn base(&self) -> Arc<Ladder> {
        self.finish(self.local.clone().unwrap_or_else(Ladder::builtin))
    }
}

/// A config as last parsed, with the revision it came from.
enum Parsed {
    /// With the local bots list applied.
    Org(Arc<Ladder>),
    Repo(RepoOverride),
    /// Saved as valid but refused now (rules changed with an upgrade): the built-in ladder applies.
    Refused,
}

/// The configs of every org, cached; one per process.
pub struct Ladders {
    /// Where the configs read from GitHub are.
    configs: Configs,
    choice: Choice,
    base: Arc<Ladder>,
    parsed: Mutex<HashMap<(i64, String), (String, Arc<Parsed>)>>,
}

/// The ladders in force at one moment.
#[derive(Clone)]
pub struct Book {
    base: Arc<Ladder>,
    orgs: HashMap<i64, Arc<Ladder>>,
    repos: HashMap<(i64, String), Arc<Ladder>>,
}

impl Book {
    /// One ladder for every org and repository (replays, tests, and `LADDER_CONFIG`).
    pub fn fixed(ladder: Arc<Ladder>) -> Book {
        Book { base: ladder, orgs: HashMap::new(), repos: HashMap::new() }
    }

    /// The org's ladder.
    pub fn org(&self, org_id: i64) -> Arc<Ladder> {
        Arc::clone(self.orgs.get(&org_id).unwrap_or(&self.base))
    }

    /// The ladder in repository `repo` (`owner/name`) of the org: the org's, with the repository's
    /// override applied.
    pub fn repo(&self, org_id: i64, repo: &str) -> Arc<Ladder> {
        match self.repos.get(&(org_id, repo.to_lowercase())) {
            Some(ladder) => Arc::clone(ladder),
            None => self.org(org_id),
        }
    }
}

impl Ladders {
    pub fn new(choice: Choice, configs: Configs) -> Ladders {
        let base = choice.base();
        Ladders { configs, choice, base, parsed: Mutex::new(HashMap::new()) }
    }

    /// The ladders in force now, from the configs the store holds. Texts are read and parsed only
    /// for revisions not seen before.
    pub async fn book(&self) -> Result<Book, StoreError> {
        let saved = self.configs.config_revisions().await?;
        let mut fresh = Vec::new();
        for s in &saved {
            let known = self.cached(s.org_id, &s.repo).is_some_and(|(revision, _)| revision == s.revision);
            if !known && let Some((text, revision)) = self.configs.config_text(s.org_id, &s.repo).await? {
                fresh.push(((s.org_id, s.repo.clone()), revision, text));
            }
        }
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        for ((org_id, repo), revision, text) in fresh {
            let value = parse(org_id, &repo, &text, &self.choice);
            parsed.insert((org_id, repo), (revision, Arc::new(value)));
        }
        parsed.retain(|key, _| saved.iter().any(|s| (s.org_id, s.repo.as_str()) == (key.0, key.1.as_str())));
        Ok(self.assemble(&parsed))
    }

    fn cached(&self, org_id: i64, repo: &str) -> Option<(String, Arc<Parsed>)> {
        let parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        parsed.get(&(org_id, repo.to_owned())).map(|(r, p)| (r.clone(), Arc::clone(p)))
    }

    fn assemble(&self, parsed: &HashMap<(i64, String), (String, Arc<Parsed>)>) -> Book {
        let mut book = Book::fixed(Arc::clone(&self.base));
        if self.choice.local.is_none() {
            for ((org_id, _), (_, value)) in parsed.iter().filter(|((_, repo), _)| repo.is_empty()) {
                if let Parsed::Org(ladder) = value.as_ref() {
                    book.orgs.insert(*org_id, Arc::clone(ladder));
                }
            }
        }
        for ((org_id, repo), (_, value)) in parsed.iter().filter(|((_, repo), _)| !repo.is_empty()) {
            if let Parsed::Repo(changes) = value.as_ref() {
                let ladder = book.org(*org_id).with_override(changes);
                book.repos.insert((*org_id, repo.clone()), Arc::new(ladder));
            }
        }
        book
    }
}

fn parse(org_id: i64, repo: &str, text: &str, choice: &Choice) -> Parsed {
    let file =
        if repo.is_empty() { format!("org {org_id}: .github/amp.yml") } else { format!("{repo}: .github/amp.yml") };
    let parsed = if repo.is_empty() {
        config::parse(&file, text).map(|ladder| Parsed::Org(choice.finish(ladder)))
    } else {
        config::parse_override(&file, text).map(Parsed::Repo)
    };
    parsed.unwrap_or_else(|errors| {
        tracing::error!(%file, %errors, "a saved config is no longer valid; the built-in ladder applies until it is fixed");
        Parsed::Refused
    })
}
