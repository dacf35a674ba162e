//! Calibration end to end: a backfill over the fake GitHub records a generated org's history with
//! known promotions (people named in its `CODEOWNERS` commits); `ladder calibrate` finds exactly those
//! promotions and dates, each promoted person's values equal an evaluation of a store that holds only
//! the signals from before their promotion, and the distributions and suggestions equal values
//! computed here by hand.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use ladder::github::history::Reader;
use ladder::pipeline::views;
use ladder_core::calibration::{Calibration, LevelCheck};
use ladder_core::ladder::{Ladder, Metric, evaluate};
use ladder_core::signal::Org as SignalOrg;

use crate::backfill::{backfill, selection};
use crate::on_both_engines;
use crate::support::github::{FakeGitHub, READ_TOKEN};
use crate::support::org::{ORG, Org, Size};
use crate::support::secrets::ADMIN_TOKEN;
use crate::support::{App, Engine, TestDb, ladder_command};

on_both_engines!(calibration_finds_the_promotions_the_history_made);

/// When each login was first named in any `CODEOWNERS` file of the history, read here with nothing
/// but the file format: every `@name` on a line that is not a comment; in whole seconds, as GitHub
/// tells a commit's date.
fn named_first(history: &Org) -> BTreeMap<String, DateTime<Utc>> {
    let mut first: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    for file in &history.codeowners {
        for (_, at, text) in &file.revisions {
            let lines = text.iter().flat_map(|t| t.lines()).filter(|l| !l.trim_start().starts_with('#'));
            for name in lines.flat_map(str::split_whitespace).filter_map(|w| w.strip_prefix('@')) {
                let at = at.trunc_subsecs(0);
                let when = first.entry(name.to_owned()).or_insert(at);
                *when = (*when).min(at);
            }
        }
    }
    first
}

/// The nearest-rank percentile, by hand: the value at rank ⌈p·n/100⌉ of the sorted values.
fn percentile(sorted: &[u64], p: usize) -> u64 {
    let rank = (p * sorted.len()).div_ceil(100);
    sorted[rank.max(1) - 1]
}

fn level<'a>(calibration: &'a Calibration, id: &str) -> &'a LevelCheck {
    calibration.levels.iter().find(|l| l.level == id).expect("the level is calibrated")
}

async fn calibration_finds_the_promotions_the_history_made(engine: Engine) {
    let history = Arc::new(Org::generate(16, Size { repos: 2, prs: 240, issues: 120 }));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let summary = backfill(&reader, &store).run(&selection()).await.expect("backfill");
    assert!(summary.failed.is_empty(), "{summary:?}");

    let org = SignalOrg { id: ORG.0, login: ORG.1.into() };
    let ladder = Ladder::builtin();
    let now = Utc::now();
    let calibration = views::calibration(&store, &org, &ladder, now).await.unwrap();
    let maintainer = level(&calibration, "maintainer");

    // Exactly the promotions the history made, on the day of the commit that first named each person.
    let expected = named_first(&history);
    assert_eq!(expected.len(), 40, "every generated person is named somewhere");
    let found: BTreeMap<String, DateTime<Utc>> = maintainer.promoted.iter().map(|c| (c.login.clone(), c.at)).collect();
    assert_eq!(found, expected);
    assert!(calibration.unresolved.is_empty(), "{:?}", calibration.unresolved);
    assert!(level(&calibration, "triager").promoted.is_empty(), "no triager line in the history");

    // As of each promotion: the same values as a store holding only the signals from before it.
    let everything = store.people().signals_in_org_since(org.id, DateTime::<Utc>::MIN_UTC).await.unwrap();
    let mut checked = 0;
    for c in maintainer.promoted.iter().step_by(13) {
        let before = TestDb::new(engine).await;
        let earlier = before.store().await;
        let signals: Vec<_> = everything.iter().filter(|s| s.occurred_at < c.at).cloned().collect();
        earlier.people().record_signals("calibration-test", &signals, now).await.unwrap();
        let person = store.people().people_by_login(&c.login).await.unwrap().remove(0);
        let facts = earlier.people().facts_of(org.id, person.id, &ladder).await.unwrap();
        let then = evaluate(&ladder, &facts, None, c.at);
        let values: Vec<(Metric, u64)> = ladder
            .level("maintainer")
            .unwrap()
            .requires
            .iter()
            .map(|(metric, _)| (*metric, then.metrics.get(metric).map_or(0, |m| m.value)))
            .collect();
        let got: Vec<(Metric, u64)> = c.values.iter().take(values.len()).map(|(m, have, _)| (*m, *have)).collect();
        assert_eq!(got, values, "{} as of {}", c.login, c.at);
        assert_eq!(c.values.last().map(|v| (v.0, v.1, v.2)), Some((Metric::Endorsements, 0, 2)), "nobody was endorsed");
        checked += 1;
    }
    assert_eq!(checked, 4);

    // Distributions and suggestions, by hand.
    for (i, spread) in maintainer.spreads.iter().enumerate() {
        let mut values: Vec<u64> = maintainer.promoted.iter().map(|c| c.values[i].1).collect();
        values.sort_unstable();
        let want = (values[0], percentile(&values, 25), percentile(&values, 50), Some(percentile(&values, 25)));
        assert_eq!((spread.min, spread.p25, spread.median, spread.suggested), want, "{}", spread.metric);
    }
    // The built-in maintainer level asks for two endorsements: nobody was ready at promotion.
    assert_eq!(maintainer.ready(), 0);
    // person0 is named in the first CODEOWNERS revision recorded: a founding name, said as such.
    let founding: Vec<&str> = maintainer.promoted.iter().filter(|c| c.founding).map(|c| c.login.as_str()).collect();
    assert_eq!(founding, ["person0"]);
    // Candidates: meet the triager level today, named for nothing (everyone was named maintainer).
    assert!(level(&calibration, "triager").candidates.is_empty());

    // The command prints the same, with the suggestion labelled as one.
    let out = ladder_command(&db.url).args(["calibrate", "--org", ORG.1]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text, calibration.to_text(), "the command and the view agree");
    assert!(text.contains("Maintainer (role maintainer): 40 promotions found"), "{text}");
    assert!(text.contains("# A SUGGESTION, not applied"), "{text}");
    let json = ladder_command(&db.url).args(["calibrate", "--org", ORG.1, "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let levels = json["levels"].as_array().unwrap();
    assert_eq!(levels.iter().find(|l| l["level"] == "maintainer").unwrap()["promotions"], 40);
    if std::env::var_os("LADDER_PRINT_CALIBRATION").is_some() {
        println!("{text}");
    }

    // The page says the same, to admins only.
    let app = App::start_with(db, |_| {}).await;
    let public = app.http().fetch("GET", "/orgs/acme/calibration", &[], "").await;
    assert_eq!((public.status, public.header("location")), (303, Some("/login")));
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let page = app.http().fetch("GET", "/orgs/acme/calibration", &[("authorization", bearer.as_str())], "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.body.contains("<h2>Maintainer (role maintainer)</h2>"), "{}", page.body);
    assert!(page.body.contains("<data value=\"40\">40</data> promotions found"), "{}", page.body);
    assert!(page.body.contains("A SUGGESTION, not applied"), "{}", page.body);
    assert!(page.body.contains("<data value=\"1\">1</data> named in a repository's first"), "{}", page.body);
}
