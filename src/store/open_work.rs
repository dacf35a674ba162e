//! Open work: the issues and pull requests open now, their labels and the people involved in them.
//!
//! Owns: replacing a repository's items as a backfill page read them (an open item's rows are written
//! anew, a closed one's removed) and applying what webhooks show ([`apply`]: the newest sighting of an
//! item wins, a closed item keeps a row marked closed so that a late, older delivery cannot open it
//! again, and a reply keeps its earliest time), inside the caller's transaction; and reading the open
//! ones back as [`ladder_core::open_work::OpenItem`]; and [`OpenWork::offers`], what the open work
//! offers a person for each kind of work, in SQL: the rules of [`ladder_core::next_steps::offer`]
//! (the pure reference) written as queries, so that a person's answer reads a few rows whatever the
//! number of open items. `tests/it/open_work.rs` pins one to the other on both engines. The login of a person who opted out is stored as NULL (and
//! read back empty; [`super::privacy`] blanks it when they opt out later); their id stays, so an item
//! assigned to them still reads as assigned.
//!
//! Never does: decide which items are open or who counts as involved (`ladder_core::history::open`).

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{Any, Row, Transaction};

use super::{Backend, OpenWork, StoreError, from_millis, millis};
use ladder_core::digest::NEWCOMER_ASSOCIATIONS;
use ladder_core::event::Account;
use ladder_core::next_steps::{
    COUNT_CAP, Lookup, Need, Offer, PER_REQUIREMENT, Place, RepoItem, Suggestion, UNANSWERED_DAYS,
};
use ladder_core::open_work::sighting::{Change, Sighting};
use ladder_core::open_work::{Involved, ItemLabel, OpenItem, Role};
use ladder_core::signal::GHOST;

/// The repository an item is in, as signals name it.
#[derive(Debug, Clone, Copy)]
pub struct InRepo<'a> {
    pub id: i64,
    pub name: &'a str,
    pub private: bool,
}

/// Writes `open` anew and removes the items numbered `closed`, in `tx`; an item a webhook showed closed
/// after the page showed it open stays closed.
pub(super) async fn replace(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    repo: InRepo<'_>,
    open: &[OpenItem],
    closed: &[i64],
) -> Result<(), StoreError> {
    // A webhook that showed an item closed after this page was read wins: the page does not open it again.
    let mut closed_since: HashMap<i64, i64> = HashMap::new();
    let rows = sqlx::query("SELECT number, updated_at FROM open_items WHERE repo_id = $1 AND closed_at IS NOT NULL")
        .bind(repo.id)
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        closed_since.insert(row.try_get("number")?, row.try_get("updated_at")?);
    }
    let stale = |item: &OpenItem| closed_since.get(&item.number).is_some_and(|at| *at > millis(item.updated_at));
    let open: Vec<&OpenItem> = open.iter().filter(|i| !stale(i)).collect();
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
            insert_label(tx, repo.id, item.number, label).await?;
        }
        for person in &item.people {
            insert_person(tx, repo.id, item.number, person, login(&person.account)).await?;
        }
    }
    Ok(())
}

