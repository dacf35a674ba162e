//! Commands read: which commands of each comment the app answered, and when, for the limits on
//! commands per comment and replies per person and minute.
//!
//! Never does: decide the limits (see [`ladder_core::commands::answer::admit`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::{StoreError, millis};
use ladder_core::commands::answer::Read;

/// Records commands as read at `now`; one read before stays as it was.
pub(super) async fn record(
    tx: &mut Transaction<'_, Any>,
    reads: &[&Read],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for read in reads {
        sqlx::query(
            "INSERT INTO command_reads (repo_id, comment_id, command_key, installation_id, person_id, limited, \
                 read_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(read.repo_id)
        .bind(read.comment_id)
        .bind(read.key.as_str())
        .bind(read.installation_id)
        .bind(read.person_id)
        .bind(i64::from(read.limited))
        .bind(millis(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl super::People {
    /// The keys of the commands of comment `comment_id` in repository `repo_id` read so far.
    pub async fn commands_read(&self, repo_id: i64, comment_id: i64) -> Result<BTreeSet<String>, StoreError> {
        let rows = sqlx::query("SELECT command_key FROM command_reads WHERE repo_id = $1 AND comment_id = $2")
            .bind(repo_id)
            .bind(comment_id)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// How many commands of person `person_id` that count towards the limit a minute were read in
    /// `installation_id` since `since`.
    pub async fn replies_since(
        &self,
        installation_id: i64,
        person_id: i64,
        since: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM command_reads \
             WHERE installation_id = $1 AND person_id = $2 AND limited = 1 AND read_at > $3",
        )
        .bind(installation_id)
        .bind(person_id)
        .bind(millis(since))
        .fetch_one(&self.0.read)
        .await?;
        Ok(usize::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0))
    }
}
