//! From delivery to signals: every fixture, the credit rules, and counting each fact once.

use ladder_core::credit::{Bots, tally};
use ladder_core::signal::Kind;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{App, Engine, all_fixtures, fixture, fixture_json};

on_both_engines!(
    every_fixture_is_accepted_and_processed,
    credit_rules_hold_over_the_store,
    facts_count_once,
    installations_and_repositories_are_recorded,
    failing_deliveries_are_retried_then_parked,
    bodies_are_pruned_after_retention_and_rows_stay
);

async fn every_fixture_is_accepted_and_processed(engine: Engine) {
    let app = App::start(engine).await;
    let fixtures = all_fixtures();
    assert!(fixtures.len() > 100, "the fixtures are all there");
    for (event, path) in &fixtures {
        let (status, text) = app.deliver(event, &path.replace(['/', '.'], "-"), &fixture(path)).await;
        assert_eq!(status, 202, "{path}: {text}");
        assert!(text.contains("\"accepted\""), "{path} is an event the app uses: {text}");
    }
    app.settle().await;
    let failed = app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'").await;
    assert_eq!(failed, 0, "every fixture parsed and processed");
    let done = app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await;
    assert_eq!(done, fixtures.len() as i64);
    // Facts from the fixtures, spot-checked: the approved review and the merged PR of the real deliveries.
    let review = app.db.scalar("SELECT COUNT(*) FROM signals WHERE kind = 'review_approved' AND identity = '208201048' AND actor_login = 'erwinmombay'").await;
    assert_eq!(review, 1);
    let merged = app
        .db
        .scalar(
            "SELECT COUNT(*) FROM signals WHERE kind = 'pr_merged' AND identity = '511552847#14' AND repo_private = 1",
        )
        .await;
    assert_eq!(merged, 1, "the private codinasion repo is recorded as private");
    // Several fixtures describe the same Codertocat PR being opened: one fact.
    let opened =
        app.db.scalar("SELECT COUNT(*) FROM signals WHERE kind = 'pr_opened' AND identity = '186853002#2'").await;
    assert_eq!(opened, 1);
}

/// People in the scenario.
const ALICE: (i64, &str) = (1001, "alice");
const BOB: (i64, &str) = (1002, "bob");
const CAROL: (i64, &str) = (1003, "carol");

fn user((id, login): (i64, &str)) -> Value {
    json!({"id": id, "login": login, "type": "User"})
}

/// A fixture moved into the `asyncapi/cli` repository.
fn in_asyncapi(path: &str) -> Value {
    let mut payload = fixture_json(path);
    payload["repository"] = json!({
        "id": 5000, "name": "cli", "full_name": "asyncapi/cli", "private": false, "visibility": "public",
        "owner": {"id": 900, "login": "asyncapi", "type": "Organization"}
    });
    payload
}

fn pr(path: &str, number: i64, author: (i64, &str), sender: (i64, &str)) -> Value {
    let mut p = in_asyncapi(path);
    p["pull_request"]["number"] = json!(number);
    p["pull_request"]["user"] = user(author);
    p["sender"] = user(sender);
    p
}

fn review(id: i64, number: i64, author: (i64, &str), reviewer: Value, state: &str) -> Value {
    let mut p = pr("pull_request_review/submitted.json", number, author, (0, "x"));
    p["review"]["id"] = json!(id);
    p["review"]["user"] = reviewer.clone();
    p["review"]["state"] = json!(state);
    p["sender"] = reviewer;
    p
}

fn labeled_issue(number: i64, author: (i64, &str), sender: (i64, &str)) -> Value {
    let mut p = in_asyncapi("issues/labeled.json");
    p["issue"]["number"] = json!(number);
    p["issue"]["user"] = user(author);
    p["sender"] = user(sender);
    p
}

