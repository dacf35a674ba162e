//! Configs and roles read from GitHub: the org's ladder, a repository's override and `CODEOWNERS`,
//! read when the app is installed and when a push changes them; a broken config kept out (the last
//! good one stays, one issue per bad revision) without the app missing a beat; and the release guide
//! next steps link, read again when a push changes it.

use ladder::pipeline::ladders::{Choice, Ladders};
use ladder::store::outbox::Entry;
use ladder_core::ladder::config::ReadinessComments;
use ladder_core::roles::Role;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::github::{Call, FakeGitHub};
use crate::support::{App, Engine, fixture_json};

const ORG_ID: i64 = 21031067;
const ORG_REPO: &str = "Codertocat/.github";
const REPO: &str = "Codertocat/Hello-World";
const COMMENTS: &str = "/repos/Codertocat/Hello-World/issues/1/comments";

fn get(path: &str, status: u16) -> Call {
    Call { method: "GET".into(), path: path.into(), auth: "token", body: Value::Null, status }
}

fn installed() -> Vec<u8> {
    let mut payload = fixture_json("installation/created.json");
    payload["installation"]["id"] = 42.into();
    payload.to_string().into_bytes()
}

/// Push `n` (its commit is `n` written with 40 digits) to the default branch of `repo`, changing `paths`.
fn push(repo: &str, repo_id: i64, n: u32, paths: &[&str]) -> Vec<u8> {
    push_to(repo, repo_id, ("main", &format!("{n:040}")), paths)
}

/// The outcomes of the outbox's actions of `kind`, oldest first.
fn details<'a>(entries: &'a [Entry], kind: &str) -> Vec<&'a str> {
    let of_kind = entries.iter().filter(|e| e.planned.action.kind() == kind);
    of_kind.map(|e| e.detail.as_deref().unwrap_or("")).collect()
}

/// Calls as `METHOD path status`.
fn summary(calls: Vec<Call>) -> Vec<String> {
    calls.into_iter().map(|c| format!("{} {} {}", c.method, c.path, c.status)).collect()
}

/// A push of commit `after` to `branch` of `repo` (whose default branch is `main`) that changed `paths`.
fn push_to(repo: &str, repo_id: i64, (branch, after): (&str, &str), paths: &[&str]) -> Vec<u8> {
    let name = repo.split_once('/').unwrap().1;
    json!({
        "ref": format!("refs/heads/{branch}"),
        "before": "0000000000000000000000000000000000000000",
        "after": after,
        "repository": {"id": repo_id, "name": name, "full_name": repo, "private": false, "default_branch": "main",
            "owner": {"id": ORG_ID, "login": "Codertocat", "type": "Organization"}},
        "installation": {"id": 42},
        "sender": {"id": 1, "login": "octocat", "type": "User"},
        "commits": [{"id": after, "added": [], "modified": paths, "removed": []}],
    })
    .to_string()
    .into_bytes()
}

fn comment(comment_id: i64, body: &str) -> Vec<u8> {
    let mut payload = fixture_json("issue_comment/created.json");
    payload["comment"]["id"] = comment_id.into();
    payload["comment"]["user"] = json!({"id": 5001, "login": "alice", "type": "User"});
    payload["comment"]["body"] = body.into();
    payload["installation"] = json!({"id": 42});
    payload.to_string().into_bytes()
}

async fn maintainers_of(app: &App) -> Vec<String> {
    let grants = app.store().directory().roles_in_org("Codertocat").await.unwrap();
    grants.into_iter().filter(|g| g.role == Role::Maintainer).map(|g| g.login).collect()
}

