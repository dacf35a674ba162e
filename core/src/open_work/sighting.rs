//! Open work as webhooks tell it: each issue and pull request event shows the item as it is now, and
//! comments and reviews are replies to it.
//!
//! Owns: [`changes`], what one event says about open work: a [`Sighting`] of the item (open, or closed,
//! merged, deleted or transferred away) and a [`Change::Replied`] for a reply that counts (by
//! [`Involvement::note`]'s rule). A sighting carries the item's `updated_at`, so the store keeps the
//! newest of sightings that arrive out of order.
//!
//! Never does: store anything, or decide what to suggest.

use chrono::{DateTime, Utc};

use super::{Involved, Involvement, ItemLabel, OpenItem, Role};
use crate::event::{Account, Event, Issue, Label, PullRequest, Repository};

/// The repository an item is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRepo {
    pub id: i64,
    pub full_name: String,
    pub private: bool,
}

/// An item as an event showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub repo: ItemRepo,
    /// False once it is closed, merged, deleted or moved to another repository.
    pub open: bool,
    /// Its people are its assignees, and its requested reviewers when `pull_details` says they are known.
    pub item: OpenItem,
    /// Whether the event showed the pull request itself (its draft flag and requested reviewers), not
    /// the issue-shaped view a comment on a pull request carries.
    pub pull_details: bool,
}

/// What one event says about open work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Seen(Sighting),
    /// A review or comment on item `number` of repository `repo_id` by someone other than its author.
    Replied {
        repo_id: i64,
        number: i64,
        person: Involved,
    },
}

/// The open-work changes `event` reports.
pub fn changes(event: &Event) -> Vec<Change> {
    let Some(repo) = &event.envelope().repository else { return Vec::new() };
    let action = event.envelope().action();
    match event {
        Event::PullRequest(e) => vec![Change::Seen(pull(repo, &e.pull_request, action))],
        Event::Review(e) => {
            let mut out = vec![Change::Seen(pull(repo, &e.pull_request, ""))];
            if action == "submitted" {
                let at = e.review.submitted_at.or(e.pull_request.updated_at);
                out.extend(reply(
                    repo,
                    e.pull_request.number,
                    &e.pull_request.user,
                    Role::Reviewer,
                    &e.review.user,
                    at,
                ));
            }
            out
        }
        Event::ReviewComment(e) => {
            let mut out = vec![Change::Seen(pull(repo, &e.pull_request, ""))];
            if action == "created" {
                let at = Some(e.comment.created_at);
                out.extend(reply(
                    repo,
                    e.pull_request.number,
                    &e.pull_request.user,
                    Role::Commenter,
                    &e.comment.user,
                    at,
                ));
            }
            out
        }
        Event::Issues(e) => vec![Change::Seen(issue(repo, &e.issue, action))],
        Event::IssueComment(e) => {
            let mut out = vec![Change::Seen(issue(repo, &e.issue, ""))];
            if action == "created" {
                let at = Some(e.comment.created_at);
                out.extend(reply(repo, e.issue.number, &e.issue.user, Role::Commenter, &e.comment.user, at));
            }
            out
        }
        _ => Vec::new(),
    }
}

fn item_repo(repo: &Repository) -> ItemRepo {
    ItemRepo { id: repo.id, full_name: repo.full_name.clone(), private: repo.is_private() }
}

/// Whether an item shown in state `state` by an event with `action` is still open in its repository.
fn still_open(state: Option<&str>, action: &str) -> bool {
    state != Some("closed") && !matches!(action, "closed" | "deleted" | "transferred")
}

fn labels(labels: &[Label]) -> Vec<ItemLabel> {
    let mut out: Vec<ItemLabel> = labels.iter().map(|l| ItemLabel { id: l.id, name: l.name.clone() }).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    out
}

fn people(author: &Account, roles: &[(Role, &[Account])]) -> Vec<Involved> {
    let mut involvement = Involvement::of(author);
    for (role, accounts) in roles {
        for account in accounts.iter() {
            involvement.note(*role, account.clone(), None);
        }
    }
    involvement.people()
}

fn pull(repo: &Repository, pr: &PullRequest, action: &str) -> Sighting {
    let people = people(&pr.user, &[(Role::Assignee, &pr.assignees), (Role::Requested, &pr.requested_reviewers)]);
    Sighting {
        repo: item_repo(repo),
        open: still_open(pr.state.as_deref(), action),
        item: OpenItem {
            number: pr.number,
            is_pull_request: true,
            title: pr.title.clone(),
            draft: pr.draft.unwrap_or(false),
            author: pr.user.clone(),
            author_association: pr.author_association.clone(),
            created_at: pr.created_at,
            updated_at: pr.updated_at.unwrap_or(pr.created_at),
            labels: labels(&pr.labels),
            people,
        },
        pull_details: true,
    }
}

fn issue(repo: &Repository, issue: &Issue, action: &str) -> Sighting {
    Sighting {
        repo: item_repo(repo),
        open: still_open(issue.state.as_deref(), action),
        item: OpenItem {
            number: issue.number,
            is_pull_request: issue.pull_request.is_some(),
            title: issue.title.clone(),
            draft: false,
            author: issue.user.clone(),
            author_association: issue.author_association.clone(),
            created_at: issue.created_at,
            updated_at: issue.updated_at.unwrap_or(issue.created_at),
            labels: labels(&issue.labels),
            people: people(&issue.user, &[(Role::Assignee, &issue.assignees)]),
        },
        pull_details: false,
    }
}

