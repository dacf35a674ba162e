//! One bad delivery never holds the others: a delivery the database refuses among good ones, a planner
//! that fails or panics, attempts that never end, and a slow worker whose claims must not be taken.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ladder::metrics::Metrics;
use ladder::pipeline::ladders::{Choice, Ladders};
use ladder::pipeline::planner::Planner;
use ladder::pipeline::reads::Live;
use ladder::pipeline::worker::{Batch, Plan, Processed, Worker, WorkerSettings};
use ladder::store::queue::Completion;
use ladder::store::{Store, StoreError};
use ladder_core::delivery::NewDelivery;

use crate::on_both_engines;
use crate::support::{App, Engine, TestDb, fixture_json, review_payload};

on_both_engines!(
    a_delivery_the_database_refuses_never_holds_its_batch,
    while_giving_way_a_refused_delivery_holds_only_its_chunk,
    a_planning_failure_is_one_deliverys_attempt,
    a_planner_panic_is_one_deliverys_attempt,
    a_claim_never_takes_a_delivery_past_its_attempt_limit,
    a_live_workers_claims_are_never_taken,
    a_renewal_keeps_the_claims_it_names_and_no_others
);

/// A review by `reviewer` (the database refuses signals by `poison` once [`poison`] ran).
fn review_by(n: i64, reviewer: &str) -> Vec<u8> {
    let mut payload: serde_json::Value = serde_json::from_slice(&review_payload(n)).unwrap();
    payload["review"]["user"]["login"] = reviewer.into();
    payload.to_string().into_bytes()
}