async fn configs_and_codeowners_are_read_on_install_and_push(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = crate::sending::app_on(engine, &github).await;
    let config = "command_prefix: /ladder\nadmins: [alice]\nmaintainers_file: community/people.yaml\n";
    github.put_file(ORG_REPO, ".github/amp.yml", Some(config));
    github.put_file(REPO, "CODEOWNERS", Some("* @alice @bob @asyncapi-bot\n"));
    let people = "- name: Dana\n  github: dana\n  company: Acme\n  isTscMember: true\n  repos: [Hello-World]\n";
    github.put_file("Codertocat/community", "people.yaml", Some(people));

    // Installed: the org's config, the repository's CODEOWNERS (where GitHub looks, in order) and its
    // override (there is none) are read, then MAINTAINERS.yaml where the config says; nothing else.
    assert_eq!(app.deliver("installation", "i-1", &installed()).await.0, 202);
    let entries = app.outbox_settled(4).await;
    let read: Vec<(&str, &str)> =
        entries.iter().map(|e| (e.state.as_str(), e.detail.as_deref().unwrap_or(""))).collect();
    assert_eq!(read[0], ("sent", "CODEOWNERS: 2 roles"));
    assert!(read[1].1.starts_with("config revision ") && read[1].1.ends_with(" in force"), "{read:?}");
    assert_eq!(read[2], ("sent", "no config"));
    assert_eq!(read[3], ("sent", "people.yaml: 2 roles"));
    let calls = github.take_calls();
    assert_eq!(calls[0].path, "/app/installations/42/access_tokens");
    assert_eq!(
        calls[1..],
        [
            get("/repos/Codertocat/Hello-World/contents/.github/CODEOWNERS", 404),
            get("/repos/Codertocat/Hello-World/contents/CODEOWNERS", 200),
            get("/repos/Codertocat/.github/contents/.github/amp.yml", 200),
            get("/repos/Codertocat/Hello-World/contents/.github/amp.yml", 404),
            get("/repos/Codertocat/community/contents/people.yaml", 200),
        ]
    );
    assert_eq!(maintainers_of(&app).await, ["alice", "bob", "dana"], "the bot is not a person");
    let dana = app.store().directory().roles_of("Codertocat", "dana", 0).await.unwrap();
    let dana: Vec<(Role, Option<&str>)> = dana.iter().map(|g| (g.role, g.detail.as_deref())).collect();
    assert_eq!(dana, [(Role::TscMember, None), (Role::Maintainer, Some("Acme"))]);

    // The org's prefix is in force: the old one is not a command any more.
    app.deliver("issue_comment", "c-1", &comment(11, "/amp help")).await;
    app.deliver("issue_comment", "c-2", &comment(12, "/ladder help")).await;
    app.outbox_settled(5).await;
    assert_eq!(github.comments(COMMENTS), [ladder_core::text::reply::help("/ladder", "alice")]);
    github.take_calls();

    // A broken revision: refused, reported once in the `.github` repository (and on its commit), the
    // last good one stays.
    let broken = "command_prefix: /ladder\nlevels:\n  - id: one\n    requires: {hugs: 1}\n";
    github.put_file(ORG_REPO, ".github/amp.yml", Some(broken));
    app.deliver("push", "p-1", &push(ORG_REPO, 7, 1, &[".github/amp.yml"])).await;
    let entries = app.outbox_settled(8).await;
    let fetched = details(&entries, "fetch");
    assert!(fetched.last().unwrap().contains("is invalid (1 problems; an issue reports it)"), "{entries:?}");
    let checked = details(&entries, "check_config");
    assert!(checked.len() == 1 && checked[0].starts_with("check run ") && checked[0].ends_with(": failure"));
    let calls = github.take_calls();
    let issue = calls.iter().find(|c| c.path.ends_with("/issues")).unwrap().body["body"].as_str().unwrap().to_owned();
    assert!(issue.contains("- line 4, column 16, `levels[0].requires.hugs`: unknown metric"), "{issue}");
    assert_eq!(
        summary(calls),
        [
            "GET /repos/Codertocat/.github/contents/.github/amp.yml 200",
            "GET /repos/Codertocat/.github/contents/.github/amp.yml 200",
            "POST /repos/Codertocat/.github/check-runs 201",
            "POST /repos/Codertocat/.github/issues 201",
        ]
    );

    // The same bad revision pushed again: read, and not reported twice. Commands still work.
    app.deliver("push", "p-2", &push(ORG_REPO, 7, 2, &[".github/amp.yml", "README.md"])).await;
    app.deliver("issue_comment", "c-3", &comment(13, "/ladder ladder")).await;
    let entries = app.outbox_settled(11).await;
    assert!(details(&entries, "fetch").last().unwrap().contains("already reported"), "{entries:?}");
    assert!(details(&entries, "comment").last().unwrap().starts_with("comment "), "{entries:?}");
    let calls = github.take_calls();
    assert!(!calls.iter().any(|c| c.path.ends_with("/issues")), "{calls:?}");

    // A push that changes CODEOWNERS and the repository's override; one that touches neither reads nothing.
    github.put_file(REPO, "CODEOWNERS", None);
    github.put_file(REPO, "docs/CODEOWNERS", Some("* @carol\n"));
    github.put_file(REPO, ".github/amp.yml", Some("readiness_comments: off\n"));
    app.deliver("push", "p-3", &push(REPO, 1296269, 3, &["CODEOWNERS", "docs/CODEOWNERS", ".github/amp.yml"])).await;
    app.deliver("push", "p-4", &push(REPO, 1296269, 4, &["src/main.rs"])).await;
    let entries = app.outbox_settled(14).await;
    assert_eq!(entries.len(), 14, "{entries:?}");
    assert!(details(&entries, "check_config").last().unwrap().ends_with(": success"), "{entries:?}");
    assert_eq!(maintainers_of(&app).await, ["carol", "dana"]);
    let book = Ladders::new(Choice::default(), app.store().configs()).book().await.unwrap();
    assert_eq!(book.repo(ORG_ID, REPO).readiness_comments, ReadinessComments::Off);
    assert_eq!(book.repo(ORG_ID, REPO).command_prefix, "/ladder", "the override keeps the org's ladder");
    assert_eq!(book.org(ORG_ID).readiness_comments, ReadinessComments::Enrolled);
    assert_eq!(book.org(1).command_prefix, "/amp", "other orgs keep the built-in ladder");

    // The config removed: the built-in ladder applies again, and with it AsyncAPI's MAINTAINERS.yaml
    // location (absent here: the roles stay as they were).
    github.put_file(ORG_REPO, ".github/amp.yml", None);
    app.deliver("push", "p-5", &push(ORG_REPO, 7, 5, &[".github/amp.yml"])).await;
    let entries = app.outbox_settled(17).await;
    assert_eq!(details(&entries, "fetch").last(), Some(&"no MAINTAINERS.yaml"));
    assert!(details(&entries, "check_config").last().unwrap().ends_with(": neutral"), "{entries:?}");
    assert_eq!(maintainers_of(&app).await, ["carol", "dana"]);
    app.deliver("issue_comment", "c-4", &comment(14, "/amp help")).await;
    app.outbox_settled(18).await;
    assert_eq!(github.comments(COMMENTS).last().unwrap(), &ladder_core::text::reply::help("/amp", "alice"));
    app.running.stop().await;
}
on_both_engines!(configs_and_codeowners_are_read_on_install_and_push);

