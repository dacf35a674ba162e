//! Endorsements: maintainers vouching for a person's next level.
//!
//! Kept per org, endorsed login (case-insensitive), level and endorser, with the endorser's company
//! as `MAINTAINERS.yaml` gave it, so a level can require endorsers from different companies.

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::{StoreError, millis};

/// One endorsement to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub org_id: i64,
    pub login: String,
    pub github_id: Option<i64>,
    pub level: String,
    pub endorser_id: i64,
    pub endorser_login: String,
    pub company: Option<String>,
}

/// Records an endorsement; the same endorser endorsing again for the same level changes nothing.
pub(super) async fn add(tx: &mut Transaction<'_, Any>, e: &Endorsement, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO endorsements (org_id, login_key, login, github_id, level, endorser_id, endorser_login, company, \
             endorsed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(e.org_id)
    .bind(e.login.to_lowercase())
    .bind(e.login.as_str())
    .bind(e.github_id)
    .bind(e.level.as_str())
    .bind(e.endorser_id)
    .bind(e.endorser_login.as_str())
    .bind(e.company.as_deref())
    .bind(millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Erases endorsements of and by a person (opting out).
pub(super) async fn erase(tx: &mut Transaction<'_, Any>, github_id: i64, login: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM endorsements WHERE github_id = $1 OR login_key = $2 OR endorser_id = $3")
        .bind(github_id)
        .bind(login.to_lowercase())
        .bind(github_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl super::People {
    /// Endorsements of a person in an org, per level: each endorser's login and company, oldest first.
    pub async fn endorsements_of(
        &self,
        org_id: i64,
        login: &str,
    ) -> Result<std::collections::BTreeMap<String, Vec<(String, Option<String>)>>, StoreError> {
        let rows = sqlx::query(
            "SELECT level, endorser_login, company FROM endorsements WHERE org_id = $1 AND login_key = $2 \
             ORDER BY endorsed_at, endorser_login",
        )
        .bind(org_id)
        .bind(login.trim_start_matches('@').to_lowercase())
        .fetch_all(&self.0.read)
        .await?;
        let mut out: std::collections::BTreeMap<String, Vec<(String, Option<String>)>> = Default::default();
        for row in rows {
            out.entry(row.try_get("level")?)
                .or_default()
                .push((row.try_get("endorser_login")?, row.try_get("company")?));
        }
        Ok(out)
    }
}
