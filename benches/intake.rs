//! Intake throughput: signed, realistic deliveries over HTTP from concurrent connections to a real
//! `ladder serve` process (release build, default durability settings, worker running), on SQLite and
//! on PostgreSQL, and on PostgreSQL also to two replicas sharing the database (the connections split
//! between them). Prints acknowledged deliveries per second, latency percentiles, and when every
//! delivery had been processed.
//!
//! Run: `cargo bench --bench intake` (PostgreSQL as for the tests: a throwaway server of their own,
//! or LADDER_TEST_POSTGRES_URL).
//! Knobs: LADDER_BENCH_REQUESTS (default 40000), LADDER_BENCH_CONNECTIONS (default 48),
//! LADDER_BENCH_ENGINES (default `sqlite,postgres`), LADDER_BENCH_REPLICAS (PostgreSQL's, default
//! `1,2`), LADDER_BENCH_LOG (copy the server's log there;
//! with LADDER_TEST_LOG=ladder=trace it shows each commit's size and duration).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ladder::inbound::webhook::signature::sign;
use support::knobs::{engines, env_or};
use support::{Engine, Process, SECRET, TestDb, fixture_json, settle_db};

/// A merged-PR delivery of about 20 KB (a real delivery, compacted), made unique by its PR number.
fn bodies(n: usize) -> Vec<(String, Vec<u8>, String)> {
    let template = fixture_json("pull_request/closed.merged.json");
    (0..n)
        .map(|i| {
            let mut p = template.clone();
            p["number"] = i.into();
            p["pull_request"]["number"] = i.into();
            let body = p.to_string().into_bytes();
            let signature = sign(SECRET, &body);
            (format!("bench-{i}"), body, signature)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(engine: Engine, requests: usize, connections: usize, replicas: usize) {
    let db = TestDb::new(engine).await;
    let mut servers = Vec::new();
    for i in 0..replicas {
        servers.push(Process::serve_with(&db, &format!("bench-{i}"), &[]).await);
    }
    let work = bodies(requests);
    let size = work.iter().map(|(_, b, _)| b.len()).sum::<usize>() / work.len();
    let chunks: Vec<Vec<(String, Vec<u8>, String)>> = {
        let mut lanes: Vec<Vec<_>> = (0..connections).map(|_| Vec::new()).collect();
        for (i, item) in work.into_iter().enumerate() {
            lanes[i % connections].push(item);
        }
        lanes
    };
    let started = Instant::now();
    let lanes: Vec<_> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, lane)| {
            let http = servers[i % replicas].http.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(lane.len());
                for (id, body, signature) in lane {
                    let headers = vec![
                        ("x-github-event".to_owned(), "pull_request".to_owned()),
                        ("x-github-delivery".to_owned(), id),
                        ("x-hub-signature-256".to_owned(), signature),
                        ("content-type".to_owned(), "application/json".to_owned()),
                    ];
                    let sent = Instant::now();
                    let (status, text) = http.post_webhook(&headers, body).await;
                    assert_eq!(status, 202, "{text}");
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    for lane in lanes {
        latencies.extend(lane.await.unwrap());
    }
    let elapsed = started.elapsed();
    settle_db(&db).await;
    let drained = started.elapsed();
    latencies.sort();
    if let Ok(path) = std::env::var("LADDER_BENCH_LOG") {
        std::fs::copy(&servers[0].log, path).expect("copy the server log");
    }
    let done = db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await;
    assert_eq!(done as usize, requests, "every acknowledged delivery was processed");
    println!(
        "{engine:?}, {replicas} replica(s): {requests} deliveries of {size} B over {connections} connections in {:.2} s: \
         {:.0} acknowledged/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; workers drained all by {:.2} s \
         ({:.0} processed/s end to end)",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        drained.as_secs_f64(),
        requests as f64 / drained.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let requests = env_or("LADDER_BENCH_REQUESTS", 40_000);
    let connections = env_or("LADDER_BENCH_CONNECTIONS", 48);
    let replicas: Vec<usize> = std::env::var("LADDER_BENCH_REPLICAS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .map(|n| n.trim().parse().expect("LADDER_BENCH_REPLICAS: numbers, like 1,2"))
        .collect();
    for engine in engines() {
        // SQLite is one machine's file: one replica.
        let counts = if engine == Engine::Postgres { replicas.clone() } else { vec![1] };
        for n in counts {
            run(engine, requests, connections, n).await;
        }
    }
}
