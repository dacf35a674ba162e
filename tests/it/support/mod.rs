//! Test support: databases (SQLite files and fresh PostgreSQL databases), the app started in process on
//! a real socket, a real HTTP client, and signed fixture deliveries.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ladder::app::serve::{self, Running};
use ladder::app::settings::ServeSettings;
use ladder::inbound::webhook::signature::Verification;
use ladder::inbound::webhook::signature::{Secrets, sign};
use ladder::pipeline::worker::WorkerSettings;
use ladder::store::Store;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

pub mod browser;
pub mod bulk;
pub mod cluster;
pub mod github;
pub mod knobs;
pub mod openapi;
pub mod org;
pub mod packages;
pub mod proxy;
pub mod schema;
pub mod secrets;

pub const SECRET: &str = "It's a Secret to Everybody";

/// Runs a test function once per database engine, as two tests named `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::support::Engine::Postgres).await
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on: `LADDER_TEST_POSTGRES_URL`, or a throwaway
/// cluster of their own (see [`cluster`]).
pub fn postgres_admin_url() -> String {
    cluster::admin_url()
}

async fn admin_pool() -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = postgres_admin_url();
    AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {url} ({e}): check LADDER_TEST_POSTGRES_URL, or unset it and the \
             tests start a server of their own"
        )
    })
}

/// A fresh, empty database: a SQLite file in a temporary folder, or a new PostgreSQL database that is
/// dropped when this value is.
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
    dir: tempfile::TempDir,
    pg_name: Option<String>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        match engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("ladder.db").display());
                TestDb { engine, url, dir, pg_name: None }
            }
            Engine::Postgres => {
                let name = format!("ladder_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
                let admin = admin_pool().await;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create database");
                admin.close().await;
                let base = postgres_admin_url();
                let url = format!("{}/{name}", &base[..base.rfind('/').expect("URL has a database")]);
                TestDb { engine, url, dir, pg_name: Some(name) }
            }
        }
    }

    /// A folder that lives as long as the database (for files a test writes).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    /// A plain pool for assertions in SQL.
    pub async fn pool(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPoolOptions::new().max_connections(2).connect(&self.url).await.expect("connect")
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        let pool = self.pool().await;
        let v = sqlx::query(sql).fetch_one(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get::<i64, _>(0);
        pool.close().await;
        v
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Every test's database is dropped at its end: a secret logged meanwhile fails it.
        if !std::thread::panicking() {
            secrets::assert_none_logged();
        }
        let Some(name) = self.pg_name.take() else { return };
        // Drop the database from a thread of its own: Drop cannot await on the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let admin = admin_pool().await;
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
                admin.close().await;
            });
        })
        .join();
    }
}

/// Settings for an app under test: a free port, the test secret, a fast-polling worker.
pub fn settings(database_url: &str) -> ServeSettings {
    ServeSettings {
        database_url: database_url.to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        verification: Verification::Secrets(Secrets::new(secrets::PREVIOUS_SECRET, Some(SECRET)).unwrap()),
        credentials: None,
        github_api_url: "http://127.0.0.1:9".into(),
        // Tests that count writes do not wait for GitHub's pace; `sending.rs` checks the pacing itself.
        write_spacing: Duration::ZERO,
        body_retention: Duration::from_secs(30 * 86_400),
        max_concurrent_requests: 64,
        header_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(2),
        body_memory: 64 * 1024 * 1024,
        worker: WorkerSettings {
            poll: Duration::from_millis(50),
            backoff: Duration::from_millis(100),
            max_attempts: 3,
            ..WorkerSettings::default()
        },
        ladders: ladder::pipeline::ladders::Choice::default(),
        // Tests that want serve's background backfills look more often (`sending::backfilling_app_on`);
        // for the others a look in the middle would call GitHub.
        backfill_every: Duration::from_secs(3600),
        backfill_in_flight: 1,
        // Tests run reconcile themselves (its first look, a minute after start, would call GitHub in
        // the middle of slow tests).
        reconcile_every: None,
        admin_token: Some(ladder::web::admin::AdminToken(secrets::ADMIN_TOKEN.into())),
        // Pages always show current numbers: tests compare them with `ladder status`.
        growth_every: Duration::from_secs(3600),
        growth_lag: Duration::ZERO,
        setup: ladder::web::setup::SetupSettings {
            public_url: "https://ladder.example.org".into(),
            github_url: "https://github.example".into(),
            env_file: std::env::temp_dir().join("ladder-tests-never-written.env"),
        },
        warnings: Vec::new(),
    }
}

