//! Maintainership-readiness signals: what a person did on GitHub, as recorded facts.
//!
//! Owns: the signal kinds and their tracks, the [`Signal`] record, and [`derive`], which turns one parsed
//! event into the facts it reports. A signal's identity is what happened on GitHub (a review id, a PR's
//! repo and number, a label put on a subject by an actor), never the delivery that told us, so a
//! redelivery, a replay or a backfill of the same fact lands on the same identity.
//!
//! Never does: I/O, or decide credit. Self-actions are recorded with their subject's author so that the
//! counting rules in [`crate::credit`] can exclude them; only accounts of GitHub type `Bot` (and `[bot]`
//! logins, which are always GitHub App bots) and `ghost` (deleted accounts) are dropped here, because
//! they are never people.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::event::{self, Account, Event, PullRequest, Repository};

/// The kinds of signal. Names are part of the external contract: add, never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PrOpened,
    PrMerged,
    ReviewApproved,
    ReviewChangesRequested,
    ReviewCommented,
    ReviewComment,
    IssueOpened,
    TriageLabeled,
    TriageAssigned,
    TriageClosed,
    MergePerformed,
    IssueComment,
    ReleasePublished,
    DiscussionAnswered,
}

/// Groups of kinds that are credited separately, never folded into one score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Track {
    Code,
    Review,
    Triage,
    Community,
}

impl Track {
    pub const ALL: [Track; 4] = [Track::Code, Track::Review, Track::Triage, Track::Community];

    pub fn as_str(self) -> &'static str {
        match self {
            Track::Code => "code",
            Track::Review => "review",
            Track::Triage => "triage",
            Track::Community => "community",
        }
    }
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::PrOpened,
        Kind::PrMerged,
        Kind::ReviewApproved,
        Kind::ReviewChangesRequested,
        Kind::ReviewCommented,
        Kind::ReviewComment,
        Kind::IssueOpened,
        Kind::TriageLabeled,
        Kind::TriageAssigned,
        Kind::TriageClosed,
        Kind::MergePerformed,
        Kind::IssueComment,
        Kind::ReleasePublished,
        Kind::DiscussionAnswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrOpened => "pr_opened",
            Kind::PrMerged => "pr_merged",
            Kind::ReviewApproved => "review_approved",
            Kind::ReviewChangesRequested => "review_changes_requested",
            Kind::ReviewCommented => "review_commented",
            Kind::ReviewComment => "review_comment",
            Kind::IssueOpened => "issue_opened",
            Kind::TriageLabeled => "triage_labeled",
            Kind::TriageAssigned => "triage_assigned",
            Kind::TriageClosed => "triage_closed",
            Kind::MergePerformed => "merge_performed",
            Kind::IssueComment => "issue_comment",
            Kind::ReleasePublished => "release_published",
            Kind::DiscussionAnswered => "discussion_answered",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn track(self) -> Track {
        match self {
            Kind::PrOpened | Kind::PrMerged => Track::Code,
            Kind::ReviewApproved
            | Kind::ReviewChangesRequested
            | Kind::ReviewCommented
            | Kind::ReviewComment
            | Kind::MergePerformed => Track::Review,
            Kind::TriageLabeled | Kind::TriageAssigned | Kind::TriageClosed => Track::Triage,
            Kind::IssueOpened | Kind::IssueComment | Kind::ReleasePublished | Kind::DiscussionAnswered => {
                Track::Community
            }
        }
    }

    /// Kinds that earn credit only when the subject (PR, issue, discussion) belongs to someone else.
    pub fn needs_others_subject(self) -> bool {
        !matches!(self, Kind::PrOpened | Kind::PrMerged | Kind::IssueOpened | Kind::ReleasePublished)
    }
}

/// The organization or user that owns the repository: the scope of everything about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: i64,
    pub login: String,
}

/// The repository a signal happened in, with the visibility it had then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub id: i64,
    pub full_name: String,
    pub private: bool,
}

/// The issue, PR or discussion a signal is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub number: i64,
    pub is_pull_request: bool,
    pub author: Option<Account>,
    pub author_association: Option<String>,
}

