//! The dispatcher: carries out the outbox's actions.
//!
//! Owns: the loop that claims pending actions (with a lease that a heartbeat renews while it works, so
//! a crashed replica's claims expire and a live one's never do; each claim is checked again just
//! before its action is sent), sends each through [`crate::github`], and records how it ended. A rate
//! limit holds the installation's REST budget (`core`, which every action spends) for as long as GitHub
//! asks: the action goes back (not counted as an attempt), and no action of that installation is sent,
//! by this replica or another, until the hold ends. A hold on another budget (backfill's `graphql`)
//! never stops actions. Writes are
//! spaced out by a [`Pacer`]. A server error or timeout is tried again with backoff, up to
//! [`MAX_ATTEMPTS`]; anything else fails the action with GitHub's reason. In dry-run,
//! which is how the app runs without App credentials, an action is logged and marked `dry_run`, and
//! `ladder outbox` shows it; nothing reaches GitHub. Reading a config, and checking one pushed to a
//! branch, are actions too, carried out by [`crate::outbound::refresh`].
//!
//! Never does: decide or render actions (processing did), or touch deliveries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use crate::github::{AppClient, GitHub, Verdict};
use crate::metrics::Metrics;
use crate::outbound::pace::Pacer;
use crate::outbound::refresh;
use crate::outbound::refresh::Keep;
use crate::pipeline::heartbeat;
use crate::pipeline::ladders::Ladders;
use crate::store::StoreError;
use crate::store::outbox::{Entry, Outcome};
use ladder_core::plan::action::{Action, tag};
use ladder_core::rate::Resource;
use ladder_core::text::render::guard;

/// Attempts at an action that keeps failing with server errors before it is given up.
pub const MAX_ATTEMPTS: i64 = 5;

/// How an attempt at one action ended.
enum Attempt {
    Done(Outcome, Option<String>),
    /// Put the action back until `at`; a rate limit does not count as an attempt.
    Retry {
        at: DateTime<Utc>,
        counts: bool,
        why: String,
    },
    /// GitHub rate-limited the installation: hold it this long.
    RateLimited(Duration),
}

/// Actions claimed at once.
const BATCH: i64 = 32;
/// How long a claim holds before another replica may take the action over.
const LEASE: Duration = Duration::from_secs(60);

/// Sends (or, in dry-run, logs) planned actions.
pub struct Dispatcher {
    /// The outbox it claims from, and where configs and roles read from GitHub go.
    keep: Keep,
    /// Where actions go: to GitHub as the App, or (without one) to the log.
    client: AppClient,
    /// The org's bots list applies to roles read from `CODEOWNERS`.
    ladders: Arc<Ladders>,
    metrics: Arc<Metrics>,
    poll: Duration,
    pacer: Pacer,
    token: String,
}

