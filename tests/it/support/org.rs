//! A generated org history, told two ways: as the webhooks GitHub would have sent while it happened,
//! and as GitHub's GraphQL API answers backfill's queries about it afterwards (the fake GitHub serves
//! those). Both are built from one model, so a test can check that backfill records exactly what the
//! webhooks did.
//!
//! The model holds repositories, people (two of them bots), pull requests (merged, closed unmerged or
//! open; reviewed, some reviews dismissed later; labelled, assigned, commented; open ones some drafts,
//! some with reviews requested of a person or a team) and issues (labelled, assigned, commented, some
//! closed), over two years. Some pull requests hold more than 100 reviews, timeline items or files,
//! and some come back with their timeline short (no error, an empty list, the true `totalCount`), as
//! GitHub sometimes answers; some open items come back with their labels and assignees short.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use ladder_core::event::Account;
use ladder_core::open_work::{Involved, ItemLabel, OpenItem, Role};
use ladder_core::rng::Rng;
use serde_json::{Value, json};

pub const ORG: (i64, &str) = (9100, "acme");

#[derive(Debug, Clone)]
pub struct Who {
    pub id: i64,
    pub login: String,
    pub bot: bool,
}

impl Who {
    fn webhook(&self) -> Value {
        let login = if self.bot { format!("{}[bot]", self.login) } else { self.login.clone() };
        json!({"id": self.id, "login": login, "type": if self.bot { "Bot" } else { "User" }})
    }

    fn graphql(&self) -> Value {
        json!({"__typename": if self.bot { "Bot" } else { "User" }, "login": self.login, "databaseId": self.id})
    }
}

#[derive(Debug, Clone)]
pub enum Step {
    Labeled {
        label: String,
        by: usize,
    },
    Assigned {
        to: usize,
        by: usize,
    },
    Closed {
        by: usize,
    },
    Comment {
        id: i64,
        by: usize,
    },
    Review {
        id: i64,
        by: usize,
        state: &'static str,
        dismissed: bool,
    },
    /// A comment on the diff (REST lists them repository-wide; GraphQL has no such list).
    ReviewComment {
        id: i64,
        by: usize,
    },
    Merged {
        by: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Item {
    pub repo: usize,
    pub number: i64,
    /// The PR id (GraphQL, `pull_request` webhooks) or the issue id.
    pub id: i64,
    /// A PR's issue id (`issue_comment` webhooks on a PR carry it): different from its PR id.
    pub issue_id: i64,
    pub is_pr: bool,
    pub author: usize,
    pub association: &'static str,
    pub created: DateTime<Utc>,
    pub title: String,
    pub head: String,
    pub files: Vec<String>,
    pub steps: Vec<(DateTime<Utc>, Step)>,
    /// GraphQL answers this PR's timeline short in page queries.
    pub short: bool,
}

impl Item {
    pub fn updated(&self) -> DateTime<Utc> {
        self.steps.last().map_or(self.created, |(at, _)| *at)
    }

    /// `OPEN`, `CLOSED` or `MERGED`, as GraphQL tells it now.
    pub fn state(&self) -> &'static str {
        match self.steps.last() {
            Some((_, Step::Merged { .. })) => "MERGED",
            Some((_, Step::Closed { .. })) => "CLOSED",
            _ => "OPEN",
        }
    }

    /// An open pull request that is a draft (no draw: the rest of the history stays as it was).
    pub fn draft(&self) -> bool {
        self.is_pr && self.state() == "OPEN" && self.number % 7 == 0
    }

    /// The people an open pull request asks to review, and whether it asks the maintainers' team.
    pub fn requested(&self) -> (Vec<usize>, bool) {
        if !self.is_pr || self.state() != "OPEN" {
            return (Vec::new(), false);
        }
        let people = if self.number % 3 == 0 { vec![(self.author + 1) % 40] } else { Vec::new() };
        (people, self.number % 5 == 0)
    }

    /// GraphQL answers this open item's labels and assignees short in page queries.
    pub fn now_short(&self) -> bool {
        self.id % 7 == 0
    }

    fn merged(&self) -> Option<(DateTime<Utc>, usize)> {
        self.steps.iter().find_map(|(at, s)| match s {
            Step::Merged { by } => Some((*at, *by)),
            _ => None,
        })
    }
}

/// A release: `published` None for a draft.
#[derive(Debug, Clone)]
pub struct Release {
    pub repo: usize,
    pub id: i64,
    pub tag: String,
    pub author: usize,
    pub created: DateTime<Utc>,
    pub published: Option<DateTime<Utc>>,
}

/// A discussion with its answer, if one was chosen: (answer id, by, written, chosen).
#[derive(Debug, Clone)]
pub struct Discussion {
    pub repo: usize,
    pub number: i64,
    pub id: i64,
    pub author: usize,
    pub association: &'static str,
    pub created: DateTime<Utc>,
    pub answer: Option<(i64, usize, DateTime<Utc>, DateTime<Utc>)>,
}

/// The revisions of one repository's `CODEOWNERS` file at `path`, newest first: (commit, date, text;
/// None where the commit removed the file).
#[derive(Debug, Clone)]
pub struct Codeowners {
    pub repo: usize,
    pub path: &'static str,
    pub revisions: Vec<(String, DateTime<Utc>, Option<String>)>,
}

pub struct Org {
    pub repos: Vec<(i64, String)>,
    pub people: Vec<Who>,
    pub items: Vec<Item>,
    pub releases: Vec<Release>,
    pub discussions: Vec<Discussion>,
    pub codeowners: Vec<Codeowners>,
    /// A label renamed after the history (old name, new name): GraphQL tells the new name.
    pub renamed: Option<(&'static str, &'static str)>,
    /// The repositories (by index) that are private.
    pub private: std::collections::HashSet<usize>,
}

/// How big a history to generate.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub repos: usize,
    pub prs: usize,
    pub issues: usize,
}

