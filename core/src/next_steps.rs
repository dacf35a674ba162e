//! Next steps: real open work that would take a person to their next level.
//!
//! Owns: which kind of open work serves which requirement ([`Need::serving`]), the order requirements
//! are taken in (the nearest to met first, [`wanted`]), every rule of what may be suggested to whom
//! ([`offer`], the reference the store's fast lookup is held to): only in repositories the person already contributed to (a newcomer: items labelled
//! `good first issue` anywhere), never their own items, drafts, items written by a bot, or items someone
//! else is assigned, and never a private repository's item where the audience may not see it; at most
//! [`PER_REQUIREMENT`] per requirement, the most recently active first (then by number and repository id), with how many
//! there are; and the steps built from those offers ([`next_steps`]).
//!
//! Never does: I/O, read the clock (`now` is given), or mention anyone: renderers link items by
//! reference and never name their authors.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use crate::credit::Bots;
use crate::ladder::{Metric, Progress, Readiness};
use crate::open_work::{OpenItem, Role};
use crate::signal::{Kind, Track};

/// Items suggested for one requirement, at most.
pub const PER_REQUIREMENT: usize = 3;

/// Fitting items are reported up to one more than this, which reads "more than 100": past a hundred,
/// the exact number tells a person nothing more.
pub const COUNT_CAP: usize = 100;

/// How long an issue may wait for a first reply before it counts as needing triage.
pub const UNANSWERED_DAYS: i64 = 7;

/// The labels that invite newcomers (and, with `help wanted`, anyone) to take an issue, compared
/// without surrounding spaces, lowercased, with `-` and `_` read as spaces.
const GOOD_FIRST_ISSUE: &str = "good first issue";
const HELP_WANTED: &str = "help wanted";

/// The kind of open work that serves a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// Issues with no label, or unanswered for a week.
    Triage,
    /// Others' open pull requests waiting for a first review.
    Review,
    /// First-time contributors' open issues and pull requests nobody has replied to.
    Newcomers,
    /// Open `good first issue` / `help wanted` issues nobody is assigned.
    Contribution,
    /// The repository's release process.
    Release,
}

impl Need {
    /// The work that serves `metric`, if any does (tenure, months, endorsements: only time and people).
    pub fn serving(metric: Metric) -> Option<Need> {
        match metric {
            Metric::Track(Track::Triage) => Some(Need::Triage),
            Metric::Track(Track::Review) | Metric::PrimaryReviews | Metric::ReviewsOnMerged => Some(Need::Review),
            Metric::Track(Track::Code) | Metric::SubstantialPrs => Some(Need::Contribution),
            Metric::NewcomersHelped => Some(Need::Newcomers),
            Metric::Kind(kind) => match kind {
                Kind::TriageLabeled | Kind::TriageAssigned | Kind::TriageClosed => Some(Need::Triage),
                Kind::ReviewApproved
                | Kind::ReviewChangesRequested
                | Kind::ReviewCommented
                | Kind::ReviewComment
                | Kind::MergePerformed => Some(Need::Review),
                Kind::PrOpened | Kind::PrMerged => Some(Need::Contribution),
                Kind::ReleasePublished => Some(Need::Release),
                Kind::IssueOpened | Kind::IssueComment | Kind::DiscussionAnswered => None,
            },
            Metric::Track(Track::Community)
            | Metric::ActiveMonths
            | Metric::TenureMonths
            | Metric::Repos
            | Metric::Endorsements => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Need::Triage => "triage",
            Need::Review => "review",
            Need::Newcomers => "newcomers",
            Need::Contribution => "contribution",
            Need::Release => "release",
        }
    }

