//! Roles imported from `CODEOWNERS` and `MAINTAINERS.yaml`. An import replaces what the same source
//! said before, so a person dropped from a file loses the role.

use sqlx::Row;

use super::{Durability, StoreError};
use ladder_core::roles::{Grant, Role};

/// Where grants came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// One repository's `CODEOWNERS`.
    Codeowners,
    /// The org's `MAINTAINERS.yaml`.
    Maintainers,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Codeowners => "codeowners",
            Source::Maintainers => "maintainers",
        }
    }
}

impl super::Directory {
    /// Replaces the grants `source` made in `org` (for `CODEOWNERS`, in repository `repo` only).
    pub async fn replace_roles(
        &self,
        org: &str,
        source: Source,
        repo: Option<&str>,
        grants: &[Grant],
    ) -> Result<(), StoreError> {
        let org = org.to_lowercase();
        let mut conn = self.0.writer(Durability::Full).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Full).await?;
        sqlx::query("DELETE FROM roles WHERE org = $1 AND source = $2 AND ($3 IS NULL OR repo = $3)")
            .bind(org.as_str())
            .bind(source.as_str())
            .bind(repo)
            .execute(&mut *tx)
            .await?;
        for g in grants {
            sqlx::query(
                "INSERT INTO roles (org, repo, login, github_id, role, detail, source) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(org.as_str())
            .bind(g.repo.as_deref().unwrap_or(""))
            .bind(g.login.as_str())
            .bind(g.github_id)
            .bind(g.role.as_str())
            .bind(g.detail.as_deref())
            .bind(source.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The roles a person holds in `org`, matched by login (any case) or numeric id.
    pub async fn roles_of(&self, org: &str, login: &str, github_id: i64) -> Result<Vec<Grant>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT repo, login, github_id, role, detail FROM roles \
             WHERE org = $1 AND (lower(login) = lower($2) OR github_id = $3) ORDER BY repo, role",
        )
        .bind(org.to_lowercase())
        .bind(login)
        .bind(github_id)
        .fetch_all(&self.0.read)
        .await?;
        grants_from_rows(&rows)
    }

    /// Every role held in `org` by someone who has not opted out (CODEOWNERS and MAINTAINERS.yaml
    /// still name them, but the app shows them nowhere).
    pub async fn roles_in_org(&self, org: &str) -> Result<Vec<Grant>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT repo, login, github_id, role, detail FROM roles WHERE org = $1 \
               AND NOT EXISTS (SELECT 1 FROM optouts o WHERE o.github_id = roles.github_id \
                               OR lower(o.login) = lower(roles.login)) \
             ORDER BY repo, login, role",
        )
        .bind(org.to_lowercase())
        .fetch_all(&self.0.read)
        .await?;
        grants_from_rows(&rows)
    }
}

fn grants_from_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Grant>, StoreError> {
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            let repo: String = r.try_get("repo")?;
            Ok(Grant {
                login: r.try_get("login")?,
                github_id: r.try_get("github_id")?,
                repo: (!repo.is_empty()).then_some(repo),
                role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("unknown role `{role}`")))?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
