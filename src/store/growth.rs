//! Growth snapshots, and the histories they are computed from.
//!
//! Owns: the `growth_*` tables (a snapshot per org and audience, and each person's standing in it,
//! listed by login or need and filtered to the people behind one of the overview's numbers),
//! the version that says what data a snapshot was computed from, and the reads that computing one
//! needs besides each person's signals ([`super::People::signals_in`]): the org's people, its merges,
//! endorsements with their dates, and when its history begins (for the public, in public repositories).
//!
//! Never does: compute a snapshot (`pipeline::growth` runs the core's builder) or decide who sees
//! what (the caller names the [`Scope`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Durability, Growth, StoreError, from_millis, millis};
use ladder_core::growth::as_of::{Endorsement, Merges};
use ladder_core::growth::snapshot::{Snapshot, Standing};
use ladder_core::ladder::Activity;
use ladder_core::report::Person;
use ladder_core::roles::Role;
use ladder_core::signal::Org;
use ladder_core::visibility::Scope;

/// Which people a list holds: those behind one of the overview's numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    /// Whose highest level is this one (1 the first).
    pub levels: Option<usize>,
    pub activity: Option<Activity>,
    /// Ready for a role they do not hold.
    pub ready: bool,
    /// Holding a maintainer role (or higher).
    pub maintainers: bool,
}

impl Filter {
    /// The `WHERE` conditions after org and scope, with their parameters from `$3` on.
    fn conditions(&self) -> (String, Vec<Param>) {
        let mut sql = String::new();
        let mut params = Vec::new();
        if let Some(levels) = self.levels {
            params.push(Param::Int(levels as i64));
            sql.push_str(&format!(" AND levels = ${}", 2 + params.len()));
        }
        if let Some(activity) = self.activity {
            params.push(Param::Text(activity.as_str()));
            sql.push_str(&format!(" AND activity = ${}", 2 + params.len()));
        }
        if self.ready {
            sql.push_str(" AND ready = 1");
        }
        if self.maintainers {
            sql.push_str(" AND maintainer = 1");
        }
        (sql, params)
    }
}

/// A query parameter of a [`Filter`].
enum Param {
    Int(i64),
    Text(&'static str),
}

/// How a list of people is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Login,
    /// Ready for a role first, then drifting, active and away; by login within each.
    Need,
}

/// Where a standing sorts by need.
fn need(standing: &Standing, ready: bool) -> i64 {
    match (ready, standing.activity) {
        (true, _) => 0,
        (false, Activity::Drifting) => 1,
        (false, Activity::Active) => 2,
        (false, Activity::Away) => 3,
    }
}

