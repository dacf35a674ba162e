//! The GraphQL documents backfill sends, one per page kind, as GitHub's schema spells them.
//!
//! Owns: the query texts and the variables each takes. Every document here is validated against
//! GitHub's published schema (`schema/github.graphql`) by `tests/it/graphql.rs`, and the fake GitHub
//! validates each query it receives against the same schema, so a query the real GitHub would reject
//! fails the tests.
//!
//! Never does: send anything (the shell's `github::history` does), or read a response (see
//! [`super::view`]).
//!
//! Choices the schema forces (see `HISTORY.md`): numeric ids come from `fullDatabaseId` where it exists
//! (`databaseId` is deprecated there) and from `... on User { databaseId }`-style fragments on actors,
//! which have none of their own; lists are ordered by `UPDATED_AT` ascending, so a cursor stays valid
//! for a resumed run and an item updated during a run comes round again at the end instead of being
//! skipped; each nested list asks for `totalCount`, so a list returned short is noticed.

/// The largest page of pull requests or issues asked for; halved after a timeout, grown back slowly.
pub const MAX_PAGE: u32 = 50;

/// Items per page in nested lists and in the follow-up queries that finish one item's list.
pub const NESTED_PAGE: usize = 100;

/// Reviews asked for with each pull request (the follow-up asks for [`NESTED_PAGE`]).
pub const REVIEWS_PER_PULL: usize = 50;

const ACTOR: &str = "
fragment Actor on Actor {
  __typename login
  ... on User { databaseId }
  ... on Bot { databaseId }
  ... on Mannequin { databaseId }
  ... on Organization { databaseId }
}";

const ASSIGNEE: &str = "
fragment Assignee on Assignee {
  __typename
  ... on User { login databaseId }
  ... on Bot { login databaseId }
  ... on Mannequin { login databaseId }
  ... on Organization { login databaseId }
}";

const RATE: &str = "rateLimit { cost limit remaining resetAt }";

const REPO: &str = "
fragment Repo on Repository {
  databaseId nameWithOwner isPrivate visibility
  pullRequests { totalCount } issues { totalCount }
  owner { __typename login ... on Organization { databaseId } ... on User { databaseId } }
}";

const PULL_EVENT: &str = "
fragment PullEvent on PullRequestTimelineItems {
  __typename
  ... on LabeledEvent { createdAt actor { ...Actor } label { id name } }
  ... on AssignedEvent { createdAt actor { ...Actor } assignee { ...Assignee } }
  ... on ClosedEvent { createdAt actor { ...Actor } }
  ... on IssueComment { fullDatabaseId createdAt author { ...Actor } }
  ... on ReviewDismissedEvent { previousReviewState review { fullDatabaseId } }
}";

const ISSUE_EVENT: &str = "
fragment IssueEvent on IssueTimelineItems {
  __typename
  ... on LabeledEvent { createdAt actor { ...Actor } label { id name } }
  ... on AssignedEvent { createdAt actor { ...Actor } assignee { ...Assignee } }
  ... on ClosedEvent { createdAt actor { ...Actor } }
  ... on IssueComment { fullDatabaseId createdAt author { ...Actor } }
}";

const REVIEW: &str = "
fragment Review on PullRequestReview { fullDatabaseId state submittedAt author { ...Actor } }";

/// What an open item is now. A team asked to review is only named by its type: reading a team's
/// fields needs the org's members permission (a token's `read:org`), which backfill does not ask for,
/// and GitHub refuses the whole query without it.
const NOW: &str = "
fragment LabelsNow on Labelable {
  labels(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { id name } }
}
fragment AssigneesNow on Assignable {
  assignees(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { __typename login databaseId } }
}";

const PULL_NOW: &str = "
fragment PullNow on PullRequest {
  state isDraft
  ...LabelsNow ...AssigneesNow
  reviewRequests(first: 100) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { requestedReviewer {
      __typename
      ... on User { login databaseId }
      ... on Bot { login databaseId }
      ... on Mannequin { login databaseId }
    } }
  }
}";

