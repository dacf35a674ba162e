//! The pages in a real headless Chromium, from a server seeded with a generated history and a
//! program: an admin logs in through the form; the overview, a person and the program page render
//! every chart as an image whose accessible name is its title, with one `data-series` group per
//! series of its table; the numbers shown are the API's; at a phone's width nothing scrolls
//! sideways; and screenshots of each page, at both widths, are saved under `target/screenshots/`.

use std::path::PathBuf;

use serde_json::Value;

use crate::program::{Program, program_app};
use crate::support::Engine;
use crate::support::browser::Browser;
use crate::support::secrets::ADMIN_TOKEN;

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

async fn api(program: &Program, path: &str) -> Value {
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let reply = program.app.http().fetch("GET", path, &[("authorization", &bearer)], "").await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

/// Checks every chart on the page: an image named by its title, one series group per column of its
/// table. Returns how many charts there are.
async fn charts_are_named_images(browser: &Browser) -> usize {
    let figures = browser.find_all("figure").await;
    for figure in &figures {
        let svg = &browser.find_in(figure, "svg").await[0];
        assert_eq!(browser.attribute(svg, "role").await.as_deref(), Some("img"));
        assert_eq!(browser.role(svg).await, "image", "Chromium sees an image");
        let name = browser.accessible_name(svg).await;
        let title = browser.property(&browser.find_in(svg, "title").await[0], "textContent").await;
        assert!(!title.is_empty() && name.starts_with(&title), "named {name:?}, titled {title:?}");
        let series = browser.find_in(svg, "g[data-series]").await.len();
        let columns = browser.find_in(figure, "thead th").await.len() - 1;
        assert_eq!(series, columns, "{name}: {series} series drawn, {columns} in its table");
        let caption = browser.find_in(figure, "figcaption").await;
        let trend = browser.text(&caption[0]).await;
        assert!(!trend.is_empty() && name.ends_with(&trend), "{name}: its description is its trend, {trend:?}");
    }
    figures.len()
}

/// Takes the page's screenshots at a desktop's and a phone's width, and checks that at the phone's
/// nothing scrolls sideways but a table's own box.
async fn both_widths(browser: &Browser, name: &str) {
    browser.resize(1280, 900).await;
    let png = browser.screenshot(&screenshots().join(format!("{name}-desktop.png"))).await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    browser.resize(390, 844).await;
    let overflow =
        browser.run("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    assert!(overflow.as_i64().is_some_and(|n| n <= 0), "{name} scrolls sideways at a phone's width by {overflow}px");
    browser.screenshot(&screenshots().join(format!("{name}-phone.png"))).await;
    browser.resize(1280, 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_in_chromium_as_they_should() {
    let program = program_app(Engine::Sqlite).await;
    let base = format!("http://{}", program.app.addr());
    let browser = Browser::start().await;

    // Logging in through the form (a session cookie Chromium keeps).
    browser.goto(&format!("{base}/login?next=/orgs/acme")).await;
    let token = &browser.find_all("#token").await[0];
    browser.type_into(token, ADMIN_TOKEN).await;
    browser.click_to(&browser.find_all("form button").await[0], "/orgs/acme").await;
    assert!(!browser.find_all("form[action='/logout']").await.is_empty(), "logged in");

    // The overview: five charts, and the headline numbers the API gives.
    assert_eq!(charts_are_named_images(&browser).await, 5);
    let growth = api(&program, "/api/v1/orgs/acme/growth").await;
    let shown = browser.run("return [...document.querySelectorAll('.headline data')].map(d => Number(d.value))").await;
    let shown: Vec<u64> = shown.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let h = &growth["headline"];
    let mut expected = vec![h["active_maintainers"].as_u64().unwrap()];
    let levels = growth["levels"].as_array().unwrap();
    for level in levels {
        expected.push(h["by_level"][level["id"].as_str().unwrap()].as_u64().unwrap());
    }
    for key in ["ready_for_a_role", "repos_at_risk", "people", "active"] {
        expected.push(h[key].as_u64().unwrap());
    }
    assert_eq!(shown, expected);
    // The levels chart draws one series per level.
    let levels_chart = &browser.find_all("#figure-levels svg").await[0];
    assert_eq!(browser.find_in(levels_chart, "g[data-series]").await.len(), levels.len());
    both_widths(&browser, "overview").await;

    // A headline number is a link to the people behind it: following "ready for a role" lists them.
    let ready = browser.find_all(".headline a[href*='ready=true']").await;
    browser.click_to(&ready[0], "/orgs/acme/people").await;
    let listed = browser.run("return Number(document.querySelector('main p data').value)").await;
    assert_eq!(listed.as_u64(), h["ready_for_a_role"].as_u64());
    let rows =
        browser.run("return [...document.querySelectorAll('tbody tr td:last-child')].map(c => c.textContent)").await;
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|c| c == "yes"), "{rows:?}");

    // A person: their chart, and their number of credited signals as the API counts it.
    browser.goto(&format!("{base}/orgs/acme/people/{}", program.mentee)).await;
    assert_eq!(charts_are_named_images(&browser).await, 1);
    let person = api(&program, &format!("/api/v1/orgs/acme/people/{}", program.mentee)).await;
    let total: u64 = person["signals"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    let shown = browser.run("return Number(document.querySelector('.headline data').value)").await;
    assert_eq!(shown.as_u64(), Some(total));
    both_widths(&browser, "person").await;

    // The program: a progress bar per mentee enrolled now, each the API's number.
    browser.goto(&format!("{base}/orgs/acme/program")).await;
    let bars = browser.run("return [...document.querySelectorAll('progress')].map(p => p.value)").await;
    let past = api(&program, "/api/v1/orgs/acme/cohorts/past").await;
    let now = api(&program, "/api/v1/orgs/acme/cohorts/now").await;
    let mut expected: Vec<u64> = past["mentees"]
        .as_array()
        .unwrap()
        .iter()
        .chain(now["mentees"].as_array().unwrap())
        .map(|m| m["progress"].as_u64().unwrap())
        .collect();
    let mut shown: Vec<u64> = bars.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    expected.sort_unstable();
    shown.sort_unstable();
    assert_eq!(shown, expected);
    both_widths(&browser, "program").await;
    program.app.running.stop().await;
}
