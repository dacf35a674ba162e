//! `ladder status` on a large org: 1,000,000 signals from 10,000 people (a few very active, most
//! occasional) and 10,000 open issues and pull requests to suggest next steps from, on SQLite and
//! PostgreSQL. Prints how long digesting the signals takes (as after an
//! upgrade), and how long answering takes: in process (lookup, reading the person's facts from the
//! digests, roles, evaluation, next steps from the open work and rendering) for a sample of people
//! and for the most active person, and the whole command as a process.
//!
//! Run: `cargo bench --bench status`. Knobs: LADDER_BENCH_SIGNALS (default 1000000), LADDER_BENCH_PEOPLE
//! (default 10000), LADDER_BENCH_OPEN_ITEMS (default 10000), LADDER_BENCH_ENGINES (default
//! `sqlite,postgres`).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ladder::pipeline::views;
use ladder::store::Store;
use ladder_core::ladder::Ladder;
use ladder_core::report::Report;
use ladder_core::visibility::Scope;
use support::bulk::{fill, fill_open_work};
use support::knobs::{engines, env_or};
use support::{Engine, TestDb, ladder_command};

/// What `ladder status` does once connected, for one login.
async fn answer(store: &Store, ladder: &Ladder, login: &str) -> usize {
    let person = store.people().people_by_login(login).await.unwrap().remove(0);
    assert!(store.people().has_signals(900, person.id).await.unwrap());
    let facts = store.people().facts_of(900, person.id, ladder).await.unwrap();
    let grants = store.directory().roles_of("asyncapi", &person.login, person.id).await.unwrap();
    let org = ladder_core::signal::Org { id: 900, login: "asyncapi".into() };
    let n = facts.tally().values().sum::<u64>() as usize;
    let mut report = Report::new(org, person, &facts, ladder, grants, chrono::Utc::now());
    views::suggest(store, ladder, &mut report, Scope::All, chrono::Utc::now()).await.unwrap();
    std::hint::black_box(report.to_json());
    n
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn run(engine: Engine, signals: usize, people: usize, open: usize) {
    let db = TestDb::new(engine).await;
    let started = Instant::now();
    db.store().await; // migrate
    fill(&db, engine, signals, people).await;
    fill_open_work(&db, open).await;
    let filled = started.elapsed();
    let started = Instant::now();
    let store = db.store().await; // digests the signals
    let digested = started.elapsed();
    if engine == Engine::Postgres {
        // What autovacuum does in the minutes after a bulk write: without statistics of the new
        // digests, PostgreSQL guesses them empty and may pick the wrong index.
        let pool = db.pool().await;
        sqlx::query("VACUUM ANALYZE").execute(&pool).await.unwrap();
        sqlx::query("CHECKPOINT").execute(&pool).await.unwrap();
        pool.close().await;
    }
    let ladder = Ladder::builtin();
    let sample: Vec<String> = (0..50).map(|i| format!("person-{}", 1 + i * people / 50)).collect();
    // The first answer about the most active person, before anything about them is remembered.
    let t = Instant::now();
    answer(&store, &ladder, &sample[0]).await;
    let first = t.elapsed();
    // What the server's growth snapshot does in the background: remember busy people's counts.
    let t = Instant::now();
    let remembered = store.people().remember_substantial(900, Scope::All, &ladder).await.unwrap();
    let remembering = t.elapsed();
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
    // The whole command, median of 5; the second most active person is asked here first (their
    // count remembered as the server would have).
    let process_time = |login: String| {
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let t = Instant::now();
                let output = ladder_command(&url).args(["status", &login, "--json"]).output().unwrap();
                assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
                t.elapsed()
            })
            .collect();
        let first = times[0];
        times.sort();
        (times[2], first)
    };
    let (typical_process, _) = process_time(sample[sample.len() / 2].clone());
    let (process, process_first) = process_time("person-2".to_owned());
    let (heaviest_process, _) = process_time("person-1".to_owned());
    let median_size = {
        sizes.sort();
        sizes[sizes.len() / 2]
    };
    println!(
        "{engine:?}: {signals} signals, {people} people, {open} open items (filled in {:.1} s, digested in {:.1} s). status answered in process: \
         p50 {:.2} ms, max {:.2} ms over 50 people (median {median_size} signals each); most active person \
         ({heaviest} signals) {:.2} ms (median of 5; the first answer, nothing remembered yet: {:.1} ms; \
         remembering {remembered} other busy people's counts took {:.1} s); \
         whole `ladder status` process (median of 5) {:.1} ms for a typical person, {:.1} ms for the second most active \
         ({:.1} ms the first time), {:.1} ms for the most active",
        filled.as_secs_f64(),
        digested.as_secs_f64(),
        millis(times[times.len() / 2]),
        millis(*times.last().unwrap()),
        millis(heaviest_time),
        millis(first),
        remembering.as_secs_f64(),
        millis(typical_process),
        millis(process),
        millis(process_first),
        millis(heaviest_process),
    );
}

#[tokio::main]
async fn main() {
    let signals = env_or("LADDER_BENCH_SIGNALS", 1_000_000);
    let people = env_or("LADDER_BENCH_PEOPLE", 10_000);
    let open = env_or("LADDER_BENCH_OPEN_ITEMS", 10_000);
    for engine in engines() {
        run(engine, signals, people, open).await;
    }
}
