//! Program enrolments: who is a mentee in an org, with their mentor and cohort.
//!
//! People are named by login (matched without regard to case) because a mentee may have no recorded
//! activity yet; the GitHub id is kept when known. Ending an enrolment keeps its row, with the time.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{StoreError, from_millis, millis};
use ladder_core::enrolment::Enrolment;

fn from_row(row: &AnyRow) -> Result<Enrolment, StoreError> {
    Ok(Enrolment {
        org_id: row.try_get("org_id")?,
        login: row.try_get("login")?,
        github_id: row.try_get("github_id")?,
        mentor: row.try_get("mentor")?,
        cohort: row.try_get("cohort")?,
        enrolled_by: row.try_get("enrolled_by")?,
        enrolled_at: from_millis(row.try_get("enrolled_at")?),
        ended_at: row.try_get::<Option<i64>, _>("ended_at")?.map(from_millis),
    })
}

/// Enrols (or enrols again) a person; a new enrolment replaces mentor and cohort.
pub(super) async fn enrol(tx: &mut Transaction<'_, Any>, e: &Enrolment) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO enrolments (org_id, login_key, login, github_id, mentor, cohort, enrolled_by, enrolled_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, login_key) DO UPDATE SET login = excluded.login, \
             github_id = COALESCE(excluded.github_id, enrolments.github_id), mentor = excluded.mentor, \
             cohort = excluded.cohort, enrolled_by = excluded.enrolled_by, enrolled_at = excluded.enrolled_at, \
             ended_at = NULL",
    )
    .bind(e.org_id)
    .bind(e.login.to_lowercase())
    .bind(e.login.as_str())
    .bind(e.github_id)
    .bind(e.mentor.as_deref())
    .bind(e.cohort.as_deref())
    .bind(e.enrolled_by.as_str())
    .bind(millis(e.enrolled_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a person's enrolment, if active.
pub(super) async fn end(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    login: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE enrolments SET ended_at = $1 WHERE org_id = $2 AND login_key = $3 AND ended_at IS NULL")
        .bind(millis(now))
        .bind(org_id)
        .bind(login.to_lowercase())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Erases a person's enrolments in every org (opting out), and the mentor name where they mentor.
pub(super) async fn erase(tx: &mut Transaction<'_, Any>, github_id: i64, login: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM enrolments WHERE github_id = $1 OR login_key = $2")
        .bind(github_id)
        .bind(login.to_lowercase())
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE enrolments SET mentor = NULL WHERE lower(mentor) = $1")
        .bind(login.to_lowercase())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl super::People {
    /// A person's enrolment in an org (active or ended), by login.
    pub async fn enrolment(&self, org_id: i64, login: &str) -> Result<Option<Enrolment>, StoreError> {
        let row = sqlx::query("SELECT * FROM enrolments WHERE org_id = $1 AND login_key = $2")
            .bind(org_id)
            .bind(login.trim_start_matches('@').to_lowercase())
            .fetch_optional(&self.0.read)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every enrolment in an org, ended ones too (past cohorts), by login.
    pub async fn enrolments(&self, org_id: i64) -> Result<Vec<Enrolment>, StoreError> {
        let rows = sqlx::query("SELECT * FROM enrolments WHERE org_id = $1 ORDER BY login_key")
            .bind(org_id)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Everyone enrolled in an org now, by login.
    pub async fn enrolled(&self, org_id: i64) -> Result<Vec<Enrolment>, StoreError> {
        let rows = sqlx::query("SELECT * FROM enrolments WHERE org_id = $1 AND ended_at IS NULL ORDER BY login_key")
            .bind(org_id)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(from_row).collect()
    }
}
