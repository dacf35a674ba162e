//! Configs read from GitHub: the last good text of each org's ladder (repository `""`) and of each
//! repository's override. Only valid texts are saved, so a bad revision leaves the last good one in
//! force; a config removed on GitHub is dropped, and the built-in ladder applies again.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Durability, StoreError, from_millis, millis};

/// One saved config: whose, and which revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub org_id: i64,
    /// `owner/name` lowercased, or `""` for the org's own config.
    pub repo: String,
    pub revision: String,
    /// When it was read from GitHub.
    pub fetched_at: DateTime<Utc>,
}

impl super::Configs {
    /// Saves `text` as the config of `org_id` (`repo` `""`) or of one repository.
    pub async fn save_config(
        &self,
        org_id: i64,
        repo: &str,
        text: &str,
        revision: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        sqlx::query(
            "INSERT INTO configs (org_id, repo, text, revision, fetched_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, repo) DO UPDATE SET text = excluded.text, revision = excluded.revision, \
             fetched_at = excluded.fetched_at",
        )
        .bind(org_id)
        .bind(repo.to_lowercase())
        .bind(text)
        .bind(revision)
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Forgets a config that no longer exists on GitHub.
    pub async fn drop_config(&self, org_id: i64, repo: &str) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        sqlx::query("DELETE FROM configs WHERE org_id = $1 AND repo = $2")
            .bind(org_id)
            .bind(repo.to_lowercase())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Which configs are saved, at which revision (cheap: no texts).
    pub async fn config_revisions(&self) -> Result<Vec<Saved>, StoreError> {
        let rows = sqlx::query("SELECT org_id, repo, revision, fetched_at FROM configs ORDER BY org_id, repo")
            .fetch_all(&self.0.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Saved {
                    org_id: r.try_get("org_id")?,
                    repo: r.try_get("repo")?,
                    revision: r.try_get("revision")?,
                    fetched_at: from_millis(r.try_get("fetched_at")?),
                })
            })
            .collect()
    }

    /// The saved text of one config and its revision.
    pub async fn config_text(&self, org_id: i64, repo: &str) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT text, revision FROM configs WHERE org_id = $1 AND repo = $2")
            .bind(org_id)
            .bind(repo.to_lowercase())
            .fetch_optional(&self.0.read)
            .await?;
        row.map(|r| Ok((r.try_get("text")?, r.try_get("revision")?))).transpose()
    }
}
