//! Readiness on pull requests: the sticky comment on a PR and the labels it carries, decided from where
//! its author stands.
//!
//! Owns: [`pr_view`], which picks the pull request events the app acts on (opened, reopened, ready for
//! review; by a person, still open), [`merge_in`] and [`level_up_by`], the comment when a merge moves
//! its author up the ladder (once per person and level), and [`plan`], which decides, from the author's enrolment and
//! report, the sticky readiness comment (per `readiness_comments`) and the labels under the ladder's
//! prefix: `mentee` on enrolled mentees' PRs, `ready:<level>` when the author meets a level tied to a
//! role they do not hold yet. Labels outside the prefix are never touched, and a label is added or
//! removed only when it is wrong, because each change re-runs the org's automerge workflow.
//!
//! Never does: I/O, or render the comment's words (see [`crate::text::reply::readiness`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::event::{Account, Event, PullRequestEvent, Repository};

use crate::ladder::config::ReadinessComments;
use crate::ladder::{Facts, Ladder};
use crate::plan::action::{Action, Planned};
use crate::report::{Person, Report};
use crate::roles::Grant;
use crate::signal::{Kind, Org, Repo, Signal};
use crate::text::reply;

/// An open pull request the app should look at, as an event showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrView {
    pub org: Org,
    pub repo: Repo,
    pub installation_id: Option<i64>,
    pub number: i64,
    pub author: Account,
    /// Labels on the PR when the event happened.
    pub labels: Vec<String>,
    /// The delivery that showed it: actions are keyed by it, so a redelivery plans nothing new.
    pub delivery: String,
}

/// The pull request an event asks the app to look at, if any.
pub fn pr_view(event: &Event, ladder: &Ladder, delivery: &str) -> Option<PrView> {
    let Event::PullRequest(e) = event else { return None };
    let repository = e.envelope.repository.as_ref()?;
    let pr = &e.pull_request;
    let wanted = matches!(e.envelope.action(), "opened" | "reopened" | "ready_for_review");
    (wanted && !ladder.bots.is_bot(&pr.user)).then(|| view(e, repository, delivery))
}

fn view(e: &PullRequestEvent, repository: &Repository, delivery: &str) -> PrView {
    let pr = &e.pull_request;
    PrView {
        org: Org { id: repository.owner.id, login: repository.owner.login.clone() },
        repo: Repo { id: repository.id, full_name: repository.full_name.clone(), private: repository.is_private() },
        installation_id: e.envelope.installation.as_ref().map(|i| i.id),
        number: pr.number,
        author: pr.user.clone(),
        labels: pr.labels.iter().map(|l| l.name.clone()).collect(),
        delivery: delivery.to_owned(),
    }
}

/// A merged pull request by a person: the merge may move its author up the ladder.
pub fn merge_view(event: &Event, ladder: &Ladder, delivery: &str) -> Option<PrView> {
    let Event::PullRequest(e) = event else { return None };
    let repository = e.envelope.repository.as_ref()?;
    let pr = &e.pull_request;
    let merged = e.envelope.action() == "closed" && pr.was_merged();
    (merged && !ladder.bots.is_bot(&pr.user)).then(|| view(e, repository, delivery))
}

/// Whether an org's history is in the store: no backfill of it began, or one has finished. While
/// its first backfill is under way, what the store knows of a person is only part of their past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    Recorded,
    Pending,
}

/// Whether level-ups and `ready` labels are announced: not while history is pending (a five-year
/// contributor must not be congratulated on a "first" merge, nor labelled from half their past).
pub fn announces(history: History) -> bool {
    history == History::Recorded
}

/// Whether the app comments on this author's pull requests at all (`readiness_comments`).
pub fn comments_for(ladder: &Ladder, enrolled: bool) -> bool {
    match ladder.readiness_comments {
        ReadinessComments::Everyone => true,
        ReadinessComments::Enrolled => enrolled,
        ReadinessComments::Off => false,
    }
}

/// The author's merge among the `signals` a merged PR's delivery derived.
pub fn merge_in<'a>(pr: &PrView, signals: &'a [Signal]) -> Option<&'a Signal> {
    signals.iter().find(|s| s.kind == Kind::PrMerged && s.actor.id == pr.author.id)
}