/// Bob's PR `number` in Codertocat/Hello-World, merged, through installation 42.
fn merged(number: i64) -> Vec<u8> {
    let mut payload = fixture_json("pull_request/closed.merged.json");
    payload["repository"] = fixture_json("issue_comment/created.json")["repository"].clone();
    payload["pull_request"]["user"] = json!({"id": 5002, "login": "bob", "type": "User"});
    payload["pull_request"]["number"] = number.into();
    payload["number"] = number.into();
    payload["installation"] = json!({"id": 42});
    payload.to_string().into_bytes()
}

async fn merged_prs_changing_only_mechanical_paths_are_not_substantial(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = crate::sending::backfilling_app_on(engine, &github).await;
    let config = "readiness_comments: everyone\nsubstantial: {min_lines: 1, mechanical_paths: [\"docs/*\"]}\n\
                  levels:\n  - id: builder\n    name: Builder\n    requires: {substantial_prs: 1}\n";
    github.put_file(ORG_REPO, ".github/amp.yml", Some(config));
    app.deliver("installation", "i-1", &installed()).await;
    app.outbox_settled(3).await;
    // Level-ups wait for the org's first backfill (of an org with no history here).
    let backfills = app.store().backfills();
    crate::backfill::wait_for("the first backfill", async || backfills.finished_once("Codertocat").await.unwrap())
        .await;
    github.take_calls();

    // Documentation only: read, and not substantial. Code too: substantial, and bob moves up.
    github.put_pr_files(REPO, 21, &["docs/a.md", "docs/b.md"]);
    github.put_pr_files(REPO, 22, &["docs/a.md", "src/lib.rs"]);
    app.deliver("pull_request", "m-21", &merged(21)).await;
    app.settle().await;
    app.deliver("pull_request", "m-22", &merged(22)).await;
    let entries = app.outbox_settled(4).await;
    assert_eq!(entries.len(), 4, "one level-up: {entries:?}");
    assert_eq!(entries[3].planned.issue, 22);
    let calls: Vec<String> =
        github.take_calls().into_iter().map(|c| format!("{} {} {}", c.method, c.path, c.status)).collect();
    assert_eq!(
        calls,
        [
            "GET /repos/Codertocat/Hello-World/pulls/21/files 200",
            "GET /repos/Codertocat/Hello-World/pulls/22/files 200",
            "POST /repos/Codertocat/Hello-World/issues/22/comments 201",
        ]
    );
    let book = Ladders::new(Choice::default(), app.store().configs()).book().await.unwrap();
    let facts = app.store().people().facts_of(ORG_ID, 5002, &book.org(ORG_ID)).await.unwrap();
    let substantial = &facts.derived[&ladder_core::ladder::Metric::SubstantialPrs];
    assert_eq!(
        (substantial.value, substantial.evidence.as_slice()),
        (1, &["Codertocat/Hello-World#22".to_owned()][..])
    );

    // The same history judged by a ladder without path patterns: both count.
    let plain = ladder_core::ladder::config::parse("plain.yml", "substantial: {min_lines: 1}\n").unwrap();
    let facts = app.store().people().facts_of(ORG_ID, 5002, &plain).await.unwrap();
    assert_eq!(facts.derived[&ladder_core::ladder::Metric::SubstantialPrs].value, 2);

    // While GitHub has the installation wait (a hold from any replica), a merged PR's files are not
    // asked for: it is judged without them.
    let until = chrono::Utc::now() + chrono::Duration::seconds(30);
    app.store()
        .outbox()
        .hold(42, ladder_core::rate::Resource::Core, until, "GitHub rate-limited a comment on Codertocat/Hello-World")
        .await
        .unwrap();
    github.put_pr_files(REPO, 23, &["docs/c.md"]);
    app.deliver("pull_request", "m-23", &merged(23)).await;
    app.settle().await;
    assert_eq!(github.take_calls(), [], "nothing asked of a held installation");
    let facts = app.store().people().facts_of(ORG_ID, 5002, &book.org(ORG_ID)).await.unwrap();
    assert_eq!(facts.derived[&ladder_core::ladder::Metric::SubstantialPrs].value, 2, "#23 judged without its files");
    app.running.stop().await;
}
on_both_engines!(merged_prs_changing_only_mechanical_paths_are_not_substantial);

