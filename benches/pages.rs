//! The pages and the API on a large org: 1,000,000 signals from 10,000 people (the status
//! benchmark's history, with 4 of its 48 repositories private, 100 maintainers and 20 mentees), on
//! SQLite and PostgreSQL. Prints how long computing the growth snapshots takes (the public one, and
//! the admins'), then how long every page and API route takes to answer over HTTP once they are
//! computed: the median and the slowest of 20 requests each. PostgreSQL is vacuumed and checkpointed
//! first, as it would be by then.
//!
//! Run: `cargo bench --bench pages`. Knobs: LADDER_BENCH_SIGNALS (default 1000000),
//! LADDER_BENCH_PEOPLE (default 10000), LADDER_BENCH_ENGINES (default `sqlite,postgres`).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::bulk::fill;
use support::knobs::{engines, env_or};
use support::secrets::ADMIN_TOKEN;
use support::{App, Engine, TestDb};

/// Private repositories, maintainers, mentees: what the pages read besides signals.
async fn furnish(db: &TestDb, people: usize) {
    let pool = db.pool().await;
    sqlx::query("UPDATE signals SET repo_private = 1 WHERE repo_id >= 44").execute(&pool).await.unwrap();
    for repo in 0..48i64 {
        sqlx::query(
            "INSERT INTO repositories (id, org_id, full_name, private, installation_id, removed, updated_at) \
             VALUES ($1, 900, $2, $3, 1, 0, 0)",
        )
        .bind(repo)
        .bind(format!("asyncapi/repo-{repo}"))
        .bind(i64::from(repo >= 44))
        .execute(&pool)
        .await
        .unwrap();
    }
    for k in 1..=100i64 {
        sqlx::query(
            "INSERT INTO roles (org, repo, login, github_id, role, detail, source) \
             VALUES ('asyncapi', $1, $2, $3, 'maintainer', NULL, 'codeowners')",
        )
        .bind(format!("repo-{}", k % 48))
        .bind(format!("person-{k}"))
        .bind(k)
        .execute(&pool)
        .await
        .unwrap();
    }
    for k in 0..20i64 {
        let mentee = (people / 10) as i64 + k * (people / 25) as i64;
        sqlx::query(
            "INSERT INTO enrolments (org_id, login_key, login, github_id, mentor, cohort, enrolled_by, enrolled_at) \
             VALUES (900, $1, $1, $2, $3, 'now', 'coordinator', $4)",
        )
        .bind(format!("person-{mentee}"))
        .bind(mentee)
        .bind(format!("person-{}", 1 + k))
        .bind(chrono::Utc::now().timestamp_millis() - 40 * 86_400_000)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn run(engine: Engine, signals: usize, people: usize) {
    let db = TestDb::new(engine).await;
    db.store().await; // migrate
    fill(&db, engine, signals, people).await;
    furnish(&db, people).await;
    let started = Instant::now();
    db.store().await; // digests the signals
    let digested = started.elapsed();
    let yaml = "program:\n  cohorts:\n    - name: now\n      start: 2026-01-01\n      midterm: 2026-04-01\n      final: 2026-07-01\n      end: 2026-09-30\n";
    let ladder = ladder_core::ladder::config::parse("amp.yml", yaml).unwrap();
    let app = App::start_with(db, move |s| {
        s.ladders = ladder::pipeline::ladders::Choice { local: Some(ladder), bots: None };
        // Pages use the snapshots computed below for the whole run.
        s.growth_lag = Duration::from_secs(3600);
    })
    .await;
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let http = app.http();
    let get = |path: String, admin: bool| {
        let bearer = bearer.clone();
        async move {
            let headers: Vec<(&str, &str)> = if admin { vec![("authorization", bearer.as_str())] } else { Vec::new() };
            let t = Instant::now();
            let reply = http.fetch("GET", &path, &headers, "").await;
            assert!(
                reply.status == 200,
                "{path}: {} {}",
                reply.status,
                reply.body.chars().take(300).collect::<String>()
            );
            t.elapsed()
        }
    };
    let public_snapshot = get("/orgs/asyncapi".into(), false).await;
    let admin_snapshot = get("/orgs/asyncapi".into(), true).await;
    println!(
        "{engine:?}: {signals} signals, {people} people; digested in {:.1} s; growth snapshots computed in {:.1} s \
         (public) and {:.1} s (admins)",
        digested.as_secs_f64(),
        public_snapshot.as_secs_f64(),
        admin_snapshot.as_secs_f64()
    );
    if engine == Engine::Postgres {
        // What autovacuum and the checkpointer do in the minutes after a bulk write; left to run
        // while requests are timed, they compete with them for the machine's two cores and its disk.
        let pool = app.db.pool().await;
        sqlx::query("VACUUM ANALYZE").execute(&pool).await.unwrap();
        sqlx::query("CHECKPOINT").execute(&pool).await.unwrap();
        pool.close().await;
    }
    let typical = format!("person-{}", people / 2);
    let typical_page = format!("/orgs/asyncapi/people/{typical}");
    let typical_api = format!("/api/v1/orgs/asyncapi/people/{typical}");
    let routes: Vec<(&str, bool)> = vec![
        ("/orgs/asyncapi", false),
        ("/orgs/asyncapi?interval=week", false),
        ("/orgs/asyncapi", true),
        ("/orgs/asyncapi/people", false),
        ("/orgs/asyncapi/people?sort=need&page=100", true),
        ("/orgs/asyncapi/people?ready=true&sort=need", false),
        ("/orgs/asyncapi/people?maintainers=true&activity=active", true),
        (&typical_page, false),
        (&typical_page, true),
        ("/orgs/asyncapi/people/person-2", true),
        ("/orgs/asyncapi/people/person-2", false),
        ("/orgs/asyncapi/repos", false),
        ("/orgs/asyncapi/repos", true),
        ("/orgs/asyncapi/program", true),
        ("/orgs/asyncapi/charts/levels.csv", false),
        ("/orgs/asyncapi/charts/cohorts.csv", true),
        ("/orgs/asyncapi/people.csv", true),
        ("/api/v1/orgs", false),
        ("/api/v1/orgs/asyncapi/people?per_page=100&page=7", false),
        ("/api/v1/orgs/asyncapi/people?activity=active&page=3", false),
        (&typical_api, false),
        ("/api/v1/orgs/asyncapi/people/person-2", true),
        ("/api/v1/orgs/asyncapi/repos", true),
        ("/api/v1/orgs/asyncapi/growth?interval=week", false),
        ("/api/v1/orgs/asyncapi/growth?from=2025-01-01&to=2025-12-31", true),
        ("/api/v1/orgs/asyncapi/cohorts/now", true),
    ];
    println!("  {:<58} {:>9} {:>9}", "route (admin: *)", "p50 ms", "max ms");
    let mut slowest = Duration::ZERO;
    for (path, admin) in routes {
        let mut times = Vec::new();
        for _ in 0..20 {
            times.push(get(path.to_owned(), admin).await);
        }
        times.sort();
        slowest = slowest.max(times[19]);
        let name = format!("{path}{}", if admin { " *" } else { "" });
        println!("  {name:<58} {:>9.1} {:>9.1}", ms(times[10]), ms(times[19]));
    }
    println!("  slowest answer of all: {:.1} ms", ms(slowest));
    app.running.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let signals = env_or("LADDER_BENCH_SIGNALS", 1_000_000);
    let people = env_or("LADDER_BENCH_PEOPLE", 10_000);
    for engine in engines() {
        run(engine, signals, people).await;
    }
}
