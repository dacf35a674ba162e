//! Typed, tolerant views of the webhook payloads this app reads.
//!
//! Owns: the serde structs for the parts of each payload that later stages need, and routing a body to
//! one of them by the `X-GitHub-Event` name. Unknown fields are ignored, fields GitHub sometimes omits are
//! optional, and unknown actions parse fine (they simply derive nothing). The receiver parses each body
//! with [`parse`] before it acknowledges it, so what is stored is what the worker can process. Text is
//! made safe to store on both engines: a NUL character (`\u0000`, valid JSON, which PostgreSQL text
//! cannot hold) reads as U+FFFD.
//!
//! Never does: I/O, credit decisions, or anything with the clock.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The webhook events this app subscribes to or always receives. Anything else is stored and ignored.
pub const KNOWN_EVENTS: &[&str] = &[
    "discussion",
    "discussion_comment",
    "installation",
    "installation_repositories",
    "issue_comment",
    "issues",
    "ping",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "push",
    "release",
    "repository",
];

/// Whether the app has any use for an event of this name.
pub fn is_known(event: &str) -> bool {
    KNOWN_EVENTS.contains(&event)
}

/// A GitHub account: a user, a bot, or an organization.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    /// `User`, `Bot` or `Organization`; absent in a few older payload shapes.
    #[serde(rename = "type", default)]
    pub account_type: Option<String>,
}

/// A repository as webhook payloads describe it.
#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub id: i64,
    pub name: String,
    pub full_name: String,
    pub owner: Account,
    #[serde(default)]
    pub private: bool,
    /// `public`, `private` or `internal`; newer payloads only.
    #[serde(default)]
    pub visibility: Option<String>,
    /// The branch pushes to which change what the app reads (configs, `CODEOWNERS`).
    #[serde(default)]
    pub default_branch: Option<String>,
}

impl Repository {
    /// True unless the payload says plainly that the repository is public. When `private` and
    /// `visibility` disagree, the repository is treated as private: showing too little is the safe error.
    pub fn is_private(&self) -> bool {
        self.private || self.visibility.as_deref().is_some_and(|v| v != "public")
    }
}

/// The short repository shape in `installation` and `installation_repositories` payloads (no owner).
#[derive(Debug, Clone, Deserialize)]
pub struct RepositoryRef {
    pub id: i64,
    pub full_name: String,
    #[serde(default)]
    pub private: bool,
}

