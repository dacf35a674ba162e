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
    let pem = String::from_utf8(crate::support::fixture("../test-app-key.pem")).unwrap();
    let cases: [(&str, Vec<(&str, &str)>, &str); 4] = [
        ("an App without a secret", vec![("APP_ID", "42"), ("PRIVATE_KEY", &pem)], "no webhook secret for the App"),
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

/// `serve`'s log until `line` appears in it (or 20 s pass); the process is killed after.
async fn serve_log_until(url: &str, env: &[(&str, &str)], line: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut cmd = ladder_command(url);
    cmd.args(["serve", "--port", "0"]).stderr(std::fs::File::create(&log).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = String::new();
    while !seen.contains(line) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        seen = std::fs::read_to_string(&log).unwrap_or_default();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    seen
}

#[tokio::test]
async fn with_nothing_set_serve_starts_in_setup_mode_and_reads_its_env_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let seen = serve_log_until(&url, &[], "setup: open").await;
    let link = seen.lines().find_map(|l| l.split("setup: open ").nth(1)).unwrap_or_else(|| panic!("{seen}"));
    let token = link.trim().split("token=").nth(1).unwrap();
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    assert_eq!(token.len(), 64, "{link}");
    assert!(seen.contains("setup mode"), "{seen}");

    // A .env holding the secret: serve starts verifying with it, not in setup mode.
    let env_file = dir.path().join("app.env");
    std::fs::write(&env_file, "# ours\nWEBHOOK_SECRET=\"from-the-file-secret-123\"\n").unwrap();
    let file = env_file.to_str().unwrap();
    let seen = serve_log_until(&url, &[("LADDER_ENV_FILE", file)], "listening").await;
    assert!(seen.contains("webhook signatures are verified") && !seen.contains("setup"), "{seen}");
    // The same variable set otherwise in the environment: an error naming it.
    let out = ladder_command(&url)
        .args(["serve", "--port", "0", "--env-file", file])
        .env("WEBHOOK_SECRET", "another-secret-4567")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("WEBHOOK_SECRET set both in the environment and in"), "{stderr}");
    assert!(!stderr.contains("from-the-file") && !stderr.contains("another-secret"), "{stderr}");
    // Read as well when a global flag comes before `serve`.
    let out = ladder_command(&url)
        .args(["--log-format", "json", "serve", "--port", "0", "--env-file", file])
        .env("WEBHOOK_SECRET", "another-secret-4567")
        .output()
        .unwrap();
    assert!(text(&out).1.contains("WEBHOOK_SECRET set both in the environment"), "{}", text(&out).1);
    // A line that is not KEY=VALUE: an error naming the file and line.
    std::fs::write(&env_file, "APP_ID 42\n").unwrap();
    let out = ladder_command(&url).args(["serve", "--env-file", file]).output().unwrap();
    assert!(text(&out).1.contains(&format!("{file}:1: not a KEY=VALUE line")), "{}", text(&out).1);
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
    assert_eq!(report["level"], "contributor");
    assert_eq!(report["activity"], "away", "last seen in 2022");
    assert_eq!(report["last_activity"], "2022-07-10T03:08:22+00:00");
    assert_eq!(report["next"]["level"], "regular_contributor");
    assert_eq!(
        report["next"]["missing"],
        serde_json::json!([{"metric": "pr_merged", "have": 1, "need": 3}]),
        "credit does not decay"
    );

    // A ladder of one's own, and a bot list that makes this person a bot.
    let config = db.dir().join("amp.yml");
    std::fs::write(
        &config,
        "window_months: 120\nlevels:\n  - id: starter\n    name: Starter\n    requires: {pr_opened: 1, pr_merged: 1}\n",
    )
    .unwrap();
    let custom = status(&["harshraj8843", "--org", "codinasion", "--json", "--config", config.to_str().unwrap()]);
    let custom: serde_json::Value = serde_json::from_slice(&custom.stdout).unwrap();
    assert_eq!(
        (&custom["level"], &custom["level_name"], &custom["next"]),
        (&"starter".into(), &"Starter".into(), &serde_json::Value::Null)
    );
    let as_bot = status(&["harshraj8843", "--org", "codinasion", "--json", "--bots", "HarshRaj8843"]);
    let as_bot: serde_json::Value = serde_json::from_slice(&as_bot.stdout).unwrap();
    assert_eq!((&as_bot["level"], &as_bot["signals"]), (&serde_json::Value::Null, &serde_json::json!({})));

    let text_report = status(&["harshraj8843", "--org", "codinasion"]);
    let (stdout, _) = text(&text_report);
    assert!(
        stdout.starts_with("@harshraj8843 in codinasion (GitHub id 54644599)\nlevel: Contributor\nactivity: away"),
        "{stdout}"
    );
    assert!(stdout.contains("next: Regular contributor\n  pr_merged"), "{stdout}");

    let unknown = status(&["nobody-here", "--org", "codinasion"]);
    let (_, stderr) = text(&unknown);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr.contains("No activity is recorded for @nobody-here in codinasion"), "{stderr}");

    let ambiguous = status(&["harshraj8843"]);
    let (_, stderr) = text(&ambiguous);
    assert_eq!(ambiguous.status.code(), Some(1));
    assert!(stderr.contains("pass --org with one of:"), "{stderr}");
}

