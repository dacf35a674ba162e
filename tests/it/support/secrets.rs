//! Secrets never in logs, for the whole test run: every line the app logs in process goes through a
//! writer that looks for the secrets the tests give it, and every `ladder` process's log is read when
//! the process is dropped. A test that finds one fails; [`assert_none_logged`] fails any later test
//! that looks, so a leak in one test cannot pass unseen.

use std::sync::{Mutex, Once};

use super::{SECRET, fixture};

/// The database password tests put in PostgreSQL URLs (the server trusts local connections, so any
/// password connects).
pub const DB_PASSWORD: &str = "pg-pass-never-logged-4711";
/// The previous webhook secret the in-process app also accepts.
pub const PREVIOUS_SECRET: &str = "rotated-away-old-secret";
/// The admin token of the in-process app (pages and API for admins).
pub const ADMIN_TOKEN: &str = "admin-token-never-logged-8150";

/// What may never appear in a log or the database: webhook secrets, the private key's lines, the
/// fake GitHub's installation tokens, the database password, the admin token.
pub fn secrets() -> &'static [String] {
    static SECRETS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SECRETS.get_or_init(|| {
        let key = String::from_utf8(fixture("../test-app-key.pem")).expect("the key is text");
        let key_lines = key.lines().filter(|l| !l.starts_with("-----")).map(str::to_owned);
        [SECRET, PREVIOUS_SECRET, "ghs_fake_", DB_PASSWORD, ADMIN_TOKEN, super::github::MANIFEST_WEBHOOK_SECRET]
            .iter()
            .map(|s| (*s).to_owned())
            .chain(key_lines)
            .collect()
    })
}

/// The secrets found so far, with the line they were found in.
static FOUND: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Reports every secret in `text` (from `whence`).
pub fn scan(whence: &str, text: &str) {
    for secret in secrets() {
        if text.contains(secret.as_str()) {
            let line = text.lines().find(|l| l.contains(secret.as_str())).unwrap_or_default();
            FOUND.lock().unwrap().push(format!("{whence}: {line}"));
        }
    }
}

/// Fails if any secret was found in any log so far.
pub fn assert_none_logged() {
    let found = FOUND.lock().unwrap().clone();
    assert!(found.is_empty(), "secrets were logged:\n{}", found.join("\n"));
}

struct Scanner;

impl std::io::Write for Scanner {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        scan("the app's log", &text);
        if std::env::var_os("LADDER_TEST_LOG").is_some() {
            eprint!("{text}");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends everything the app logs in this process, down to its traces, through [`scan`]. Once.
pub fn capture_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::new("info,ladder=trace");
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| Scanner).try_init();
    });
}
