//! The worker: claims pending deliveries from the database, processes them, and retries failures.
//!
//! Owns: the processing loop. It claims a batch (with a lease, so a crashed worker's claims expire),
//! turns each delivery into signals, directory changes and command requests with the pure functions of
//! [`crate::signal`], [`crate::directory`] and [`crate::answer`], looks up what the replies need, and
//! stores everything (signals, changes, planned replies) together with the done marks in one
//! transaction. A failed attempt waits with exponential backoff; after the last allowed attempt the
//! delivery is parked as failed with its error, visible in the logs and metrics.
//!
//! Never does: decide what a payload means (the pure functions do) or write SQL (the store does).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use crate::action::{Action, Effect, Planned};
use crate::answer::{self, Context, Lookups, Person, Request};
use crate::delivery::{self, Claimed, State};
use crate::github::GitHub;
use crate::ladder::Facts;
use crate::ladder::Ladder;
use crate::metrics::{Metrics, Outcome};
use crate::permission::Standing;
use crate::readiness::{self, PrView};
use crate::roles::Role;
use crate::signal::{Kind, Org, Repo, Signal};
use crate::status::Report;
use crate::store::queue::Completion;
use crate::store::signals::Person as PersonRow;
use crate::store::{Store, StoreError};
use crate::{directory, event, signal};

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Deliveries claimed (and committed) together.
    pub batch: i64,
    /// How long a claim holds before another worker may take the delivery over.
    pub lease: Duration,
    /// Attempts before a delivery is parked as failed.
    pub max_attempts: i64,
    /// Wait before the second attempt; doubles with each further attempt.
    pub backoff: Duration,
    /// How often to look for work when nothing wakes the worker (deliveries stored by other replicas,
    /// retries coming due).
    pub poll: Duration,
    /// How long raw bodies are kept after processing (replies to opt-outs say when erasure completes).
    pub body_retention: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            batch: 64,
            lease: Duration::from_secs(60),
            max_attempts: 5,
            backoff: Duration::from_secs(2),
            poll: Duration::from_secs(1),
            body_retention: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Why one delivery could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("the body was pruned by the retention window before it was processed")]
    BodyPruned,
    #[error("the stored body cannot be decompressed: {0}")]
    Corrupt(#[from] std::io::Error),
    #[error(transparent)]
    Parse(#[from] event::ParseError),
    #[error("processing panicked (a bug; please report it with the delivery id): {0}")]
    Panicked(String),
}

/// What one delivery means: what to store, and the commands to answer (which need the store).
pub struct Processed {
    pub completion: Completion,
    pub requests: Vec<Request>,
    /// A pull request whose readiness comment and labels to decide.
    pub pr: Option<PrView>,
    /// A merged pull request, whose author may have moved up the ladder.
    pub merge: Option<PrView>,
}

/// Turns one claimed delivery into what it means. Pure apart from decompression.
pub fn process(claimed: &Claimed, ladder: &Ladder) -> Result<Processed, ProcessError> {
    let body = claimed.body.as_deref().ok_or(ProcessError::BodyPruned)?;
    let raw = delivery::decompress(body)?;
    let event = event::parse(&claimed.event, &raw)?;
    let completion = Completion {
        delivery_id: claimed.id.clone(),
        signals: signal::derive(&event, claimed.received_at),
        changes: directory::changes(&event),
        actions: Vec::new(),
        effects: Vec::new(),
    };
    let pr = readiness::pr_view(&event, ladder, &claimed.id);
    let merge = readiness::merge_view(&event, ladder, &claimed.id);
    Ok(Processed { completion, requests: answer::requests(&event, ladder), pr, merge })
}

/// [`process`], with a panic turned into an error so that the delivery is retried and then parked like
/// any other failure instead of taking the batch down with it.
fn process_guarded(claimed: &Claimed, ladder: &Ladder) -> Result<Processed, ProcessError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(claimed, ladder))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(ProcessError::Panicked(message))
    })
}

/// Planned replies, and the changes their commands make (with each reply's key).
type Answers = (Vec<Planned>, Vec<(String, Effect)>);

/// One worker; a process runs one, replicas each run their own.
pub struct Worker {
    store: Store,
    settings: WorkerSettings,
    ladder: Arc<Ladder>,
    /// Asked for commenters' repository permissions; `None` in dry-run.
    github: Option<Arc<GitHub>>,
    metrics: Arc<Metrics>,
    /// Identifies this worker's claims; unique per process.
    token: String,
}

impl Worker {
    pub fn new(
        store: Store,
        settings: WorkerSettings,
        ladder: Arc<Ladder>,
        github: Option<Arc<GitHub>>,
        metrics: Arc<Metrics>,
    ) -> Worker {
        let token = format!("{}-{:016x}", std::process::id(), random_u64());
        Worker { store, settings, ladder, github, metrics, token }
    }

    /// Processes deliveries until `shutdown` turns true, waking on `wake` or every `poll`.
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(token = %self.token, "worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.run_once(Utc::now()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "worker could not complete a batch; retrying"),
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("worker stopped");
    }

