//! Digests of people's signals, and the [`Facts`] read from them.
//!
//! Owns: the `digest_*` tables but the running totals ([`super::totals`] keeps those). Recording signals adds the digest ([`ladder_core::digest`]) of the ones that
//! were new, in the same transaction (twice: of all of them, and of those in public repositories, under
//! [`super::digest_org`], for what the public sees), so the tables always sum up the `signals` table; [`People::facts_of`](super::People::facts_of)
//! reads a person's facts back in a few indexed queries, whatever their number of signals. When digests
//! are missing (a database from before they existed), the first migration rebuilds them from signals.
//!
//! The derived metrics (`primary_reviews`, `reviews_on_merged`, `newcomers_helped` from their totals,
//! `substantial_prs` from its remembered count and the merged PRs since, with the ladder's globs as
//! `LIKE`) are computed in SQL, for speed, and in [`Facts::from_signals`], the pure reference;
//! `tests/it/digests.rs` pins this to that on both engines over random histories and a busy author.
//!
//! Never does: decide what counts beyond what the digest says; caps, windows and thresholds are the
//! ladder's, applied by [`ladder_core::ladder::evaluate`].

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Any, Row, Transaction};

use super::signal_rows::signal_from_row;
use super::{Backend, Durability, StoreError, digest_org, from_millis, millis};
use ladder_core::digest::{PersonDigest, digest};
use ladder_core::event::Account;
use ladder_core::ladder::facts::{EVIDENCE, Facts, Reference, newest};
use ladder_core::ladder::{Ladder, Metric};
use ladder_core::signal::{Kind, Signal};
use ladder_core::visibility::Scope;

type Digests = BTreeMap<(i64, i64), PersonDigest>;
type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Each person's digests of `signals`: of all of them, and of those in public repositories.
fn digests<'a>(signals: impl IntoIterator<Item = &'a Signal> + Clone) -> Digests {
    let mut people = digest(signals.clone());
    let public = digest(signals.into_iter().filter(|s| !s.repo.private));
    people.extend(public.into_iter().map(|((org, actor), d)| ((digest_org(org, Scope::Public), actor), d)));
    people
}

/// Adds the digests of newly recorded `signals`.
pub(super) async fn add(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    signals: &[&Signal],
) -> Result<(), StoreError> {
    let people = digests(signals.iter().copied());
    add_people(tx, backend, &people).await?;
    let touched: BTreeSet<(i64, i64)> =
        people.values().flat_map(|d| d.engagements.keys().chain(d.merged.keys())).copied().collect();
    mark_merged(tx, backend, &touched).await?;
    super::totals::retally(tx, backend, &touched).await
}

/// Adds each person's digest to every digest table (merged flags are marked by the caller).
async fn add_people(tx: &mut Transaction<'_, Any>, backend: Backend, people: &Digests) -> Result<(), StoreError> {
    add_weeks(tx, backend, people).await?;
    add_months(tx, backend, people).await?;
    add_repos(tx, backend, people).await?;
    add_merged(tx, backend, people).await?;
    add_engagements(tx, backend, people).await
}

/// Runs `INSERT INTO {table} ({columns}) VALUES … {conflict}` over `rows`, a few hundred rows per
/// statement; `bind` binds one row.
async fn insert_rows<T>(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    head: &str,
    columns: usize,
    conflict: &str,
    rows: &[T],
    bind: impl for<'q> Fn(Query<'q>, &T) -> Query<'q>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(super::rows_per_statement(columns)) {
        let sql = format!("{head} VALUES {} {conflict}", super::placeholders(backend, chunk.len(), columns));
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn add_weeks(tx: &mut Transaction<'_, Any>, backend: Backend, people: &Digests) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, Kind, i64, u64)> = people
        .iter()
        .flat_map(|((org, actor), d)| d.weeks.iter().map(move |((kind, week), n)| (*org, *actor, *kind, *week, *n)))
        .collect();
    let head = "INSERT INTO digest_weeks (org_id, actor_id, kind, week, n)";
    let conflict = "ON CONFLICT (org_id, actor_id, kind, week) DO UPDATE SET n = digest_weeks.n + excluded.n";
    insert_rows(tx, backend, head, 5, conflict, &rows, |q, (org, actor, kind, week, n)| {
        q.bind(*org).bind(*actor).bind(kind.as_str()).bind(*week).bind(*n as i64)
    })
    .await
}