const ISSUE_NOW: &str = "
fragment IssueNow on Issue {
  state
  ...LabelsNow ...AssigneesNow
}";

const PULL: &str = "
fragment Pull on PullRequest {
  fullDatabaseId number title createdAt updatedAt merged mergedAt additions deletions changedFiles
  headRefName authorAssociation
  ...PullNow
  author { ...Actor }
  mergedBy { ...Actor }
  files(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { path } }
  reviews(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { ...Review } }
  timelineItems(first: 100, itemTypes: [LABELED_EVENT, ASSIGNED_EVENT, CLOSED_EVENT, ISSUE_COMMENT,
                                        REVIEW_DISMISSED_EVENT]) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ...PullEvent }
  }
}";

const ISSUE: &str = "
fragment Issue on Issue {
  fullDatabaseId number title createdAt updatedAt authorAssociation
  ...IssueNow
  author { ...Actor }
  timelineItems(first: 100, itemTypes: [LABELED_EVENT, ASSIGNED_EVENT, CLOSED_EVENT, ISSUE_COMMENT]) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ...IssueEvent }
  }
}";

/// One query document: its operation name and full text (fragments included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub name: &'static str,
    pub text: String,
}

fn document(name: &'static str, body: &str, fragments: &[&str]) -> Document {
    let mut text = body.trim().to_owned();
    for fragment in fragments {
        text.push('\n');
        text.push_str(fragment.trim());
    }
    Document { name, text }
}

/// The repositories an account owns. Variables: `owner`, `after`.
pub fn repositories() -> Document {
    let body = format!(
        "query Repositories($owner: String!, $after: String) {{
  {RATE}
  repositoryOwner(login: $owner) {{
    repositories(first: 100, after: $after, orderBy: {{field: NAME, direction: ASC}}) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ ...Repo }}
    }}
  }}
}}"
    );
    document("Repositories", &body, &[REPO])
}

/// One repository. Variables: `owner`, `name`.
pub fn repository() -> Document {
    let body = format!(
        "query Repository($owner: String!, $name: String!) {{
  {RATE}
  repository(owner: $owner, name: $name) {{ ...Repo }}
}}"
    );
    document("Repository", &body, &[REPO])
}

/// A page of a repository's pull requests with their nested lists. Variables: `owner`, `name`,
/// `first`, `after`, `direction` (`ASC`: least recently updated first; `DESC` for a run that stops
/// at the first one updated before its `since`, as pull requests take no `since` filter), `states`
/// (null: every state).
pub fn pull_requests() -> Document {
    let body = format!(
        "query PullRequests($owner: String!, $name: String!, $first: Int!, $after: String,
             $direction: OrderDirection!, $states: [PullRequestState!]) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: $direction}},
                 states: $states) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ ...Pull }}
    }}
  }}
}}"
    );
    document("PullRequests", &body, &[PULL, PULL_NOW, NOW, REVIEW, PULL_EVENT, ACTOR, ASSIGNEE])
}

/// A page of a repository's issues (pull requests are not among them). Variables: `owner`, `name`,
/// `first`, `after`, `since` (null: all), `states` (null: open and closed).
pub fn issues() -> Document {
    let body = format!(
        "query Issues($owner: String!, $name: String!, $first: Int!, $after: String, $since: DateTime,
             $states: [IssueState!]) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    issues(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: ASC}}, states: $states,
           filterBy: {{since: $since}}) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ ...Issue }}
    }}
  }}
}}"
    );
    document("Issues", &body, &[ISSUE, ISSUE_NOW, NOW, ISSUE_EVENT, ACTOR, ASSIGNEE])
}