async fn precedence_of_local_org_and_repository_configs(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    let store = db.store().await;
    let org = "command_prefix: /ladder\nbots: [helper]\n";
    store.configs().save_config(ORG_ID, "", org, "r1", chrono::Utc::now()).await.unwrap();
    store
        .configs()
        .save_config(ORG_ID, REPO, "readiness_comments: everyone\n", "r2", chrono::Utc::now())
        .await
        .unwrap();
    let helper = ladder_core::event::Account { id: 9, login: "helper".into(), account_type: Some("User".into()) };

    // The org's config, and the repository's override on top of it.
    let ladders = Ladders::new(Choice::default(), store.configs());
    let book = ladders.book().await.unwrap();
    assert_eq!((book.org(ORG_ID).command_prefix.as_str(), book.org(ORG_ID).bots.is_bot(&helper)), ("/ladder", true));
    assert_eq!(book.repo(ORG_ID, "codertocat/hello-world").readiness_comments, ReadinessComments::Everyone);

    // A new revision is read again; a dropped one gives way to the built-in ladder.
    store.configs().save_config(ORG_ID, "", "command_prefix: /mentor\n", "r3", chrono::Utc::now()).await.unwrap();
    assert_eq!(ladders.book().await.unwrap().org(ORG_ID).command_prefix, "/mentor");
    store.configs().drop_config(ORG_ID, "").await.unwrap();
    let book = ladders.book().await.unwrap();
    assert_eq!(book.org(ORG_ID).command_prefix, "/amp");
    assert_eq!(book.repo(ORG_ID, REPO).readiness_comments, ReadinessComments::Everyone, "the override stays");

    // LADDER_CONFIG overrides every org's config; LADDER_BOTS every bots list. Overrides still apply.
    store.configs().save_config(ORG_ID, "", org, "r1", chrono::Utc::now()).await.unwrap();
    let local = ladder_core::ladder::config::parse("local.yml", "command_prefix: /local\n").unwrap();
    let choice = Choice { local: Some(local), bots: Some(ladder_core::credit::Bots::from_list("someone-else")) };
    let book = Ladders::new(choice, store.configs()).book().await.unwrap();
    assert_eq!(book.org(ORG_ID).command_prefix, "/local");
    assert!(!book.org(ORG_ID).bots.is_bot(&helper));
    assert_eq!(book.repo(ORG_ID, REPO).command_prefix, "/local");
    assert_eq!(book.repo(ORG_ID, REPO).readiness_comments, ReadinessComments::Everyone);
}
on_both_engines!(precedence_of_local_org_and_repository_configs);

