//! The receiver's rules, over a real socket, on both engines.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::on_both_engines;
use crate::support::{App, Engine, SECRET, fixture, signed_headers};

on_both_engines!(
    checks_come_in_the_documented_order,
    accepted_duplicate_and_ignored,
    bodies_the_worker_cannot_read_are_refused,
    oversized_bodies_are_refused_before_they_are_read,
    excess_requests_wait_and_stalled_clients_are_cut_off,
    hostile_clients_never_keep_a_delivery_from_being_served,
    readiness_follows_the_database,
    a_task_that_stops_makes_the_app_unready
);

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers.iter().filter(|(k, _)| k != name).cloned().collect()
}

fn with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out = without(headers, name);
    out.push((name.to_owned(), value.to_owned()));
    out
}

async fn checks_come_in_the_documented_order(engine: Engine) {
    let app = App::start(engine).await;
    let body = fixture("pull_request/opened.json");
    let good = signed_headers("pull_request", "order-1", &body);
    let vector = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let sha1 = "sha1=0123456789abcdef0123456789abcdef01234567";
    let cases: Vec<(&str, Vec<(String, String)>, Vec<u8>, u16, &str)> = vec![
        ("no signature", without(&good, "x-hub-signature-256"), body.clone(), 401, "missing X-Hub-Signature-256"),
        (
            "SHA-1 only",
            with(&without(&good, "x-hub-signature-256"), "x-hub-signature", sha1),
            body.clone(),
            401,
            "missing",
        ),
        ("malformed", with(&good, "x-hub-signature-256", "sha256=xyz"), body.clone(), 401, "malformed"),
        (
            "wrong secret",
            with(&good, "x-hub-signature-256", &ladder::inbound::webhook::signature::sign("other", &body)),
            body.clone(),
            401,
            "does not match",
        ),
        ("body altered", good.clone(), [body.as_slice(), b" "].concat(), 401, "does not match"),
        (
            "signature checked before headers",
            without(&without(&good, "x-github-event"), "x-hub-signature-256"),
            body.clone(),
            401,
            "missing X-Hub",
        ),
        ("no event", without(&good, "x-github-event"), body.clone(), 400, "X-GitHub-Event"),
        ("no delivery id", without(&good, "x-github-delivery"), body.clone(), 400, "X-GitHub-Delivery"),
        (
            "GitHub's test vector verifies; its body is not JSON",
            with(&with(&good, "x-hub-signature-256", vector), "x-github-delivery", "vector-1"),
            b"Hello, World!".to_vec(),
            400,
            "not JSON",
        ),
    ];
    for (name, headers, body, status, reason) in cases {
        let (got, text) = app.http.post_webhook(&headers, body).await;
        assert_eq!(got, status, "{name}: {text}");
        assert!(text.contains(reason), "{name}: {text}");
    }
    assert_eq!(SECRET, "It's a Secret to Everybody", "the test vector's secret is one of the configured ones");
    let stored = app.db.scalar("SELECT COUNT(*) FROM deliveries").await;
    assert_eq!(stored, 0, "nothing refused is stored");
    let (_, metrics) = app.http.get("/metrics").await;
    assert!(metrics.contains("ladder_deliveries_rejected_total{reason=\"bad_signature\"} 6"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_rejected_total{reason=\"bad_headers\"} 2"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_rejected_total{reason=\"not_json\"} 1"), "{metrics}");
    assert!(!metrics.contains("ladder_deliveries_received_total"), "no delivery was received: {metrics}");
}

async fn accepted_duplicate_and_ignored(engine: Engine) {
    let app = App::start(engine).await;
    let body = fixture("pull_request/opened.json");
    let answer = |(status, text): (u16, String)| (status, serde_json::from_str::<serde_json::Value>(&text).unwrap());
    let json = |id: &str, status: &str| (202, serde_json::json!({"delivery": id, "status": status}));
    assert_eq!(answer(app.deliver("pull_request", "d-1", &body).await), json("d-1", "accepted"));
    assert_eq!(answer(app.deliver("pull_request", "d-1", &body).await), json("d-1", "duplicate"));
    let star = br#"{"action":"created","starred_at":"2026-01-01T00:00:00Z"}"#;
    assert_eq!(answer(app.deliver("star", "d-2", star).await), json("d-2", "ignored"));
    app.settle().await;
    let rows = app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE id = 'd-1' AND state = 'done'").await;
    assert_eq!(rows, 1, "stored once and processed");
    let ignored = app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE id = 'd-2' AND state = 'ignored'").await;
    assert_eq!(ignored, 1);
    let (status, metrics) = app.http.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("ladder_deliveries_received_total{event=\"pull_request\"} 2"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_received_total{event=\"other\"} 1"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_pending 0"), "{metrics}");
    assert!(metrics.contains("ladder_http_request_duration_seconds_count{method=\"POST\",route=\"/api/github/webhooks\",status=\"202\"} 3"), "{metrics}");
    assert_eq!(app.http.get("/healthz").await.0, 200);
    assert_eq!(app.http.get("/readyz").await, (200, r#"{"status":"ready"}"#.into()));
}

async fn bodies_the_worker_cannot_read_are_refused(engine: Engine) {
    let app = App::start(engine).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        ("invalid UTF-8", "issues", b"{\"action\": \"\xff\"}".to_vec(), "not UTF-8", "not_json"),
        ("nested 10,000 deep", "issues", deep.into_bytes(), "invalid type: sequence", "unreadable"),
        ("a number past f64", "issues", br#"{"action": 1e400}"#.to_vec(), "number out of range", "not_json"),
        ("a field twice", "star", br#"{"action": "a", "action": "b"}"#.to_vec(), "duplicate field", "unreadable"),
        ("top-level null", "star", b"null".to_vec(), "invalid type: null", "unreadable"),
        ("top-level array", "push", b"[]".to_vec(), "not a JSON object", "unreadable"),
        (
            "no issue in an issues event",
            "issues",
            br#"{"action": "opened"}"#.to_vec(),
            "missing field `issue`",
            "unreadable",
        ),
    ];
    for (i, (name, event, body, reason, _)) in cases.iter().enumerate() {
        let (status, text) = app.deliver(event, &format!("bad-{i}"), body).await;
        assert_eq!(status, 400, "{name}: {text}");
        assert!(text.contains(reason), "{name}: {text}");
    }
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 0, "nothing refused is stored");
    let (_, metrics) = app.http.get("/metrics").await;
    for (reason, n) in [("not_json", 2), ("unreadable", 5)] {
        let line = format!("ladder_deliveries_rejected_total{{reason=\"{reason}\"}} {n}");
        assert!(metrics.contains(&line), "{line}: {metrics}");
    }
    assert_eq!(cases.iter().filter(|c| c.4 == "not_json").count(), 2);
    // A NUL character in text is fine: stored, and processed on both engines.
    let mut payload = crate::support::fixture_json("issues/opened.json");
    payload["issue"]["title"] = "nul \u{0}".into();
    payload["issue"]["user"]["login"] = "a\u{0}b".into();
    let (status, text) = app.deliver("issues", "nul-1", payload.to_string().as_bytes()).await;
    assert_eq!(status, 202, "{text}");
    app.settle().await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'").await, 1);
    let stored = "SELECT COUNT(*) FROM signals WHERE kind = 'issue_opened' AND actor_login = 'a\u{fffd}b'";
    assert_eq!(app.db.scalar(stored).await, 1, "the NUL is stored as U+FFFD");
}

/// Sends raw bytes and returns what the server answers before closing or `wait` passes.
async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(wait, stream.read(&mut buf)).await.map(|r| r.unwrap_or(0)).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

async fn oversized_bodies_are_refused_before_they_are_read(engine: Engine) {
    let app = App::start(engine).await;
    // A declared length over 25 MiB, and no signature: 413 comes first, and without the body being sent.
    let head = format!(
        "POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\nx-github-event: push\r\nx-github-delivery: big-1\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        25 * 1024 * 1024 + 1
    );
    let answer = raw_exchange(app.addr(), head.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("exceeds 25 MiB"), "{answer}");

    // A chunked body (no declared length) that grows past the limit is cut off at the limit.
    let mut stream = TcpStream::connect(app.addr()).await.unwrap();
    let head = "POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\nx-github-event: push\r\n\
                x-github-delivery: big-2\r\ntransfer-encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = [format!("{:x}\r\n", 1 << 20).into_bytes(), vec![b' '; 1 << 20], b"\r\n".to_vec()].concat();
    for _ in 0..30 {
        if stream.write_all(&chunk).await.is_err() {
            break; // the server stopped reading: expected once the limit is passed
        }
    }
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await.unwrap().unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 0);
}

async fn excess_requests_wait_and_stalled_clients_are_cut_off(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    let app = App::start_with(db, |s| s.max_concurrent_requests = 2).await;
    // 40 deliveries at once through a limit of 2: every one waits its turn and is accepted.
    let body = fixture("issues/opened.json");
    let sends = (0..40).map(|i| {
        let (http, body) = (app.http.clone(), body.clone());
        tokio::spawn(async move {
            let id = format!("burst-{i}");
            http.post_webhook(&signed_headers("issues", &id, &body), body).await.0
        })
    });
    for send in sends {
        assert_eq!(send.await.unwrap(), 202);
    }
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 40);

    // A client that stops halfway through its headers is disconnected after the header timeout (2 s).
    let started = Instant::now();
    let answer =
        raw_exchange(app.addr(), b"POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\n", Duration::from_secs(6)).await;
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(5), "cut off after {waited:?}, answer {answer:?}");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A client that stops halfway through its body gets an answer after the body timeout (2 s).
    let body = fixture("issues/opened.json");
    let mut request = String::new();
    for (k, v) in signed_headers("issues", "stalled-1", &body) {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    let request = format!(
        "POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n{request}\r\n{{\"act",
        body.len()
    );
    let started = Instant::now();
    let answer = raw_exchange(app.addr(), request.as_bytes(), Duration::from_secs(6)).await;
    assert!(started.elapsed() < Duration::from_secs(5), "answered after {:?}", started.elapsed());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE id = 'stalled-1'").await, 0);
    let (_, metrics) = app.http.get("/metrics").await;
    assert!(metrics.contains("ladder_deliveries_rejected_total{reason=\"timed_out\"} 1"), "{metrics}");
}

/// A client that sends `head` and `first` as fast as the server reads them, then one more byte every
/// `trickle` (if any), until the server answers; returns the answer's status line.
fn hostile(
    addr: std::net::SocketAddr,
    head: String,
    first: Vec<u8>,
    trickle: Option<Duration>,
) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut read, mut write) = stream.into_split();
        let sending = async move {
            // Errors mean the server answered and closed: the answer says the rest.
            if write.write_all(head.as_bytes()).await.is_err() || write.write_all(&first).await.is_err() {
                return std::future::pending().await;
            }
            loop {
                tokio::time::sleep(trickle.unwrap_or(Duration::from_secs(3600))).await;
                if write.write_all(b" ").await.is_err() {
                    return std::future::pending().await;
                }
            }
        };
        let mut answer = vec![0u8; 512];
        tokio::select! {
            n = read.read(&mut answer) => {
                let n = n.unwrap_or(0);
                String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or("").to_owned()
            }
            () = sending => unreachable!(),
        }
    })
}