/// One open item's labels, assignees (and, for a pull request, review requests) as they are now, for
/// an item whose page showed one of those lists short. Variables: `owner`, `name`, `number`.
pub fn now_of(is_pull_request: bool) -> Document {
    let (name, item, fragment, text) = if is_pull_request {
        ("PullRequestNow", "pullRequest", "PullNow", PULL_NOW)
    } else {
        ("IssueNow", "issue", "IssueNow", ISSUE_NOW)
    };
    let body = format!(
        "query {name}($owner: String!, $name: String!, $number: Int!) {{
  {RATE}
  repository(owner: $owner, name: $name) {{ {item}(number: $number) {{ ...{fragment} }} }}
}}"
    );
    document(name, &body, &[text, NOW])
}

/// A page of a repository's releases. Variables: `owner`, `name`, `first`, `after`. A release's
/// `author` is a `User` (a release a bot published reads `null`); no field says who pressed publish.
pub fn releases() -> Document {
    let body = format!(
        "query Releases($owner: String!, $name: String!, $first: Int!, $after: String) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    releases(first: $first, after: $after, orderBy: {{field: CREATED_AT, direction: ASC}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ databaseId tagName isDraft createdAt publishedAt author {{ __typename login databaseId }} }}
    }}
  }}
}}"
    );
    document("Releases", &body, &[])
}

/// A page of a repository's answered discussions, with their current answer. Variables: `owner`,
/// `name`, `first`, `after`.
pub fn discussions() -> Document {
    let body = format!(
        "query Discussions($owner: String!, $name: String!, $first: Int!, $after: String) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    discussions(first: $first, after: $after, answered: true, orderBy: {{field: UPDATED_AT, direction: ASC}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        number authorAssociation answerChosenAt author {{ ...Actor }}
        answer {{ databaseId createdAt author {{ ...Actor }} }}
      }}
    }}
  }}
}}"
    );
    document("Discussions", &body, &[ACTOR])
}

/// One pull request's author and association. Variables: `owner`, `name`, `number`. For review
/// comments (listed repository-wide by REST, naming only their pull request's number) on a pull
/// request no page of pull requests showed: one opened after the pages were read.
pub fn pull_request_author() -> Document {
    let body = format!(
        "query PullRequestAuthor($owner: String!, $name: String!, $number: Int!) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{ number authorAssociation author {{ ...Actor }} }}
  }}
}}"
    );
    document("PullRequestAuthor", &body, &[ACTOR])
}

/// Where GitHub looks for a repository's `CODEOWNERS` file, each with the alias its list has in
/// [`codeowners_revisions`]; backfill reads the revisions of each.
pub const CODEOWNERS_PATHS: [(&str, &str); 3] =
    [("dotGithub", ".github/CODEOWNERS"), ("root", "CODEOWNERS"), ("docs", "docs/CODEOWNERS")];

/// Where a repository may say how it makes releases, in order of preference, each with its alias in
/// [`codeowners_revisions`] (read with the same request, on the default branch's head).
pub const GUIDE_PATHS: [(&str, &str); 4] = [
    ("releasing", "RELEASING.md"),
    ("dotGithubReleasing", ".github/RELEASING.md"),
    ("contributing", "CONTRIBUTING.md"),
    ("dotGithubContributing", ".github/CONTRIBUTING.md"),
];

/// Revisions of a `CODEOWNERS` file per page: the commits on the default branch that changed it,
/// newest first, each with the file as it left it.
pub const REVISIONS_PAGE: usize = 100;

fn revisions(path: &str, after: &str) -> String {
    format!(
        "history(first: {REVISIONS_PAGE}, path: {path}{after}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ oid committedDate file(path: {path}) {{ object {{ ... on Blob {{ text }} }} }} }}
      }}"
    )
}