/// The level-up comment, if `merge` (not recorded yet) moves the author of `pr` up a level: where
/// they stand with their recorded `facts` and the merges `earlier` in the same batch (not recorded
/// either; only the author's in the same org count), against where they stand with `merge` too.
/// `grants` are the author's roles in the org.
pub fn level_up_by(
    ladder: &Ladder,
    pr: &PrView,
    merge: &Signal,
    facts: Facts,
    earlier: &[Signal],
    grants: Vec<Grant>,
    now: DateTime<Utc>,
) -> Option<Planned> {
    let mine = earlier.iter().filter(|m| m.actor.id == pr.author.id && m.org.id == pr.org.id);
    let facts = mine.fold(facts, |facts, m| facts.with_merged_pr(m, ladder));
    let person = Person { id: pr.author.id, login: pr.author.login.clone() };
    let report = |facts: &Facts| Report::new(pr.org.clone(), person.clone(), facts, ladder, grants.clone(), now);
    let before = report(&facts).readiness.level;
    level_up(ladder, pr, before.as_deref(), &report(&facts.with_merged_pr(merge, ladder)))
}

/// The level-up comment when a merge moved the author from `before` to `after` (level ids, `None`
/// below the first), once per person and level ever.
fn level_up(ladder: &Ladder, pr: &PrView, before: Option<&str>, after: &Report) -> Option<Planned> {
    let reached = after.readiness.level.as_deref()?;
    if ladder.levels_held(Some(reached)) <= ladder.levels_held(before) {
        return None;
    }
    Some(Planned {
        key: format!("levelup:{}:{}:{reached}", pr.org.id, pr.author.id),
        org_id: pr.org.id,
        installation_id: pr.installation_id,
        repo_id: pr.repo.id,
        repo: pr.repo.full_name.clone(),
        issue: pr.number,
        action: Action::Comment { body: reply::level_up(&ladder.command_prefix, after) },
    })
}

/// The labels the app wants on the PR: `mentee` for enrolled mentees, `ready:<level>` when the author's
/// level is tied to a role they do not hold.
pub fn wanted_labels(ladder: &Ladder, enrolled: bool, report: Option<&Report>) -> BTreeSet<String> {
    let mut wanted = BTreeSet::new();
    if enrolled {
        wanted.insert(format!("{}mentee", ladder.label_prefix));
    }
    if let Some(report) = report
        && let Some(level) = report.readiness.level.as_deref().and_then(|id| ladder.level(id))
        && let Some(role) = level.role
        && report.role().is_none_or(|held| held.rank() < role.rank())
    {
        wanted.insert(format!("{}ready:{}", ladder.label_prefix, level.id));
    }
    wanted
}

/// Whether a label is one the app manages.
fn ours(ladder: &Ladder, label: &str) -> bool {
    let prefix = ladder.label_prefix.to_lowercase();
    let label = label.to_lowercase();
    label == format!("{prefix}mentee") || label.starts_with(&format!("{prefix}ready:"))
}

