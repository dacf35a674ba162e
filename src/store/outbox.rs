//! The outbox: planned actions, kept until they are sent.
//!
//! Actions are inserted in the transaction that marks their delivery done, once per key. The dispatcher
//! claims pending ones with a lease (skipping rows another replica holds on PostgreSQL), and records
//! the outcome: sent, dry-run (logged only), or failed after its attempts. A budget of an installation
//! GitHub rate-limited is held (per installation and resource, see [`ladder_core::rate`]): while its
//! `core` budget is held, none of its actions is claimed, by any replica; backfill waits out holds on
//! the budget it spends, and lets the installation's live actions go first ([`super::Outbox::live_busy`]).

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Backend, Durability, StoreError, from_millis, millis};
use ladder_core::plan::action::{Action, Planned};
use ladder_core::rate::Resource;

const COLUMNS: usize = 11;

/// Where an action is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Logged and not sent: the app runs without App credentials.
    DryRun,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::DryRun => "dry_run",
            Outcome::Failed => "failed",
        }
    }
}

/// A budget of an installation that waits: GitHub asked the app to slow down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub installation_id: i64,
    /// The budget GitHub asked to leave alone.
    pub resource: Resource,
    pub until: DateTime<Utc>,
    /// Which request GitHub limited (kind and repository), for `ladder outbox`.
    pub reason: String,
}

/// An action as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub planned: Planned,
    /// `pending`, `sent`, `dry_run` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// What sending returned (a comment's id) or why it failed.
    pub detail: Option<String>,
}