/// One recorded fact: `actor` did `kind` in `repo`, on `subject`, at `occurred_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: Kind,
    /// Unique per kind; built only from what webhooks and backfill both know.
    pub identity: String,
    pub org: Org,
    pub repo: Repo,
    pub subject: Option<Subject>,
    pub actor: Account,
    pub occurred_at: DateTime<Utc>,
    /// Kind-specific facts later rules need (a label's name, a merged PR's size and branch).
    pub data: Value,
}

impl Signal {
    /// True when the actor acted on their own subject (reviewing their own PR, labelling their own issue).
    pub fn is_self_action(&self) -> bool {
        self.subject.as_ref().and_then(|s| s.author.as_ref()).is_some_and(|author| author.id == self.actor.id)
    }
}

/// Adds the paths a merged PR changed (read from GitHub) to its `pr_merged` signal, for path patterns
/// of mechanical changes.
pub fn add_paths(signals: &mut [Signal], paths: &[String]) {
    for s in signals.iter_mut().filter(|s| s.kind == Kind::PrMerged) {
        s.data["paths"] = paths.iter().map(|p| Value::String(p.clone())).collect();
    }
}

/// GitHub's deleted-account placeholder, as webhooks and REST name it: authors of items whose account
/// was deleted read `null` in GraphQL and `ghost` elsewhere.
pub const GHOST: (i64, &str) = (10137, "ghost");

/// True for accounts that stand for no person, to credit or to count as a reply: GitHub's own bots
/// and `ghost`, a deleted account.
pub fn is_no_one(account: &Account) -> bool {
    is_github_bot(account) || account.id == GHOST.0
}

/// True for accounts GitHub itself marks as bots: type `Bot`, or a login ending in `[bot]`.
pub fn is_github_bot(account: &Account) -> bool {
    account.account_type.as_deref() == Some("Bot") || account.login.ends_with("[bot]")
}

/// `repo_id#number`: names an issue or PR the same way in webhooks and in backfill (a PR's issue id
/// and PR id differ; its repository and number do not).
pub fn subject_key(repo_id: i64, number: i64) -> String {
    format!("{repo_id}#{number}")
}

/// A triage action on an issue or PR, as webhooks and timelines both tell it.
#[derive(Debug, Clone, Copy)]
pub enum Triage<'a> {
    Labeled(LabelRef<'a>),
    Assigned(&'a Account),
    Closed,
}

/// A label as a triage fact names it: its database id (webhooks give it; GraphQL's node id carries
/// it, see [`crate::node_id`]) and its name at the time.
#[derive(Debug, Clone, Copy)]
pub struct LabelRef<'a> {
    pub id: Option<i64>,
    pub name: &'a str,
}

/// The kind, identity and data of a triage action by `actor` on the subject `key`. Timeline events
/// carry no id in webhooks or GraphQL, so the identity is what both know: subject, label or assignee,
/// actor (labelling twice collapses to one fact). A label is named by its id, which survives a
/// rename (GraphQL tells a label's *current* name, a webhook the name it had); only a label whose id
/// is unknown is named by its name.
pub fn triage_fact(key: &str, triage: &Triage<'_>, actor: &Account) -> (Kind, String, Value) {
    match triage {
        Triage::Labeled(LabelRef { id: Some(id), name }) => {
            (Kind::TriageLabeled, format!("{key}:label-id={id}:{}", actor.id), json!({"label": name, "label_id": id}))
        }
        Triage::Labeled(LabelRef { id: None, name }) => {
            (Kind::TriageLabeled, legacy_label_identity(key, name, actor.id), json!({"label": name}))
        }
        Triage::Assigned(assignee) => (
            Kind::TriageAssigned,
            format!("{key}:{}:{}", assignee.id, actor.id),
            json!({"assignee_id": assignee.id, "assignee": assignee.login}),
        ),
        Triage::Closed => (Kind::TriageClosed, format!("{key}:{}", actor.id), json!({})),
    }
}

fn legacy_label_identity(key: &str, name: &str, actor_id: i64) -> String {
    format!("{key}:{name}:{actor_id}")
}