/// The `installation` object: full in installation events, `{id}` elsewhere.
#[derive(Debug, Clone, Deserialize)]
pub struct Installation {
    pub id: i64,
    #[serde(default)]
    pub account: Option<Account>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// The label's database id (what a GraphQL node id carries; it survives a rename).
    #[serde(default)]
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Branch {
    #[serde(rename = "ref")]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub id: i64,
    pub number: i64,
    pub user: Account,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub author_association: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub merged_by: Option<Account>,
    #[serde(default)]
    pub additions: Option<i64>,
    #[serde(default)]
    pub deletions: Option<i64>,
    #[serde(default)]
    pub changed_files: Option<i64>,
    #[serde(default)]
    pub head: Option<Branch>,
    /// The labels on it when the event happened.
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub draft: Option<bool>,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub assignees: Vec<Account>,
    /// The people asked to review it and not yet reviewing (teams are listed apart, and not read).
    #[serde(default)]
    pub requested_reviewers: Vec<Account>,
}

impl PullRequest {
    /// A closed PR counts as merged when GitHub says so, or (in shapes without `merged`) has `merged_at`.
    pub fn was_merged(&self) -> bool {
        self.merged.unwrap_or(self.merged_at.is_some())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub id: i64,
    pub number: i64,
    pub user: Account,
    #[serde(default)]
    pub title: String,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub assignees: Vec<Account>,
    #[serde(default)]
    pub author_association: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Present (as an object of links) when the issue is a pull request.
    #[serde(default)]
    pub pull_request: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Review {
    pub id: i64,
    pub user: Account,
    pub state: String,
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
}

/// An issue comment, a review comment, or a discussion comment.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub user: Account,
    pub created_at: DateTime<Utc>,
    /// The Markdown text; commands are read from it.
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    pub id: i64,
    pub author: Account,
    #[serde(default)]
    pub tag_name: String,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Discussion {
    pub id: i64,
    pub number: i64,
    pub user: Account,
    #[serde(default)]
    pub author_association: Option<String>,
    #[serde(default)]
    pub answer_chosen_at: Option<DateTime<Utc>>,
}

/// Fields every event this app reads may carry.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub action: Option<String>,
    pub sender: Option<Account>,
    pub repository: Option<Repository>,
    pub installation: Option<Installation>,
}

impl Envelope {
    pub fn action(&self) -> &str {
        self.action.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct PullRequestEvent {
    pub envelope: Envelope,
    pub pull_request: PullRequest,
    pub label: Option<Label>,
    pub assignee: Option<Account>,
}

#[derive(Debug, Clone)]
pub struct ReviewEvent {
    pub envelope: Envelope,
    pub review: Review,
    pub pull_request: PullRequest,
}

#[derive(Debug, Clone)]
pub struct ReviewCommentEvent {
    pub envelope: Envelope,
    pub comment: Comment,
    pub pull_request: PullRequest,
}

#[derive(Debug, Clone)]
pub struct IssuesEvent {
    pub envelope: Envelope,
    pub issue: Issue,
    pub label: Option<Label>,
    pub assignee: Option<Account>,
}

#[derive(Debug, Clone)]
pub struct IssueCommentEvent {
    pub envelope: Envelope,
    pub comment: Comment,
    pub issue: Issue,
}

#[derive(Debug, Clone)]
pub struct ReleaseEvent {
    pub envelope: Envelope,
    pub release: Release,
}

#[derive(Debug, Clone)]
pub struct DiscussionEvent {
    pub envelope: Envelope,
    pub discussion: Discussion,
    pub answer: Option<Comment>,
}

/// One commit of a push: which paths it touched.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Commit {
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub modified: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PushEvent {
    pub envelope: Envelope,
    /// `refs/heads/<branch>` or `refs/tags/<tag>`.
    pub git_ref: String,
    /// The commit the ref points to after the push (all zeros when the ref was deleted).
    pub after: String,
    pub commits: Vec<Commit>,
}

impl PushEvent {
    /// Whether the push went to a branch (not a tag) and left it pointing at a commit.
    pub fn to_branch(&self) -> bool {
        self.git_ref.starts_with("refs/heads/") && !self.after.is_empty() && self.after.bytes().any(|b| b != b'0')
    }

    /// Whether the push went to the repository's default branch.
    pub fn to_default_branch(&self) -> bool {
        let branch = self.envelope.repository.as_ref().and_then(|r| r.default_branch.as_deref());
        branch.is_some_and(|b| self.git_ref.strip_prefix("refs/heads/") == Some(b))
    }

    /// Every path the push's commits added, changed or removed.
    pub fn touched(&self) -> impl Iterator<Item = &str> {
        self.commits.iter().flat_map(|c| c.added.iter().chain(&c.modified).chain(&c.removed)).map(String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct InstallationEvent {
    pub envelope: Envelope,
    pub repositories: Option<Vec<RepositoryRef>>,
}

#[derive(Debug, Clone)]
pub struct InstallationRepositoriesEvent {
    pub envelope: Envelope,
    pub repositories_added: Vec<RepositoryRef>,
    pub repositories_removed: Vec<RepositoryRef>,
}

/// One parsed delivery body.
#[derive(Debug, Clone)]
pub enum Event {
    PullRequest(Box<PullRequestEvent>),
    Review(Box<ReviewEvent>),
    ReviewComment(Box<ReviewCommentEvent>),
    Issues(Box<IssuesEvent>),
    IssueComment(Box<IssueCommentEvent>),
    Release(Box<ReleaseEvent>),
    Discussion(Box<DiscussionEvent>),
    Installation(Box<InstallationEvent>),
    InstallationRepositories(Box<InstallationRepositoriesEvent>),
    Push(Box<PushEvent>),
    /// `repository`: a repository was renamed, made public or private, transferred or deleted.
    Repository(Box<Envelope>),
    /// `discussion_comment`, `ping`, and events the app ignores: only the envelope matters.
    Other(Box<Envelope>),
}

/// The body is not JSON, or not the shape GitHub documents for this event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("body is not JSON: {0}")]
    NotJson(String),
    #[error("`{event}` payload does not have the documented shape: {problem}")]
    Shape { event: String, problem: String },
}

/// The escape of a NUL character in JSON text.
const NUL_ESCAPE: &[u8] = b"\\u0000";

/// `body` with every NUL escape in a string (`\u0000`) turned into U+FFFD's (`\uFFFD`, as long), or
/// `body` itself when it holds none. Outside strings a backslash is not JSON, so only escapes are read.
fn without_nul(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memmem::find(body, NUL_ESCAPE).is_none() {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = body.to_vec();
    let (mut i, mut in_string) = (0, false);
    while i < out.len() {
        match (in_string, out[i]) {
            (false, b'"') => in_string = true,
            (true, b'"') => in_string = false,
            (true, b'\\') => {
                if out[i..].starts_with(NUL_ESCAPE) {
                    out[i + 2..i + 6].copy_from_slice(b"FFFD");
                }
                i += 1; // the escaped character is never a delimiter
            }
            _ => {}
        }
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Every top-level field any known event carries that the app reads, parsed in one pass (serde's
/// `flatten` would buffer the whole payload first). Which ones must be present depends on the event.
#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    sender: Option<Account>,
    #[serde(default)]
    repository: Option<Repository>,
    #[serde(default)]
    installation: Option<Installation>,
    #[serde(default)]
    pull_request: Option<PullRequest>,
    #[serde(default)]
    review: Option<Review>,
    #[serde(default)]
    comment: Option<Comment>,
    #[serde(default)]
    issue: Option<Issue>,
    #[serde(default)]
    release: Option<Release>,
    #[serde(default)]
    discussion: Option<Discussion>,
    #[serde(default)]
    answer: Option<Comment>,
    #[serde(default)]
    label: Option<Label>,
    #[serde(default)]
    assignee: Option<Account>,
    #[serde(default)]
    repositories: Option<Vec<RepositoryRef>>,
    #[serde(default)]
    repositories_added: Vec<RepositoryRef>,
    #[serde(default)]
    repositories_removed: Vec<RepositoryRef>,
    #[serde(default, rename = "ref")]
    git_ref: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    commits: Vec<Commit>,
}

/// Parses a delivery body for the named event. Unknown event names parse as [`Event::Other`].
pub fn parse(event: &str, body: &[u8]) -> Result<Event, ParseError> {
    let error = |problem: String| ParseError::Shape { event: event.to_owned(), problem };
    let raw: Raw = serde_json::from_slice(&without_nul(body)).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => error(e.to_string()),
        _ => ParseError::NotJson(e.to_string()),
    })?;
    // serde reads a struct from an array too; every payload is an object.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(error("the payload is not a JSON object".to_owned()));
    }
    let need = |field: &'static str| error(format!("missing field `{field}`"));
    let envelope =
        Envelope { action: raw.action, sender: raw.sender, repository: raw.repository, installation: raw.installation };
    Ok(match event {
        "pull_request" => Event::PullRequest(Box::new(PullRequestEvent {
            envelope,
            pull_request: raw.pull_request.ok_or_else(|| need("pull_request"))?,
            label: raw.label,
            assignee: raw.assignee,
        })),
        "pull_request_review" => Event::Review(Box::new(ReviewEvent {
            envelope,
            review: raw.review.ok_or_else(|| need("review"))?,
            pull_request: raw.pull_request.ok_or_else(|| need("pull_request"))?,
        })),
        "pull_request_review_comment" => Event::ReviewComment(Box::new(ReviewCommentEvent {
            envelope,
            comment: raw.comment.ok_or_else(|| need("comment"))?,
            pull_request: raw.pull_request.ok_or_else(|| need("pull_request"))?,
        })),
        "issues" => Event::Issues(Box::new(IssuesEvent {
            envelope,
            issue: raw.issue.ok_or_else(|| need("issue"))?,
            label: raw.label,
            assignee: raw.assignee,
        })),
        "issue_comment" => Event::IssueComment(Box::new(IssueCommentEvent {
            envelope,
            comment: raw.comment.ok_or_else(|| need("comment"))?,
            issue: raw.issue.ok_or_else(|| need("issue"))?,
        })),
        "release" => {
            Event::Release(Box::new(ReleaseEvent { envelope, release: raw.release.ok_or_else(|| need("release"))? }))
        }
        "discussion" => Event::Discussion(Box::new(DiscussionEvent {
            envelope,
            discussion: raw.discussion.ok_or_else(|| need("discussion"))?,
            answer: raw.answer,
        })),
        "installation" => Event::Installation(Box::new(InstallationEvent { envelope, repositories: raw.repositories })),
        "installation_repositories" => Event::InstallationRepositories(Box::new(InstallationRepositoriesEvent {
            envelope,
            repositories_added: raw.repositories_added,
            repositories_removed: raw.repositories_removed,
        })),
        "push" => Event::Push(Box::new(PushEvent {
            envelope,
            git_ref: raw.git_ref.ok_or_else(|| need("ref"))?,
            after: raw.after.unwrap_or_default(),
            commits: raw.commits,
        })),
        "repository" => Event::Repository(Box::new(envelope)),
        _ => Event::Other(Box::new(envelope)),
    })
}

impl Event {
    pub fn envelope(&self) -> &Envelope {
        match self {
            Event::PullRequest(e) => &e.envelope,
            Event::Review(e) => &e.envelope,
            Event::ReviewComment(e) => &e.envelope,
            Event::Issues(e) => &e.envelope,
            Event::IssueComment(e) => &e.envelope,
            Event::Release(e) => &e.envelope,
            Event::Discussion(e) => &e.envelope,
            Event::Installation(e) => &e.envelope,
            Event::InstallationRepositories(e) => &e.envelope,
            Event::Push(e) => &e.envelope,
            Event::Repository(e) | Event::Other(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(private: bool, visibility: Option<&str>) -> Repository {
        Repository {
            id: 1,
            name: "r".into(),
            full_name: "o/r".into(),
            owner: Account { id: 2, login: "o".into(), account_type: None },
            private,
            visibility: visibility.map(str::to_owned),
            default_branch: None,
        }
    }

    #[test]
    fn visibility_errs_on_the_side_of_private() {
        let cases = [
            (false, None, false),
            (false, Some("public"), false),
            (true, None, true),
            (true, Some("public"), true),
            (false, Some("private"), true),
            (false, Some("internal"), true),
        ];
        for (private, visibility, expected) in cases {
            assert_eq!(repo(private, visibility).is_private(), expected, "{private} {visibility:?}");
        }
    }

    #[test]
    fn unknown_fields_and_actions_are_tolerated() {
        let body = br#"{"action":"teleported","zzz":1,"sender":{"id":1,"login":"a","type":"User","x":2}}"#;
        let event = parse("star", body).expect("parses");
        assert_eq!(event.envelope().action(), "teleported");
    }

    #[test]
    fn what_cannot_be_processed_is_told_apart() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let deep_in_a_field = format!(r#"{{"action": {deep}}}"#);
        let not_json = |e: &ParseError| matches!(e, ParseError::NotJson(_));
        let cases: Vec<(&str, &[u8], bool)> = vec![
            ("a number too large", br#"{"action": 1e400}"#, true),
            ("nested 10,000 deep", deep.as_bytes(), false),
            ("nested 10,000 deep where the app reads", deep_in_a_field.as_bytes(), false),
            ("text, not JSON", b"Hello, World!", true),
            ("cut short", br#"{"action": "opened""#, true),
            ("top-level null", b"null", false),
            ("top-level array", b"[]", false),
            ("a field twice", br#"{"action": "opened", "action": "closed"}"#, false),
            ("a lone surrogate", br#"{"action": "\ud800"}"#, true),
            ("a field of the wrong type", br#"{"action": 7}"#, false),
        ];
        for (name, body, syntax) in cases {
            let err = parse("star", body).expect_err(name);
            assert_eq!(not_json(&err), syntax, "{name}: {err}");
        }
        let invalid_utf8 = b"{\"action\": \"\xff\"}";
        assert!(parse("star", invalid_utf8).is_err(), "invalid UTF-8 in a field the app reads");
        // Depth where the app does not read is skipped without recursion: such a body is processed.
        let deep_elsewhere = format!(r#"{{"zen": {deep}, "action": "created"}}"#);
        assert_eq!(parse("star", deep_elsewhere.as_bytes()).unwrap().envelope().action(), "created");
    }

    #[test]
    fn nul_characters_read_as_replacement_characters() {
        let body = br#"{"action": "a\u0000b", "sender": {"id": 1, "login": "x\\u0000", "type": "User"}}"#;
        let event = parse("star", body).unwrap();
        assert_eq!(event.envelope().action(), "a\u{fffd}b");
        assert_eq!(
            event.envelope().sender.as_ref().unwrap().login,
            "x\\u0000",
            "an escaped backslash is not an escape"
        );
        assert_eq!(without_nul(br#"{"a": "\\\u0000"}"#).as_ref(), br#"{"a": "\\\uFFFD"}"#);
        assert!(matches!(without_nul(b"{}"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn a_known_event_missing_its_object_is_an_error_naming_the_event() {
        let err = parse("pull_request", br#"{"action":"opened"}"#).unwrap_err();
        assert!(err.to_string().contains("`pull_request`"), "{err}");
    }
}