/// The app running in this process on a real socket, with its database.
pub struct App {
    pub running: Running,
    pub db: TestDb,
    pub http: Http,
}

impl App {
    pub fn http(&self) -> &Http {
        &self.http
    }

    pub async fn start(engine: Engine) -> App {
        let db = TestDb::new(engine).await;
        App::start_with(db, |_| {}).await
    }

    pub async fn start_with(db: TestDb, adjust: impl FnOnce(&mut ServeSettings)) -> App {
        secrets::capture_logs();
        let mut settings = settings(&db.url);
        adjust(&mut settings);
        let listener = tokio::net::TcpListener::bind(settings.listen).await.expect("bind");
        let running = serve::start(&settings, listener).await.expect("app starts");
        App { http: Http::new(running.address()), running, db }
    }

    pub fn addr(&self) -> SocketAddr {
        self.running.address()
    }

    pub fn store(&self) -> &Store {
        self.running.store()
    }

    /// Posts `body` as delivery `id` of `event`, signed with the test secret.
    pub async fn deliver(&self, event: &str, id: &str, body: &[u8]) -> (u16, String) {
        self.http.post_webhook(&signed_headers(event, id, body), body.to_vec()).await
    }

    /// Waits until the outbox holds at least `n` actions and none is pending; returns them oldest first.
    pub async fn outbox_settled(&self, n: usize) -> Vec<ladder::store::outbox::Entry> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.settle().await;
            let mut entries = self.store().outbox().list(100).await.expect("outbox");
            if entries.len() >= n && entries.iter().all(|e| e.state != "pending") {
                entries.reverse();
                return entries;
            }
            assert!(Instant::now() < deadline, "outbox: {entries:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until no delivery is pending.
    pub async fn settle(&self) {
        self.settle_within(Duration::from_secs(30)).await;
    }

    /// Waits until no delivery is pending, for at most `limit`.
    pub async fn settle_within(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let depth = self.store().queue().queue_depth().await.expect("queue depth");
            if depth.pending == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "{} deliveries still pending after {limit:?}", depth.pending);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Headers GitHub would send with `body`.
pub fn signed_headers(event: &str, id: &str, body: &[u8]) -> Vec<(String, String)> {
    vec![
        ("x-github-event".into(), event.into()),
        ("x-github-delivery".into(), id.into()),
        ("x-hub-signature-256".into(), sign(SECRET, body)),
        ("content-type".into(), "application/json".into()),
        ("user-agent".into(), "GitHub-Hookshot/test".into()),
    ]
}

/// An answer with its headers.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A real HTTP/1.1 client with keep-alive.
#[derive(Clone)]
pub struct Http {
    addr: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Http {
    pub fn new(addr: SocketAddr) -> Http {
        Http { addr, client: Client::builder(TokioExecutor::new()).build_http() }
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> (u16, String) {
        self.try_request(method, path, headers, body).await.expect("request")
    }

    /// Like [`Http::request`], but a connection failure is an error rather than a panic.
    pub async fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<(u16, String), String> {
        let headers = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let reply = self.send(method, path, headers, body).await?;
        Ok((reply.status, reply.body))
    }

    async fn send<'h>(
        &self,
        method: &str,
        path: &str,
        headers: impl Iterator<Item = (&'h str, &'h str)>,
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let mut builder = hyper::Request::builder().method(method).uri(format!("http://{}{path}", self.addr));
        for (k, v) in headers {
            builder = builder.header(k, v);
        }
        let request = builder.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;
        let response = self.client.request(request).await.map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &[], Vec::new()).await
    }

    /// A request whose answer's headers matter too.
    pub async fn fetch(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        self.send(method, path, headers.iter().copied(), body.as_bytes().to_vec()).await.expect("response")
    }

    pub async fn post_webhook(&self, headers: &[(String, String)], body: Vec<u8>) -> (u16, String) {
        self.request("POST", "/api/github/webhooks", headers, body).await
    }
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks")
}

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(path)).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub fn fixture_json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(path)).expect("fixture is JSON")
}

