//! Side by side: ladder against Probot 14 (the framework most GitHub Apps are built on) and against a
//! bare receiver (the ceiling), under the same load, on the same machine, in one run.
//!
//! Each target gets the same job and the same signed, realistic deliveries (pull requests, reviews,
//! issues and comments from the fixtures; each with its own delivery id, PR or issue number, person
//! and repository among 5,000 people and 48 repositories) over keep-alive HTTP from N connections for a
//! fixed time:
//! - **ladder**: the release `ladder serve` on SQLite with its defaults: every delivery committed with
//!   `synchronous=FULL` before its 2xx, and the worker processing them meanwhile;
//! - **Probot**: `bench/probot/server.js` verifies the signature and stores each delivery in SQLite
//!   (WAL) before its 2xx, once with `synchronous=FULL` (ladder's durability), once `NORMAL`
//!   (Probot's faster choice), and once `NORMAL` as a 2-process Node cluster;
//! - **bare**: this program run as `--bare-receiver`: axum, hmac and serde_json verify the signature
//!   and parse the JSON, and store nothing.
//!
//! Targets alternate (every target once per round, a fresh process and database each run); the table
//! gives each one's median and range over the rounds: acknowledged deliveries per second, latency
//! p50, p99 and p99.9, errors, peak RSS (VmHWM, summed over a cluster's processes), CPU seconds
//! per 1,000 deliveries, how long each took to start (ladder: to a ready `/readyz`) and its RSS when
//! idle; then the ratios.
//!
//! Run: `cargo bench --bench compare` (installs `bench/probot`'s locked packages with `npm ci` on
//! first use; needs Node.js 20.18 or later). Knobs: LADDER_BENCH_SECONDS (default 30),
//! LADDER_BENCH_ROUNDS (default 3), LADDER_BENCH_CONNECTIONS (default 32), LADDER_BENCH_TARGETS
//! (default `ladder,probot-full,probot-normal,probot-cluster,bare`), LADDER_BENCH_PROFILE (a file:
//! sample ladder's stacks under the load with Debian's `perf`, for `perf report -i FILE`),
//! LADDER_BENCH_LOG (a file to append ladder's log to; `LADDER_TEST_LOG` sets its filter).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use ladder::inbound::webhook::signature::sign;
use support::knobs::env_or;
use support::{Engine, Process, SECRET, TestDb, fixture_json, free_port};

/// Marks in a template where each delivery writes its own values (10 characters each).
const NUMBER: i64 = 7_000_000_001;
const ITEM_ID: i64 = 7_000_000_002;
const PERSON_ID: i64 = 7_000_000_003;
const REPO_ID: i64 = 7_000_000_004;
const LOGIN: &str = "zqzqzqzqzq";
const REPO: &str = "rqrqrqrqrq";
const PEOPLE: u64 = 5_000;
/// Where every target receives deliveries (ladder's path, and Probot's default).
const WEBHOOKS: &str = "/api/github/webhooks";
const REPOS: u64 = 48;

/// One kind of delivery, with where its marks are.
struct Template {
    event: &'static str,
    body: Vec<u8>,
    /// Byte offsets of each mark, by kind of mark.
    marks: Vec<(usize, Mark)>,
}

#[derive(Clone, Copy)]
enum Mark {
    Number,
    ItemId,
    PersonId,
    RepoId,
    Login,
    Repo,
}

