//! Next steps end to end: signed webhooks over a real socket keep open work current, and a person's
//! next steps point at the right items (per missing requirement, never their own, never assigned to
//! someone else, never a private repository's where the audience may not see it), in `ladder status`
//! as the store answers it and in `/amp next` replies; an item leaves once it is labelled, reviewed
//! or closed.

use chrono::{Duration, SecondsFormat, Utc};
use ladder::pipeline::views;
use ladder::store::outbox::Entry;
use ladder_core::ladder::{Ladder, Metric};
use ladder_core::plan::action::Action;
use ladder_core::report::{Person, Report};
use ladder_core::signal::{Org, Track};
use ladder_core::visibility::Scope;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{App, Engine, TestDb, fixture_json};

on_both_engines!(webhooks_keep_next_steps_current);

const ORG: (i64, &str) = (900, "asyncapi");
const BOB: (i64, &str) = (7002, "bob");
const CAROL: (i64, &str) = (7003, "carol");
const DAN: (i64, &str) = (7004, "dan");
const CLI: (i64, &str) = (5100, "cli");
const SECRET: (i64, &str) = (5101, "secret");

fn user((id, login): (i64, &str)) -> Value {
    json!({"id": id, "login": login, "type": "User"})
}

fn repository((id, name): (i64, &str), private: bool) -> Value {
    json!({
        "id": id, "name": name, "full_name": format!("asyncapi/{name}"), "private": private,
        "visibility": if private { "private" } else { "public" },
        "owner": {"id": ORG.0, "login": ORG.1, "type": "Organization"}
    })
}

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An issue event: `number` by `author` in `repo`, with `labels` and `assignees`, last active `days` ago.
fn issue(
    action: &str,
    repo: (i64, &str),
    number: i64,
    author: (i64, &str),
    labels: &[&str],
    assignees: &[(i64, &str)],
    days: i64,
) -> Value {
    let mut p = fixture_json("issues/opened.json");
    p["action"] = json!(action);
    p["repository"] = repository(repo, repo == SECRET);
    p["issue"]["number"] = json!(number);
    p["issue"]["title"] = json!(format!("issue {number}"));
    p["issue"]["user"] = user(author);
    p["issue"]["state"] = json!(if action == "closed" { "closed" } else { "open" });
    p["issue"]["labels"] =
        json!(labels.iter().enumerate().map(|(i, l)| json!({"id": 100 + i, "name": l})).collect::<Vec<_>>());
    p["issue"]["assignees"] = json!(assignees.iter().map(|a| user(*a)).collect::<Vec<_>>());
    p["issue"]["created_at"] = json!(ago(days));
    p["issue"]["updated_at"] = json!(ago(days));
    p["sender"] = user(author);
    p
}

/// A pull request event: `number` by `author` in `repo`.
fn pull(action: &str, repo: (i64, &str), number: i64, author: (i64, &str), days: i64) -> Value {
    let file = if action == "closed" { "pull_request/closed.merged.json" } else { "pull_request/opened.json" };
    let mut p = fixture_json(file);
    p["action"] = json!(action);
    p["repository"] = repository(repo, repo == SECRET);
    p["number"] = json!(number);
    let pr = &mut p["pull_request"];
    pr["number"] = json!(number);
    pr["user"] = user(author);
    pr["draft"] = json!(false);
    pr["labels"] = json!([]);
    pr["assignees"] = json!([]);
    pr["requested_reviewers"] = json!([]);
    pr["created_at"] = json!(ago(days));
    pr["updated_at"] = json!(ago(days));
    p["sender"] = user(author);
    p
}

fn review(repo: (i64, &str), number: i64, author: (i64, &str), reviewer: (i64, &str)) -> Value {
    let mut p = fixture_json("pull_request_review/submitted.json");
    p["repository"] = repository(repo, false);
    let open = pull("opened", repo, number, author, 0);
    p["pull_request"] = open["pull_request"].clone();
    p["review"]["id"] = json!(90_000 + number);
    p["review"]["user"] = user(reviewer);
    p["review"]["state"] = json!("commented");
    p["review"]["submitted_at"] = json!(ago(0));
    p["sender"] = user(reviewer);
    p
}