/// The smaller of two values, for `ON CONFLICT` updates (`min` is an aggregate on PostgreSQL).
fn least(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "min",
        Backend::Postgres => "LEAST",
    }
}

fn greatest(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "max",
        Backend::Postgres => "GREATEST",
    }
}

async fn add_months(tx: &mut Transaction<'_, Any>, backend: Backend, people: &Digests) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = people
        .iter()
        .flat_map(|((org, actor), d)| {
            d.months.iter().map(move |(m, (first, last))| (*org, *actor, *m, millis(*first), millis(*last)))
        })
        .collect();
    let head = "INSERT INTO digest_months (org_id, actor_id, month, first_at, last_at)";
    let (least, greatest) = (least(backend), greatest(backend));
    let conflict = format!(
        "ON CONFLICT (org_id, actor_id, month) DO UPDATE SET \
             first_at = {least}(digest_months.first_at, excluded.first_at), \
             last_at = {greatest}(digest_months.last_at, excluded.last_at)"
    );
    insert_rows(tx, backend, head, 5, &conflict, &rows, |q, (org, actor, month, first, last)| {
        q.bind(*org).bind(*actor).bind(*month).bind(*first).bind(*last)
    })
    .await
}

async fn add_repos(tx: &mut Transaction<'_, Any>, backend: Backend, people: &Digests) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, &str)> =
        people.iter().flat_map(|((org, actor), d)| d.repos.iter().map(move |r| (*org, *actor, r.as_str()))).collect();
    let head = "INSERT INTO digest_repos (org_id, actor_id, repo_name)";
    insert_rows(tx, backend, head, 3, "ON CONFLICT DO NOTHING", &rows, |q, (org, actor, repo)| {
        q.bind(*org).bind(*actor).bind(String::from(*repo))
    })
    .await
}

async fn add_merged(tx: &mut Transaction<'_, Any>, backend: Backend, people: &Digests) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, i64, i64, &ladder_core::digest::MergedPr)> = people
        .iter()
        .flat_map(|((org, actor), d)| d.merged.iter().map(move |((repo, n), pr)| (*repo, *n, *org, *actor, pr)))
        .collect();
    let head = "INSERT INTO digest_merged \
                (repo_id, number, org_id, actor_id, repo_name, lines, title, head, merged_at, paths)";
    insert_rows(tx, backend, head, 10, "ON CONFLICT DO NOTHING", &rows, |q, (repo, n, org, actor, pr)| {
        q.bind(*repo)
            .bind(*n)
            .bind(*org)
            .bind(*actor)
            .bind(pr.repo_name.clone())
            .bind(i64::try_from(pr.lines).unwrap_or(i64::MAX))
            .bind(pr.title.clone())
            .bind(pr.head.clone())
            .bind(millis(pr.merged_at))
            .bind(pr.paths.as_ref().map(|paths| paths.join("\n")))
    })
    .await
}

