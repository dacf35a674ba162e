//! The server as a process: killed mid-burst, and two replicas sharing one PostgreSQL database.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::on_both_engines;
use crate::support::{Engine, Process, TestDb, review_payload, settle_db, signed_headers};

on_both_engines!(a_killed_server_loses_no_acknowledged_delivery);

/// With the default claim lease (10 s): the restarted server takes over the dead one's claims and drains
/// within 15 s.
async fn a_killed_server_loses_no_acknowledged_delivery(engine: Engine) {
    let db = TestDb::new(engine).await;
    let defaults = [("LADDER_WORKER_POLL_MS", "50")];
    let mut server = Process::serve_with(&db, "first", &defaults).await;
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let senders: Vec<_> = (0..8)
        .map(|lane| {
            let (http, acked) = (server.http.clone(), Arc::clone(&acked));
            tokio::spawn(async move {
                for i in 0..500 {
                    let n = lane * 1000 + i;
                    let body = review_payload(n);
                    let headers = signed_headers("pull_request_review", &format!("burst-{n}"), &body);
                    match http.try_request("POST", "/api/github/webhooks", &headers, body).await {
                        Ok((202, _)) => acked.lock().unwrap().push(n),
                        Ok((status, text)) => panic!("a live server answered {status}: {text}"),
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill9();
    for sender in senders {
        sender.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < 8 * 500, "the kill came in the middle of the burst");

    let restarted = Process::serve_with(&db, "second", &defaults).await;
    let started = std::time::Instant::now();
    settle_db(&db).await;
    let drained = started.elapsed();
    eprintln!("{engine:?}: the restarted server drained {} acknowledged deliveries in {drained:?}", acked.len());
    assert!(drained < Duration::from_secs(15), "drained {drained:?} after the restart");
    let stored = db.scalar("SELECT COUNT(*) FROM deliveries").await;
    assert!(stored >= acked.len() as i64);
    let pool = db.pool().await;
    for n in &acked {
        let row: (String, i64) = sqlx::query_as("SELECT state, attempts FROM deliveries WHERE id = $1")
            .bind(format!("burst-{n}"))
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("acknowledged delivery burst-{n} is missing: {e}"));
        assert_eq!(row.0, "done", "burst-{n}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'").await, 0);
    // Each delivery reports one review of its own: exactly one signal per stored delivery, each recorded
    // by the delivery that told it, so no delivery's effects were applied twice or lost.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals").await, stored);
    let matched = db
        .scalar("SELECT COUNT(*) FROM signals s JOIN deliveries d ON d.id = s.delivery_id AND s.identity = CAST(1000000 + CAST(SUBSTR(d.id, 7) AS INTEGER) AS TEXT)")
        .await;
    assert_eq!(matched, stored, "every signal came from its own delivery");
    // Only deliveries claimed when the process died were attempted again (at most one batch).
    let retried = db.scalar("SELECT COUNT(*) FROM deliveries WHERE attempts > 1").await;
    assert!(retried <= 64, "{retried} deliveries were attempted more than once");
    pool.close().await;
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_postgres_process_each_delivery_once() {
    let db = TestDb::new(Engine::Postgres).await;
    let replicas = [Process::serve(&db, "replica-a").await, Process::serve(&db, "replica-b").await];
    let senders: Vec<_> = (0..8i64)
        .map(|lane| {
            let http = replicas[(lane % 2) as usize].http.clone();
            tokio::spawn(async move {
                for i in 0..50 {
                    let n = lane * 1000 + i;
                    let body = review_payload(n);
                    let headers = signed_headers("pull_request_review", &format!("burst-{n}"), &body);
                    let (status, text) =
                        http.try_request("POST", "/api/github/webhooks", &headers, body).await.unwrap();
                    assert_eq!(status, 202, "{text}");
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    settle_db(&db).await;
    assert_eq!(db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await, 400);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM deliveries WHERE attempts <> 1").await,
        0,
        "no delivery was claimed twice"
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals").await, 400);
    let workers = db.scalar("SELECT COUNT(DISTINCT processed_by) FROM deliveries").await;
    assert_eq!(workers, 2, "both replicas processed deliveries");
    for replica in &replicas {
        assert!(!replica.log_text().contains("ERROR"), "{}", replica.log_text());
    }
}