impl Dispatcher {
    /// A dispatcher that looks for work every `poll` and leaves `write_spacing` after each write.
    pub fn new(
        keep: Keep,
        client: AppClient,
        ladders: Arc<Ladders>,
        metrics: Arc<Metrics>,
        (poll, write_spacing): (Duration, Duration),
    ) -> Dispatcher {
        let token = format!("dispatch-{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0));
        Dispatcher { keep, client, ladders, metrics, poll, pacer: Pacer::new(write_spacing), token }
    }

    /// Dispatches until `shutdown` turns true, looking for work when `wake` is notified (this process's
    /// worker planned actions) and every `poll` (actions planned by other replicas, retries coming due).
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "dispatcher could not read the outbox; retrying"),
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims and dispatches one batch; returns how many actions it claimed. While it works, its
    /// claims are renewed, however long the batch takes (pacing, GitHub's answers, timeouts).
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let claimed = self.keep.outbox.claim_actions(&self.token, Utc::now(), LEASE, BATCH).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        tokio::select! {
            done = self.dispatch(&claimed) => done.map(|()| claimed.len()),
            never = self.heartbeat(&claimed) => match never {},
        }
    }

    /// Keeps this dispatcher's claims on `claimed` from running out while it sends.
    async fn heartbeat(&self, claimed: &[Entry]) -> std::convert::Infallible {
        let seqs: Vec<i64> = claimed.iter().map(|e| e.seq).collect();
        let renew = || self.keep.outbox.extend_action_claims(&self.token, &seqs, Utc::now(), LEASE);
        heartbeat::renew_forever(LEASE, "dispatcher", renew).await
    }

    /// Sends (or logs) each claimed action and records how it ended.
    async fn dispatch(&self, claimed: &[Entry]) -> Result<(), StoreError> {
        // Installations rate-limited during this batch: their other claimed actions go back untried.
        let mut held: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for entry in claimed {
            if !self.keep.outbox.holds_action(entry.seq, &self.token).await? {
                tracing::warn!(key = %entry.planned.key, "the claim on an action ran out; another replica has it");
                continue;
            }
            let hold = entry.planned.installation_id.and_then(|i| held.get(&i)).copied();
            let attempt = match (hold, guarded(&entry.planned.action)) {
                (Some(until), _) => {
                    Attempt::Retry { at: until, counts: false, why: "waiting out the installation's rate limit".into() }
                }
                (None, Err(why)) => {
                    tracing::error!(key = %entry.planned.key, why, "refused to send a text that fails the guard (a bug)");
                    Attempt::Done(Outcome::Failed, Some(why))
                }
                (None, Ok(())) => self.attempt(entry).await,
            };
            let attempt = match (attempt, entry.planned.installation_id) {
                (Attempt::RateLimited(after), Some(installation)) => {
                    self.metrics.action(entry.planned.action.kind(), "rate_limited");
                    let until = self.hold(entry, installation, after).await?;
                    held.insert(installation, until);
                    Attempt::Retry { at: until, counts: false, why: "rate limited".into() }
                }
                (other, _) => other,
            };
            self.record(entry, attempt).await?;
        }
        Ok(())
    }

    /// Holds `installation`'s REST budget (`core`, which every action spends) for `after`, in the store,
    /// so no replica sends for it meanwhile.
    async fn hold(&self, entry: &Entry, installation: i64, after: Duration) -> Result<DateTime<Utc>, StoreError> {
        let until = later(Utc::now(), after);
        let reason = format!("GitHub rate-limited a {} on {}", entry.planned.action.kind(), entry.planned.repo);
        tracing::warn!(installation, until = %until.to_rfc3339(), reason, "holding the installation's actions");
        self.keep.outbox.hold(installation, Resource::Core, until, &reason).await?;
        Ok(until)
    }

    /// Records how an attempt ended.
    async fn record(&self, entry: &Entry, attempt: Attempt) -> Result<(), StoreError> {
        let now = Utc::now();
        let kind = entry.planned.action.kind();
        let (at, counts, why) = match attempt {
            Attempt::Done(outcome, detail) => {
                let label = match outcome {
                    Outcome::Sent => "sent",
                    Outcome::DryRun => "dry_run",
                    Outcome::Failed => "failed",
                };
                self.metrics.action(kind, label);
                self.keep.outbox.finish_action(entry.seq, &self.token, outcome, detail.as_deref(), now).await?;
                return Ok(());
            }
            Attempt::Retry { at, counts, why } => (at, counts, why),
            // An action without an installation cannot be held; it waits alone.
            Attempt::RateLimited(after) => (later(now, after), false, "rate limited".to_owned()),
        };
        self.metrics.action(kind, "retried");
        let at_text = at.to_rfc3339();
        tracing::warn!(key = %entry.planned.key, attempt = entry.attempts, at = at_text, why, "action will be retried");
        self.keep.outbox.retry_action(entry.seq, &self.token, at, counts, &why).await?;
        Ok(())
    }
}

impl Dispatcher {
    async fn attempt(&self, entry: &Entry) -> Attempt {
        match self.client.get() {
            None => {
                log_dry_run(entry);
                Attempt::Done(Outcome::DryRun, None)
            }
            Some(github) => {
                let github = &github;
                let request = async {
                    match &entry.planned.action {
                        Action::Fetch { source } => {
                            refresh::fetch(github, &self.keep, &self.ladders, &entry.planned, *source).await
                        }
                        Action::CheckConfig { source, sha } => {
                            refresh::check(github, &entry.planned, *source, sha, look_first(entry)).await
                        }
                        _ => send(github, entry).await,
                    }
                };
                let result =
                    if entry.planned.action.writes() { self.pacer.write(request).await } else { request.await };
                settle(entry, result)
            }
        }
    }
}

/// Every text an action would post passes [`guard`]; the reason otherwise.
fn guarded(action: &Action) -> Result<(), String> {
    let texts: Vec<&str> = match action {
        Action::Comment { body } | Action::Sticky { body, .. } => vec![body],
        Action::CreateIssue { title, body } => vec![title, body],
        Action::AddLabels { labels } => labels.iter().map(String::as_str).collect(),
        Action::RemoveLabel { .. } | Action::Fetch { .. } | Action::CheckConfig { .. } => Vec::new(),
    };
    texts
        .into_iter()
        .try_for_each(guard)
        .map_err(|v| format!("the text {v}, which the org's workflows would read; nothing was sent"))
}

/// Whether an earlier attempt at `entry` failed in a way that leaves open whether GitHub did it (a
/// server error or a timeout: only those count as attempts), so that this one looks before it creates.
fn look_first(entry: &Entry) -> bool {
    entry.attempts > 1 && entry.planned.action.creates()
}

/// How long after an ambiguous failure a create is tried again at the soonest: GitHub's lists may take
/// a moment to show what it created.
const LIST_LAG: Duration = Duration::from_secs(2);