async fn add_engagements(tx: &mut Transaction<'_, Any>, backend: Backend, people: &Digests) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, i64, i64, &ladder_core::digest::Engagement)> = people
        .iter()
        .flat_map(|((org, actor), d)| d.engagements.iter().map(move |((repo, n), e)| (*org, *actor, *repo, *n, e)))
        .collect();
    let head = "INSERT INTO digest_engagements \
                (org_id, actor_id, repo_id, number, repo_name, approved_at, reviewed_at, newcomer_at)";
    // The earliest of two times, either of which may be missing.
    let earliest = |column: &str| {
        let least = least(backend);
        format!(
            "{column} = {least}(COALESCE(digest_engagements.{column}, excluded.{column}), \
                 COALESCE(excluded.{column}, digest_engagements.{column}))"
        )
    };
    let conflict = format!(
        "ON CONFLICT (org_id, actor_id, repo_id, number) DO UPDATE SET {}, {}, {}",
        earliest("approved_at"),
        earliest("reviewed_at"),
        earliest("newcomer_at")
    );
    insert_rows(tx, backend, head, 8, &conflict, &rows, |q, (org, actor, repo, n, e)| {
        q.bind(*org)
            .bind(*actor)
            .bind(*repo)
            .bind(*n)
            .bind(e.repo_name.clone())
            .bind(e.approved_at.map(millis))
            .bind(e.reviewed_at.map(millis))
            .bind(e.newcomer_at.map(millis))
    })
    .await
}