impl Template {
    fn new(event: &'static str, fixture: &str, item: &str) -> Template {
        let mut p = fixture_json(fixture);
        let person = serde_json::json!({"id": PERSON_ID, "login": LOGIN, "type": "User"});
        p["repository"]["id"] = REPO_ID.into();
        p["repository"]["name"] = REPO.into();
        p["repository"]["full_name"] = format!("asyncapi/{REPO}").into();
        p["repository"]["owner"] = serde_json::json!({"id": 900, "login": "asyncapi", "type": "Organization"});
        p["repository"]["private"] = false.into();
        p["organization"] = serde_json::json!({"id": 900, "login": "asyncapi"});
        p["sender"] = person.clone();
        let subject = if p.get("pull_request").is_some() { "pull_request" } else { "issue" };
        p[subject]["number"] = NUMBER.into();
        p[subject]["id"] = ITEM_ID.into();
        if p.get("number").is_some() {
            p["number"] = NUMBER.into();
        }
        if event == "pull_request" || event == "issues" {
            p[subject]["user"] = person.clone();
        } else {
            p[item]["id"] = ITEM_ID.into();
            p[item]["user"] = person;
        }
        let body = p.to_string().into_bytes();
        let text = String::from_utf8_lossy(&body).into_owned();
        let mut marks = Vec::new();
        let kinds = [
            (NUMBER.to_string(), Mark::Number),
            (ITEM_ID.to_string(), Mark::ItemId),
            (PERSON_ID.to_string(), Mark::PersonId),
            (REPO_ID.to_string(), Mark::RepoId),
            (LOGIN.to_owned(), Mark::Login),
            (REPO.to_owned(), Mark::Repo),
        ];
        for (needle, mark) in kinds {
            marks.extend(text.match_indices(&needle).map(|(at, _)| (at, mark)));
        }
        Template { event, body, marks }
    }

    /// The `k`th delivery of this kind: its own number and item, one of [`PEOPLE`] people and
    /// [`REPOS`] repositories.
    fn fill(&self, k: u64) -> Vec<u8> {
        let mut body = self.body.clone();
        let person = k.wrapping_mul(2_654_435_761) % PEOPLE;
        for (at, mark) in &self.marks {
            let value = match mark {
                Mark::Number | Mark::ItemId => format!("{}", 1_000_000_000 + k),
                Mark::PersonId => format!("{}", 1_000_000_000 + person),
                Mark::RepoId => format!("{}", 1_000_000_000 + k % REPOS),
                Mark::Login => format!("p{person:09}"),
                Mark::Repo => format!("repo-{:05}", k % REPOS),
            };
            body[*at..*at + 10].copy_from_slice(value.as_bytes());
        }
        body
    }
}

/// An org's traffic, roughly: of every 20 deliveries, 4 merged or opened PRs, 5 reviews, 3 issues and
/// 8 comments.
fn mix() -> Vec<Arc<Template>> {
    let t = |event, fixture, item| Arc::new(Template::new(event, fixture, item));
    let merged = t("pull_request", "pull_request/closed.merged.json", "");
    let opened = t("pull_request", "pull_request/opened.json", "");
    let review = t("pull_request_review", "pull_request_review/submitted.json", "review");
    let issue = t("issues", "issues/opened.json", "");
    let comment = t("issue_comment", "issue_comment/created.json", "comment");
    let counts = [(merged, 2), (opened, 2), (review, 5), (issue, 3), (comment, 8)];
    counts.into_iter().flat_map(|(t, n)| std::iter::repeat_n(t, n)).collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Ladder,
    ProbotFull,
    ProbotNormal,
    ProbotCluster,
    Bare,
}

