//! The facts a backfilled pull request or issue reports: exactly the signals, with the same identities
//! and fields, that its webhooks would have produced.
//!
//! Owns: [`place`] (a repository's org and repo as signals name them), the subject a pull request's
//! facts name ([`pull_subject`]), and the facts of each kind of item: [`of_pull`], [`of_issue`],
//! [`of_release`], [`of_discussion`] and [`of_review_comment`]; and the records that are not signals
//! but that later readers need from history: [`codeowners_revisions`].
//! Identities, triage facts, merged-PR data and review kinds come from [`crate::signal`]'s shared
//! rules, the same the webhook path uses, so a fact told both ways lands on one identity.
//!
//! Never does: page, fetch, or check that nested lists are complete (see [`super::gaps`]); a view
//! handed here is taken as whole.
//!
//! Where history cannot say what a webhook said, the choice made:
//! - a review dismissed later reads `DISMISSED` today; its state at submission is the dismissal's
//!   `previousReviewState`, found in the timeline (a dismissed review with no dismissal event in the
//!   list reports nothing rather than a guess);
//! - a merged PR's final `ClosedEvent` is its merge, not triage (a webhook says `closed` with
//!   `merged: true`); earlier closes (closed, reopened, later merged) are triage, as their webhooks were;
//! - an actor GitHub no longer knows (a deleted account reads `null`, or GitHub's `ghost`) earns
//!   nothing: there is no person to credit; a deleted *author* of a subject reads as GitHub's `ghost`, as webhooks and REST show it;
//! - `authorAssociation` is the association now, where a webhook carried the one at the time;
//! - a review comment (REST) by `ghost` or `null` earns nothing, like a GraphQL actor read `null`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::view::{self, Actor, Event};
use crate::node_id;
use crate::signal::{self, Kind, LabelRef, Org, Repo, Signal, Subject, Triage};

/// Where a repository's signals belong: its owner (the org) and the repository, or None when GitHub
/// did not give the owner's numeric id.
pub fn place(repo: &view::Repository) -> Option<(Org, Repo)> {
    let org = Org { id: repo.owner.database_id?, login: repo.owner.login.clone() };
    Some((org, Repo { id: repo.database_id, full_name: repo.name_with_owner.clone(), private: repo.is_private() }))
}

struct Facts<'a> {
    org: &'a Org,
    repo: &'a Repo,
    subject: Subject,
    key: String,
    out: Vec<Signal>,
}

impl Facts<'_> {
    fn push(&mut self, kind: Kind, identity: String, actor: Option<&Actor>, at: DateTime<Utc>, data: Value) {
        let Some(actor) = actor.and_then(Actor::account) else { return };
        if signal::is_no_one(&actor) {
            return;
        }
        self.out.push(Signal {
            kind,
            identity,
            org: self.org.clone(),
            repo: self.repo.clone(),
            subject: Some(self.subject.clone()),
            actor,
            occurred_at: at,
            data,
        });
    }

    fn triage(&mut self, triage: &Triage<'_>, actor: Option<&Actor>, at: DateTime<Utc>) {
        let Some(account) = actor.and_then(Actor::account) else { return };
        let (kind, identity, data) = signal::triage_fact(&self.key, triage, &account);
        self.push(kind, identity, actor, at, data);
    }

    /// The timeline's triage and comments; `skip_close` names the close that was a merge.
    fn timeline<'e>(&mut self, events: impl Iterator<Item = &'e Event>, merge_close: Option<usize>) {
        let mut closes = 0;
        for event in events {
            match event {
                Event::LabeledEvent { created_at, actor, label } => {
                    let label = LabelRef { id: node_id::database_id(&label.id), name: &label.name };
                    self.triage(&Triage::Labeled(label), actor.as_ref(), *created_at);
                }
                Event::AssignedEvent { created_at, actor, assignee } => {
                    if let Some(assignee) = assignee.as_ref().and_then(Actor::account) {
                        self.triage(&Triage::Assigned(&assignee), actor.as_ref(), *created_at);
                    }
                }
                Event::ClosedEvent { created_at, actor } => {
                    closes += 1;
                    if merge_close != Some(closes) {
                        self.triage(&Triage::Closed, actor.as_ref(), *created_at);
                    }
                }
                Event::IssueComment { id, created_at, author } => {
                    self.push(Kind::IssueComment, id.to_string(), author.as_ref(), *created_at, json!({}));
                }
                Event::ReviewDismissedEvent { .. } | Event::Other => {}
            }
        }
    }
}

fn subject(number: i64, is_pull_request: bool, author: Option<&Actor>, association: Option<&String>) -> Subject {
    Subject { number, is_pull_request, author: Some(view::author(author)), author_association: association.cloned() }
}