/// Marks the engagements on the given PRs (all, when `None`) that are recorded as merged.
async fn mark_merged(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    prs: &BTreeSet<(i64, i64)>,
) -> Result<(), StoreError> {
    const MARK: &str = "UPDATE digest_engagements SET merged = 1 WHERE merged = 0 AND EXISTS \
         (SELECT 1 FROM digest_merged m WHERE m.repo_id = digest_engagements.repo_id \
              AND m.number = digest_engagements.number)";
    let prs: Vec<&(i64, i64)> = prs.iter().collect();
    for chunk in prs.chunks(super::rows_per_statement(2)) {
        let sql = format!("{MARK} AND (repo_id, number) IN (VALUES {})", super::placeholders(backend, chunk.len(), 2));
        let mut query = sqlx::query(&sql);
        for (repo, number) in chunk {
            query = query.bind(*repo).bind(*number);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

const DIGEST_TABLES: [&str; 7] = [
    "digest_weeks",
    "digest_months",
    "digest_repos",
    "digest_engagements",
    "digest_merged",
    "digest_totals",
    "digest_substantial",
];

/// Erases a person's digests (opting out). Engagements of others on their PRs no longer count as on
/// merged PRs: the merge was theirs, and is erased with them.
pub(super) async fn erase(tx: &mut Transaction<'_, Any>, backend: Backend, github_id: i64) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT repo_id, number FROM digest_merged WHERE actor_id = $1")
        .bind(github_id)
        .fetch_all(&mut **tx)
        .await?;
    let prs: BTreeSet<(i64, i64)> =
        rows.iter().map(|r| Ok((r.try_get("repo_id")?, r.try_get("number")?))).collect::<Result<_, StoreError>>()?;
    sqlx::query(
        "UPDATE digest_engagements SET merged = 0 WHERE EXISTS (SELECT 1 FROM digest_merged m \
             WHERE m.actor_id = $1 AND m.repo_id = digest_engagements.repo_id \
                 AND m.number = digest_engagements.number)",
    )
    .bind(github_id)
    .execute(&mut **tx)
    .await?;
    super::totals::retally(tx, backend, &prs).await?;
    for table in DIGEST_TABLES {
        sqlx::query(&format!("DELETE FROM {table} WHERE actor_id = $1")).bind(github_id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Signals read per round while rebuilding digests.
const REBUILD_PAGE: i64 = 5_000;

impl super::People {
    /// Rebuilds every digest from the recorded signals, if a migration asked for it. Several replicas
    /// starting at once rebuild once: the first takes the task, the others find it gone.
    pub(super) async fn run_store_tasks(&self) -> Result<(), StoreError> {
        let mut conn = self.0.writer(Durability::Full).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Full).await?;
        let taken = sqlx::query("DELETE FROM store_tasks WHERE name = 'rebuild_digests'").execute(&mut *tx).await?;
        if taken.rows_affected() == 0 {
            return Ok(tx.commit().await?);
        }
        for table in DIGEST_TABLES {
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
        }
        let mut after = 0i64;
        loop {
            let rows = sqlx::query("SELECT * FROM signals WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(REBUILD_PAGE)
                .fetch_all(&mut *tx)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("seq")?;
            let signals: Vec<Signal> = rows.iter().map(signal_from_row).collect::<Result<_, _>>()?;
            let people = digests(&signals);
            add_people(&mut tx, self.0.backend, &people).await?;
        }
        sqlx::query(
            "UPDATE digest_engagements SET merged = 1 WHERE EXISTS (SELECT 1 FROM digest_merged m \
                 WHERE m.repo_id = digest_engagements.repo_id AND m.number = digest_engagements.number)",
        )
        .execute(&mut *tx)
        .await?;
        super::totals::retally_all(&mut tx).await?;
        Ok(tx.commit().await?)
    }

    /// What is known about a person in an org, for evaluation against `ladder`, with the endorsements
    /// they received. A person the ladder counts as a bot has no credited facts.
    pub async fn facts_of(&self, org_id: i64, person_id: i64, ladder: &Ladder) -> Result<Facts, StoreError> {
        self.facts_in(org_id, person_id, ladder, Scope::All).await
    }

    /// [`People::facts_of`] as `scope` may see them: for the public, from signals in public
    /// repositories only (their own digests, and evidence from them alone).
    pub async fn facts_in(
        &self,
        org_id: i64,
        person_id: i64,
        ladder: &Ladder,
        scope: Scope,
    ) -> Result<Facts, StoreError> {
        let account = sqlx::query("SELECT login, account_type FROM people WHERE id = $1")
            .bind(person_id)
            .fetch_optional(&self.0.read)
            .await?;
        let mut endorsements = BTreeMap::new();
        if let Some(row) = account {
            let account =
                Account { id: person_id, login: row.try_get("login")?, account_type: row.try_get("account_type")? };
            if ladder.bots.is_bot(&account) {
                return Ok(Facts::from_signals(&[], &std::collections::HashSet::new(), ladder));
            }
            endorsements = self.endorsements_of(org_id, &account.login).await?;
        }
        let person = (digest_org(org_id, scope), person_id);
        let mut derived = self.engagement_facts(person).await?;
        derived.insert(Metric::SubstantialPrs, self.substantial_prs(person, ladder).await?);
        let weeks = self.weeks(person).await?;
        let mut counted: BTreeMap<Kind, u64> = BTreeMap::new();
        for ((kind, _), n) in &weeks {
            *counted.entry(*kind).or_default() += n;
        }
        let (mut recent, mut cache) = (BTreeMap::new(), BTreeMap::new());
        let signals_of = ((org_id, person_id), scope);
        for metric in ladder.metrics() {
            if let Some(kinds) = metric.kinds() {
                recent.insert(metric, self.recent(signals_of, &kinds, &counted, &mut cache).await?);
            }
        }
        Ok(Facts {
            weeks,
            months: self.months(person).await?,
            repos: self.repos(person).await?,
            derived,
            recent,
            endorsements,
        })
    }

    async fn weeks(&self, (org, person): (i64, i64)) -> Result<BTreeMap<(Kind, i64), u64>, StoreError> {
        let rows = sqlx::query("SELECT kind, week, n FROM digest_weeks WHERE org_id = $1 AND actor_id = $2")
            .bind(org)
            .bind(person)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let kind = Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unknown kind `{kind}`")))?;
                Ok(((kind, r.try_get("week")?), r.try_get::<i64, _>("n")?.max(0) as u64))
            })
            .collect()
    }

    async fn months(
        &self,
        (org, person): (i64, i64),
    ) -> Result<BTreeMap<i64, (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>, StoreError> {
        let rows =
            sqlx::query("SELECT month, first_at, last_at FROM digest_months WHERE org_id = $1 AND actor_id = $2")
                .bind(org)
                .bind(person)
                .fetch_all(&self.0.read)
                .await?;
        rows.iter()
            .map(|r| {
                let span = (from_millis(r.try_get("first_at")?), from_millis(r.try_get("last_at")?));
                Ok((r.try_get("month")?, span))
            })
            .collect()
    }

    async fn repos(&self, (org, person): (i64, i64)) -> Result<BTreeSet<String>, StoreError> {
        let rows = sqlx::query("SELECT repo_name FROM digest_repos WHERE org_id = $1 AND actor_id = $2")
            .bind(org)
            .bind(person)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("repo_name")?)).collect()
    }

    /// `primary_reviews`, `reviews_on_merged` and `newcomers_helped` from the person's totals, with
    /// their newest evidence.
    async fn engagement_facts(
        &self,
        (org, person): (i64, i64),
    ) -> Result<BTreeMap<Metric, ladder_core::ladder::metric::Measure>, StoreError> {
        let metrics = &super::totals::ENGAGEMENT_METRICS;
        let columns: Vec<&str> = metrics.iter().map(|m| m.column).collect();
        let totals = sqlx::query(&format!(
            "SELECT {} FROM digest_totals WHERE org_id = $1 AND actor_id = $2",
            columns.join(", ")
        ))
        .bind(org)
        .bind(person)
        .fetch_optional(&self.0.read)
        .await?;
        let mut out = BTreeMap::new();
        for (i, m) in metrics.iter().enumerate() {
            let value = totals.as_ref().map(|row| row.try_get::<i64, _>(i)).transpose()?.unwrap_or(0).max(0) as u64;
            let evidence = if value == 0 {
                Vec::new()
            } else {
                let rows = sqlx::query(&format!(
                    "SELECT {at} AS at, repo_name, number FROM digest_engagements \
                     WHERE org_id = $1 AND actor_id = $2 AND {condition} \
                     ORDER BY {at} DESC, repo_name DESC, number DESC LIMIT {EVIDENCE}",
                    at = m.at,
                    condition = m.condition,
                ))
                .bind(org)
                .bind(person)
                .fetch_all(&self.0.read)
                .await?;
                references(&rows)?
            };
            out.insert(m.metric, ladder_core::ladder::metric::Measure { value, evidence });
        }
        Ok(out)
    }

    /// `substantial_prs`: merged PRs at least the ladder's size, not matching a mechanical pattern.
    /// The count is remembered per rule ([`super::totals`]): a read counts only what was added since.
    async fn substantial_prs(
        &self,
        person: (i64, i64),
        ladder: &Ladder,
    ) -> Result<ladder_core::ladder::metric::Measure, StoreError> {
        let rule = super::totals::SubstantialSql::new(ladder);
        let by_paths = ladder.wants_paths().then_some(ladder);
        let remembered = self.remembered(person, ladder).await?;
        let through = format!("${}", rule.next_parameter());
        let sql = super::totals::since_sql(self.0.backend, &rule.filter, &through, by_paths.is_some());
        let since = self.substantial_since(rule.bind(&sql, person).bind(remembered.through), by_paths).await?;
        self.remember(person, ladder, remembered, since).await;
        let value = (remembered.n + since.fresh).max(0) as u64;
        let evidence = if value == 0 { Vec::new() } else { self.substantial_evidence(&rule, person, by_paths).await? };
        Ok(ladder_core::ladder::metric::Measure { value, evidence })
    }

    /// The newest substantial PRs, read newest first from the person's index; a page at a time when
    /// path patterns are matched here.
    async fn substantial_evidence(
        &self,
        rule: &super::totals::SubstantialSql,
        person: (i64, i64),
        by_paths: Option<&Ladder>,
    ) -> Result<Vec<String>, StoreError> {
        const PAGE: usize = 64;
        let limit = if by_paths.is_some() { PAGE } else { EVIDENCE };
        let mut kept = Vec::new();
        let mut offset = 0;
        loop {
            let sql = format!(
                "SELECT merged_at AS at, repo_name, number, paths FROM digest_merged \
                 WHERE org_id = $1 AND actor_id = $2 AND {} \
                 ORDER BY merged_at DESC, repo_name DESC, number DESC LIMIT {limit} OFFSET {offset}",
                rule.filter
            );
            let rows = rule.bind(&sql, person).fetch_all(&self.0.read).await?;
            let read = rows.len();
            for row in rows {
                let paths: Option<String> = row.try_get("paths")?;
                if !by_paths.is_some_and(|l| paths.is_some_and(|p| l.mechanical_by_paths(p.split('\n')))) {
                    kept.push(row);
                }
            }
            if kept.len() >= EVIDENCE || read < limit {
                return references(&kept);
            }
            offset += limit;
        }
    }

    /// The newest distinct references among a person's credited signals of `kinds` (only kinds they
    /// have: `counted`). Each kind is read newest first from its own index, a page at a time, until it
    /// gives [`EVIDENCE`] distinct references; the newest of all kinds together are among them.
    async fn recent(
        &self,
        person: ((i64, i64), Scope),
        kinds: &[Kind],
        counted: &BTreeMap<Kind, u64>,
        cache: &mut BTreeMap<Kind, Vec<(i64, String, Option<i64>)>>,
    ) -> Result<Vec<String>, StoreError> {
        for kind in kinds.iter().filter(|k| counted.contains_key(k)) {
            if !cache.contains_key(kind) {
                let newest = self.newest_of_kind(person, *kind).await?;
                cache.insert(*kind, newest);
            }
        }
        let mut latest: BTreeMap<(&str, Option<i64>), i64> = BTreeMap::new();
        for (at, repo, number) in kinds.iter().filter_map(|k| cache.get(k)).flatten() {
            let seen = latest.entry((repo.as_str(), *number)).or_insert(*at);
            *seen = (*seen).max(*at);
        }
        let refs = latest.into_iter().map(|((repo, number), at)| (from_millis(at), repo, number)).collect();
        Ok(newest(refs))
    }

    /// A person's newest [`EVIDENCE`] distinct references of one kind, each with its latest time.
    async fn newest_of_kind(
        &self,
        ((org, person), scope): ((i64, i64), Scope),
        kind: Kind,
    ) -> Result<Vec<(i64, String, Option<i64>)>, StoreError> {
        const PAGE: i64 = 64;
        let own = if kind.needs_others_subject() {
            "AND (subject_author_id IS NULL OR subject_author_id <> actor_id)"
        } else {
            ""
        };
        let public = super::shown_to(scope);
        let sql = format!(
            "SELECT occurred_at, repo_name, subject_number FROM signals \
             WHERE org_id = $1 AND actor_id = $2 AND kind = $3 {own} {public} \
             ORDER BY occurred_at DESC, repo_name DESC, COALESCE(subject_number, -1) DESC LIMIT $4 OFFSET $5"
        );
        let mut found: Vec<(i64, String, Option<i64>)> = Vec::new();
        let mut offset = 0;
        loop {
            let rows = sqlx::query(&sql)
                .bind(org)
                .bind(person)
                .bind(kind.as_str())
                .bind(PAGE)
                .bind(offset)
                .fetch_all(&self.0.read)
                .await?;
            for row in &rows {
                let reference: (i64, String, Option<i64>) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
                // Newest first: the first time a reference shows is its latest.
                if !found.iter().any(|(_, repo, n)| *repo == reference.1 && *n == reference.2) {
                    found.push(reference);
                }
                if found.len() == EVIDENCE {
                    return Ok(found);
                }
            }
            if (rows.len() as i64) < PAGE {
                return Ok(found);
            }
            offset += PAGE;
        }
    }
}

/// `owner/repo#N` references from rows of `at`, `repo_name` and `number` (null: the repository).
fn references(rows: &[sqlx::any::AnyRow]) -> Result<Vec<String>, StoreError> {
    let refs: Vec<(chrono::DateTime<chrono::Utc>, String, Option<i64>)> = rows
        .iter()
        .map(|r| Ok((from_millis(r.try_get("at")?), r.try_get("repo_name")?, r.try_get("number")?)))
        .collect::<Result<_, StoreError>>()?;
    let refs: Vec<Reference<'_>> = refs.iter().map(|(at, repo, n)| (*at, repo.as_str(), *n)).collect();
    Ok(newest(refs))
}
