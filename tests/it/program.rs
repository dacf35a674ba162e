//! The program pages and the cohorts API, for admins only, over a generated history with mentees
//! enrolled by `/amp enroll`: each mentee's level and progress agree with `ladder status`, their
//! mentor's responsiveness with the history, and a cohort that ended shows its outcome (a mentee who
//! went on to mentor counts as one).

use std::sync::Arc;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::backfill::deliver_all;
use crate::on_both_engines;
use crate::support::org::{ORG, Org, Size, Step};
use crate::support::secrets::ADMIN_TOKEN;
use crate::support::{App, Engine, TestDb, ladder_command, openapi, signed_headers};

/// The built-in ladder with a program admin and two cohorts: one that ended a year ago, one running.
fn ladder() -> ladder_core::ladder::Ladder {
    let day = |days: i64| (Utc::now() + Duration::days(days)).format("%Y-%m-%d").to_string();
    let yaml = format!(
        "admins: [person0]\nprogram:\n  cohorts:\n    - name: past\n      start: {}\n      midterm: {}\n      final: {}\n      end: {}\n    - name: now\n      start: {}\n      midterm: {}\n      final: {}\n      end: {}\n",
        day(-560),
        day(-500),
        day(-440),
        day(-420),
        day(-30),
        day(30),
        day(90),
        day(100)
    );
    ladder_core::ladder::config::parse("amp.yml", &yaml).unwrap()
}

/// `/amp …` commented by person0 on an issue of the org's first repository.
fn command(history: &Org, id: i64, body: &str) -> Vec<u8> {
    let admin = json!({"id": 100, "login": "person0", "type": "User"});
    json!({
        "action": "created",
        "issue": {"id": 990_000 + id, "number": 1, "title": "Program", "user": admin, "author_association": "MEMBER",
                  "created_at": Utc::now().to_rfc3339(), "updated_at": Utc::now().to_rfc3339()},
        "comment": {"id": id, "user": admin, "body": body, "created_at": Utc::now().to_rfc3339()},
        "repository": history.repo_json(0),
        "installation": {"id": 77},
        "sender": admin,
    })
    .to_string()
    .into_bytes()
}

/// The median time, in hours, from each pull request `mentee` opened to `mentor`'s first review.
fn median_wait(history: &Org, mentee: usize, mentor: usize) -> Option<f64> {
    let mut waits: Vec<i64> = history
        .items
        .iter()
        .filter(|i| i.is_pr && i.author == mentee)
        .filter_map(|i| {
            let first = i.steps.iter().find_map(|(t, s)| match s {
                Step::Review { by, .. } if *by == mentor => Some(*t),
                _ => None,
            })?;
            // GitHub tells times to the second.
            Some(first.timestamp() - i.created.timestamp())
        })
        .collect();
    waits.sort_unstable();
    let n = waits.len();
    let median = match n {
        0 => return None,
        n if n % 2 == 1 => waits[n / 2] * 1000,
        n => (waits[n / 2 - 1] + waits[n / 2]) * 500,
    };
    Some((median / 60_000) as f64 / 60.0)
}

/// The app, its history delivered, and mentees enrolled: one of a past cohort (with the mentor who
/// reviewed most of their pull requests), two of the running one (one mentored by the first).
pub(crate) struct Program {
    pub app: App,
    pub history: Arc<Org>,
    pub mentee: String,
    pub others: Vec<usize>,
}

pub(crate) async fn program_app(engine: Engine) -> Program {
    let history = Arc::new(Org::generate(17, Size { repos: 2, prs: 200, issues: 60 }));
    let app = App::start_with(TestDb::new(engine).await, |s| {
        s.ladders = ladder::pipeline::ladders::Choice { local: Some(ladder()), bots: None };
    })
    .await;
    deliver_all(&app, &history).await;
    // The mentee and mentor whose reviews the history holds most of, so responsiveness is measured.
    let (a, b) = (1..40)
        .flat_map(|a| (1..40).map(move |b| (a, b)))
        .filter(|(a, b)| a != b)
        .max_by_key(|(a, b)| {
            let reviewed = |i: &&crate::support::org::Item| {
                i.steps.iter().any(|(_, s)| matches!(s, Step::Review { by, .. } if by == b))
            };
            history.items.iter().filter(|i| i.is_pr && i.author == *a).filter(reviewed).count()
        })
        .unwrap();
    let others: Vec<usize> = (1..40).filter(|p| *p != a && *p != b).take(2).collect();
    let (mentee, mentor) = (format!("person{a}"), format!("person{b}"));
    let enrol = [
        format!("/amp enroll @{mentee} mentor @{mentor} cohort past"),
        format!("/amp enroll @person{} mentor @{mentee} cohort now", others[0]),
        format!("/amp enroll @person{} mentor @{mentor} cohort now", others[1]),
    ];
    for (i, body) in enrol.iter().enumerate() {
        let payload = command(&history, 7000 + i as i64, body);
        let headers = signed_headers("issue_comment", &format!("enrol-{i}"), &payload);
        let (status, reply) = app.http().post_webhook(&headers, payload).await;
        assert_eq!(status, 202, "{reply}");
    }
    app.settle().await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM enrolments").await, 3, "every enrolment was made");
    Program { app, history, mentee, others }
}

