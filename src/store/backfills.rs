//! Backfill runs and their checkpoints.
//!
//! Owns: the lease that makes one backfill per owner run at a time (across replicas and the command
//! line), whether a run starts afresh or resumes, each list's checkpoint, and committing a page's
//! signals (and the open work it showed) together with the checkpoint after it, so an interrupted run
//! resumes exactly where its last committed page ended; the authors of the pull requests pages showed (for review comments);
//! the window of deliveries reconcile found lost for good; and where each repository says how it
//! makes releases (read by backfill, and again when a push changes it).
//!
//! Never does: decide what a page reports or when to page (the backfill wing does).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Backfills, Durability, StoreError, from_millis, millis};
use ladder_core::directory::Change;
use ladder_core::event::Account;
use ladder_core::history::due::{LastRun, Lost};
use ladder_core::history::facts::CodeownersRevision;
use ladder_core::open_work::OpenItem;
use ladder_core::signal::{Org, Signal, Subject};

/// Where a run stands once its lease is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nothing to resume: a new run (earlier checkpoints of the owner, if any, are cleared).
    Started,
    /// An unfinished run with the same selection: its checkpoints stand.
    Resumed,
    /// Another run holds the lease.
    Busy { holder: String, until: DateTime<Utc> },
}

/// What a run is asked to cover: one repository or all, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub owner: String,
    /// `owner/name`, or None for every repository the reader can see.
    pub repo: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

impl Selection {
    fn key(&self) -> String {
        self.repo.clone().unwrap_or_else(|| "*".to_owned())
    }
}

/// One list's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checkpoint {
    pub cursor: Option<String>,
    pub done: bool,
}

/// A page to commit: its repository, list, the cursor after it, whether the list is done, its items,
/// signals, the pull requests it showed (their subjects, for review comments read later), the
/// `CODEOWNERS` revisions it read, and the open work it showed: the items open now, and the numbers
/// of those it read closed.
#[derive(Debug)]
pub struct Page<'a> {
    pub org: &'a Org,
    pub repo_id: i64,
    pub repo_name: &'a str,
    pub repo_private: bool,
    pub list: &'a str,
    pub cursor: Option<&'a str>,
    pub done: bool,
    pub items: i64,
    pub signals: &'a [Signal],
    pub pulls: &'a [Subject],
    pub revisions: &'a [CodeownersRevision],
    /// Where the repository says how it makes releases, when this page read it (`Some(None)`: nowhere).
    pub guide: Option<Option<&'a str>>,
    pub open: &'a [OpenItem],
    pub closed: &'a [i64],
    /// Whether the run reads the whole history (no `since`): a done list of pull requests then means
    /// the repository's history is paged.
    pub whole_history: bool,
}

/// A run as `ladder backfill --status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStatus {
    pub owner: String,
    pub selection: String,
    pub since: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub holder: Option<String>,
    /// `(repo, list, items, done)`.
    pub lists: Vec<(String, String, i64, bool)>,
}

