//! An unlucky operator's day: the database goes away (PostgreSQL cut off, a SQLite disk full) while
//! deliveries arrive, and the server is stopped in the middle of a burst. Nothing is acknowledged that
//! is not stored, and the app recovers by itself.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::on_both_engines;
use crate::support::cluster::{port_of, with_port};
use crate::support::proxy::Proxy;
use crate::support::{App, Engine, Process, TestDb, review_payload, settle_db, signed_headers};

on_both_engines!(a_stop_in_the_middle_of_a_burst_keeps_every_acknowledged_delivery);

/// Sends review `n` and returns the status (0: no answer, the connection failed).
async fn send(http: &crate::support::Http, n: i64) -> u16 {
    let body = review_payload(n);
    let headers = signed_headers("pull_request_review", &format!("d-{n}"), &body);
    http.try_request("POST", "/api/github/webhooks", &headers, body).await.map_or(0, |(status, _)| status)
}

async fn wait_until_ready(app: &App) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.http.get("/readyz").await.0 != 200 {
        assert!(Instant::now() < deadline, "the app did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_is_answered_503_and_recovered_from() {
    let db = TestDb::new(Engine::Postgres).await;
    let server: std::net::SocketAddr = ([127, 0, 0, 1], port_of(&db.url)).into();
    let proxy = Proxy::start(server).await;
    let through_proxy = with_port(&db.url, proxy.addr.port());
    let app = App::start_with(db, |s| s.database_url = through_proxy).await;
    assert_eq!(send(&app.http, 1).await, 202);

    proxy.cut();
    let started = Instant::now();
    let (status, text) = app.deliver("issues", "while-cut", &crate::support::fixture("issues/opened.json")).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("nothing was stored"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "answered before GitHub gives up (10 s): {:?}",
        started.elapsed()
    );
    assert_eq!(app.http.get("/readyz").await.0, 503);

    proxy.restore();
    wait_until_ready(&app).await;
    assert_eq!(send(&app.http, 2).await, 202);
    app.settle().await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await, 2);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE id = 'while-cut'").await, 0);
}

/// Limits the size of any file process `pid` writes (`None`: no limit).
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let limit = libc::rlimit { rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY), rlim_max: libc::RLIM_INFINITY };
    // SAFETY: prlimit reads the struct passed and changes the limits of a child process of this one.
    let done = unsafe { libc::prlimit(pid as libc::pid_t, libc::RLIMIT_FSIZE, &limit, std::ptr::null_mut()) };
    assert_eq!(done, 0, "prlimit: {}", std::io::Error::last_os_error());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_disk_is_answered_503_and_recovered_from() {
    let db = TestDb::new(Engine::Sqlite).await;
    let server = Process::serve(&db, "full-disk").await;
    // The database file and its log may grow by 512 KiB more, no further: the disk is full.
    let size = |name: &str| std::fs::metadata(db.dir().join(name)).map_or(0, |m| m.len());
    limit_file_size(server.child.id(), Some(size("ladder.db").max(size("ladder.db-wal")) + (512 << 10)));
    let mut acked = Vec::new();
    let refused = loop {
        let n = acked.len() as i64;
        assert!(n < 20_000, "the disk never filled");
        match send(&server.http, n).await {
            202 => acked.push(n),
            status => break (n, status),
        }
    };
    assert_eq!(refused.1, 503, "a full disk refuses, it does not acknowledge");
    assert!(!acked.is_empty(), "deliveries were stored until the disk was full");
    assert_eq!(server.http.get("/healthz").await.0, 200, "the process lives on");

    limit_file_size(server.child.id(), None);
    for n in refused.0..refused.0 + 20 {
        assert_eq!(send(&server.http, n).await, 202, "accepted again once there is room: {}", server.log_text());
        acked.push(n);
    }
    settle_db(&db).await;
    let stored = db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await;
    assert_eq!(stored, acked.len() as i64, "every acknowledged delivery, and only those, stored and processed");
    let log = server.log_text();
    assert!(log.contains("could not store deliveries; answering 503"), "{log}");
}

async fn a_stop_in_the_middle_of_a_burst_keeps_every_acknowledged_delivery(engine: Engine) {
    let db = TestDb::new(engine).await;
    let mut server = Process::serve(&db, "stopped").await;
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let senders: Vec<_> = (0..8)
        .map(|lane| {
            let (http, acked) = (server.http.clone(), Arc::clone(&acked));
            tokio::spawn(async move {
                for i in 0..2000 {
                    let n = lane * 10_000 + i;
                    match send(&http, n).await {
                        202 => acked.lock().unwrap().push(n),
                        0 => return, // the server has stopped listening
                        status => panic!("a server stopping answered {status}"),
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // SAFETY: kill only sends SIGTERM to the child process.
    assert_eq!(unsafe { libc::kill(server.child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    for sender in senders {
        sender.await.unwrap();
    }
    let status = server.child.wait().unwrap();
    assert!(status.success(), "a clean stop exits 0: {status:?}\n{}", server.log_text());
    assert!(server.log_text().contains("stopped"), "{}", server.log_text());
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < 8 * 2000, "the stop came in the middle of the burst");
    // What was acknowledged is stored; the next start processes what the stop left pending.
    let restarted = Process::serve(&db, "restarted").await;
    settle_db(&db).await;
    let pool = db.pool().await;
    for n in &acked {
        let state: (String,) = sqlx::query_as("SELECT state FROM deliveries WHERE id = $1")
            .bind(format!("d-{n}"))
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("acknowledged delivery d-{n} is missing: {e}"));
        assert_eq!(state.0, "done");
    }
    pool.close().await;
    drop(restarted);
}
