//! The growth pages, their CSV and the JSON API, over a generated org history delivered as webhooks
//! (one repository of three private, one person opted out): every page and route answers with the
//! right content for the public and for admins (private data only for admins, by bearer token or a
//! login session that logs out), opted-out and unknown people alike 404, CSV is well formed and
//! agrees with the API, the API agrees with its OpenAPI document, and every person's numbers are
//! exactly what `ladder status --json` (and `--public`) prints.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use crate::backfill::deliver_all;
use crate::on_both_engines;
use crate::support::org::{ORG, Org, Size};
use crate::support::secrets::ADMIN_TOKEN;
use crate::support::{App, Engine, Reply, ladder_command, openapi};
use ladder::store::roles::Source;
use ladder_core::roles::{Grant, Role};

const PRIVATE: usize = 2;
const OPTED_OUT: usize = 9;

fn history() -> Org {
    let mut org = Org::generate(31, Size { repos: 3, prs: 240, issues: 120 });
    org.private.insert(PRIVATE);
    org
}

fn private_repo(org: &Org) -> String {
    format!("{}/{}", ORG.1, org.repos[PRIVATE].1)
}

async fn get(app: &App, path: &str, admin: bool) -> Reply {
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let headers: Vec<(&str, &str)> = if admin { vec![("authorization", bearer.as_str())] } else { Vec::new() };
    app.http().fetch("GET", path, &headers, "").await
}

