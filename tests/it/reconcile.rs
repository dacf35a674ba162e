//! Reconcile against the fake GitHub's delivery log: exactly the deliveries no attempt delivered and
//! the store lacks are stored (once, under their own GUID) and processed; one whose payload GitHub
//! will not give is asked for again; what was delivered or is stored already is left alone.

use std::sync::Arc;

use chrono::Utc;
use ladder::backfill::reconcile::Reconcile;
use ladder::github::{AppCredentials, GitHub};

use crate::on_both_engines;
use crate::support::github::{APP_ID, FakeGitHub};
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
    app.settle().await;

    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&fixture("../test-app-key.pem")).unwrap();
    let client = GitHub::new(&github.url(), &AppCredentials { app_id: APP_ID, key }).unwrap();
    let reconcile = Reconcile { github: Arc::new(client), queue: app.store().queue() };
    let outcome = reconcile.once(Utc::now()).await.expect("reconcile");
    assert_eq!((outcome.listed, outcome.ingested, outcome.redelivered, outcome.lost), (8, 2, 1, 0), "{outcome:?}");
    assert_eq!(github.redelivered(), [8]);
    app.settle().await;
    let stored = app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE id IN ('guid-down', 'guid-error')").await;
    assert_eq!(stored, 2);
    // Processed like any delivery: issues 3 and 4 were opened.
    let opened = app.db.scalar("SELECT COUNT(*) FROM signals WHERE kind = 'issue_opened'").await;
    assert_eq!(opened, 4, "issues 1 to 4");

    // Again: nothing new is stored; the one GitHub will not give is asked for again.
    let again = reconcile.once(Utc::now()).await.expect("reconcile again");
    assert_eq!((again.ingested, again.lost, again.gap), (0, 0, None), "{again:?}");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 4);
    assert!(app.store().queue().reconciled_until().await.unwrap().is_some());
}
