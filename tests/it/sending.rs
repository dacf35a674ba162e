//! Sending to GitHub: the real client against a fake GitHub on loopback. Token minting with a JWT the
//! fake verifies against the App's public key, replies posted call by call, a rate limit waited out (by
//! the whole installation, with writes paced) and a server error retried without posting twice, an
//! uninstalled installation failing cleanly, and nothing else called.

use std::time::{Duration, Instant};

use ladder::app::settings::ServeSettings;
use ladder::github::AppCredentials;
use ladder::store::outbox::Entry;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::github::{APP_ID, Call, FakeGitHub, Trouble};
use crate::support::{App, Engine, TestDb, fixture, fixture_json};

/// A comment by alice with `body`, on issue #1 of Codertocat/Hello-World, through `installation`.
pub(crate) fn comment(comment_id: i64, installation: i64, body: &str) -> Vec<u8> {
    comment_by((5001, "alice"), comment_id, installation, body)
}

fn comment_by((id, login): (i64, &str), comment_id: i64, installation: i64, body: &str) -> Vec<u8> {
    let mut payload = fixture_json("issue_comment/created.json");
    payload["comment"]["id"] = comment_id.into();
    payload["comment"]["user"] = json!({"id": id, "login": login, "type": "User"});
    payload["comment"]["body"] = body.into();
    payload["installation"] = json!({"id": installation});
    payload.to_string().into_bytes()
}

fn call(path: &str, auth: &'static str, status: u16, body: Value) -> Call {
    Call { method: "POST".into(), path: path.into(), auth, body, status }
}

const COMMENTS: &str = "/repos/Codertocat/Hello-World/issues/1/comments";

/// The app with App credentials, talking to `github`.
pub async fn app_on(engine: Engine, github: &FakeGitHub) -> App {
    paced_app_on(engine, github, Duration::ZERO).await
}

/// The app with App credentials, talking to `github`, starting writes at least `spacing` apart.
async fn paced_app_on(engine: Engine, github: &FakeGitHub, spacing: Duration) -> App {
    app_on_with(engine, github, |s| s.write_spacing = spacing).await
}

/// The app with App credentials, talking to `github`, looking for installations to backfill every
/// 200 ms.
pub async fn backfilling_app_on(engine: Engine, github: &FakeGitHub) -> App {
    app_on_with(engine, github, |s| s.backfill_every = Duration::from_millis(200)).await
}

async fn app_on_with(engine: Engine, github: &FakeGitHub, adjust: impl FnOnce(&mut ServeSettings)) -> App {
    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&fixture("../test-app-key.pem")).unwrap();
    let url = github.url();
    App::start_with(TestDb::new(engine).await, move |s| {
        s.credentials = Some(AppCredentials { app_id: APP_ID, key });
        s.github_api_url = url;
        adjust(s);
    })
    .await
}

