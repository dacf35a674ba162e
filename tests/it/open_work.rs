//! Open work as backfill records it: every issue and pull request open now, with its labels (by id
//! and current name), assignees, requested reviewers (people; a team's fields are never asked for),
//! draft flag, and who reviewed
//! or replied first; items closed or merged since leave it; a run limited by `--since` still records
//! every item open now; a list GitHub returned short is read again; opted-out people's logins are
//! never stored.

use std::sync::Arc;

use chrono::{Duration, Utc};
use ladder::github::history::Reader;
use ladder::store::backfills::Selection;
use ladder_core::open_work::{OpenItem, Role};

use crate::backfill::{backfill, selection};
use crate::on_both_engines;
use crate::support::github::{FakeGitHub, READ_TOKEN};
use crate::support::org::{ORG, Org, Size, Step};
use crate::support::{Engine, TestDb};

const SIZE: Size = Size { repos: 2, prs: 160, issues: 120 };

fn is_open(history: &Org, index: usize, is_pr: bool) -> bool {
    let item = &history.items[index];
    item.is_pr == is_pr && item.state() == "OPEN"
}

/// The open work the store holds for each repository of `history`, beside what the model says.
async fn compare(store: &ladder::store::Store, history: &Org, blank: Option<i64>) -> Vec<OpenItem> {
    let mut all = Vec::new();
    for (index, (repo_id, name)) in history.repos.iter().enumerate() {
        let stored = store.open_work().of_repo(*repo_id).await.unwrap();
        let mut expected = history.open_work(index);
        for item in &mut expected {
            for account in std::iter::once(&mut item.author).chain(item.people.iter_mut().map(|p| &mut p.account)) {
                if Some(account.id) == blank {
                    account.login.clear();
                }
            }
        }
        assert_eq!(stored.len(), expected.len(), "open items in {name}");
        for (got, want) in stored.iter().zip(&expected) {
            assert_eq!(got, want, "{name}#{}", want.number);
        }
        all.extend(stored);
    }
    all
}

on_both_engines!(backfill_records_open_work_as_it_is_now);

async fn backfill_records_open_work_as_it_is_now(engine: Engine) {
    let history = Arc::new(Org::generate(21, SIZE));
    let github = FakeGitHub::start().await;
    github.serve_history(Arc::clone(&history));
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    let reader = Reader::with_token(&github.url(), READ_TOKEN).unwrap();
    let run = backfill(&reader, &store);
    let summary = run.run(&selection()).await.expect("backfill");
    assert!(summary.failed.is_empty(), "{summary:?}");

    let open = compare(&store, &history, None).await;
    // The history holds every case: drafts, people (and teams) asked to review, labels, assignees,
    // first-time contributors, items waiting for a first reply and items replied to.
    let has = |f: &dyn Fn(&OpenItem) -> bool| open.iter().filter(|i| f(i)).count();
    assert!(has(&|i| i.is_pull_request) > 10 && has(&|i| !i.is_pull_request) > 10, "{} open", open.len());
    assert!(has(&|i| i.draft) > 0);
    assert!(has(&|i| i.people.iter().any(|p| p.role == Role::Requested)) > 0);
    assert!(has(&|i| i.people.iter().any(|p| p.role == Role::Assignee)) > 0);
    assert!(has(&|i| !i.labels.is_empty()) > 0);
    assert!(has(&|i| i.is_first_time()) > 0);
    assert!(has(&|i| i.replied_at().is_none()) > 0 && has(&|i| i.replied_at().is_some()) > 0);
    // Labels and assignees that came back short were read again, item by item.
    let calls = github.graphql_calls();
    for op in ["PullRequestNow", "IssueNow"] {
        assert!(calls.iter().any(|c| c == op), "no {op} among {} queries", calls.len());
    }

    // Later: an issue is closed, a pull request merged, another issue labelled. The next run (a new
    // one: the last finished) records the change.
    let mut later = Org::generate(21, SIZE);
    let now = Utc::now() - Duration::minutes(5);
    let open_issues: Vec<usize> = (0..later.items.len()).filter(|&i| is_open(&later, i, false)).collect();
    let open_pull = (0..later.items.len()).find(|&i| is_open(&later, i, true)).expect("an open pull request");
    let changes = [
        (open_issues[0], Step::Closed { by: 3 }),
        (open_pull, Step::Merged { by: 4 }),
        (open_issues[1], Step::Labeled { label: "enhancement".into(), by: 5 }),
    ];
    for (index, step) in changes {
        later.items[index].steps.push((now, step));
    }
    let gone = [open_issues[0], open_pull].map(|i| (later.items[i].repo, later.items[i].number));
    let later = Arc::new(later);
    github.serve_history(Arc::clone(&later));
    let again = run.run(&selection()).await.expect("second backfill");
    assert!(!again.resumed && again.failed.is_empty(), "{again:?}");
    compare(&store, &later, None).await;
    for (repo, number) in gone {
        let left = store.open_work().of_repo(later.repos[repo].0).await.unwrap();
        assert!(left.iter().all(|i| i.number != number), "#{number} left open work");
    }

    // A person who opts out afterwards keeps their place in open work, without their login.
    let named = "SELECT (SELECT COUNT(*) FROM open_item_people WHERE person_id = 107 AND login IS NOT NULL) \
                      + (SELECT COUNT(*) FROM open_items WHERE author_id = 107 AND author_login IS NOT NULL)";
    let involved = "SELECT COUNT(*) FROM open_item_people WHERE person_id = 107";
    let before = db.scalar(involved).await;
    assert!(db.scalar(named).await > 0, "person 7 is involved in open work");
    store.people().opt_out(107, "person7", Utc::now()).await.unwrap();
    assert_eq!(db.scalar(named).await, 0);
    assert_eq!(db.scalar(involved).await, before);

    // A run limited to the last day on a fresh store still records every item open now (their facts
    // from that day on only), and a person who opted out is recorded without their login.
    let fresh = TestDb::new(engine).await;
    let fresh_store = fresh.store().await;
    let person = &later.people[7];
    assert_eq!((person.id, person.login.as_str()), (107, "person7"));
    fresh_store.people().opt_out(person.id, &person.login, Utc::now()).await.unwrap();
    let day = Selection { owner: ORG.1.into(), repo: None, since: Some(Utc::now() - Duration::days(1)) };
    let pages = || github.graphql_calls().iter().filter(|c| c.as_str() == "PullRequests").count();
    let before = pages();
    let recent = backfill(&reader, &fresh_store).run(&day).await.expect("backfill since a day ago");
    assert!(recent.failed.is_empty(), "{recent:?}");
    // Pull requests, newest first, are read up to the first one older than the day (a page each),
    // and those open now (another page each), not the rest of the history.
    let open_pulls = (0..later.repos.len()).map(|r| later.open_work(r).iter().filter(|i| i.is_pull_request).count());
    assert!(open_pulls.max().unwrap() <= 50);
    assert_eq!(pages() - before, 2 * later.repos.len());
    compare(&fresh_store, &later, Some(person.id)).await;
    assert_eq!(fresh.scalar(named).await, 0);
    assert!(fresh.scalar(involved).await > 0);
    let old = format!(
        "SELECT COUNT(*) FROM signals WHERE occurred_at < {}",
        (Utc::now() - Duration::days(2)).timestamp_millis()
    );
    assert_eq!(fresh.scalar(&old).await, 0, "no fact older than the run's start");
}