    /// Claims and processes one batch; returns how many deliveries it claimed.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let claimed = self.store.claim_deliveries(&self.token, now, self.settings.lease, self.settings.batch).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let n = claimed.len();
        let ladder = Arc::clone(&self.ladder);
        let results = tokio::task::spawn_blocking(move || {
            claimed
                .into_iter()
                .map(|c| {
                    let r = process_guarded(&c, &ladder);
                    (c, r)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("the processing task failed: {e}")))?;
        let mut completions = Vec::with_capacity(n);
        let mut merges = Vec::new();
        for (claimed, result) in results {
            match result {
                Ok(Processed { mut completion, requests, pr, merge }) => {
                    (completion.actions, completion.effects) = self.answer(&requests, now).await?;
                    if let Some(pr) = pr {
                        completion.actions.extend(self.readiness(&pr, now).await?);
                    }
                    if let Some(merge) = merge {
                        completion.actions.extend(self.level_up(&merge, &completion.signals, &mut merges, now).await?);
                    }
                    completions.push(completion);
                }
                Err(e) => self.record_failure(&claimed, &e.to_string(), now).await?,
            }
        }
        let started = std::time::Instant::now();
        let done = self.store.complete_deliveries(&self.token, now, &completions).await?;
        tracing::trace!(deliveries = done.len(), micros = started.elapsed().as_micros() as u64, "completed");
        self.metrics.delivery_processed(Outcome::Done, done.len() as u64);
        Ok(n)
    }

    /// Plans the replies to commands, looking up what they need. The lookups read committed data, so a
    /// status reflects the deliveries before this batch.
    async fn answer(&self, requests: &[Request], now: DateTime<Utc>) -> Result<Answers, StoreError> {
        let (mut planned, mut effects) = (Vec::new(), Vec::new());
        let retention_days = u32::try_from(self.settings.body_retention.as_secs() / 86_400).unwrap_or(u32::MAX);
        let ctx = Context { ladder: &self.ladder, retention_days, now };
        for request in requests {
            let known = self.look_up(request, now).await?;
            if let Some(answer) = answer::reply(&ctx, request, &known) {
                let reply = request.planned(answer.body);
                effects.extend(answer.effect.map(|e| (reply.key.clone(), e)));
                if let Some((title, body)) = answer.issue {
                    let action = Action::CreateIssue { title, body };
                    planned.push(Planned { key: format!("{}:issue", reply.key), action, ..reply.clone() });
                }
                planned.push(reply);
            }
        }
        Ok((planned, effects))
    }

    /// The readiness comment and labels for a pull request, from its author's enrolment and standing.
    async fn readiness(&self, pr: &PrView, now: DateTime<Utc>) -> Result<Vec<Planned>, StoreError> {
        let enrolled = self.store.enrolment(pr.org.id, &pr.author.login).await?.is_some_and(|e| e.is_active());
        let report = match self.person_in(&pr.org, &pr.author.login, now).await? {
            Person::Known(report) => Some(report),
            Person::OptedOut(_) => return Ok(Vec::new()),
            Person::Unknown(_) => None,
        };
        let hidden = self.hidden(&pr.org, &pr.repo).await?;
        Ok(readiness::plan(&self.ladder, pr, enrolled, report.as_deref(), &hidden))
    }

    /// The level-up comment, if the merge `pr` (not yet recorded) moves its author to a new level.
    /// `earlier` holds the merges of this batch already looked at: not recorded yet, but counted.
    async fn level_up(
        &self,
        pr: &PrView,
        signals: &[Signal],
        earlier: &mut Vec<Signal>,
        now: DateTime<Utc>,
    ) -> Result<Option<Planned>, StoreError> {
        let author = &pr.author;
        let enrolled = self.store.enrolment(pr.org.id, &author.login).await?.is_some_and(|e| e.is_active());
        if !readiness::comments_for(&self.ladder, enrolled) || self.store.opted_out(&author.login).await?.is_some() {
            return Ok(None);
        }
        let Some(merge) = signals.iter().find(|s| s.kind == Kind::PrMerged && s.actor.id == author.id) else {
            return Ok(None);
        };
        let seen = earlier.iter().any(|m| m.identity == merge.identity);
        if seen || self.store.signal_recorded(merge.kind, &merge.identity).await? {
            return Ok(None); // a redelivery: its merge already counted, and any level-up was planned then
        }
        let mut facts = self.store.facts_of(pr.org.id, author.id, &self.ladder).await?;
        for m in earlier.iter().filter(|m| m.actor.id == author.id && m.org.id == pr.org.id) {
            facts = facts.with_merged_pr(m, &self.ladder);
        }
        earlier.push(merge.clone());
        let grants = self.store.roles_of(&pr.org.login, &author.login, author.id).await?;
        let person = PersonRow { id: author.id, login: author.login.clone() };
        let report =
            |facts: &Facts| Report::new(pr.org.clone(), person.clone(), facts, &self.ladder, grants.clone(), now);
        let before = report(&facts).readiness.level;
        let after = report(&facts.with_merged_pr(merge, &self.ladder));
        Ok(readiness::level_up(&self.ladder, pr, before.as_deref(), &after))
    }

    /// Private repositories of the org other than `here`, whose evidence may not be shown there.
    async fn hidden(&self, org: &Org, here: &Repo) -> Result<BTreeSet<String>, StoreError> {
        let repos = self.store.repositories().await?.into_iter();
        Ok(repos.filter(|r| r.org_id == org.id && r.private && r.id != here.id).map(|r| r.full_name).collect())
    }

    /// What answering `request` needs to know.
    async fn look_up(&self, request: &Request, now: DateTime<Utc>) -> Result<Lookups, StoreError> {
        let needs = request.needs();
        let mut known = Lookups::default();
        if let Some(login) = needs.person_of {
            known.person = Some(self.person_in(&request.org, login, now).await?);
            known.hidden = self.hidden(&request.org, &request.repo).await?;
        }
        if needs.standing {
            known.standing = self.standing(request).await?;
            let who = &request.commenter;
            let grants = self.store.roles_of(&request.org.login, &who.login, who.id).await?;
            known.company = grants.into_iter().filter(|g| g.role == Role::Maintainer).find_map(|g| g.detail);
        }
        if needs.cohort {
            for enrolment in self.store.enrolled(request.org.id).await? {
                let report = match self.person_in(&request.org, &enrolment.login, now).await? {
                    Person::Known(report) => Some(*report),
                    Person::OptedOut(_) | Person::Unknown(_) => None,
                };
                known.cohort.push((enrolment, report));
            }
        }
        if let Some(login) = needs.enrolment_of {
            known.enrolment = self.store.enrolment(request.org.id, login).await?;
            known.named_id = self.store.people_by_login(login).await?.first().map(|p| p.id);
        }
        Ok(known)
    }

    /// The commenter's standing where they wrote: admin by the ladder, maintainer by `CODEOWNERS`, and
    /// their permission on the repository from GitHub (when it can be asked; if asking fails, the
    /// first two decide, and the log says why).
    async fn standing(&self, request: &Request) -> Result<Standing, StoreError> {
        let who = &request.commenter;
        let admin = self.ladder.admins.iter().any(|a| a.trim_start_matches('@').eq_ignore_ascii_case(&who.login));
        let repo_name = request.repo.full_name.rsplit('/').next().unwrap_or_default();
        let grants = self.store.roles_of(&request.org.login, &who.login, who.id).await?;
        let codeowner = grants.iter().any(|g| {
            g.repo.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(repo_name))
                && matches!(g.role, Role::Maintainer | Role::Champion)
        });
        let permission = match (&self.github, request.installation_id) {
            (Some(github), Some(installation)) if !admin && !codeowner => {
                match github.permission(installation, &request.repo.full_name, &who.login).await {
                    Ok(permission) => Some(permission),
                    Err(why) => {
                        tracing::warn!(repo = %request.repo.full_name, login = %who.login, ?why, "could not read a repository permission");
                        None
                    }
                }
            }
            _ => None,
        };
        Ok(Standing { admin, codeowner, permission })
    }

