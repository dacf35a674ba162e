//! The store: every SQL statement the app runs, for SQLite and PostgreSQL alike.
//!
//! Owns: connecting (with durable SQLite settings), migrations (one folder per engine, embedded in the
//! binary), the delivery queue ([`queue`]), recorded signals and the people they name ([`signals`])
//! with their per-person [`digests`], the directory of installations and repositories
//! ([`directory`]), and the [`outbox`] of actions to take on GitHub. Statements are shared where the engines
//! agree; the few that differ are chosen by [`Backend`].
//!
//! [`Store`] is the connection; its queries live on one handle per area ([`Queue`], [`Outbox`],
//! [`People`], [`Directory`], [`Configs`], [`Backfills`], [`OpenWork`], [`Growth`], [`Sessions`]). The wings' long-lived parts hold only the handles they use
//! (the intake a `Queue`, the dispatcher its `refresh::Keep`, the planner's reads `People`,
//! `Directory` and the `Outbox`), so their fields say what they read and write; the command line and
//! `serve`, which wire everything, take the `Store`.
//!
//! Never does: business rules. It stores what it is given and returns rows as the app's own types.
//!
//! Times are stored as Unix milliseconds and booleans as 0/1, the common ground of both engines.

pub mod backfills;
pub mod commands;
pub mod configs;
pub mod digests;
pub mod directory;
pub mod endorsements;
pub mod enrolments;
pub mod growth;
pub mod open_work;
pub mod outbox;
pub mod privacy;
pub mod queue;
pub mod reconciled;
pub mod roles;
pub mod sessions;
pub mod signal_rows;
pub mod signals;
pub mod totals;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ladder_core::visibility::Scope;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Row, Transaction};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Failures talking to the database. Messages say what to check.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported DATABASE_URL `{0}`: use sqlite://PATH (for example sqlite://ladder.db) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
    #[error("cannot open the database at {url}: {reason}; check that it exists and is reachable")]
    Connect {
        url: String,
        /// The driver's reason, with the URL's secrets replaced.
        reason: String,
    },
    #[error("database migration failed: {0}; the database may be from a newer ladder version")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

/// What a committed write must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// A killed process and a power cut: deliveries acknowledged to GitHub.
    Full,
    /// A killed process. A power cut (or a PostgreSQL crash) may undo the last such commits, which only
    /// means that work is done again: claims, done marks and what processing derives, which are all
    /// idempotent. The next full commit makes everything before it durable too, so these writes add no
    /// flushes of their own.
    Deferred,
}

/// A connection to the app's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// All writes go through this pool. On SQLite it holds one connection, so writers queue in the
    /// process instead of failing with `SQLITE_BUSY`.
    write: AnyPool,
    /// Reads; on PostgreSQL the same pool as `write`.
    read: AnyPool,
}

/// The delivery queue ([`queue`]): what the intake stores, the worker claims and completes, and
/// replay and housekeeping read.
#[derive(Debug, Clone)]
pub struct Queue(Store);

/// The [`outbox`] of actions to take on GitHub, and the installations GitHub asked to wait.
#[derive(Debug, Clone)]
pub struct Outbox(Store);

/// People: their recorded signals and digests ([`signals`], [`digests`]), enrolments, endorsements,
/// opt-outs ([`privacy`]) and the commands they ran ([`commands`]).
#[derive(Debug, Clone)]
pub struct People(Store);

/// The [`directory`] of installations, orgs and repositories, and the [`roles`] people hold there.
#[derive(Debug, Clone)]
pub struct Directory(Store);

/// The configs and `CODEOWNERS` read from GitHub, by revision ([`configs`]).
#[derive(Debug, Clone)]
pub struct Configs(Store);

/// Backfill runs, their lease and checkpoints ([`backfills`]).
#[derive(Debug, Clone)]
pub struct Backfills(Store);

/// The issues and pull requests open now ([`open_work`]).
#[derive(Debug, Clone)]
pub struct OpenWork(Store);