/// The first page of revisions of each of [`CODEOWNERS_PATHS`], in one query (each list under its
/// alias, in `repository.defaultBranchRef.target`), with which of [`GUIDE_PATHS`] the head holds.
/// Variables: `owner`, `name`.
pub fn codeowners_revisions() -> Document {
    let lists: Vec<String> = CODEOWNERS_PATHS
        .iter()
        .map(|(alias, path)| format!("{alias}: {}", revisions(&format!("\"{path}\""), "")))
        .chain(GUIDE_PATHS.iter().map(|(alias, path)| format!("{alias}: file(path: \"{path}\") {{ path }}")))
        .collect();
    let body = format!(
        "query CodeownersRevisions($owner: String!, $name: String!) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    defaultBranchRef {{ target {{ ... on Commit {{
      {}
    }} }} }}
  }}
}}",
        lists.join("\n      ")
    );
    document("CodeownersRevisions", &body, &[])
}

/// The revisions of one `CODEOWNERS` file after a cursor, under the alias `list`. Variables: `owner`,
/// `name`, `path`, `after`.
pub fn more_codeowners_revisions() -> Document {
    let body = format!(
        "query CodeownersHistory($owner: String!, $name: String!, $path: String!, $after: String) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    defaultBranchRef {{ target {{ ... on Commit {{
      list: {}
    }} }} }}
  }}
}}",
        revisions("$path", ", after: $after")
    );
    document("CodeownersHistory", &body, &[])
}

/// Which nested list of one item a follow-up query finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nested {
    PullFiles,
    PullReviews,
    PullTimeline,
    IssueTimeline,
}

impl Nested {
    pub fn as_str(self) -> &'static str {
        match self {
            Nested::PullFiles => "files",
            Nested::PullReviews => "reviews",
            Nested::PullTimeline => "timeline",
            Nested::IssueTimeline => "issue timeline",
        }
    }
}

/// The follow-up query that pages one item's nested list. Variables: `owner`, `name`, `number`,
/// `after`. The list is at `repository.pullRequest.<list>` or `repository.issue.timelineItems`.
pub fn rest_of(nested: Nested) -> Document {
    let (name, item, list, fragments): (&'static str, &str, String, &[&str]) = match nested {
        Nested::PullFiles => (
            "PullRequestFiles",
            "pullRequest",
            "files(first: 100, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { path } }"
                .to_owned(),
            &[],
        ),
        Nested::PullReviews => (
            "PullRequestReviews",
            "pullRequest",
            "reviews(first: 100, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ...Review } }"
                .to_owned(),
            &[REVIEW, ACTOR],
        ),
        Nested::PullTimeline => (
            "PullRequestTimeline",
            "pullRequest",
            "timelineItems(first: 100, after: $after, itemTypes: [LABELED_EVENT, ASSIGNED_EVENT, CLOSED_EVENT,
      ISSUE_COMMENT, REVIEW_DISMISSED_EVENT]) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ...PullEvent } }"
                .to_owned(),
            &[PULL_EVENT, ACTOR, ASSIGNEE],
        ),
        Nested::IssueTimeline => (
            "IssueTimeline",
            "issue",
            "timelineItems(first: 100, after: $after, itemTypes: [LABELED_EVENT, ASSIGNED_EVENT, CLOSED_EVENT,
      ISSUE_COMMENT]) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ...IssueEvent } }"
                .to_owned(),
            &[ISSUE_EVENT, ACTOR, ASSIGNEE],
        ),
    };
    let body = format!(
        "query {name}($owner: String!, $name: String!, $number: Int!, $after: String) {{
  {RATE}
  repository(owner: $owner, name: $name) {{
    {item}(number: $number) {{
      {list}
    }}
  }}
}}"
    );
    document(name, &body, fragments)
}

/// Every document backfill sends, for validation against the schema.
pub fn all() -> Vec<Document> {
    let mut out = vec![
        repositories(),
        repository(),
        pull_requests(),
        issues(),
        releases(),
        discussions(),
        pull_request_author(),
        codeowners_revisions(),
        more_codeowners_revisions(),
        now_of(true),
        now_of(false),
    ];
    out.extend([Nested::PullFiles, Nested::PullReviews, Nested::PullTimeline, Nested::IssueTimeline].map(rest_of));
    out
}