/// One attempt at sending an action: what GitHub said. A comment or issue carries its [`tag`], by
/// which a retry after an ambiguous failure finds what the failed attempt may have created.
async fn send(github: &GitHub, entry: &Entry) -> Result<String, Verdict> {
    let p = &entry.planned;
    let Some(installation) = p.installation_id else {
        let why = "the delivery named no installation, so the app cannot act on this repository".to_owned();
        return Err(Verdict::refused(why));
    };
    let (repo, number) = (p.repo.as_str(), p.issue);
    let (tag, since) = (tag(&p.tag_id()), entry.created_at - chrono::Duration::minutes(1));
    let found = |what: &str, id: i64| format!("{what} {id} (an earlier attempt had posted it)");
    match &p.action {
        Action::Comment { body } => {
            if look_first(entry)
                && let Some(id) = github.find_comment(installation, repo, number, tag.trim(), since).await?
            {
                return Ok(found("comment", id));
            }
            github.comment(installation, repo, number, &format!("{body}{tag}")).await.map(|id| format!("comment {id}"))
        }
        Action::Sticky { marker, body } => github.sticky(installation, repo, number, marker, body).await,
        Action::AddLabels { labels } => {
            github.add_labels(installation, repo, number, labels).await.map(|()| "labels added".to_owned())
        }
        Action::RemoveLabel { label } => {
            github.remove_label(installation, repo, number, label).await.map(|()| "label removed".to_owned())
        }
        Action::CreateIssue { title, body } => {
            if look_first(entry)
                && let Some(n) = github.find_issue(installation, repo, tag.trim(), since).await?
            {
                return Ok(found("issue", n));
            }
            github.create_issue(installation, repo, title, &format!("{body}{tag}")).await.map(|n| format!("issue #{n}"))
        }
        Action::Fetch { .. } | Action::CheckConfig { .. } => {
            Err(Verdict::refused("reads and checks are carried out by refresh"))
        }
    }
}

/// How an attempt ended, from what GitHub said: done, or when to try again.
fn settle(entry: &Entry, result: Result<String, Verdict>) -> Attempt {
    let p = &entry.planned;
    match result {
        Ok(detail) => {
            tracing::info!(key = %p.key, repo = %p.repo, issue = p.issue, detail, "action sent");
            Attempt::Done(Outcome::Sent, Some(detail))
        }
        Err(Verdict::RateLimited(after)) => Attempt::RateLimited(after),
        Err(Verdict::Transient(why)) if entry.attempts < MAX_ATTEMPTS => {
            let mut backoff = Duration::from_secs(1 << (entry.attempts - 1).clamp(0, 10));
            if p.action.creates() {
                backoff = backoff.max(LIST_LAG);
            }
            Attempt::Retry { at: later(Utc::now(), backoff), counts: true, why }
        }
        Err(Verdict::Transient(why) | Verdict::Final { why, .. }) => {
            tracing::error!(key = %p.key, repo = %p.repo, issue = p.issue, why, "action failed");
            Attempt::Done(Outcome::Failed, Some(why))
        }
        Err(Verdict::Done) => Attempt::Done(Outcome::Sent, None),
    }
}

/// `after` from `now`, rounded up to the store's whole milliseconds so that no wait is cut short, or
/// the end of time if that is beyond it.
fn later(now: DateTime<Utc>, after: Duration) -> DateTime<Utc> {
    let exact = chrono::Duration::from_std(after).ok().and_then(|d| now.checked_add_signed(d));
    let rest = |t: DateTime<Utc>| (1_000_000 - t.timestamp_subsec_nanos() % 1_000_000) % 1_000_000;
    exact
        .and_then(|t| t.checked_add_signed(chrono::Duration::nanoseconds(i64::from(rest(t)))))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn log_dry_run(entry: &Entry) {
    let p = &entry.planned;
    tracing::info!(
        repo = %p.repo, issue = p.issue, key = %p.key, kind = p.action.kind(), what = %p.action.describe(),
        "dry-run: would act on GitHub (see `ladder outbox`)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_end_on_a_whole_millisecond_never_before_their_time() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        let cases = [
            ("2026-11-24T10:00:00.000Z", 3_000_000, "2026-11-24T10:00:03.000Z"),
            ("2026-11-24T10:00:00.000400Z", 3_000_000, "2026-11-24T10:00:03.001Z"),
            ("2026-11-24T10:00:00.999999Z", 0, "2026-11-24T10:00:01.000Z"),
            ("2026-11-24T10:00:00.000Z", 1_500, "2026-11-24T10:00:00.002Z"),
        ];
        for (now, micros, expected) in cases {
            assert_eq!(later(at(now), Duration::from_micros(micros)), at(expected), "{now} + {micros} µs");
        }
        assert_eq!(later(at("2026-11-24T10:00:00Z"), Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn texts_that_fail_the_guard_are_never_sent() {
        assert!(guarded(&Action::Comment { body: "fine".into() }).is_ok());
        let bad = guarded(&Action::Comment { body: "see asyncapi/utils#1".into() }).unwrap_err();
        assert!(bad.starts_with("the text holds the trigger `/u`"), "{bad}");
        assert!(guarded(&Action::CreateIssue { title: "/vote".into(), body: String::new() }).is_err());
        assert!(guarded(&Action::RemoveLabel { label: "amp/mentee".into() }).is_ok());
    }
}