/// Adds planned actions; a key already in the outbox is left as it is. Returns the keys added.
pub(super) async fn insert(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    planned: &[&Planned],
    now: DateTime<Utc>,
) -> Result<HashSet<String>, StoreError> {
    let mut added = HashSet::new();
    for chunk in planned.chunks(super::rows_per_statement(COLUMNS)) {
        let sql = format!(
            "INSERT INTO outbox (key, org_id, installation_id, repo_id, repo_name, issue_number, kind, action, \
                 state, next_attempt_at, created_at) VALUES {} ON CONFLICT (key) DO NOTHING RETURNING key",
            super::placeholders(backend, chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for p in chunk {
            let action = serde_json::to_string(&p.action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            query = query
                .bind(p.key.clone())
                .bind(p.org_id)
                .bind(p.installation_id)
                .bind(p.repo_id)
                .bind(p.repo.clone())
                .bind(p.issue)
                .bind(p.action.kind())
                .bind(action)
                .bind("pending")
                .bind(millis(now))
                .bind(millis(now));
        }
        for row in query.fetch_all(&mut **tx).await? {
            added.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(added)
}

fn entry_from_row(row: &AnyRow) -> Result<Entry, StoreError> {
    let action: String = row.try_get("action")?;
    let action: Action =
        serde_json::from_str(&action).map_err(|e| StoreError::Corrupt(format!("outbox action: {e}")))?;
    Ok(Entry {
        seq: row.try_get("seq")?,
        planned: Planned {
            key: row.try_get("key")?,
            org_id: row.try_get("org_id")?,
            installation_id: row.try_get("installation_id")?,
            repo_id: row.try_get("repo_id")?,
            repo: row.try_get("repo_name")?,
            issue: row.try_get("issue_number")?,
            action,
        },
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        created_at: from_millis(row.try_get("created_at")?),
        done_at: row.try_get::<Option<i64>, _>("done_at")?.map(from_millis),
        detail: row.try_get("detail")?,
    })
}

impl super::Outbox {
    /// Adds actions planned outside a delivery's processing (an issue about a bad config found while
    /// reading it); a key already in the outbox is left as it is. Returns the keys added.
    pub async fn enqueue(&self, planned: &[Planned], now: DateTime<Utc>) -> Result<HashSet<String>, StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Full).await?;
        let added = insert(&mut tx, self.0.backend, &planned.iter().collect::<Vec<_>>(), now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// The newest `limit` actions, newest first.
    pub async fn list(&self, limit: i64) -> Result<Vec<Entry>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM outbox ORDER BY seq DESC LIMIT $1").bind(limit).fetch_all(&self.0.read).await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The actions of `kind` planned for org `org_id` at `since` or later, oldest first.
    pub async fn planned_since(&self, org_id: i64, kind: &str, since: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM outbox WHERE org_id = $1 AND kind = $2 AND created_at >= $3 ORDER BY seq")
                .bind(org_id)
                .bind(kind)
                .bind(millis(since))
                .fetch_all(&self.0.read)
                .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Claims up to `limit` pending actions whose time has come, for `lease`, oldest first, passing
    /// over those of installations held on `core` (the REST budget actions spend). Each claim counts as
    /// an attempt.
    pub async fn claim_actions(
        &self,
        token: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Entry>, StoreError> {
        let lock = match self.0.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET claim = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE seq IN (SELECT seq FROM outbox \
                 WHERE state = 'pending' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3) \
                 AND NOT EXISTS (SELECT 1 FROM rate_holds h \
                     WHERE h.installation_id = outbox.installation_id AND h.resource = 'core' AND h.until_at > $3) \
                 ORDER BY seq LIMIT $4 {lock}) \
             RETURNING *"
        );
        let until = millis(now) + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let mut conn = self.0.writer(Durability::Deferred).await?;
        let rows =
            sqlx::query(&sql).bind(token).bind(until).bind(millis(now)).bind(limit).fetch_all(&mut *conn).await?;
        let mut claimed: Vec<Entry> = rows.iter().map(entry_from_row).collect::<Result<_, _>>()?;
        claimed.sort_by_key(|e| e.seq);
        Ok(claimed)
    }

    /// Renews the claims `token` holds on the pending actions `seqs` for another `lease` from `now`:
    /// the heartbeat of a dispatcher still at work. Returns how many it renewed.
    pub async fn extend_action_claims(
        &self,
        token: &str,
        seqs: &[i64],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<u64, StoreError> {
        self.0.renew_claims("outbox", "seq", seqs, token, now, lease).await
    }

    /// Whether `token` still holds its claim on action `seq` (checked again just before it is sent).
    pub async fn holds_action(&self, seq: i64, token: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM outbox WHERE seq = $1 AND claim = $2 AND state = 'pending'")
            .bind(seq)
            .bind(token)
            .fetch_optional(&self.0.read)
            .await?;
        Ok(row.is_some())
    }

    /// Puts a claimed action back to be tried at `at`, with why. A rate limit does not count as an
    /// attempt (`counts` false); other failures do.
    pub async fn retry_action(
        &self,
        seq: i64,
        token: &str,
        at: DateTime<Utc>,
        counts: bool,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.0.writer(Durability::Deferred).await?;
        let done = sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, detail = $2, claim = NULL, claimed_until = NULL, \
                 attempts = attempts - $3 \
             WHERE seq = $4 AND claim = $5 AND state = 'pending'",
        )
        .bind(millis(at))
        .bind(super::storable(detail).into_owned())
        .bind(if counts { 0i64 } else { 1i64 })
        .bind(seq)
        .bind(token)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how an action ended, if this claim still holds it. Returns whether it did.
    pub async fn finish_action(
        &self,
        seq: i64,
        token: &str,
        outcome: Outcome,
        detail: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        let done = sqlx::query(
            "UPDATE outbox SET state = $1, detail = $2, done_at = $3, claim = NULL, claimed_until = NULL \
             WHERE seq = $4 AND claim = $5 AND state = 'pending'",
        )
        .bind(outcome.as_str())
        .bind(detail.map(|d| super::storable(d).into_owned()))
        .bind(millis(now))
        .bind(seq)
        .bind(token)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl super::Outbox {
    /// Holds `installation`'s `resource` until `until` (a hold that already lasts longer stays as it is).
    pub async fn hold(
        &self,
        installation: i64,
        resource: Resource,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Deferred).await?;
        sqlx::query(
            "INSERT INTO rate_holds (installation_id, resource, until_at, reason) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (installation_id, resource) DO UPDATE SET until_at = excluded.until_at, \
                reason = excluded.reason \
             WHERE excluded.until_at > rate_holds.until_at",
        )
        .bind(installation)
        .bind(resource.as_str())
        .bind(millis(until))
        .bind(reason)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Until when `installation`'s `resource` is held at `now` (by this replica or another), if it is.
    pub async fn held_until(
        &self,
        installation: i64,
        resource: Resource,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT until_at FROM rate_holds WHERE installation_id = $1 AND resource = $2 AND until_at > $3",
        )
        .bind(installation)
        .bind(resource.as_str())
        .bind(millis(now))
        .fetch_optional(&self.0.read)
        .await?;
        Ok(row.map(|r| r.try_get("until_at")).transpose()?.map(from_millis))
    }

    /// Whether `installation`'s live actions are going out: one is claimed by a dispatcher (of any
    /// replica), or came due within `grace` before `now` (a dispatcher takes it at its next look).
    /// Backfill lets them go first.
    pub async fn live_busy(&self, installation: i64, now: DateTime<Utc>, grace: Duration) -> Result<bool, StoreError> {
        let since = millis(now) - i64::try_from(grace.as_millis()).unwrap_or(i64::MAX / 2);
        let row = sqlx::query(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND installation_id = $1 \
                AND (claimed_until > $2 OR (next_attempt_at <= $2 AND next_attempt_at > $3)) LIMIT 1",
        )
        .bind(installation)
        .bind(millis(now))
        .bind(since)
        .fetch_optional(&self.0.read)
        .await?;
        Ok(row.is_some())
    }

    /// The holds in force at `now`, by installation and resource.
    pub async fn holds(&self, now: DateTime<Utc>) -> Result<Vec<Hold>, StoreError> {
        let rows = sqlx::query(
            "SELECT installation_id, resource, until_at, reason FROM rate_holds WHERE until_at > $1 \
             ORDER BY installation_id, resource",
        )
        .bind(millis(now))
        .fetch_all(&self.0.read)
        .await?;
        rows.iter()
            .map(|row| {
                let name: String = row.try_get("resource")?;
                Ok(Hold {
                    installation_id: row.try_get("installation_id")?,
                    resource: Resource::parse(&name)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown rate-limit resource {name}")))?,
                    until: from_millis(row.try_get("until_at")?),
                    reason: row.try_get("reason")?,
                })
            })
            .collect()
    }
}