/// Growth snapshots and the histories they are computed from ([`growth`]).
#[derive(Debug, Clone)]
pub struct Growth(Store);

/// Admin sessions of the pages ([`sessions`]).
#[derive(Debug, Clone)]
pub struct Sessions(Store);

/// Query parameters of a database URL whose values are secret.
fn is_secret_parameter(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "passwd", "secret", "token"].iter().any(|word| key.contains(word))
}

/// A URL with every secret in it (the password, secret query parameters) replaced, safe to log. A URL
/// that cannot be read shows its scheme only.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
        return format!("{scheme}://(the rest is not shown: it could not be read as a URL)");
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let value = if is_secret_parameter(&k) { "***".to_owned() } else { v.into_owned() };
            (k.into_owned(), value)
        })
        .collect();
    if pairs.iter().any(|(k, _)| is_secret_parameter(k)) {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// `message` with every secret of `url` in it replaced (a driver's error may quote them).
fn scrub(message: &str, url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else { return message.to_owned() };
    let mut secrets: Vec<String> = parsed.password().map(str::to_owned).into_iter().collect();
    secrets.extend(parsed.query_pairs().filter(|(k, _)| is_secret_parameter(k)).map(|(_, v)| v.into_owned()));
    let decoded: Vec<String> = secrets
        .iter()
        .filter_map(|s| percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|d| d.into_owned()))
        .filter(|d| !secrets.contains(d))
        .collect();
    secrets.extend(decoded);
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.iter().fold(message.to_owned(), |text, secret| text.replace(secret.as_str(), "***"))
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// SQLite URLs open read-write and create the file unless the URL says otherwise.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// What a [`Store`] is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// A server: many requests at once, each read may run side by side with others.
    Server,
    /// A command that answers one question and exits: one connection, since opening more (a new
    /// PostgreSQL backend each) costs more than the queries they would run side by side.
    OneAnswer,
}

/// SQLite settings applied to every connection: WAL with `synchronous=FULL` survives both a killed
/// process and a power cut; group commit in [`crate::inbound::intake`] keeps it fast. Commits never checkpoint
/// (`wal_autocheckpoint = 0`): [`Store::checkpoint`] does it from a reader, off the write path.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

impl Store {
    /// The delivery queue.
    pub fn queue(&self) -> Queue {
        Queue(self.clone())
    }

    /// The outbox and the installations on hold.
    pub fn outbox(&self) -> Outbox {
        Outbox(self.clone())
    }

    /// People, their signals, digests, enrolments and commands.
    pub fn people(&self) -> People {
        People(self.clone())
    }

    /// Installations, orgs, repositories and roles.
    pub fn directory(&self) -> Directory {
        Directory(self.clone())
    }

    /// Configs read from GitHub.
    pub fn configs(&self) -> Configs {
        Configs(self.clone())
    }

    /// Backfill runs and checkpoints.
    pub fn backfills(&self) -> Backfills {
        Backfills(self.clone())
    }

    pub fn open_work(&self) -> OpenWork {
        OpenWork(self.clone())
    }

    pub fn growth(&self) -> Growth {
        Growth(self.clone())
    }

    pub fn sessions(&self) -> Sessions {
        Sessions(self.clone())
    }