/// Makes the database refuse any signal whose actor is `poison`, as a real constraint would.
async fn poison(db: &TestDb) {
    let pool = db.pool().await;
    let statements: &[&str] = match db.engine {
        Engine::Sqlite => &["CREATE TRIGGER poison BEFORE INSERT ON signals WHEN NEW.actor_login = 'poison' \
                             BEGIN SELECT RAISE(ABORT, 'poisoned signal'); END"],
        Engine::Postgres => &[
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
                 IF NEW.actor_login = 'poison' THEN RAISE EXCEPTION 'poisoned signal'; END IF; RETURN NEW; \
             END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER poison BEFORE INSERT ON signals FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    pool.close().await;
}

fn delivery(id: &str, event: &str, body: &[u8]) -> NewDelivery {
    NewDelivery::new(id, event, body, Utc::now())
}

/// `good` reviews by Bob, with one by `poison` (refused once [`poison`] ran) at position `bad_at`.
fn reviews_with_poison(good: i64, bad_at: usize) -> Vec<NewDelivery> {
    let mut batch: Vec<NewDelivery> =
        (0..good).map(|n| delivery(&format!("good-{n}"), "pull_request_review", &review_by(n, "bob"))).collect();
    batch.insert(bad_at, delivery("bad", "pull_request_review", &review_by(99, "poison")));
    batch
}

async fn a_delivery_the_database_refuses_never_holds_its_batch(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    poison(&db).await;
    // Stored together, so that the worker claims them in one batch.
    store.queue().insert_deliveries(&reviews_with_poison(10, 5)).await.unwrap();
    let app = App::start_with(db, |_| {}).await;
    app.settle().await;
    let db = &app.db;
    assert_eq!(db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done' AND attempts = 1").await, 10);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals").await, 10, "the good deliveries' signals are stored");
    let parked = "SELECT COUNT(*) FROM deliveries WHERE id = 'bad' AND state = 'failed' AND attempts = 3 \
                  AND error LIKE '%poisoned signal%'";
    assert_eq!(db.scalar(parked).await, 1, "the bad one alone is retried, then parked at its limit");
    let (_, metrics) = app.http.get("/metrics").await;
    assert!(metrics.contains("ladder_deliveries_parked 1"), "{metrics}");
}

/// While deliveries wait to be acknowledged, the worker stores a batch a few completions per
/// transaction on SQLite: every good delivery is still stored exactly once, and a refused one is
/// still that delivery's attempt alone.
async fn while_giving_way_a_refused_delivery_holds_only_its_chunk(engine: Engine) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    poison(&db).await;
    store.queue().insert_deliveries(&reviews_with_poison(20, 11)).await.unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let worker = worker_with(&store, Planner::new(Live::new(&store, ladder::github::AppClient::new(None)), 30))
        .giving_way_to(move || counter.fetch_add(1, Ordering::Relaxed) + 1);
    assert_eq!(worker.run_once(Utc::now()).await.unwrap(), 21);
    // SQLite has one writer, which intake waits for: the batch goes in chunks, the worker looking
    // before each. PostgreSQL's writers run side by side: one transaction.
    let transactions = match engine {
        Engine::Sqlite => 21usize.div_ceil(ladder::pipeline::worker::GIVING_WAY_CHUNK),
        Engine::Postgres => 1,
    };
    assert_eq!(asked.load(Ordering::Relaxed), transactions, "the worker looks before each transaction");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done' AND attempts = 1").await, 20);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals").await, 20, "each good delivery's signal, once");
    let (state, attempts, error) = state_of(&store, "bad").await;
    assert_eq!((state.as_str(), attempts), ("pending", 1), "{error:?}");
    assert!(error.as_deref().unwrap_or("").contains("poisoned signal"), "{error:?}");
}

/// A pull request opened by a person (whose readiness the planner looks up) and two issues.
fn mixed_batch() -> Vec<NewDelivery> {
    let pr = fixture_json("pull_request/opened.json").to_string().into_bytes();
    let issue = fixture_json("issues/opened.json").to_string().into_bytes();
    vec![
        delivery("pr", "pull_request", &pr),
        delivery("issue-1", "issues", &issue),
        delivery("issue-2", "issues", &issue),
    ]
}

async fn state_of(store: &Store, id: &str) -> (String, i64, Option<String>) {
    let db_rows = store.queue().delivery_states(&[id.to_owned()]).await.unwrap();
    let state = db_rows.first().map(|(_, s)| s.as_str().to_owned()).unwrap_or_default();
    let (attempts, error) = store.queue().delivery_attempts(id).await.unwrap().unwrap_or((0, None));
    (state, attempts, error)
}

async fn a_planning_failure_is_one_deliverys_attempt(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    // The planner reads enrolments for a pull request's readiness; without the table that lookup fails.
    sqlx::query("ALTER TABLE enrolments RENAME TO enrolments_away").execute(&db.pool().await).await.unwrap();
    store.queue().insert_deliveries(&mixed_batch()).await.unwrap();
    let worker = worker_with(&store, Planner::new(Live::new(&store, ladder::github::AppClient::new(None)), 30));
    let now = Utc::now();
    assert_eq!(worker.run_once(now).await.unwrap(), 3);
    assert_eq!(state_of(&store, "issue-1").await.0, "done");
    assert_eq!(state_of(&store, "issue-2").await.0, "done");
    let (state, attempts, error) = state_of(&store, "pr").await;
    assert_eq!((state.as_str(), attempts), ("pending", 1), "{error:?}");
    assert!(error.as_deref().unwrap_or("").starts_with("planning failed"), "{error:?}");
    // Once the table is back, the next attempt succeeds.
    sqlx::query("ALTER TABLE enrolments_away RENAME TO enrolments").execute(&db.pool().await).await.unwrap();
    assert_eq!(worker.run_once(now + chrono::Duration::hours(1)).await.unwrap(), 1);
    assert_eq!(state_of(&store, "pr").await.0, "done");
}

/// A planner that panics for the delivery named `boom`, and otherwise plans like the real one.
struct Panicky(Planner<Live>);

impl Plan for Panicky {
    async fn plan(
        &self,
        processed: Processed,
        batch: &mut Batch,
        now: DateTime<Utc>,
    ) -> Result<Completion, StoreError> {
        if processed.completion.delivery_id == "issue-1" {
            panic!("boom");
        }
        self.0.plan(processed, batch, now).await
    }
}

fn settings() -> WorkerSettings {
    WorkerSettings { max_attempts: 3, backoff: Duration::from_millis(10), ..WorkerSettings::default() }
}

fn worker_with<P: Plan>(store: &Store, planner: P) -> Worker<P> {
    let ladders = Arc::new(Ladders::new(Choice::default(), store.configs()));
    Worker::with_planner(store.queue(), settings(), ladders, planner, Arc::new(Metrics::new()))
}

async fn a_planner_panic_is_one_deliverys_attempt(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    store.queue().insert_deliveries(&mixed_batch()).await.unwrap();
    let worker =
        worker_with(&store, Panicky(Planner::new(Live::new(&store, ladder::github::AppClient::new(None)), 30)));
    let mut now = Utc::now();
    assert_eq!(worker.run_once(now).await.unwrap(), 3, "the worker goes on past the panic");
    assert_eq!(state_of(&store, "pr").await.0, "done");
    assert_eq!(state_of(&store, "issue-2").await.0, "done");
    let (state, attempts, error) = state_of(&store, "issue-1").await;
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(error.as_deref().unwrap_or("").contains("planning panicked") && error.unwrap().contains("boom"));
    for _ in 0..2 {
        now += chrono::Duration::hours(1);
        assert_eq!(worker.run_once(now).await.unwrap(), 1);
    }
    assert_eq!(&state_of(&store, "issue-1").await.0[..], "failed", "parked after its third attempt");
    now += chrono::Duration::hours(1);
    assert_eq!(worker.run_once(now).await.unwrap(), 0, "nothing is left to try");
}

async fn a_claim_never_takes_a_delivery_past_its_attempt_limit(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    store.queue().insert_deliveries(&mixed_batch()[1..2]).await.unwrap();
    // Three workers in a row claim it and die before their attempt ends (a lease of zero ends at once).
    let now = Utc::now();
    for n in 0..3 {
        let claimed = store.queue().claim_deliveries(&format!("dead-{n}"), now, Duration::ZERO, 10, 3).await.unwrap();
        assert_eq!(claimed.len(), 1);
    }
    assert!(store.queue().claim_deliveries("fourth", now, Duration::ZERO, 10, 3).await.unwrap().is_empty());
    let worker = worker_with(&store, Planner::new(Live::new(&store, ladder::github::AppClient::new(None)), 30));
    assert_eq!(worker.run_once(now).await.unwrap(), 0);
    let (state, attempts, error) = state_of(&store, "issue-1").await;
    assert_eq!((state.as_str(), attempts), ("failed", 3));
    assert!(error.unwrap().contains("never ended"));
}

/// A planner that takes its time over every delivery.
struct Slow(Planner<Live>, Duration);

impl Plan for Slow {
    async fn plan(
        &self,
        processed: Processed,
        batch: &mut Batch,
        now: DateTime<Utc>,
    ) -> Result<Completion, StoreError> {
        tokio::time::sleep(self.1).await;
        self.0.plan(processed, batch, now).await
    }
}

async fn a_live_workers_claims_are_never_taken(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    store.queue().insert_deliveries(&mixed_batch()[1..2]).await.unwrap();
    let short = |planner| {
        let ladders = Arc::new(Ladders::new(Choice::default(), store.configs()));
        let settings = WorkerSettings { lease: Duration::from_millis(600), ..settings() };
        Worker::with_planner(store.queue(), settings, ladders, planner, Arc::new(Metrics::new()))
    };
    // Its work takes five leases; the heartbeat keeps its claim.
    let slow =
        short(Slow(Planner::new(Live::new(&store, ladder::github::AppClient::new(None)), 30), Duration::from_secs(3)));
    let other = short(Slow(Planner::new(Live::new(&store, ladder::github::AppClient::new(None)), 30), Duration::ZERO));
    let working = tokio::spawn(async move { slow.run_once(Utc::now()).await.unwrap() });
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(other.run_once(Utc::now()).await.unwrap(), 0, "another worker took a live worker's claim");
    }
    assert_eq!(working.await.unwrap(), 1);
    assert_eq!(state_of(&store, "issue-1").await, ("done".to_owned(), 1, None));
}

/// A heartbeat renews the claims it names, found by key rather than by scanning the queue: a claim
/// the same token holds but does not name runs out, and another worker (or dispatcher) takes it.
async fn a_renewal_keeps_the_claims_it_names_and_no_others(engine: Engine) {
    use ladder_core::plan::action::{Action, Planned};
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let issue = fixture_json("issues/opened.json").to_string().into_bytes();
    let deliveries: Vec<NewDelivery> = (0..3).map(|n| delivery(&format!("d{n}"), "issues", &issue)).collect();
    store.queue().insert_deliveries(&deliveries).await.unwrap();
    // After the deliveries were received: they are due.
    let now = Utc::now();
    // A lease of zero runs out at once, unless renewed.
    let held = store.queue().claim_deliveries("w", now, Duration::ZERO, 2, 5).await.unwrap();
    assert_eq!(held.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["d0", "d1"]);
    let renewed = store.queue().extend_claims("w", &["d0".to_owned()], now, Duration::from_secs(60)).await.unwrap();
    assert_eq!(renewed, 1);
    let taken = store.queue().claim_deliveries("other", now, Duration::from_secs(60), 10, 5).await.unwrap();
    assert_eq!(taken.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["d1", "d2"]);

    let outbox = store.outbox();
    let action = |key: &str| Planned {
        key: key.into(),
        org_id: 1,
        installation_id: Some(42),
        repo_id: 2,
        repo: "acme/site".into(),
        issue: 3,
        action: Action::Comment { body: "hello".into() },
    };
    outbox.enqueue(&[action("a"), action("b"), action("c")], now).await.unwrap();
    let held = outbox.claim_actions("d", now, Duration::ZERO, 2).await.unwrap();
    assert_eq!(held.len(), 2);
    let renewed = outbox.extend_action_claims("d", &[held[0].seq], now, Duration::from_secs(60)).await.unwrap();
    assert_eq!(renewed, 1);
    let taken = outbox.claim_actions("other", now, Duration::from_secs(60), 10).await.unwrap();
    let keys: Vec<&str> = taken.iter().map(|e| e.planned.key.as_str()).collect();
    assert_eq!(keys, [held[1].planned.key.as_str(), "c"]);
}