fn comment(repo: (i64, &str), number: i64, who: (i64, &str), body: &str) -> Value {
    let mut p = fixture_json("issue_comment/created.json");
    p["repository"] = repository(repo, false);
    p["issue"] = issue("opened", repo, number, BOB, &[], &[], 0)["issue"].clone();
    p["comment"]["id"] = json!(80_000 + number);
    p["comment"]["user"] = user(who);
    p["comment"]["body"] = json!(body);
    p["sender"] = user(who);
    p
}

/// The built-in ladder, with triage and review asked of regular contributors too.
fn ladder() -> Ladder {
    let mut ladder = Ladder::builtin();
    let regular = ladder.levels.iter_mut().find(|l| l.id == "regular_contributor").unwrap();
    regular.requires.push((Metric::Track(Track::Triage), 2));
    regular.requires.push((Metric::Track(Track::Review), 2));
    ladder
}

async fn send(app: &App, deliveries: &[(&str, Value)]) {
    for (i, (event, payload)) in deliveries.iter().enumerate() {
        let action = payload["action"].as_str().unwrap_or("none");
        let id = format!("{event}-{i}-{action}-{}", Utc::now().timestamp_nanos_opt().unwrap());
        let (status, text) = app.deliver(event, &id, payload.to_string().as_bytes()).await;
        assert_eq!(status, 202, "{text}");
    }
    app.settle().await;
}

/// Bob's next steps, per kind of work, as `scope` sees them.
async fn steps(app: &App, scope: Scope) -> Vec<(String, Vec<String>)> {
    let org = Org { id: ORG.0, login: ORG.1.into() };
    let person = Person { id: BOB.0, login: BOB.1.into() };
    let mut report: Report = views::report(app.store(), &org, &ladder(), person, scope, Utc::now()).await.unwrap();
    views::suggest(app.store(), &ladder(), &mut report, scope, Utc::now()).await.unwrap();
    report
        .next_steps
        .iter()
        .map(|s| (s.serves.as_str().to_owned(), s.items.iter().map(|i| i.reference()).collect()))
        .collect()
}