    /// What the store knows about `login` in `org`.
    async fn person_in(&self, org: &Org, login: &str, now: DateTime<Utc>) -> Result<Person, StoreError> {
        if let Some((_, login)) = self.store.opted_out(login).await? {
            return Ok(Person::OptedOut(login));
        }
        for person in self.store.people_by_login(login).await? {
            if self.store.has_signals(org.id, person.id).await? {
                let facts = self.store.facts_of(org.id, person.id, &self.ladder).await?;
                let grants = self.store.roles_of(&org.login, &person.login, person.id).await?;
                let report = Report::new(org.clone(), person, &facts, &self.ladder, grants, now);
                return Ok(Person::Known(Box::new(report)));
            }
        }
        Ok(Person::Unknown(login.to_owned()))
    }

    async fn record_failure(&self, claimed: &Claimed, error: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let retry_in = delivery::backoff(self.settings.backoff, claimed.attempts);
        let state = self
            .store
            .fail_delivery(&self.token, &claimed.id, error, now, retry_in, self.settings.max_attempts)
            .await?;
        match state {
            Some(State::Failed) => {
                tracing::error!(delivery = %claimed.id, event = %claimed.event, attempts = claimed.attempts, error, "delivery parked as failed");
                self.metrics.delivery_processed(Outcome::Failed, 1);
            }
            Some(_) => {
                tracing::warn!(delivery = %claimed.id, event = %claimed.event, attempts = claimed.attempts, error, retry_in_secs = retry_in.as_secs(), "delivery attempt failed; will retry");
                self.metrics.delivery_processed(Outcome::Retry, 1);
            }
            None => {}
        }
        Ok(())
    }
}

/// A random number for claim tokens, from the standard library's randomly keyed hasher.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.finish()
}