    /// What the suggested items are, for a sentence: "3 issues need triage".
    pub fn what(self) -> &'static str {
        match self {
            Need::Triage => "issues with no label or unanswered for a week",
            Need::Review => "pull requests waiting for a first review",
            Need::Newcomers => "first-time contributors' issues and pull requests with no reply yet",
            Need::Contribution => "good first issue or help wanted issues nobody is assigned",
            Need::Release => "how releases are made",
        }
    }

    /// Whether `item` is work of this kind (the shared rules of [`next_steps`] aside).
    fn fits(self, item: &OpenItem, now: DateTime<Utc>) -> bool {
        match self {
            Need::Triage => {
                let unanswered =
                    item.replied_at().is_none() && now - item.created_at >= Duration::days(UNANSWERED_DAYS);
                !item.is_pull_request && (item.labels.is_empty() || unanswered)
            }
            Need::Review => item.is_pull_request && !item.people.iter().any(|p| p.role == Role::Reviewer),
            Need::Newcomers => item.is_first_time() && item.replied_at().is_none(),
            Need::Contribution => {
                !item.is_pull_request
                    && has_label(item, &[GOOD_FIRST_ISSUE, HELP_WANTED])
                    && !item.people.iter().any(|p| p.role == Role::Assignee)
            }
            Need::Release => false,
        }
    }
}

/// An open item and the repository it is in: its id, name (`owner/name`) and visibility now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoItem {
    pub repo_id: i64,
    pub repo: String,
    pub private: bool,
    pub item: OpenItem,
}

/// Where suggestions are shown, which decides whether a private repository's items may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// The command line, or a page for the org's admins: everything.
    Trusted,
    /// A public page: public repositories' items only.
    Public,
    /// A comment in repository `owner/name`: public repositories' items and that repository's own.
    In(&'a str),
}

impl Place<'_> {
    pub fn shows(self, repo: &str, private: bool) -> bool {
        match self {
            Place::Trusted => true,
            Place::Public => !private,
            Place::In(here) => !private || here.eq_ignore_ascii_case(repo),
        }
    }
}

/// The person suggestions are for.
#[derive(Debug, Clone, Copy)]
pub struct Seeker<'a> {
    pub id: i64,
    /// The repositories (`owner/name`) they contributed to; none: a newcomer.
    pub repos: &'a BTreeSet<String>,
}

/// What looking up offers needs besides the kind of work: for whom, which accounts are bots (their
/// items are never suggested), where the suggestions will be shown, and when (what counts as
/// unanswered for a week).
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    pub seeker: Seeker<'a>,
    pub bots: &'a Bots,
    pub place: Place<'a>,
    pub now: DateTime<Utc>,
}

/// One suggested item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub repo: String,
    pub number: i64,
    pub is_pull_request: bool,
    pub title: String,
    pub updated_at: DateTime<Utc>,
}

impl Suggestion {
    /// `owner/name#N`.
    pub fn reference(&self) -> String {
        format!("{}#{}", self.repo, self.number)
    }

    /// Its page on GitHub.
    pub fn url(&self) -> String {
        let kind = if self.is_pull_request { "pull" } else { "issues" };
        format!("https://github.com/{}/{kind}/{}", self.repo, self.number)
    }
}

/// Where to read how a repository makes releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseGuide {
    pub repo: String,
    pub url: String,
}

/// The suggestions for one requirement not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub metric: Metric,
    pub have: u64,
    pub need: u64,
    pub serves: Need,
    /// The most recently active fitting items, at most [`PER_REQUIREMENT`].
    pub items: Vec<Suggestion>,
    /// How many items fit in all, counted up to [`COUNT_CAP`] + 1 (which reads "more than 100").
    pub found: usize,
    /// For [`Need::Release`]: where the person's repositories say how releases are made.
    pub guides: Vec<ReleaseGuide>,
}

/// What the store found for one kind of work: how many items fit (up to [`COUNT_CAP`] + 1), and the
/// most recently active few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offer {
    pub found: usize,
    pub items: Vec<Suggestion>,
}

/// A count of fitting items in words: the number, or "more than 100".
pub fn count_text(found: usize) -> String {
    if found > COUNT_CAP { format!("more than {COUNT_CAP}") } else { found.to_string() }
}

/// What the steps are built from besides the offers.
#[derive(Debug, Clone, Copy)]
pub struct Guides<'a> {
    /// Each repository's release guide (`RELEASING.md` or `CONTRIBUTING.md`) where one is known; a
    /// repository without one is pointed at its releases page.
    pub guides: &'a BTreeMap<String, String>,
    /// The org's private repositories (`owner/name`), whose guides only some places show.
    pub private: &'a BTreeSet<String>,
}

