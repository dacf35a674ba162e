//! A realistic multi-person history, several hundred deliveries over ten months and three repositories,
//! built from the real fixture shapes and sent over HTTP; then levels, missing items, evidence and repo
//! health are checked against values worked out by hand (in the comments).
//!
//! Events that count toward `active_months` are placed 35 days apart, so each lands in a month of its
//! own whatever day the test runs.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{App, Engine, fixture_json, ladder_command};

on_both_engines!(a_program_year_evaluates_as_worked_out_by_hand);

const ALICE: (i64, &str) = (1001, "alice");
const BOB: (i64, &str) = (1002, "bob");
const CAROL: (i64, &str) = (1003, "carol");
const DAVE: (i64, &str) = (1004, "dave");
const BOT: (i64, &str) = (1999, "asyncapi-bot");

const CLI: (i64, &str) = (5001, "cli");
const WEBSITE: (i64, &str) = (5002, "website");
const GENERATOR: (i64, &str) = (5003, "generator");

fn user((id, login): (i64, &str)) -> Value {
    json!({"id": id, "login": login, "type": "User"})
}

fn at(days_ago: i64) -> String {
    (Utc::now() - Duration::days(days_ago)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn in_repo(path: &str, (id, name): (i64, &str)) -> Value {
    let mut p = fixture_json(path);
    p["repository"] = json!({
        "id": id, "name": name, "full_name": format!("asyncapi/{name}"), "private": false, "visibility": "public",
        "owner": {"id": 900, "login": "asyncapi", "type": "Organization"}
    });
    p["installation"] = json!({"id": 77});
    p
}

/// A PR's `pull_request` object, as of `days_ago`.
fn pr_object(
    p: &mut Value,
    number: i64,
    author: (i64, &str),
    association: &str,
    days_ago: i64,
    title: &str,
    head: &str,
) {
    let pr = &mut p["pull_request"];
    pr["number"] = number.into();
    pr["id"] = (900_000 + number).into();
    pr["user"] = user(author);
    pr["author_association"] = association.into();
    pr["created_at"] = at(days_ago).into();
    pr["updated_at"] = at(days_ago).into();
    pr["title"] = title.into();
    pr["head"]["ref"] = head.into();
    pr["additions"] = 50.into();
    pr["deletions"] = 5.into();
}

struct Pr<'a> {
    repo: (i64, &'a str),
    number: i64,
    author: (i64, &'a str),
    association: &'a str,
    opened: i64,
    title: &'a str,
    head: &'a str,
    reviewer: Option<(i64, &'a str)>,
    merger: (i64, &'a str),
}

/// Deliveries for a PR opened, (optionally) approved, and merged, all on one day (so they share a month).
fn pr_story(pr: &Pr<'_>, review_id: i64) -> Vec<(&'static str, Value)> {
    let mut opened = in_repo("pull_request/opened.json", pr.repo);
    pr_object(&mut opened, pr.number, pr.author, pr.association, pr.opened, pr.title, pr.head);
    opened["sender"] = user(pr.author);
    let mut out = vec![("pull_request", opened)];
    if let Some(reviewer) = pr.reviewer {
        let mut review = in_repo("pull_request_review/submitted.json", pr.repo);
        pr_object(&mut review, pr.number, pr.author, pr.association, pr.opened, pr.title, pr.head);
        review["review"]["id"] = review_id.into();
        review["review"]["user"] = user(reviewer);
        review["review"]["state"] = "approved".into();
        review["review"]["submitted_at"] = at(pr.opened).into();
        review["sender"] = user(reviewer);
        out.push(("pull_request_review", review));
    }
    let mut merged = in_repo("pull_request/closed.merged.json", pr.repo);
    pr_object(&mut merged, pr.number, pr.author, pr.association, pr.opened, pr.title, pr.head);
    merged["pull_request"]["merged"] = true.into();
    merged["pull_request"]["merged_at"] = at(pr.opened).into();
    merged["pull_request"]["closed_at"] = at(pr.opened).into();
    merged["pull_request"]["merged_by"] = user(pr.merger);
    merged["sender"] = user(pr.merger);
    out.push(("pull_request", merged));
    out
}

fn issue(repo: (i64, &str), number: i64, author: (i64, &str), days_ago: i64) -> Value {
    let mut p = in_repo("issues/opened.json", repo);
    p["issue"]["number"] = number.into();
    p["issue"]["id"] = (800_000 + number).into();
    p["issue"]["user"] = user(author);
    p["issue"]["author_association"] = "FIRST_TIME_CONTRIBUTOR".into();
    p["issue"]["created_at"] = at(days_ago).into();
    p["issue"]["updated_at"] = at(days_ago).into();
    p["sender"] = user(author);
    p
}

fn labeled(repo: (i64, &str), number: i64, author: (i64, &str), label: &str, by: (i64, &str), days_ago: i64) -> Value {
    let mut p = issue(repo, number, author, days_ago);
    p["action"] = "labeled".into();
    p["label"] = json!({"name": label});
    p["sender"] = user(by);
    p
}

fn comment(repo: (i64, &str), number: i64, author: (i64, &str), id: i64, by: (i64, &str), days_ago: i64) -> Value {
    let mut p = in_repo("issue_comment/created.json", repo);
    p["issue"]["number"] = number.into();
    p["issue"]["user"] = user(author);
    p["issue"]["author_association"] = "FIRST_TIME_CONTRIBUTOR".into();
    p["issue"]["pull_request"] = Value::Null;
    p["comment"]["id"] = id.into();
    p["comment"]["user"] = user(by);
    p["comment"]["created_at"] = at(days_ago).into();
    p["sender"] = user(by);
    p
}

fn history() -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    // Bob: 8 substantial PRs, 35 days apart from day 300, alternating cli and website, each approved by
    // Alice and merged by her; and 2 dependency bumps (mechanical) in cli.
    for i in 0..8 {
        let repo = if i % 2 == 0 { CLI } else { WEBSITE };
        let title = format!("feat: improvement {i}");
        let pr = Pr {
            repo,
            number: 100 + i,
            author: BOB,
            association: "CONTRIBUTOR",
            opened: 300 - 35 * i,
            title: &title,
            head: "feature",
            reviewer: Some(ALICE),
            merger: ALICE,
        };
        out.extend(pr_story(&pr, 7000 + i));
    }
    for i in 0..2 {
        let pr = Pr {
            repo: CLI,
            number: 200 + i,
            author: BOB,
            association: "CONTRIBUTOR",
            opened: 20,
            title: "chore(deps): bump ws",
            head: "dependabot/npm/ws",
            reviewer: None,
            merger: ALICE,
        };
        out.extend(pr_story(&pr, 0));
    }
    // Alice: 2 PRs of her own, merged by herself.
    for i in 0..2 {
        let pr = Pr {
            repo: CLI,
            number: 300 + i,
            author: ALICE,
            association: "MEMBER",
            opened: 60,
            title: "docs: readme",
            head: "docs",
            reviewer: None,
            merger: ALICE,
        };
        out.extend(pr_story(&pr, 0));
    }
    // Carol: 3 substantial PRs in website on days 90, 160 and 230 (between Bob's website PRs, so that
    // Alice's merges there fall 35 days apart too); on days 20, 55, 125 and 195, 3 labels and 3
    // comments a day on Dave's issues in generator.
    for (i, day) in [90, 160, 230].into_iter().enumerate() {
        let pr = Pr {
            repo: WEBSITE,
            number: 400 + i as i64,
            author: CAROL,
            association: "CONTRIBUTOR",
            opened: day,
            title: "feat: page",
            head: "page",
            reviewer: None,
            merger: ALICE,
        };
        out.extend(pr_story(&pr, 0));
    }
    // Dave, a first-time contributor: 4 issues in generator (day 130) and one PR in cli, merged.
    for n in 0..4 {
        out.push(("issues", issue(GENERATOR, 10 + n, DAVE, 130)));
    }
    let pr = Pr {
        repo: CLI,
        number: 500,
        author: DAVE,
        association: "FIRST_TIME_CONTRIBUTOR",
        opened: 40,
        title: "fix: typo in help",
        head: "fix",
        reviewer: None,
        merger: ALICE,
    };
    out.extend(pr_story(&pr, 0));
    let mut id = 60_000;
    for day in [20, 55, 125, 195] {
        for k in 0..3 {
            let number = 10 + (day / 35 + k) % 4;
            out.push(("issues", labeled(GENERATOR, number, DAVE, &format!("area/{day}-{k}"), CAROL, day)));
            id += 1;
            out.push(("issue_comment", comment(GENERATOR, number, DAVE, id, CAROL, day)));
        }
    }
    // Noise: the org's bot comments on everything (recorded, never credited), and stars (ignored).
    for n in 0..200 {
        id += 1;
        out.push(("issue_comment", comment(GENERATOR, 10 + n % 4, DAVE, id, BOT, 5 + n % 200)));
    }
    for n in 0..80 {
        out.push(("star", json!({"action": "created", "starred_at": at(n), "sender": user(DAVE)})));
    }
    out
}

async fn status(db_url: &str, login: &str) -> Value {
    let output = ladder_command(db_url).args(["status", login, "--org", "asyncapi", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn missing(report: &Value) -> Vec<(String, u64, u64)> {
    report["next"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["metric"].as_str().unwrap().to_owned(), m["have"].as_u64().unwrap(), m["need"].as_u64().unwrap()))
        .collect()
}

fn evidence(report: &Value, metric: &str) -> Vec<String> {
    let progress = report["next"]["progress"].as_array().unwrap();
    let entry = progress.iter().find(|p| p["metric"] == metric).unwrap_or_else(|| panic!("{metric} in {report}"));
    entry["evidence"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect()
}

async fn a_program_year_evaluates_as_worked_out_by_hand(engine: Engine) {
    let app = App::start(engine).await;
    let deliveries = history();
    assert!(deliveries.len() > 300, "several hundred deliveries: {}", deliveries.len());
    for (i, (event, payload)) in deliveries.iter().enumerate() {
        let (status, text) = app.deliver(event, &format!("history-{i}"), payload.to_string().as_bytes()).await;
        assert_eq!(status, 202, "{text}");
    }
    app.settle().await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'failed'").await, 0);
    let url = app.db.url.clone();
    let codeowners = app.db.dir().join("CODEOWNERS");
    for (repo, owners) in [("cli", "* @alice\n"), ("website", "* @derberg\n#docTriagers: carol\n")] {
        std::fs::write(&codeowners, owners).unwrap();
        let out = ladder_command(&url)
            .args(["roles", "import", "--org", "asyncapi", "--repo", repo])
            .arg(&codeowners)
            .output()
            .unwrap();
        assert!(out.status.success());
    }

    // Bob: 10 merged PRs (8 substantial), no triage or community work: a regular contributor; the
    // triager level wants triage 10 and community 10 (active_months: 8 months apart, met).
    let bob = status(&url, "bob").await;
    assert_eq!(bob["level"], "regular_contributor");
    assert_eq!(bob["signals"]["pr_merged"], 10);
    assert_eq!(bob["next"]["level"], "triager");
    assert_eq!(missing(&bob), [("triage".into(), 0, 10), ("community".into(), 0, 10)]);
    assert_eq!(bob["activity"], "active");

    // Carol: 3 merged PRs, 12 labels and 12 comments (community), 7 distinct months, and she is a
    // docs triager of website. Next, committer: 3 of 5 substantial PRs, no reviews at all.
    let carol = status(&url, "carol").await;
    assert_eq!((&carol["level"], &carol["role"]), (&"triager".into(), &"triager".into()));
    assert_eq!((carol["tracks"]["triage"].as_u64(), carol["tracks"]["community"].as_u64()), (Some(12), Some(12)));
    assert_eq!(
        missing(&carol),
        [("substantial_prs".into(), 3, 5), ("reviews_on_merged".into(), 0, 20), ("primary_reviews".into(), 0, 5)]
    );
    assert_eq!(
        evidence(&carol, "substantial_prs"),
        ["asyncapi/website#400", "asyncapi/website#401", "asyncapi/website#402"],
        "newest first"
    );
    let progress = carol["next"]["progress"].as_array().unwrap();
    let months = progress.iter().find(|p| p["metric"] == "active_months").unwrap();
    assert_eq!(months["have"], 7);

    // Alice: 8 primary reviews and 14 merges performed (others' PRs), but she maintains cli, so she holds
    // the maintainer level whatever the numbers say.
    let alice = status(&url, "alice").await;
    assert_eq!((&alice["level"], &alice["next"]), (&"maintainer".into(), &Value::Null));
    assert_eq!(alice["signals"]["review_approved"], 8);
    assert_eq!(alice["signals"]["merge_performed"], 14, "bob's 10, carol's 3 and dave's 1; not her own 2");

    // Dave: one merged PR; his issues were helped by Carol (4 distinct newcomer issues).
    let dave = status(&url, "dave").await;
    assert_eq!(dave["level"], "contributor");
    assert_eq!(missing(&dave), [("pr_merged".into(), 1, 3)]);
    assert_eq!(dave["signals"]["issue_opened"], 4);

    // The bot is recorded but earns nothing.
    let bot = status(&url, "asyncapi-bot").await;
    assert_eq!((&bot["signals"], &bot["level"]), (&json!({}), &Value::Null));

    // Repo health: generator has no CODEOWNERS and website's owner never shows up: both at risk, by
    // name; cli's Alice reviewed merged PRs there. Website's candidates by the share of the maintainer
    // level their work there meets: Alice (4 primary reviews, 7 months, 8 months' tenure: 28%), Bob
    // (4 substantial PRs, 4 months, 8 months' tenure: 22%), Carol (3 PRs, 3 months, 7 months: 17%).
    let output = ladder_command(&url).args(["repos", "--org", "asyncapi", "--json"]).output().unwrap();
    let health: Value = serde_json::from_slice(&output.stdout).unwrap();
    let summary: Vec<(&str, bool, Vec<&str>)> = health
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let active = h["active_maintainers"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
            (h["repo"].as_str().unwrap(), h["at_risk"].as_bool().unwrap(), active)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("asyncapi/generator", true, vec![]),
            ("asyncapi/website", true, vec![]),
            ("asyncapi/cli", false, vec!["alice"])
        ]
    );
    let candidates: Vec<(&str, u64)> = health[1]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["login"].as_str().unwrap(), c["readiness"].as_u64().unwrap()))
        .collect();
    assert_eq!(candidates, [("alice", 28), ("bob", 22), ("carol", 17)]);
    // Generator: carol's 24 credited signals and dave's 4 issues: carol alone makes half.
    assert_eq!(
        (health[0]["contributions"].as_u64(), health[0]["contributor_absence_factor"].as_u64()),
        (Some(28), Some(1))
    );
}
