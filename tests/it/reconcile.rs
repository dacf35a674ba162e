//! Reconcile against the fake GitHub's delivery log: exactly the deliveries no attempt delivered and
//! the store lacks are stored (once, under their own GUID) and processed; one whose payload GitHub
//! will not give is asked for again; what was delivered or is stored already is left alone.

use std::sync::Arc;

use chrono::Utc;
use ladder::backfill::reconcile::Reconcile;
use ladder::github::{AppCredentials, GitHub};

use crate::backfill::{installation_payload, wait_for};
use crate::on_both_engines;
use crate::support::github::{APP_ID, FakeGitHub};
use crate::support::org::{ORG, Org, Size};
use crate::support::{App, Engine, TestDb, fixture, fixture_json};

on_both_engines!(reconcile_stores_exactly_the_missed_deliveries_once);

fn issue(number: i64) -> serde_json::Value {
    let mut p = fixture_json("issues/opened.json");
    p["issue"]["number"] = number.into();
    p["issue"]["id"] = (5000 + number).into();
    p
}

async fn reconcile_stores_exactly_the_missed_deliveries_once(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = App::start_with(TestDb::new(engine).await, |_| {}).await;
    // Delivered (and so stored), as GitHub lists it.
    let body = issue(1).to_string();
    assert_eq!(app.deliver("issues", "guid-delivered", body.as_bytes()).await.0, 202);
    github.put_hook_delivery(1, "guid-delivered", "issues", 202, Some(issue(1)));
    // Stored, though GitHub saw the attempt fail (the answer was lost on the way back).
    let body = issue(2).to_string();
    assert_eq!(app.deliver("issues", "guid-stored", body.as_bytes()).await.0, 202);
    github.put_hook_delivery(2, "guid-stored", "issues", 502, Some(issue(2)));
    // Missed: the app was down (two attempts), or answered an error.
    github.put_hook_delivery(3, "guid-down", "issues", 0, Some(issue(3)));
    github.put_hook_delivery(4, "guid-down", "issues", 504, Some(issue(3)));
    github.put_hook_delivery(5, "guid-error", "issues", 500, Some(issue(4)));
    // Missed, failed, then delivered by a redelivery: nothing to do.
    github.put_hook_delivery(6, "guid-redelivered", "issues", 500, Some(issue(5)));
    github.put_hook_delivery(7, "guid-redelivered", "issues", 202, Some(issue(5)));
    // Missed, and GitHub will not give its payload: asked for again.
    github.put_hook_delivery(8, "guid-gone", "issues", 503, None);
    // Missed, with a payload that is no `issues` event: the receiver would refuse it again, so it is
    // neither stored nor asked for again.
    github.put_hook_delivery(9, "guid-garbled", "issues", 400, Some(serde_json::json!({"action": "opened"})));
    // Missed three times, and GitHub will not give its payload: not asked for a fourth time.
    for id in 10..13 {
        github.put_hook_delivery(id, "guid-hopeless", "issues", 503, None);
    }
    app.settle().await;

    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&fixture("../test-app-key.pem")).unwrap();
    let client = GitHub::new(&github.url(), &AppCredentials { app_id: APP_ID, key }).unwrap();
    let reconcile =
        Reconcile { github: Arc::new(client), queue: app.store().queue(), backfills: app.store().backfills() };
    let outcome = reconcile.once(Utc::now()).await.expect("reconcile");
    assert_eq!((outcome.listed, outcome.ingested, outcome.redelivered, outcome.lost), (12, 2, 1, 2), "{outcome:?}");
    assert_eq!(github.redelivered(), [8]);
    app.settle().await;
    let stored = app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE id IN ('guid-down', 'guid-error')").await;
    assert_eq!(stored, 2);
    // Processed like any delivery: issues 3 and 4 were opened.
    let opened = app.db.scalar("SELECT COUNT(*) FROM signals WHERE kind = 'issue_opened'").await;
    assert_eq!(opened, 4, "issues 1 to 4");

    // Again: nothing new is stored; the one GitHub will not give is asked for again.
    let again = reconcile.once(Utc::now()).await.expect("reconcile again");
    assert_eq!((again.ingested, again.lost, again.gap), (0, 2, None), "{again:?}");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 4);
    assert!(app.store().queue().reconcile_position().await.unwrap().is_some());
}

on_both_engines!(a_gap_longer_than_github_keeps_is_backfilled_by_serve);

/// The app was down for longer than GitHub keeps deliveries: reconcile finds the gap, and serve
/// backfills the org from the gap's start once more, which brings back what happened meanwhile.
async fn a_gap_longer_than_github_keeps_is_backfilled_by_serve(engine: Engine) {
    let history = Arc::new(Org::generate(11, Size { repos: 2, prs: 120, issues: 60 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let app = crate::sending::backfilling_app_on(engine, &github).await;
    let store = app.store().clone();
    let installed = installation_payload("created", &history.repos);
    assert_eq!(app.deliver("installation", "install-1", &installed).await.0, 202);
    wait_for("the first backfill", async || store.backfills().finished_once(ORG.1).await.unwrap()).await;
    let all = app.db.scalar("SELECT COUNT(*) FROM signals").await;

    // Reconcile last looked 90 days ago, and what happened since never arrived (the facts are
    // removed from the store here; digests are not looked at).
    let down = Utc::now() - chrono::Duration::days(90);
    let down = chrono::DateTime::from_timestamp_millis(down.timestamp_millis()).unwrap();
    let since_down = format!("DELETE FROM signals WHERE occurred_at >= {}", down.timestamp_millis());
    let pool = app.db.pool().await;
    sqlx::query(&since_down).execute(&pool).await.unwrap();
    pool.close().await;
    let kept = app.db.scalar("SELECT COUNT(*) FROM signals").await;
    assert!(all - kept > 20, "{} facts happened while the app was down", all - kept);
    store.queue().reconciled(Some(down), down).await.unwrap();

    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&fixture("../test-app-key.pem")).unwrap();
    let client = GitHub::new(&github.url(), &AppCredentials { app_id: APP_ID, key }).unwrap();
    let reconcile = Reconcile { github: Arc::new(client), queue: store.queue(), backfills: store.backfills() };
    let outcome = reconcile.once(Utc::now()).await.expect("reconcile");
    let since = down - chrono::Duration::minutes(10);
    assert_eq!(outcome.gap, Some(since), "{outcome:?}");

    wait_for("the window's backfill", async || {
        let run = store.backfills().last_run(ORG.1).await.unwrap().unwrap();
        run.finished && run.since == Some(since)
    })
    .await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM signals").await, all, "every lost fact is back");

    // The next look finds no gap (an org with no deliveries for days has none either), and the
    // window is backfilled once: over five looks for backfills, nothing more is asked of GitHub.
    let again = reconcile.once(Utc::now()).await.expect("reconcile again");
    assert_eq!(again.gap, None, "{again:?}");
    let run = store.backfills().last_run(ORG.1).await.unwrap();
    let before = github.graphql_calls().len();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(github.graphql_calls().len(), before, "no further backfill");
    assert_eq!(store.backfills().last_run(ORG.1).await.unwrap(), run);
}
