//! Intake under hostile clients: a freshly started release `ladder serve` (SQLite, default settings)
//! while 1,000 connections send unsigned bodies at 1 byte/s and 40 others declare 25 MiB and send
//! 24 MiB each with a wrong signature, and 200 signed 20 KB deliveries arrive at 20 a second. Prints
//! what the signed deliveries were answered and how fast (p50, p99, max), what the hostile clients were
//! answered, the server's peak RSS (VmHWM) and its RSS for a minute after.
//!
//! Run: `cargo bench --bench hostile`. Knobs: LADDER_BENCH_SLOW (1000), LADDER_BENCH_HUGE (40),
//! LADDER_BENCH_SIGNED (200), LADDER_BENCH_SETTLE_SECS (60, how long RSS is followed afterwards).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ladder::inbound::webhook::signature::sign;
use support::knobs::env_or;
use support::{Engine, Process, SECRET, TestDb, fixture_json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIB: usize = 1024 * 1024;

/// `VmRSS` and `VmHWM` of process `pid`, in MB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
    };
    let mb = |kb: Option<f64>| kb.unwrap_or(0.0) / 1024.0;
    (mb(field("VmRSS:")), mb(field("VmHWM:")))
}

/// This process needs a file per connection too.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn head(id: &str, length: usize) -> String {
    format!(
        "POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\nx-github-event: issues\r\nx-github-delivery: {id}\r\n\
         x-hub-signature-256: sha256={}\r\ncontent-length: {length}\r\n\r\n",
        "0".repeat(64)
    )
}

/// A hostile client: sends `head` and `first`, then a byte every `trickle` if given, until answered.
/// Returns the status code it was answered (0: the connection closed without one).
async fn hostile(addr: std::net::SocketAddr, head: String, first: Vec<u8>, trickle: Option<Duration>) -> u16 {
    let Ok(stream) = TcpStream::connect(addr).await else { return 0 };
    let (mut read, mut write) = stream.into_split();
    let sending = async move {
        if write.write_all(head.as_bytes()).await.is_ok() && write.write_all(&first).await.is_ok() {
            while let Some(pause) = trickle {
                tokio::time::sleep(pause).await;
                if write.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
        std::future::pending::<()>().await
    };
    let mut answer = [0u8; 64];
    tokio::select! {
        n = read.read(&mut answer) => {
            let text = String::from_utf8_lossy(&answer[..n.unwrap_or(0)]).into_owned();
            text.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0)
        }
        () = sending => 0,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn tally(codes: &[u16]) -> String {
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for code in codes {
        *counts.entry(*code).or_default() += 1;
    }
    counts.iter().map(|(code, n)| format!("{n}× {code}")).collect::<Vec<_>>().join(", ")
}

#[tokio::main]
async fn main() {
    raise_open_file_limit();
    let (slow, huge, signed) =
        (env_or("LADDER_BENCH_SLOW", 1000), env_or("LADDER_BENCH_HUGE", 40), env_or("LADDER_BENCH_SIGNED", 200));
    let settle = Duration::from_secs(env_or("LADDER_BENCH_SETTLE_SECS", 60) as u64);
    let db = TestDb::new(Engine::Sqlite).await;
    let server = Process::serve_with(&db, "hostile", &[]).await;
    let pid = server.child.id();
    let (rss, _) = memory(pid);
    println!("fresh `ladder serve`: RSS {rss:.1} MB");

    let addr = server.addr;
    let started = Instant::now();
    let mut attackers = Vec::new();
    for i in 0..slow {
        let head = head(&format!("slow-{i}"), 20_000);
        attackers.push(tokio::spawn(hostile(addr, head, b"{".to_vec(), Some(Duration::from_secs(1)))));
    }
    for i in 0..huge {
        let head = head(&format!("huge-{i}"), 25 * MIB);
        attackers.push(tokio::spawn(hostile(addr, head, vec![b' '; 24 * MIB], None)));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let template = fixture_json("pull_request/closed.merged.json");
    let mut sends = Vec::new();
    for i in 0..signed {
        let mut payload = template.clone();
        payload["pull_request"]["number"] = i.into();
        let body = payload.to_string().into_bytes();
        let headers = vec![
            ("x-github-event".to_owned(), "pull_request".to_owned()),
            ("x-github-delivery".to_owned(), format!("signed-{i}")),
            ("x-hub-signature-256".to_owned(), sign(SECRET, &body)),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        let http = server.http.clone();
        let at = tokio::time::Instant::now() + Duration::from_millis(50 * i as u64);
        sends.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let sent = Instant::now();
            let status = http.try_request("POST", "/api/github/webhooks", &headers, body).await.map_or(0, |(s, _)| s);
            (status, sent.elapsed())
        }));
    }
    let (mut codes, mut latencies) = (Vec::new(), Vec::new());
    for send in sends {
        let (status, latency) = send.await.unwrap();
        codes.push(status);
        latencies.push(latency);
    }
    latencies.sort();
    println!(
        "{signed} signed deliveries at 20/s, while {slow} clients sent 1 byte/s and {huge} sent 24 MiB each: {}; \
         latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        tally(&codes),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    let mut answered = Vec::new();
    for attacker in attackers {
        answered.push(attacker.await.unwrap());
    }
    let (rss, peak) = memory(pid);
    println!(
        "hostile clients answered {} after {:.1} s; server RSS {rss:.1} MB, peak (VmHWM) {peak:.1} MB",
        tally(&answered),
        started.elapsed().as_secs_f64()
    );
    let after = Instant::now();
    let mut readings = Vec::new();
    while after.elapsed() < settle {
        tokio::time::sleep(Duration::from_secs(5)).await;
        readings.push(format!("{:.0} s: {:.1} MB", after.elapsed().as_secs_f64(), memory(pid).0));
    }
    println!("RSS afterwards: {}", readings.join(", "));
}
