//! Signals as rows: reading a stored signal back into the app's [`Signal`].
//!
//! Never does: write, or decide anything about a signal.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, from_millis};
use ladder_core::event::Account;
use ladder_core::signal::{Kind, Org, Repo, Signal, Subject};

/// A stored signal, read back.
pub(super) fn signal_from_row(row: &AnyRow) -> Result<Signal, StoreError> {
    let kind: String = row.try_get("kind")?;
    let kind = Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unknown signal kind `{kind}`")))?;
    let subject = match row.try_get::<Option<i64>, _>("subject_number")? {
        None => None,
        Some(number) => {
            let author = match row.try_get::<Option<i64>, _>("subject_author_id")? {
                None => None,
                Some(id) => Some(Account {
                    id,
                    login: row.try_get::<Option<String>, _>("subject_author_login")?.unwrap_or_default(),
                    account_type: row.try_get("subject_author_type")?,
                }),
            };
            Some(Subject {
                number,
                is_pull_request: row.try_get::<Option<i64>, _>("subject_is_pr")?.unwrap_or(0) != 0,
                author,
                author_association: row.try_get("subject_author_association")?,
            })
        }
    };
    let data: String = row.try_get("data")?;
    Ok(Signal {
        kind,
        identity: row.try_get("identity")?,
        org: Org { id: row.try_get("org_id")?, login: row.try_get("org_login")? },
        repo: Repo {
            id: row.try_get("repo_id")?,
            full_name: row.try_get("repo_name")?,
            private: row.try_get::<i64, _>("repo_private")? != 0,
        },
        subject,
        actor: Account {
            id: row.try_get("actor_id")?,
            login: row.try_get("actor_login")?,
            account_type: row.try_get("actor_type")?,
        },
        occurred_at: from_millis(row.try_get("occurred_at")?),
        data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("signal data: {e}")))?,
    })
}