/// Applies what webhooks showed of open work, in order, in `tx`.
pub(super) async fn apply(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    changes: &[&Change],
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let ids: HashSet<i64> = changes
        .iter()
        .flat_map(|c| match c {
            Change::Seen(s) => {
                std::iter::once(s.item.author.id).chain(s.item.people.iter().map(|p| p.account.id)).collect()
            }
            Change::Replied { person, .. } => vec![person.account.id],
        })
        .collect();
    let opted_out = super::privacy::opted_out_among(tx, backend, &ids).await?;
    let login = |account: &Account| (!opted_out.contains(&account.id)).then(|| account.login.clone());
    for change in changes {
        match change {
            Change::Seen(sighting) => see(tx, sighting, &login).await?,
            Change::Replied { repo_id, number, person } => {
                sqlx::query(
                    "INSERT INTO open_item_people (repo_id, number, role, person_id, login, person_type, first_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM open_items \
                         WHERE repo_id = $1 AND number = $2 AND closed_at IS NULL) \
                     ON CONFLICT (repo_id, number, role, person_id) DO UPDATE SET first_at = CASE \
                         WHEN open_item_people.first_at IS NULL OR excluded.first_at < open_item_people.first_at \
                         THEN excluded.first_at ELSE open_item_people.first_at END",
                )
                .bind(repo_id)
                .bind(number)
                .bind(person.role.as_str())
                .bind(person.account.id)
                .bind(login(&person.account))
                .bind(&person.account.account_type)
                .bind(person.first_at.map(millis))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

/// Records a sighting unless a newer one was recorded; then its labels and people (assignees, and the
/// requested reviewers it shows) are replaced, or, closed, removed (its replies stay).
async fn see(
    tx: &mut Transaction<'_, Any>,
    s: &Sighting,
    login: &impl Fn(&Account) -> Option<String>,
) -> Result<(), StoreError> {
    let item = &s.item;
    let won = sqlx::query(
        "INSERT INTO open_items (repo_id, number, repo_name, repo_private, is_pr, title, draft, author_id, \
            author_login, author_type, author_association, created_at, updated_at, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (repo_id, number) DO UPDATE SET repo_name = excluded.repo_name, \
            repo_private = excluded.repo_private, is_pr = excluded.is_pr, title = excluded.title, \
            draft = CASE WHEN $15 = 1 THEN excluded.draft ELSE open_items.draft END, \
            author_login = excluded.author_login, author_type = excluded.author_type, \
            author_association = excluded.author_association, updated_at = excluded.updated_at, \
            closed_at = excluded.closed_at \
         WHERE open_items.updated_at <= excluded.updated_at \
         RETURNING repo_id",
    )
    .bind(s.repo.id)
    .bind(item.number)
    .bind(&s.repo.full_name)
    .bind(i64::from(s.repo.private))
    .bind(i64::from(item.is_pull_request))
    .bind(super::storable(&item.title).into_owned())
    .bind(i64::from(item.draft))
    .bind(item.author.id)
    .bind(login(&item.author))
    .bind(&item.author.account_type)
    .bind(&item.author_association)
    .bind(millis(item.created_at))
    .bind(millis(item.updated_at))
    .bind((!s.open).then(|| millis(item.updated_at)))
    .bind(i64::from(s.pull_details))
    .fetch_optional(&mut **tx)
    .await?;
    if won.is_none() {
        return Ok(());
    }
    // Replies stay with a closed item (readers skip it), so that a reopened one is still answered.
    let replaced: &[Role] = match (s.open, s.pull_details) {
        (false, _) | (true, true) => &[Role::Assignee, Role::Requested],
        (true, false) => &[Role::Assignee],
    };
    for role in replaced {
        sqlx::query("DELETE FROM open_item_people WHERE repo_id = $1 AND number = $2 AND role = $3")
            .bind(s.repo.id)
            .bind(item.number)
            .bind(role.as_str())
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM open_item_labels WHERE repo_id = $1 AND number = $2")
        .bind(s.repo.id)
        .bind(item.number)
        .execute(&mut **tx)
        .await?;
    if !s.open {
        return Ok(());
    }
    for label in &item.labels {
        insert_label(tx, s.repo.id, item.number, label).await?;
    }
    for person in &item.people {
        insert_person(tx, s.repo.id, item.number, person, login(&person.account)).await?;
    }
    Ok(())
}

async fn insert_label(
    tx: &mut Transaction<'_, Any>,
    repo_id: i64,
    number: i64,
    label: &ItemLabel,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO open_item_labels (repo_id, number, label_id, name) VALUES ($1, $2, $3, $4)")
        .bind(repo_id)
        .bind(number)
        .bind(label.id)
        .bind(super::storable(&label.name).into_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_person(
    tx: &mut Transaction<'_, Any>,
    repo_id: i64,
    number: i64,
    person: &Involved,
    login: Option<String>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO open_item_people (repo_id, number, role, person_id, login, person_type, first_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(repo_id)
    .bind(number)
    .bind(person.role.as_str())
    .bind(person.account.id)
    .bind(login)
    .bind(&person.account.account_type)
    .bind(person.first_at.map(millis))
    .execute(&mut **tx)
    .await?;
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

/// An item's key in the people subqueries (`p`) and the label subqueries (`l`) of [`OpenWork::offers`].
const KEY: &str = "p.repo_id = o.repo_id AND p.number = o.number";
const LABEL_KEY: &str = "l.repo_id = o.repo_id AND l.number = o.number";
/// A label's name as `ladder_core::next_steps` compares it: trimmed, lowercased, `-` and `_` as spaces.
const NORMAL: &str = "replace(replace(lower(trim(l.name)), '-', ' '), '_', ' ')";

/// A value bound to a query built piece by piece.
enum Bound {
    Int(i64),
    Text(String),
}

/// A query's parameters, numbered as they are added.
#[derive(Default)]
struct Sql {
    bound: Vec<Bound>,
}

impl Sql {
    /// Adds a parameter; returns its placeholder.
    fn bind(&mut self, value: Bound) -> String {
        self.bound.push(value);
        format!("${}", self.bound.len())
    }

    fn query<'q>(&'q self, sql: &'q str) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        self.bound.iter().fold(sqlx::query(sql), |q, b| match b {
            Bound::Int(n) => q.bind(*n),
            Bound::Text(t) => q.bind(t.as_str()),
        })
    }
}

/// Which open items to read: the `WHERE` clause over `open_items` and its one parameter.
struct Filter {
    clause: &'static str,
    id: i64,
}

impl Filter {
    fn bind<'q>(&self, sql: &'q str) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        sqlx::query(sql).bind(self.id)
    }
}

type Key = (i64, i64);

impl OpenWork {
    /// The items open in repository `repo_id`, by number.
    pub async fn of_repo(&self, repo_id: i64) -> Result<Vec<OpenItem>, StoreError> {
        let filter = Filter { clause: "repo_id = $1", id: repo_id };
        Ok(self.read(&filter).await?.into_iter().map(|i| i.item).collect())
    }

    /// What the org's open work offers for each of `needs`: [`ladder_core::next_steps::offer`],
    /// answered by the database.
    pub async fn offers(
        &self,
        org_id: i64,
        needs: &[Need],
        lookup: Lookup<'_>,
    ) -> Result<BTreeMap<Need, Offer>, StoreError> {
        // Each kind of work is one query over the org's open items; side by side, the answer takes
        // as long as the slowest.
        let wanted: Vec<Need> = needs.iter().copied().filter(|n| *n != Need::Release).collect();
        let offers =
            futures_util::future::try_join_all(wanted.iter().map(|need| self.offer(org_id, *need, lookup))).await?;
        Ok(wanted.into_iter().zip(offers).collect())
    }

    async fn offer(&self, org_id: i64, need: Need, lookup: Lookup<'_>) -> Result<Offer, StoreError> {
        let Lookup { seeker, bots, place, now } = lookup;
        let mut sql = Sql::default();
        let org = sql.bind(Bound::Int(org_id));
        let me = sql.bind(Bound::Int(seeker.id));
        let mut clauses = vec![
            format!("r.org_id = {org} AND r.removed = 0 AND o.closed_at IS NULL AND o.draft = 0"),
            format!("o.author_id <> {me} AND o.author_id <> {}", GHOST.0),
            "COALESCE(o.author_type, '') <> 'Bot' AND COALESCE(o.author_login, '') NOT LIKE '%[bot]'".to_owned(),
            format!(
                "NOT EXISTS (SELECT 1 FROM open_item_people p WHERE {KEY} AND p.role = 'assignee' AND p.person_id <> {me})"
            ),
        ];
        let bot_logins: Vec<String> = bots.logins().map(|l| sql.bind(Bound::Text(l.to_owned()))).collect();
        if !bot_logins.is_empty() {
            clauses.push(format!("lower(COALESCE(o.author_login, '')) NOT IN ({})", bot_logins.join(", ")));
        }
        clauses.push(if seeker.repos.is_empty() {
            format!("EXISTS (SELECT 1 FROM open_item_labels l WHERE {LABEL_KEY} AND {NORMAL} = 'good first issue')")
        } else {
            let repos: Vec<String> = seeker.repos.iter().map(|r| sql.bind(Bound::Text(r.to_lowercase()))).collect();
            format!("lower(r.full_name) IN ({})", repos.join(", "))
        });
        match place {
            Place::Trusted => {}
            Place::Public => clauses.push("r.private = 0".to_owned()),
            Place::In(here) => {
                let here = sql.bind(Bound::Text(here.to_lowercase()));
                clauses.push(format!("(r.private = 0 OR lower(r.full_name) = {here})"));
            }
        }
        let replied = format!(
            "EXISTS (SELECT 1 FROM open_item_people p WHERE {KEY} AND p.role IN ('reviewer', 'commenter') \
             AND p.first_at IS NOT NULL)"
        );
        clauses.push(match need {
            Need::Triage => {
                let week_ago = sql.bind(Bound::Int(millis(now - chrono::Duration::days(UNANSWERED_DAYS))));
                format!(
                    "o.is_pr = 0 AND (NOT EXISTS (SELECT 1 FROM open_item_labels l WHERE {LABEL_KEY}) \
                     OR (NOT {replied} AND o.created_at <= {week_ago}))"
                )
            }
            Need::Review => {
                format!(
                    "o.is_pr = 1 AND NOT EXISTS (SELECT 1 FROM open_item_people p WHERE {KEY} AND p.role = 'reviewer')"
                )
            }
            Need::Newcomers => {
                let associations: Vec<String> =
                    NEWCOMER_ASSOCIATIONS.iter().map(|a| sql.bind(Bound::Text((*a).to_owned()))).collect();
                format!("o.author_association IN ({}) AND NOT {replied}", associations.join(", "))
            }
            Need::Contribution => format!(
                "o.is_pr = 0 AND EXISTS (SELECT 1 FROM open_item_labels l WHERE {LABEL_KEY} \
                 AND {NORMAL} IN ('good first issue', 'help wanted')) \
                 AND NOT EXISTS (SELECT 1 FROM open_item_people p WHERE {KEY} AND p.role = 'assignee')"
            ),
            Need::Release => return Ok(Offer::default()),
        });
        // One statement: the few newest, and how many fit in all (reported up to the cap).
        let query = format!(
            "SELECT r.full_name, o.number, o.is_pr, o.title, o.updated_at, COUNT(*) OVER () AS found \
             FROM open_items o JOIN repositories r ON r.id = o.repo_id WHERE {} \
             ORDER BY o.updated_at DESC, o.number, o.repo_id LIMIT {PER_REQUIREMENT}",
            clauses.join(" AND ")
        );
        let rows = sql.query(&query).fetch_all(&self.0.read).await?;
        let found = match rows.first() {
            Some(row) => usize::try_from(row.try_get::<i64, _>("found")?).unwrap_or(0).min(COUNT_CAP + 1),
            None => 0,
        };
        let items = rows
            .iter()
            .map(|row| {
                Ok(Suggestion {
                    repo: row.try_get("full_name")?,
                    number: row.try_get("number")?,
                    is_pull_request: row.try_get::<i64, _>("is_pr")? != 0,
                    title: row.try_get("title")?,
                    updated_at: from_millis(row.try_get("updated_at")?),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Offer { found, items })
    }

    /// The items open in the repositories org `org_id` has now (not removed, not deleted), by
    /// repository and number, each with its repository's name and visibility as they are now.
    pub async fn of_org(&self, org_id: i64) -> Result<Vec<RepoItem>, StoreError> {
        let clause = "repo_id IN (SELECT id FROM repositories WHERE org_id = $1 AND removed = 0)";
        self.read(&Filter { clause, id: org_id }).await
    }

    async fn read(&self, filter: &Filter) -> Result<Vec<RepoItem>, StoreError> {
        let read = &self.0.read;
        let chosen = format!("SELECT repo_id, number FROM open_items WHERE {} AND closed_at IS NULL", filter.clause);
        let mut labels: HashMap<Key, Vec<ItemLabel>> = HashMap::new();
        let sql = format!(
            "SELECT repo_id, number, label_id, name FROM open_item_labels WHERE (repo_id, number) IN ({chosen}) ORDER BY name"
        );
        for row in filter.bind(&sql).fetch_all(read).await? {
            let label = ItemLabel { id: row.try_get("label_id")?, name: row.try_get("name")? };
            labels.entry((row.try_get("repo_id")?, row.try_get("number")?)).or_default().push(label);
        }
        let mut people: HashMap<Key, Vec<Involved>> = HashMap::new();
        let sql = format!(
            "SELECT repo_id, number, role, person_id, login, person_type, first_at FROM open_item_people \
             WHERE (repo_id, number) IN ({chosen}) ORDER BY person_id"
        );
        for row in filter.bind(&sql).fetch_all(read).await? {
            let role: String = row.try_get("role")?;
            let role =
                Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("unknown open-work role {role}")))?;
            let first_at = row.try_get::<Option<i64>, _>("first_at")?.map(from_millis);
            let person = Involved { role, account: account(&row, "person_id", "login", "person_type")?, first_at };
            people.entry((row.try_get("repo_id")?, row.try_get("number")?)).or_default().push(person);
        }
        let sql = format!(
            "SELECT * FROM open_items WHERE {} AND closed_at IS NULL ORDER BY repo_name, number",
            filter.clause
        );
        let rows = filter.bind(&sql).fetch_all(read).await?;
        // The repositories' names and visibility now: an item keeps what its last sighting said.
        let mut repos: HashMap<i64, (String, bool)> = HashMap::new();
        let sql = format!(
            "SELECT id, full_name, private FROM repositories WHERE id IN (SELECT repo_id FROM open_items WHERE {})",
            filter.clause
        );
        for row in filter.bind(&sql).fetch_all(read).await? {
            repos.insert(row.try_get("id")?, (row.try_get("full_name")?, row.try_get::<i64, _>("private")? != 0));
        }
        rows.iter()
            .map(|row| {
                let key: Key = (row.try_get("repo_id")?, row.try_get("number")?);
                let mut involved = people.remove(&key).unwrap_or_default();
                involved.sort_by_key(|p| (p.role, p.account.id));
                let item = OpenItem {
                    number: key.1,
                    is_pull_request: row.try_get::<i64, _>("is_pr")? != 0,
                    title: row.try_get("title")?,
                    draft: row.try_get::<i64, _>("draft")? != 0,
                    author: account(row, "author_id", "author_login", "author_type")?,
                    author_association: row.try_get("author_association")?,
                    created_at: from_millis(row.try_get("created_at")?),
                    updated_at: from_millis(row.try_get("updated_at")?),
                    labels: labels.remove(&key).unwrap_or_default(),
                    people: involved,
                };
                let repo_id = key.0;
                let (repo, private) = match repos.get(&repo_id) {
                    Some((name, private)) => (name.clone(), *private),
                    None => (row.try_get("repo_name")?, row.try_get::<i64, _>("repo_private")? != 0),
                };
                Ok(RepoItem { repo_id, repo, private, item })
            })
            .collect()
    }
}
