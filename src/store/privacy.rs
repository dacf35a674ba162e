//! Opt-out and erasure. Opting out erases a person's signals, digests, enrolments and their entry among
//! people, blanks their
//! login where they appear as someone else's subject or in open work, and leaves a tombstone so that nothing more is
//! recorded about them until they opt back in.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::{Backend, Durability, StoreError, millis};

/// What an opt-out erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub signals: u64,
}

/// The ids among `ids` that opted out, read inside the transaction that is about to record them.
pub(super) async fn opted_out_among(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    ids: &HashSet<i64>,
) -> Result<HashSet<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!("SELECT github_id FROM optouts WHERE github_id IN ({})", super::list(backend, ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(&mut **tx).await?.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Records the tombstone and erases the person's signals, digests and entry among people, in `tx`.
pub(super) async fn opt_out(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    github_id: i64,
    login: &str,
    now: DateTime<Utc>,
) -> Result<Erased, StoreError> {
    sqlx::query(
        "INSERT INTO optouts (github_id, login, opted_out_at) VALUES ($1, $2, $3) \
         ON CONFLICT (github_id) DO UPDATE SET login = excluded.login",
    )
    .bind(github_id)
    .bind(login)
    .bind(millis(now))
    .execute(&mut **tx)
    .await?;
    super::digests::erase(tx, backend, github_id).await?;
    super::enrolments::erase(tx, github_id, login).await?;
    super::endorsements::erase(tx, github_id, login).await?;
    let signals = sqlx::query("DELETE FROM signals WHERE actor_id = $1").bind(github_id).execute(&mut **tx).await?;
    sqlx::query("UPDATE signals SET subject_author_login = NULL WHERE subject_author_id = $1")
        .bind(github_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE backfill_pulls SET author_login = NULL WHERE author_id = $1")
        .bind(github_id)
        .execute(&mut **tx)
        .await?;
    for blank in [
        "UPDATE open_items SET author_login = NULL WHERE author_id = $1",
        "UPDATE open_item_people SET login = NULL WHERE person_id = $1",
        "DELETE FROM growth_people WHERE person_id = $1",
    ] {
        sqlx::query(blank).bind(github_id).execute(&mut **tx).await?;
    }
    // Snapshots name people (repositories' maintainers and candidates): none may be shown again,
    // however fresh; pages compute new ones.
    sqlx::query("DELETE FROM growth_snapshots").execute(&mut **tx).await?;
    sqlx::query("DELETE FROM people WHERE id = $1").bind(github_id).execute(&mut **tx).await?;
    Ok(Erased { signals: signals.rows_affected() })
}

/// Removes the tombstone: the person is recorded again from now on.
pub(super) async fn opt_in(tx: &mut Transaction<'_, Any>, github_id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM optouts WHERE github_id = $1").bind(github_id).execute(&mut **tx).await?;
    Ok(done.rows_affected() > 0)
}

impl super::People {
    /// Erases everything recorded about a person and stops recording them.
    pub async fn opt_out(&self, github_id: i64, login: &str, now: DateTime<Utc>) -> Result<Erased, StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Full).await?;
        let erased = opt_out(&mut tx, self.0.backend, github_id, login, now).await?;
        tx.commit().await?;
        Ok(erased)
    }

    /// Resumes recording a person, from now on. Returns whether they had opted out.
    pub async fn opt_in(&self, github_id: i64) -> Result<bool, StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        let done = sqlx::query("DELETE FROM optouts WHERE github_id = $1").bind(github_id).execute(&mut *conn).await?;
        Ok(done.rows_affected() > 0)
    }

    /// The tombstone of a login that opted out, as `(github id, login)`.
    pub async fn opted_out(&self, login: &str) -> Result<Option<(i64, String)>, StoreError> {
        let login = login.trim().trim_start_matches('@');
        let row = sqlx::query("SELECT github_id, login FROM optouts WHERE lower(login) = lower($1)")
            .bind(login)
            .fetch_optional(&self.0.read)
            .await?;
        row.map(|r| Ok((r.try_get("github_id")?, r.try_get("login")?))).transpose()
    }
}