async fn credit_rules_hold_over_the_store(engine: Engine) {
    let app = App::start(engine).await;
    let mut merged_by_bob = pr("pull_request/closed.merged.json", 10, ALICE, BOB);
    merged_by_bob["pull_request"]["merged_by"] = user(BOB);
    let mut comment_by_bot = in_asyncapi("issue_comment/created.json");
    comment_by_bot["comment"]["user"] = json!({"id": 7, "login": "asyncapi-bot", "type": "User"});
    let deliveries: Vec<(&str, Value)> = vec![
        ("pull_request", pr("pull_request/opened.json", 10, ALICE, ALICE)),
        ("pull_request_review", review(1, 10, ALICE, user(BOB), "approved")),
        ("pull_request_review", review(2, 10, ALICE, user(ALICE), "commented")),
        (
            "pull_request_review",
            review(3, 10, ALICE, json!({"id": 8, "login": "dependabot[bot]", "type": "Bot"}), "approved"),
        ),
        ("pull_request", merged_by_bob),
        ("pull_request", pr("pull_request/closed.json", 11, BOB, CAROL)),
        ("issues", labeled_issue(12, ALICE, BOB)),
        ("issues", labeled_issue(13, ALICE, ALICE)),
        ("issue_comment", comment_by_bot),
    ];
    for (i, (event, payload)) in deliveries.iter().enumerate() {
        let (status, text) = app.deliver(event, &format!("credit-{i}"), payload.to_string().as_bytes()).await;
        assert_eq!(status, 202, "{text}");
    }
    app.settle().await;
    let store = app.store();
    let bots = Bots::default();
    let count = |signals: &[ladder_core::signal::Signal]| {
        let t = tally(signals, &bots);
        Kind::ALL.iter().filter_map(|k| t.by_kind.get(k).map(|n| (k.as_str(), *n))).collect::<Vec<_>>()
    };
    let alice = store.people().signals_of(900, ALICE.0).await.unwrap();
    assert_eq!(count(&alice), vec![("pr_opened", 1), ("pr_merged", 1)], "her own review and own label earn nothing");
    assert_eq!(alice.len(), 4, "but they are recorded, so a rule change can apply to history");
    let bob = store.people().signals_of(900, BOB.0).await.unwrap();
    assert_eq!(count(&bob), vec![("review_approved", 1), ("triage_labeled", 1), ("merge_performed", 1)]);
    let carol = store.people().signals_of(900, CAROL.0).await.unwrap();
    assert_eq!(count(&carol), vec![("triage_closed", 1)], "closing someone else's PR unmerged is triage");
    assert_eq!(
        app.db.scalar("SELECT COUNT(*) FROM signals WHERE actor_id = 1002 AND kind = 'pr_merged'").await,
        0,
        "PR 11 was not merged"
    );
    assert_eq!(
        app.db.scalar("SELECT COUNT(*) FROM signals WHERE actor_type = 'Bot'").await,
        0,
        "GitHub bots are never recorded"
    );
    let bot = store.people().signals_of(900, 7).await.unwrap();
    assert_eq!((bot.len(), count(&bot).len()), (1, 0), "a configured bot's comment is recorded but never credited");
    assert_eq!(store.people().people_by_login("ALICE").await.unwrap().first().map(|p| p.id), Some(ALICE.0));
}

async fn facts_count_once(engine: Engine) {
    let app = App::start(engine).await;
    let approved = review(21, 30, ALICE, user(BOB), "approved");
    let body = approved.to_string();
    // A redelivery: same id, same bytes.
    assert_eq!(app.deliver("pull_request_review", "same-id", body.as_bytes()).await.0, 202);
    assert_eq!(app.deliver("pull_request_review", "same-id", body.as_bytes()).await.0, 202);
    // The same review told again by another delivery, with other surrounding data.
    let mut again = approved.clone();
    again["pull_request"]["title"] = json!("renamed since");
    assert_eq!(app.deliver("pull_request_review", "other-id", again.to_string().as_bytes()).await.0, 202);
    // Two labels by the same person on one issue are two facts; the same label twice is one.
    let labeled = labeled_issue(31, ALICE, BOB);
    let mut other_label = labeled.clone();
    other_label["label"]["name"] = json!("good first issue");
    other_label["label"]["id"] = json!(4_313_405_254_i64);
    for (i, payload) in [&labeled, &labeled, &other_label].iter().enumerate() {
        let mut p = (*payload).clone();
        p["issue"]["updated_at"] = json!(format!("2026-01-0{}T00:00:00Z", i + 1));
        assert_eq!(app.deliver("issues", &format!("label-{i}"), p.to_string().as_bytes()).await.0, 202);
    }
    app.settle().await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 5, "the redelivery is stored once");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM signals WHERE kind = 'review_approved'").await, 1);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM signals WHERE kind = 'triage_labeled'").await, 2);
}

