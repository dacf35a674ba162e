//! Typed views of GitHub's GraphQL answers to [`super::query`]'s documents, and of the one REST list
//! backfill reads (review comments).
//!
//! Owns: the serde structs for exactly the fields the queries select, read strictly where a missing
//! field would change a fact (ids, times, states) and leniently where GitHub may say `null` (a deleted
//! author, a nullable list). `BigInt` ids (`fullDatabaseId`) arrive as JSON strings and are read as
//! `i64`; the older `Int` ids (`databaseId`) as numbers.
//!
//! Never does: decide which facts a view reports (see [`super::facts`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::event::Account;
use crate::signal::GHOST;

fn big_int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(i64),
    }
    match Raw::deserialize(d)? {
        Raw::Number(n) => Ok(n),
        Raw::Text(t) => t.parse().map_err(|_| serde::de::Error::custom(format!("`{t}` is not a numeric id"))),
    }
}

fn optional_big_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "big_int")] i64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `rateLimit { cost limit remaining resetAt }`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub cost: i64,
    pub limit: i64,
    pub remaining: i64,
    pub reset_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A connection: one page of a list, with the list's full length.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    #[serde(default)]
    pub total_count: Option<i64>,
    pub page_info: PageInfo,
    #[serde(default = "Vec::new")]
    pub nodes: Vec<Option<T>>,
}

impl<T> Connection<T> {
    pub fn items(&self) -> impl Iterator<Item = &T> {
        self.nodes.iter().flatten()
    }
}

impl<T> Default for Connection<T> {
    fn default() -> Self {
        Connection { total_count: Some(0), page_info: PageInfo::default(), nodes: Vec::new() }
    }
}

/// An `Actor` (or `Assignee`) with its numeric id from the type's own fragment.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "__typename")]
    pub typename: String,
    pub login: String,
    #[serde(default)]
    pub database_id: Option<i64>,
}

impl Actor {
    /// The account as webhooks name it: a bot's GraphQL login lacks the `[bot]` that webhooks show.
    /// None without a numeric id (an actor type the queries do not ask the id of).
    pub fn account(&self) -> Option<Account> {
        let id = self.database_id?;
        let login = if self.typename == "Bot" && !self.login.ends_with("[bot]") {
            format!("{}[bot]", self.login)
        } else {
            self.login.clone()
        };
        Some(Account { id, login, account_type: Some(self.typename.clone()) })
    }
}

/// The author of an item: a deleted account (`null`) reads as GitHub's `ghost`, as in webhooks.
pub fn author(actor: Option<&Actor>) -> Account {
    actor.and_then(Actor::account).unwrap_or_else(|| Account {
        id: GHOST.0,
        login: GHOST.1.to_owned(),
        account_type: Some("User".to_owned()),
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub login: String,
    #[serde(default)]
    pub database_id: Option<i64>,
}

/// `fragment Repo on Repository`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Repository {
    pub database_id: i64,
    pub name_with_owner: String,
    pub is_private: bool,
    #[serde(default)]
    pub visibility: Option<String>,
    pub owner: Owner,
    #[serde(default)]
    pub pull_requests: Option<Count>,
    #[serde(default)]
    pub issues: Option<Count>,
}

/// A list's length alone (`{ totalCount }`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    pub total_count: i64,
}

impl Repository {
    /// Private unless GitHub says plainly that it is public (as for webhooks).
    pub fn is_private(&self) -> bool {
        self.is_private || self.visibility.as_deref().is_some_and(|v| !v.eq_ignore_ascii_case("public"))
    }

