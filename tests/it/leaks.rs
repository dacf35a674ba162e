//! Secrets stay secret: after a run that mints installation tokens, sends replies, refuses a forged
//! delivery and connects with a password, neither the logs nor the database hold a webhook secret, the
//! private key, a token or the database password; `--help` and connection errors do not show it either.

use std::time::Duration;

use ladder::github::AppCredentials;

use crate::on_both_engines;
use crate::support::cluster::with_port;
use crate::support::github::{APP_ID, FakeGitHub};
use crate::support::secrets::{DB_PASSWORD, assert_none_logged, secrets};
use crate::support::{App, Engine, Process, TestDb, fixture, fixture_json, ladder_command, signed_headers};

on_both_engines!(nothing_secret_is_logged_or_stored);

/// `url` with the test database password in it (the local server trusts connections; it is ignored).
fn with_password(url: &str) -> String {
    url.replacen("postgres://postgres@", &format!("postgres://postgres:{DB_PASSWORD}@"), 1)
}

/// Every stored byte: the SQLite files, or each PostgreSQL table's rows as text.
async fn everything_stored(db: &TestDb) -> String {
    match db.engine {
        Engine::Sqlite => {
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(db.dir()).unwrap() {
                let path = entry.unwrap().path();
                if path.file_name().unwrap().to_string_lossy().starts_with("ladder.db") {
                    bytes.extend(std::fs::read(path).unwrap());
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Engine::Postgres => {
            let pool = db.pool().await;
            let tables: Vec<(String,)> =
                sqlx::query_as("SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = 'public'")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let mut text = String::new();
            for (table,) in tables {
                let rows: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT CAST(t AS TEXT) FROM {table} t")).fetch_all(&pool).await.unwrap();
                rows.into_iter().for_each(|(row,)| text.push_str(&row));
            }
            pool.close().await;
            text
        }
    }
}

async fn nothing_secret_is_logged_or_stored(engine: Engine) {
    let github = FakeGitHub::start().await;
    let db = TestDb::new(engine).await;
    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&fixture("../test-app-key.pem")).unwrap();
    let (url, api) = (with_password(&db.url), github.url());
    let app = App::start_with(db, move |s| {
        s.credentials = Some(AppCredentials { app_id: APP_ID, key });
        s.github_api_url = api;
        s.database_url = url;
    })
    .await;
    let mut comment = fixture_json("issue_comment/created.json");
    comment["comment"]["body"] = "/amp help".into();
    comment["installation"] = serde_json::json!({"id": 42});
    let body = comment.to_string().into_bytes();
    assert_eq!(app.deliver("issue_comment", "leak-1", &body).await.0, 202);
    let entries = app.outbox_settled(1).await;
    assert_eq!(entries[0].state, "sent", "a token was minted and used");
    let mut forged = signed_headers("issue_comment", "leak-2", &body);
    forged.retain(|(k, _)| k != "x-hub-signature-256");
    forged.push(("x-hub-signature-256".into(), ladder::inbound::webhook::signature::sign("guess", &body)));
    assert_eq!(app.http.post_webhook(&forged, body).await.0, 401);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stored = everything_stored(&app.db).await;
    assert!(stored.contains("leak-1"), "the scan reads what is stored");
    for secret in secrets() {
        assert!(!stored.contains(secret.as_str()), "the database holds a secret: {secret}");
    }
    assert_none_logged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_passwords_are_never_shown() {
    let db = TestDb::new(Engine::Postgres).await;
    let in_userinfo = with_password(&db.url);
    let in_query = format!("{}?password={DB_PASSWORD}&sslmode=disable", db.url);
    // `--help` names the variables but never prints their values.
    let help = ladder_command(&in_userinfo).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("DATABASE_URL") && !help.contains(DB_PASSWORD), "{help}");
    // A server that cannot be reached: the error names the URL without the password.
    for url in [with_port(&in_userinfo, 1), with_port(&in_query, 1)] {
        let out = ladder_command(&url).args(["status", "nobody"]).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && said.contains("cannot open the database"), "{said}");
        assert!(!said.contains(DB_PASSWORD) && said.contains("***"), "{said}");
    }
    // The password in the URL's query: the start-up line shows it masked (the process's log is scanned
    // for secrets when it is dropped).
    let server = Process::serve_with(&db, "password-in-query", &[("DATABASE_URL", in_query.as_str())]).await;
    assert!(server.log_text().contains("password=***"), "{}", server.log_text());
    drop(server);
    // The URL from a file, which wins over DATABASE_URL.
    let file = db.dir().join("database-url");
    std::fs::write(&file, format!("{in_userinfo}\n")).unwrap();
    let out = ladder_command("sqlite:///nonexistent/dir/x.db")
        .args(["migrate", "--database-url-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
