//! Commands end to end, in dry-run: signed comment deliveries over a real socket, replies planned in the
//! outbox with the delivery, logged by the dispatcher, shown by `ladder outbox`; each command answered
//! once through redeliveries and edits.

use ladder::store::outbox::Entry;
use ladder_core::commands::grammar::Problem;
use ladder_core::text::render::guard;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{App, Engine, fixture_json, ladder_command};

const ALICE: (i64, &str) = (5001, "alice");
const BOB: (i64, &str) = (5002, "bob");

fn account((id, login): (i64, &str)) -> Value {
    json!({"id": id, "login": login, "type": "User"})
}

/// A comment by `who` with `body`, on issue #1 of Codertocat/Hello-World.
fn comment(action: &str, comment_id: i64, who: (i64, &str), body: &str) -> Vec<u8> {
    let mut payload = fixture_json("issue_comment/created.json");
    payload["action"] = action.into();
    payload["comment"]["id"] = comment_id.into();
    payload["comment"]["user"] = account(who);
    payload["comment"]["body"] = body.into();
    payload["sender"] = account(who);
    payload.to_string().into_bytes()
}

/// Bob's PR #11 in the same repository, merged.
fn bobs_merged_pr() -> Vec<u8> {
    merged_pr(BOB, 11)
}

/// `who`'s PR `number` in the same repository, merged.
fn merged_pr(who: (i64, &str), number: i64) -> Vec<u8> {
    let mut payload = fixture_json("pull_request/closed.merged.json");
    payload["repository"] = fixture_json("issue_comment/created.json")["repository"].clone();
    payload["pull_request"]["user"] = account(who);
    payload["pull_request"]["number"] = number.into();
    payload["number"] = number.into();
    payload.to_string().into_bytes()
}

fn body(entry: &Entry) -> &str {
    match &entry.planned.action {
        ladder_core::plan::action::Action::Comment { body }
        | ladder_core::plan::action::Action::Sticky { body, .. } => body,
        other => panic!("not a comment: {other:?}"),
    }
}

