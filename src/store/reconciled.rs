//! Where reconciling missed deliveries stands: the newest delivery GitHub listed that a run has read.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Durability, Queue, StoreError, from_millis, millis};

impl Queue {
    /// The newest `delivered_at` a reconcile run has read, if one ran.
    pub async fn reconciled_until(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query("SELECT delivered_at FROM reconcile_position WHERE id = 1")
            .fetch_optional(&self.0.read)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.map(from_millis))
    }

    /// Moves the position forward to `at` (never back).
    pub async fn reconciled(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Deferred).await?;
        sqlx::query(
            "INSERT INTO reconcile_position (id, delivered_at, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, \
                delivered_at = CASE WHEN excluded.delivered_at > reconcile_position.delivered_at \
                                    THEN excluded.delivered_at ELSE reconcile_position.delivered_at END",
        )
        .bind(millis(at))
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
