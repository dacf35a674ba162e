//! Backfill against the fake GitHub's GraphQL API, over a generated org history: it records exactly
//! the signals the same history's webhooks produced (and the same `ladder status --json` for every
//! person), survives a crash mid-run by resuming from its checkpoints, waits out rate limits and 502s,
//! adds nothing when run again, and posts nothing on GitHub.

use std::sync::Arc;
use std::time::Duration;

use ladder::backfill::progress::Lines;
use ladder::backfill::run::Settings;
use ladder::backfill::{Backfill, BackfillError};
use ladder::github::history::Reader;
use ladder::store::backfills::Selection;
use sqlx::Row;

use crate::on_both_engines;
use crate::support::github::{FakeGitHub, GraphqlTrouble, READ_TOKEN};
use crate::support::org::{self, ORG, Org, Size};
use crate::support::{App, Engine, TestDb, ladder_command};

on_both_engines!(backfill_records_what_the_webhooks_did);

pub(crate) fn settings(lease: Duration) -> Settings {
    Settings {
        holder: "test".into(),
        lease,
        retry_base: Duration::from_millis(10),
        attempts: 6,
        rounds: 2,
        in_flight: 1,
    }
}

/// A run with a 60 s lease.
pub(crate) fn backfill<'a>(reader: &'a Reader, store: &ladder::store::Store) -> Backfill<'a> {
    Backfill {
        reader,
        store: store.backfills(),
        progress: &Lines,
        settings: settings(Duration::from_secs(60)),
        gate: None,
    }
}

pub(crate) fn selection() -> Selection {
    Selection { owner: ORG.1.into(), repo: None, since: None }
}

/// Every signal, one line each, in identity order; `paths` aside (webhooks in dry-run cannot read a
/// merged PR's files; backfill reads them with the PR), and a renamed label's name as webhooks told it
/// (GraphQL tells its current name; the identity, by label id, is the same).
pub(crate) async fn signal_lines(db: &TestDb) -> Vec<String> {
    let pool = db.pool().await;
    let rows = sqlx::query(
        "SELECT kind, identity, org_id, org_login, repo_id, repo_name, repo_private, subject_number, \
            subject_is_pr, subject_author_id, subject_author_login, subject_author_type, \
            subject_author_association, actor_id, actor_login, actor_type, occurred_at, data \
         FROM signals ORDER BY kind, identity",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| {
            let mut data: serde_json::Value = serde_json::from_str(&r.get::<String, _>("data")).unwrap();
            if let Some(map) = data.as_object_mut() {
                map.remove("paths");
                if map.get("label").and_then(|l| l.as_str()) == Some(org::RENAMED.1) {
                    map.insert("label".into(), org::RENAMED.0.into());
                }
            }
            let text = |c: &str| r.get::<Option<String>, _>(c).unwrap_or_default();
            let num = |c: &str| r.get::<Option<i64>, _>(c).map_or("-".to_owned(), |n| n.to_string());
            format!(
                "{} {} org={}/{} repo={}/{}/{} subject={}/{}/{}/{}/{}/{} actor={}/{}/{} at={} {data}",
                text("kind"),
                text("identity"),
                num("org_id"),
                text("org_login"),
                num("repo_id"),
                text("repo_name"),
                num("repo_private"),
                num("subject_number"),
                num("subject_is_pr"),
                num("subject_author_id"),
                text("subject_author_login"),
                text("subject_author_type"),
                text("subject_author_association"),
                num("actor_id"),
                text("actor_login"),
                text("actor_type"),
                num("occurred_at")
            )
        })
        .collect()
}

