//! Recorded signals and the people they name.
//!
//! A signal is inserted once per `(kind, identity)`: a redelivery, a replay or a backfill of the same
//! fact changes nothing. People are keyed by numeric GitHub id; their login is kept up to date from the
//! newest event that names them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::signal_rows::signal_from_row;
use super::{Backend, StoreError, millis};
use ladder_core::event::Account;
use ladder_core::report::Person;
use ladder_core::signal::{Kind, Signal};
use ladder_core::visibility::Scope;

const SIGNAL_COLUMNS: usize = 20;
const PEOPLE_COLUMNS: usize = 4;

/// Records `signals` (each with the delivery that told it), except those of people who opted out; a
/// subject author who opted out is recorded without their login.
pub(super) async fn record(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    signals: &[(&str, &Signal)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mentioned: HashSet<i64> = signals
        .iter()
        .flat_map(|(_, s)| {
            std::iter::once(s.actor.id).chain(s.subject.as_ref().and_then(|x| x.author.as_ref()).map(|a| a.id))
        })
        .collect();
    let opted_out = super::privacy::opted_out_among(tx, backend, &mentioned).await?;
    let scrubbed: Vec<(&str, Cow<'_, Signal>)> = signals
        .iter()
        .filter(|(_, s)| !opted_out.contains(&s.actor.id))
        .map(|(id, s)| (*id, scrub(s, &opted_out)))
        .collect();
    let signals: Vec<(&str, &Signal)> = scrubbed.iter().map(|(id, s)| (*id, s.as_ref())).collect();
    insert(tx, backend, &signals, now).await
}

/// `signal` without the login of a subject author who opted out (copied only then).
fn scrub<'a>(signal: &'a Signal, opted_out: &HashSet<i64>) -> Cow<'a, Signal> {
    let author = signal.subject.as_ref().and_then(|s| s.author.as_ref());
    if !author.is_some_and(|a| opted_out.contains(&a.id)) {
        return Cow::Borrowed(signal);
    }
    let mut signal = signal.clone();
    if let Some(author) = signal.subject.as_mut().and_then(|s| s.author.as_mut()) {
        author.login.clear();
    }
    Cow::Owned(signal)
}