/// The requirements not met that open work serves, nearest to met first (the larger share
/// have/need; ties keep the ladder's order), each kind of work once, for the nearest requirement
/// it serves: the kinds of work to look up, in order.
pub fn wanted(readiness: &Readiness) -> Vec<(&Progress, Need)> {
    let mut missing = readiness.missing();
    missing.sort_by(|a, b| (b.have * a.need).cmp(&(a.have * b.need)));
    let mut served: BTreeSet<Need> = BTreeSet::new();
    missing
        .into_iter()
        .filter_map(|p| Need::serving(p.metric).map(|need| (p, need)))
        .filter(|(_, need)| served.insert(*need))
        .collect()
}

/// The kinds of work [`wanted`] names, in its order: what to ask the store for.
pub fn kinds(readiness: &Readiness) -> Vec<Need> {
    wanted(readiness).into_iter().map(|(_, need)| need).collect()
}

/// Which of `items` are offered to the seeker of `lookup` as work of kind `need`: the reference the
/// store's fast lookup is held to (`tests/it/open_work.rs`).
pub fn offer(need: Need, items: &[RepoItem], lookup: Lookup<'_>) -> Offer {
    let Lookup { seeker, bots, place, now } = lookup;
    let mut fitting: Vec<&RepoItem> =
        items.iter().filter(|i| may_suggest(i, seeker, bots, place) && need.fits(&i.item, now)).collect();
    fitting.sort_by(|a, b| {
        b.item.updated_at.cmp(&a.item.updated_at).then_with(|| (a.item.number, &a.repo).cmp(&(b.item.number, &b.repo)))
    });
    let found = fitting.len().min(COUNT_CAP + 1);
    Offer { found, items: fitting.iter().take(PER_REQUIREMENT).map(|i| suggestion(i)).collect() }
}

/// The offers of every kind of work `readiness` wants, from all of `items` (what the store's fast
/// lookup returns, computed the slow way).
pub fn offers(readiness: &Readiness, items: &[RepoItem], lookup: Lookup<'_>) -> BTreeMap<Need, Offer> {
    kinds(readiness).into_iter().map(|need| (need, offer(need, items, lookup))).collect()
}

/// The next steps for `seeker` toward the next level of `readiness`, in the order of [`wanted`],
/// from the `offers` of each kind of work, for the audience of `place`. Requirements no open work
/// serves, or none fits now, are left out.
pub fn next_steps(
    readiness: &Readiness,
    seeker: Seeker<'_>,
    offers: &BTreeMap<Need, Offer>,
    guides: Guides<'_>,
    place: Place<'_>,
) -> Vec<Step> {
    wanted(readiness)
        .into_iter()
        .map(|(p, need)| {
            let offer = offers.get(&need).cloned().unwrap_or_default();
            let guides = match need {
                Need::Release => release_guides(seeker, guides, place),
                _ => Vec::new(),
            };
            Step {
                metric: p.metric,
                have: p.have,
                need: p.need,
                serves: need,
                items: offer.items,
                found: offer.found,
                guides,
            }
        })
        .filter(|s| !s.items.is_empty() || !s.guides.is_empty())
        .collect()
}

fn release_guides(seeker: Seeker<'_>, guides: Guides<'_>, place: Place<'_>) -> Vec<ReleaseGuide> {
    seeker
        .repos
        .iter()
        .filter(|repo| place.shows(repo, guides.private.iter().any(|p| p.eq_ignore_ascii_case(repo))))
        .take(PER_REQUIREMENT)
        .map(|repo| ReleaseGuide {
            repo: repo.clone(),
            url: guides.guides.get(repo).cloned().unwrap_or_else(|| format!("https://github.com/{repo}/releases")),
        })
        .collect()
}

/// The rules every suggestion keeps, whatever it is for.
fn may_suggest(i: &RepoItem, seeker: Seeker<'_>, bots: &Bots, place: Place<'_>) -> bool {
    let item = &i.item;
    let in_pool = if seeker.repos.is_empty() {
        has_label(item, &[GOOD_FIRST_ISSUE])
    } else {
        seeker.repos.iter().any(|r| r.eq_ignore_ascii_case(&i.repo))
    };
    let assigned_elsewhere = item.people.iter().any(|p| p.role == Role::Assignee && p.account.id != seeker.id);
    in_pool
        && place.shows(&i.repo, i.private)
        && !item.draft
        && item.author.id != seeker.id
        && !bots.is_bot(&item.author)
        && !assigned_elsewhere
}