on_both_engines!(the_database_offers_what_the_rules_offer);

/// [`OpenWork::offers`](ladder::store::OpenWork::offers) answers in SQL what
/// [`ladder_core::next_steps::offer`] decides over every open item: the same counts and the same
/// items, in the same order, for people with and without repositories of their own, an author, an
/// assignee, and every audience.
async fn the_database_offers_what_the_rules_offer(engine: Engine) {
    use ladder_core::credit::Bots;
    use ladder_core::next_steps::{Lookup, Need, Place, Seeker, offer};
    use std::collections::BTreeSet;

    let db = TestDb::new(engine).await;
    let store = db.store().await;
    crate::support::bulk::fill_open_work(&db, 1500).await;
    // A repository made private after its items were seen: what it is now decides.
    let pool = db.pool().await;
    sqlx::query("UPDATE repositories SET private = 1 WHERE id = 46").execute(&pool).await.unwrap();
    pool.close().await;
    let items = store.open_work().of_org(900).await.unwrap();
    assert_eq!(items.len(), 1500 - 30, "the removed repository's items are not the org's");
    assert!(items.iter().filter(|i| i.repo_id == 46 || i.repo_id == 47).all(|i| i.private));
    let bots = Bots::new(["asyncapi-bot"]);
    let now = Utc::now();
    let some: BTreeSet<String> = ["asyncapi/repo-3", "ASYNCAPI/Repo-4", "asyncapi/repo-47", "asyncapi/repo-9"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let all: BTreeSet<String> = (0..48).map(|r| format!("asyncapi/repo-{r}")).collect();
    let none = BTreeSet::new();
    let seekers = [(3, &some), (4, &all), (703, &all), (999, &none)];
    let places = [Place::Trusted, Place::Public, Place::In("asyncapi/repo-47"), Place::In("asyncapi/repo-3")];
    let needs = [Need::Triage, Need::Review, Need::Newcomers, Need::Contribution];
    let mut nonempty = 0;
    for (id, repos) in seekers {
        let seeker = Seeker { id, repos };
        for place in places {
            let lookup = Lookup { seeker, bots: &bots, place, now };
            let stored = store.open_work().offers(900, &needs, lookup).await.unwrap();
            for need in needs {
                let want = offer(need, &items, lookup);
                assert_eq!(stored[&need], want, "{need:?} for {id} in {place:?}");
                nonempty += usize::from(want.found > 0);
                let private = ["asyncapi/repo-46", "asyncapi/repo-47"];
                if place == Place::Public {
                    assert!(want.items.iter().all(|i| !private.contains(&i.repo.as_str())), "{want:?}");
                }
                assert!(want.items.iter().all(|i| i.repo != "asyncapi/repo-48"), "{want:?}");
            }
        }
    }
    assert!(nonempty > 50, "the cases offer something: {nonempty}");
    assert!(
        store
            .open_work()
            .offers(
                901,
                &needs,
                Lookup { seeker: Seeker { id: 3, repos: &all }, bots: &bots, place: Place::Trusted, now }
            )
            .await
            .unwrap()
            .values()
            .all(|o| o.found == 0),
        "another org's items are never offered"
    );
}
