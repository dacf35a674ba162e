//! The command line as a person runs it: start-up refusals, replay and status.

use std::process::Output;

use crate::on_both_engines;
use crate::support::{Engine, TestDb, fixtures_dir, ladder_command};

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn serve_refuses_to_start_with_missing_or_mismatched_settings() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let key_path = dir.path().join("key.pem");
    std::fs::write(&key_path, "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n").unwrap();
    let key_path = key_path.to_str().unwrap();
    let cases: [(&str, Vec<(&str, &str)>, &str); 4] = [
        ("no secret", vec![], "no webhook secret: set WEBHOOK_SECRET"),
        ("APP_ID without key", vec![("WEBHOOK_SECRET", "s"), ("APP_ID", "42")], "APP_ID is set but no private key"),
        ("key without APP_ID", vec![("WEBHOOK_SECRET", "s"), ("PRIVATE_KEY_PATH", key_path)], "APP_ID is not"),
        ("bad key", vec![("WEBHOOK_SECRET", "s"), ("APP_ID", "42"), ("PRIVATE_KEY_PATH", key_path)], "not an RSA key"),
    ];
    for (name, env, expected) in cases {
        let mut cmd = ladder_command(&url);
        cmd.arg("serve").env("PORT", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd.output().unwrap();
        let (_, stderr) = text(&output);
        assert!(!output.status.success(), "{name}: started anyway");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!stderr.contains("not a key"), "{name}: the key's content leaked: {stderr}");
    }
}

#[tokio::test]
async fn insecure_mode_starts_with_a_loud_warning() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let log = dir.path().join("log");
    let mut child = ladder_command(&url)
        .args(["serve", "--insecure-no-verify", "--port", "0"])
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = String::new();
    while !seen.contains("listening") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        seen = std::fs::read_to_string(&log).unwrap_or_default();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.contains("INSECURE: --insecure-no-verify"), "{seen}");
    assert!(seen.contains("dry-run"), "{seen}");
}

on_both_engines!(replay_then_status);

async fn replay_then_status(engine: Engine) {
    let db = TestDb::new(engine).await;
    let fixtures = fixtures_dir();
    let first = ladder_command(&db.url).arg("replay").arg(&fixtures).output().unwrap();
    let (stdout, stderr) = text(&first);
    assert!(first.status.success(), "{stdout}{stderr}");
    let files = stdout.split(' ').next().unwrap().to_owned();
    assert!(
        stdout.starts_with(&format!("{files} files: {files} new deliveries; {files} processed, 0 ignored, 0 failed")),
        "{stdout}"
    );
    let signals = db.scalar("SELECT COUNT(*) FROM signals").await;
    assert!(signals > 0);

    let second = ladder_command(&db.url).arg("replay").arg(&fixtures).output().unwrap();
    let (stdout, _) = text(&second);
    assert!(stdout.starts_with(&format!("{files} files: 0 new deliveries")), "replaying twice adds nothing: {stdout}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals").await, signals);

    let status = |args: &[&str]| ladder_command(&db.url).arg("status").args(args).output().unwrap();
    let json = status(&["@HarshRaj8843", "--org", "codinasion", "--json"]);
    let (stdout, stderr) = text(&json);
    assert!(json.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["org"], "codinasion");
    assert_eq!(report["login"], "harshraj8843");
    assert_eq!(report["github_id"], 54644599);
    assert_eq!(report["signals"]["pr_merged"], 1);
    assert_eq!(report["signals"]["pr_opened"], 1);
    assert!(report["signals"].get("merge_performed").is_none(), "merging one's own PR earns no merge credit");

    let text_report = status(&["harshraj8843", "--org", "codinasion"]);
    let (stdout, _) = text(&text_report);
    assert!(stdout.starts_with("@harshraj8843 in codinasion (GitHub id 54644599)"), "{stdout}");

    let unknown = status(&["nobody-here", "--org", "codinasion"]);
    let (_, stderr) = text(&unknown);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr.contains("No activity is recorded for @nobody-here in codinasion"), "{stderr}");

    let ambiguous = status(&["harshraj8843"]);
    let (_, stderr) = text(&ambiguous);
    assert_eq!(ambiguous.status.code(), Some(1));
    assert!(stderr.contains("pass --org with one of:"), "{stderr}");
}
