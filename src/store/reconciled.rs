//! Where reconciling missed deliveries stands: the newest delivery GitHub listed that a run has read,
//! and when a run last read GitHub's list.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Durability, Queue, StoreError, from_millis, millis};

/// Reconcile's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The newest `delivered_at` a run has read (paging stops past it, less the overlap).
    pub until: DateTime<Utc>,
    /// When a run last read GitHub's list whole (deliveries older than GitHub keeps, counted from
    /// here, are lost).
    pub looked_at: DateTime<Utc>,
}

impl Queue {
    /// Where reconcile stands, if a run ever read GitHub's list.
    pub async fn reconcile_position(&self) -> Result<Option<Position>, StoreError> {
        let row = sqlx::query("SELECT delivered_at, updated_at FROM reconcile_position WHERE id = 1")
            .fetch_optional(&self.0.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Position {
            until: from_millis(row.try_get("delivered_at")?),
            looked_at: from_millis(row.try_get("updated_at")?),
        }))
    }

    /// Records a run that read GitHub's list at `now`, the newest delivery it listed being `newest`
    /// (the position moves forward only; without one, a first run starts it at `now`).
    pub async fn reconciled(&self, newest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Deferred).await?;
        sqlx::query(
            "INSERT INTO reconcile_position (id, delivered_at, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, \
                delivered_at = CASE WHEN $3 = 1 AND excluded.delivered_at > reconcile_position.delivered_at \
                                    THEN excluded.delivered_at ELSE reconcile_position.delivered_at END",
        )
        .bind(millis(newest.unwrap_or(now)))
        .bind(millis(now))
        .bind(i64::from(newest.is_some()))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
