//! The store's digests give exactly the facts that a person's signals give when counted in memory:
//! after recording in batches with redeliveries, after a rebuild from signals, and after an opt-out
//! takes merged PRs away from under other people's reviews. The derived metrics' rules are written
//! twice on purpose: in SQL over the digests (so that `status` reads a few hundred rows however active
//! a person is) and in `Facts::from_signals`, the pure reference; this differential test pins the
//! SQL to the reference over random histories (bots, self-actions, mechanical globs with `%` and `_`,
//! non-ASCII titles, a private repository) on both engines, for everyone's facts and for the
//! public's (from public repositories only).

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ladder::store::Store;
use ladder_core::event::Account;
use ladder_core::ladder::config::parse;
use ladder_core::ladder::{Facts, Ladder};
use ladder_core::rng::Rng;
use ladder_core::signal::{Kind, Org, Repo, Signal, Subject};
use ladder_core::visibility::Scope;
use serde_json::json;

use crate::on_both_engines;
use crate::support::{Engine, TestDb};

const ORG: i64 = 900;
const PEOPLE: [(i64, &str, &str); 5] =
    [(1, "ana", "User"), (2, "ben", "User"), (3, "cy", "User"), (4, "asyncapi-bot", "User"), (5, "dep[bot]", "Bot")];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

