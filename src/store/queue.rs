//! The durable delivery queue.
//!
//! A delivery is inserted (group-committed) before GitHub gets its 2xx. Workers claim batches with a
//! lease and a claim token; on PostgreSQL the claim skips rows another replica is claiming
//! (`FOR UPDATE SKIP LOCKED`). Completing an attempt marks the delivery done only if the claim still
//! holds and, in the same transaction, stores what the attempt produced, so an attempt's effects apply
//! exactly once even if a lease expired and another worker took over.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Backend, Durability, StoreError, from_millis, millis};
use ladder_core::commands::answer::Read;
use ladder_core::delivery::{Claimed, NewDelivery, QueueDepth, State};
use ladder_core::directory::Change;
use ladder_core::plan::action::{Effect, Planned};
use ladder_core::signal::Signal;

/// Whether an insert stored a new delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The id was already stored (a redelivery); nothing changed.
    Duplicate,
}

/// What one successful attempt produced, to be stored with the delivery's done mark.
#[derive(Debug, Clone)]
pub struct Completion {
    pub delivery_id: String,
    pub signals: Vec<Signal>,
    pub changes: Vec<Change>,
    /// What the delivery showed of open issues and pull requests.
    pub open_work: Vec<ladder_core::open_work::sighting::Change>,
    /// Actions to take on GitHub, added to the outbox.
    pub actions: Vec<Planned>,
    /// Changes commands ask for, each with the key of its reply: made only when that reply is new.
    pub effects: Vec<(String, Effect)>,
    /// Commands read (answered) by this delivery.
    pub reads: Vec<Read>,
}

/// Makes a change a command asked for.
async fn apply(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    effect: &Effect,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match effect {
        Effect::OptOut { github_id, login } => {
            super::privacy::opt_out(tx, backend, *github_id, login, now).await?;
        }
        Effect::OptIn { github_id } => {
            super::privacy::opt_in(tx, *github_id).await?;
        }
        Effect::Enrol { org_id, login, github_id, mentor, cohort, by } => {
            let enrolment = ladder_core::enrolment::Enrolment {
                org_id: *org_id,
                login: login.clone(),
                github_id: *github_id,
                mentor: mentor.clone(),
                cohort: cohort.clone(),
                enrolled_by: by.clone(),
                enrolled_at: now,
                ended_at: None,
            };
            super::enrolments::enrol(tx, &enrolment).await?;
        }
        Effect::Unenrol { org_id, login } => super::enrolments::end(tx, *org_id, login, now).await?,
        Effect::Endorse { org_id, login, github_id, level, endorser_id, endorser_login, company } => {
            let endorsement = super::endorsements::Endorsement {
                org_id: *org_id,
                login: login.clone(),
                github_id: *github_id,
                level: level.clone(),
                endorser_id: *endorser_id,
                endorser_login: endorser_login.clone(),
                company: company.clone(),
            };
            super::endorsements::add(tx, &endorsement, now).await?;
        }
    }
    Ok(())
}

/// Columns per row in the multi-row inserts.
const INSERT_COLUMNS: usize = 7;
const BODY_COLUMNS: usize = 2;
/// The most deliveries stored in one transaction.
pub const MAX_INSERT_BATCH: usize = 512;

impl super::Queue {
    /// Whether every write waits for the same one writer (SQLite), so that a long transaction of the
    /// worker's holds up acknowledging; on PostgreSQL writers run side by side.
    pub fn one_writer(&self) -> bool {
        self.0.backend == Backend::Sqlite
    }