async fn commands_are_answered_once_in_dry_run(engine: Engine) {
    let app = App::start(engine).await;
    assert_eq!(app.deliver("pull_request", "pr-11", &bobs_merged_pr()).await.0, 202);
    app.settle().await;

    let first = "Thanks!\n/amp status @bob\n/amp dance\n> /amp help\n```\n/amp optout\n```";
    assert_eq!(app.deliver("issue_comment", "c-1", &comment("created", 77, ALICE, first)).await.0, 202);
    let entries = app.outbox_settled(2).await;
    assert_eq!(entries.len(), 2, "one reply per command; none for quoted or fenced lines");
    let status = body(&entries[0]);
    assert!(status.starts_with("@alice, here is where **bob** stands on the ladder.\n"), "{status}");
    assert!(status.contains("- Level: **Contributor**\n"), "{status}");
    assert!(status.contains("| `pr_merged` | 1 | 3 | Codertocat/Hello-World#11 |"), "{status}");
    assert_eq!(
        body(&entries[1]),
        ladder_core::text::reply::problem("/amp", "alice", &Problem::Unknown("dance".into()))
    );
    for entry in &entries {
        assert_eq!((entry.state.as_str(), entry.planned.issue), ("dry_run", 1));
        assert_eq!(entry.planned.repo, "Codertocat/Hello-World");
        assert_eq!(guard(body(entry)), Ok(()));
    }

    // GitHub redelivers (a new delivery id, the same comment): nothing new.
    assert_eq!(app.deliver("issue_comment", "c-1-again", &comment("created", 77, ALICE, first)).await.0, 202);
    app.settle().await;
    // Alice edits the comment and adds a command: only that one is answered.
    let edited = format!("{first}\n\n/amp help");
    assert_eq!(app.deliver("issue_comment", "c-1-edit", &comment("edited", 77, ALICE, &edited)).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(body(&entries[2]).starts_with("@alice, these are the commands"), "{}", body(&entries[2]));

    // Someone nobody knows, asked about by themself; and a bot's comment is never read.
    assert_eq!(
        app.deliver("issue_comment", "c-2", &comment("created", 78, (5003, "carol"), "/amp status")).await.0,
        202
    );
    let bot = comment("created", 79, (5004, "asyncapi-bot"), "/amp help");
    assert_eq!(app.deliver("issue_comment", "c-3", &bot).await.0, 202);
    let entries = app.outbox_settled(4).await;
    assert_eq!(entries.len(), 4);
    assert_eq!(body(&entries[3]), ladder_core::text::reply::unknown_person("carol", "carol"));

    // `ladder outbox` shows them.
    let out = ladder_command(&app.db.url).args(["outbox", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!((&listed[0]["state"], &listed[0]["action"]["type"]), (&json!("dry_run"), &json!("comment")));
    assert_eq!(listed[0]["action"]["body"], body(&entries[3]));
    app.running.stop().await;
}

on_both_engines!(commands_are_answered_once_in_dry_run);

async fn optout_and_optin_by_command_act_once(engine: Engine) {
    let app = App::start(engine).await;
    assert_eq!(app.deliver("pull_request", "pr-11", &bobs_merged_pr()).await.0, 202);
    app.settle().await;
    let org = app.store().directory().orgs().await.unwrap()[0].id;
    assert!(!app.store().people().signals_of(org, BOB.0).await.unwrap().is_empty());

    // Bob opts out: his reply says when erasure completes, and his signals are gone.
    assert_eq!(app.deliver("issue_comment", "out", &comment("created", 90, BOB, "/amp optout")).await.0, 202);
    let entries = app.outbox_settled(1).await;
    assert!(body(&entries[0]).starts_with("@bob, you have opted out."), "{}", body(&entries[0]));
    assert!(app.store().people().signals_of(org, BOB.0).await.unwrap().is_empty());
    assert!(app.store().people().opted_out("bob").await.unwrap().is_some());

    // He comes back; a redelivery of his opt-out comment changes nothing.
    assert_eq!(app.deliver("issue_comment", "in", &comment("created", 91, BOB, "/amp optin")).await.0, 202);
    let entries = app.outbox_settled(2).await;
    assert!(body(&entries[1]).starts_with("@bob, you are tracked from now on"), "{}", body(&entries[1]));
    assert_eq!(app.deliver("issue_comment", "out-again", &comment("created", 90, BOB, "/amp optout")).await.0, 202);
    app.settle().await;
    assert_eq!(app.store().people().opted_out("bob").await.unwrap(), None, "the redelivered opt-out did not run again");
    assert_eq!(app.store().outbox().list(100).await.unwrap().len(), 2);

    // Someone else cannot opt Bob out: `optout` takes no login.
    let other = comment("created", 92, ALICE, "/amp optout @bob");
    assert_eq!(app.deliver("issue_comment", "other", &other).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert!(body(&entries[2]).contains("is written `/amp optout`"), "{}", body(&entries[2]));
    assert_eq!(app.store().people().opted_out("bob").await.unwrap(), None);
    app.running.stop().await;
}

on_both_engines!(optout_and_optin_by_command_act_once);

async fn admins_enrol_and_read_the_cohort_report(engine: Engine) {
    let app =
        App::start_with(crate::support::TestDb::new(engine).await, |s| crate::support::with_admins(s, &["Alice"]))
            .await;
    assert_eq!(app.deliver("pull_request", "pr-11", &bobs_merged_pr()).await.0, 202);
    app.settle().await; // lookups read committed data: a report in the same batch would not see the merge
    let enrol = comment("created", 100, ALICE, "/amp enroll @bob cohort 2026-autumn mentor @carol\n/amp report");
    assert_eq!(app.deliver("issue_comment", "c-1", &enrol).await.0, 202);
    let entries = app.outbox_settled(2).await;
    assert_eq!(
        body(&entries[0]),
        "@alice, **bob** is now enrolled in the maintainership program (cohort 2026\\-autumn, mentored by **carol**)."
    );
    // The report in the same comment sees the enrolment before it, as does a later one.
    let same = body(&entries[1]).to_owned();
    assert_eq!(app.deliver("issue_comment", "c-2", &comment("created", 101, ALICE, "/amp report")).await.0, 202);
    let entries = app.outbox_settled(3).await;
    let report = body(&entries[2]);
    assert_eq!(same, report);
    assert!(report.starts_with("@alice, 1 enrolled, "), "{report}");
    assert!(
        report.contains("| **bob** | 2026\\-autumn | **carol** | Contributor | Regular contributor | 33% |"),
        "{report}"
    );

    // Not an admin, and in dry-run GitHub cannot vouch for anyone's permissions: refused.
    let carol = comment("created", 102, (5003, "carol"), "/amp report\n/amp enroll @dave");
    assert_eq!(app.deliver("issue_comment", "c-3", &carol).await.0, 202);
    let entries = app.outbox_settled(5).await;
    assert_eq!(
        body(&entries[3]),
        "@carol, only program admins (the `admins` of the ladder config) may run `/amp report`, so I have not done it."
    );
    assert!(
        body(&entries[4])
            .starts_with("@carol, only program admins and maintainers of this repository may run `/amp enroll`")
    );
    let org = app.store().directory().orgs().await.unwrap()[0].id;
    assert_eq!(app.store().people().enrolment(org, "dave").await.unwrap(), None);
    app.running.stop().await;
}

on_both_engines!(admins_enrol_and_read_the_cohort_report);

async fn a_merge_that_moves_a_mentee_up_is_celebrated_once(engine: Engine) {
    let app =
        App::start_with(crate::support::TestDb::new(engine).await, |s| crate::support::with_admins(s, &["alice"]))
            .await;
    assert_eq!(app.deliver("issue_comment", "c-1", &comment("created", 100, ALICE, "/amp enroll @bob")).await.0, 202);
    app.outbox_settled(1).await;

    assert_eq!(app.deliver("pull_request", "pr-11", &merged_pr(BOB, 11)).await.0, 202);
    let entries = app.outbox_settled(2).await;
    assert_eq!(entries[1].planned.key, format!("levelup:{}:{}:contributor", entries[1].planned.org_id, BOB.0));
    let text = body(&entries[1]);
    assert!(text.starts_with("@bob, this merge makes you a **Contributor** on the maintainership ladder."), "{text}");
    assert!(text.contains("Next is **Regular contributor**: `pr_merged` 1/3."), "{text}");

    // GitHub redelivers the merge (a new id here; the same content): it already counted.
    assert_eq!(app.deliver("pull_request", "pr-11-again", &merged_pr(BOB, 11)).await.0, 202);
    assert_eq!(app.deliver("pull_request", "pr-12", &merged_pr(BOB, 12)).await.0, 202);
    app.settle().await;
    assert_eq!(app.store().outbox().list(100).await.unwrap().len(), 2, "no new level");

    assert_eq!(app.deliver("pull_request", "pr-13", &merged_pr(BOB, 13)).await.0, 202);
    let entries = app.outbox_settled(3).await;
    assert!(
        body(&entries[2]).starts_with("@bob, this merge makes you a **Regular contributor**"),
        "{}",
        body(&entries[2])
    );

    // Carol is not enrolled: the default `readiness_comments: enrolled` leaves her merges alone.
    assert_eq!(app.deliver("pull_request", "pr-14", &merged_pr((5003, "carol"), 14)).await.0, 202);
    app.settle().await;
    assert_eq!(app.store().outbox().list(100).await.unwrap().len(), 3);
    app.running.stop().await;
}

on_both_engines!(a_merge_that_moves_a_mentee_up_is_celebrated_once);

async fn nothing_from_a_private_repo_reaches_a_public_one(engine: Engine) {
    let app = App::start(engine).await;
    let mut private = fixture_json("pull_request/closed.merged.json");
    private["repository"] = fixture_json("issue_comment/created.json")["repository"].clone();
    private["repository"]["id"] = 999_001.into();
    private["repository"]["name"] = "secret-plans".into();
    private["repository"]["full_name"] = "Codertocat/secret-plans".into();
    private["repository"]["private"] = true.into();
    private["pull_request"]["user"] = account(BOB);
    private["pull_request"]["number"] = 7.into();
    assert_eq!(app.deliver("pull_request", "private-7", private.to_string().as_bytes()).await.0, 202);
    assert_eq!(app.deliver("pull_request", "public-11", &bobs_merged_pr()).await.0, 202);
    app.settle().await;

    let ask = comment("created", 200, ALICE, "/amp status @bob");
    assert_eq!(app.deliver("issue_comment", "ask", &ask).await.0, 202);
    let entries = app.outbox_settled(1).await;
    let text = body(&entries[0]);
    assert!(
        text.contains("| `pr_merged` | 2 | 3 | Codertocat/Hello-World#11 |"),
        "the count stays, the private reference goes: {text}"
    );
    assert!(!text.to_lowercase().contains("secret"), "{text}");
    app.running.stop().await;
}

on_both_engines!(nothing_from_a_private_repo_reaches_a_public_one);

async fn merges_arriving_together_still_announce_each_level(engine: Engine) {
    let app =
        App::start_with(crate::support::TestDb::new(engine).await, |s| crate::support::with_admins(s, &["alice"]))
            .await;
    assert_eq!(app.deliver("issue_comment", "c-1", &comment("created", 100, ALICE, "/amp enroll @bob")).await.0, 202);
    app.outbox_settled(1).await;
    // Sent back to back, these usually land in one batch of the worker, before any of them is recorded.
    for n in 11..=13 {
        assert_eq!(app.deliver("pull_request", &format!("pr-{n}"), &merged_pr(BOB, n)).await.0, 202);
    }
    let entries = app.outbox_settled(3).await;
    let keys: Vec<&str> = entries[1..].iter().map(|e| e.planned.key.rsplit(':').next().unwrap()).collect();
    assert_eq!(keys, ["contributor", "regular_contributor"]);
    app.running.stop().await;
}

on_both_engines!(merges_arriving_together_still_announce_each_level);

async fn commands_are_limited_per_comment_and_per_minute(engine: Engine) {
    let app = App::start(engine).await;
    // A megabyte of commands in one comment: five answered (a minute's replies), and one note saying
    // the rest were not read.
    let flood = "/amp help\n".repeat(100_000);
    assert_eq!(app.deliver("issue_comment", "flood", &comment("created", 90, ALICE, &flood)).await.0, 202);
    let entries = app.outbox_settled(6).await;
    let keys: Vec<&str> = entries.iter().map(|e| e.planned.key.as_str()).collect();
    assert_eq!(entries.len(), 6, "{keys:?}");
    let helps = entries.iter().filter(|e| body(e) == ladder_core::text::reply::help("/amp", "alice")).count();
    assert_eq!(helps, 5, "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("rate-limit:0:5001:")), "{keys:?}");
    assert!(entries.iter().map(body).any(|b| b.contains("at most 5 `/amp` commands a minute")));

    // Another comment within the minute: nothing is read but an optout, and the minute's note is not
    // repeated (unless the clock passed into the next minute meanwhile).
    let more = "/amp ladder\n/amp optout";
    assert_eq!(app.deliver("issue_comment", "more", &comment("created", 91, ALICE, more)).await.0, 202);
    app.settle().await;
    let entries = app.outbox_settled(7).await;
    let of_91: Vec<&str> = entries
        .iter()
        .filter(|e| e.planned.key.starts_with("command:186853002:91:"))
        .map(|e| e.planned.key.as_str())
        .collect();
    assert_eq!(of_91, ["command:186853002:91:/amp optout#0"]);
    let rate_notes = entries.iter().filter(|e| e.planned.key.starts_with("rate-limit:0:5001:")).count();
    assert!((1..=2).contains(&rate_notes), "{rate_notes}");

    // Bob is not limited by Alice's replies; an edit of his comment counts its earlier version's commands.
    let four = "/amp help\n/amp ladder\n/amp status\n/amp dance";
    assert_eq!(app.deliver("issue_comment", "bob-1", &comment("created", 92, BOB, four)).await.0, 202);
    app.settle().await;
    let count = |entries: &[Entry], prefix: &str| entries.iter().filter(|e| e.planned.key.starts_with(prefix)).count();
    let entries = app.outbox_settled(entries.len() + 4).await;
    assert_eq!(count(&entries, "command:186853002:92:"), 4);
    let edited = format!("{four}\n{}", "/amp nope\n".repeat(12));
    assert_eq!(app.deliver("issue_comment", "bob-1-edit", &comment("edited", 92, BOB, &edited)).await.0, 202);
    let entries = app.outbox_settled(entries.len() + 2).await;
    // His fifth reply this minute, then the minute's note (which covers the comment's extra commands).
    let keys: Vec<&str> = entries.iter().map(|e| e.planned.key.as_str()).collect();
    assert!(
        keys.contains(&"command:186853002:92:/amp nope#0") && !keys.contains(&"command:186853002:92:/amp nope#1"),
        "{keys:?}"
    );
    assert!(!keys.contains(&"command:186853002:92:past-limit"), "{keys:?}");
    assert_eq!(count(&entries, "rate-limit:0:5002:"), 1);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM command_reads").await, 5 + 1 + 4 + 1);
    app.running.stop().await;
}

on_both_engines!(commands_are_limited_per_comment_and_per_minute);