/// The actions for one PR. `hidden` names private repositories whose evidence may not be shown there.
/// While `history` is pending, `ready` labels are neither added nor removed.
pub fn plan(
    ladder: &Ladder,
    pr: &PrView,
    enrolled: bool,
    report: Option<&Report>,
    hidden: &BTreeSet<String>,
    history: History,
) -> Vec<Planned> {
    let target = |key: String, action| Planned {
        key,
        org_id: pr.org.id,
        installation_id: pr.installation_id,
        repo_id: pr.repo.id,
        repo: pr.repo.full_name.clone(),
        issue: pr.number,
        action,
    };
    let place = format!("{}:{}:{}", pr.repo.id, pr.number, pr.delivery);
    let mut planned = Vec::new();
    if comments_for(ladder, enrolled) {
        let body = reply::readiness(ladder, &pr.author.login, report, hidden);
        planned.push(target(format!("readiness:{place}"), Action::Sticky { marker: reply::MARKER.to_owned(), body }));
    }
    let mut wanted = wanted_labels(ladder, enrolled, report);
    if !announces(history) {
        let ready = format!("{}ready:", ladder.label_prefix.to_lowercase());
        wanted.retain(|l| !l.to_lowercase().starts_with(&ready));
        wanted.extend(pr.labels.iter().filter(|l| l.to_lowercase().starts_with(&ready)).cloned());
    }
    let present: BTreeSet<String> = pr.labels.iter().map(|l| l.to_lowercase()).collect();
    let add: Vec<String> = wanted.iter().filter(|l| !present.contains(&l.to_lowercase())).cloned().collect();
    if !add.is_empty() {
        planned.push(target(format!("labels:{place}"), Action::AddLabels { labels: add }));
    }
    for label in pr.labels.iter().filter(|l| ours(ladder, l)) {
        if !wanted.iter().any(|w| w.eq_ignore_ascii_case(label)) {
            let action = Action::RemoveLabel { label: label.clone() };
            planned.push(target(format!("unlabel:{place}:{}", label.to_lowercase()), action));
        }
    }
    planned
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::roles::Role;
    use crate::signal::Subject;

    fn pr(labels: &[&str]) -> PrView {
        PrView {
            org: Org { id: 1, login: "asyncapi".into() },
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            installation_id: Some(3),
            number: 12,
            author: Account { id: 42, login: "bob".into(), account_type: Some("User".into()) },
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            delivery: "d1".into(),
        }
    }

    /// Bob with `merged` merged PRs and `triage` labels on others' issues over four months.
    fn report(merged: i64, triage: i64, role: Option<Role>) -> Report {
        let org = Org { id: 1, login: "asyncapi".into() };
        let at = |n: i64| Utc.with_ymd_and_hms(2026, 7 + (n % 4) as u32, 1, 0, 0, 0).unwrap();
        let signal = |kind, n: i64, author: i64| Signal {
            kind,
            identity: format!("{kind:?}{n}"),
            org: org.clone(),
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            subject: Some(Subject {
                number: n,
                is_pull_request: true,
                author: Some(Account { id: author, login: "x".into(), account_type: None }),
                author_association: None,
            }),
            actor: Account { id: 42, login: "bob".into(), account_type: Some("User".into()) },
            occurred_at: at(n),
            data: json!({}),
        };
        let mut signals: Vec<Signal> = (0..merged).map(|n| signal(Kind::PrMerged, n, 42)).collect();
        signals.extend((0..triage).map(|n| signal(Kind::TriageLabeled, 100 + n, 7)));
        signals.extend((0..triage).map(|n| signal(Kind::IssueComment, 200 + n, 7)));
        let ladder = Ladder::builtin();
        let facts = Facts::from_signals(&signals, &HashSet::new(), &ladder);
        let grants = role
            .map(|role| Grant { login: "bob".into(), github_id: None, repo: Some("cli".into()), role, detail: None })
            .into_iter()
            .collect();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        Report::new(org, Person { id: 42, login: "bob".into() }, &facts, &ladder, grants, now)
    }

    fn kinds(planned: &[Planned]) -> Vec<String> {
        planned
            .iter()
            .map(|p| match &p.action {
                Action::Sticky { .. } => "sticky".to_owned(),
                Action::AddLabels { labels } => format!("add {}", labels.join(",")),
                Action::RemoveLabel { label } => format!("remove {label}"),
                other => other.kind().to_owned(),
            })
            .collect()
    }

    #[test]
    fn comments_and_labels_by_enrolment_and_level() {
        let ladder = Ladder::builtin();
        let none = BTreeSet::new();
        let newcomer = report(1, 0, None);
        let triager_ready = report(3, 12, None);
        let is_triager = report(3, 12, Some(Role::Triager));
        let cases: Vec<(bool, &Report, &[&str], Vec<&str>)> = vec![
            (false, &newcomer, &[], vec![]),
            (true, &newcomer, &[], vec!["sticky", "add amp/mentee"]),
            (true, &newcomer, &["amp/mentee", "area/docs"], vec!["sticky"]),
            (false, &newcomer, &["AMP/Mentee", "status/wip"], vec!["remove AMP/Mentee"]),
            (false, &triager_ready, &[], vec!["add amp/ready:triager"]),
            (true, &triager_ready, &["amp/ready:triager"], vec!["sticky", "add amp/mentee"]),
            (false, &is_triager, &["amp/ready:triager"], vec!["remove amp/ready:triager"]),
        ];
        for (enrolled, report, labels, expected) in cases {
            let planned = plan(&ladder, &pr(labels), enrolled, Some(report), &none, History::Recorded);
            assert_eq!(kinds(&planned), expected, "enrolled {enrolled}, labels {labels:?}");
        }
    }

    #[test]
    fn while_history_is_pending_ready_labels_are_neither_added_nor_removed() {
        let ladder = Ladder::builtin();
        let none = BTreeSet::new();
        let triager_ready = report(3, 12, None);
        let is_triager = report(3, 12, Some(Role::Triager));
        let cases: Vec<(bool, &Report, &[&str], Vec<&str>)> = vec![
            (false, &triager_ready, &[], vec![]),
            (true, &triager_ready, &[], vec!["sticky", "add amp/mentee"]),
            (false, &is_triager, &["amp/ready:triager"], vec![]),
            (false, &is_triager, &["amp/mentee"], vec!["remove amp/mentee"]),
        ];
        for (enrolled, report, labels, expected) in cases {
            let planned = plan(&ladder, &pr(labels), enrolled, Some(report), &none, History::Pending);
            assert_eq!(kinds(&planned), expected, "enrolled {enrolled}, labels {labels:?}");
        }
        assert!(announces(History::Recorded) && !announces(History::Pending));
    }

    #[test]
    fn a_level_up_is_said_once_per_level_and_only_upwards() {
        let ladder = Ladder::builtin();
        let regular = report(3, 0, None);
        let planned = level_up(&ladder, &pr(&[]), Some("contributor"), &regular).unwrap();
        assert_eq!(planned.key, "levelup:1:42:regular_contributor");
        let Action::Comment { body } = &planned.action else { panic!() };
        assert!(body.starts_with("@bob, this merge makes you a **Regular contributor**"), "{body}");
        assert_eq!(level_up(&ladder, &pr(&[]), Some("regular_contributor"), &regular), None);
        assert_eq!(level_up(&ladder, &pr(&[]), Some("triager"), &regular), None);
        assert!(level_up(&ladder, &pr(&[]), None, &report(1, 0, None)).is_some());
    }

    #[test]
    fn the_config_says_on_whose_prs_the_comment_goes() {
        let mut ladder = Ladder::builtin();
        let none = BTreeSet::new();
        ladder.readiness_comments = ReadinessComments::Everyone;
        assert_eq!(kinds(&plan(&ladder, &pr(&[]), false, None, &none, History::Recorded)), ["sticky"]);
        ladder.readiness_comments = ReadinessComments::Off;
        assert_eq!(
            kinds(&plan(&ladder, &pr(&["amp/mentee"]), true, None, &none, History::Recorded)),
            Vec::<String>::new()
        );
        let planned = plan(&Ladder::builtin(), &pr(&[]), true, None, &none, History::Recorded);
        assert_eq!(planned[0].key, "readiness:2:12:d1");
        let Action::Sticky { marker, body } = &planned[0].action else { panic!() };
        assert!(body.starts_with(marker.as_str()), "{body}");
    }

    /// Merged PR `n` of person `actor` in org `org`.
    fn merged(n: i64, actor: i64, org: i64) -> Signal {
        let person = Account { id: actor, login: format!("p{actor}"), account_type: Some("User".into()) };
        Signal {
            kind: Kind::PrMerged,
            identity: format!("{org}:{actor}:{n}"),
            org: Org { id: org, login: "asyncapi".into() },
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            subject: Some(Subject {
                number: n,
                is_pull_request: true,
                author: Some(person.clone()),
                author_association: None,
            }),
            actor: person,
            occurred_at: Utc.with_ymd_and_hms(2026, 7 + (n % 4) as u32, 1, 0, 0, 0).unwrap(),
            data: json!({}),
        }
    }

    #[test]
    fn a_merge_levels_up_counting_the_batchs_earlier_merges_of_the_same_person_and_org() {
        let ladder = Ladder::builtin();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let recorded: Vec<Signal> = (0..2).map(|n| merged(n, 42, 1)).collect();
        let facts = || Facts::from_signals(&recorded, &HashSet::new(), &ladder);
        // Bob has two merged PRs recorded; the builtin ladder makes three a regular contributor.
        let cases: Vec<(&str, Vec<Signal>, Option<&str>)> = vec![
            ("the third merge", vec![], Some("levelup:1:42:regular_contributor")),
            ("a third merged earlier in the batch", vec![merged(7, 42, 1)], None),
            (
                "another person's merge earlier in the batch",
                vec![merged(7, 43, 1)],
                Some("levelup:1:42:regular_contributor"),
            ),
            ("bob's merge in another org", vec![merged(7, 42, 9)], Some("levelup:1:42:regular_contributor")),
        ];
        for (case, earlier, expected) in cases {
            let planned = level_up_by(&ladder, &pr(&[]), &merged(5, 42, 1), facts(), &earlier, Vec::new(), now);
            assert_eq!(planned.map(|p| p.key).as_deref(), expected, "{case}");
        }
    }

    #[test]
    fn the_merge_is_the_authors() {
        let signals = [merged(1, 43, 1), merged(2, 42, 1)];
        assert_eq!(merge_in(&pr(&[]), &signals).map(|s| s.identity.as_str()), Some("1:42:2"));
        assert_eq!(merge_in(&pr(&[]), &signals[..1]), None);
    }
}
