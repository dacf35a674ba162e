//! Open work: the issues and pull requests open now, their labels and the people involved in them.
//!
//! Owns: replacing a repository's items as a page read them (an open item's rows are written anew, a
//! closed one's removed), inside the caller's transaction, and reading them back as
//! [`ladder_core::open_work::OpenItem`]. The login of a person who opted out is stored as NULL (and
//! read back empty; [`super::privacy`] blanks it when they opt out later); their id stays, so an item
//! assigned to them still reads as assigned.
//!
//! Never does: decide which items are open or who counts as involved (`ladder_core::history::open`).

use std::collections::{HashMap, HashSet};

use sqlx::{Any, Row, Transaction};

use super::{Backend, OpenWork, StoreError, from_millis, millis};
use ladder_core::event::Account;
use ladder_core::open_work::{Involved, ItemLabel, OpenItem, Role};

/// The repository an item is in, as signals name it.
#[derive(Debug, Clone, Copy)]
pub struct InRepo<'a> {
    pub id: i64,
    pub name: &'a str,
    pub private: bool,
}

/// Writes `open` anew and removes the items numbered `closed`, in `tx`.
pub(super) async fn replace(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    repo: InRepo<'_>,
    open: &[OpenItem],
    closed: &[i64],
) -> Result<(), StoreError> {
    let numbers = open.iter().map(|i| i.number).chain(closed.iter().copied());
    for number in numbers {
        for table in ["open_items", "open_item_labels", "open_item_people"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE repo_id = $1 AND number = $2"))
                .bind(repo.id)
                .bind(number)
                .execute(&mut **tx)
                .await?;
        }
    }
    let ids: HashSet<i64> =
        open.iter().flat_map(|i| std::iter::once(i.author.id).chain(i.people.iter().map(|p| p.account.id))).collect();
    let opted_out = super::privacy::opted_out_among(tx, backend, &ids).await?;
    let login = |account: &Account| (!opted_out.contains(&account.id)).then(|| account.login.clone());
    for item in open {
        insert_item(tx, repo, item, login(&item.author)).await?;
        for label in &item.labels {
            sqlx::query("INSERT INTO open_item_labels (repo_id, number, label_id, name) VALUES ($1, $2, $3, $4)")
                .bind(repo.id)
                .bind(item.number)
                .bind(label.id)
                .bind(super::storable(&label.name).into_owned())
                .execute(&mut **tx)
                .await?;
        }
        for person in &item.people {
            sqlx::query(
                "INSERT INTO open_item_people (repo_id, number, role, person_id, login, person_type, first_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(repo.id)
            .bind(item.number)
            .bind(person.role.as_str())
            .bind(person.account.id)
            .bind(login(&person.account))
            .bind(&person.account.account_type)
            .bind(person.first_at.map(millis))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn insert_item(
    tx: &mut Transaction<'_, Any>,
    repo: InRepo<'_>,
    item: &OpenItem,
    author_login: Option<String>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO open_items (repo_id, number, repo_name, repo_private, is_pr, title, draft, author_id, \
            author_login, author_type, author_association, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(repo.id)
    .bind(item.number)
    .bind(repo.name)
    .bind(i64::from(repo.private))
    .bind(i64::from(item.is_pull_request))
    .bind(super::storable(&item.title).into_owned())
    .bind(i64::from(item.draft))
    .bind(item.author.id)
    .bind(author_login)
    .bind(&item.author.account_type)
    .bind(&item.author_association)
    .bind(millis(item.created_at))
    .bind(millis(item.updated_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn account(row: &sqlx::any::AnyRow, id: &str, login: &str, kind: &str) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.try_get(id)?,
        login: row.try_get::<Option<String>, _>(login)?.unwrap_or_default(),
        account_type: row.try_get(kind)?,
    })
}

impl OpenWork {
    /// The items open in repository `repo_id`, by number.
    pub async fn of_repo(&self, repo_id: i64) -> Result<Vec<OpenItem>, StoreError> {
        let read = &self.0.read;
        let mut labels: HashMap<i64, Vec<ItemLabel>> = HashMap::new();
        let rows = sqlx::query("SELECT number, label_id, name FROM open_item_labels WHERE repo_id = $1 ORDER BY name")
            .bind(repo_id)
            .fetch_all(read)
            .await?;
        for row in rows {
            let label = ItemLabel { id: row.try_get("label_id")?, name: row.try_get("name")? };
            labels.entry(row.try_get("number")?).or_default().push(label);
        }
        let mut people: HashMap<i64, Vec<Involved>> = HashMap::new();
        let rows = sqlx::query(
            "SELECT number, role, person_id, login, person_type, first_at FROM open_item_people \
             WHERE repo_id = $1 ORDER BY person_id",
        )
        .bind(repo_id)
        .fetch_all(read)
        .await?;
        for row in rows {
            let role: String = row.try_get("role")?;
            let role =
                Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("unknown open-work role {role}")))?;
            let first_at = row.try_get::<Option<i64>, _>("first_at")?.map(from_millis);
            let person = Involved { role, account: account(&row, "person_id", "login", "person_type")?, first_at };
            people.entry(row.try_get("number")?).or_default().push(person);
        }
        let rows = sqlx::query("SELECT * FROM open_items WHERE repo_id = $1 ORDER BY number")
            .bind(repo_id)
            .fetch_all(read)
            .await?;
        rows.iter()
            .map(|row| {
                let number: i64 = row.try_get("number")?;
                let mut involved = people.remove(&number).unwrap_or_default();
                involved.sort_by_key(|p| (p.role, p.account.id));
                Ok(OpenItem {
                    number,
                    is_pull_request: row.try_get::<i64, _>("is_pr")? != 0,
                    title: row.try_get("title")?,
                    draft: row.try_get::<i64, _>("draft")? != 0,
                    author: account(row, "author_id", "author_login", "author_type")?,
                    author_association: row.try_get("author_association")?,
                    created_at: from_millis(row.try_get("created_at")?),
                    updated_at: from_millis(row.try_get("updated_at")?),
                    labels: labels.remove(&number).unwrap_or_default(),
                    people: involved,
                })
            })
            .collect()
    }
}