    /// Stores deliveries in one transaction. Ids already stored (or repeated within the batch) come back
    /// as [`Inserted::Duplicate`]. The result is in input order.
    pub async fn insert_deliveries(&self, batch: &[NewDelivery]) -> Result<Vec<Inserted>, StoreError> {
        let mut seen = HashSet::new();
        let fresh: Vec<&NewDelivery> = batch.iter().filter(|d| seen.insert(d.id.as_str())).collect();
        let mut inserted = HashSet::new();
        let mut conn = self.0.writer(Durability::Full).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Full).await?;
        for chunk in fresh.chunks(MAX_INSERT_BATCH.min(super::rows_per_statement(INSERT_COLUMNS))) {
            let sql = format!(
                "INSERT INTO deliveries (id, event, body_len, received_at, state, next_attempt_at, processed_at) \
                 VALUES {} ON CONFLICT (id) DO NOTHING RETURNING seq, id",
                super::placeholders(self.0.backend, chunk.len(), INSERT_COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for d in chunk {
                let at = millis(d.received_at);
                let processed = (d.state == State::Ignored).then_some(at);
                query = query
                    .bind(d.id.as_str())
                    .bind(d.event.as_str())
                    .bind(i64::try_from(d.body_len).unwrap_or(i64::MAX))
                    .bind(at)
                    .bind(d.state.as_str())
                    .bind(at)
                    .bind(processed);
            }
            let mut bodies: Vec<(i64, &[u8])> = Vec::with_capacity(chunk.len());
            let by_id: HashMap<&str, &NewDelivery> = chunk.iter().map(|d| (d.id.as_str(), *d)).collect();
            for row in query.fetch_all(&mut *tx).await? {
                let id: String = row.try_get("id")?;
                if let Some(d) = by_id.get(id.as_str()) {
                    bodies.push((row.try_get("seq")?, d.body.as_slice()));
                }
                inserted.insert(id);
            }
            if !bodies.is_empty() {
                let sql = format!(
                    "INSERT INTO delivery_bodies (seq, body) VALUES {}",
                    super::placeholders(self.0.backend, bodies.len(), BODY_COLUMNS)
                );
                let mut query = sqlx::query(&sql);
                for (seq, body) in bodies {
                    query = query.bind(seq).bind(body);
                }
                query.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        let mut first = HashSet::new();
        Ok(batch
            .iter()
            .map(|d| {
                if inserted.contains(&d.id) && first.insert(d.id.as_str()) {
                    Inserted::New
                } else {
                    Inserted::Duplicate
                }
            })
            .collect())
    }

    /// Parks as failed the pending deliveries that used up `max_attempts` and whose last claim ran out:
    /// their last attempt never ended (the process stopped during it). Returns how many.
    pub async fn park_exhausted(&self, now: DateTime<Utc>, max_attempts: i64) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE deliveries SET state = 'failed', processed_at = $1, claim = NULL, claimed_until = NULL, \
                 error = 'its last allowed attempt never ended (the worker stopped during it); last error: ' \
                     || COALESCE(error, 'none') \
             WHERE state = 'pending' AND attempts >= $2 AND (claimed_until IS NULL OR claimed_until <= $3)",
        )
        .bind(millis(now))
        .bind(max_attempts)
        .bind(millis(now))
        .execute(&mut *self.0.writer(Durability::Deferred).await?)
        .await?;
        Ok(result.rows_affected())
    }

    /// Claims up to `limit` pending deliveries whose time has come and that have attempts left (fewer
    /// than `max_attempts`), for `lease`. Each claim counts as an attempt.
    pub async fn claim_deliveries(
        &self,
        token: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
        max_attempts: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        let lock = match self.0.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE deliveries SET claim = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE seq IN (SELECT seq FROM deliveries \
                 WHERE state = 'pending' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $4) \
                     AND attempts < $5 \
                 ORDER BY seq LIMIT $6 {lock}) \
             RETURNING id, event, attempts, received_at, seq"
        );
        let until = millis(now) + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let mut conn = self.0.writer(Durability::Deferred).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Deferred).await?;
        let rows = sqlx::query(&sql)
            .bind(token)
            .bind(until)
            .bind(millis(now))
            .bind(millis(now))
            .bind(max_attempts)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<i64, _>("seq")?,
                    Claimed {
                        id: row.try_get("id")?,
                        event: row.try_get("event")?,
                        body: None,
                        attempts: row.try_get("attempts")?,
                        received_at: from_millis(row.try_get("received_at")?),
                    },
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        if !claimed.is_empty() {
            let seqs: Vec<String> = claimed.iter().map(|(seq, _)| seq.to_string()).collect();
            let sql = format!("SELECT seq, body FROM delivery_bodies WHERE seq IN ({})", seqs.join(", "));
            let mut bodies: HashMap<i64, Vec<u8>> = HashMap::new();
            for row in sqlx::query(&sql).fetch_all(&mut *tx).await? {
                bodies.insert(row.try_get("seq")?, row.try_get("body")?);
            }
            for (seq, claim) in &mut claimed {
                claim.body = bodies.remove(seq);
            }
        }
        tx.commit().await?;
        claimed.sort_by_key(|(seq, _)| *seq);
        Ok(claimed.into_iter().map(|(_, c)| c).collect())
    }

    /// Renews the claims `token` holds on the pending deliveries `ids` for another `lease` from `now`:
    /// the heartbeat of a worker still at work. Returns how many it renewed.
    pub async fn extend_claims(
        &self,
        token: &str,
        ids: &[String],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<u64, StoreError> {
        self.0.renew_claims("deliveries", "id", ids, token, now, lease).await
    }

    /// Marks each delivery done and stores what its attempt produced, all in one transaction of a few
    /// statements. A delivery whose claim was lost (its lease expired and another worker claimed it) is
    /// skipped, with its effects. Returns the ids that were completed.
    pub async fn complete_deliveries(
        &self,
        token: &str,
        now: DateTime<Utc>,
        completions: &[Completion],
    ) -> Result<Vec<String>, StoreError> {
        if completions.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.writer(Durability::Deferred).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Deferred).await?;
        let ids: Vec<String> = (0..completions.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "UPDATE deliveries SET state = 'done', processed_at = $1, processed_by = $2, claim = NULL, \
                 claimed_until = NULL, error = NULL \
             WHERE claim = $3 AND state = 'pending' AND id IN ({}) RETURNING id",
            ids.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(millis(now)).bind(token).bind(token);
        for completion in completions {
            query = query.bind(completion.delivery_id.as_str());
        }
        let marked: HashSet<String> =
            query.fetch_all(&mut *tx).await?.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>()?;
        let kept: Vec<&Completion> = completions.iter().filter(|c| marked.contains(&c.delivery_id)).collect();
        let changes = ladder_core::directory::merge(kept.iter().flat_map(|c| c.changes.iter().cloned()));
        super::directory::apply(&mut tx, &changes, now).await?;
        let signals: Vec<(&str, &Signal)> =
            kept.iter().flat_map(|c| c.signals.iter().map(|s| (c.delivery_id.as_str(), s))).collect();
        super::signals::record(&mut tx, self.0.backend, &signals, now).await?;
        let open_work: Vec<_> = kept.iter().flat_map(|c| c.open_work.iter()).collect();
        super::open_work::apply(&mut tx, self.0.backend, &open_work).await?;
        let actions: Vec<&Planned> = kept.iter().flat_map(|c| c.actions.iter()).collect();
        let new = super::outbox::insert(&mut tx, self.0.backend, &actions, now).await?;
        for (key, effect) in kept.iter().flat_map(|c| c.effects.iter()) {
            if new.contains(key) {
                apply(&mut tx, self.0.backend, effect, now).await?;
            }
        }
        let reads: Vec<&Read> = kept.iter().flat_map(|c| c.reads.iter()).collect();
        super::commands::record(&mut tx, &reads, now).await?;
        tx.commit().await?;
        Ok(kept.iter().map(|c| c.delivery_id.clone()).collect())
    }

    /// Records a failed attempt: the delivery waits `retry_in` and is tried again, or, after
    /// `max_attempts`, is parked as failed. Returns the state it is left in (`None` if the claim was lost).
    pub async fn fail_delivery(
        &self,
        token: &str,
        id: &str,
        error: &str,
        now: DateTime<Utc>,
        retry_in: Duration,
        max_attempts: i64,
    ) -> Result<Option<State>, StoreError> {
        let next = millis(now) + i64::try_from(retry_in.as_millis()).unwrap_or(i64::MAX / 2);
        let error = super::storable(error);
        let row = sqlx::query(
            "UPDATE deliveries SET claim = NULL, claimed_until = NULL, error = $1, next_attempt_at = $2, \
                 state = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END, \
                 processed_at = CASE WHEN attempts >= $3 THEN $4 ELSE NULL END \
             WHERE id = $5 AND claim = $6 RETURNING state",
        )
        .bind(error.as_ref())
        .bind(next)
        .bind(max_attempts)
        .bind(millis(now))
        .bind(id)
        .bind(token)
        .fetch_optional(&mut *self.0.writer(Durability::Deferred).await?)
        .await?;
        row.map(|r| {
            let state: String = r.try_get(0)?;
            State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("unknown delivery state `{state}`")))
        })
        .transpose()
    }

    /// Deliveries waiting to be processed, and deliveries parked as failed.
    pub async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) AS pending, \
                    COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS failed \
             FROM deliveries WHERE state IN ('pending', 'failed')",
        )
        .fetch_one(&self.0.read)
        .await?;
        Ok(QueueDepth { pending: row.try_get("pending")?, failed: row.try_get("failed")? })
    }

    /// The state of each named delivery that is stored (missing ids are left out).
    pub async fn delivery_states(&self, ids: &[String]) -> Result<Vec<(String, State)>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query("SELECT state FROM deliveries WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.0.read)
                .await?;
            if let Some(row) = row {
                let state: String = row.try_get(0)?;
                let state = State::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown delivery state `{state}`")))?;
                out.push((id.clone(), state));
            }
        }
        Ok(out)
    }

    /// How many times delivery `id` was attempted, and the last attempt's error (`None`: not stored).
    pub async fn delivery_attempts(&self, id: &str) -> Result<Option<(i64, Option<String>)>, StoreError> {
        let row = sqlx::query("SELECT attempts, error FROM deliveries WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.0.read)
            .await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?))).transpose()?)
    }

    /// Drops the bodies of deliveries processed before `cutoff`; their rows stay for audit.
    pub async fn prune_bodies(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM delivery_bodies WHERE seq IN (SELECT seq FROM deliveries WHERE processed_at < $1)",
        )
        .bind(millis(cutoff))
        .execute(&mut *self.0.writer(Durability::Deferred).await?)
        .await?;
        Ok(result.rows_affected())
    }
}