/// Records `signals` (each with the delivery that told it) and the people who acted, in a few
/// multi-row statements, and adds the new ones to the digests. Facts already recorded are left as they are.
async fn insert(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    signals: &[(&str, &Signal)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    upgrade_label_identities(tx, signals).await?;
    let mut new: HashSet<(String, String)> = HashSet::new();
    for chunk in signals.chunks(super::rows_per_statement(SIGNAL_COLUMNS)) {
        let sql = format!(
            "INSERT INTO signals (kind, identity, org_id, org_login, repo_id, repo_name, repo_private, \
                 subject_number, subject_is_pr, subject_author_id, subject_author_login, subject_author_type, \
                 subject_author_association, actor_id, actor_login, actor_type, occurred_at, data, delivery_id, \
                 recorded_at) \
             VALUES {} ON CONFLICT (kind, identity) DO NOTHING RETURNING kind, identity",
            super::placeholders(backend, chunk.len(), SIGNAL_COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for (delivery_id, s) in chunk {
            let subject = s.subject.as_ref();
            let author = subject.and_then(|s| s.author.as_ref());
            query = query
                .bind(s.kind.as_str())
                .bind(s.identity.as_str())
                .bind(s.org.id)
                .bind(s.org.login.as_str())
                .bind(s.repo.id)
                .bind(s.repo.full_name.as_str())
                .bind(i64::from(s.repo.private))
                .bind(subject.map(|s| s.number))
                .bind(subject.map(|s| i64::from(s.is_pull_request)))
                .bind(author.map(|a| a.id))
                .bind(author.map(|a| a.login.as_str()).filter(|l| !l.is_empty()))
                .bind(author.and_then(|a| a.account_type.as_deref()))
                .bind(subject.and_then(|s| s.author_association.as_deref()))
                .bind(s.actor.id)
                .bind(s.actor.login.as_str())
                .bind(s.actor.account_type.as_deref())
                .bind(millis(s.occurred_at))
                .bind(s.data.to_string())
                .bind(*delivery_id)
                .bind(millis(now));
        }
        for row in query.fetch_all(&mut **tx).await? {
            new.insert((row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?));
        }
    }
    // The first of each new fact (a batch may hold the same fact twice).
    let added: Vec<&Signal> = signals
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| new.remove(&(s.kind.as_str().to_owned(), s.identity.clone())))
        .collect();
    super::digests::add(tx, backend, &added).await?;
    upsert_people(tx, backend, &latest_people(signals.iter().map(|(_, s)| *s))).await
}

/// Renames each label fact recorded by its label's name (as facts were before labels were named by
/// id) that `signals` tell again by id, so the insert that follows finds it there and counts it once.
async fn upgrade_label_identities(
    tx: &mut Transaction<'_, Any>,
    signals: &[(&str, &Signal)],
) -> Result<(), StoreError> {
    for (_, s) in signals {
        let Some(by_name) = ladder_core::signal::label_identity_by_name(s) else { continue };
        let sql = "UPDATE signals SET identity = $1, data = $2 WHERE kind = $3 AND identity = $4 \
                   AND NOT EXISTS (SELECT 1 FROM signals WHERE kind = $3 AND identity = $1)";
        sqlx::query(sql)
            .bind(s.identity.as_str())
            .bind(s.data.to_string())
            .bind(s.kind.as_str())
            .bind(by_name)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Each actor once, as of their latest signal (a statement may not update one row twice).
fn latest_people<'a>(signals: impl Iterator<Item = &'a Signal>) -> Vec<(&'a Account, DateTime<Utc>)> {
    let mut latest: BTreeMap<i64, (&Account, DateTime<Utc>)> = BTreeMap::new();
    for s in signals {
        let entry = latest.entry(s.actor.id).or_insert((&s.actor, s.occurred_at));
        if s.occurred_at >= entry.1 {
            *entry = (&s.actor, s.occurred_at);
        }
    }
    latest.into_values().collect()
}

/// Records people; a login is replaced only by one seen at the same time or later.
async fn upsert_people(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    people: &[(&Account, DateTime<Utc>)],
) -> Result<(), StoreError> {
    for chunk in people.chunks(super::rows_per_statement(PEOPLE_COLUMNS)) {
        let sql = format!(
            "INSERT INTO people (id, login, account_type, seen_at) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, account_type = excluded.account_type, \
                 seen_at = excluded.seen_at \
             WHERE excluded.seen_at >= people.seen_at",
            super::placeholders(backend, chunk.len(), PEOPLE_COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for (account, seen_at) in chunk {
            query = query
                .bind(account.id)
                .bind(account.login.as_str())
                .bind(account.account_type.as_deref())
                .bind(millis(*seen_at));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A row's pull request and time.
fn pr_at(row: &sqlx::any::AnyRow) -> Result<((i64, i64), DateTime<Utc>), StoreError> {
    Ok(((row.try_get("repo_id")?, row.try_get("subject_number")?), super::from_millis(row.try_get("occurred_at")?)))
}

impl super::People {
    /// Every recorded signal of one person in one org, oldest first.
    pub async fn signals_of(&self, org_id: i64, person_id: i64) -> Result<Vec<Signal>, StoreError> {
        self.signals_in(org_id, person_id, Scope::All).await
    }

    /// [`Self::signals_of`], of the repositories `scope` shows.
    pub async fn signals_in(&self, org_id: i64, person_id: i64, scope: Scope) -> Result<Vec<Signal>, StoreError> {
        let shown = super::shown_to(scope);
        let sql = format!("SELECT * FROM signals WHERE org_id = $1 AND actor_id = $2{shown} ORDER BY occurred_at, seq");
        let rows = sqlx::query(&sql).bind(org_id).bind(person_id).fetch_all(&self.0.read).await?;
        rows.iter().map(signal_from_row).collect()
    }

    /// Every recorded signal in an org since `since`, oldest first.
    pub async fn signals_in_org_since(&self, org_id: i64, since: DateTime<Utc>) -> Result<Vec<Signal>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM signals WHERE org_id = $1 AND occurred_at > $2 ORDER BY occurred_at, seq")
                .bind(org_id)
                .bind(millis(since))
                .fetch_all(&self.0.read)
                .await?;
        rows.iter().map(signal_from_row).collect()
    }

    /// `(repo id, number)` of every PR recorded as merged in an org.
    pub async fn merged_in_org(&self, org_id: i64) -> Result<HashSet<(i64, i64)>, StoreError> {
        let rows = sqlx::query("SELECT repo_id, subject_number FROM signals WHERE org_id = $1 AND kind = 'pr_merged'")
            .bind(org_id)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("repo_id")?, r.try_get("subject_number")?))).collect()
    }

    /// Records signals learned other than from a delivery (`source` says where, for example a backfill),
    /// as processing a delivery would: once per fact, nothing about people who opted out.
    pub async fn record_signals(&self, source: &str, signals: &[Signal], now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.0.writer(super::Durability::Deferred).await?;
        let mut tx = self.0.begin(&mut conn, super::Durability::Deferred).await?;
        let signals: Vec<(&str, &Signal)> = signals.iter().map(|s| (source, s)).collect();
        record(&mut tx, self.0.backend, &signals, now).await?;
        Ok(tx.commit().await?)
    }

    /// Whether a fact is already recorded.
    pub async fn signal_recorded(&self, kind: Kind, identity: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM signals WHERE kind = $1 AND identity = $2")
            .bind(kind.as_str())
            .bind(identity)
            .fetch_optional(&self.0.read)
            .await?;
        Ok(row.is_some())
    }

    /// Whether anything is recorded about a person in an org.
    pub async fn has_signals(&self, org_id: i64, person_id: i64) -> Result<bool, StoreError> {
        self.has_signals_in(org_id, person_id, Scope::All).await
    }

    /// Whether anything is recorded about a person in an org that `scope` shows.
    pub async fn has_signals_in(&self, org_id: i64, person_id: i64, scope: Scope) -> Result<bool, StoreError> {
        let shown = super::shown_to(scope);
        let sql = format!("SELECT 1 FROM signals WHERE org_id = $1 AND actor_id = $2{shown} LIMIT 1");
        let row = sqlx::query(&sql).bind(org_id).bind(person_id).fetch_optional(&self.0.read).await?;
        Ok(row.is_some())
    }

    /// The pull requests a person opened in an org, as `(repo id, number)`, with when.
    pub async fn opened_prs(
        &self,
        org_id: i64,
        author_id: i64,
    ) -> Result<Vec<((i64, i64), DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT repo_id, subject_number, occurred_at FROM signals \
             WHERE org_id = $1 AND actor_id = $2 AND kind = 'pr_opened' ORDER BY occurred_at",
        )
        .bind(org_id)
        .bind(author_id)
        .fetch_all(&self.0.read)
        .await?;
        rows.iter().map(pr_at).collect()
    }

    /// When `reviewer` first reviewed each of `prs` (`(repo id, number)`) that they reviewed, from the
    /// digests: a few key lookups, however many reviews they gave in all.
    pub async fn first_reviews(
        &self,
        org_id: i64,
        reviewer_id: i64,
        prs: &[(i64, i64)],
    ) -> Result<Vec<((i64, i64), DateTime<Utc>)>, StoreError> {
        let mut out = Vec::new();
        let backend = self.0.backend;
        for chunk in prs.chunks(super::rows_per_statement(2) - 2) {
            let sql = format!(
                "SELECT repo_id, number, reviewed_at FROM digest_engagements \
                 WHERE org_id = $1 AND actor_id = $2 AND reviewed_at IS NOT NULL AND (repo_id, number) IN ({})",
                super::placeholders_after(backend, 2, chunk.len(), 2)
            );
            let mut query = sqlx::query(&sql).bind(org_id).bind(reviewer_id);
            for (repo, number) in chunk {
                query = query.bind(*repo).bind(*number);
            }
            for row in query.fetch_all(&self.0.read).await? {
                let pr = (row.try_get("repo_id")?, row.try_get("number")?);
                out.push((pr, super::from_millis(row.try_get("reviewed_at")?)));
            }
        }
        Ok(out)
    }

    /// Number of recorded signals (all people, all orgs).
    pub async fn signal_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM signals").fetch_one(&self.0.read).await?.try_get(0)?)
    }

    /// People whose current login matches, case-insensitively. Usually one; several only when a login
    /// was given up by one account and taken by another.
    pub async fn people_by_login(&self, login: &str) -> Result<Vec<Person>, StoreError> {
        let login = login.trim().trim_start_matches('@');
        let rows = sqlx::query("SELECT id, login FROM people WHERE lower(login) = lower($1) ORDER BY seen_at DESC")
            .bind(login)
            .fetch_all(&self.0.read)
            .await?;
        rows.iter().map(|r| Ok(Person { id: r.try_get("id")?, login: r.try_get("login")? })).collect()
    }
}