async fn installations_and_repositories_are_recorded(engine: Engine) {
    let app = App::start(engine).await;
    for (event, path) in [
        ("installation", "installation/created.json"),
        ("installation_repositories", "installation_repositories/added.json"),
        ("issues", "issues/closed.json"),
    ] {
        assert_eq!(app.deliver(event, &path.replace(['/', '.'], "-"), &fixture(path)).await.0, 202);
        app.settle().await;
    }
    let store = app.store();
    assert_eq!(store.directory().installation_state(957387).await.unwrap().as_deref(), Some("active"));
    let repos = store.directory().repositories().await.unwrap();
    let names: Vec<(&str, bool, Option<i64>)> =
        repos.iter().map(|r| (r.full_name.as_str(), r.private, r.installation_id)).collect();
    // Codertocat's repos come from the installation events; codinasion's repo and installation are
    // learned from an ordinary delivery (the App was installed before this database existed).
    let codinasion_installation = fixture_json("issues/closed.json")["installation"]["id"].as_i64();
    assert_eq!(
        names,
        vec![
            ("Codertocat/Hello-World", false, Some(957387)),
            ("Codertocat/Space", false, Some(957387)),
            ("codinasion/codinasion-bot", true, codinasion_installation),
        ]
    );
    assert!(store.directory().installation_state(codinasion_installation.unwrap()).await.unwrap().is_some());
    let deleted = fixture_json("installation/deleted.json");
    assert_eq!(app.deliver("installation", "deleted", deleted.to_string().as_bytes()).await.0, 202);
    app.settle().await;
    let id = deleted["installation"]["id"].as_i64().unwrap();
    assert_eq!(store.directory().installation_state(id).await.unwrap().as_deref(), Some("deleted"));
}

async fn failing_deliveries_are_retried_then_parked(engine: Engine) {
    // Test settings: 3 attempts, 100 ms backoff doubling.
    let malformed = br#"{"action":"opened","pull_request":{"id":"nope"}}"#;
    let db = crate::support::TestDb::new(engine).await;
    // Refused at intake now (400), but a version that did not check bodies may have stored one.
    let stored = ladder_core::delivery::NewDelivery::new("malformed-1", "pull_request", malformed, chrono::Utc::now());
    db.store().await.queue().insert_deliveries(&[stored]).await.unwrap();
    let app = App::start_with(db, |_| {}).await;
    let started = std::time::Instant::now();
    let (status, text) = app.deliver("pull_request", "malformed-2", malformed).await;
    assert_eq!(status, 400, "what the worker could never read is refused: {text}");
    assert_eq!(app.deliver("issues", "fine-1", &fixture("issues/opened.json")).await.0, 202);
    app.settle().await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(300), "waited 100 + 200 ms between attempts");
    let pool = app.db.pool().await;
    let (state, attempts, error): (String, i64, String) =
        sqlx::query_as("SELECT state, attempts, error FROM deliveries WHERE id = 'malformed-1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("failed", 3));
    assert!(error.contains("`pull_request` payload does not have the documented shape"), "{error}");
    let fine: (String,) =
        sqlx::query_as("SELECT state FROM deliveries WHERE id = 'fine-1'").fetch_one(&pool).await.unwrap();
    assert_eq!(fine.0, "done", "one bad delivery does not hold up the others");
    let (_, metrics) = app.http.get("/metrics").await;
    assert!(metrics.contains("ladder_deliveries_failed_total 1"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_processed_total{outcome=\"retry\"} 2"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_parked 1"), "{metrics}");
}

async fn bodies_are_pruned_after_retention_and_rows_stay(engine: Engine) {
    let app = App::start(engine).await;
    for (i, path) in ["issues/opened.json", "issues/labeled.json"].iter().enumerate() {
        assert_eq!(app.deliver("issues", &format!("old-{i}"), &fixture(path)).await.0, 202);
    }
    app.settle().await;
    let stored = app.db.scalar("SELECT SUM(LENGTH(body)) FROM delivery_bodies").await;
    let raw = (fixture("issues/opened.json").len() + fixture("issues/labeled.json").len()) as i64;
    assert!(stored * 4 < raw, "bodies are kept compressed: {stored} bytes for {raw}");
    let store = app.store();
    assert_eq!(
        store.queue().prune_bodies(chrono::Utc::now() - chrono::Duration::days(30)).await.unwrap(),
        0,
        "too recent"
    );
    assert_eq!(store.queue().prune_bodies(chrono::Utc::now() + chrono::Duration::seconds(1)).await.unwrap(), 2);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM delivery_bodies").await, 0);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await, 2, "rows stay for audit");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM signals").await, 2, "signals do not depend on bodies");
    // A redelivery of a pruned delivery is still recognised.
    let (status, text) = app.deliver("issues", "old-0", &fixture("issues/opened.json")).await;
    assert_eq!(status, 202);
    assert!(text.contains("duplicate"), "{text}");
}