#[tokio::test]
async fn logs_are_json_on_request_and_never_hold_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-app-key.pem");
    let key_text = std::fs::read_to_string(&key).unwrap();
    let secret = "zebra-webhook-secret-7781";
    let port = crate::support::free_port();
    let log = dir.path().join("log");
    let mut child = ladder_command(&url)
        .arg("serve")
        .env("WEBHOOK_SECRET", secret)
        .env("APP_ID", "12345")
        .env("PRIVATE_KEY", key_text.replace('\n', "\\n"))
        .env("PORT", port.to_string())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "trace")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let http = crate::support::Http::new(format!("127.0.0.1:{port}").parse().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while http.try_request("GET", "/readyz", &[], Vec::new()).await.map(|r| r.0) != Ok(200) {
        assert!(std::time::Instant::now() < deadline, "did not start: {}", std::fs::read_to_string(&log).unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let body = crate::support::fixture("issues/opened.json");
    let mut headers = crate::support::signed_headers("issues", "log-1", &body);
    headers.retain(|(k, _)| k != "x-hub-signature-256");
    headers.push(("x-hub-signature-256".into(), ladder::inbound::webhook::signature::sign(secret, &body)));
    assert_eq!(http.post_webhook(&headers, body.clone()).await.0, 202);
    headers.retain(|(k, _)| k != "x-hub-signature-256");
    headers.push(("x-hub-signature-256".into(), ladder::inbound::webhook::signature::sign("wrong", &body)));
    assert_eq!(http.post_webhook(&headers, body).await.0, 401);
    // SIGTERM: a clean shutdown with exit status 0.
    let term = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.lines().count() > 5, "{logged}");
    for line in logged.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(entry.get("level").is_some(), "{line}");
    }
    assert!(logged.contains("GitHub App credentials loaded") && logged.contains("\"app_id\":12345"), "{logged}");
    assert!(logged.contains("\"message\":\"stopped\""), "{logged}");
    assert!(!logged.contains(secret), "the webhook secret was logged");
    let key_line = key_text.lines().nth(1).unwrap();
    assert!(!logged.contains(key_line), "the private key was logged");
}

#[test]
fn migrate_creates_the_schema_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    for _ in 0..2 {
        let output = ladder_command(&url).arg("migrate").output().unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stderr}");
        assert_eq!(stdout, "database is up to date\n");
    }
}

#[test]
fn the_default_config_round_trips_and_bad_configs_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let printed = ladder_command(&url).arg("default-config").output().unwrap();
    assert!(printed.status.success());
    let file = dir.path().join("amp.yml");
    std::fs::write(&file, &printed.stdout).unwrap();
    let checked = ladder_command(&url).arg("check-config").arg(&file).output().unwrap();
    let (stdout, stderr) = text(&checked);
    assert!(checked.status.success(), "{stderr}");
    assert!(
        stdout.ends_with("valid; 5 levels: contributor, regular_contributor, triager, committer, maintainer\n"),
        "{stdout}"
    );

    std::fs::write(
        &file,
        "levels:\n  - id: a\n    requires: {pr_merged: 2}\n  - id: b\n    requires: {pr_merged: 1, hugs: 3}\n",
    )
    .unwrap();
    let checked = ladder_command(&url).arg("check-config").arg(&file).output().unwrap();
    let (_, stderr) = text(&checked);
    assert_eq!(checked.status.code(), Some(1));
    let path = file.display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{path}:5:27: levels[1].requires.pr_merged: levels out of order")),
        "{stderr}"
    );
    assert!(lines[1].starts_with(&format!("{path}:5:30: levels[1].requires.hugs: unknown metric `hugs`")), "{stderr}");

    // A repository's override may set only what concerns the repository.
    let checked = ladder_command(&url).args(["check-config", "--override"]).arg(&file).output().unwrap();
    let (_, stderr) = text(&checked);
    assert_eq!(checked.status.code(), Some(1));
    assert!(stderr.starts_with(&format!("{path}:1:1: unknown field `levels`")), "{stderr}");
    let repo_file = dir.path().join("override.yml");
    std::fs::write(&repo_file, "readiness_comments: off\n").unwrap();
    let checked = ladder_command(&url).args(["check-config", "--override"]).arg(&repo_file).output().unwrap();
    assert_eq!(text(&checked).0, format!("{}: a valid repository override\n", repo_file.display()));

    let status = ladder_command(&url).args(["status", "someone", "--config"]).arg(&file).output().unwrap();
    let (_, stderr) = text(&status);
    assert_eq!(status.status.code(), Some(1));
    assert!(stderr.contains("the ladder config is invalid") && stderr.contains("unknown metric `hugs`"), "{stderr}");
    assert_eq!(stderr.matches("unknown metric `hugs`").count(), 1, "each error is said once: {stderr}");
    let serve = ladder_command(&url).args(["serve", "--insecure-no-verify", "--config"]).arg(&file).output().unwrap();
    let (_, stderr) = text(&serve);
    assert!(!serve.status.success());
    assert_eq!(stderr.matches("unknown metric `hugs`").count(), 1, "serve says each error once: {stderr}");
}