/// The identity a `triage_labeled` signal named by its label's id had before labels were named by
/// id (subject, label name, actor): the store upgrades a fact recorded that way when it meets it
/// again with its id, so the two are one fact. None for other signals.
///
/// What this cannot mend: a fact recorded by name before the label was renamed. GraphQL tells only
/// the current name, so the old fact and its by-id twin stay two; stores written since (webhooks name
/// labels by id) do not have such facts.
pub fn label_identity_by_name(signal: &Signal) -> Option<String> {
    if signal.kind != Kind::TriageLabeled || signal.data.get("label_id").is_none() {
        return None;
    }
    let subject = signal.subject.as_ref()?;
    let name = signal.data.get("label")?.as_str()?;
    Some(legacy_label_identity(&subject_key(signal.repo.id, subject.number), name, signal.actor.id))
}

/// What a `pr_merged` signal keeps about the PR: its size, head branch and title.
pub fn merged_data(
    additions: Option<i64>,
    deletions: Option<i64>,
    changed_files: Option<i64>,
    head: Option<&str>,
    title: &str,
) -> Value {
    json!({
        "additions": additions,
        "deletions": deletions,
        "changed_files": changed_files,
        "head": head,
        "title": title,
    })
}

/// What a `release_published` signal keeps: the release's tag.
pub fn release_data(tag: &str) -> Value {
    json!({ "tag": tag })
}

/// The kind of a submitted review by its state, in either case (`approved` in webhooks, `APPROVED` in
/// GraphQL); none for states that are not a submission (`pending`, `dismissed`).
pub fn review_kind(state: &str) -> Option<Kind> {
    match state.to_ascii_lowercase().as_str() {
        "approved" => Some(Kind::ReviewApproved),
        "changes_requested" => Some(Kind::ReviewChangesRequested),
        "commented" => Some(Kind::ReviewCommented),
        _ => None,
    }
}

/// The facts one event reports. `received_at` stands in for the time of facts whose payload carries
/// none (a `labeled` event has no timestamp of its own and its subject's `updated_at` may be absent).
pub fn derive(event: &Event, received_at: DateTime<Utc>) -> Vec<Signal> {
    let Some(repo) = &event.envelope().repository else {
        return Vec::new();
    };
    let ctx = Context { repo, sender: event.envelope().sender.as_ref(), received_at };
    let action = event.envelope().action();
    let mut out = match event {
        Event::PullRequest(e) => ctx.pull_request(action, e),
        Event::Review(e) if action == "submitted" => ctx.review(e).into_iter().collect(),
        Event::ReviewComment(e) if action == "created" => {
            let subject = pr_subject(&e.pull_request);
            vec![ctx.signal(
                Kind::ReviewComment,
                e.comment.id.to_string(),
                &e.comment.user,
                e.comment.created_at,
                Some(subject),
                json!({}),
            )]
        }
        Event::Issues(e) => ctx.issues(action, e),
        Event::IssueComment(e) if action == "created" => {
            let subject = Subject {
                number: e.issue.number,
                is_pull_request: e.issue.pull_request.is_some(),
                author: Some(e.issue.user.clone()),
                author_association: e.issue.author_association.clone(),
            };
            vec![ctx.signal(
                Kind::IssueComment,
                e.comment.id.to_string(),
                &e.comment.user,
                e.comment.created_at,
                Some(subject),
                json!({}),
            )]
        }
        Event::Release(e) if action == "published" => {
            let r = &e.release;
            let at = r.published_at.unwrap_or(r.created_at);
            vec![ctx.signal(Kind::ReleasePublished, r.id.to_string(), &r.author, at, None, release_data(&r.tag_name))]
        }
        Event::Discussion(e) if action == "answered" => ctx.answer(e).into_iter().collect(),
        _ => Vec::new(),
    };
    out.retain(|s| !is_no_one(&s.actor));
    out
}

struct Context<'a> {
    repo: &'a Repository,
    sender: Option<&'a Account>,
    received_at: DateTime<Utc>,
}

fn pr_subject(pr: &PullRequest) -> Subject {
    Subject {
        number: pr.number,
        is_pull_request: true,
        author: Some(pr.user.clone()),
        author_association: pr.author_association.clone(),
    }
}