/// Every shared fixture as (event, path relative to the fixtures folder), in name order.
pub fn all_fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for event in std::fs::read_dir(fixtures_dir()).unwrap() {
        let event = event.unwrap().path();
        if !event.is_dir() {
            continue;
        }
        let name = event.file_name().unwrap().to_str().unwrap().to_owned();
        for file in std::fs::read_dir(&event).unwrap() {
            let file = file.unwrap().path();
            out.push((name.clone(), format!("{name}/{}", file.file_name().unwrap().to_str().unwrap())));
        }
    }
    out.sort();
    out
}

/// A `ladder` process started from the built binary.
pub struct Process {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    pub http: Http,
    pub log: PathBuf,
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn ladder_command(database_url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ladder"));
    for var in ["WEBHOOK_SECRET", "APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "LADDER_BOTS", "PORT", "HOST"] {
        cmd.env_remove(var);
    }
    let log_level = std::env::var("LADDER_TEST_LOG").unwrap_or_else(|_| "warn,ladder=info".into());
    cmd.env("DATABASE_URL", database_url).env("RUST_LOG", log_level);
    // A developer's `.env` in the project's folder is not the tests' (tests that want one name it).
    cmd.env("LADDER_ENV_FILE", "/nonexistent/ladder-tests.env");
    cmd
}

impl Process {
    /// Starts `ladder serve` on a free port, with a fast-polling worker and a short claim lease, and
    /// waits until it is ready.
    pub async fn serve(db: &TestDb, name: &str) -> Process {
        Process::serve_with(db, name, &[("LADDER_WORKER_POLL_MS", "50"), ("LADDER_CLAIM_LEASE_SECS", "1")]).await
    }

    /// Starts `ladder serve` with the given extra environment and waits until it is ready.
    pub async fn serve_with(db: &TestDb, name: &str, env: &[(&str, &str)]) -> Process {
        let port = free_port();
        let log = db.dir().join(format!("{name}.log"));
        let mut cmd = ladder_command(&db.url);
        cmd.arg("serve").env("WEBHOOK_SECRET", SECRET).env("PORT", port.to_string());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.stderr(std::fs::File::create(&log).unwrap()).spawn().expect("ladder starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let process = Process { child, addr, http: Http::new(addr), log };
        let deadline = Instant::now() + Duration::from_secs(30);
        while process.http.try_request("GET", "/readyz", &[], Vec::new()).await.map(|r| r.0) != Ok(200) {
            assert!(Instant::now() < deadline, "ladder did not become ready: {}", process.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        process
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill9(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        secrets::scan(&self.log.display().to_string(), &self.log_text());
        if !std::thread::panicking() {
            secrets::assert_none_logged();
        }
    }
}

/// Waits until the database holds no pending delivery.
pub async fn settle_db(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'").await;
        if pending == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{pending} deliveries still pending after 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A review by bob of alice's PR number `n` in asyncapi/cli: one unique fact per `n`.
pub fn review_payload(n: i64) -> Vec<u8> {
    let mut p = fixture_json("pull_request_review/submitted.json");
    p["repository"] = serde_json::json!({
        "id": 5000, "name": "cli", "full_name": "asyncapi/cli", "private": false,
        "owner": {"id": 900, "login": "asyncapi", "type": "Organization"}
    });
    p["pull_request"]["number"] = n.into();
    p["pull_request"]["user"] = serde_json::json!({"id": 1001, "login": "alice", "type": "User"});
    p["review"]["id"] = (1_000_000 + n).into();
    p["review"]["user"] = serde_json::json!({"id": 1002, "login": "bob", "type": "User"});
    p["review"]["state"] = "approved".into();
    p.to_string().into_bytes()
}

/// Settings with a local ladder (as `LADDER_CONFIG` gives) whose admins are `admins`.
pub fn with_admins(settings: &mut ServeSettings, admins: &[&str]) {
    let mut ladder = ladder_core::ladder::Ladder::builtin();
    ladder.admins = admins.iter().map(|a| (*a).to_owned()).collect();
    settings.ladders.local = Some(ladder);
}