impl Target {
    fn parse(name: &str) -> Target {
        match name {
            "ladder" => Target::Ladder,
            "probot-full" => Target::ProbotFull,
            "probot-normal" => Target::ProbotNormal,
            "probot-cluster" => Target::ProbotCluster,
            "bare" => Target::Bare,
            other => {
                panic!("unknown target `{other}`; known: ladder, probot-full, probot-normal, probot-cluster, bare")
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Target::Ladder => "ladder (SQLite, synchronous=FULL, worker running)",
            Target::ProbotFull => "Probot 14 (SQLite, synchronous=FULL)",
            Target::ProbotNormal => "Probot 14 (SQLite, synchronous=NORMAL)",
            Target::ProbotCluster => "Probot 14, 2-process cluster (NORMAL)",
            Target::Bare => "bare receiver (verify + parse, no storage)",
        }
    }
}

/// A target running: its process, and what to keep alive with it.
struct Running {
    pid: u32,
    /// The process to stop (ladder's [`Process`] stops itself).
    child: Option<Child>,
    _ladder: Option<(Process, TestDb)>,
    addr: SocketAddr,
    _dir: Option<tempfile::TempDir>,
    /// From starting the process to its first answer (ladder: `/readyz` 200; the others: a
    /// connection accepted).
    ready: Duration,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = Command::new("kill").arg("--").arg(format!("-{}", child.id())).status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn probot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/probot")
}

/// Installs Probot's locked packages once.
fn install_probot() {
    if probot_dir().join("node_modules/probot").exists() {
        return;
    }
    let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(probot_dir()).status();
    assert!(status.is_ok_and(|s| s.success()), "`npm ci` in bench/probot failed; Node.js 20.18+ and npm are needed");
}

async fn start(target: Target) -> Running {
    let started = Instant::now();
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let running = match target {
        Target::Ladder => {
            let db = TestDb::new(Engine::Sqlite).await;
            let process = Process::serve_with(&db, "compare", &[]).await;
            let addr = process.addr;
            let (pid, ready) = (process.child.id(), started.elapsed());
            return Running { pid, child: None, _ladder: Some((process, db)), addr, _dir: None, ready };
        }
        Target::Bare => {
            let child = Command::new(std::env::current_exe().unwrap())
                .args(["--bare-receiver", &port.to_string()])
                .spawn()
                .unwrap();
            Running { pid: child.id(), child: Some(child), _ladder: None, addr, _dir: None, ready: Duration::ZERO }
        }
        probot => {
            let dir = tempfile::tempdir().unwrap();
            let (synchronous, workers) = match probot {
                Target::ProbotFull => ("FULL", "1"),
                Target::ProbotNormal => ("NORMAL", "1"),
                _ => ("NORMAL", "2"),
            };
            let child = Command::new("node")
                .arg("server.js")
                .current_dir(probot_dir())
                .env("PORT", port.to_string())
                .env("WEBHOOK_SECRET", SECRET)
                .env("DB_FILE", dir.path().join("probot.db"))
                .env("SYNCHRONOUS", synchronous)
                .env("WORKERS", workers)
                .process_group(0)
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            Running { pid: child.id(), child: Some(child), _ladder: None, addr, _dir: Some(dir), ready: Duration::ZERO }
        }
    };
    let mut running = running;
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "{} did not start listening", target.name());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    running.ready = started.elapsed();
    running
}

/// The process and its descendants (a cluster's workers).
fn family(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
                let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
                let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
                if ppid == Some(&parent.to_string()) && !out.contains(&child) {
                    out.push(child);
                }
            }
        }
        i += 1;
    }
    out
}

/// CPU seconds used so far by the process and its descendants.
fn cpu_seconds(pid: u32) -> f64 {
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    family(pid)
        .iter()
        .map(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            let fields: Vec<&str> =
                stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
            let field = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            (field(11) + field(12)) / ticks // utime, stime (fields 14 and 15 of the whole line)
        })
        .sum()
}

/// Resident memory of the process and its descendants, in MB: `VmHWM:` (the peak) or `VmRSS:` (now).
fn rss_mb(pid: u32, field: &str) -> f64 {
    family(pid)
        .iter()
        .map(|p| {
            let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
            let kb = status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
            kb.unwrap_or(0.0) / 1024.0
        })
        .sum()
}

/// With LADDER_BENCH_LOG=FILE, appends ladder's log of the run to FILE (`LADDER_TEST_LOG` sets its
/// filter, for example `warn,ladder::inbound::intake=trace,ladder::pipeline::worker=trace`).
fn keep_log(running: &Running) {
    let (Ok(file), Some((process, _))) = (std::env::var("LADDER_BENCH_LOG"), &running._ladder) else { return };
    let mut out = std::fs::OpenOptions::new().create(true).append(true).open(&file).unwrap();
    std::io::Write::write_all(&mut out, process.log_text().as_bytes()).unwrap();
}

/// With LADDER_BENCH_PROFILE=FILE, samples ladder's stacks while it is under load (`perf record` on
/// the CPU clock, which works without hardware counters); `perf report -i FILE` reads them.
fn profile(target: Target, pid: u32) -> Option<Child> {
    let file = std::env::var("LADDER_BENCH_PROFILE").ok().filter(|_| target == Target::Ladder)?;
    let perf = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "499", "-g", "-o", &file, "-p", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some(perf)
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    errors: u64,
    rss_mb: f64,
    cpu_per_1000: f64,
    ready_ms: f64,
    idle_rss_mb: f64,
}