    /// Pull requests and issues it holds, as GitHub counts them (for progress).
    pub fn items(&self) -> i64 {
        self.pull_requests.map_or(0, |c| c.total_count) + self.issues.map_or(0, |c| c.total_count)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// The node id (see [`crate::node_id`]).
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReviewRef {
    #[serde(rename = "fullDatabaseId", deserialize_with = "big_int")]
    pub id: i64,
}

/// One item of an issue's or pull request's timeline, of the types the queries ask for.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "__typename")]
pub enum Event {
    #[serde(rename_all = "camelCase")]
    LabeledEvent { created_at: DateTime<Utc>, actor: Option<Actor>, label: Label },
    #[serde(rename_all = "camelCase")]
    AssignedEvent { created_at: DateTime<Utc>, actor: Option<Actor>, assignee: Option<Actor> },
    #[serde(rename_all = "camelCase")]
    ClosedEvent { created_at: DateTime<Utc>, actor: Option<Actor> },
    #[serde(rename_all = "camelCase")]
    IssueComment {
        #[serde(rename = "fullDatabaseId", deserialize_with = "big_int")]
        id: i64,
        created_at: DateTime<Utc>,
        author: Option<Actor>,
    },
    #[serde(rename_all = "camelCase")]
    ReviewDismissedEvent { previous_review_state: String, review: Option<ReviewRef> },
    /// A type the queries did not ask for; it reports nothing.
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    #[serde(rename = "fullDatabaseId", deserialize_with = "big_int")]
    pub id: i64,
    pub state: String,
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    pub author: Option<Actor>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct File {
    pub path: String,
}

/// A requested reviewer: a person (or bot, or mannequin) by login; a team by its type alone (see
/// [`super::query`]).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Reviewer {
    #[serde(rename = "__typename")]
    pub typename: String,
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub database_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRequest {
    #[serde(default)]
    pub requested_reviewer: Option<Reviewer>,
}

/// What an issue or pull request is now (`fragment PullNow` / `IssueNow`): its state and, for open
/// work, its labels, assignees and review requests.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Now {
    /// `OPEN`, `CLOSED` or `MERGED`.
    pub state: String,
    #[serde(default)]
    pub is_draft: bool,
    #[serde(default)]
    pub labels: Option<Connection<Label>>,
    #[serde(default)]
    pub assignees: Option<Connection<Actor>>,
    #[serde(default)]
    pub review_requests: Option<Connection<ReviewRequest>>,
}

impl Now {
    pub fn is_open(&self) -> bool {
        self.state == "OPEN"
    }
}

/// `fragment Pull on PullRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pull {
    #[serde(rename = "fullDatabaseId", deserialize_with = "optional_big_int", default)]
    pub id: Option<i64>,
    pub number: i64,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub merged: bool,
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    pub additions: i64,
    pub deletions: i64,
    pub changed_files: i64,
    pub head_ref_name: String,
    #[serde(default)]
    pub author_association: Option<String>,
    #[serde(flatten)]
    pub now: Now,
    pub author: Option<Actor>,
    #[serde(default)]
    pub merged_by: Option<Actor>,
    #[serde(default)]
    pub files: Option<Connection<File>>,
    #[serde(default)]
    pub reviews: Option<Connection<Review>>,
    pub timeline_items: Connection<Event>,
}

/// `fragment Issue on Issue`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    #[serde(rename = "fullDatabaseId", deserialize_with = "optional_big_int", default)]
    pub id: Option<i64>,
    pub number: i64,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub author_association: Option<String>,
    #[serde(flatten)]
    pub now: Now,
    pub author: Option<Actor>,
    pub timeline_items: Connection<Event>,
}

/// A release as [`super::query::releases`] reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub database_id: i64,
    pub tag_name: String,
    pub is_draft: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    pub author: Option<Actor>,
}

/// A discussion's current answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answered {
    pub database_id: i64,
    pub created_at: DateTime<Utc>,
    pub author: Option<Actor>,
}

/// An answered discussion as [`super::query::discussions`] reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discussion {
    pub number: i64,
    #[serde(default)]
    pub author_association: Option<String>,
    #[serde(default)]
    pub answer_chosen_at: Option<DateTime<Utc>>,
    pub author: Option<Actor>,
    #[serde(default)]
    pub answer: Option<Answered>,
}