impl Growth {
    /// The people who acted in org `org_id`, by id, with their newest login.
    pub async fn people(&self, org_id: i64) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.login FROM people p WHERE p.id IN (SELECT DISTINCT actor_id FROM digest_months \
             WHERE org_id = $1) ORDER BY p.id",
        )
        .bind(org_id)
        .fetch_all(&self.0.read)
        .await?;
        rows.iter().map(|r| Ok(Person { id: r.try_get("id")?, login: r.try_get("login")? })).collect()
    }

    /// When each of the org's pull requests merged.
    pub async fn merges(&self, org_id: i64) -> Result<Merges, StoreError> {
        let rows = sqlx::query("SELECT repo_id, number, merged_at FROM digest_merged WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter()
            .map(|r| Ok(((r.try_get("repo_id")?, r.try_get("number")?), from_millis(r.try_get("merged_at")?))))
            .collect()
    }

    /// Every endorsement in the org, by the endorsed login (lower case), with its date.
    pub async fn endorsements(&self, org_id: i64) -> Result<HashMap<String, Vec<Endorsement>>, StoreError> {
        let rows = sqlx::query(
            "SELECT login_key, level, endorser_login, company, endorsed_at FROM endorsements WHERE org_id = $1 \
             ORDER BY endorsed_at, endorser_login",
        )
        .bind(org_id)
        .fetch_all(&self.0.read)
        .await?;
        let mut out: HashMap<String, Vec<Endorsement>> = HashMap::new();
        for r in rows {
            out.entry(r.try_get("login_key")?).or_default().push(Endorsement {
                level: r.try_get("level")?,
                endorser: r.try_get("endorser_login")?,
                company: r.try_get("company")?,
                at: from_millis(r.try_get("endorsed_at")?),
            });
        }
        Ok(out)
    }

    /// When the org's first signal that `scope` shows occurred, if it has any.
    pub async fn first_signal(&self, org_id: i64, scope: Scope) -> Result<Option<DateTime<Utc>>, StoreError> {
        let shown = super::shown_to(scope);
        let row = sqlx::query(&format!("SELECT MIN(occurred_at) FROM signals WHERE org_id = $1{shown}"))
            .bind(org_id)
            .fetch_one(&self.0.read)
            .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?.map(from_millis))
    }

    /// What the store holds of `org` now, as far as its snapshots depend on it: its newest signal, how
    /// many endorsements and roles it has, and how many opt-outs there are (with `ladder`, the ladder
    /// in force, it names the data a snapshot was computed from). Another org's data leaves it as is.
    pub async fn version(&self, org: &Org, ladder: &str) -> Result<String, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM signals WHERE org_id = $1), \
                (SELECT COUNT(*) FROM endorsements WHERE org_id = $1), \
                (SELECT COUNT(*) FROM roles WHERE org = $2), (SELECT COUNT(*) FROM optouts)",
        )
        .bind(org.id)
        .bind(org.login.to_lowercase())
        .fetch_one(&self.0.read)
        .await?;
        let (a, b, c, d): (i64, i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
        Ok(format!("{a}.{b}.{c}.{d}.{ladder}"))
    }

    /// Replaces the org's snapshot for `scope`, and every standing in it, at once.
    pub async fn save(
        &self,
        org_id: i64,
        scope: Scope,
        version: &str,
        snapshot: &Snapshot,
        standings: &[(Standing, bool)],
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(snapshot).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut conn = self.0.writer(Durability::Deferred).await?;
        let mut tx = self.0.begin(&mut conn, Durability::Deferred).await?;
        sqlx::query(
            "INSERT INTO growth_snapshots (org_id, scope, version, computed_at, body) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, scope) DO UPDATE SET version = excluded.version, \
                computed_at = excluded.computed_at, body = excluded.body",
        )
        .bind(org_id)
        .bind(scope.as_str())
        .bind(version)
        .bind(millis(snapshot.computed_at))
        .bind(body)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM growth_people WHERE org_id = $1 AND scope = $2")
            .bind(org_id)
            .bind(scope.as_str())
            .execute(&mut *tx)
            .await?;
        for (standing, ready) in standings {
            let body = serde_json::to_string(standing).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let maintainer = standing.role.is_some_and(|r| r.rank() >= Role::Maintainer.rank());
            sqlx::query(
                "INSERT INTO growth_people (org_id, scope, person_id, login, need, body, levels, activity, ready, \
                    maintainer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(org_id)
            .bind(scope.as_str())
            .bind(standing.id)
            .bind(standing.login.to_lowercase())
            .bind(need(standing, *ready))
            .bind(body)
            .bind(standing.levels as i64)
            .bind(standing.activity.as_str())
            .bind(i64::from(*ready))
            .bind(i64::from(maintainer))
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }

    /// The org's snapshot for `scope` and the version it was computed from, if one was.
    pub async fn snapshot(&self, org_id: i64, scope: Scope) -> Result<Option<Snapshot>, StoreError> {
        let row = sqlx::query("SELECT body FROM growth_snapshots WHERE org_id = $1 AND scope = $2")
            .bind(org_id)
            .bind(scope.as_str())
            .fetch_optional(&self.0.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let body: String = row.try_get("body")?;
        serde_json::from_str(&body).map(Some).map_err(|e| StoreError::Corrupt(format!("growth snapshot: {e}")))
    }

    /// The version of the org's kept snapshot for `scope` and when it was computed, without reading
    /// the snapshot itself.
    pub async fn kept(&self, org_id: i64, scope: Scope) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row = sqlx::query("SELECT version, computed_at FROM growth_snapshots WHERE org_id = $1 AND scope = $2")
            .bind(org_id)
            .bind(scope.as_str())
            .fetch_optional(&self.0.read)
            .await?;
        row.map(|r| Ok((r.try_get("version")?, from_millis(r.try_get("computed_at")?)))).transpose()
    }

    /// One page (from 1) of the org's people in `scope`, `per_page` long, in `order`; and how many
    /// there are in all.
    pub async fn standings(
        &self,
        org_id: i64,
        scope: Scope,
        (order, filter): (Order, Filter),
        (page, per_page): (u32, u32),
    ) -> Result<(Vec<Standing>, u64), StoreError> {
        let by = match order {
            Order::Login => "login, person_id",
            Order::Need => "need, login, person_id",
        };
        let (conditions, params) = filter.conditions();
        let next = 3 + params.len();
        let sql = format!(
            "SELECT body FROM growth_people WHERE org_id = $1 AND scope = $2{conditions} ORDER BY {by} \
             LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let bind = |sql| {
            let query = sqlx::query(sql).bind(org_id).bind(scope.as_str());
            params.iter().fold(query, |q, p| match p {
                Param::Int(n) => q.bind(*n),
                Param::Text(t) => q.bind(*t),
            })
        };
        let offset = i64::from(page.max(1) - 1) * i64::from(per_page);
        let rows = bind(&sql).bind(i64::from(per_page)).bind(offset).fetch_all(&self.0.read).await?;
        let people = rows.iter().map(standing_from_row).collect::<Result<Vec<_>, _>>()?;
        let count = format!("SELECT COUNT(*) FROM growth_people WHERE org_id = $1 AND scope = $2{conditions}");
        let total: i64 = bind(&count).fetch_one(&self.0.read).await?.try_get(0)?;
        Ok((people, total as u64))
    }

    /// One person's standing in `scope`, by login (any case).
    pub async fn standing(&self, org_id: i64, scope: Scope, login: &str) -> Result<Option<Standing>, StoreError> {
        let row = sqlx::query("SELECT body FROM growth_people WHERE org_id = $1 AND scope = $2 AND login = $3")
            .bind(org_id)
            .bind(scope.as_str())
            .bind(login.to_lowercase())
            .fetch_optional(&self.0.read)
            .await?;
        row.as_ref().map(standing_from_row).transpose()
    }
}

fn standing_from_row(row: &sqlx::any::AnyRow) -> Result<Standing, StoreError> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("growth standing: {e}")))
}