fn reply(
    repo: &Repository,
    number: i64,
    author: &Account,
    role: Role,
    by: &Account,
    at: Option<DateTime<Utc>>,
) -> Option<Change> {
    let mut involvement = Involvement::of(author);
    involvement.note(role, by.clone(), at);
    let person = involvement.people().into_iter().next()?;
    Some(Change::Replied { repo_id: repo.id, number, person })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse;

    fn event(name: &str, file: &str) -> Event {
        let path = format!("{}/../tests/fixtures/webhooks/{name}/{file}", env!("CARGO_MANIFEST_DIR"));
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parse(name, &body).unwrap()
    }

    fn seen(changes: &[Change]) -> &Sighting {
        match &changes[0] {
            Change::Seen(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_event_shows_the_item_as_it_is_now() {
        // (event, fixture) -> (repo, number, open, pull, pull details, draft, labels, people by role)
        type Row = (&'static str, i64, bool, bool, bool, bool, Vec<&'static str>, Vec<(Role, &'static str)>);
        let cases: [(&str, &str, Row); 8] = [
            (
                "issues",
                "assigned.json",
                (
                    "Codertocat/Hello-World",
                    1,
                    true,
                    false,
                    false,
                    false,
                    vec!["bug"],
                    vec![(Role::Assignee, "Codertocat")],
                ),
            ),
            (
                "issues",
                "closed.json",
                ("codinasion/codinasion-bot", 2, false, false, false, false, vec!["team", "triage"], vec![]),
            ),
            (
                "issues",
                "deleted.json",
                (
                    "Codertocat/Hello-World",
                    1,
                    false,
                    false,
                    false,
                    false,
                    vec!["bug"],
                    vec![(Role::Assignee, "Codertocat")],
                ),
            ),
            (
                "issue_comment",
                "created.json",
                (
                    "Codertocat/Hello-World",
                    1,
                    true,
                    false,
                    false,
                    false,
                    vec!["bug"],
                    vec![(Role::Assignee, "Codertocat")],
                ),
            ),
            (
                "pull_request",
                "closed.merged.json",
                ("codinasion/codinasion-bot-try", 14, false, true, true, false, vec!["team", "triage"], vec![]),
            ),
            (
                "pull_request",
                "converted_to_draft.json",
                (
                    "Codertocat/Hello-World",
                    2,
                    true,
                    true,
                    true,
                    true,
                    vec!["bug"],
                    vec![(Role::Assignee, "Codertocat"), (Role::Requested, "octocat")],
                ),
            ),
            (
                "pull_request",
                "review_requested.json",
                (
                    "Codertocat/Hello-World",
                    2,
                    true,
                    true,
                    true,
                    false,
                    vec!["bug"],
                    vec![(Role::Assignee, "Codertocat"), (Role::Requested, "octocat")],
                ),
            ),
            (
                "pull_request_review",
                "submitted.json",
                (
                    "Codertocat/Hello-World",
                    2,
                    true,
                    true,
                    true,
                    false,
                    vec!["bug"],
                    vec![(Role::Assignee, "Codertocat"), (Role::Requested, "octocat")],
                ),
            ),
        ];
        for (name, file, want) in cases {
            let changes = changes(&event(name, file));
            let s = seen(&changes);
            let got: Row = (
                leak(&s.repo.full_name),
                s.item.number,
                s.open,
                s.item.is_pull_request,
                s.pull_details,
                s.item.draft,
                s.item.labels.iter().map(|l| leak(&l.name)).collect(),
                s.item.people.iter().map(|p| (p.role, leak(&p.account.login))).collect(),
            );
            assert_eq!(got, want, "{name}/{file}");
            assert!(s.item.updated_at >= s.item.created_at, "{name}/{file}");
        }
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_owned().into_boxed_str())
    }

    #[test]
    fn a_reply_counts_from_someone_other_than_the_author() {
        // The fixture's comment and review are by the item's own author: no reply.
        for (name, file) in [("issue_comment", "created.json"), ("pull_request_review", "submitted.json")] {
            assert_eq!(changes(&event(name, file)).len(), 1, "{name}/{file}");
        }
        let mut e = event("issue_comment", "created.json");
        let Event::IssueComment(c) = &mut e else { panic!() };
        c.comment.user = c_user();
        let at = c.comment.created_at;
        let got = changes(&e);
        assert_eq!(
            got[1],
            Change::Replied {
                repo_id: 186853002,
                number: 1,
                person: Involved { role: Role::Commenter, account: c_user(), first_at: Some(at) }
            }
        );
        let review_by = |user: Account| {
            let mut e = event("pull_request_review", "submitted.json");
            let Event::Review(r) = &mut e else { panic!() };
            r.review.user = user;
            changes(&e)
        };
        let bot = Account { id: 5, login: "dependabot[bot]".into(), account_type: Some("Bot".into()) };
        assert_eq!(review_by(bot).len(), 1, "a bot's review is no reply");
        let got = review_by(c_user());
        let Change::Replied { person, .. } = &got[1] else { panic!() };
        assert_eq!((person.role, person.account.id), (Role::Reviewer, 99));
    }

    fn c_user() -> Account {
        Account { id: 99, login: "helper".into(), account_type: Some("User".into()) }
    }

    #[test]
    fn events_without_an_item_change_nothing() {
        assert!(changes(&event("release", "published.json")).is_empty());
        assert!(changes(&event("ping", "ping.json")).is_empty());
    }
}
