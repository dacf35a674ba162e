//! `ladder status` on a large org: 1,000,000 signals from 10,000 people (a few very active, most
//! occasional), on SQLite and PostgreSQL. Prints how long digesting the signals takes (as after an
//! upgrade), and how long answering takes: in process (lookup, reading the person's facts from the
//! digests, roles, evaluation and rendering) for a sample of people
//! and for the most active person, and the whole command as a process.
//!
//! Run: `cargo bench --bench status`. Knobs: LADDER_BENCH_SIGNALS (default 1000000), LADDER_BENCH_PEOPLE
//! (default 10000), LADDER_BENCH_ENGINES (default `sqlite,postgres`).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ladder::store::Store;
use ladder_core::ladder::Ladder;
use ladder_core::report::Report;
use support::{Engine, TestDb, ladder_command};

const KINDS: [&str; 8] = [
    "pr_opened",
    "pr_merged",
    "review_approved",
    "review_commented",
    "issue_comment",
    "triage_labeled",
    "issue_opened",
    "review_comment",
];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Person `i`'s share of activity falls off like 1 / (i + 1): a few people do most of the work.
fn people_weights(people: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..people).map(|i| 1.0 / (i as f64 + 1.0)).collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / total).collect()
}

async fn fill(db: &TestDb, engine: Engine, signals: usize, people: usize) {
    let pool = db.pool().await;
    let weights = people_weights(people);
    let now = chrono::Utc::now().timestamp_millis();
    let columns = 16;
    let rows_per_statement = 1000;
    let mut tx = pool.begin().await.unwrap();
    let mut n = 0usize;
    let mut person = 0usize;
    let mut quota = 0.0f64;
    while n < signals {
        let count = rows_per_statement.min(signals - n);
        let values: Vec<String> = (0..count)
            .map(|r| {
                let p: Vec<String> = (1..=columns)
                    .map(|c| match engine {
                        Engine::Sqlite => "?".to_owned(),
                        Engine::Postgres => format!("${}", r * columns + c),
                    })
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO signals (kind, identity, org_id, org_login, repo_id, repo_name, repo_private, subject_number, \
             subject_is_pr, subject_author_id, subject_author_login, actor_id, actor_login, occurred_at, data, recorded_at) \
             VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for _ in 0..count {
            // Hand out signals to people by weight, heaviest first.
            while quota <= 0.0 && person < people {
                quota += weights[person] * signals as f64;
                person += 1;
            }
            quota -= 1.0;
            let actor = person.max(1) as i64;
            let repo = (n % 48) as i64;
            let number = (n / 7) as i64;
            query = query
                .bind(KINDS[n % KINDS.len()])
                .bind(format!("bench-{n}"))
                .bind(900i64)
                .bind("asyncapi")
                .bind(repo)
                .bind(format!("asyncapi/repo-{repo}"))
                .bind(0i64)
                .bind(number)
                .bind(1i64)
                .bind(1_000_000 + (n % 977) as i64)
                .bind("someone")
                .bind(actor)
                .bind(format!("person-{actor}"))
                .bind(now - (n as i64 % 1000) * 86_400_000)
                .bind(r#"{"additions":40,"deletions":2,"title":"feat: x","head":"feature"}"#)
                .bind(now);
            n += 1;
        }
        query.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let people_sql = "INSERT INTO people (id, login, account_type, seen_at) SELECT actor_id, MIN(actor_login), 'User', 0 FROM signals GROUP BY actor_id";
    sqlx::query(people_sql).execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO orgs (id, login, seen_at) VALUES (900, 'asyncapi', 0)").execute(&pool).await.unwrap();
    // Signals went in behind the store's back: have it digest them, as after an upgrade.
    sqlx::query("INSERT INTO store_tasks (name) VALUES ('rebuild_digests')").execute(&pool).await.unwrap();
    if engine == Engine::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    pool.close().await;
}

/// What `ladder status` does once connected, for one login.
async fn answer(store: &Store, ladder: &Ladder, login: &str) -> usize {
    let person = store.people().people_by_login(login).await.unwrap().remove(0);
    assert!(store.people().has_signals(900, person.id).await.unwrap());
    let facts = store.people().facts_of(900, person.id, ladder).await.unwrap();
    let grants = store.directory().roles_of("asyncapi", &person.login, person.id).await.unwrap();
    let org = ladder_core::signal::Org { id: 900, login: "asyncapi".into() };
    let n = facts.tally().values().sum::<u64>() as usize;
    let report = Report::new(org, person, &facts, ladder, grants, chrono::Utc::now());
    std::hint::black_box(report.to_json());
    n
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn run(engine: Engine, signals: usize, people: usize) {
    let db = TestDb::new(engine).await;
    let started = Instant::now();
    db.store().await; // migrate
    fill(&db, engine, signals, people).await;
    let filled = started.elapsed();
    let started = Instant::now();
    let store = db.store().await; // digests the signals
    let digested = started.elapsed();
    let ladder = Ladder::builtin();
    let sample: Vec<String> = (0..50).map(|i| format!("person-{}", 1 + i * people / 50)).collect();
    answer(&store, &ladder, &sample[0]).await; // warm the caches
    let mut times = Vec::new();
    let mut sizes = Vec::new();
    for login in &sample {
        let t = Instant::now();
        sizes.push(answer(&store, &ladder, login).await);
        times.push(t.elapsed());
    }
    times.sort();
    let mut heaviest_times = Vec::new();
    let mut heaviest = 0;
    for _ in 0..5 {
        let t = Instant::now();
        heaviest = answer(&store, &ladder, "person-1").await;
        heaviest_times.push(t.elapsed());
    }
    heaviest_times.sort();
    let heaviest_time = heaviest_times[2];
    // As README recommends for a server on the same machine: no TLS handshake.
    let url = match engine {
        Engine::Postgres => format!("{}?sslmode=disable", db.url),
        Engine::Sqlite => db.url.clone(),
    };
    let process_time = |login: String| {
        let t = Instant::now();
        let output = ladder_command(&url).args(["status", &login, "--json"]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        t.elapsed()
    };
    let typical_process = process_time(sample[sample.len() / 2].clone());
    let process = process_time("person-2".to_owned());
    let median_size = {
        sizes.sort();
        sizes[sizes.len() / 2]
    };
    println!(
        "{engine:?}: {signals} signals, {people} people (filled in {:.1} s, digested in {:.1} s). status answered in process: \
         p50 {:.2} ms, max {:.2} ms over 50 people (median {median_size} signals each); most active person \
         ({heaviest} signals) {:.2} ms (median of 5); whole `ladder status` process {:.1} ms for a typical person, {:.1} ms \
         for the second most active",
        filled.as_secs_f64(),
        digested.as_secs_f64(),
        millis(times[times.len() / 2]),
        millis(*times.last().unwrap()),
        millis(heaviest_time),
        millis(typical_process),
        millis(process),
    );
}

#[tokio::main]
async fn main() {
    let signals = env_or("LADDER_BENCH_SIGNALS", 1_000_000);
    let people = env_or("LADDER_BENCH_PEOPLE", 10_000);
    let engines = std::env::var("LADDER_BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    for name in engines.split(',') {
        let engine = match name.trim() {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            other => panic!("unknown engine {other}: use sqlite or postgres"),
        };
        run(engine, signals, people).await;
    }
}