async fn configs_are_read_again_once_a_day(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = crate::sending::app_on(engine, &github).await;
    github.put_file(ORG_REPO, ".github/amp.yml", Some("admins: [alice]\n"));
    app.deliver("installation", "i-1", &installed()).await;
    app.outbox_settled(3).await;

    // What the install read just now is not read again the same day.
    let now = chrono::Utc::now();
    assert_eq!(
        ladder::outbound::resync::plan(&app.store().directory(), &app.store().outbox(), now).await.unwrap(),
        0,
        "read on install"
    );

    // Two days later, a change whose push the app never saw is read by the daily resync, planned once a day.
    let two_days = 2 * 86_400_000;
    let pool = app.db.pool().await;
    sqlx::query(&format!("UPDATE outbox SET created_at = created_at - {two_days}")).execute(&pool).await.unwrap();
    pool.close().await;
    github.put_file(ORG_REPO, ".github/amp.yml", Some("command_prefix: /ladder\n"));
    assert_eq!(ladder::outbound::resync::plan(&app.store().directory(), &app.store().outbox(), now).await.unwrap(), 3);
    assert_eq!(
        ladder::outbound::resync::plan(&app.store().directory(), &app.store().outbox(), now).await.unwrap(),
        0,
        "once a day"
    );
    let entries = app.outbox_settled(6).await;
    let keys: Vec<&str> = entries[3..].iter().map(|e| e.planned.key.as_str()).collect();
    let day = now.format("%Y-%m-%d");
    assert_eq!(
        keys,
        [
            format!("fetch:sync-{day}:codeowners:codertocat/hello-world"),
            format!("fetch:sync-{day}:org_config:codertocat/.github"),
            format!("fetch:sync-{day}:repo_config:codertocat/hello-world"),
        ]
    );
    let book = Ladders::new(Choice::default(), app.store().configs()).book().await.unwrap();
    assert_eq!(book.org(ORG_ID).command_prefix, "/ladder");

    // Uninstalled: nothing more is planned.
    let mut deleted = fixture_json("installation/deleted.json");
    deleted["installation"]["id"] = 42.into();
    app.deliver("installation", "i-2", deleted.to_string().as_bytes()).await;
    app.settle().await;
    assert_eq!(
        ladder::outbound::resync::plan(
            &app.store().directory(),
            &app.store().outbox(),
            now + chrono::Duration::days(1)
        )
        .await
        .unwrap(),
        0
    );
    app.running.stop().await;
}
on_both_engines!(configs_are_read_again_once_a_day);

