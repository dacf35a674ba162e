//! Running totals over the digests, so that a person's answer reads a row, not their history.
//!
//! Owns two tables:
//! - `digest_totals`: the engagement metrics ([`ENGAGEMENT_METRICS`]) per person. Each engagement
//!   row says which totals it is counted in (`in_*`); [`retally`] moves the engagements on some PRs
//!   whose standing changed (a review recorded, the PR merged, its author opting out) and adds the
//!   difference to their people's totals, in the writer's transaction. On PostgreSQL, the `UPDATE`
//!   re-checks its condition on a row another transaction just changed, so two writers never count
//!   one engagement twice.
//! - `digest_substantial`: `substantial_prs` depends on the ladder (its size threshold and mechanical
//!   patterns), so it cannot be kept at write time; [`People::substantial_count`](super::People)
//!   remembers a person's count under one rule up to a mark, and each read counts only the merged
//!   PRs added after it. A mark is taken in the same statement as the count, so no PR added later
//!   can fall behind it (see migration 0027 for why, on each engine). Busy people's counts are
//!   remembered ahead of any read by [`People::remember_substantial`](super::People), which the
//!   server's growth snapshots run with each org's ladder.
//!
//! Never does: decide what counts beyond the conditions written here, which are the SQL forms of
//! [`ladder_core::ladder::facts::Facts::from_signals`]'s (`tests/it/digests.rs` pins them).

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use super::{Backend, Durability, StoreError};
use ladder_core::ladder::{Ladder, Metric};
use ladder_core::visibility::Scope;

/// An engagement metric: its totals column (also the `in_` column's suffix), when an engagement
/// counts in it, and the time its evidence is dated by.
pub struct EngagementMetric {
    pub metric: Metric,
    pub column: &'static str,
    pub condition: &'static str,
    pub at: &'static str,
}

pub const ENGAGEMENT_METRICS: [EngagementMetric; 3] = [
    EngagementMetric {
        metric: Metric::PrimaryReviews,
        column: "primary_reviews",
        condition: "approved_at IS NOT NULL AND merged = 1",
        at: "approved_at",
    },
    EngagementMetric {
        metric: Metric::ReviewsOnMerged,
        column: "reviews_on_merged",
        condition: "reviewed_at IS NOT NULL AND merged = 1",
        at: "reviewed_at",
    },
    EngagementMetric {
        metric: Metric::NewcomersHelped,
        column: "newcomers_helped",
        condition: "newcomer_at IS NOT NULL",
        at: "newcomer_at",
    },
];

/// Changes to people's totals: `(org, actor)` to one difference per [`ENGAGEMENT_METRICS`] entry.
type Moves = BTreeMap<(i64, i64), [i64; 3]>;
type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Brings the engagements on `prs` (`(repo id, number)`) into the totals their standing says, and
/// the totals with them.
pub(super) async fn retally(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    prs: &BTreeSet<(i64, i64)>,
) -> Result<(), StoreError> {
    let prs: Vec<&(i64, i64)> = prs.iter().collect();
    let mut moves = Moves::new();
    for chunk in prs.chunks(super::rows_per_statement(2)) {
        let on = format!("(repo_id, number) IN (VALUES {})", super::placeholders(backend, chunk.len(), 2));
        for (i, m) in ENGAGEMENT_METRICS.iter().enumerate() {
            let flag = format!("in_{}", m.column);
            for (into, delta) in [(1, 1), (0, -1)] {
                let changed = if into == 1 { m.condition.to_owned() } else { format!("NOT ({})", m.condition) };
                let sql = format!(
                    "UPDATE digest_engagements SET {flag} = {into} WHERE {flag} = {} AND {changed} AND {on} \
                     RETURNING org_id, actor_id",
                    1 - into
                );
                let query = chunk.iter().fold(sqlx::query(&sql), |q, (repo, n)| q.bind(*repo).bind(*n));
                for row in query.fetch_all(&mut **tx).await? {
                    moves.entry((row.try_get(0)?, row.try_get(1)?)).or_default()[i] += delta;
                }
            }
        }
    }
    add_moves(tx, backend, &moves).await
}