    /// Opens the database named by `url` (`sqlite://…` or `postgres://…`) for a server: reads side
    /// by side, on as many connections as they need.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_for(url, Use::Server).await
    }

    /// Opens the database named by `url` for `purpose`.
    pub async fn connect_for(url: &str, purpose: Use) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let connect_err =
            |source: sqlx::Error| StoreError::Connect { url: redact_url(url), reason: scrub(&source.to_string(), url) };
        let readers = match purpose {
            Use::Server => 16,
            Use::OneAnswer => 1,
        };
        match backend {
            Backend::Sqlite => {
                let options = AnyConnectOptions::from_str(&sqlite_url(url)).map_err(connect_err)?;
                let pool = |max: u32| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(|conn, _| Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(drop) }))
                        .connect_with(options.clone())
                };
                let write = pool(1).await.map_err(connect_err)?;
                let read = pool(readers.min(4)).await.map_err(connect_err)?;
                Ok(Store { backend, write, read })
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url).map_err(connect_err)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(readers)
                    // A server that went away is reported well before GitHub gives up on a delivery (10 s).
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await
                    .map_err(connect_err)?;
                Ok(Store { backend, write: pool.clone(), read: pool })
            }
        }
    }

    /// Brings the schema up to date. Safe to run from several replicas at once (migrations take a lock).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if !self.is_current().await {
            self.migrator().run(&self.write).await?;
        }
        let tasks = sqlx::query("SELECT COUNT(*) FROM store_tasks").fetch_one(&self.read).await?;
        if tasks.try_get::<i64, _>(0)? > 0 {
            self.people().run_store_tasks().await?;
        }
        Ok(())
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Whether every embedded migration is already applied: one read, instead of the migrator's lock
    /// and checks, so that short commands start quickly. Any doubt (no table yet, a failed migration)
    /// answers no, and the migrator decides.
    async fn is_current(&self) -> bool {
        let latest = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let applied = sqlx::query(
            "SELECT MAX(version), CAST(MIN(CASE WHEN success THEN 1 ELSE 0 END) AS BIGINT) FROM _sqlx_migrations",
        )
        .fetch_one(&self.read)
        .await;
        match applied {
            Ok(row) => {
                let version: Option<i64> = row.try_get(0).ok().flatten();
                let all_succeeded: Option<i64> = row.try_get(1).ok().flatten();
                version == Some(latest) && all_succeeded == Some(1)
            }
            Err(_) => false,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Copies committed pages from SQLite's write-ahead log into the database file, without waiting for
    /// (or blocking) writers, so the log does not grow and commits never pay for checkpoints.
    /// Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.read).await?;
        }
        Ok(())
    }

    /// The write connection, set up for `durability`. On SQLite the setting must be made outside a
    /// transaction, so every writer sets it before it begins.
    async fn writer(&self, durability: Durability) -> Result<PoolConnection<Any>, StoreError> {
        let mut conn = self.write.acquire().await?;
        if self.backend == Backend::Sqlite {
            let pragma = match durability {
                Durability::Full => "PRAGMA synchronous = FULL",
                Durability::Deferred => "PRAGMA synchronous = NORMAL",
            };
            if conn.execute(pragma).await.is_err() {
                // A commit that failed (a full disk, an I/O error) can leave SQLite inside the
                // transaction sqlx counts as ended: roll it back; a connection that still refuses is
                // replaced, so that one bad moment never poisons every later write.
                let _ = conn.execute("ROLLBACK").await;
                if let Err(e) = conn.execute(pragma).await {
                    let _ = conn.detach().close().await;
                    return Err(e.into());
                }
            }
        }
        Ok(conn)
    }

    /// Begins a transaction on `conn` (from [`Store::writer`]) with `durability`.
    async fn begin<'c>(
        &self,
        conn: &'c mut PoolConnection<Any>,
        durability: Durability,
    ) -> Result<Transaction<'c, Any>, StoreError> {
        let mut tx = conn.begin().await?;
        if self.backend == Backend::Postgres && durability == Durability::Deferred {
            tx.execute("SET LOCAL synchronous_commit = off").await?;
        }
        Ok(tx)
    }

    /// Renews `token`'s claims on the pending rows of `table` whose `key` column is one of `keys`,
    /// for another `lease` from `now`: a heartbeat. Rows are found by key, never by scanning for the
    /// token, so that a long queue behind them costs nothing. Returns how many it renewed.
    async fn renew_claims<K>(
        &self,
        table: &str,
        key: &str,
        keys: &[K],
        token: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<u64, StoreError>
    where
        K: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Clone + Send + Sync + 'static,
    {
        if keys.is_empty() {
            return Ok(0);
        }
        let until = millis(now) + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let sql = format!(
            "UPDATE {table} SET claimed_until = $1 WHERE claim = $2 AND state = 'pending' AND {key} IN ({})",
            (0..keys.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ")
        );
        let mut query = sqlx::query(&sql).bind(until).bind(token);
        for k in keys {
            query = query.bind(k.clone());
        }
        let renewed = query.execute(&mut *self.writer(Durability::Deferred).await?).await?;
        Ok(renewed.rows_affected())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// `text` as PostgreSQL can store it: it has no NUL (U+FFFD stands in), on both engines alike.
fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The `n`th (from 1) bind parameter: `$n` on PostgreSQL, an anonymous `?` on SQLite, where each
/// numbered parameter costs a scan of all parameter names when it is bound (quadratic in a large
/// statement). Anonymous parameters bind in order, so statements must use each one once, in order.
fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `$1, $2, …, $n` (or `?, ?, …`): the parameters of an `IN (…)` list.
fn list(backend: Backend, n: usize) -> String {
    (1..=n).map(|i| placeholder(backend, i)).collect::<Vec<_>>().join(", ")
}

/// Placeholders for a multi-row `VALUES` list of `rows` rows of `columns` columns, numbered from 1.
fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    placeholders_after(backend, 0, rows, columns)
}

/// [`placeholders`], numbered after `skip` parameters that come before them.
fn placeholders_after(backend: Backend, skip: usize, rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns).map(|c| placeholder(backend, skip + r * columns + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row statement, so that no statement has more than `MAX_PARAMETERS` parameters
/// (SQLite allows 32,766; PostgreSQL 65,535).
fn rows_per_statement(columns: usize) -> usize {
    const MAX_PARAMETERS: usize = 30_000;
    MAX_PARAMETERS / columns
}

/// The org id a scope's digests are kept under: the org's own for everything, negated for what the
/// public sees (signals in public repositories). GitHub's ids are positive, so the two never meet.
pub fn digest_org(org_id: i64, scope: Scope) -> i64 {
    match scope {
        Scope::All => org_id,
        Scope::Public => -org_id,
    }
}

/// The condition (after others, with `AND`) that keeps the signals `scope` may see: those of public
/// repositories only, for the public.
fn shown_to(scope: Scope) -> &'static str {
    match scope {
        Scope::Public => " AND repo_private = 0",
        Scope::All => "",
    }
}

/// Milliseconds since the Unix epoch, the storage form of every time.
pub fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The inverse of [`millis`].
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_and_classified() {
        let cases = [
            ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("sqlite://ladder.db", "sqlite://ladder.db"),
            ("sqlite://ladder.db?mode=rwc", "sqlite://ladder.db?mode=rwc"),
            ("postgres://u@h/db?password=hunter2&sslmode=disable", "postgres://u@h/db?password=***&sslmode=disable"),
            ("postgresql://u:p%40ss@h:5432/db?sslpassword=x", "postgresql://u:***@h:5432/db?sslpassword=***"),
            ("postgres://u:hunter2@[::1", "postgres://(the rest is not shown: it could not be read as a URL)"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_url(url), expected, "{url}");
        }
        let said = "password authentication failed: hunter2 and p@ss were wrong";
        assert_eq!(
            scrub(said, "postgres://u:p%40ss@h/db?password=hunter2"),
            "password authentication failed: *** and *** were wrong"
        );
        assert_eq!(backend_of("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgresql://h/db").unwrap(), Backend::Postgres);
        let err = backend_of("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("sqlite://") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(placeholders_after(Backend::Postgres, 2, 2, 2), "($3, $4), ($5, $6)");
        assert_eq!(list(Backend::Postgres, 3), "$1, $2, $3");
        assert_eq!(rows_per_statement(20), 1500);
    }

    #[test]
    fn sqlite_urls_create_the_file_by_default() {
        assert_eq!(sqlite_url("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite://a.db?cache=shared"), "sqlite://a.db?cache=shared&mode=rwc");
        assert_eq!(sqlite_url("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
    }
}
