//! GitHub's budgets, shared by live actions and backfill: holds are kept per installation and
//! rate-limit resource, so a GraphQL limit hit by backfill never stops live replies (which spend
//! `core`); backfill waits out holds on the budget it spends, lets the installation's live actions go
//! first, and keeps as many requests in flight as it is told (one by default).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ladder::backfill::Backfill;
use ladder::backfill::gate::Gate;
use ladder::backfill::progress::Lines;
use ladder::backfill::run::Settings;
use ladder::github::history::Reader;
use ladder::store::outbox::Outcome;
use ladder_core::plan::action::{Action, Planned};
use ladder_core::rate::Resource;

use crate::backfill::{installation_payload, wait_for};
use crate::on_both_engines;
use crate::support::github::{FakeGitHub, GraphqlTrouble, READ_TOKEN};
use crate::support::org::{ORG, Org, Size};
use crate::support::{Engine, TestDb, ladder_command};

fn planned(key: &str, installation: i64) -> Planned {
    Planned {
        key: key.into(),
        org_id: 1,
        installation_id: Some(installation),
        repo_id: 2,
        repo: "acme/site".into(),
        issue: 3,
        action: Action::Comment { body: "hello".into() },
    }
}

/// Whether `gate` lets a request spending `resource` go within `within`.
async fn goes_within(gate: &Gate, resource: Resource, within: Duration) -> bool {
    tokio::time::timeout(within, gate.wait_turn(resource)).await.is_ok_and(|r| r.is_ok())
}

on_both_engines!(backfill_lets_live_actions_go_first_and_waits_out_its_holds);

