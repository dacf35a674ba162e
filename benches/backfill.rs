//! Backfill against the fake GitHub with a realistic per-request latency: the generated org history
//! of the tests (3 repositories, 2,000 pull requests, 5,000+ reviews, 1,000 issues, releases and
//! answered discussions, some nested lists longer than a page and some returned short), backfilled
//! into SQLite. Prints requests, points, items, wall time, and requests ÷ floor, where the floor is
//! one request per 100 items (an item is one record: a PR, issue, review, review comment, comment,
//! timeline event, release or answer); and a projection for an AsyncAPI-sized org (48 repositories, 10,000 PRs and
//! 3,300 issues over 3 years) from the requests this run needed per item.
//!
//! Run: `cargo bench --bench backfill`. Knobs: LADDER_BENCH_LATENCY_MS (default 300),
//! LADDER_BENCH_PRS (default 2000), LADDER_BENCH_ISSUES (default 1000).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ladder::backfill::Backfill;
use ladder::backfill::progress::Lines;
use ladder::backfill::run::Settings;
use ladder::github::history::Reader;
use ladder::store::backfills::Selection;
use support::github::{FakeGitHub, READ_TOKEN};
use support::knobs::env_or;
use support::org::{ORG, Org, Size};
use support::{Engine, TestDb};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let latency = Duration::from_millis(env_or("LADDER_BENCH_LATENCY_MS", 300) as u64);
    let size = Size { repos: 3, prs: env_or("LADDER_BENCH_PRS", 2000), issues: env_or("LADDER_BENCH_ISSUES", 1000) };
    let history = Arc::new(Org::generate(42, size));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    github.graphql_latency(latency);
    let db = TestDb::new(Engine::Sqlite).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).expect("reader");
    let settings = Settings { holder: "bench".into(), ..Settings::default() };
    let backfill = Backfill { reader: &reader, store: store.backfills(), progress: &Lines, settings, gate: None };
    let started = Instant::now();
    let summary = backfill.run(&Selection { owner: ORG.1.into(), repo: None, since: None }).await.expect("backfill");
    let wall = started.elapsed();
    let floor = summary.items.div_ceil(100).max(1);
    let ratio = summary.requests as f64 / floor as f64;
    let follow_ups = github
        .graphql_calls()
        .iter()
        .filter(|c| {
            c.starts_with("PullRequest") && c.as_str() != "PullRequests"
                || ["IssueTimeline", "IssueNow"].contains(&c.as_str())
        })
        .count();
    println!(
        "backfill of {} repositories, {} PRs, {} issues, {} ms per request (SQLite, one request in flight)",
        size.repos,
        size.prs,
        size.issues,
        latency.as_millis()
    );
    println!("  items            {:>8}", summary.items);
    println!("  signals          {:>8}", summary.signals);
    println!(
        "  requests         {:>8}  ({follow_ups} of them follow-ups for long or short nested lists)",
        summary.requests
    );
    println!("  points           {:>8}", summary.points);
    println!("  floor            {:>8}  (one request per 100 items)", floor);
    println!("  requests / floor {:>8.2}  (target <= 1.3)", ratio);
    println!("  wall time        {:>8.1} s", wall.as_secs_f64());
    // AsyncAPI: 48 repositories, ~10,000 PRs and ~3,300 issues in 3 years. Per repository: the lists
    // that are at least one request each (pull requests, issues, releases, discussions, review
    // comments, CODEOWNERS revisions); per PR and issue: what this run needed.
    let per_repo_fixed = 6.0;
    let per_item =
        (summary.requests as f64 - 1.0 - per_repo_fixed * size.repos as f64) / (size.prs + size.issues) as f64;
    let projected = 1.0 + per_repo_fixed * 48.0 + per_item * 13_300.0;
    let seconds = projected * wall.as_secs_f64() / summary.requests as f64;
    println!(
        "  projected AsyncAPI (48 repos, 10,000 PRs, 3,300 issues): {projected:.0} requests, {:.1} min at this latency",
        seconds / 60.0
    );
    assert!(summary.failed.is_empty(), "{summary:?}");
}