/// One connection sending deliveries back to back until `until`; each latency in microseconds.
async fn lane(
    addr: SocketAddr,
    mix: Arc<Vec<Arc<Template>>>,
    counter: Arc<AtomicU64>,
    until: Instant,
) -> (Vec<u32>, u64) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let (mut latencies, mut errors) = (Vec::with_capacity(1 << 16), 0u64);
    while Instant::now() < until {
        let k = counter.fetch_add(1, Ordering::Relaxed);
        let template = &mix[(k % mix.len() as u64) as usize];
        let body = template.fill(k);
        let request = hyper::Request::post(WEBHOOKS)
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .header("user-agent", "GitHub-Hookshot/bench")
            .header("x-github-event", template.event)
            .header("x-github-delivery", format!("00000000-0000-4000-8000-{k:012}"))
            .header("x-hub-signature-256", sign(SECRET, &body))
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let sent = Instant::now();
        match sender.send_request(request).await {
            Ok(response) => {
                let ok = response.status().is_success();
                let _ = response.into_body().collect().await;
                if ok {
                    latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                } else {
                    errors += 1;
                }
            }
            Err(_) => {
                errors += 1;
                break;
            }
        }
    }
    (latencies, errors)
}

async fn measure(target: Target, seconds: u64, connections: usize) -> Figures {
    let running = start(target).await;
    let pid = running.pid;
    // Settled after starting (a cluster forks its workers), before any delivery.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_mb = rss_mb(pid, "VmRSS:");
    let mix = Arc::new(mix());
    let counter = Arc::new(AtomicU64::new(0));
    let profiler = profile(target, pid);
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let lanes: Vec<_> =
        (0..connections).map(|_| tokio::spawn(lane(running.addr, mix.clone(), counter.clone(), until))).collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for lane in lanes {
        let (l, e) = lane.await.unwrap();
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    if let Some(mut perf) = profiler {
        let _ = Command::new("kill").args(["-INT", &perf.id().to_string()]).status();
        let _ = perf.wait();
    }
    let peak_mb = rss_mb(pid, "VmHWM:");
    let running_ready = running.ready;
    keep_log(&running);
    drop(running);
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize] as f64 / 1e3;
    let acknowledged = latencies.len() as f64;
    Figures {
        per_second: acknowledged / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        p999_ms: at(0.999),
        errors,
        rss_mb: peak_mb,
        cpu_per_1000: cpu / acknowledged * 1000.0,
        ready_ms: running_ready.as_secs_f64() * 1e3,
        idle_rss_mb,
    }
}