/// Keeps a pull request's subject (its author's login left out when they opted out).
async fn remember_pull(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    repo_id: i64,
    pull: &Subject,
) -> Result<(), StoreError> {
    let Some(author) = &pull.author else { return Ok(()) };
    sqlx::query(
        "INSERT INTO backfill_pulls (repo_id, number, author_id, author_login, author_type, author_association) \
         VALUES ($1, $2, $3, CASE WHEN EXISTS (SELECT 1 FROM optouts WHERE github_id = $3) THEN NULL ELSE $4 END, \
            $5, $6) \
         ON CONFLICT (repo_id, number) DO UPDATE SET author_id = excluded.author_id, \
            author_login = excluded.author_login, author_type = excluded.author_type, \
            author_association = excluded.author_association",
    )
    .bind(repo_id)
    .bind(pull.number)
    .bind(author.id)
    .bind(&author.login)
    .bind(&author.account_type)
    .bind(&pull.author_association)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keeps where a repository says how it makes releases (or that it says nowhere).
async fn remember_guide(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    repo_id: i64,
    path: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM release_guides WHERE repo_id = $1").bind(repo_id).execute(&mut **tx).await?;
    if let Some(path) = path {
        sqlx::query("INSERT INTO release_guides (repo_id, path) VALUES ($1, $2)")
            .bind(repo_id)
            .bind(path)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Keeps a `CODEOWNERS` revision (once: a revision never changes).
async fn remember_revision(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    repo_id: i64,
    revision: &CodeownersRevision,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO codeowners_revisions (repo_id, path, oid, committed_at, text) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (repo_id, path, oid) DO NOTHING",
    )
    .bind(repo_id)
    .bind(&revision.path)
    .bind(&revision.oid)
    .bind(millis(revision.committed_at))
    // PostgreSQL text cannot hold NUL.
    .bind(revision.text.as_ref().map(|t| t.replace('\0', "\u{fffd}")))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Renews `holder`'s lease on `owner` (a lower-case key) until `now + lease`; false when another run
/// holds it.
async fn renew(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    owner: &str,
    holder: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<bool, StoreError> {
    let renewed = sqlx::query("UPDATE backfill_runs SET lease_until = $3 WHERE owner = $1 AND holder = $2")
        .bind(owner)
        .bind(holder)
        .bind(millis(now) + lease.as_millis() as i64)
        .execute(&mut **tx)
        .await?;
    Ok(renewed.rows_affected() == 1)
}

/// The source recorded on backfilled signals, where a delivery's id stands for webhook ones.
pub const SOURCE: &str = "backfill";

fn owner_key(owner: &str) -> String {
    owner.to_lowercase()
}

impl Backfills {
    /// Where each of org `org_id`'s repositories says how it makes releases, as backfill last read it:
    /// the page's address on GitHub, by repository (`owner/name`).
    pub async fn release_guides(&self, org_id: i64) -> Result<BTreeMap<String, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.full_name, g.path FROM release_guides g JOIN repositories r ON r.id = g.repo_id \
             WHERE r.org_id = $1 AND r.removed = 0",
        )
        .bind(org_id)
        .fetch_all(&self.0.read)
        .await?;
        rows.iter()
            .map(|row| {
                let (repo, path): (String, String) = (row.try_get("full_name")?, row.try_get("path")?);
                Ok((repo.clone(), format!("https://github.com/{repo}/blob/HEAD/{path}")))
            })
            .collect()
    }

    /// Keeps where repository `repo_id` says how it makes releases (`None`: nowhere), as a push to
    /// its default branch left it.
    pub async fn set_release_guide(&self, repo_id: i64, path: Option<&str>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Full).await?;
        remember_guide(&mut tx, repo_id, path).await?;
        Ok(tx.commit().await?)
    }

    /// Every `CODEOWNERS` revision backfill recorded in org `org_id`'s repositories, oldest first, each
    /// with its repository's name (without the owner).
    pub async fn codeowners_history(&self, org_id: i64) -> Result<Vec<ladder_core::calibration::Revision>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.full_name, c.committed_at, c.text FROM codeowners_revisions c \
             JOIN repositories r ON r.id = c.repo_id WHERE r.org_id = $1 ORDER BY c.committed_at, r.full_name, c.path",
        )
        .bind(org_id)
        .fetch_all(&self.0.read)
        .await?;
        rows.iter()
            .map(|row| {
                let full: String = row.try_get("full_name")?;
                Ok(ladder_core::calibration::Revision {
                    repo: full.split_once('/').map_or(full.clone(), |(_, name)| name.to_owned()),
                    committed_at: from_millis(row.try_get("committed_at")?),
                    text: row.try_get("text")?,
                })
            })
            .collect()
    }

    /// Takes the owner's lease for `holder` (or renews it) until `now + lease`, and says whether the run
    /// resumes an unfinished one with the same selection.
    pub async fn claim(
        &self,
        selection: &Selection,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        self.claim_keeping(selection, holder, now, lease, false).await
    }

    /// [`Backfills::claim`]; with `keep_done`, the last run of the same repositories resumes whether it
    /// finished or not and whatever its `since`: its lists that are done stay done, so only
    /// repositories new since then are paged (from this selection's `since`).
    pub async fn claim_keeping(
        &self,
        selection: &Selection,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
        keep_done: bool,
    ) -> Result<Claim, StoreError> {
        let store = &self.0;
        let owner = owner_key(&selection.owner);
        let until = millis(now) + lease.as_millis() as i64;
        let mut conn = store.writer(Durability::Deferred).await?;
        let mut tx = store.begin(&mut conn, Durability::Deferred).await?;
        let taken = sqlx::query(
            "INSERT INTO backfill_runs (owner, selection, since_at, started_at, holder, lease_until) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (owner) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until \
             WHERE backfill_runs.holder IS NULL OR backfill_runs.lease_until < $4 \
                OR backfill_runs.holder = excluded.holder \
             RETURNING selection, since_at, finished_at",
        )
        .bind(&owner)
        .bind(selection.key())
        .bind(selection.since.map(millis))
        .bind(millis(now))
        .bind(holder)
        .bind(until)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = taken else {
            let row = sqlx::query("SELECT holder, lease_until FROM backfill_runs WHERE owner = $1")
                .bind(&owner)
                .fetch_one(&mut *tx)
                .await?;
            let holder: Option<String> = row.try_get("holder")?;
            let until: Option<i64> = row.try_get("lease_until")?;
            return Ok(Claim::Busy { holder: holder.unwrap_or_default(), until: from_millis(until.unwrap_or(0)) });
        };
        let same_since = row.try_get::<Option<i64>, _>("since_at")? == selection.since.map(millis);
        let unfinished = row.try_get::<Option<i64>, _>("finished_at")?.is_none();
        let same =
            row.try_get::<String, _>("selection")? == selection.key() && (keep_done || (same_since && unfinished));
        let checkpoints: i64 = sqlx::query("SELECT COUNT(*) FROM backfill_checkpoints WHERE owner = $1")
            .bind(&owner)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let claim = if same && checkpoints > 0 {
            Claim::Resumed
        } else {
            sqlx::query(
                "UPDATE backfill_runs SET selection = $2, since_at = $3, started_at = $4, finished_at = NULL \
                 WHERE owner = $1",
            )
            .bind(&owner)
            .bind(selection.key())
            .bind(selection.since.map(millis))
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM backfill_checkpoints WHERE owner = $1").bind(&owner).execute(&mut *tx).await?;
            Claim::Started
        };
        tx.commit().await?;
        Ok(claim)
    }

    /// Renews `holder`'s lease on `owner`'s run until `now + lease`, while it waits between pages;
    /// false when another run holds it (this one must stop).
    pub async fn renew_lease(
        &self,
        owner: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.0.writer(Durability::Deferred).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Deferred).await?;
        let held = renew(&mut tx, &owner_key(owner), holder, now, lease).await?;
        tx.commit().await?;
        Ok(held)
    }

    /// The checkpoint of one list of one repository (the start, when it has none).
    pub async fn checkpoint(&self, owner: &str, repo_id: i64, list: &str) -> Result<Checkpoint, StoreError> {
        let row = sqlx::query(
            "SELECT cursor, done FROM backfill_checkpoints WHERE owner = $1 AND repo_id = $2 AND list = $3",
        )
        .bind(owner_key(owner))
        .bind(repo_id)
        .bind(list)
        .fetch_optional(&self.0.read)
        .await?;
        let Some(row) = row else { return Ok(Checkpoint::default()) };
        Ok(Checkpoint { cursor: row.try_get("cursor")?, done: row.try_get::<i64, _>("done")? != 0 })
    }

    /// Commits a page's signals and the checkpoint after it in one transaction, renewing the lease;
    /// refuses (changing nothing) when `holder` no longer holds it.
    pub async fn commit_page(
        &self,
        owner: &str,
        holder: &str,
        page: &Page<'_>,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), StoreError> {
        let store = &self.0;
        let owner = owner_key(owner);
        let mut conn = store.writer(Durability::Deferred).await?;
        let mut tx = store.begin(&mut conn, Durability::Deferred).await?;
        if !renew(&mut tx, &owner, holder, now, lease).await? {
            return Err(StoreError::Corrupt(format!(
                "the backfill lease of {owner} was taken by another run; this one stops"
            )));
        }
        // The repository, as webhooks would have made it known (`ladder status --org` finds it).
        let known = Change::Repository {
            id: page.repo_id,
            owner: page.org.clone(),
            full_name: page.repo_name.to_owned(),
            private: page.repo_private,
            installation_id: None,
            removed: false,
        };
        super::directory::apply(&mut tx, &[known], now).await?;
        let signals: Vec<(&str, &Signal)> = page.signals.iter().map(|s| (SOURCE, s)).collect();
        super::signals::record(&mut tx, store.backend, &signals, now).await?;
        for pull in page.pulls {
            remember_pull(&mut tx, page.repo_id, pull).await?;
        }
        for revision in page.revisions {
            remember_revision(&mut tx, page.repo_id, revision).await?;
        }
        if let Some(guide) = page.guide {
            remember_guide(&mut tx, page.repo_id, guide).await?;
        }
        if page.list == "pulls" && page.done && page.whole_history {
            sqlx::query(
                "INSERT INTO backfill_paged (owner, repo_name, paged_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (owner, repo_name) DO UPDATE SET paged_at = excluded.paged_at",
            )
            .bind(&owner)
            .bind(page.repo_name.to_lowercase())
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        }
        let repo = super::open_work::InRepo { id: page.repo_id, name: page.repo_name, private: page.repo_private };
        super::open_work::replace(&mut tx, store.backend, repo, page.open, page.closed).await?;
        sqlx::query(
            "INSERT INTO backfill_checkpoints (owner, repo_id, repo_name, list, cursor, done, items, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (owner, repo_id, list) DO UPDATE SET cursor = excluded.cursor, done = excluded.done, \
                items = backfill_checkpoints.items + excluded.items, updated_at = excluded.updated_at",
        )
        .bind(&owner)
        .bind(page.repo_id)
        .bind(page.repo_name)
        .bind(page.list)
        .bind(page.cursor)
        .bind(i64::from(page.done))
        .bind(page.items)
        .bind(millis(now))
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    /// The subjects of the pull requests numbered `numbers` in repository `repo_id` that a page showed.
    pub async fn pull_subjects(
        &self,
        repo_id: i64,
        numbers: &[i64],
    ) -> Result<std::collections::HashMap<i64, Subject>, StoreError> {
        let mut out = std::collections::HashMap::new();
        let backend = self.0.backend;
        for chunk in numbers.chunks(super::rows_per_statement(1) - 1) {
            let sql = format!(
                "SELECT number, author_id, author_login, author_type, author_association FROM backfill_pulls \
                 WHERE number IN ({}) AND repo_id = {}",
                super::list(backend, chunk.len()),
                super::placeholder(backend, chunk.len() + 1)
            );
            let mut query = sqlx::query(&sql);
            for number in chunk {
                query = query.bind(*number);
            }
            for row in query.bind(repo_id).fetch_all(&self.0.read).await? {
                let number: i64 = row.try_get("number")?;
                let author = Account {
                    id: row.try_get("author_id")?,
                    login: row.try_get::<Option<String>, _>("author_login")?.unwrap_or_default(),
                    account_type: row.try_get("author_type")?,
                };
                let association = row.try_get("author_association")?;
                out.insert(
                    number,
                    Subject { number, is_pull_request: true, author: Some(author), author_association: association },
                );
            }
        }
        Ok(out)
    }

    /// Ends `holder`'s run: finished (so the next one starts afresh) or only released (to resume).
    pub async fn release(
        &self,
        owner: &str,
        holder: &str,
        finished: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let finished_at = finished.then(|| millis(now));
        let store = &self.0;
        let mut conn = store.writer(Durability::Full).await?;
        sqlx::query(
            "UPDATE backfill_runs SET holder = NULL, lease_until = NULL, \
                finished_at = COALESCE($3, finished_at), first_finished_at = COALESCE(first_finished_at, $3) \
             WHERE owner = $1 AND holder = $2",
        )
        .bind(owner_key(owner))
        .bind(holder)
        .bind(finished_at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The repositories (`owner/name`, lower case) whose whole history of pull requests some run of
    /// `owner` paged to the end (whatever runs came after).
    pub async fn paged_repositories(&self, owner: &str) -> Result<std::collections::HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT repo_name FROM backfill_paged WHERE owner = $1")
            .bind(owner_key(owner))
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>(0)?.to_lowercase())).collect()
    }

    /// Records that `holder`'s finished run of `owner`, over every repository from the lost window's
    /// start or earlier, covered the window reconcile found at `found_at`.
    pub async fn covered(&self, owner: &str, holder: &str, found_at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        sqlx::query("UPDATE backfill_runs SET window_found_at = $3 WHERE owner = $1 AND holder = $2")
            .bind(owner_key(owner))
            .bind(holder)
            .bind(millis(found_at))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Whether a backfill of `owner` began (Some) and whether one has ever finished (the bool), in
    /// one read: a later run (a lost window, one repository) leaves the first one finished.
    pub async fn history(&self, owner: &str) -> Result<Option<bool>, StoreError> {
        let row = sqlx::query("SELECT first_finished_at FROM backfill_runs WHERE owner = $1")
            .bind(owner_key(owner))
            .fetch_optional(&self.0.read)
            .await?;
        Ok(row.map(|r| r.try_get::<Option<i64>, _>(0)).transpose()?.map(|at| at.is_some()))
    }

    /// The last run of `owner`, if one began.
    pub async fn last_run(&self, owner: &str) -> Result<Option<LastRun>, StoreError> {
        let row = sqlx::query("SELECT since_at, finished_at, window_found_at FROM backfill_runs WHERE owner = $1")
            .bind(owner_key(owner))
            .fetch_optional(&self.0.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LastRun {
            since: row.try_get::<Option<i64>, _>("since_at")?.map(from_millis),
            finished: row.try_get::<Option<i64>, _>("finished_at")?.is_some(),
            covered: row.try_get::<Option<i64>, _>("window_found_at")?.map(from_millis),
        }))
    }

    /// Records that deliveries from `since` on are lost for good (found `now`): every org is then
    /// backfilled from there once more. An earlier start already recorded stands.
    pub async fn lost(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        sqlx::query(
            "INSERT INTO backfill_lost (id, since_at, found_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET found_at = excluded.found_at, \
                since_at = CASE WHEN excluded.since_at < backfill_lost.since_at \
                                THEN excluded.since_at ELSE backfill_lost.since_at END",
        )
        .bind(millis(since))
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The deliveries lost for good, if reconcile found any.
    pub async fn lost_window(&self) -> Result<Option<Lost>, StoreError> {
        let row = sqlx::query("SELECT since_at, found_at FROM backfill_lost WHERE id = 1")
            .fetch_optional(&self.0.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Lost { since: from_millis(row.try_get("since_at")?), found_at: from_millis(row.try_get("found_at")?) }))
    }

    /// Whether a backfill of `owner` has ever finished.
    pub async fn finished_once(&self, owner: &str) -> Result<bool, StoreError> {
        Ok(self.history(owner).await? == Some(true))
    }

    /// Every run, with its lists.
    pub async fn status(&self) -> Result<Vec<RunStatus>, StoreError> {
        let runs = sqlx::query(
            "SELECT owner, selection, since_at, started_at, finished_at, holder FROM backfill_runs ORDER BY owner",
        )
        .fetch_all(&self.0.read)
        .await?;
        let mut out = Vec::new();
        for run in runs {
            let owner: String = run.try_get("owner")?;
            let lists = sqlx::query(
                "SELECT repo_name, list, items, done FROM backfill_checkpoints WHERE owner = $1 \
                 ORDER BY repo_name, list",
            )
            .bind(&owner)
            .fetch_all(&self.0.read)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("repo_name")?,
                    r.try_get("list")?,
                    r.try_get("items")?,
                    r.try_get::<i64, _>("done")? != 0,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
            out.push(RunStatus {
                owner,
                selection: run.try_get("selection")?,
                since: run.try_get::<Option<i64>, _>("since_at")?.map(from_millis),
                started_at: from_millis(run.try_get("started_at")?),
                finished_at: run.try_get::<Option<i64>, _>("finished_at")?.map(from_millis),
                holder: run.try_get("holder")?,
                lists,
            });
        }
        Ok(out)
    }
}