fn unsigned_head(id: &str, length: usize) -> String {
    format!(
        "POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\nx-github-event: issues\r\nx-github-delivery: {id}\r\n\
         x-hub-signature-256: sha256={}\r\ncontent-length: {length}\r\n\r\n",
        "0".repeat(64)
    )
}

async fn hostile_clients_never_keep_a_delivery_from_being_served(engine: Engine) {
    const MIB: usize = 1024 * 1024;
    let db = crate::support::TestDb::new(engine).await;
    let app = App::start_with(db, |s| {
        s.max_concurrent_requests = 4;
        s.body_timeout = Duration::from_secs(3);
        s.body_memory = 8 * MIB;
    })
    .await;
    let started = Instant::now();
    // Ten times as many slow clients as request slots, sending a byte every 200 ms with a wrong signature.
    let slow: Vec<_> = (0..40)
        .map(|i| {
            hostile(
                app.addr(),
                unsigned_head(&format!("slow-{i}"), 20_000),
                b"{".to_vec(),
                Some(Duration::from_millis(200)),
            )
        })
        .collect();
    // Uploads that stall after 4 MiB: large bodies share 6 of the 8 MiB budget, so the first, declaring
    // 5 MiB, is let in, and three declaring 7 MiB wait for room that never comes.
    let huge: Vec<_> = [5, 7, 7, 7]
        .into_iter()
        .enumerate()
        .map(|(i, mib)| {
            let head = unsigned_head(&format!("huge-{i}"), mib * MIB);
            hostile(app.addr(), head, vec![b' '; 4 * MIB], None)
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, metrics) = app.http.get("/metrics").await;
    let receiving = metrics.lines().find_map(|l| l.strip_prefix("ladder_intake_bodies_receiving ")).unwrap_or("0");
    assert!(receiving.parse::<u64>().unwrap() >= 44, "every hostile client is receiving: {metrics}");
    assert!(metrics.contains("ladder_intake_body_memory_budget_bytes 8388608"), "{metrics}");
    let held = metrics.lines().find_map(|l| l.strip_prefix("ladder_intake_body_memory_bytes ")).unwrap_or("0");
    assert!((5 * MIB..6 * MIB).contains(&held.parse().unwrap()), "the upload let in holds what it declared: {held}");

    // Signed deliveries are served at once meanwhile.
    let body = fixture("issues/opened.json");
    for i in 0..20 {
        let (status, text) = app.deliver("issues", &format!("signed-{i}"), &body).await;
        assert_eq!(status, 202, "{text}");
    }
    let served_by = started.elapsed();
    assert!(
        served_by < Duration::from_secs(3),
        "served only after {served_by:?}, when the hostile clients were cut off"
    );

    // Each hostile client is cut off at its deadline, not later: 408 for those still sending, 503 for the
    // uploads the budget could not hold.
    let mut answers: Vec<String> = Vec::new();
    for client in slow.into_iter().chain(huge) {
        answers.push(client.await.unwrap());
    }
    let done = started.elapsed();
    assert!(done < Duration::from_secs(6), "cut off after {done:?}");
    let count = |status: &str| answers.iter().filter(|a| a.starts_with(status)).count();
    assert_eq!((count("HTTP/1.1 408"), count("HTTP/1.1 503")), (41, 3), "{answers:?}");
    let (_, metrics) = app.http.get("/metrics").await;
    assert!(metrics.contains("ladder_deliveries_rejected_total{reason=\"timed_out\"} 41"), "{metrics}");
    assert!(metrics.contains("ladder_deliveries_rejected_total{reason=\"over_budget\"} 3"), "{metrics}");
    assert!(metrics.contains("ladder_intake_body_memory_bytes 0"), "every byte is given back: {metrics}");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries").await, 20, "only the signed deliveries are stored");
}

async fn readiness_follows_the_database(engine: Engine) {
    let app = App::start(engine).await;
    assert_eq!(app.http.get("/readyz").await.0, 200);
    app.store().close().await;
    let (status, text) = app.http.get("/readyz").await;
    assert_eq!(status, 503, "{text}");
    assert_eq!(app.http.get("/healthz").await.0, 200, "the process itself is still up");
    // With the database gone nothing can be stored, so nothing is acknowledged.
    let (status, text) = app.deliver("issues", "after-close", &fixture("issues/opened.json")).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("nothing was stored"), "{text}");
}

async fn a_task_that_stops_makes_the_app_unready(engine: Engine) {
    let mut app = App::start(engine).await;
    assert_eq!(app.http.get("/readyz").await.0, 200);
    app.running.supervise("probe loop", async { panic!("probe down") });
    let failure = tokio::time::timeout(Duration::from_secs(5), app.running.failed()).await.expect("noticed");
    assert_eq!((failure.task, failure.reason.as_str()), ("probe loop", "it panicked: probe down"));
    let (status, text) = app.http.get("/readyz").await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("the probe loop stopped unexpectedly: it panicked: probe down"), "{text}");
    assert_eq!(app.http.get("/healthz").await.0, 200, "the process answers until it has stopped");
}