/// Any answer: its data, or GitHub's errors (a query GitHub refused, or partial results).
#[derive(Debug, Clone, Deserialize)]
pub struct Answer<T> {
    #[serde(default = "none")]
    pub data: Option<T>,
    #[serde(default)]
    pub errors: Vec<Problem>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Debug, Clone, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WithRate<T> {
    pub rate_limit: Option<RateLimit>,
    #[serde(flatten)]
    pub rest: T,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReposData {
    pub repository_owner: Option<OwnerRepos>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OwnerRepos {
    pub repositories: Connection<Repository>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepoData {
    pub repository: Option<Repository>,
}

/// A pull request's author, as [`super::query::pull_request_author`] reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullAuthor {
    pub number: i64,
    #[serde(default)]
    pub author_association: Option<String>,
    pub author: Option<Actor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullAuthorRepo {
    pub pull_request: Option<PullAuthor>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullAuthorData {
    pub repository: Option<PullAuthorRepo>,
}

/// The answer to [`super::query::now_of`]: the item (under `pullRequest` or `issue`) as it is now.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NowRepo {
    #[serde(default, alias = "issue")]
    pub pull_request: Option<Now>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NowData {
    pub repository: Option<NowRepo>,
}

/// A pull request review comment as REST lists a repository's (`GET /repos/{owner}/{repo}/pulls/comments`,
/// 100 a page): GraphQL has no repository-wide list of them. REST names accounts as webhooks do (a
/// bot's login ends in `[bot]`); a deleted account reads as `ghost` or `null`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReviewComment {
    pub id: i64,
    #[serde(default)]
    pub user: Option<Account>,
    pub created_at: DateTime<Utc>,
    /// `…/repos/{owner}/{repo}/pulls/{number}`.
    pub pull_request_url: String,
}

impl ReviewComment {
    /// The number of the pull request the comment is on, from its URL.
    pub fn number(&self) -> Option<i64> {
        self.pull_request_url.rsplit('/').next()?.parse().ok()
    }
}

/// A commit that changed a `CODEOWNERS` file, with the file as the commit left it (`file` null: the
/// commit removed it).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub oid: String,
    pub committed_date: DateTime<Utc>,
    #[serde(default)]
    pub file: Option<TreeFile>,
}

impl Revision {
    /// The file's text at this commit: None when the commit removed it, or it is not text.
    pub fn text(&self) -> Option<&str> {
        self.file.as_ref()?.object.as_ref()?.text.as_deref()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TreeFile {
    #[serde(default)]
    pub object: Option<BlobText>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BlobText {
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CodeownersData {
    pub repository: Option<CodeownersRepo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeownersRepo {
    #[serde(default)]
    pub default_branch_ref: Option<BranchRef>,
}

/// The default branch's head: a commit, whose revision lists and guide files are keyed by their
/// alias (an empty map for a target that is not a commit).
#[derive(Debug, Clone, Deserialize)]
pub struct BranchRef {
    #[serde(default)]
    pub target: Option<std::collections::HashMap<String, serde_json::Value>>,
}

impl CodeownersData {
    fn target(&self) -> Option<&std::collections::HashMap<String, serde_json::Value>> {
        self.repository.as_ref()?.default_branch_ref.as_ref()?.target.as_ref()
    }

    /// The revision lists by alias (none for an empty repository); an entry that is not a list is
    /// left out.
    pub fn lists(&self) -> std::collections::HashMap<String, Connection<Revision>> {
        let entries = self.target().into_iter().flatten();
        entries.filter_map(|(alias, v)| Some((alias.clone(), serde_json::from_value(v.clone()).ok()?))).collect()
    }

    /// The first of [`crate::history::query::GUIDE_PATHS`] the default branch's head holds.
    pub fn guide(&self) -> Option<&'static str> {
        let target = self.target()?;
        crate::history::query::GUIDE_PATHS
            .iter()
            .find(|(alias, _)| target.get(*alias).is_some_and(|v| !v.is_null()))
            .map(|(_, path)| *path)
    }
}