async fn replies_are_sent_through_the_app_installation(engine: Engine) {
    let github = FakeGitHub::start().await;
    let app = app_on(engine, &github).await;
    let help = ladder_core::text::reply::help("/amp", "alice");
    let ladder_text = ladder_core::text::reply::ladder(&ladder_core::ladder::Ladder::builtin(), "alice");

    // A rate limit first: the dispatcher waits as asked, then posts once.
    github.trouble(&[Trouble::RateLimited { retry_after: 1 }]);
    let started = Instant::now();
    assert_eq!(app.deliver("issue_comment", "c-1", &comment(77, 42, "/amp help")).await.0, 202);
    let entries = app.outbox_settled(1).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for retry-after: {entries:?} {:?}",
        github.take_calls()
    );
    assert_eq!((entries[0].state.as_str(), entries[0].detail.as_deref()), ("sent", Some("comment 1001")));
    assert_eq!(
        github.take_calls(),
        [
            call("/app/installations/42/access_tokens", "jwt", 201, json!({})),
            call(COMMENTS, "token", 429, json!({"body": help})),
            call(COMMENTS, "token", 201, json!({"body": help})),
        ]
    );

    // A server error: tried again after a wait, looking first whether GitHub posted it anyway (it did
    // not), then posted once; the installation token is reused.
    github.trouble(&[Trouble::ServerError]);
    assert_eq!(app.deliver("issue_comment", "c-2", &comment(78, 42, "/amp ladder")).await.0, 202);
    let entries = app.outbox_settled(2).await;
    assert_eq!(entries[1].state, "sent");
    let get =
        |path: &str, auth, status| Call { method: "GET".into(), path: path.into(), auth, body: Value::Null, status };
    assert_eq!(
        github.take_calls(),
        [
            call(COMMENTS, "token", 502, json!({"body": ladder_text})),
            get("/app", "jwt", 200),
            get(COMMENTS, "token", 200),
            call(COMMENTS, "token", 201, json!({"body": ladder_text}))
        ]
    );

    // GitHub posts the comment, then answers 502 all the same: the retry finds it and posts nothing.
    github.trouble(&[Trouble::CreatedThenFailed]);
    assert_eq!(app.deliver("issue_comment", "c-2b", &comment(82, 42, "/amp help")).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert_eq!(entries[2].state, "sent");
    assert!(entries[2].detail.as_deref().unwrap().ends_with("(an earlier attempt had posted it)"), "{:?}", entries[2]);
    assert_eq!(github.take_calls(), [call(COMMENTS, "token", 502, json!({"body": help})), get(COMMENTS, "token", 200)]);
    assert_eq!(github.comments(COMMENTS).iter().filter(|c| **c == help).count(), 2, "the first reply and this one");

    // The App was uninstalled from installation 43 while the delivery waited: the action fails with
    // GitHub's reason, and nothing else is tried.
    github.uninstall(43);
    assert_eq!(app.deliver("issue_comment", "c-3", &comment(79, 43, "/amp help")).await.0, 202);
    let entries = app.outbox_settled(4).await;
    assert_eq!(entries[3].state, "failed");
    assert!(entries[3].detail.as_deref().unwrap().contains("refused the installation token"), "{:?}", entries[3]);
    assert_eq!(github.take_calls(), [call("/app/installations/43/access_tokens", "jwt", 404, json!({}))]);

    let (status, metrics) = app.http.get("/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "ladder_actions_total{kind=\"comment\",outcome=\"sent\"} 3",
        "ladder_actions_total{kind=\"comment\",outcome=\"retried\"} 3",
        "ladder_actions_total{kind=\"comment\",outcome=\"rate_limited\"} 1",
        "ladder_actions_total{kind=\"comment\",outcome=\"failed\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }

    // A reply GitHub accepts while saying the budget is spent: the next one waits for the reset rather
    // than being refused.
    github.trouble(&[Trouble::Spent { reset_in: 2 }]);
    assert_eq!(app.deliver("issue_comment", "c-4", &comment(80, 42, "/amp help")).await.0, 202);
    assert_eq!(app.deliver("issue_comment", "c-5", &comment(81, 42, "/amp ladder")).await.0, 202);
    let entries = app.outbox_settled(6).await;
    assert!(entries[4..].iter().all(|e| e.state == "sent"), "{entries:?}");
    let calls = github.take_timed_calls();
    let statuses: Vec<(&str, u16)> = calls.iter().map(|(_, c)| (c.path.as_str(), c.status)).collect();
    assert_eq!(statuses, [(COMMENTS, 201), (COMMENTS, 201)], "nothing sent to be refused");
    assert!(calls[1].0 - calls[0].0 >= Duration::from_secs(1), "waited for the reset: {:?}", calls[1].0 - calls[0].0);

    // Redelivering the first comment sends nothing.
    assert_eq!(app.deliver("issue_comment", "c-1-again", &comment(77, 42, "/amp help")).await.0, 202);
    app.settle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(github.take_calls(), [], "nothing unexpected was called");
    app.running.stop().await;
}

on_both_engines!(replies_are_sent_through_the_app_installation);

/// A rate limit holds the whole installation: its other actions, claimed with the limited one or
/// arriving meanwhile, wait too (shown by `ladder outbox`), nothing is asked of GitHub for it meanwhile
/// (a permission read is not sent), another installation's actions go on at once, and writes are
/// `SPACING` apart.
async fn a_rate_limit_holds_the_installation_and_writes_are_paced(engine: Engine) {
    const SPACING: Duration = Duration::from_millis(300);
    let github = FakeGitHub::start().await;
    let app = paced_app_on(engine, &github, SPACING).await;
    let help = ladder_core::text::reply::help("/amp", "alice");
    let ladder_text = ladder_core::text::reply::ladder(&ladder_core::ladder::Ladder::builtin(), "alice");

    github.trouble(&[Trouble::RateLimited { retry_after: 3 }]);
    let two = comment(77, 42, "/amp help\n/amp ladder");
    assert_eq!(app.deliver("issue_comment", "h-1", &two).await.0, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    let hold = loop {
        if let Some(hold) = app.store().outbox().holds(chrono::Utc::now()).await.unwrap().pop() {
            break hold;
        }
        assert!(Instant::now() < deadline, "no hold: {:?}", app.store().outbox().list(10).await.unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let held_at = Instant::now();
    assert_eq!(hold.installation_id, 42);
    assert_eq!(hold.reason, "GitHub rate-limited a comment on Codertocat/Hello-World");

    // Installation 44 is not held: its reply goes out while 42 waits.
    assert_eq!(app.deliver("issue_comment", "h-2", &comment(78, 44, "/amp help")).await.0, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.store().outbox().list(10).await.unwrap().iter().all(|e| e.state != "sent") {
        assert!(Instant::now() < deadline, "installation 44 waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Installation 42's next replies wait for the hold, and `ladder outbox` says so. Erin's permission
    // is not asked of GitHub meanwhile: she is asked to try again.
    assert_eq!(app.deliver("issue_comment", "h-3", &comment(79, 42, "/amp ladder")).await.0, 202);
    let erin = comment_by((5005, "erin"), 80, 42, "/amp enroll @bob");
    assert_eq!(app.deliver("issue_comment", "h-4", &erin).await.0, 202);
    app.settle().await;
    let out = crate::support::ladder_command(&app.db.url).args(["outbox", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(held_at.elapsed() < Duration::from_secs(3), "the check came too late to see the hold");
    let held: Vec<(&Value, &Value)> = listed.iter().map(|e| (&e["state"], &e["held_until"])).collect();
    let (pending, sent) = ((&json!("pending"), &json!(hold.until.to_rfc3339())), (&json!("sent"), &Value::Null));
    assert_eq!(held, [pending, pending, sent, pending, pending]);

    let entries = app.outbox_settled(5).await;
    assert!(entries.iter().all(|e| e.state == "sent"), "{entries:?}");
    let calls = github.take_timed_calls();
    let comment_call = |status, body: &str| call(COMMENTS, "token", status, json!({"body": body}));
    assert_eq!(
        calls.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        [
            call("/app/installations/42/access_tokens", "jwt", 201, json!({})),
            comment_call(429, &help),
            call("/app/installations/44/access_tokens", "jwt", 201, json!({})),
            comment_call(201, &help),
            comment_call(201, &help),
            comment_call(201, &ladder_text),
            comment_call(201, &ladder_text),
            comment_call(201, &ladder_core::text::reply::unchecked("/amp", "erin", "enroll")),
        ]
    );
    let limited = calls[1].0;
    for (at, c) in &calls[4..] {
        assert!(*at >= limited + Duration::from_secs(3), "written to installation 42 during its hold: {c:?}");
    }
    let writes: Vec<Instant> = calls.iter().filter(|(_, c)| c.path == COMMENTS).map(|(at, _)| *at).collect();
    for pair in writes.windows(2) {
        assert!(pair[1] - pair[0] >= SPACING, "writes {:?} apart", pair[1] - pair[0]);
    }
    app.running.stop().await;
}

on_both_engines!(a_rate_limit_holds_the_installation_and_writes_are_paced);

fn sent(entry: &Entry) -> &str {
    assert_eq!(entry.state, "sent", "{entry:?}");
    match &entry.planned.action {
        ladder_core::plan::action::Action::Comment { body }
        | ladder_core::plan::action::Action::Sticky { body, .. } => body,
        other => panic!("not a comment: {other:?}"),
    }
}

async fn enrolment_is_checked_against_github(engine: Engine) {
    let github = FakeGitHub::start().await;
    github.grant("alice", "write");
    github.grant("carol", "read");
    let app = app_on(engine, &github).await;
    let permission = |login: &str, status| Call {
        method: "GET".into(),
        path: format!("/repos/Codertocat/Hello-World/collaborators/{login}/permission"),
        auth: "token",
        body: Value::Null,
        status,
    };

    // Carol can only read the repository: refused, politely, and nothing recorded.
    let carol = comment_by((5003, "carol"), 80, 42, "/amp enroll @bob");
    assert_eq!(app.deliver("issue_comment", "e-1", &carol).await.0, 202);
    let entries = app.outbox_settled(1).await;
    let refusal =
        "@carol, only program admins and maintainers of this repository may run `/amp enroll`, so I have not done it.";
    assert_eq!(sent(&entries[0]), refusal);
    let calls = github.take_calls();
    assert_eq!(calls[1], permission("carol", 200));
    assert_eq!((calls.len(), calls[2].path.as_str()), (3, COMMENTS));
    let org = app.store().directory().orgs().await.unwrap()[0].id;
    assert_eq!(app.store().people().enrolment(org, "bob").await.unwrap(), None);

    // Alice can write: Bob is enrolled with his mentor and cohort; her permission is then reused.
    let enrol = comment(81, 42, "/amp enroll @Bob mentor @dana cohort 2026");
    assert_eq!(app.deliver("issue_comment", "e-2", &enrol).await.0, 202);
    let entries = app.outbox_settled(2).await;
    assert_eq!(
        sent(&entries[1]),
        "@alice, **Bob** is now enrolled in the maintainership program (cohort 2026, mentored by **dana**)."
    );
    let enrolment = app.store().people().enrolment(org, "bob").await.unwrap().unwrap();
    assert_eq!(
        (enrolment.mentor.as_deref(), enrolment.cohort.as_deref(), enrolment.enrolled_by.as_str()),
        (Some("dana"), Some("2026"), "alice")
    );
    assert_eq!(
        github.take_calls().iter().map(|c| (c.method.as_str(), c.status)).collect::<Vec<_>>(),
        [("GET", 200), ("POST", 201)]
    );

    assert_eq!(app.deliver("issue_comment", "e-3", &comment(82, 42, "/amp unenroll @bob")).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert_eq!(sent(&entries[2]), "@alice, **bob**'s enrolment has ended.");
    assert!(!app.store().people().enrolment(org, "bob").await.unwrap().unwrap().is_active());
    let calls = github.take_calls();
    assert_eq!((calls.len(), calls[0].path.as_str()), (1, COMMENTS), "permission cached: {calls:?}");

    // GitHub does not answer about Erin's permission: she is asked to try again, not refused; later
    // her command runs.
    github.grant("erin", "maintain");
    github.permissions_down(true);
    let erin = comment_by((5005, "erin"), 83, 42, "/amp enroll @bob");
    assert_eq!(app.deliver("issue_comment", "e-4", &erin).await.0, 202);
    let entries = app.outbox_settled(4).await;
    assert_eq!(sent(&entries[3]), ladder_core::text::reply::unchecked("/amp", "erin", "enroll"));
    assert!(!app.store().people().enrolment(org, "bob").await.unwrap().unwrap().is_active());
    github.permissions_down(false);
    let again = comment_by((5005, "erin"), 84, 42, "/amp enroll @bob");
    assert_eq!(app.deliver("issue_comment", "e-5", &again).await.0, 202);
    let entries = app.outbox_settled(5).await;
    assert!(sent(&entries[4]).starts_with("@erin, **bob** is now enrolled"), "{:?}", entries[4]);
    assert!(app.store().people().enrolment(org, "bob").await.unwrap().unwrap().is_active());
    assert_eq!(
        github.take_calls().iter().map(|c| (c.method.as_str(), c.status)).collect::<Vec<_>>(),
        [("GET", 502), ("POST", 201), ("GET", 200), ("POST", 201)],
        "the failed read was not remembered"
    );

    // Another replica was rate-limited on installation 42: this one does not ask GitHub about Frank's
    // permission either, and its reply waits for the hold to end.
    github.grant("frank", "write");
    let until = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    app.store()
        .outbox()
        .hold(42, ladder_core::rate::Resource::Core, until, "GitHub rate-limited a comment on Codertocat/Hello-World")
        .await
        .unwrap();
    let frank = comment_by((5006, "frank"), 85, 42, "/amp unenroll @bob");
    assert_eq!(app.deliver("issue_comment", "e-6", &frank).await.0, 202);
    let entries = app.outbox_settled(6).await;
    assert_eq!(sent(&entries[5]), ladder_core::text::reply::unchecked("/amp", "frank", "unenroll"));
    assert!(entries[5].done_at.unwrap() >= until, "sent during the hold: {:?}", entries[5]);
    let calls = github.take_calls();
    assert_eq!(calls.iter().map(|c| (c.method.as_str(), c.status)).collect::<Vec<_>>(), [("POST", 201)]);
    app.running.stop().await;
}

on_both_engines!(enrolment_is_checked_against_github);

/// Bob's pull request #2 of Codertocat/Hello-World, `action` (opened, reopened), with `labels`.
fn bobs_pr(action: &str, labels: &[&str]) -> Vec<u8> {
    let mut payload = fixture_json("pull_request/opened.json");
    payload["action"] = action.into();
    payload["pull_request"]["user"] = json!({"id": 5002, "login": "bob", "type": "User"});
    payload["pull_request"]["labels"] = labels.iter().map(|l| json!({"name": l})).collect();
    payload["installation"] = json!({"id": 42});
    payload.to_string().into_bytes()
}

async fn readiness_comment_is_sticky_and_labels_follow_enrolment(engine: Engine) {
    let github = FakeGitHub::start().await;
    github.grant("alice", "write");
    let app = app_on(engine, &github).await;
    const PR_COMMENTS: &str = "/repos/Codertocat/Hello-World/issues/2/comments";
    let summary = |calls: Vec<Call>| -> Vec<String> {
        calls
            .into_iter()
            .filter(|c| !c.path.contains("access_tokens"))
            .map(|c| format!("{} {} {}", c.method, c.path, c.status))
            .collect()
    };

    // Not enrolled: Bob's PR gets nothing.
    assert_eq!(app.deliver("pull_request", "p-1", &bobs_pr("opened", &["bug"])).await.0, 202);
    app.settle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(summary(github.take_calls()), Vec::<String>::new());

    assert_eq!(app.deliver("issue_comment", "e-1", &comment(81, 42, "/amp enroll @bob")).await.0, 202);
    app.outbox_settled(1).await;
    github.take_calls();

    // Enrolled: one sticky comment is posted and the mentee label added; other labels are left alone.
    // Another App's comment that starts with the same marker is not the app's own, and is left alone.
    github.comment_as(PR_COMMENTS, "copycat[bot]", "<!-- amp:readiness -->\nnot ours");
    assert_eq!(app.deliver("pull_request", "p-2", &bobs_pr("reopened", &["bug"])).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert_eq!(
        summary(github.take_calls()),
        [
            "GET /app 200".to_owned(),
            format!("GET {PR_COMMENTS} 200"),
            format!("POST {PR_COMMENTS} 201"),
            "POST /repos/Codertocat/Hello-World/issues/2/labels 200".to_owned()
        ]
    );
    assert_eq!(
        entries[2].planned.action,
        ladder_core::plan::action::Action::AddLabels { labels: vec!["amp/mentee".into()] }
    );
    let posted = github.comments(PR_COMMENTS);
    assert_eq!(posted.len(), 1);
    assert!(
        posted[0].starts_with("<!-- amp:readiness -->\n**Maintainership ladder**: where @bob stands"),
        "{}",
        posted[0]
    );
    assert_eq!(ladder_core::text::render::guard(&posted[0]), Ok(()));

    // Reopened again with nothing changed: the comment is found and left as it is; no label call.
    assert_eq!(app.deliver("pull_request", "p-3", &bobs_pr("reopened", &["bug", "amp/mentee"])).await.0, 202);
    app.outbox_settled(4).await;
    assert_eq!(summary(github.take_calls()), [format!("GET {PR_COMMENTS} 200")]);

    // Someone deletes the comment: the next update posts it again, still only one.
    github.delete_comments();
    assert_eq!(app.deliver("pull_request", "p-4", &bobs_pr("reopened", &["amp/mentee"])).await.0, 202);
    app.outbox_settled(5).await;
    assert_eq!(summary(github.take_calls()), [format!("GET {PR_COMMENTS} 200"), format!("POST {PR_COMMENTS} 201")]);
    assert_eq!(github.comments(PR_COMMENTS).len(), 1);

    // Unenrolled: the mentee label comes off, and the comment is no longer kept up to date.
    assert_eq!(app.deliver("issue_comment", "e-2", &comment(82, 42, "/amp unenroll @bob")).await.0, 202);
    app.outbox_settled(6).await;
    github.take_calls();
    assert_eq!(app.deliver("pull_request", "p-5", &bobs_pr("reopened", &["amp/mentee", "bug"])).await.0, 202);
    app.outbox_settled(7).await;
    assert_eq!(summary(github.take_calls()), ["DELETE /repos/Codertocat/Hello-World/issues/2/labels/amp%2Fmentee 200"]);
    app.running.stop().await;
}

on_both_engines!(readiness_comment_is_sticky_and_labels_follow_enrolment);

async fn maintainers_endorse_and_nominate_with_evidence(engine: Engine) {
    let github = FakeGitHub::start().await;
    github.grant("alice", "write");
    github.grant("dana", "admin");
    let app = app_on(engine, &github).await;
    let mut merged = fixture_json("pull_request/closed.merged.json");
    merged["repository"] = fixture_json("issue_comment/created.json")["repository"].clone();
    merged["pull_request"]["user"] = json!({"id": 5002, "login": "bob", "type": "User"});
    assert_eq!(app.deliver("pull_request", "m-1", merged.to_string().as_bytes()).await.0, 202);

    assert_eq!(app.deliver("issue_comment", "n-1", &comment(90, 42, "/amp endorse @bob maintainer")).await.0, 202);
    let entries = app.outbox_settled(1).await;
    assert!(sent(&entries[0]).starts_with("@alice, your endorsement of **bob** for **Maintainer** is recorded."));
    let org = app.store().directory().orgs().await.unwrap()[0].id;
    let endorsements = app.store().people().endorsements_of(org, "bob").await.unwrap();
    assert_eq!(endorsements["maintainer"], [("alice".to_owned(), None)]);
    github.take_calls();

    // Nominating opens an issue with the evidence, then says so.
    let dana = comment_by((5004, "dana"), 91, 42, "/amp nominate @bob maintainer");
    assert_eq!(app.deliver("issue_comment", "n-2", &dana).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert_eq!((entries[1].state.as_str(), entries[1].detail.as_deref()), ("sent", Some("issue #501")));
    let ladder_core::plan::action::Action::CreateIssue { title, body } = &entries[1].planned.action else {
        panic!("{entries:?}")
    };
    assert_eq!(title, "Nomination for Maintainer: @bob");
    assert!(body.starts_with("@bob is nominated for **Maintainer** by **dana**."), "{body}");
    assert!(body.contains("| `substantial_prs` | 0 | 10 |  |\n"), "{body}");
    assert!(body.contains("| `tenure_months` ✓ | "), "{body}");
    assert!(body.contains("### Endorsements\n\n- **alice**\n"), "{body}");
    assert_eq!(ladder_core::text::render::guard(body), Ok(()));
    assert!(sent(&entries[2]).starts_with("@dana, I am opening the nomination issue for **bob** (**Maintainer**)"));
    let calls: Vec<String> =
        github.take_calls().into_iter().map(|c| format!("{} {} {}", c.method, c.path, c.status)).collect();
    assert_eq!(
        calls,
        [
            "GET /repos/Codertocat/Hello-World/collaborators/dana/permission 200",
            "POST /repos/Codertocat/Hello-World/issues 201",
            &format!("POST {COMMENTS} 201"),
        ]
    );

    // Bob cannot endorse himself, and his endorsements go with him when he opts out.
    let bob = comment_by((5002, "bob"), 92, 42, "/amp optout");
    assert_eq!(app.deliver("issue_comment", "n-3", &bob).await.0, 202);
    app.outbox_settled(4).await;
    assert!(app.store().people().endorsements_of(org, "bob").await.unwrap().is_empty());
    app.running.stop().await;
}

on_both_engines!(maintainers_endorse_and_nominate_with_evidence);

/// The worker wakes its process's dispatcher when it plans a reply: the reply goes out at once, not at
/// the dispatcher's next look (10 s away here).
async fn a_planned_reply_goes_out_without_waiting_for_a_poll(engine: Engine) {
    let github = FakeGitHub::start().await;
    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(&fixture("../test-app-key.pem")).unwrap();
    let url = github.url();
    let app = App::start_with(TestDb::new(engine).await, move |s| {
        s.credentials = Some(AppCredentials { app_id: APP_ID, key });
        s.github_api_url = url;
        s.write_spacing = Duration::ZERO;
        s.worker.poll = Duration::from_secs(10);
    })
    .await;
    // The dispatcher has had its first look and now waits out its poll.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    assert_eq!(app.deliver("issue_comment", "w-1", &comment(77, 42, "/amp help")).await.0, 202);
    while github.comments(COMMENTS).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "the reply waited for the dispatcher's poll");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.running.stop().await;
}

on_both_engines!(a_planned_reply_goes_out_without_waiting_for_a_poll);