async fn add_moves(tx: &mut Transaction<'_, Any>, backend: Backend, moves: &Moves) -> Result<(), StoreError> {
    let rows: Vec<(&(i64, i64), &[i64; 3])> = moves.iter().filter(|(_, d)| d.iter().any(|n| *n != 0)).collect();
    let columns: Vec<&str> = ENGAGEMENT_METRICS.iter().map(|m| m.column).collect();
    let sums: Vec<String> = columns.iter().map(|c| format!("{c} = digest_totals.{c} + excluded.{c}")).collect();
    for chunk in rows.chunks(super::rows_per_statement(5)) {
        let sql = format!(
            "INSERT INTO digest_totals (org_id, actor_id, {}) VALUES {} \
             ON CONFLICT (org_id, actor_id) DO UPDATE SET {}",
            columns.join(", "),
            super::placeholders(backend, chunk.len(), 5),
            sums.join(", ")
        );
        let query = chunk
            .iter()
            .fold(sqlx::query(&sql), |q, ((org, actor), d)| q.bind(*org).bind(*actor).bind(d[0]).bind(d[1]).bind(d[2]));
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Recounts every total from the engagements (after the digests were rebuilt).
pub(super) async fn retally_all(tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
    let flags: Vec<String> = ENGAGEMENT_METRICS
        .iter()
        .map(|m| format!("in_{} = CASE WHEN {} THEN 1 ELSE 0 END", m.column, m.condition))
        .collect();
    sqlx::query(&format!("UPDATE digest_engagements SET {}", flags.join(", "))).execute(&mut **tx).await?;
    let columns: Vec<&str> = ENGAGEMENT_METRICS.iter().map(|m| m.column).collect();
    let sums: Vec<String> = columns.iter().map(|c| format!("SUM(in_{c})")).collect();
    sqlx::query("DELETE FROM digest_totals").execute(&mut **tx).await?;
    sqlx::query(&format!(
        "INSERT INTO digest_totals (org_id, actor_id, {}) \
         SELECT org_id, actor_id, {} FROM digest_engagements GROUP BY org_id, actor_id",
        columns.join(", "),
        sums.join(", ")
    ))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The SQL part of a ladder's rule for a substantial PR (its size, and its title and branch
/// patterns as `LIKE`), with its parameters: after two of the query's own (`$1`, `$2`), from `$3`.
pub(super) struct SubstantialSql {
    pub filter: String,
    min_lines: i64,
    patterns: Vec<String>,
}

impl SubstantialSql {
    pub fn new(ladder: &Ladder) -> SubstantialSql {
        let (titles, branches) = ladder.mechanical_patterns();
        let mut n = 3;
        let mut mechanical = Vec::new();
        for (column, globs) in [("title", titles), ("head", branches)] {
            for _ in globs {
                n += 1;
                mechanical.push(format!("{column} LIKE ${n} ESCAPE '\\'"));
            }
        }
        let mechanical =
            if mechanical.is_empty() { String::new() } else { format!(" AND NOT ({})", mechanical.join(" OR ")) };
        SubstantialSql {
            filter: format!("lines >= $3{mechanical}"),
            min_lines: i64::try_from(ladder.min_lines).unwrap_or(i64::MAX),
            patterns: titles.iter().chain(branches).map(|g| like_pattern(g)).collect(),
        }
    }

    /// The number of the first parameter after the rule's.
    pub fn next_parameter(&self) -> usize {
        4 + self.patterns.len()
    }

    /// `sql` with the org and the person as `$1` and `$2`, then the rule's parameters.
    pub fn bind<'q>(&'q self, sql: &'q str, (org, person): (i64, i64)) -> Query<'q> {
        self.bind_rule(sqlx::query(sql).bind(org).bind(person))
    }

    /// `query` (with its first two parameters bound) with the rule's parameters.
    pub fn bind_rule<'q>(&'q self, query: Query<'q>) -> Query<'q> {
        let query = query.bind(self.min_lines);
        self.patterns.iter().fold(query, |q, p| q.bind(p.as_str()))
    }
}

/// `LIKE` pattern for a glob (`*` any run, case ignored: both sides are lowercase), escaping `\`, `%`, `_`.
pub fn like_pattern(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    for c in glob.to_lowercase().chars() {
        match c {
            '*' => out.push('%'),
            '\\' | '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The fingerprint a count of substantial PRs is remembered under.
fn rule_key(ladder: &Ladder) -> String {
    hex::encode(Sha256::digest(ladder.substantial_rule().as_bytes()))
}

/// A mark no merged PR added later can fall behind: on SQLite (one writer, `added` never handed out
/// twice) past the highest `added`; on PostgreSQL the oldest transaction still running.
fn mark(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "(SELECT COALESCE(MAX(added), 0) + 1 FROM digest_merged)",
        Backend::Postgres => "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)",
    }
}

/// A person's count remembered under a rule: the merged PRs added before `through`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Remembered {
    pub through: i64,
    pub n: i64,
}

/// What a read found among the merged PRs added since the remembered mark.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Since {
    /// A new mark, taken with the counts.
    pub mark: i64,
    /// Rows read.
    pub read: i64,
    /// Substantial ones.
    pub fresh: i64,
    /// Substantial ones added before the new mark.
    pub settled: i64,
}

/// Reads past this many rows are remembered, so the next read starts where this one ended.
const REMEMBER_AFTER: i64 = 256;

impl super::People {
    /// Remembers, in one statement, the count of substantial PRs under `ladder`'s rule of everyone
    /// in org `org_id` (as `scope` sees it) with at least [`REMEMBER_AFTER`] merged PRs and nothing
    /// remembered under the rule yet, so that a busy person's first answer does not read their whole
    /// history. The server runs it in the background with each org's ladder. A ladder with path
    /// patterns (matched in Rust, a person at a time) is left to the reads. Returns how many people.
    pub async fn remember_substantial(&self, org_id: i64, scope: Scope, ladder: &Ladder) -> Result<u64, StoreError> {
        if ladder.wants_paths() {
            return Ok(0);
        }
        let rule = SubstantialSql::new(ladder);
        let mark = mark(self.0.backend);
        let sql = format!(
            "INSERT INTO digest_substantial (org_id, actor_id, rule, through, n) \
             SELECT m.org_id, m.actor_id, CAST($2 AS TEXT), {mark}, \
                 CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT) \
             FROM digest_merged m WHERE m.org_id = $1 AND m.added < {mark} AND NOT EXISTS \
                 (SELECT 1 FROM digest_substantial s \
                  WHERE s.org_id = m.org_id AND s.actor_id = m.actor_id AND s.rule = CAST($2 AS TEXT)) \
             GROUP BY m.org_id, m.actor_id HAVING COUNT(*) >= {REMEMBER_AFTER} \
             ON CONFLICT (org_id, actor_id, rule) DO NOTHING",
            rule.filter
        );
        let key = rule_key(ladder);
        let query = rule.bind_rule(sqlx::query(&sql).bind(super::digest_org(org_id, scope)).bind(key.as_str()));
        let mut conn = self.0.writer(Durability::Deferred).await?;
        Ok(query.execute(&mut *conn).await?.rows_affected())
    }

    pub(super) async fn remembered(
        &self,
        (org, person): (i64, i64),
        ladder: &Ladder,
    ) -> Result<Remembered, StoreError> {
        let row =
            sqlx::query("SELECT through, n FROM digest_substantial WHERE org_id = $1 AND actor_id = $2 AND rule = $3")
                .bind(org)
                .bind(person)
                .bind(rule_key(ladder))
                .fetch_optional(&self.0.read)
                .await?;
        Ok(match row {
            Some(row) => Remembered { through: row.try_get("through")?, n: row.try_get("n")? },
            None => Remembered::default(),
        })
    }

    /// Remembers what a read found, when it read enough to be worth it (a write on the read path:
    /// a small one, and never blocking the answer on an error).
    pub(super) async fn remember(&self, (org, person): (i64, i64), ladder: &Ladder, before: Remembered, since: Since) {
        if since.read < REMEMBER_AFTER {
            return;
        }
        let result = async {
            let mut conn = self.0.writer(Durability::Deferred).await?;
            sqlx::query(
                "INSERT INTO digest_substantial (org_id, actor_id, rule, through, n) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (org_id, actor_id, rule) DO UPDATE SET through = excluded.through, n = excluded.n \
                 WHERE excluded.through > digest_substantial.through",
            )
            .bind(org)
            .bind(person)
            .bind(rule_key(ladder))
            .bind(since.mark)
            .bind(before.n + since.settled)
            .execute(&mut *conn)
            .await?;
            Ok::<_, StoreError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not remember a count of substantial PRs; the next read counts them again");
        }
    }

    /// Counts the substantial PRs among a person's merged PRs added since `through`, with a new mark:
    /// `filter` is the SQL part of the rule, `by_paths` the part matched in Rust (if any).
    pub(super) async fn substantial_since<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
        by_paths: Option<&Ladder>,
    ) -> Result<Since, StoreError> {
        let Some(ladder) = by_paths else {
            let row = query.fetch_one(&self.0.read).await?;
            let get = |i: usize| row.try_get::<Option<i64>, _>(i).map(|v| v.unwrap_or(0));
            return Ok(Since { mark: get(0)?, read: get(1)?, fresh: get(2)?, settled: get(3)? });
        };
        let mut since = Since::default();
        for row in query.fetch_all(&self.0.read).await? {
            since.mark = row.try_get("mark")?;
            since.read += 1;
            let paths: Option<String> = row.try_get("paths")?;
            if row.try_get::<i64, _>("passes")? == 0 || paths.is_some_and(|p| ladder.mechanical_by_paths(p.split('\n')))
            {
                continue;
            }
            since.fresh += 1;
            if row.try_get::<i64, _>("added")? < since.mark {
                since.settled += 1;
            }
        }
        Ok(since)
    }
}

/// The SQL that [`super::People::substantial_since`] runs: `filter` over `digest_merged` with
/// parameters `$1` (org), `$2` (person), `$3` (min lines), then the patterns; the mark is `$n`.
pub(super) fn since_sql(backend: Backend, filter: &str, through: &str, by_paths: bool) -> String {
    let mark = mark(backend);
    let scope = format!("org_id = $1 AND actor_id = $2 AND added >= {through}");
    if by_paths {
        return format!(
            "SELECT {mark} AS mark, added, paths, CASE WHEN {filter} THEN 1 ELSE 0 END AS passes \
             FROM digest_merged WHERE {scope}"
        );
    }
    format!(
        "SELECT {mark}, COUNT(*), CAST(SUM(CASE WHEN {filter} THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN {filter} AND added < {mark} THEN 1 ELSE 0 END) AS BIGINT) \
         FROM digest_merged WHERE {scope}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_become_like_patterns() {
        let cases =
            [("chore(deps)*", "chore(deps)%"), ("Bump *", "bump %"), ("a_b%c\\*", "a\\_b\\%c\\\\%"), ("x", "x")];
        for (glob, like) in cases {
            assert_eq!(like_pattern(glob), like, "{glob}");
        }
    }
}