const LABELS: &[&str] = &["bug", "enhancement", "good first issue", "documentation", "question"];

/// The label [`Org::generate`] renames after the history: webhooks told its old name, GraphQL tells
/// the new one.
pub const RENAMED: (&str, &str) = ("question", "kind: question");

/// A label's database id: per repository and name, as GitHub's are.
fn label_id(repo_id: i64, label: &str) -> i64 {
    repo_id * 1000 + LABELS.iter().position(|l| *l == label).unwrap_or(LABELS.len()) as i64
}

/// A label's node id in GitHub's current format: `LA_` and MessagePack `[0, repo id, label id]`.
fn label_node_id(repo_id: i64, label_id: i64) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0x93, 0x00, 0xce];
    bytes.extend_from_slice(&(repo_id as u32).to_be_bytes());
    bytes.push(0xcf);
    bytes.extend_from_slice(&(label_id as u64).to_be_bytes());
    format!("LA_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
const ASSOCIATIONS: &[&str] = &["CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "MEMBER", "NONE"];

/// `t` to the second, as GitHub tells times.
fn seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

fn at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Org {
    pub fn generate(seed: u64, size: Size) -> Org {
        let mut rng = Rng(seed);
        let repos = (0..size.repos).map(|i| (7000 + i as i64, format!("repo-{i}"))).collect();
        let mut people: Vec<Who> =
            (0..40).map(|i| Who { id: 100 + i, login: format!("person{i}"), bot: false }).collect();
        people.push(Who { id: 9001, login: "helper".into(), bot: true });
        people.push(Who { id: 9002, login: "renovate".into(), bot: true });
        let start = Utc::now() - Duration::days(730);
        let (mut ids, mut items) = (1_000_000_i64, Vec::new());
        let mut numbers = vec![0_i64; size.repos];
        for n in 0..size.prs + size.issues {
            let is_pr = n < size.prs;
            let repo = rng.below(size.repos);
            numbers[repo] += 1;
            let author = if is_pr && n % 20 == 7 { 40 + n % 2 } else { rng.below(40) };
            let created = start + Duration::minutes(rng.below(720 * 24 * 60) as i64);
            ids += 10;
            let mut item = Item {
                repo,
                number: numbers[repo],
                id: ids,
                issue_id: ids + 5,
                is_pr,
                author,
                association: ASSOCIATIONS[rng.below(ASSOCIATIONS.len())],
                created,
                title: format!("change {n}"),
                head: if n % 9 == 0 { "dependabot/npm/ws".into() } else { format!("topic-{n}") },
                files: (0..if is_pr && n % 300 == 11 { 130 } else { 1 + rng.below(4) })
                    .map(|f| format!("src/file{f}.rs"))
                    .collect(),
                steps: Vec::new(),
                short: is_pr && n % 50 == 3,
            };
            // Some pull requests and issues with more than 100 reviews, timeline events or files.
            let big = n % 400 == if is_pr { 5 } else { 6 };
            steps(&mut rng, &mut item, big, &mut ids);
            items.push(item);
        }
        let (mut releases, mut discussions) = (Vec::new(), Vec::new());
        for n in 0..size.repos * 12 {
            let repo = n % size.repos;
            let created = start + Duration::minutes(rng.below(720 * 24 * 60) as i64);
            let published = (n % 7 != 3).then(|| created + Duration::minutes(1 + rng.below(90) as i64));
            let author = if n % 5 == 4 { 40 } else { rng.below(10) };
            ids += 10;
            releases.push(Release { repo, id: ids, tag: format!("v{n}.0.0"), author, created, published });
            numbers[repo] += 1;
            let answer = (n % 4 != 0).then(|| {
                let written = created + Duration::minutes(30 + rng.below(600) as i64);
                (ids + 3, if n % 9 == 2 { 41 } else { rng.below(40) }, written, written + Duration::minutes(5))
            });
            let association = ASSOCIATIONS[rng.below(ASSOCIATIONS.len())];
            let author = rng.below(40);
            discussions.push(Discussion {
                repo,
                number: numbers[repo],
                id: ids + 1,
                author,
                association,
                created,
                answer,
            });
        }
        let codeowners = codeowners(size.repos, start);
        Org {
            repos,
            people,
            items,
            releases,
            discussions,
            codeowners,
            renamed: Some(RENAMED),
            private: Default::default(),
        }
    }

    /// An org with no repositories.
    pub fn empty() -> Org {
        Org {
            repos: Vec::new(),
            people: Vec::new(),
            items: Vec::new(),
            releases: Vec::new(),
            discussions: Vec::new(),
            codeowners: Vec::new(),
            renamed: None,
            private: Default::default(),
        }
    }

    pub fn count(&self, f: impl Fn(&Step) -> bool) -> usize {
        self.items.iter().flat_map(|i| &i.steps).filter(|(_, s)| f(s)).count()
    }

    pub fn repo_json(&self, repo: usize) -> Value {
        let (id, name) = &self.repos[repo];
        let private = self.private.contains(&repo);
        json!({"id": id, "name": name, "full_name": format!("{}/{name}", ORG.1), "private": private,
               "visibility": if private { "private" } else { "public" },
               "owner": {"id": ORG.0, "login": ORG.1, "type": "Organization"}})
    }
}

/// Each repository's `.github/CODEOWNERS` names one more person every 60 days (4 revisions); the
/// first repository also has a root `CODEOWNERS` changed 130 times (more than a page), removed
/// twice on the way. No draws: the rest of the history stays as it was.
fn codeowners(repos: usize, start: DateTime<Utc>) -> Vec<Codeowners> {
    let mut out = Vec::new();
    for repo in 0..repos {
        let revisions = (0..4)
            .rev()
            .map(|k| {
                let names: Vec<String> = (0..=k).map(|p| format!("@person{}", repo + p)).collect();
                let at = start + Duration::days(60 * (k as i64 + 1));
                (format!("{repo:02}{k:038}"), at, Some(format!("# owners\n* {}\n", names.join(" "))))
            })
            .collect();
        out.push(Codeowners { repo, path: ".github/CODEOWNERS", revisions });
    }
    if repos > 0 {
        let revisions = (0..130)
            .rev()
            .map(|k: i64| {
                let text = (k % 50 != 49).then(|| format!("/docs/ @person{}\n", k % 40));
                (format!("ff{k:038}"), start + Duration::days(5 * k + 1), text)
            })
            .collect();
        out.push(Codeowners { repo: 0, path: "CODEOWNERS", revisions });
    }
    out
}

/// The steps of one item, in time order: reviews (PRs), labels, assignments, comments, then an end.
fn steps(rng: &mut Rng, item: &mut Item, big: bool, ids: &mut i64) {
    let mut t = item.created;
    let mut next = |rng: &mut Rng| {
        t += Duration::minutes(1 + rng.below(600) as i64);
        t
    };
    let someone = |rng: &mut Rng| if rng.below(10) == 0 { 40 } else { rng.below(40) };
    let reviews = match (item.is_pr, big) {
        (false, _) => 0,
        (true, true) => 120,
        (true, false) => rng.below(6),
    };
    for _ in 0..reviews {
        *ids += 1;
        let state = *rng.pick(&["approved", "approved", "changes_requested", "commented"]);
        let dismissed = state == "approved" && rng.below(10) == 0;
        let (by, at) = (someone(rng), next(rng));
        item.steps.push((at, Step::Review { id: *ids, by, state, dismissed }));
        // Every other review leaves a comment on the diff (no draw: the rest of the history stays).
        if *ids % 2 == 0 {
            *ids += 1;
            item.steps.push((at, Step::ReviewComment { id: *ids, by }));
        }
    }
    for _ in 0..rng.below(3) {
        let step = Step::Labeled { label: (*rng.pick(LABELS)).into(), by: someone(rng) };
        item.steps.push((next(rng), step));
    }
    if rng.below(3) == 0 {
        let step = Step::Assigned { to: rng.below(40), by: someone(rng) };
        item.steps.push((next(rng), step));
    }
    for _ in 0..if big { 130 } else { rng.below(4) } {
        *ids += 1;
        item.steps.push((next(rng), Step::Comment { id: *ids, by: someone(rng) }));
    }
    let end = rng.below(20);
    if item.is_pr && end < 14 {
        item.steps.push((next(rng), Step::Merged { by: rng.below(10) }));
    } else if end < 17 {
        item.steps.push((next(rng), Step::Closed { by: someone(rng) }));
    }
}

/// Webhooks: every delivery GitHub would have sent, as `(event, delivery id, payload)`.
impl Org {
    pub fn webhooks(&self) -> Vec<(&'static str, String, Value)> {
        let mut out = Vec::new();
        for item in &self.items {
            let mut n = 0;
            let mut push = |event: &'static str, payload: Value| {
                n += 1;
                out.push((event, format!("{}-{}-{n}", item.repo, item.id), payload));
            };
            if item.is_pr {
                push("pull_request", self.pr_payload(item, "opened", item.created, json!({})));
            } else {
                push("issues", self.issue_payload(item, "opened", item.created, json!({})));
            }
            for (t, step) in &item.steps {
                let (event, payload) = self.step_payload(item, *t, step);
                push(event, payload);
            }
        }
        for r in &self.releases {
            let Some(published) = r.published else { continue };
            let release = json!({"id": r.id, "author": self.people[r.author].webhook(), "tag_name": r.tag,
                                 "created_at": at(r.created), "published_at": at(published)});
            let p = json!({"action": "published", "release": release, "repository": self.repo_json(r.repo),
                           "installation": {"id": 77}, "sender": self.people[r.author].webhook()});
            out.push(("release", format!("release-{}", r.id), p));
        }
        for d in &self.discussions {
            let Some((id, by, written, chosen)) = d.answer else { continue };
            let discussion = json!({"id": d.id, "number": d.number, "user": self.people[d.author].webhook(),
                                    "author_association": d.association, "answer_chosen_at": at(chosen)});
            let answer = json!({"id": id, "user": self.people[by].webhook(), "created_at": at(written)});
            let p = json!({"action": "answered", "discussion": discussion, "answer": answer,
                           "repository": self.repo_json(d.repo), "installation": {"id": 77},
                           "sender": self.people[d.author].webhook()});
            out.push(("discussion", format!("discussion-{}", d.id), p));
        }
        out
    }

    fn subject_object(&self, item: &Item, updated: DateTime<Utc>) -> Value {
        json!({"id": item.id, "number": item.number, "user": self.people[item.author].webhook(),
               "title": item.title, "author_association": item.association, "created_at": at(item.created),
               "updated_at": at(updated)})
    }

    fn pr_payload(&self, item: &Item, action: &str, t: DateTime<Utc>, extra: Value) -> Value {
        let mut pr = self.subject_object(item, t);
        pr["head"] = json!({"ref": item.head});
        pr["additions"] = 10.into();
        pr["deletions"] = 2.into();
        pr["changed_files"] = item.files.len().into();
        pr["merged"] = false.into();
        let mut p = json!({"action": action, "pull_request": pr, "repository": self.repo_json(item.repo),
                           "installation": {"id": 77}, "sender": self.people[item.author].webhook()});
        merge(&mut p, extra);
        p
    }

    fn issue_payload(&self, item: &Item, action: &str, t: DateTime<Utc>, extra: Value) -> Value {
        let mut p = json!({"action": action, "issue": self.subject_object(item, t),
                           "repository": self.repo_json(item.repo), "installation": {"id": 77},
                           "sender": self.people[item.author].webhook()});
        merge(&mut p, extra);
        p
    }

    fn step_payload(&self, item: &Item, t: DateTime<Utc>, step: &Step) -> (&'static str, Value) {
        let who = |i: usize| self.people[i].webhook();
        let subject = |action: &str, extra: Value| {
            if item.is_pr {
                ("pull_request", self.pr_payload(item, action, t, extra))
            } else {
                ("issues", self.issue_payload(item, action, t, extra))
            }
        };
        match step {
            Step::Labeled { label, by } => {
                let id = label_id(self.repos[item.repo].0, label);
                subject("labeled", json!({"label": {"id": id, "name": label}, "sender": who(*by)}))
            }
            Step::Assigned { to, by } => subject("assigned", json!({"assignee": who(*to), "sender": who(*by)})),
            Step::Closed { by } => {
                let key = if item.is_pr { "pull_request" } else { "issue" };
                subject("closed", json!({key: {"closed_at": at(t)}, "sender": who(*by)}))
            }
            Step::Merged { by } => {
                let pr = json!({"merged": true, "merged_at": at(t), "closed_at": at(t), "merged_by": who(*by)});
                subject("closed", json!({"pull_request": pr, "sender": who(*by)}))
            }
            Step::Review { id, by, state, .. } => {
                let review = json!({"id": id, "user": who(*by), "state": state, "submitted_at": at(t)});
                let mut p = self.pr_payload(item, "submitted", t, json!({"review": review, "sender": who(*by)}));
                p["action"] = "submitted".into();
                ("pull_request_review", p)
            }
            Step::ReviewComment { id, by } => {
                let comment = json!({"id": id, "user": who(*by), "created_at": at(t), "body": "nit"});
                let p = self.pr_payload(item, "created", t, json!({"comment": comment, "sender": who(*by)}));
                ("pull_request_review_comment", p)
            }
            Step::Comment { id, by } => {
                let mut issue = self.subject_object(item, t);
                issue["id"] = (if item.is_pr { item.issue_id } else { item.id }).into();
                if item.is_pr {
                    issue["pull_request"] = json!({"url": "https://api.github.com/pulls/1"});
                }
                let comment = json!({"id": id, "user": who(*by), "created_at": at(t), "body": "thanks"});
                let p = json!({"action": "created", "issue": issue, "comment": comment,
                               "repository": self.repo_json(item.repo), "installation": {"id": 77}, "sender": who(*by)});
                ("issue_comment", p)
            }
        }
    }
}

fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(extra)) = (into, extra) {
        for (k, v) in extra {
            match (into.get_mut(&k), v) {
                (Some(Value::Object(inner)), Value::Object(more)) => inner.extend(more),
                (_, v) => {
                    into.insert(k, v);
                }
            }
        }
    }
}