/// The subject a pull request's facts name: its number, author and association.
pub fn pull_subject(number: i64, author: Option<&Actor>, association: Option<&String>) -> Subject {
    subject(number, true, author, association)
}

/// The signals one pull request's history reports, its nested lists taken as whole.
pub fn of_pull(org: &Org, repo: &Repo, pull: &view::Pull) -> Vec<Signal> {
    let subject = pull_subject(pull.number, pull.author.as_ref(), pull.author_association.as_ref());
    let key = signal::subject_key(repo.id, pull.number);
    let mut facts = Facts { org, repo, subject, key: key.clone(), out: Vec::new() };
    facts.push(Kind::PrOpened, key.clone(), pull.author.as_ref(), pull.created_at, json!({}));
    let events = || pull.timeline_items.items();
    if pull.merged {
        let at = pull.merged_at.unwrap_or(pull.updated_at);
        let mut data = signal::merged_data(
            Some(pull.additions),
            Some(pull.deletions),
            Some(pull.changed_files),
            Some(&pull.head_ref_name),
            &pull.title,
        );
        if let Some(files) = &pull.files {
            data["paths"] = files.items().map(|f| Value::String(f.path.clone())).collect();
        }
        facts.push(Kind::PrMerged, key.clone(), pull.author.as_ref(), at, data);
        facts.push(Kind::MergePerformed, key, pull.merged_by.as_ref(), at, json!({}));
    }
    let dismissed: HashMap<i64, &str> = events()
        .filter_map(|e| match e {
            Event::ReviewDismissedEvent { previous_review_state, review: Some(r) } => {
                Some((r.id, previous_review_state.as_str()))
            }
            _ => None,
        })
        .collect();
    for review in pull.reviews.iter().flat_map(view::Connection::items) {
        let state = match review.state.as_str() {
            "DISMISSED" => dismissed.get(&review.id).copied().unwrap_or("DISMISSED"),
            other => other,
        };
        if let Some(kind) = signal::review_kind(state) {
            let at = review.submitted_at.unwrap_or(pull.updated_at);
            facts.push(kind, review.id.to_string(), review.author.as_ref(), at, json!({}));
        }
    }
    let closes = events().filter(|e| matches!(e, Event::ClosedEvent { .. })).count();
    facts.timeline(events(), pull.merged.then_some(closes));
    facts.out
}

/// The signals one issue's history reports, its timeline taken as whole.
pub fn of_issue(org: &Org, repo: &Repo, issue: &view::Issue) -> Vec<Signal> {
    let subject = subject(issue.number, false, issue.author.as_ref(), issue.author_association.as_ref());
    let key = signal::subject_key(repo.id, issue.number);
    let mut facts = Facts { org, repo, subject, key: key.clone(), out: Vec::new() };
    facts.push(Kind::IssueOpened, key, issue.author.as_ref(), issue.created_at, json!({}));
    facts.timeline(issue.timeline_items.items(), None);
    facts.out
}

/// The signal a published release reports (none for a draft, or a release whose author GitHub no
/// longer knows). Its author stands for whoever published it, as on the webhook path.
pub fn of_release(org: &Org, repo: &Repo, release: &view::Release) -> Vec<Signal> {
    let actor = release.author.as_ref().and_then(Actor::account);
    let Some(actor) = actor.filter(|a| !release.is_draft && !signal::is_no_one(a)) else { return Vec::new() };
    vec![Signal {
        kind: Kind::ReleasePublished,
        identity: release.database_id.to_string(),
        org: org.clone(),
        repo: repo.clone(),
        subject: None,
        actor,
        occurred_at: release.published_at.unwrap_or(release.created_at),
        data: signal::release_data(&release.tag_name),
    }]
}

/// The signal an answered discussion reports: its current answer (an answer unmarked later is gone
/// from history).
pub fn of_discussion(org: &Org, repo: &Repo, discussion: &view::Discussion) -> Vec<Signal> {
    let Some(answer) = &discussion.answer else { return Vec::new() };
    let subject = subject(discussion.number, false, discussion.author.as_ref(), discussion.author_association.as_ref());
    let key = signal::subject_key(repo.id, discussion.number);
    let mut facts = Facts { org, repo, subject, key, out: Vec::new() };
    let at = discussion.answer_chosen_at.unwrap_or(answer.created_at);
    facts.push(Kind::DiscussionAnswered, answer.database_id.to_string(), answer.author.as_ref(), at, json!({}));
    facts.out
}

