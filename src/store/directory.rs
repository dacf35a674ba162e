//! Installations, organizations and repositories, as the events have described them.

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::{StoreError, millis};
use ladder_core::directory::Change;
use ladder_core::signal::Org;

pub(super) async fn apply(
    tx: &mut Transaction<'_, Any>,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let now = millis(now);
    for change in changes {
        match change {
            Change::Installation { id, account, state } => {
                upsert_org(tx, account, now).await?;
                sqlx::query(
                    "INSERT INTO installations (id, org_id, state, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, state = excluded.state, \
                         updated_at = excluded.updated_at",
                )
                .bind(id)
                .bind(account.id)
                .bind(state.as_str())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
            Change::InstallationSeen { id } => {
                sqlx::query(
                    "INSERT INTO installations (id, org_id, state, updated_at) VALUES ($1, NULL, 'active', $2) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
            Change::Repository { id, owner, full_name, private, installation_id, removed } => {
                upsert_org(tx, owner, now).await?;
                sqlx::query(
                    "INSERT INTO repositories (id, org_id, full_name, private, installation_id, removed, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, full_name = excluded.full_name, \
                         private = excluded.private, removed = excluded.removed, updated_at = excluded.updated_at, \
                         installation_id = COALESCE(excluded.installation_id, repositories.installation_id)",
                )
                .bind(id)
                .bind(owner.id)
                .bind(full_name.as_str())
                .bind(i64::from(*private))
                .bind(installation_id)
                .bind(i64::from(*removed))
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

async fn upsert_org(tx: &mut Transaction<'_, Any>, org: &Org, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO orgs (id, login, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET login = excluded.login, seen_at = excluded.seen_at",
    )
    .bind(org.id)
    .bind(org.login.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A repository as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRepo {
    pub id: i64,
    pub org_id: i64,
    pub full_name: String,
    pub private: bool,
    pub installation_id: Option<i64>,
    pub removed: bool,
}

impl super::Directory {
    /// Every organization the store has heard of, by login.
    pub async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        let rows = sqlx::query("SELECT id, login FROM orgs ORDER BY login").fetch_all(&self.0.read).await?;
        rows.iter().map(|r| Ok(Org { id: r.try_get("id")?, login: r.try_get("login")? })).collect()
    }

    pub async fn repositories(&self) -> Result<Vec<StoredRepo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, org_id, full_name, private, installation_id, removed FROM repositories ORDER BY full_name",
        )
        .fetch_all(&self.0.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredRepo {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    full_name: r.try_get("full_name")?,
                    private: r.try_get::<i64, _>("private")? != 0,
                    installation_id: r.try_get("installation_id")?,
                    removed: r.try_get::<i64, _>("removed")? != 0,
                })
            })
            .collect()
    }

    /// The full names of an org's private repositories.
    pub async fn private_repositories(&self, org_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, full_name FROM repositories WHERE org_id = $1 AND private = 1")
            .bind(org_id)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("full_name")?))).collect()
    }

    /// Whether org `login` holds a repository of an active installation (what `serve` backfills).
    pub async fn installed(&self, login: &str) -> Result<bool, StoreError> {
        Ok(self.active_installation(login).await?.is_some())
    }

    /// The active installation that holds a repository of org `login`, if one does: the one `serve`
    /// backfills the org as.
    pub async fn active_installation(&self, login: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT i.id FROM repositories r JOIN orgs o ON o.id = r.org_id \
                JOIN installations i ON i.id = r.installation_id \
             WHERE lower(o.login) = lower($1) AND r.removed = 0 AND i.state = 'active' ORDER BY i.id LIMIT 1",
        )
        .bind(login)
        .fetch_optional(&self.0.read)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// The state (`active`, `suspended`, `deleted`) of an installation, if known.
    pub async fn installation_state(&self, id: i64) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT state FROM installations WHERE id = $1").bind(id).fetch_optional(&self.0.read).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