/// Sends every webhook of the history to `app` (eight connections at once) and waits for the worker.
pub(crate) async fn deliver_all(app: &App, org: &Org) {
    let hooks = org.webhooks();
    let chunks: Vec<Vec<_>> = hooks.chunks(hooks.len().div_ceil(8)).map(<[_]>::to_vec).collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let http = crate::support::Http::new(app.addr());
        tasks.push(tokio::spawn(async move {
            for (event, id, payload) in chunk {
                let body = payload.to_string().into_bytes();
                let (status, reply) = http.post_webhook(&crate::support::signed_headers(event, &id, &body), body).await;
                assert_eq!(status, 202, "{event} {id}: {reply}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Some 19,000 deliveries: on a loaded 2-core machine the worker needs a while.
    app.settle_within(Duration::from_secs(600)).await;
}

/// `ladder status --json` without its next steps: they come from the open work GitHub shows now,
/// which a backfill reads afresh, while these tests compare what happened.
fn status_json(db: &TestDb, login: &str) -> String {
    let out = ladder_command(&db.url).args(["status", login, "--org", ORG.1, "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stdout = match serde_json::from_str::<serde_json::Value>(&stdout) {
        Ok(mut json) => {
            json.as_object_mut().map(|o| o.remove("next_steps"));
            json.to_string()
        }
        Err(_) => stdout.into_owned(),
    };
    stdout + &String::from_utf8_lossy(&out.stderr)
}

async fn backfill_records_what_the_webhooks_did(engine: Engine) {
    let history = Arc::new(Org::generate(42, Size { repos: 3, prs: 2000, issues: 1000 }));
    let census = org::census(&history);
    assert!(census["reviews"] >= 5000 && census["dismissed"] > 0, "{census:?}");
    // Review comments (REST, 100 a page) fill several pages in each repository.
    assert!(census["review_comments"] > 3 * 300, "{census:?}");

    let webhooks = App::start(engine).await;
    deliver_all(&webhooks, &history).await;

    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();

    // A run that crashes part-way (its task dropped, its lease left to expire) after some pages...
    github.graphql_latency(Duration::from_millis(3));
    let crashing = Backfill {
        reader: &reader,
        store: store.backfills(),
        progress: &Lines,
        settings: settings(Duration::from_millis(300)),
        gate: None,
    };
    let all = selection();
    let run = crashing.run(&all);
    tokio::select! {
        result = run => panic!("the run ended before it was interrupted: {result:?}"),
        () = async {
            while db.scalar("SELECT COUNT(*) FROM backfill_checkpoints").await < 2 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        } => {}
    }
    let partial = db.scalar("SELECT COUNT(*) FROM signals").await;
    assert!(partial > 0, "the interrupted run committed pages");
    github.graphql_latency(Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(400)).await;

    // ...is resumed, through 502s, a rate limit and follow-up pages returned short, by the next one.
    github.short_follow_ups(3);
    github.graphql_trouble(&[
        GraphqlTrouble::BadGateway,
        GraphqlTrouble::RateLimited { reset_in: 1 },
        GraphqlTrouble::BadGateway,
    ]);
    let backfill = backfill(&reader, &store);
    let summary = backfill.run(&selection()).await.expect("backfill");
    assert!(summary.resumed, "{summary:?}");
    assert!(summary.failed.is_empty(), "{summary:?}");

    let from_webhooks = signal_lines(&webhooks.db).await;
    let from_backfill = signal_lines(&db).await;
    assert!(from_webhooks.len() > 15_000, "{} signals", from_webhooks.len());
    let only_webhooks: Vec<_> = from_webhooks.iter().filter(|l| !from_backfill.contains(l)).take(5).collect();
    let only_backfill: Vec<_> = from_backfill.iter().filter(|l| !from_webhooks.contains(l)).take(5).collect();
    assert!(
        only_webhooks.is_empty() && only_backfill.is_empty() && from_webhooks.len() == from_backfill.len(),
        "webhooks {} vs backfill {} signals\nonly from webhooks: {only_webhooks:#?}\nonly from backfill: {only_backfill:#?}",
        from_webhooks.len(),
        from_backfill.len()
    );
    for kind in [
        "release_published",
        "discussion_answered",
        "review_approved",
        "triage_closed",
        "issue_comment",
        "review_comment",
    ] {
        let n = db.scalar(&format!("SELECT COUNT(*) FROM signals WHERE kind = '{kind}'")).await;
        assert!(n > 10, "{n} {kind} signals");
    }
    // A label renamed since it was put on is one fact, named by its id, however each side calls it.
    let renamed =
        format!("SELECT COUNT(*) FROM signals WHERE kind = 'triage_labeled' AND data LIKE '%{}%'", org::RENAMED.1);
    assert!(db.scalar(&renamed).await > 10, "backfill read the renamed label's new name");
    let by_name = "SELECT COUNT(*) FROM signals WHERE kind = 'triage_labeled' AND identity NOT LIKE '%:label-id=%'";
    assert_eq!(db.scalar(by_name).await + webhooks.db.scalar(by_name).await, 0, "every label fact is named by id");
    // Merged PRs carry the paths they changed, all of them (one PR changed 130 files).
    let most_paths = db.scalar("SELECT MAX(LENGTH(data)) FROM signals WHERE kind = 'pr_merged'").await;
    assert!(most_paths > 130 * 15, "the longest merged PR's data is {most_paths} bytes");
    // Nested lists longer than a page, and the short ones, were finished with follow-up queries.
    let calls = github.graphql_calls();
    for op in ["PullRequestReviews", "PullRequestTimeline", "PullRequestFiles"] {
        assert!(calls.iter().any(|c| c == op), "no {op} follow-up among {} queries", calls.len());
    }
    // An issue's timeline longer than a page was read whole, and every short follow-up page again.
    assert!(history.items.iter().any(|i| !i.is_pr && i.steps.len() > 100), "a long issue timeline");
    assert!(calls.iter().any(|c| c == "IssueTimeline"), "no IssueTimeline follow-up");
    assert_eq!(github.short_follow_ups_left(), 0);
    // Every query asked for node ids in GitHub's current format, one at a time.
    assert_eq!(github.graphql_without_next_global_ids(), 0);
    assert_eq!(github.most_history_reads_at_once(), 1);

    for person in history.people.iter().filter(|p| !p.bot) {
        assert_eq!(status_json(&webhooks.db, &person.login), status_json(&db, &person.login), "{}", person.login);
    }

    // Again: nothing new, and nothing was posted on GitHub by either run.
    let before = db.scalar("SELECT COUNT(*) FROM signals").await;
    let again = backfill.run(&selection()).await.expect("second backfill");
    assert!(!again.resumed && again.signals > 0, "{again:?}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals").await, before);
    let writes: Vec<_> = github.take_calls().into_iter().filter(|c| c.method != "GET").collect();
    assert!(writes.is_empty(), "backfill wrote to GitHub: {writes:?}");
    assert!(store.backfills().finished_once(ORG.1).await.unwrap());
}

on_both_engines!(label_facts_recorded_by_name_are_upgraded_not_doubled);

/// A store written before labels were named by id holds label facts named by the label's name; a
/// backfill telling the same facts by id renames them in place: no fact counts twice, and everyone's
/// status stays as it was.
async fn label_facts_recorded_by_name_are_upgraded_not_doubled(engine: Engine) {
    // No rename here: a fact recorded by a name the label has since lost cannot be matched (see
    // `ladder_core::signal::label_identity_by_name`).
    let mut history = Org::generate(9, Size { repos: 1, prs: 30, issues: 40 });
    history.renamed = None;
    let history = Arc::new(history);
    let webhooks = App::start(engine).await;
    deliver_all(&webhooks, &history).await;
    let db = &webhooks.db;
    let labeled = "SELECT COUNT(*) FROM signals WHERE kind = 'triage_labeled'";
    let facts = db.scalar(labeled).await;
    assert!(facts > 10, "{facts} label facts");
    // The label facts as the store held them before: identity by name, no id in the data.
    let pool = db.pool().await;
    let rows = sqlx::query("SELECT seq, identity, data FROM signals WHERE kind = 'triage_labeled'")
        .fetch_all(&pool)
        .await
        .unwrap();
    for row in &rows {
        let mut data: serde_json::Value = serde_json::from_str(&row.get::<String, _>("data")).unwrap();
        let id = data["label_id"].as_i64().unwrap();
        data.as_object_mut().unwrap().remove("label_id");
        let name = data["label"].as_str().unwrap().to_owned();
        let identity = row.get::<String, _>("identity").replace(&format!(":label-id={id}:"), &format!(":{name}:"));
        sqlx::query("UPDATE signals SET identity = $1, data = $2 WHERE seq = $3")
            .bind(identity)
            .bind(data.to_string())
            .bind(row.get::<i64, _>("seq"))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let people: Vec<_> = history.people.iter().filter(|p| !p.bot).map(|p| p.login.clone()).collect();
    let before: Vec<String> = people.iter().map(|login| status_json(db, login)).collect();

    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let summary = backfill(&reader, &store).run(&selection()).await.expect("backfill");
    assert!(summary.failed.is_empty(), "{summary:?}");

    assert_eq!(db.scalar(&format!("{labeled} AND identity NOT LIKE '%:label-id=%'")).await, 0, "all upgraded");
    assert_eq!(db.scalar(labeled).await, facts, "label facts after the backfill");
    let after: Vec<String> = people.iter().map(|login| status_json(db, login)).collect();
    assert_eq!(after, before);
}

on_both_engines!(review_comments_on_pull_requests_no_page_showed_name_their_author);

/// A review comment on a pull request no page of pull requests showed (one opened after they were
/// read) is recorded on its pull request as GitHub tells it now: the same signal its webhook made.
async fn review_comments_on_pull_requests_no_page_showed_name_their_author(engine: Engine) {
    let history = Arc::new(Org::generate(5, Size { repos: 1, prs: 40, issues: 0 }));
    let webhooks = App::start(engine).await;
    deliver_all(&webhooks, &history).await;
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    github.hide_pulls(true);
    // One comment is on a pull request GitHub cannot find: it credits no one, and fails nothing.
    github.orphan_review_comment(true);
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let run = backfill(&reader, &store);
    let summary = run.run(&selection()).await.expect("backfill");
    assert!(summary.failed.is_empty(), "{summary:?}");

    let comments = |lines: Vec<String>| -> Vec<String> {
        lines.into_iter().filter(|l| l.starts_with("review_comment ")).collect()
    };
    let expected = comments(signal_lines(&webhooks.db).await);
    assert!(expected.len() >= 10, "{} review comments", expected.len());
    assert_eq!(comments(signal_lines(&db).await), expected);
    let commented: std::collections::HashSet<i64> = history
        .items
        .iter()
        .filter(|i| i.steps.iter().any(|(_, s)| matches!(s, org::Step::ReviewComment { .. })))
        .map(|i| i.number)
        .collect();
    let asked = github.graphql_calls().iter().filter(|c| c.as_str() == "PullRequestAuthor").count();
    assert_eq!(asked, commented.len() + 1, "one question per pull request, none for pull requests already known");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM signals WHERE identity = '999999'").await, 0);
}

on_both_engines!(backfill_keeps_every_codeowners_revision);

/// Every revision of each repository's `CODEOWNERS` files is kept with its commit date and text,
/// across pages (one file changed 130 times) and removals; a second run keeps nothing twice.
async fn backfill_keeps_every_codeowners_revision(engine: Engine) {
    let history = Arc::new(Org::generate(3, Size { repos: 2, prs: 10, issues: 5 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let run = backfill(&reader, &store);
    run.run(&selection()).await.expect("backfill");

    let expected: std::collections::BTreeSet<String> = history
        .codeowners
        .iter()
        .flat_map(|c| {
            let repo = history.repos[c.repo].0;
            c.revisions
                .iter()
                .map(move |(oid, t, text)| format!("{repo} {} {oid} {} {text:?}", c.path, t.timestamp() * 1000))
        })
        .collect();
    let stored = async || -> Vec<String> {
        let pool = db.pool().await;
        let rows = sqlx::query("SELECT repo_id, path, oid, committed_at, text FROM codeowners_revisions")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows.iter()
            .map(|r| {
                let (repo, path, oid) = (r.get::<i64, _>(0), r.get::<String, _>(1), r.get::<String, _>(2));
                format!("{repo} {path} {oid} {} {:?}", r.get::<i64, _>(3), r.get::<Option<String>, _>(4))
            })
            .collect()
    };
    let first = stored().await;
    assert_eq!(expected.len(), 2 * 4 + 130);
    assert_eq!(first.iter().cloned().collect::<std::collections::BTreeSet<_>>(), expected);
    assert_eq!(first.len(), expected.len(), "each revision once");
    assert!(first.iter().any(|r| r.ends_with(" None")), "removals are kept");
    assert!(github.graphql_calls().iter().any(|c| c == "CodeownersHistory"), "the long history was paged");
    // Read with the revisions: where each repository says how it makes releases, in order of preference.
    let guides = store.backfills().release_guides(org::ORG.0).await.unwrap();
    let want: std::collections::BTreeMap<String, String> = [(
        format!("{}/{}", org::ORG.1, history.repos[0].1),
        format!("https://github.com/{}/{}/blob/HEAD/.github/RELEASING.md", org::ORG.1, history.repos[0].1),
    )]
    .into();
    assert_eq!(guides, want, "the second repository says nowhere");

    run.run(&selection()).await.expect("again");
    assert_eq!(stored().await.len(), expected.len());
}

on_both_engines!(serve_backfills_a_new_installation_and_repositories_added_later);

pub fn installation_payload(action: &str, repos: &[(i64, String)]) -> Vec<u8> {
    let account = serde_json::json!({"id": ORG.0, "login": ORG.1, "type": "Organization"});
    let list: Vec<_> = repos
        .iter()
        .map(|(id, name)| serde_json::json!({"id": id, "full_name": format!("{}/{name}", ORG.1), "private": false}))
        .collect();
    let mut payload = serde_json::json!({"action": action, "installation": {"id": 77, "account": account},
                                         "sender": {"id": 100, "login": "person0", "type": "User"}});
    let key = if action == "added" { "repositories_added" } else { "repositories" };
    payload[key] = list.into();
    if action == "added" {
        payload["repositories_removed"] = serde_json::json!([]);
        payload["repository_selection"] = "selected".into();
    }
    payload.to_string().into_bytes()
}

pub async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !done().await {
        assert!(std::time::Instant::now() < deadline, "{what} did not happen within 2 minutes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn serve_backfills_a_new_installation_and_repositories_added_later(engine: Engine) {
    let history = Arc::new(Org::generate(7, Size { repos: 3, prs: 240, issues: 120 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let app = crate::sending::backfilling_app_on(engine, &github).await;
    let store = app.store().clone();

    // Installed on two of the three repositories: those two are backfilled, the third is not.
    let (status, _) =
        app.deliver("installation", "install-1", &installation_payload("created", &history.repos[..2])).await;
    assert_eq!(status, 202);
    wait_for("the first backfill", async || store.backfills().finished_once(ORG.1).await.unwrap()).await;
    let paged = store.backfills().paged_repositories(ORG.1).await.unwrap();
    assert_eq!(paged.len(), 2, "{paged:?}");
    let third = format!("{}/{}", ORG.1, history.repos[2].1);
    assert!(!paged.contains(&third));
    let in_repo = |name: String| format!("SELECT COUNT(*) FROM signals WHERE repo_name = '{name}'");
    assert_eq!(app.db.scalar(&in_repo(third.clone())).await, 0);
    let first_two = app.db.scalar("SELECT COUNT(*) FROM signals").await;
    assert!(first_two > 500, "{first_two} signals");

    // The third repository added later is backfilled too; the first two are not paged again.
    let before = github.graphql_calls().iter().filter(|c| c.as_str() == "PullRequests").count();
    let (status, _) =
        app.deliver("installation_repositories", "added-1", &installation_payload("added", &history.repos[2..])).await;
    assert_eq!(status, 202);
    wait_for("the added repository's backfill", async || {
        store.backfills().paged_repositories(ORG.1).await.unwrap().contains(&third)
    })
    .await;
    wait_for("its lease released", async || {
        store.backfills().status().await.unwrap().iter().all(|r| r.holder.is_none())
    })
    .await;
    assert!(app.db.scalar(&in_repo(third)).await > 0);
    let pages: Vec<_> = github.graphql_calls().into_iter().filter(|c| c.as_str() == "PullRequests").collect();
    let third_pages = history.items.iter().filter(|i| i.is_pr && i.repo == 2).count().div_ceil(50);
    assert_eq!(pages.len() - before, third_pages, "only the added repository's pull requests were paged");

    // History is recorded, not announced: nothing was posted for it.
    let posted: Vec<_> =
        github.take_calls().into_iter().filter(|c| c.method == "POST" && c.path.contains("/issues/")).collect();
    assert!(posted.is_empty(), "{posted:?}");
}

on_both_engines!(one_backfill_of_an_org_runs_at_a_time_however_long_it_waits);

/// A run keeps its lease while it waits on GitHub longer than the lease lasts: a second run of the
/// same org (another replica, or the command line) is refused as busy, names the holder, and runs
/// once the first is done. Two runs never share a holder's name.
async fn one_backfill_of_an_org_runs_at_a_time_however_long_it_waits(engine: Engine) {
    let history = Arc::new(Org::generate(8, Size { repos: 1, prs: 10, issues: 5 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    github.graphql_latency(Duration::from_millis(900));
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let lease = Duration::from_millis(300);
    let run = |holder: &str| Backfill {
        reader: &reader,
        store: store.backfills(),
        progress: &Lines,
        settings: Settings { holder: holder.into(), ..settings(lease) },
        gate: None,
    };
    let (first, second) = (run("replica a"), run("replica b"));
    let all = selection();
    let first_run = first.run(&all);
    tokio::pin!(first_run);
    // Three leases into the first run's wait for its first answer, the second is refused.
    tokio::select! {
        result = &mut first_run => panic!("the first run ended early: {result:?}"),
        () = tokio::time::sleep(lease * 3) => {}
    }
    match second.run(&all).await {
        Err(BackfillError::Busy { holder, .. }) => assert_eq!(holder, "replica a"),
        other => panic!("the second run was not refused: {other:?}"),
    }
    let summary = first_run.await.expect("the first run");
    assert!(summary.failed.is_empty(), "{summary:?}");
    github.graphql_latency(Duration::ZERO);
    second.run(&all).await.expect("the second run, after the first");
    assert_ne!(Settings::default().holder, "pid 1");
    assert!(Settings::default().holder.contains(&format!("pid {}", std::process::id())));
}

on_both_engines!(level_ups_wait_for_an_installations_first_backfill_and_only_the_first);

/// What the planner reads about an org's history: recorded in dry-run and for an org `serve` will not
/// backfill; pending, with App credentials, from the installation until its first backfill finishes
/// (even before that backfill begins); recorded ever after, whatever later runs (a lost window, one
/// repository) are under way.
async fn level_ups_wait_for_an_installations_first_backfill_and_only_the_first(engine: Engine) {
    use ladder::pipeline::reads::{Live, Reads};
    use ladder_core::plan::readiness::History;

    let github = FakeGitHub::start().await;
    // Serve with App credentials, looking for orgs to backfill only once an hour: none begins here.
    let app = crate::sending::app_on(engine, &github).await;
    let store = app.store().clone();
    let key =
        octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&crate::support::fixture("../test-app-key.pem")).unwrap();
    let credentials = ladder::github::AppCredentials { app_id: crate::support::github::APP_ID, key };
    let client = Arc::new(ladder::github::GitHub::new(&github.url(), &credentials).unwrap());
    let (live, dry_run) = (
        Live::new(&store, ladder::github::AppClient::new(Some(client))),
        Live::new(&store, ladder::github::AppClient::new(None)),
    );
    assert_eq!(live.history(ORG.1).await.unwrap(), History::Recorded, "an org serve knows nothing of");

    let repos = [(7001, "site".to_owned())];
    assert_eq!(app.deliver("installation", "i-1", &installation_payload("created", &repos)).await.0, 202);
    app.settle().await;
    assert_eq!(live.history(ORG.1).await.unwrap(), History::Pending, "installed, not yet backfilled");
    assert_eq!(dry_run.history(ORG.1).await.unwrap(), History::Recorded, "dry-run backfills nothing");

    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let first = backfill(&reader, &store);
    first.run(&selection()).await.expect("first backfill");
    assert_eq!(live.history(ORG.1).await.unwrap(), History::Recorded);

    // A later run (a window reconcile found lost) begins and is interrupted: still recorded.
    let window = Selection { since: Some(chrono::Utc::now() - chrono::Duration::days(3)), ..selection() };
    let lease = Duration::from_secs(60);
    store.backfills().claim(&window, "later", chrono::Utc::now(), lease).await.unwrap();
    assert_eq!(store.backfills().last_run(ORG.1).await.unwrap().map(|r| r.finished), Some(false));
    assert_eq!(live.history(ORG.1).await.unwrap(), History::Recorded);
    app.running.stop().await;
}

on_both_engines!(a_run_with_another_selection_leaves_what_the_org_holds);

/// A run of one repository (or from a day) after the whole org's clears the checkpoints it resumes
/// by, not what the org's history holds: every repository stays paged, and a window of lost
/// deliveries stays due until a run over every repository from its start covers it.
async fn a_run_with_another_selection_leaves_what_the_org_holds(engine: Engine) {
    use ladder_core::history::due;

    let history = Arc::new(Org::generate(12, Size { repos: 3, prs: 30, issues: 15 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let backfills = store.backfills();
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let run = backfill(&reader, &store);
    run.run(&selection()).await.expect("whole org");
    assert_eq!(backfills.paged_repositories(ORG.1).await.unwrap().len(), 3);

    // To the millisecond, as the store keeps times.
    let now = ladder::store::from_millis(ladder::store::millis(chrono::Utc::now()));
    let window_start = now - chrono::Duration::days(5);
    backfills.lost(window_start, now).await.unwrap();
    let due_now = async || {
        let last = backfills.last_run(ORG.1).await.unwrap();
        due::due(last.as_ref(), backfills.lost_window().await.unwrap().as_ref(), false)
    };
    let window = Some(due::Due { since: Some(window_start), keep_done: false });
    assert_eq!(due_now().await, window);

    // One repository, then the org from a day ago: neither covers the window, nothing is unpaged.
    let one = Selection { repo: Some(format!("{}/{}", ORG.1, history.repos[1].1)), ..selection() };
    run.run(&one).await.expect("one repository");
    let recent = Selection { since: Some(now - chrono::Duration::days(1)), ..selection() };
    run.run(&recent).await.expect("the last day");
    assert_eq!(backfills.paged_repositories(ORG.1).await.unwrap().len(), 3);
    assert_eq!(due_now().await, window);

    // The window's own run covers it.
    run.run(&Selection { since: Some(window_start), ..selection() }).await.expect("the window");
    assert_eq!(due_now().await, None);
}

/// `ladder backfill` as a new user runs it: with a personal access token from a file, it prints a
/// summary (items, signals added, requests, points, time) and exits 0; `--status` shows the run;
/// the same command again adds nothing; a token file that is not there, or neither a token nor App
/// credentials, is a clear error; and `ladder reconcile` says it needs the App.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backfill_command_reads_with_a_token_and_says_what_it_did() {
    let history = Arc::new(Org::generate(13, Size { repos: 2, prs: 20, issues: 10 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let db = TestDb::new(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, format!("{READ_TOKEN}\n")).unwrap();
    let backfill = |args: &[&str]| {
        let mut cmd = ladder_command(&db.url);
        cmd.arg("backfill").args(args).args(["--github-api-url", &github.url()]);
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let token_arg = token.to_str().unwrap();
    let (code, out, err) = backfill(&["--org", ORG.1, "--token-file", token_arg]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    let added = db.scalar("SELECT COUNT(*) FROM signals").await;
    assert!(added > 100, "{added} signals");
    assert!(
        out.starts_with("backfill: 2 repositories, ") && out.contains(&format!(" signals read, {added} added, ")),
        "{out}"
    );
    assert!(out.contains(" requests, ") && out.contains(" points, ") && out.trim_end().ends_with(" s"), "{out}");

    let (code, out, _) = backfill(&["--status"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with(&format!("{} (*, all history): started ", ORG.1)) && out.contains(", finished "), "{out}");
    assert!(out.contains(&format!("{}/{} pulls: ", ORG.1, history.repos[0].1)), "{out}");

    let (code, out, _) = backfill(&["--org", ORG.1, "--token-file", token_arg]);
    assert_eq!(code, Some(0));
    assert!(out.contains(" 0 added, "), "{out}");

    let (code, _, err) = backfill(&["--org", ORG.1, "--token-file", "/nonexistent/token"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot read the token file /nonexistent/token; check the path"), "{err}");
    let (code, _, err) = backfill(&["--org", ORG.1]);
    assert_eq!(code, Some(1));
    assert!(err.contains("give --token-file FILE"), "{err}");
    let out = ladder_command(&db.url).arg("reconcile").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reconcile reads the App's deliveries from GitHub"));
}