/// The signal a review comment reports on its pull request, `subject` (none when its author is a bot
/// or an account GitHub no longer knows).
pub fn of_review_comment(org: &Org, repo: &Repo, subject: &Subject, comment: &view::ReviewComment) -> Option<Signal> {
    let actor = comment.user.clone().filter(|u| !signal::is_no_one(u))?;
    Some(Signal {
        kind: Kind::ReviewComment,
        identity: comment.id.to_string(),
        org: org.clone(),
        repo: repo.clone(),
        subject: Some(subject.clone()),
        actor,
        occurred_at: comment.created_at,
        data: json!({}),
    })
}

/// One revision of a `CODEOWNERS` file: the commit that changed it, when, and the text it left (None:
/// the commit removed the file, or it is not text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeownersRevision {
    pub path: String,
    pub oid: String,
    pub committed_at: DateTime<Utc>,
    pub text: Option<String>,
}

/// The revisions a page of the file at `path`'s history holds.
pub fn codeowners_revisions(path: &str, list: &view::Connection<view::Revision>) -> Vec<CodeownersRevision> {
    list.items()
        .map(|r| CodeownersRevision {
            path: path.to_owned(),
            oid: r.oid.clone(),
            committed_at: r.committed_date,
            text: r.text().map(str::to_owned),
        })
        .collect()
}

/// Keeps the facts that happened at or after `since` (all of them without one).
pub fn since(signals: &mut Vec<Signal>, since: Option<DateTime<Utc>>) {
    if let Some(since) = since {
        signals.retain(|s| s.occurred_at >= since);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Account;

    fn comment(user: Option<(i64, &str, &str)>, url: &str) -> view::ReviewComment {
        let user = user.map(|(id, login, kind)| json!({"id": id, "login": login, "type": kind}));
        serde_json::from_value(json!({"id": 77, "user": user, "created_at": "2026-03-04T05:06:07Z",
                                      "pull_request_url": url}))
        .unwrap()
    }

    #[test]
    fn a_review_comment_credits_a_person_and_no_one_else() {
        let org = Org { id: 1, login: "acme".into() };
        let repo = Repo { id: 2, full_name: "acme/site".into(), private: false };
        let author = Account { id: 9, login: "author".into(), account_type: Some("User".into()) };
        let subject = Subject { number: 12, is_pull_request: true, author: Some(author), author_association: None };
        let url = "https://api.github.com/repos/acme/site/pulls/12";
        let cases = [
            (Some((5, "reviewer", "User")), Some(5)),
            (Some((6, "helper[bot]", "Bot")), None),
            (Some((signal::GHOST.0, signal::GHOST.1, "User")), None),
            (None, None),
        ];
        for (user, credited) in cases {
            let c = comment(user, url);
            assert_eq!(c.number(), Some(12));
            let fact = of_review_comment(&org, &repo, &subject, &c);
            assert_eq!(fact.as_ref().map(|s| s.actor.id), credited, "{user:?}");
            if let Some(s) = fact {
                assert_eq!(
                    (s.kind, s.identity.as_str(), s.subject.as_ref()),
                    (Kind::ReviewComment, "77", Some(&subject))
                );
                assert_eq!(s.occurred_at.to_rfc3339(), "2026-03-04T05:06:07+00:00");
            }
        }
        assert_eq!(comment(None, "https://api.github.com/repos/acme/site/pulls/x").number(), None);
    }

    #[test]
    fn a_deleted_account_earns_nothing_however_github_names_it() {
        let org = Org { id: 1, login: "acme".into() };
        let repo = Repo { id: 2, full_name: "acme/site".into(), private: false };
        let comment = |id: i64, author: serde_json::Value| {
            json!({"__typename": "IssueComment", "fullDatabaseId": id.to_string(),
                   "createdAt": "2026-03-04T05:06:07Z", "author": author})
        };
        let user = |id: i64, login: &str| json!({"__typename": "User", "login": login, "databaseId": id});
        let issue: view::Issue = serde_json::from_value(json!({
            "fullDatabaseId": "40", "number": 4, "title": "t", "createdAt": "2026-03-01T00:00:00Z",
            "updatedAt": "2026-03-05T00:00:00Z", "state": "OPEN", "author": null,
            "timelineItems": {"totalCount": 3, "pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": [
                comment(61, user(signal::GHOST.0, signal::GHOST.1)),
                comment(62, serde_json::Value::Null),
                comment(63, user(5, "helper")),
            ]},
        }))
        .unwrap();
        let facts = of_issue(&org, &repo, &issue);
        let credited: Vec<(Kind, &str, i64)> =
            facts.iter().map(|s| (s.kind, s.identity.as_str(), s.actor.id)).collect();
        // The issue's deleted author opened it as `ghost`, the subject every fact names; only the
        // person's comment is credited.
        assert_eq!(credited, [(Kind::IssueComment, "63", 5)]);
        assert_eq!(facts[0].subject.as_ref().and_then(|s| s.author.as_ref()).map(|a| a.login.as_str()), Some("ghost"));
    }
}