impl Context<'_> {
    fn signal(
        &self,
        kind: Kind,
        identity: String,
        actor: &Account,
        occurred_at: DateTime<Utc>,
        subject: Option<Subject>,
        data: Value,
    ) -> Signal {
        Signal {
            kind,
            identity,
            org: Org { id: self.repo.owner.id, login: self.repo.owner.login.clone() },
            repo: Repo { id: self.repo.id, full_name: self.repo.full_name.clone(), private: self.repo.is_private() },
            subject,
            actor: actor.clone(),
            occurred_at,
            data,
        }
    }

    /// The triage signals (`labeled`, `assigned`, `closed` unmerged) shared by issues and PRs.
    fn triage(
        &self,
        action: &str,
        subject: Subject,
        label: Option<&event::Label>,
        assignee: Option<&Account>,
        updated_at: Option<DateTime<Utc>>,
        closed_at: Option<DateTime<Utc>>,
    ) -> Option<Signal> {
        let actor = self.sender?;
        let key = subject_key(self.repo.id, subject.number);
        let at = updated_at.unwrap_or(self.received_at);
        let (triage, at) = match action {
            "labeled" => {
                let label = label?;
                (Triage::Labeled(LabelRef { id: label.id, name: &label.name }), at)
            }
            "assigned" => (Triage::Assigned(assignee?), at),
            "closed" => (Triage::Closed, closed_at.unwrap_or(at)),
            _ => return None,
        };
        let (kind, identity, data) = triage_fact(&key, &triage, actor);
        Some(self.signal(kind, identity, actor, at, Some(subject), data))
    }

    fn pull_request(&self, action: &str, e: &event::PullRequestEvent) -> Vec<Signal> {
        let pr = &e.pull_request;
        let key = subject_key(self.repo.id, pr.number);
        match action {
            "opened" => {
                vec![self.signal(Kind::PrOpened, key, &pr.user, pr.created_at, Some(pr_subject(pr)), json!({}))]
            }
            "closed" if pr.was_merged() => self.merged(pr, key),
            _ => {
                let triage = self.triage(
                    action,
                    pr_subject(pr),
                    e.label.as_ref(),
                    e.assignee.as_ref(),
                    pr.updated_at,
                    pr.closed_at,
                );
                triage.into_iter().collect()
            }
        }
    }

    fn merged(&self, pr: &PullRequest, key: String) -> Vec<Signal> {
        let at = pr.merged_at.or(pr.closed_at).unwrap_or(self.received_at);
        let head = pr.head.as_ref().map(|h| h.name.as_str());
        let data = merged_data(pr.additions, pr.deletions, pr.changed_files, head, &pr.title);
        let mut out = vec![self.signal(Kind::PrMerged, key.clone(), &pr.user, at, Some(pr_subject(pr)), data)];
        if let Some(merger) = pr.merged_by.as_ref().or(self.sender) {
            out.push(self.signal(Kind::MergePerformed, key, merger, at, Some(pr_subject(pr)), json!({})));
        }
        out
    }

    fn review(&self, e: &event::ReviewEvent) -> Option<Signal> {
        let kind = review_kind(&e.review.state)?;
        let at = e.review.submitted_at.or(e.pull_request.updated_at).unwrap_or(self.received_at);
        let subject = pr_subject(&e.pull_request);
        Some(self.signal(kind, e.review.id.to_string(), &e.review.user, at, Some(subject), json!({})))
    }

    fn issues(&self, action: &str, e: &event::IssuesEvent) -> Vec<Signal> {
        let issue = &e.issue;
        let subject = Subject {
            number: issue.number,
            is_pull_request: false,
            author: Some(issue.user.clone()),
            author_association: issue.author_association.clone(),
        };
        if action == "opened" {
            let key = subject_key(self.repo.id, issue.number);
            return vec![self.signal(Kind::IssueOpened, key, &issue.user, issue.created_at, Some(subject), json!({}))];
        }
        self.triage(action, subject, e.label.as_ref(), e.assignee.as_ref(), issue.updated_at, issue.closed_at)
            .into_iter()
            .collect()
    }

    fn answer(&self, e: &event::DiscussionEvent) -> Option<Signal> {
        let answer = e.answer.as_ref()?;
        let d = &e.discussion;
        let subject = Subject {
            number: d.number,
            is_pull_request: false,
            author: Some(d.user.clone()),
            author_association: d.author_association.clone(),
        };
        let at = d.answer_chosen_at.unwrap_or(answer.created_at);
        Some(self.signal(Kind::DiscussionAnswered, answer.id.to_string(), &answer.user, at, Some(subject), json!({})))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::Value;

    use super::*;

    fn received() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
    }

    #[test]
    fn kinds_serialize_by_their_contract_names() {
        for kind in Kind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(serde_json::from_value::<Kind>(kind.as_str().into()).unwrap(), kind);
        }
        for role in crate::roles::Role::ALL {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
    }

    fn fixture(path: &str) -> Value {
        let text = std::fs::read_to_string(format!("{}/../tests/fixtures/webhooks/{path}", env!("CARGO_MANIFEST_DIR")))
            .expect("fixture exists");
        serde_json::from_str(&text).expect("fixture is JSON")
    }

    fn derive_json(event: &str, payload: &Value) -> Vec<Signal> {
        let parsed = crate::event::parse(event, payload.to_string().as_bytes()).expect("parses");
        derive(&parsed, received())
    }

    /// (kind, identity, actor login, self-action) of one derived signal.
    type Summary = (&'static str, String, String, bool);

    fn summary(signals: &[Signal]) -> Vec<Summary> {
        signals
            .iter()
            .map(|s| (s.kind.as_str(), s.identity.clone(), s.actor.login.clone(), s.is_self_action()))
            .collect()
    }

    fn set(payload: &mut Value, pointer: &str, value: Value) {
        *payload.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} exists")) = value;
    }

    fn other_user() -> Value {
        serde_json::json!({"login": "mentor", "id": 777, "type": "User"})
    }

    #[test]
    fn derivation_table() {
        let s = |v: &str| v.to_owned();
        let cases: Vec<(&str, &str, Vec<Summary>)> = vec![
            ("pull_request", "pull_request/opened.json", vec![("pr_opened", s("186853002#2"), s("Codertocat"), true)]),
            (
                "pull_request",
                "pull_request/closed.json",
                vec![("triage_closed", s("186853002#2:21031067"), s("Codertocat"), true)],
            ),
            (
                "pull_request",
                "pull_request/closed.merged.json",
                vec![
                    ("pr_merged", s("511552847#14"), s("harshraj8843"), true),
                    ("merge_performed", s("511552847#14"), s("harshraj8843"), true),
                ],
            ),
            (
                "pull_request",
                "pull_request/labeled.json",
                vec![("triage_labeled", s("186853002#2:label-id=1362934389:21031067"), s("Codertocat"), true)],
            ),
            ("pull_request", "pull_request/synchronize.json", vec![]),
            (
                "pull_request_review",
                "pull_request_review/submitted.json",
                vec![("review_commented", s("237895671"), s("Codertocat"), true)],
            ),
            (
                "pull_request_review",
                "pull_request_review/submitted.approved.json",
                vec![("review_approved", s("208201048"), s("erwinmombay"), false)],
            ),
            ("pull_request_review", "pull_request_review/dismissed.json", vec![]),
            (
                "pull_request_review_comment",
                "pull_request_review_comment/created.json",
                vec![("review_comment", s("284312630"), s("Codertocat"), true)],
            ),
            ("pull_request_review_comment", "pull_request_review_comment/edited.json", vec![]),
            ("issues", "issues/opened.json", vec![("issue_opened", s("186853002#1"), s("Codertocat"), true)]),
            (
                "issues",
                "issues/assigned.json",
                vec![("triage_assigned", s("186853002#1:21031067:21031067"), s("Codertocat"), true)],
            ),
            ("issues", "issues/edited.json", vec![]),
            (
                "issue_comment",
                "issue_comment/created.json",
                vec![("issue_comment", s("492700400"), s("Codertocat"), true)],
            ),
            ("issue_comment", "issue_comment/deleted.json", vec![]),
            ("release", "release/published.json", vec![("release_published", s("17372790"), s("Codertocat"), false)]),
            ("release", "release/created.json", vec![]),
            ("discussion", "discussion/answered.json", vec![("discussion_answered", s("550561"), s("dan2wik"), false)]),
            ("installation", "installation/created.json", vec![]),
            ("ping", "ping/ping.json", vec![]),
        ];
        for (event, path, expected) in cases {
            let signals = derive_json(event, &fixture(path));
            let got = summary(&signals);
            assert_eq!(got, expected, "{path}");
        }
    }

    #[test]
    fn merged_by_someone_else_is_a_merge_performed_for_them() {
        let mut payload = fixture("pull_request/closed.merged.json");
        set(&mut payload, "/pull_request/merged_by", other_user());
        let signals = derive_json("pull_request", &payload);
        let merge = signals.iter().find(|s| s.kind == Kind::MergePerformed).expect("merge signal");
        assert_eq!((merge.actor.id, merge.is_self_action()), (777, false));
        let merged = signals.iter().find(|s| s.kind == Kind::PrMerged).expect("merged signal");
        assert_eq!(merged.data["additions"], 1);
        assert_eq!(merged.data["title"], "Create 2.txt");
        assert_eq!(merged.occurred_at.to_rfc3339(), "2022-07-09T02:55:19+00:00");
        assert!(merged.repo.private, "codinasion's repo is private");
    }

    #[test]
    fn closing_someone_elses_pr_unmerged_is_triage_not_merge() {
        let mut payload = fixture("pull_request/closed.json");
        set(&mut payload, "/sender", other_user());
        let signals = derive_json("pull_request", &payload);
        assert_eq!(
            summary(&signals),
            vec![("triage_closed", "186853002#2:777".to_owned(), "mentor".to_owned(), false)]
        );
    }

    #[test]
    fn bots_are_never_people() {
        for login in ["dependabot[bot]", "renovate"] {
            let mut payload = fixture("pull_request_review/submitted.approved.json");
            set(&mut payload, "/review/user", serde_json::json!({"login": login, "id": 5, "type": "Bot"}));
            assert_eq!(derive_json("pull_request_review", &payload), vec![], "{login}");
        }
        let mut payload = fixture("issue_comment/created.json");
        set(
            &mut payload,
            "/comment/user",
            serde_json::json!({"login": "github-actions[bot]", "id": 6, "type": "User"}),
        );
        assert_eq!(derive_json("issue_comment", &payload), vec![]);
        // Nor is `ghost`, which stands for deleted accounts, as on the backfill path.
        set(&mut payload, "/comment/user", serde_json::json!({"login": "ghost", "id": GHOST.0, "type": "User"}));
        assert_eq!(derive_json("issue_comment", &payload), vec![]);
    }

    #[test]
    fn a_label_without_a_time_falls_back_to_the_receipt_time() {
        let mut payload = fixture("issues/labeled.json");
        payload["issue"].as_object_mut().unwrap().remove("updated_at");
        let signals = derive_json("issues", &payload);
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].occurred_at, received());
        assert_eq!(signals[0].data["label"], "bug");
    }

    #[test]
    fn labels_are_named_by_id_and_facts_by_name_are_found_again() {
        let signals = derive_json("issues", &fixture("issues/labeled.json"));
        let by_id = &signals[0];
        assert_eq!(by_id.identity, "186853002#1:label-id=1362934389:21031067");
        assert_eq!(by_id.data, serde_json::json!({"label": "bug", "label_id": 1_362_934_389}));
        assert_eq!(label_identity_by_name(by_id).as_deref(), Some("186853002#1:bug:21031067"));

        // Without an id (a payload older than ids, or a hand-made one) the name is all there is.
        let mut payload = fixture("issues/labeled.json");
        payload["label"].as_object_mut().unwrap().remove("id");
        let by_name = &derive_json("issues", &payload)[0];
        assert_eq!(by_name.identity, "186853002#1:bug:21031067");
        assert_eq!(label_identity_by_name(by_name), None, "nothing to upgrade it to");
        let assigned = &derive_json("issues", &fixture("issues/assigned.json"))[0];
        assert_eq!(label_identity_by_name(assigned), None, "only label facts");
    }

    #[test]
    fn the_same_fact_from_two_deliveries_has_one_identity() {
        // A redelivery is byte-identical; an edited payload describing the same review is not, but still
        // names the same review.
        let mut payload = fixture("pull_request_review/submitted.approved.json");
        let first = derive_json("pull_request_review", &payload);
        set(&mut payload, "/pull_request/title", Value::from("a later title"));
        let second = derive_json("pull_request_review", &payload);
        assert_eq!(first[0].identity, second[0].identity);
    }

    #[test]
    fn kinds_round_trip_and_have_tracks() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::MergePerformed.track(), Track::Review);
        assert_eq!(Kind::TriageClosed.track(), Track::Triage);
    }
}