/// `median (min–max)` of one figure over the rounds.
fn spread(values: &[f64], decimals: usize) -> String {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let median = v[v.len() / 2];
    if v.len() == 1 {
        return format!("{median:.decimals$}");
    }
    format!("{median:.decimals$} ({:.decimals$}–{:.decimals$})", v[0], v[v.len() - 1])
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn print_table(results: &[(Target, Vec<Figures>)], connections: usize, seconds: u64) {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!(
        "\n{cores} cores; {connections} keep-alive connections; {seconds} s runs, alternating; median (range) of {} rounds\n",
        results.first().map_or(0, |(_, r)| r.len())
    );
    println!(
        "| target | acknowledged/s | p50 ms | p99 ms | p99.9 ms | errors | peak RSS MB | CPU s / 1,000 | ready after ms | idle RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (target, runs) in results {
        let get = |f: fn(&Figures) -> f64| runs.iter().map(f).collect::<Vec<_>>();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            target.name(),
            spread(&get(|f| f.per_second), 0),
            spread(&get(|f| f.p50_ms), 1),
            spread(&get(|f| f.p99_ms), 1),
            spread(&get(|f| f.p999_ms), 1),
            spread(&get(|f| f.errors as f64), 0),
            spread(&get(|f| f.rss_mb), 0),
            spread(&get(|f| f.cpu_per_1000), 3),
            spread(&get(|f| f.ready_ms), 0),
            spread(&get(|f| f.idle_rss_mb), 0),
        );
    }
    let find = |t: Target| results.iter().find(|(target, _)| *target == t).map(|(_, runs)| runs);
    let Some(ladder) = find(Target::Ladder) else { return };
    let of = |runs: &Vec<Figures>, f: fn(&Figures) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    println!();
    for peer in [Target::ProbotFull, Target::ProbotNormal, Target::ProbotCluster] {
        let Some(peer_runs) = find(peer) else { continue };
        println!(
            "ladder ÷ {}: throughput {:.1}×, p99 {:.2}× (goal ≤ 0.2 against NORMAL), peak RSS {:.2}× (goal ≤ 0.33)",
            peer.name(),
            of(ladder, |f| f.per_second) / of(peer_runs, |f| f.per_second),
            of(ladder, |f| f.p99_ms) / of(peer_runs, |f| f.p99_ms),
            of(ladder, |f| f.rss_mb) / of(peer_runs, |f| f.rss_mb),
        );
    }
    if let Some(bare) = find(Target::Bare) {
        println!(
            "ladder ÷ bare receiver: throughput {:.0} % of the ceiling (goal ≥ 50 %)",
            100.0 * of(ladder, |f| f.per_second) / of(bare, |f| f.per_second)
        );
    }
}

/// The ceiling: verify the signature, parse the JSON, answer 202; nothing stored.
async fn bare_receiver(port: u16) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use hmac::{Hmac, Mac};
    async fn receive(headers: HeaderMap, body: Bytes) -> StatusCode {
        let Some(signature) = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()) else {
            return StatusCode::UNAUTHORIZED;
        };
        let Some(Ok(expected)) = signature.strip_prefix("sha256=").map(hex::decode) else {
            return StatusCode::UNAUTHORIZED;
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(&body);
        if mac.verify_slice(&expected).is_err() {
            return StatusCode::UNAUTHORIZED;
        }
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(value) => {
                std::hint::black_box(value);
                StatusCode::ACCEPTED
            }
            Err(_) => StatusCode::BAD_REQUEST,
        }
    }
    let app = axum::Router::new()
        .route(WEBHOOKS, axum::routing::post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(25 << 20));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--bare-receiver") {
        let port: u16 = args[i + 1].parse().unwrap();
        return tokio::runtime::Runtime::new().unwrap().block_on(bare_receiver(port));
    }
    let seconds = env_or("LADDER_BENCH_SECONDS", 30) as u64;
    let rounds = env_or("LADDER_BENCH_ROUNDS", 3);
    let connections = env_or("LADDER_BENCH_CONNECTIONS", 32);
    let targets: Vec<Target> = std::env::var("LADDER_BENCH_TARGETS")
        .unwrap_or_else(|_| "ladder,probot-full,probot-normal,probot-cluster,bare".into())
        .split(',')
        .map(|t| Target::parse(t.trim()))
        .collect();
    if targets.iter().any(|t| matches!(t, Target::ProbotFull | Target::ProbotNormal | Target::ProbotCluster)) {
        install_probot();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut results: Vec<(Target, Vec<Figures>)> = targets.iter().map(|t| (*t, Vec::new())).collect();
    for round in 1..=rounds {
        for (target, runs) in &mut results {
            let figures = runtime.block_on(measure(*target, seconds, connections));
            println!(
                "round {round}, {}: {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, {} errors, peak RSS {:.0} MB, \
                 {:.3} CPU s / 1,000, ready after {:.0} ms, idle RSS {:.0} MB",
                target.name(),
                figures.per_second,
                figures.p50_ms,
                figures.p99_ms,
                figures.p999_ms,
                figures.errors,
                figures.rss_mb,
                figures.cpu_per_1000,
                figures.ready_ms,
                figures.idle_rss_mb
            );
            runs.push(figures);
        }
    }
    print_table(&results, connections, seconds);
}