/// Signals as processing records them: a PR merges once, and every fact has its own identity.
fn history(rng: &mut Rng, n: usize) -> Vec<Signal> {
    let titles = ["chore(deps): bump x", "feat: y", "", "Bump z", "fix_%: odd", "FEAT: Überall"];
    let associations = ["FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "MEMBER", "CONTRIBUTOR"];
    let account =
        |(id, login, kind): (i64, &str, &str)| Account { id, login: login.into(), account_type: Some(kind.into()) };
    let mut seen = HashSet::new();
    (0..n)
        .map(|i| {
            let kind = *rng.pick(&Kind::ALL);
            let (repo, number) = (rng.below(3) as i64, rng.below(25) as i64);
            let identity = if kind == Kind::PrMerged { format!("{repo}#{number}") } else { format!("h{i}") };
            let has_subject = kind == Kind::PrMerged || (kind != Kind::ReleasePublished && rng.below(10) != 0);
            let paths: [&[&str]; 4] = [&["docs/a.md"], &["docs/a.md", "src/x.rs"], &[], &["DOCS/b.md", "docs/c"]];
            let paths = rng.pick(&paths);
            let mut data = json!({
                "additions": rng.below(30), "deletions": rng.below(10),
                "title": rng.pick(&titles), "head": rng.pick(&["dependabot/x", "main", "Renovate/y"]),
            });
            if rng.below(2) == 0 {
                data["paths"] = json!(paths); // read from GitHub only when a ladder has path patterns
            }
            Signal {
                kind,
                identity,
                org: Org { id: ORG, login: "asyncapi".into() },
                // The third repository is private: the public's digests leave it out.
                repo: Repo { id: repo, full_name: format!("asyncapi/r{repo}"), private: repo == 2 },
                subject: has_subject.then(|| Subject {
                    number,
                    is_pull_request: true,
                    author: Some(account(*rng.pick(&PEOPLE))),
                    author_association: Some((*rng.pick(&associations)).into()),
                }),
                actor: account(*rng.pick(&PEOPLE)),
                // Three years back, at hour resolution, so that ties in time happen.
                occurred_at: now() - Duration::hours(rng.below(26_000) as i64),
                data,
            }
        })
        .filter(|s| seen.insert((s.kind, s.identity.clone())))
        .collect()
}

fn ladders() -> Vec<Ladder> {
    let custom = "weekly_caps: {pr_merged: 1, review_approved: 2}\nsubstantial: {min_lines: 5, mechanical_titles: [\"fix_%*\", \"*überall\"], mechanical_branches: [\"renovate/*\"], mechanical_paths: [\"docs/*\"]}\nlevels:\n  - id: a\n    requires: {review: 1, triage_closed: 1, substantial_prs: 1, repos: 1, newcomers_helped: 1, primary_reviews: 2, reviews_on_merged: 1, active_months: 1, tenure_months: 1, code: 3}\n";
    vec![Ladder::builtin(), parse("custom.yml", custom).unwrap()]
}

/// Every person's facts, from the digests and from their signals, agree.
async fn assert_digests_agree(store: &Store, context: &str) {
    let merged = store.people().merged_in_org(ORG).await.unwrap();
    for ladder in ladders() {
        for (id, login, _) in PEOPLE {
            let signals = store.people().signals_of(ORG, id).await.unwrap();
            let expected = Facts::from_signals(&signals, &merged, &ladder);
            let got = store.people().facts_of(ORG, id, &ladder).await.unwrap();
            assert_eq!(got, expected, "{context}: @{login}, {} signals", signals.len());
            let public: Vec<Signal> = signals.into_iter().filter(|s| !s.repo.private).collect();
            let expected = Facts::from_signals(&public, &merged, &ladder);
            let got = store.people().facts_in(ORG, id, &ladder, Scope::Public).await.unwrap();
            assert_eq!(got, expected, "{context}, public: @{login}, {} signals", public.len());
        }
    }
}

async fn digests_give_the_facts_signals_give(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let signals = history(&mut rng, 900);
    // Recorded in uneven batches, a third of them told twice (redeliveries, replays).
    let mut start = 0;
    while start < signals.len() {
        let end = (start + 1 + rng.below(120)).min(signals.len());
        store.people().record_signals("test", &signals[start..end], now()).await.unwrap();
        let again = start + (end - start) / 3;
        store.people().record_signals("test", &signals[start..again], now()).await.unwrap();
        start = end;
    }
    let facts = store.people().facts_of(ORG, 1, &Ladder::builtin()).await.unwrap();
    assert!(facts.weeks.len() > 20 && !facts.derived.values().all(|m| m.value == 0), "a history worth checking");
    assert_digests_agree(&store, "recorded").await;

    // A rebuild from signals (as after an upgrade) gives the same digests.
    let pool = db.pool().await;
    sqlx::query("INSERT INTO store_tasks (name) VALUES ('rebuild_digests')").execute(&pool).await.unwrap();
    store.migrate().await.unwrap();
    assert_digests_agree(&store, "rebuilt").await;

    // Ben opts out: his merged PRs stop counting for anyone's reviews.
    store.people().opt_out(2, "ben", now()).await.unwrap();
    assert_eq!(store.people().facts_of(ORG, 2, &Ladder::builtin()).await.unwrap().weeks.len(), 0);
    assert_digests_agree(&store, "after an opt-out").await;
}

on_both_engines!(digests_give_the_facts_signals_give);

/// A busy author's merged PRs, and reviews of them by someone else: enough that the store remembers
/// counts, and reads afterwards top them up.
fn busy_history(rng: &mut Rng, prs: i64) -> Vec<Signal> {
    let titles = ["chore(deps): bump x", "feat: y", "fix_%: odd", "FEAT: Überall", "docs: z"];
    let paths: [&[&str]; 3] = [&["docs/a.md"], &["docs/a.md", "src/x.rs"], &["src/y.rs"]];
    let account = |(id, login, _): (i64, &str, &str)| Account { id, login: login.into(), account_type: None };
    let signal = |kind: Kind, identity: String, repo: i64, number: i64, actor, at, data| Signal {
        kind,
        identity,
        org: Org { id: ORG, login: "asyncapi".into() },
        repo: Repo { id: repo, full_name: format!("asyncapi/r{repo}"), private: repo == 2 },
        subject: Some(Subject {
            number,
            is_pull_request: true,
            author: Some(account(PEOPLE[0])),
            author_association: Some("MEMBER".into()),
        }),
        actor,
        occurred_at: at,
        data,
    };
    let mut out = Vec::new();
    for number in 0..prs {
        let repo = number % 3;
        let at = now() - Duration::hours(rng.below(26_000) as i64);
        let data = json!({
            "additions": rng.below(30), "deletions": rng.below(10), "title": rng.pick(&titles),
            "head": rng.pick(&["dependabot/x", "main", "renovate/y"]), "paths": rng.pick(&paths),
        });
        let review = if rng.below(2) == 0 { Kind::ReviewApproved } else { Kind::ReviewCommented };
        let reviewed = at - Duration::hours(1);
        out.push(signal(review, format!("r{number}"), repo, number, account(PEOPLE[2]), reviewed, json!({})));
        out.push(signal(Kind::PrMerged, format!("{repo}#{number}"), repo, number, account(PEOPLE[0]), at, data));
    }
    out
}

/// Counts kept as they change (engagement totals, and substantial PRs remembered per ladder rule
/// and topped up with what was added since) stay exactly what the signals give: read between
/// batches, after a rebuild, and after the author opts out.
async fn remembered_counts_stay_exact(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let pool = db.pool().await;
    let signals = busy_history(&mut Rng(0x5EED_1234_ABCD_0002), 700);
    // Reviews arrive before the merges they precede, a batch at a time, with facts read in between.
    for batch in signals.chunks(150) {
        store.people().record_signals("test", batch, now()).await.unwrap();
        assert_digests_agree(&store, "between batches").await;
    }
    let remembered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM digest_substantial").fetch_one(&pool).await.unwrap();
    assert!(remembered >= 4, "each ladder's count is remembered, for everyone and for the public: {remembered}");
    let ana = store.people().facts_of(ORG, 1, &ladders()[1]).await.unwrap();
    assert!(ana.derived[&ladder_core::ladder::Metric::SubstantialPrs].value > 100, "a busy author");

    sqlx::query("INSERT INTO store_tasks (name) VALUES ('rebuild_digests')").execute(&pool).await.unwrap();
    store.migrate().await.unwrap();
    // Remembered ahead of any read, as the server's growth snapshots do: only the busy author, and
    // not for a ladder with path patterns (matched in Rust, a person at a time).
    for ladder in ladders() {
        for scope in Scope::BOTH {
            let people = store.people().remember_substantial(ORG, scope, &ladder).await.unwrap();
            assert_eq!(people, u64::from(!ladder.wants_paths()), "{scope:?}");
        }
    }
    assert_digests_agree(&store, "rebuilt, remembered ahead").await;
    store.people().record_signals("test", &busy_history(&mut Rng(7), 800)[1400..], now()).await.unwrap();
    assert_digests_agree(&store, "more merged after remembering").await;

    let cy = store.people().facts_of(ORG, 3, &Ladder::builtin()).await.unwrap();
    assert!(cy.derived[&ladder_core::ladder::Metric::ReviewsOnMerged].value > 300, "Cy reviewed most of them");
    store.people().opt_out(1, "ana", now()).await.unwrap();
    assert_digests_agree(&store, "after the author opted out").await;
    let totals: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(reviews_on_merged), 0) AS BIGINT) FROM digest_totals WHERE actor_id = 3",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(totals, 0, "reviews of the PRs of someone who opted out no longer count");
}

on_both_engines!(remembered_counts_stay_exact);