on_both_engines!(roles_from_codeowners_and_maintainers_shape_status);

async fn roles_from_codeowners_and_maintainers_shape_status(engine: Engine) {
    let db = TestDb::new(engine).await;
    let fixtures = fixtures_dir();
    let replayed = ladder_command(&db.url).arg("replay").arg(&fixtures).output().unwrap();
    assert!(replayed.status.success());
    let asyncapi = fixtures.parent().unwrap().join("asyncapi");
    // harshraj8843 (codinasion) becomes a triager of codinasion's bot repo through its CODEOWNERS.
    let codeowners = db.dir().join("CODEOWNERS");
    std::fs::write(&codeowners, "* @someone-else\n#codeTriagers: harshraj8843\n").unwrap();
    let import = |args: &[&str]| {
        let output = ladder_command(&db.url).args(["roles", "import"]).args(args).output().unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stderr}");
        stdout
    };
    let said = import(&["--org", "codinasion", "--repo", "codinasion-bot", codeowners.to_str().unwrap()]);
    assert_eq!(said, "codinasion/codinasion-bot: 2 roles for 2 people imported\n");
    let said = import(&["--org", "asyncapi", "--maintainers", asyncapi.join("MAINTAINERS.yaml").to_str().unwrap()]);
    assert!(said.starts_with("asyncapi: ") && said.ends_with(" roles for 74 people imported\n"), "{said}");
    let said =
        import(&["--org", "asyncapi", "--repo", "generator", asyncapi.join("CODEOWNERS.generator").to_str().unwrap()]);
    assert_eq!(said, "asyncapi/generator: 7 roles for 5 people imported\n");

    let status =
        ladder_command(&db.url).args(["status", "harshraj8843", "--org", "codinasion", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(report["role"], "triager");
    assert_eq!(report["roles"], serde_json::json!({"codinasion-bot": ["triager"]}));
    assert_eq!(report["level"], "triager", "a role holds its level whatever the numbers say");
    assert_eq!(report["next"]["level"], "committer");

    // Importing the file again without the person takes the role away.
    std::fs::write(&codeowners, "* @someone-else\n").unwrap();
    import(&["--org", "codinasion", "--repo", "codinasion-bot", codeowners.to_str().unwrap()]);
    let status =
        ladder_command(&db.url).args(["status", "harshraj8843", "--org", "codinasion", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((&report["role"], &report["level"]), (&serde_json::Value::Null, &"contributor".into()));

    // Repo health: codinasion-bot's only listed maintainer has no maintainer activity there.
    std::fs::write(&codeowners, "* @harshraj8843 @someone-else\n").unwrap();
    import(&["--org", "codinasion", "--repo", "codinasion-bot", codeowners.to_str().unwrap()]);
    let repos = ladder_command(&db.url).args(["repos", "--org", "codinasion", "--json"]).output().unwrap();
    let (stdout, stderr) = text(&repos);
    assert!(repos.status.success(), "{stderr}");
    let health: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(health[0]["repo"], "codinasion/codinasion-bot");
    assert_eq!(health[0]["private"], true);
    assert_eq!(health[0]["maintainers"], serde_json::json!(["harshraj8843", "someone-else"]));
    assert_eq!(health[0]["active_maintainers"], serde_json::json!([]), "their merge was in 2022");
    assert_eq!(health[0]["at_risk"], true);
    let repos = ladder_command(&db.url).args(["repos", "--org", "codinasion"]).output().unwrap();
    let (stdout, _) = text(&repos);
    assert!(stdout.starts_with("codinasion/codinasion-bot (private): AT RISK: no active maintainer\n  maintainers: @harshraj8843 (inactive), @someone-else (inactive)\n"), "{stdout}");

    let bad = ladder_command(&db.url).args(["roles", "import", "--org", "x"]).output().unwrap();
    assert!(!bad.status.success(), "a file is required");
}

on_both_engines!(opting_out_erases_and_stops_recording);

async fn opting_out_erases_and_stops_recording(engine: Engine) {
    let db = TestDb::new(engine).await;
    let fixtures = fixtures_dir();
    assert!(ladder_command(&db.url).arg("replay").arg(&fixtures).output().unwrap().status.success());
    let theirs = "SELECT COUNT(*) FROM signals WHERE actor_id = 54644599";
    assert!(db.scalar(theirs).await > 0);
    let run = |args: &[&str]| ladder_command(&db.url).args(args).output().unwrap();

    let out = run(&["optout", "@HarshRaj8843", "--body-retention-days", "7"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("Erased ")
            && stdout.contains(" signals of @harshraj8843")
            && stdout.contains("7-day retention"),
        "{stdout}"
    );
    assert_eq!(db.scalar(theirs).await, 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM people WHERE id = 54644599").await, 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals WHERE subject_author_login = 'harshraj8843'").await, 0);
    let status = run(&["status", "harshraj8843", "--org", "codinasion", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"org": "codinasion", "login": "harshraj8843", "github_id": 54644599, "opted_out": true})
    );

    // A new event by them is processed but records nothing about them.
    let mut payload = crate::support::fixture_json("issues/opened.codinasion.json");
    payload["issue"]["id"] = 99_000_001.into();
    payload["issue"]["number"] = 9001.into();
    let dir = db.dir().join("new").join("issues");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("opened.json"), payload.to_string()).unwrap();
    assert!(run(&["replay", dir.to_str().unwrap()]).status.success());
    assert_eq!(db.scalar(theirs).await, 0);

    let out = run(&["optin", "harshraj8843"]);
    assert!(text(&out).0.contains("recorded again from now on"));
    payload["issue"]["id"] = 99_000_002.into();
    payload["issue"]["number"] = 9002.into();
    std::fs::write(dir.join("opened.json"), payload.to_string()).unwrap();
    assert!(run(&["replay", dir.to_str().unwrap()]).status.success());
    assert_eq!(db.scalar(theirs).await, 1, "only what happened after opting in");
}

on_both_engines!(configs_in_force_are_listed);

async fn configs_in_force_are_listed(engine: Engine) {
    let db = TestDb::new(engine).await;
    let payload = fixtures_dir().join("issue_comment/created.json");
    assert!(ladder_command(&db.url).arg("replay").arg(&payload).output().unwrap().status.success());
    let store = db.store().await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
    store.configs().save_config(21031067, "", "admins: [alice]\n", "0a1b2c3d4e5f", at).await.unwrap();
    store
        .configs()
        .save_config(21031067, "Codertocat/Hello-World", "readiness_comments: off\n", "f5e4d3c2b1a0", at)
        .await
        .unwrap();
    store.close().await;

    let listed = ladder_command(&db.url).arg("configs").output().unwrap();
    let (stdout, stderr) = text(&listed);
    assert!(listed.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "Codertocat: org config revision 0a1b2c3d4e5f, read 2026-11-24 10:00 UTC\n  \
         codertocat/hello-world: override revision f5e4d3c2b1a0, read 2026-11-24 10:00 UTC\n\
         Orgs not listed use the built-in ladder; LADDER_CONFIG, when set, overrides every org's config.\n"
    );
    let json = ladder_command(&db.url).args(["configs", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(list[0]["org"], "Codertocat");
    assert_eq!((list[0]["repo"].is_null(), list[1]["repo"].as_str()), (true, Some("codertocat/hello-world")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_secret_is_taken_whole_and_rotates_through_its_own_setting() {
    let db = crate::support::TestDb::new(Engine::Sqlite).await;
    let env = [("WEBHOOK_SECRET", "long-random,7"), ("LADDER_WEBHOOK_SECRET_PREVIOUS", "the-previous-secret-42")];
    let server = crate::support::Process::serve_with(&db, "comma", &env).await;
    let body = crate::support::fixture("issues/opened.json");
    let signed_with = |secret: &str, id: &str| {
        let mut headers = crate::support::signed_headers("issues", id, &body);
        headers.retain(|(k, _)| k != "x-hub-signature-256");
        headers.push(("x-hub-signature-256".into(), ladder::inbound::webhook::signature::sign(secret, &body)));
        headers
    };
    let cases = [("7", 401), ("long-random", 401), ("long-random,7", 202), ("the-previous-secret-42", 202)];
    for (i, (secret, status)) in cases.into_iter().enumerate() {
        let (got, text) = server.http.post_webhook(&signed_with(secret, &format!("s-{i}")), body.clone()).await;
        assert_eq!(got, status, "signed with {secret:?}: {text}");
    }
    let log = server.log_text();
    assert!(log.contains("WEBHOOK_SECRET holds a comma") && log.contains("LADDER_WEBHOOK_SECRET_PREVIOUS"), "{log}");
    assert!(log.contains("shorter than 16 bytes") && !log.contains("long-random,7"), "{log}");
}