/// `ladder status LOGIN --json` (with `--public`), as JSON.
fn status(app: &App, login: &str, public: bool) -> Value {
    let mut cmd = ladder_command(&app.db.url);
    cmd.args(["status", login, "--org", ORG.1, "--json"]);
    if public {
        cmd.arg("--public");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check_schema(doc: &Value, path: &str, answer: &Value) {
    let problems = openapi::problems(doc, &openapi::answer_schema(doc, path), answer);
    assert!(problems.is_empty(), "GET {path} does not match the document:\n{}", problems.join("\n"));
}

on_both_engines!(pages_and_api_show_each_audience_what_it_may_see);

async fn pages_and_api_show_each_audience_what_it_may_see(engine: Engine) {
    let history = Arc::new(history());
    let app = App::start(engine).await;
    deliver_all(&app, &history).await;
    let gone = &history.people[OPTED_OUT];
    let kept = history.people.iter().find(|p| !p.bot && p.login != gone.login).unwrap();
    // Both maintain the first repository, by its CODEOWNERS.
    let repo = history.repos[0].1.as_str();
    let grant = |p: &crate::support::org::Who| Grant {
        login: p.login.clone(),
        github_id: None,
        repo: Some(repo.to_owned()),
        role: Role::Maintainer,
        detail: None,
    };
    let grants = [grant(gone), grant(kept)];
    app.store().directory().replace_roles(ORG.1, Source::Codeowners, Some(repo), &grants).await.unwrap();
    assert!(get(&app, "/orgs/acme/repos", false).await.body.contains(&gone.login));
    // A snapshot computed before the opt-out is never shown after it, however fresh.
    assert_eq!(get(&app, "/orgs/acme", false).await.status, 200);
    let snapshots = || async {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM growth_snapshots").fetch_one(&app.db.pool().await).await.unwrap();
        count
    };
    assert_eq!(snapshots().await, 1);
    app.store().people().opt_out(gone.id, &gone.login, chrono::Utc::now()).await.unwrap();
    assert_eq!(snapshots().await, 0);
    let secret_repo = private_repo(&history);
    let doc = openapi::document();

    // The only org: `/` leads to its overview.
    let home = get(&app, "/", false).await;
    assert_eq!((home.status, home.header("location")), (303, Some("/orgs/acme")));

    // The overview, for the public: five charts, each a figure with an accessible chart, its trend,
    // its data as a table and a CSV; headline numbers that the API gives too; nothing private.
    let page = get(&app, "/orgs/acme", false).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body.matches("<figure").count(), 5);
    assert_eq!(page.body.matches("role=\"img\"").count(), 5);
    assert_eq!(page.body.matches("<figcaption>").count(), 5);
    assert_eq!(page.body.matches("<table>").count(), 5 + 1, "five charts' data and the cohorts");
    assert!(!page.body.contains(&secret_repo) && !page.body.contains(&gone.login));
    assert!(page.header("cache-control").is_none());
    let growth = get(&app, "/api/v1/orgs/acme/growth", false).await.json();
    check_schema(&doc, "/api/v1/orgs/{org}/growth", &growth);
    for key in ["active_maintainers", "ready_for_a_role", "repos_at_risk", "people", "active"] {
        let n = growth["headline"][key].as_u64().unwrap();
        assert!(page.body.contains(&format!("<data value=\"{n}\">")), "{key} = {n} is not on the page");
    }
    let months = growth["periods"].as_array().unwrap().len();
    assert!(months >= 24, "{months} months");
    // A chart's series as drawn, in its CSV, and in the API.
    let levels_csv = get(&app, "/orgs/acme/charts/levels.csv", false).await;
    assert_eq!(levels_csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let rows: Vec<Vec<String>> = levels_csv.body.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect();
    assert_eq!(rows.len(), months + 1, "a header row and a row per month");
    assert_eq!(rows[0][0], "period");
    let levels = growth["levels"].as_array().unwrap();
    assert_eq!(rows[0].len(), levels.len() + 1);
    for (column, level) in levels.iter().enumerate() {
        assert_eq!(rows[0][column + 1], level["name"].as_str().unwrap());
        let from_csv: Vec<u64> = rows[1..].iter().map(|r| r[column + 1].parse().unwrap()).collect();
        let from_api: Vec<u64> = level["people"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(from_csv, from_api, "{}", level["id"]);
    }
    assert!(page.body.contains(&format!("<g data-series=\"{}\">", rows[0][1])), "each series is a group");

    // People: paged like GitHub's REST API, sorted by login, each once; the opted-out one nowhere.
    let all = walk_people(&app, "", false).await;
    let logins: Vec<&str> = all.iter().map(|p| p["login"].as_str().unwrap()).collect();
    let mut sorted = logins.clone();
    sorted.sort_by_key(|l| l.to_lowercase());
    assert_eq!(logins, sorted);
    assert_eq!(logins.iter().collect::<BTreeSet<_>>().len(), logins.len());
    assert!(!logins.contains(&gone.login.as_str()));
    assert_eq!(all.len() as u64, growth["headline"]["people"].as_u64().unwrap());
    for p in &all {
        check_schema(&doc, "/api/v1/orgs/{org}/people", &Value::Array(vec![p.clone()]));
    }
    assert_eq!(get(&app, "/api/v1/orgs/acme/people?per_page=101", false).await.status, 400);
    assert_eq!(get(&app, "/api/v1/orgs/acme/people?level=no-such-level", false).await.status, 400);
    assert_eq!(get(&app, "/orgs/acme/people?activity=asleep", false).await.status, 400);

    // Each headline number links to the people behind it: as many on that list (page and API) as the
    // number says, and exactly those of the whole list that it counts.
    let (mut followed, mut paged_filters) = (0, 0);
    for (query, n) in headline_links(&page.body) {
        let counted = |p: &Value| counts(&query, p);
        assert_eq!(all.iter().filter(|p| counted(p)).count() as u64, n, "{query}");
        let listed = walk_people(&app, &query, false).await;
        assert_eq!(listed.len() as u64, n, "{query}");
        assert!(listed.iter().all(counted), "{query} lists someone it does not count");
        let page = get(&app, &format!("/orgs/acme/people?{query}&per_page=5"), false).await;
        let shown = if query.is_empty() { "people." } else { "people of those behind the number" };
        assert!(page.body.contains(&format!("<data value=\"{n}\">{n}</data> {shown}")), "{query}");
        if n > 5 {
            paged_filters += usize::from(!query.is_empty());
            // The next page keeps the filter.
            let next = page.body.split("rel=\"next\" href=\"?").nth(1).unwrap().split('"').next().unwrap();
            let next = next.replace("&#38;", "&").replace("&amp;", "&");
            let next: BTreeSet<&str> = next.split('&').collect();
            let kept: BTreeSet<&str> =
                query.split('&').filter(|q| !q.is_empty()).chain(["per_page=5", "page=2"]).collect();
            assert!(next.is_superset(&kept), "{query}: {next:?}");
        }
        followed += 1;
    }
    assert_eq!(followed, levels.len() + 4, "active maintainers, each level, ready, everyone and active");
    assert!(paged_filters >= 2, "filtered lists long enough to page: {paged_filters}");

    // Every person, for each audience: exactly what `ladder status --json` says; private evidence
    // only for admins.
    let mut private_somewhere = false;
    for person in history.people.iter().filter(|p| !p.bot && p.login != gone.login) {
        for admin in [false, true] {
            let answer = get(&app, &format!("/api/v1/orgs/acme/people/{}", person.login), admin).await;
            assert_eq!(answer.status, 200, "{}: {}", person.login, answer.body);
            let mut json = answer.json();
            check_schema(&doc, "/api/v1/orgs/{org}/people/{login}", &json);
            json.as_object_mut().unwrap().remove("months");
            assert_eq!(json, status(&app, &person.login, !admin), "{} (admin: {admin})", person.login);
            let text = json.to_string();
            if admin {
                private_somewhere |= text.contains(&secret_repo);
            } else {
                assert!(!text.contains(&secret_repo), "{}: private evidence shown to the public", person.login);
            }
            let person_page = get(&app, &format!("/orgs/acme/people/{}", person.login), admin).await;
            assert_eq!(person_page.status, 200);
            let total = json["signals"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>();
            assert!(person_page.body.contains(&format!("<data value=\"{total}\">{total}</data> credited signals")));
            assert!(
                admin || !person_page.body.contains(&secret_repo),
                "{}: private evidence on a public page",
                person.login
            );
        }
    }
    assert!(private_somewhere, "someone has evidence in the private repository");

    // Opted out and unknown: the same 404, on pages and in the API.
    let missing = |login: &str, body: &str| body.replace(login, "LOGIN");
    for admin in [false, true] {
        let a = get(&app, &format!("/api/v1/orgs/acme/people/{}", gone.login), admin).await;
        let b = get(&app, "/api/v1/orgs/acme/people/no-such-person", admin).await;
        assert_eq!((a.status, b.status), (404, 404));
        assert_eq!(missing(&gone.login, &a.body), missing("no-such-person", &b.body));
        let page = get(&app, &format!("/orgs/acme/people/{}", gone.login), admin).await;
        assert_eq!(page.status, 404);
    }
    assert_eq!(get(&app, "/orgs/no-such-org", false).await.status, 404);
    let api = get(&app, "/api/v1/orgs/no-such-org/repos", false).await;
    assert_eq!((api.status, api.json()["message"].as_str().is_some()), (404, true));

    // Repositories: the private one only for admins; the API says what `ladder repos --json` does.
    for admin in [false, true] {
        let repos = get(&app, "/api/v1/orgs/acme/repos", admin).await;
        check_schema(&doc, "/api/v1/orgs/{org}/repos", &repos.json());
        let mut cmd = ladder_command(&app.db.url);
        cmd.args(["repos", "--org", ORG.1, "--json"]);
        if !admin {
            cmd.arg("--public");
        }
        let cli: Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
        assert_eq!(repos.json(), cli, "admin: {admin}");
        assert_eq!(repos.body.contains(&secret_repo), admin);
        let page = get(&app, "/orgs/acme/repos", admin).await;
        assert_eq!(page.body.contains(&secret_repo), admin);
        // Still named in CODEOWNERS, the opted-out maintainer is shown nowhere; the other one is.
        assert!(page.body.contains(&kept.login) && !page.body.contains(&gone.login), "admin: {admin}");
        assert!(!repos.body.contains(&gone.login));
        assert_eq!(page.header("cache-control") == Some("no-store"), admin);
    }
    check_schema(&doc, "/api/v1/orgs", &get(&app, "/api/v1/orgs", false).await.json());

    // The people CSV is for admins: the public is sent to log in.
    let public = get(&app, "/orgs/acme/people.csv", false).await;
    assert_eq!((public.status, public.header("location")), (303, Some("/login")));
    let csv = get(&app, "/orgs/acme/people.csv", true).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("login,level,activity,last_activity,ready_for_a_role,code_signals"));
    assert_eq!(
        lines.len() as u64 - 1,
        get(&app, "/api/v1/orgs/acme/growth", true).await.json()["headline"]["people"].as_u64().unwrap()
    );
    assert!(!csv.body.contains(&gone.login));
    app.running.stop().await;
}

/// The people lists the overview's headline links to (their query strings) and the number each shows.
fn headline_links(page: &str) -> Vec<(String, u64)> {
    let headline = page.split("<ul class=\"headline\">").nth(1).unwrap().split("</ul>").next().unwrap();
    headline
        .split("<a href=\"/orgs/acme/people")
        .skip(1)
        .map(|rest| {
            let (href, rest) = rest.split_once("\">").unwrap();
            let value = rest.strip_prefix("<data value=\"").unwrap().split('"').next().unwrap();
            (href.trim_start_matches('?').replace("&amp;", "&"), value.parse().unwrap())
        })
        .collect()
}

/// Whether a headline list with this query counts this person (as the whole list's API shows them).
fn counts(query: &str, person: &Value) -> bool {
    query.split('&').filter(|q| !q.is_empty() && !q.starts_with("sort=")).all(|q| match q.split_once('=').unwrap() {
        ("level", id) => person["level"] == id,
        ("activity", a) => person["activity"] == a,
        ("ready", "true") => person["ready_for_a_role"] == true,
        ("maintainers", "true") => {
            ["maintainer", "champion", "tsc_member"].contains(&person["role"].as_str().unwrap_or(""))
        }
        other => panic!("the overview links to an unknown filter {other:?}"),
    })
}

/// Every page of a people list (`query` its filter, if any), following the `Link` header.
async fn walk_people(app: &App, query: &str, admin: bool) -> Vec<Value> {
    let mut path = format!("/api/v1/orgs/acme/people?per_page=7&{query}");
    let mut all = Vec::new();
    loop {
        let page = get(app, &path, admin).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let link = page.header("link").unwrap_or_default().to_owned();
        assert!(link.contains("rel=\"last\""), "{link}");
        all.extend(page.json().as_array().unwrap().iter().cloned());
        let next = link.split(", ").find(|l| l.ends_with("rel=\"next\""));
        match next {
            Some(next) => path = next.trim_start_matches('<').split('>').next().unwrap().to_owned(),
            None => return all,
        }
    }
}

on_both_engines!(admins_log_in_with_a_session_that_is_not_the_token_and_log_out);

/// The login form starts a session (a cookie that is not the token, `Secure`, `HttpOnly`,
/// `SameSite=Strict`, expiring); with it the pages show private data and are never cached; logging
/// out ends it. Wrong tokens are answered 401, and too many of them 429 with `Retry-After`.
async fn admins_log_in_with_a_session_that_is_not_the_token_and_log_out(engine: Engine) {
    let mut history = Org::generate(5, Size { repos: 3, prs: 30, issues: 10 });
    history.private.insert(PRIVATE);
    let app = App::start(engine).await;
    deliver_all(&app, &history).await;
    let secret_repo = private_repo(&history);
    let http = app.http();
    let form = "application/x-www-form-urlencoded";

    assert_eq!(http.fetch("GET", "/login", &[], "").await.status, 200);
    let wrong = http.fetch("POST", "/login", &[("content-type", form)], "token=nope&next=%2Forgs%2Facme").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    let right = format!("token={ADMIN_TOKEN}&next=%2Forgs%2Facme%2Frepos");
    let login = http.fetch("POST", "/login", &[("content-type", form)], &right).await;
    assert_eq!((login.status, login.header("location")), (303, Some("/orgs/acme/repos")));
    let cookie = login.header("set-cookie").unwrap().to_owned();
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Max-Age=43200", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains(ADMIN_TOKEN));
    let session = cookie.split(';').next().unwrap().to_owned();
    let as_admin = http.fetch("GET", "/orgs/acme/repos", &[("cookie", &session)], "").await;
    assert!(as_admin.body.contains(&secret_repo));
    assert_eq!(as_admin.header("cache-control"), Some("no-store"));
    assert!(as_admin.body.contains("Log out"));
    // The store keeps no session id, only its hash.
    let id = session.split('=').nth(1).unwrap();
    assert_eq!(app.db.scalar(&format!("SELECT COUNT(*) FROM admin_sessions WHERE id_hash = '{id}'")).await, 0);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM admin_sessions").await, 1);

    let logout = http.fetch("POST", "/logout", &[("cookie", &session)], "").await;
    assert_eq!(logout.status, 303);
    assert!(logout.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = http.fetch("GET", "/orgs/acme/repos", &[("cookie", &session)], "").await;
    assert!(!after.body.contains(&secret_repo), "the session ended");

    // Guessing: after ten wrong tokens in a minute, every try waits, the right one too.
    for _ in 0..9 {
        let bad = http.fetch("GET", "/api/v1/orgs", &[("authorization", "Bearer guess")], "").await;
        assert_eq!(bad.status, 401);
    }
    let limited = http.fetch("GET", "/api/v1/orgs", &[("authorization", "Bearer guess")], "").await;
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() <= 60);
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    assert_eq!(http.fetch("GET", "/api/v1/orgs", &[("authorization", &bearer)], "").await.status, 429);
    app.running.stop().await;
}