async fn a_config_pushed_to_a_branch_is_checked_on_its_commit(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = crate::sending::app_on(engine, &github).await;
    let (bad, good) = ("2222222222222222222222222222222222222222", "3333333333333333333333333333333333333333");
    let broken = "command_prefix: /ladder\nlevels:\n  - id: one\n    requires: {hugs: 1}\n";
    github.put_file(ORG_REPO, ".github/amp.yml", Some("admins: [alice]\n"));
    github.put_file_at(ORG_REPO, ".github/amp.yml", bad, broken);
    github.put_file_at(REPO, ".github/amp.yml", good, "readiness_comments: off\n");

    // The org's config on a branch: checked at that commit, reported on it; nothing read or stored.
    app.deliver("push", "p-1", &push_to(ORG_REPO, 7, ("edit-ladder", bad), &[".github/amp.yml"])).await;
    let entries = app.outbox_settled(1).await;
    assert_eq!(entries[0].detail.as_deref(), Some("check run 7001: failure"));
    let calls = github.take_calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[1], get("/repos/Codertocat/.github/contents/.github/amp.yml", 200));
    assert_eq!((calls[2].method.as_str(), calls[2].path.as_str()), ("POST", "/repos/Codertocat/.github/check-runs"));
    let run = &calls[2].body;
    assert_eq!((run["name"].as_str(), run["head_sha"].as_str()), (Some("ladder config"), Some(bad)));
    assert_eq!((run["status"].as_str(), run["conclusion"].as_str()), (Some("completed"), Some("failure")));
    let annotation = &run["output"]["annotations"][0];
    assert_eq!((annotation["path"].as_str(), annotation["start_line"].as_u64()), (Some(".github/amp.yml"), Some(4)));
    assert!(annotation["message"].as_str().unwrap().contains("unknown metric `hugs`"), "{annotation}");
    assert!(app.store().configs().config_revisions().await.unwrap().is_empty(), "a branch's config never takes effect");

    // A repository's override on a branch; the same push delivered again checks nothing twice.
    let override_push = push_to(REPO, 1296269, ("quiet", good), &[".github/amp.yml"]);
    app.deliver("push", "p-2", &override_push).await;
    app.deliver("push", "p-2", &override_push).await;
    let entries = app.outbox_settled(2).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].detail.as_deref(), Some("check run 7002: success"));
    app.running.stop().await;
}
on_both_engines!(a_config_pushed_to_a_branch_is_checked_on_its_commit);

/// A push that adds, changes or removes a RELEASING.md or CONTRIBUTING.md reads which one the
/// repository has now, and next steps link that one.
async fn a_push_keeps_the_release_guide_current(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = crate::sending::app_on(engine, &github).await;
    let guides = || async { app.store().backfills().release_guides(ORG_ID).await.unwrap() };
    let link = |path: &str| format!("https://github.com/{REPO}/blob/HEAD/{path}");

    github.put_file(REPO, ".github/CONTRIBUTING.md", Some("# Contributing\n"));
    assert_eq!(app.deliver("push", "p-1", &push(REPO, 1296269, 1, &[".github/CONTRIBUTING.md"])).await.0, 202);
    let entries = app.outbox_settled(1).await;
    assert_eq!(details(&entries, "fetch"), ["release guide .github/CONTRIBUTING.md"]);
    let calls = summary(github.take_calls().into_iter().skip(1).collect());
    let tried = ["RELEASING.md 404", ".github/RELEASING.md 404", "CONTRIBUTING.md 404", ".github/CONTRIBUTING.md 200"];
    assert_eq!(calls, tried.map(|t| format!("GET /repos/{REPO}/contents/{t}")), "in order of preference");
    assert_eq!(guides().await.get(REPO), Some(&link(".github/CONTRIBUTING.md")));

    // A RELEASING.md comes first; a push that touches neither reads nothing.
    github.put_file(REPO, "RELEASING.md", Some("# Releasing\n"));
    app.deliver("push", "p-2", &push(REPO, 1296269, 2, &["RELEASING.md"])).await;
    app.deliver("push", "p-3", &push(REPO, 1296269, 3, &["docs/RELEASING.md"])).await;
    let entries = app.outbox_settled(2).await;
    assert_eq!(details(&entries, "fetch").last(), Some(&"release guide RELEASING.md"));
    assert_eq!(guides().await.get(REPO), Some(&link("RELEASING.md")));

    // Both removed: nothing to link.
    github.put_file(REPO, "RELEASING.md", None);
    github.put_file(REPO, ".github/CONTRIBUTING.md", None);
    app.deliver("push", "p-4", &push(REPO, 1296269, 4, &["RELEASING.md", ".github/CONTRIBUTING.md"])).await;
    let entries = app.outbox_settled(3).await;
    assert_eq!(details(&entries, "fetch").last(), Some(&"no release guide"));
    assert_eq!(guides().await.get(REPO), None);
    app.running.stop().await;
}

on_both_engines!(a_push_keeps_the_release_guide_current);