async fn backfill_lets_live_actions_go_first_and_waits_out_its_holds(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let outbox = store.outbox();
    let gate = Gate { installation: 42, outbox: outbox.clone() };
    let other = Gate { installation: 43, outbox: outbox.clone() };
    let short = Duration::from_millis(400);
    assert!(goes_within(&gate, Resource::Graphql, short).await, "nothing to wait for");

    // An action just planned for the installation, and then claimed by a dispatcher, goes first;
    // another installation's backfill is not held up by it.
    let now = Utc::now();
    outbox.enqueue(&[planned("a", 42)], now).await.unwrap();
    assert!(!goes_within(&gate, Resource::Graphql, short).await, "a due action goes first");
    let claimed = outbox.claim_actions("dispatcher", Utc::now(), Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(!goes_within(&gate, Resource::Core, short).await, "an action being sent goes first");
    assert!(goes_within(&other, Resource::Graphql, short).await);
    outbox.finish_action(claimed[0].seq, "dispatcher", Outcome::Sent, None, Utc::now()).await.unwrap();
    assert!(goes_within(&gate, Resource::Graphql, short).await, "sent: backfill's turn");

    // An action that came due a while ago and that no dispatcher takes (none is running) does not
    // stop backfill for good.
    outbox.enqueue(&[planned("b", 42)], Utc::now() - chrono::Duration::seconds(30)).await.unwrap();
    assert!(goes_within(&gate, Resource::Graphql, short).await, "no dispatcher: backfill goes on");

    // A GraphQL hold waits backfill's queries out, and nothing else: its REST pages and the
    // dispatcher's claims go on.
    gate.hold(Resource::Graphql, Duration::from_millis(1500), "PullRequests").await.unwrap();
    let started = Instant::now();
    assert!(goes_within(&gate, Resource::Core, short).await);
    assert_eq!(outbox.claim_actions("dispatcher", Utc::now(), Duration::from_secs(60), 10).await.unwrap().len(), 1);
    assert!(!goes_within(&gate, Resource::Graphql, short).await, "held, and a claimed action");
    let claimed = outbox.list(10).await.unwrap().into_iter().find(|e| e.planned.key == "b").unwrap();
    outbox.finish_action(claimed.seq, "dispatcher", Outcome::Sent, None, Utc::now()).await.unwrap();
    assert!(goes_within(&gate, Resource::Graphql, Duration::from_secs(5)).await);
    assert!(started.elapsed() >= Duration::from_millis(1400), "went after {:?}", started.elapsed());

    // A `core` hold (the dispatcher's, or backfill's REST pages') stops both.
    outbox.enqueue(&[planned("c", 42)], Utc::now()).await.unwrap();
    gate.hold(Resource::Core, Duration::from_secs(30), "review comments").await.unwrap();
    assert!(outbox.claim_actions("dispatcher", Utc::now(), Duration::from_secs(60), 10).await.unwrap().is_empty());
    assert!(!goes_within(&gate, Resource::Core, short).await);
    let holds = outbox.holds(Utc::now()).await.unwrap();
    let held: Vec<(i64, Resource)> = holds.iter().map(|h| (h.installation_id, h.resource)).collect();
    assert_eq!(held, [(42, Resource::Core)]);
    assert_eq!(holds[0].reason, "GitHub rate-limited backfill's review comments");
}

on_both_engines!(a_graphql_limit_holds_backfill_and_never_live_replies);

/// Serve backfills an installation whose first query GitHub rate-limits for a few seconds: the hold is
/// on `graphql`, `ladder outbox` says so, a reply for the same installation goes out meanwhile, and
/// the backfill goes on once the hold ends.
async fn a_graphql_limit_holds_backfill_and_never_live_replies(engine: Engine) {
    let history = Arc::new(Org::generate(4, Size { repos: 1, prs: 20, issues: 10 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    github.graphql_trouble(&[GraphqlTrouble::RateLimited { reset_in: 4 }]);
    let app = crate::sending::backfilling_app_on(engine, &github).await;
    let store = app.store().clone();
    let (status, _) = app.deliver("installation", "install-1", &installation_payload("created", &history.repos)).await;
    assert_eq!(status, 202);
    let mut hold = None;
    wait_for("a hold on the GraphQL budget", async || {
        hold = store.outbox().holds(Utc::now()).await.unwrap().pop();
        hold.is_some()
    })
    .await;
    let hold = hold.unwrap();
    assert_eq!((hold.installation_id, hold.resource), (77, Resource::Graphql));
    let queries = github.graphql_calls().len();

    // While it lasts: `ladder outbox` tells it, and a reply for the installation is sent.
    let out = ladder_command(&app.db.url).arg("outbox").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Installation 77's graphql budget is held"), "{text}");
    let body = crate::sending::comment(901, 77, "/amp help");
    assert_eq!(app.deliver("issue_comment", "c-1", &body).await.0, 202);
    let entries = app.outbox_settled(1).await;
    assert_eq!(entries[0].state, "sent", "{entries:?}");
    assert!(Utc::now() < hold.until, "the reply waited for the GraphQL hold");
    assert_eq!(github.graphql_calls().len(), queries, "backfill asked nothing while held");

    // Then the backfill goes on, and finishes.
    wait_for("the backfill", async || store.backfills().finished_once(ORG.1).await.unwrap()).await;
    assert!(Utc::now() >= hold.until);
    assert!(app.db.scalar("SELECT COUNT(*) FROM signals").await > 20);
}

on_both_engines!(more_requests_in_flight_page_repositories_side_by_side);

/// `in_flight` pages that many repositories side by side, never more requests at once, and records
/// exactly what one request at a time does.
async fn more_requests_in_flight_page_repositories_side_by_side(engine: Engine) {
    let history = Arc::new(Org::generate(6, Size { repos: 4, prs: 60, issues: 40 }));
    let mut lines = Vec::new();
    for in_flight in [1, 3] {
        let github = FakeGitHub::start().await;
        github.serve_history(Arc::clone(&history));
        github.graphql_latency(Duration::from_millis(20));
        let db = TestDb::new(engine).await;
        let store = db.store().await;
        let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
        let settings = Settings { in_flight, ..crate::backfill::settings(Duration::from_secs(60)) };
        let run = Backfill { reader: &reader, store: store.backfills(), progress: &Lines, settings, gate: None };
        let summary = run.run(&crate::backfill::selection()).await.expect("backfill");
        assert_eq!((summary.repositories, summary.failed.len()), (4, 0), "{summary:?}");
        let most = github.most_history_reads_at_once();
        assert!(most <= in_flight && (in_flight == 1 || most > 1), "{most} at once with {in_flight} in flight");
        lines.push(crate::backfill::signal_lines(&db).await);
    }
    assert!(lines[0].len() > 200, "{} signals", lines[0].len());
    assert_eq!(lines[0], lines[1]);
}
