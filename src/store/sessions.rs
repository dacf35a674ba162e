//! Admin sessions of the pages.
//!
//! Owns: the `admin_sessions` table: a session is known by the SHA-256 of its id, and ends when it
//! expires or is ended (logging out). Never does: make ids or check tokens (the web's admin does).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Durability, Sessions, StoreError, millis};

impl Sessions {
    /// Starts a session known by `id_hash`, until `expires`; also forgets sessions that ended.
    pub async fn start(&self, id_hash: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1").bind(millis(now)).execute(&mut *conn).await?;
        sqlx::query("INSERT INTO admin_sessions (id_hash, expires_at) VALUES ($1, $2)")
            .bind(id_hash)
            .bind(millis(expires))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Whether the session known by `id_hash` is open at `now`.
    pub async fn open(&self, id_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT expires_at FROM admin_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.0.read)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.is_some_and(|until| until > millis(now)))
    }

    /// Ends the session known by `id_hash`.
    pub async fn end(&self, id_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        sqlx::query("DELETE FROM admin_sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *conn).await?;
        Ok(())
    }
}