fn has_label(item: &OpenItem, names: &[&str]) -> bool {
    let normal = |name: &str| name.trim_matches(' ').to_lowercase().replace(['-', '_'], " ");
    item.labels.iter().any(|l| names.contains(&normal(&l.name).as_str()))
}

fn suggestion(i: &RepoItem) -> Suggestion {
    Suggestion {
        repo: i.repo.clone(),
        number: i.item.number,
        is_pull_request: i.item.is_pull_request,
        title: i.item.title.clone(),
        updated_at: i.item.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Account;
    use crate::ladder::Activity;
    use crate::open_work::{Involved, ItemLabel};

    const ME: i64 = 42;

    fn day(d: u32) -> DateTime<Utc> {
        format!("2026-03-{d:02}T00:00:00Z").parse().unwrap()
    }

    fn person(id: i64) -> Account {
        Account { id, login: format!("p{id}"), account_type: Some("User".into()) }
    }

    fn item(repo: &str, number: i64, pr: bool, updated: u32) -> RepoItem {
        RepoItem {
            repo_id: repo.bytes().map(i64::from).sum(),
            repo: repo.into(),
            private: false,
            item: OpenItem {
                number,
                is_pull_request: pr,
                title: format!("item {number}"),
                draft: false,
                author: person(7),
                author_association: Some("CONTRIBUTOR".into()),
                created_at: day(1),
                updated_at: day(updated),
                labels: Vec::new(),
                people: Vec::new(),
            },
        }
    }

    fn labelled(mut i: RepoItem, name: &str) -> RepoItem {
        i.item.labels.push(ItemLabel { id: None, name: name.into() });
        i
    }

    fn with(mut i: RepoItem, role: Role, who: i64) -> RepoItem {
        i.item.people.push(Involved { role, account: person(who), first_at: Some(day(2)) });
        i
    }

    fn readiness(missing: &[(Metric, u64, u64)]) -> Readiness {
        let progress = missing.iter().map(|(metric, have, need)| Progress {
            metric: *metric,
            have: *have,
            need: *need,
            evidence: Vec::new(),
        });
        Readiness {
            level: None,
            next: Some(("contributor".into(), progress.collect())),
            activity: Activity::Active,
            last_activity: None,
            metrics: BTreeMap::new(),
        }
    }

    fn steps(items: &[RepoItem], missing: &[(Metric, u64, u64)], repos: &[&str], place: Place<'_>) -> Vec<Step> {
        let repos: BTreeSet<String> = repos.iter().map(|r| r.to_string()).collect();
        let guides =
            BTreeMap::from([("o/guided".to_owned(), "https://github.com/o/guided/blob/HEAD/RELEASING.md".to_owned())]);
        let bots = Bots::new(["asyncapi-bot"]);
        let private: BTreeSet<String> = items.iter().filter(|i| i.private).map(|i| i.repo.clone()).collect();
        let readiness = readiness(missing);
        let seeker = Seeker { id: ME, repos: &repos };
        let offers = offers(&readiness, items, Lookup { seeker, bots: &bots, place, now: day(20) });
        next_steps(&readiness, seeker, &offers, Guides { guides: &guides, private: &private }, place)
    }

    fn picked(step: &Step) -> Vec<String> {
        step.items.iter().map(Suggestion::reference).collect()
    }

    const TRIAGE: Metric = Metric::Track(Track::Triage);
    const REVIEWS: Metric = Metric::Kind(Kind::ReviewApproved);
    const MERGED: Metric = Metric::Kind(Kind::PrMerged);

    #[test]
    fn each_requirement_gets_the_work_that_serves_it() {
        let mut first_timer = item("o/a", 30, false, 5);
        first_timer.item.author_association = Some("FIRST_TIME_CONTRIBUTOR".into());
        let mut fresh = labelled(item("o/a", 13, false, 19), "bug");
        fresh.item.created_at = day(18);
        let items = [
            item("o/a", 10, false, 3),                                            // triage: no label
            labelled(item("o/a", 11, false, 4), "bug"),                           // triage: unanswered for 19 days
            with(labelled(item("o/a", 12, false, 9), "bug"), Role::Commenter, 8), // answered, labelled
            fresh,                                                                // labelled, waiting 2 days only
            item("o/a", 20, true, 6),                                             // review: nobody reviewed
            with(item("o/a", 21, true, 8), Role::Reviewer, 8),                    // reviewed already
            with(item("o/a", 22, true, 7), Role::Requested, ME),                  // asked of me, not reviewed
            first_timer,                                                          // newcomers (and triage)
            labelled(item("o/a", 40, false, 2), "Good-First-Issue"),              // contribution
            labelled(item("o/a", 41, false, 1), "help wanted"),                   // contribution
            with(labelled(item("o/a", 42, false, 9), "help wanted"), Role::Assignee, ME), // assigned (to me)
        ];
        let missing = [
            (TRIAGE, 0, 4),
            (REVIEWS, 1, 4),
            (Metric::NewcomersHelped, 0, 2),
            (MERGED, 2, 3),
            (Metric::ActiveMonths, 1, 6),
            (Metric::Kind(Kind::ReleasePublished), 0, 1),
        ];
        let got = steps(&items, &missing, &["o/a", "o/guided"], Place::Trusted);
        let table: Vec<(Need, u64, u64, Vec<String>, usize)> =
            got.iter().map(|s| (s.serves, s.have, s.need, picked(s), s.found)).collect();
        let refs = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            table,
            [
                // Nearest to met first: 2/3, then 1/4, then the three at nothing in their order.
                (Need::Contribution, 2, 3, refs(&["o/a#40", "o/a#41"]), 2),
                (Need::Review, 1, 4, refs(&["o/a#22", "o/a#20"]), 2),
                // Unanswered for a week: every issue but #12 (answered) and #13 (two days old).
                (Need::Triage, 0, 4, refs(&["o/a#42", "o/a#30", "o/a#11"]), 6),
                (Need::Newcomers, 0, 2, refs(&["o/a#30"]), 1),
                (Need::Release, 0, 1, refs(&[]), 0),
            ]
        );
        let release = &got[4];
        let guides: Vec<(&str, &str)> = release.guides.iter().map(|g| (g.repo.as_str(), g.url.as_str())).collect();
        assert_eq!(
            guides,
            [
                ("o/a", "https://github.com/o/a/releases"),
                ("o/guided", "https://github.com/o/guided/blob/HEAD/RELEASING.md")
            ]
        );
        assert_eq!(got[1].items[0].url(), "https://github.com/o/a/pull/22");
        assert_eq!(got[0].items[0].url(), "https://github.com/o/a/issues/40");
    }

    #[test]
    fn what_is_never_suggested() {
        let mut mine = item("o/a", 1, true, 9);
        mine.item.author = person(ME);
        let mut draft = item("o/a", 2, true, 9);
        draft.item.draft = true;
        let mut by_app = item("o/a", 3, true, 9);
        by_app.item.author = Account { id: 5, login: "dependabot[bot]".into(), account_type: Some("Bot".into()) };
        let mut by_org_bot = item("o/a", 4, true, 9);
        by_org_bot.item.author = Account { id: 6, login: "asyncapi-bot".into(), account_type: Some("User".into()) };
        let taken = with(item("o/a", 5, true, 9), Role::Assignee, 8);
        let mut secret = item("o/secret", 6, true, 9);
        secret.private = true;
        let elsewhere = item("o/other", 7, true, 9);
        let fine = item("o/a", 8, true, 1);
        let items = [mine, draft, by_app, by_org_bot, taken, secret, elsewhere, fine];
        let cases = [
            (Place::Trusted, vec!["o/secret#6", "o/a#8"]),
            (Place::Public, vec!["o/a#8"]),
            (Place::In("o/a"), vec!["o/a#8"]),
            (Place::In("O/Secret"), vec!["o/secret#6", "o/a#8"]),
        ];
        for (place, want) in cases {
            let got = steps(&items, &[(REVIEWS, 0, 1)], &["o/a", "o/secret"], place);
            assert_eq!(picked(&got[0]), want, "{place:?}");
        }
    }

    #[test]
    fn a_newcomer_is_pointed_at_good_first_issues_anywhere() {
        let items = [
            labelled(item("o/a", 1, false, 3), "good first issue"),
            labelled(item("o/b", 2, false, 4), "help wanted"),
            labelled(item("o/c", 3, false, 5), "good_first_issue"),
        ];
        let got = steps(&items, &[(MERGED, 0, 1)], &[], Place::Public);
        assert_eq!(picked(&got[0]), ["o/c#3", "o/a#1"]);
        // Someone who contributed to o/b sees its help-wanted issue only.
        let got = steps(&items, &[(MERGED, 0, 1)], &["o/b"], Place::Public);
        assert_eq!(picked(&got[0]), ["o/b#2"]);
    }

    #[test]
    fn at_most_three_most_recent_first_and_one_step_per_kind_of_work() {
        let items: Vec<RepoItem> = (1..=5).map(|n| item("o/a", n, true, n as u32)).collect();
        let got = steps(
            &items,
            &[(REVIEWS, 0, 9), (Metric::Track(Track::Review), 3, 9), (Metric::TenureMonths, 0, 3)],
            &["o/a"],
            Place::Trusted,
        );
        assert_eq!(got.len(), 1, "review work is suggested once, for the nearest requirement it serves");
        assert_eq!((got[0].metric, got[0].found), (Metric::Track(Track::Review), 5));
        assert_eq!(picked(&got[0]), ["o/a#5", "o/a#4", "o/a#3"]);
        assert!(steps(&items, &[], &["o/a"], Place::Trusted).is_empty());
        assert!(steps(&items, &[(TRIAGE, 0, 1)], &["o/a"], Place::Trusted).is_empty(), "no issue to triage: no step");
    }

    #[test]
    fn counts_stop_past_the_cap() {
        let items: Vec<RepoItem> = (1..=150).map(|n| item("o/a", n, true, 1 + (n % 20) as u32)).collect();
        let got = steps(&items, &[(REVIEWS, 0, 1)], &["o/a"], Place::Trusted);
        assert_eq!(got[0].found, COUNT_CAP + 1);
        assert_eq!(count_text(got[0].found), "more than 100");
        assert_eq!(count_text(COUNT_CAP), "100");
        let got = steps(&items[..100], &[(REVIEWS, 0, 1)], &["o/a"], Place::Trusted);
        assert_eq!(got[0].found, 100);
    }

    #[test]
    fn every_metric_is_served_by_the_work_that_earns_it() {
        use Need::*;
        let table = [
            ("pr_opened", Some(Contribution)),
            ("pr_merged", Some(Contribution)),
            ("code", Some(Contribution)),
            ("substantial_prs", Some(Contribution)),
            ("review_approved", Some(Review)),
            ("review_changes_requested", Some(Review)),
            ("review_commented", Some(Review)),
            ("review_comment", Some(Review)),
            ("merge_performed", Some(Review)),
            ("review", Some(Review)),
            ("primary_reviews", Some(Review)),
            ("reviews_on_merged", Some(Review)),
            ("triage_labeled", Some(Triage)),
            ("triage_assigned", Some(Triage)),
            ("triage_closed", Some(Triage)),
            ("triage", Some(Triage)),
            ("newcomers_helped", Some(Newcomers)),
            ("release_published", Some(Release)),
            ("issue_opened", None),
            ("issue_comment", None),
            ("discussion_answered", None),
            ("community", None),
            ("active_months", None),
            ("tenure_months", None),
            ("repos", None),
        ];
        let names: BTreeSet<&str> = Metric::all_names().into_iter().collect();
        assert_eq!(names, table.iter().map(|(n, _)| *n).collect(), "every metric is in the table");
        for (name, need) in table {
            assert_eq!(Need::serving(Metric::parse(name).unwrap()), need, "{name}");
        }
        assert_eq!(Need::serving(Metric::Endorsements), None);
    }
}