on_both_engines!(admins_follow_the_program_cohort_by_cohort);

async fn admins_follow_the_program_cohort_by_cohort(engine: Engine) {
    let Program { app, history, mentee, others, .. } = program_app(engine).await;

    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let admin = [("authorization", bearer.as_str())];
    // For admins only.
    let public = app.http().fetch("GET", "/orgs/acme/program", &[], "").await;
    assert_eq!((public.status, public.header("location")), (303, Some("/login")));
    assert_eq!(app.http().fetch("GET", "/api/v1/orgs/acme/cohorts/now", &[], "").await.status, 401);

    let page = app.http().fetch("GET", "/orgs/acme/program", &admin, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    for login in [mentee.clone(), format!("person{}", others[0]), format!("person{}", others[1])] {
        assert!(page.body.contains(&format!(">{login}</a></th>")), "{login} is enrolled");
    }
    assert_eq!(page.body.matches("<progress").count(), 3);

    let doc = openapi::document();
    for cohort in ["past", "now"] {
        let answer = app.http().fetch("GET", &format!("/api/v1/orgs/acme/cohorts/{cohort}"), &admin, "").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let json = answer.json();
        let problems =
            openapi::problems(&doc, &openapi::answer_schema(&doc, "/api/v1/orgs/{org}/cohorts/{name}"), &json);
        assert!(problems.is_empty(), "{problems:#?}");
        for mentee in json["mentees"].as_array().unwrap() {
            let login = mentee["login"].as_str().unwrap();
            let out = ladder_command(&app.db.url).args(["status", login, "--org", ORG.1, "--json"]).output().unwrap();
            let status: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(mentee["level"], status["level_name"], "{login}");
            assert_eq!(mentee["last_activity"], status["last_activity"], "{login}");
            let index = |login: &str| history.people.iter().position(|p| p.login == login).unwrap();
            let mentor = mentee["mentor"].as_str().unwrap();
            let expected = median_wait(&history, index(login), index(mentor));
            let got = mentee["mentor_reviews"]["median_hours"].as_f64();
            assert_eq!(got.map(|h| (h * 60.0).round()), expected.map(|h| (h * 60.0).round()), "{login} by {mentor}");
        }
    }
    let past = app.http().fetch("GET", "/api/v1/orgs/acme/cohorts/past", &admin, "").await.json();
    let outcome = &past["outcome"];
    assert_eq!((outcome["mentees"].as_u64(), outcome["mentors"].as_u64()), (Some(1), Some(1)), "{past}");
    // A year after it ended, all three follow-ups are known; what person3 did then decides them.
    for k in ["after_3_months", "after_6_months", "after_12_months"] {
        assert!(outcome[k].as_u64().is_some_and(|n| n <= 1), "{k}: {outcome}");
    }
    assert!(app.http().fetch("GET", "/api/v1/orgs/acme/cohorts/now", &admin, "").await.json()["outcome"].is_null());
    let measured = past["mentees"][0]["mentor_reviews"]["median_hours"].as_f64();
    assert!(measured.is_some_and(|h| h > 0.0), "the mentor reviewed the mentee's pull requests: {past}");
    let cohort_page = app.http().fetch("GET", "/orgs/acme/program/past", &admin, "").await;
    let other = format!(">person{}</a>", others[0]);
    assert!(cohort_page.body.contains(&format!(">{mentee}</a>")) && !cohort_page.body.contains(&other));
    assert_eq!(app.http().fetch("GET", "/orgs/acme/program/never", &admin, "").await.status, 404);
    assert_eq!(app.http().fetch("GET", "/api/v1/orgs/acme/cohorts/never", &admin, "").await.status, 404);
    app.running.stop().await;
}