/// GraphQL: the answers to backfill's queries.
impl Org {
    /// `data` for operation `op` with `variables`; None for an operation it does not know.
    pub fn answer(&self, op: &str, vars: &Value, rate: Value) -> Option<Value> {
        let s = |k: &str| vars[k].as_str().unwrap_or_default().to_owned();
        let mut data = match op {
            "Repositories" => {
                let nodes: Vec<Value> = (0..self.repos.len()).map(|r| self.repo_node(r)).collect();
                let owner = (s("owner") == ORG.1 || self.repos.is_empty()).then(
                    || json!({"repositories": {"pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": nodes}}),
                );
                json!({"repositoryOwner": owner})
            }
            "Repository" => json!({"repository": self.repo_index(&s("name")).map(|r| self.repo_node(r))}),
            "PullRequests" | "Issues" => {
                let Some(repo) = self.repo_index(&s("name")) else { return Some(json!({"repository": null})) };
                let since = vars["since"].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok());
                let states: Option<Vec<&str>> =
                    vars["states"].as_array().map(|s| s.iter().filter_map(Value::as_str).collect());
                let is_pr = op == "PullRequests";
                let mut list: Vec<&Item> = self
                    .items
                    .iter()
                    .filter(|i| i.repo == repo && i.is_pr == is_pr && since.is_none_or(|s| i.updated() >= s))
                    .filter(|i| states.as_ref().is_none_or(|s| s.contains(&i.state())))
                    .collect();
                list.sort_by_key(|i| (i.updated(), i.number));
                if vars["direction"] == "DESC" {
                    list.reverse();
                }
                let first = vars["first"].as_u64().unwrap_or(50) as usize;
                let (page, info) = page(&list, vars["after"].as_str(), first);
                let nodes: Vec<Value> =
                    page.iter().map(|i| if is_pr { self.pull_node(i) } else { self.issue_node(i) }).collect();
                let key = if is_pr { "pullRequests" } else { "issues" };
                json!({"repository": {key: {"pageInfo": info, "nodes": nodes}}})
            }
            "Releases" => {
                let repo = self.repo_index(&s("name"))?;
                let mine: Vec<&Release> = self.releases.iter().filter(|r| r.repo == repo).collect();
                let (page, info) = page(&mine, vars["after"].as_str(), vars["first"].as_u64().unwrap_or(50) as usize);
                let nodes: Vec<Value> = page
                    .iter()
                    .map(|r| {
                        // `Release.author` is a `User`: a bot's release reads null.
                        let who = &self.people[r.author];
                        json!({"databaseId": r.id, "tagName": r.tag, "isDraft": r.published.is_none(),
                               "createdAt": at(r.created), "publishedAt": r.published.map(at),
                               "author": (!who.bot).then(|| who.graphql())})
                    })
                    .collect();
                json!({"repository": {"releases": {"pageInfo": info, "nodes": nodes}}})
            }
            "Discussions" => {
                let repo = self.repo_index(&s("name"))?;
                let answered: Vec<&Discussion> =
                    self.discussions.iter().filter(|d| d.repo == repo && d.answer.is_some()).collect();
                let first = vars["first"].as_u64().unwrap_or(50) as usize;
                let (page, info) = page(&answered, vars["after"].as_str(), first);
                let nodes: Vec<Value> = page
                    .iter()
                    .map(|d| {
                        let answer = d.answer.map(|(id, by, written, _)| {
                            json!({"databaseId": id, "createdAt": at(written), "author": self.people[by].graphql()})
                        });
                        json!({"number": d.number, "authorAssociation": d.association,
                               "answerChosenAt": d.answer.map(|a| at(a.3)),
                               "author": self.people[d.author].graphql(), "answer": answer})
                    })
                    .collect();
                json!({"repository": {"discussions": {"pageInfo": info, "nodes": nodes}}})
            }
            "CodeownersRevisions" | "CodeownersHistory" => {
                let repo = self.repo_index(&s("name"))?;
                let lists: &[(&str, &str)] = if op == "CodeownersRevisions" {
                    &ladder_core::history::query::CODEOWNERS_PATHS
                } else {
                    &[("list", "")]
                };
                let mut target = serde_json::Map::new();
                for (alias, path) in lists {
                    let path = if path.is_empty() { s("path") } else { (*path).to_owned() };
                    let file = self.codeowners.iter().find(|c| c.repo == repo && c.path == path);
                    let all: Vec<Value> = file
                        .map(|c| {
                            c.revisions
                                .iter()
                                .map(|(oid, t, text)| {
                                    let file = text.as_ref().map(|text| json!({"object": {"text": text}}));
                                    json!({"oid": oid, "committedDate": at(*t), "file": file})
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let (nodes, info) = page(&all, vars["after"].as_str(), 100);
                    target.insert((*alias).to_owned(), json!({"pageInfo": info, "nodes": nodes}));
                }
                if op == "CodeownersRevisions" {
                    // The first repository has a CONTRIBUTING.md and a .github/RELEASING.md; the
                    // second has nothing; others a RELEASING.md.
                    for (alias, path) in ladder_core::history::query::GUIDE_PATHS {
                        let present = match repo {
                            0 => path == "CONTRIBUTING.md" || path == ".github/RELEASING.md",
                            1 => false,
                            _ => path == "RELEASING.md",
                        };
                        target.insert(alias.to_owned(), if present { json!({"path": path}) } else { Value::Null });
                    }
                }
                json!({"repository": {"defaultBranchRef": {"target": target}}})
            }
            "PullRequestNow" | "IssueNow" => {
                let repo = self.repo_index(&s("name"))?;
                let number = vars["number"].as_i64()?;
                let is_pr = op == "PullRequestNow";
                let item = self.items.iter().find(|i| i.repo == repo && i.number == number && i.is_pr == is_pr);
                let key = if is_pr { "pullRequest" } else { "issue" };
                json!({"repository": {key: item.map(|i| self.now(i, false))}})
            }
            "PullRequestAuthor" => {
                let repo = self.repo_index(&s("name"))?;
                let number = vars["number"].as_i64()?;
                let item = self.items.iter().find(|i| i.repo == repo && i.number == number && i.is_pr);
                let pull = item.map(|i| {
                    json!({"number": i.number, "authorAssociation": i.association,
                                               "author": self.people[i.author].graphql()})
                });
                json!({"repository": {"pullRequest": pull}})
            }
            "PullRequestFiles" | "PullRequestReviews" | "PullRequestTimeline" | "IssueTimeline" => {
                let repo = self.repo_index(&s("name"))?;
                let number = vars["number"].as_i64()?;
                let item = self
                    .items
                    .iter()
                    .find(|i| i.repo == repo && i.number == number && i.is_pr == (op != "IssueTimeline"))?;
                let (field, all) = match op {
                    "PullRequestFiles" => ("files", self.files(item)),
                    "PullRequestReviews" => ("reviews", self.reviews(item)),
                    _ => ("timelineItems", self.timeline(item)),
                };
                let (nodes, info) = page(&all, vars["after"].as_str(), 100);
                let list = json!({"totalCount": all.len(), "pageInfo": info, "nodes": nodes});
                let key = if op == "IssueTimeline" { "issue" } else { "pullRequest" };
                json!({"repository": {key: {field: list}}})
            }
            _ => return None,
        };
        data["rateLimit"] = rate;
        Some(data)
    }

    /// Page `page` (from 1) of a repository's review comments, oldest first, `per_page` a page, as REST
    /// lists them; and whether another page follows. None for a repository it does not know.
    pub fn review_comments(&self, name: &str, page: usize, per_page: usize) -> Option<(Vec<Value>, bool)> {
        let repo = self.repo_index(name)?;
        let mut all: Vec<(DateTime<Utc>, i64, usize, i64)> = Vec::new();
        for item in self.items.iter().filter(|i| i.repo == repo && i.is_pr) {
            for (t, step) in &item.steps {
                if let Step::ReviewComment { id, by } = step {
                    all.push((*t, *id, *by, item.number));
                }
            }
        }
        all.sort();
        let start = page.saturating_sub(1) * per_page;
        let list = all.iter().skip(start).take(per_page).map(|(t, id, by, number)| {
            let url = format!("https://api.github.com/repos/{}/{}/pulls/{number}", ORG.1, self.repos[repo].1);
            json!({"id": id, "user": self.people[*by].webhook(), "created_at": at(*t), "pull_request_url": url,
                   "body": "nit", "author_association": "CONTRIBUTOR"})
        });
        Some((list.collect(), start + per_page < all.len()))
    }

    fn repo_index(&self, name: &str) -> Option<usize> {
        self.repos.iter().position(|(_, n)| n == name)
    }

    fn repo_node(&self, r: usize) -> Value {
        let (id, name) = &self.repos[r];
        let count = |pr: bool| self.items.iter().filter(|i| i.repo == r && i.is_pr == pr).count();
        let private = self.private.contains(&r);
        json!({"databaseId": id, "nameWithOwner": format!("{}/{name}", ORG.1), "isPrivate": private,
               "visibility": if private { "PRIVATE" } else { "PUBLIC" }, "pullRequests": {"totalCount": count(true)}, "issues": {"totalCount": count(false)},
               "owner": {"__typename": "Organization", "login": ORG.1, "databaseId": ORG.0}})
    }

    fn files(&self, item: &Item) -> Vec<Value> {
        item.files.iter().map(|p| json!({"path": p})).collect()
    }

    fn reviews(&self, item: &Item) -> Vec<Value> {
        let reviews = item.steps.iter().filter_map(|(t, s)| match s {
            Step::Review { id, by, state, dismissed } => Some(json!({
                "fullDatabaseId": id.to_string(),
                "state": if *dismissed { "DISMISSED".to_owned() } else { state.to_uppercase() },
                "submittedAt": at(*t),
                "author": self.people[*by].graphql(),
            })),
            _ => None,
        });
        reviews.collect()
    }

    fn timeline(&self, item: &Item) -> Vec<Value> {
        let who = |i: usize| self.people[i].graphql();
        let mut out = Vec::new();
        for (t, step) in &item.steps {
            match step {
                Step::Labeled { label, by } => {
                    let (id, name, _) = self.label_now(item, label);
                    out.push(json!({"__typename": "LabeledEvent", "createdAt": at(*t), "actor": who(*by),
                        "label": {"id": id, "name": name}}));
                }
                Step::Assigned { to, by } => out.push(json!({"__typename": "AssignedEvent", "createdAt": at(*t),
                    "actor": who(*by), "assignee": who(*to)})),
                Step::Closed { by } | Step::Merged { by } => out.push(json!({"__typename": "ClosedEvent",
                    "createdAt": at(*t), "actor": who(*by)})),
                Step::Comment { id, by } => out.push(json!({"__typename": "IssueComment",
                    "fullDatabaseId": id.to_string(), "createdAt": at(*t), "author": who(*by)})),
                Step::Review { id, state, dismissed: true, .. } => out
                    .push(json!({"__typename": "ReviewDismissedEvent",
                    "previousReviewState": state.to_uppercase(), "review": {"fullDatabaseId": id.to_string()}})),
                Step::Review { .. } | Step::ReviewComment { .. } => {}
            }
        }
        out
    }

    /// A label as GraphQL names it now: its node id and its current name (and its database id).
    fn label_now(&self, item: &Item, label: &str) -> (String, String, i64) {
        let repo_id = self.repos[item.repo].0;
        let name = match self.renamed {
            Some((old, new)) if label == old => new,
            _ => label,
        };
        let id = label_id(repo_id, label);
        (label_node_id(repo_id, id), name.to_owned(), id)
    }

    /// The labels on an item now, by name, each once.
    fn labels_now(&self, item: &Item) -> Vec<(String, String, i64)> {
        let mut out: Vec<(String, String, i64)> = item
            .steps
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Labeled { label, .. } => Some(self.label_now(item, label)),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        out.dedup();
        out
    }

    /// The people assigned to an item now, each once.
    fn assignees_now(&self, item: &Item) -> Vec<usize> {
        let mut out: Vec<usize> = item
            .steps
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Assigned { to, .. } => Some(*to),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// `fragment PullNow` / `IssueNow` of an item: its state, labels, assignees and review requests;
    /// with `short`, the labels and assignees of an open item come back short (empty, the true count).
    fn now(&self, item: &Item, short: bool) -> Value {
        let short = short && item.state() == "OPEN";
        let labels: Vec<Value> =
            self.labels_now(item).into_iter().map(|(id, name, _)| json!({"id": id, "name": name})).collect();
        let assignees: Vec<Value> = self.assignees_now(item).into_iter().map(|p| self.people[p].graphql()).collect();
        let mut now = json!({"state": item.state(), "labels": Org::nested(labels, 100, short),
                             "assignees": Org::nested(assignees, 100, short)});
        if item.is_pr {
            let (people, team) = item.requested();
            let mut requests: Vec<Value> =
                people.into_iter().map(|p| json!({"requestedReviewer": self.people[p].graphql()})).collect();
            if team {
                requests.push(json!({"requestedReviewer": {"__typename": "Team"}}));
            }
            now["isDraft"] = item.draft().into();
            now["reviewRequests"] = Org::nested(requests, 100, false);
        }
        now
    }

    fn nested(all: Vec<Value>, first: usize, short: bool) -> Value {
        let total = all.len();
        let (nodes, info) = page(&all, None, first);
        let nodes = if short { Vec::new() } else { nodes.into_iter().collect() };
        json!({"totalCount": total, "pageInfo": info, "nodes": nodes})
    }

    fn pull_node(&self, item: &Item) -> Value {
        let merged = item.merged();
        let mut node = json!({
            "fullDatabaseId": item.id.to_string(), "number": item.number, "title": item.title,
            "createdAt": at(item.created), "updatedAt": at(item.updated()),
            "merged": merged.is_some(), "mergedAt": merged.map(|(t, _)| at(t)),
            "additions": 10, "deletions": 2, "changedFiles": item.files.len(), "headRefName": item.head,
            "authorAssociation": item.association, "author": self.people[item.author].graphql(),
            "mergedBy": merged.map(|(_, by)| self.people[by].graphql()),
            "files": Org::nested(self.files(item), 100, false),
            "reviews": Org::nested(self.reviews(item), 50, false),
            "timelineItems": Org::nested(self.timeline(item), 100, item.short),
        });
        merge(&mut node, self.now(item, item.now_short()));
        node
    }

    fn issue_node(&self, item: &Item) -> Value {
        let mut node = json!({
            "fullDatabaseId": item.id.to_string(), "number": item.number, "title": item.title,
            "createdAt": at(item.created), "updatedAt": at(item.updated()),
            "authorAssociation": item.association, "author": self.people[item.author].graphql(),
            "timelineItems": Org::nested(self.timeline(item), 100, false),
        });
        merge(&mut node, self.now(item, item.now_short()));
        node
    }
}

/// One page of `all` after cursor `after` (`c<index>`), and its `pageInfo`.
fn page<T: Clone>(all: &[T], after: Option<&str>, first: usize) -> (Vec<T>, Value) {
    let start = after.and_then(|c| c.strip_prefix('c')).and_then(|n| n.parse::<usize>().ok()).map_or(0, |n| n + 1);
    let end = (start + first).min(all.len());
    let page = all.get(start..end).unwrap_or_default().to_vec();
    let cursor = (end > start).then(|| format!("c{}", end - 1));
    (page, json!({"hasNextPage": end < all.len(), "endCursor": cursor}))
}

/// Open work as the model holds it: what a backfill of it must record.
impl Org {
    fn account(&self, who: usize) -> Account {
        let w = &self.people[who];
        let login = if w.bot { format!("{}[bot]", w.login) } else { w.login.clone() };
        Account { id: w.id, login, account_type: Some(if w.bot { "Bot" } else { "User" }.into()) }
    }

    /// The items open in repository `repo` (an index), by number.
    pub fn open_work(&self, repo: usize) -> Vec<OpenItem> {
        let mut items: Vec<OpenItem> = self
            .items
            .iter()
            .filter(|i| i.repo == repo && i.state() == "OPEN")
            .map(|item| self.open_item(item))
            .collect();
        items.sort_by_key(|i| i.number);
        items
    }

    fn open_item(&self, item: &Item) -> OpenItem {
        let labels = self.labels_now(item).into_iter().map(|(_, name, id)| ItemLabel { id: Some(id), name }).collect();
        let mut people: Vec<Involved> = Vec::new();
        let mut add = |role: Role, account: Account, at: Option<DateTime<Utc>>| match people
            .iter_mut()
            .find(|p| p.role == role && p.account.id == account.id)
        {
            Some(p) => p.first_at = p.first_at.min(at),
            None => people.push(Involved { role, account, first_at: at }),
        };
        for who in self.assignees_now(item) {
            add(Role::Assignee, self.account(who), None);
        }
        // A team asked to review is read by its type alone, and not recorded.
        let (requested, _team) = item.requested();
        for who in requested {
            add(Role::Requested, self.account(who), None);
        }
        for (t, step) in &item.steps {
            let (role, by) = match step {
                Step::Review { by, .. } => (Role::Reviewer, *by),
                Step::Comment { by, .. } => (Role::Commenter, *by),
                _ => continue,
            };
            if by != item.author && !self.people[by].bot {
                add(role, self.account(by), Some(seconds(*t)));
            }
        }
        people.sort_by_key(|p| (p.role, p.account.id));
        OpenItem {
            number: item.number,
            is_pull_request: item.is_pr,
            title: item.title.clone(),
            draft: item.draft(),
            author: self.account(item.author),
            author_association: Some(item.association.to_owned()),
            created_at: seconds(item.created),
            updated_at: seconds(item.updated()),
            labels,
            people,
        }
    }
}

/// How many of each kind of item the history holds.
pub fn census(org: &Org) -> HashMap<&'static str, usize> {
    let mut out = HashMap::new();
    out.insert("prs", org.items.iter().filter(|i| i.is_pr).count());
    out.insert("issues", org.items.iter().filter(|i| !i.is_pr).count());
    out.insert("reviews", org.count(|s| matches!(s, Step::Review { .. })));
    out.insert("dismissed", org.count(|s| matches!(s, Step::Review { dismissed: true, .. })));
    out.insert("review_comments", org.count(|s| matches!(s, Step::ReviewComment { .. })));
    out
}