fn refs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn webhooks_keep_next_steps_current(engine: Engine) {
    let app = App::start_with(TestDb::new(engine).await, |s| s.ladders.local = Some(ladder())).await;
    send(
        &app,
        &[
            // Bob merged in both repositories: both are his.
            ("pull_request", pull("closed", CLI, 1, BOB, 30)),
            ("pull_request", pull("closed", SECRET, 2, BOB, 30)),
            ("issues", issue("opened", CLI, 10, CAROL, &["help wanted"], &[], 3)),
            ("issues", issue("opened", CLI, 11, CAROL, &[], &[], 2)),
            ("issues", issue("opened", CLI, 12, CAROL, &["good first issue"], &[DAN], 1)),
            ("issues", issue("opened", CLI, 13, BOB, &[], &[], 1)),
            ("issues", issue("opened", SECRET, 14, CAROL, &["help wanted"], &[], 1)),
            ("pull_request", pull("opened", CLI, 15, CAROL, 1)),
            ("pull_request", pull("opened", CLI, 16, BOB, 1)),
        ],
    )
    .await;
    let open = app.store().open_work().of_org(ORG.0).await.unwrap();
    let numbers: Vec<i64> = open.iter().map(|i| i.item.number).collect();
    assert_eq!(numbers, [10, 11, 12, 13, 15, 16, 14], "merged pull requests are not open work");

    // Nearest to met first: pr_merged 2/3, then triage and review at nothing. Carol's unlabelled
    // issue needs triage; her PR a review; Dan's assigned issue and Bob's own items never show.
    let everything = [
        ("contribution".to_owned(), refs(&["asyncapi/secret#14", "asyncapi/cli#10"])),
        ("triage".to_owned(), refs(&["asyncapi/cli#11"])),
        ("review".to_owned(), refs(&["asyncapi/cli#15"])),
    ];
    assert_eq!(steps(&app, Scope::All).await, everything);
    let public = steps(&app, Scope::Public).await;
    assert_eq!(public[0], ("contribution".to_owned(), refs(&["asyncapi/cli#10"])), "no private item in public");

    // `/amp next` in asyncapi/cli: the private repository's item stays out of the public comment.
    send(&app, &[("issue_comment", comment(CLI, 20, BOB, "/amp next"))]).await;
    let replies: Vec<Entry> = app.outbox_settled(1).await;
    let reply = replies.iter().map(body).find(|b| b.contains("open work that counts")).expect("a next reply");
    assert!(
        reply.contains("asyncapi/cli#10") && reply.contains("asyncapi/cli#11") && reply.contains("asyncapi/cli#15"),
        "{reply}"
    );
    assert!(!reply.contains("secret"), "{reply}");
    assert!(!reply.contains("@carol") && !reply.contains("carol"), "authors are never named: {reply}");

    // Someone else may not ask about Bob: only admins, maintainers and his mentor.
    send(&app, &[("issue_comment", comment(CLI, 21, DAN, "/amp next @bob"))]).await;
    let replies = app.outbox_settled(2).await;
    assert!(
        replies
            .iter()
            .map(body)
            .any(|b| b.contains("only program admins, maintainers of this repository and the person's mentor")),
        "{replies:?}"
    );

    // `/amp status @bob` is anyone's, so it carries no next steps; Bob's own status does.
    send(&app, &[("issue_comment", comment(CLI, 22, DAN, "/amp status @bob"))]).await;
    send(&app, &[("issue_comment", comment(CLI, 23, BOB, "/amp status"))]).await;
    let replies = app.outbox_settled(4).await;
    let statuses: Vec<&str> = replies.iter().map(body).filter(|b| b.contains("on the ladder")).collect();
    assert_eq!(statuses.len(), 2, "{replies:?}");
    assert_eq!(statuses.iter().filter(|b| b.contains("<!-- amp:next -->")).count(), 1, "{statuses:?}");
    assert!(statuses.iter().any(|b| b.contains("where you stand") && b.contains("asyncapi/cli#10")), "{statuses:?}");

    // Labelled, reviewed, closed: each item leaves its suggestions.
    send(
        &app,
        &[
            ("issues", issue("labeled", CLI, 11, CAROL, &["bug"], &[], 0)),
            ("pull_request_review", review(CLI, 15, CAROL, DAN)),
            ("issues", issue("closed", CLI, 10, CAROL, &["help wanted"], &[], 0)),
            ("issues", issue("closed", SECRET, 14, CAROL, &["help wanted"], &[], 0)),
        ],
    )
    .await;
    assert_eq!(steps(&app, Scope::All).await, Vec::<(String, Vec<String>)>::new());
    // A late, older delivery does not open a closed item again.
    send(&app, &[("issues", issue("labeled", CLI, 10, CAROL, &["help wanted"], &[], 5))]).await;
    assert_eq!(steps(&app, Scope::All).await, Vec::<(String, Vec<String>)>::new());
    let numbers: Vec<i64> =
        app.store().open_work().of_org(ORG.0).await.unwrap().iter().map(|i| i.item.number).collect();
    assert_eq!(numbers, [11, 12, 13, 15, 16, 20, 21, 22, 23], "the commented issues are Bob's own, never suggested");

    // Bob opts out: nothing is suggested to him any more, not even a newcomer's good first issue.
    send(&app, &[("issues", issue("opened", CLI, 30, CAROL, &["good first issue"], &[], 1))]).await;
    assert_eq!(steps(&app, Scope::All).await[0].1, refs(&["asyncapi/cli#30"]), "worth checking: one is open");
    send(&app, &[("issue_comment", comment(CLI, 24, BOB, "/amp optout"))]).await;
    send(&app, &[("issue_comment", comment(CLI, 25, BOB, "/amp next"))]).await;
    let replies = app.outbox_settled(6).await;
    let last = body(replies.last().unwrap());
    assert!(!last.contains("asyncapi/cli#30") && !last.contains("amp:next"), "{last}");
}

fn body(entry: &Entry) -> &str {
    match &entry.planned.action {
        Action::Comment { body } | Action::Sticky { body, .. } => body,
        other => panic!("not a comment: {other:?}"),
    }
}
