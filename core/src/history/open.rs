//! The open work a backfilled page shows: each issue or pull request open now, as
//! [`crate::open_work::OpenItem`].
//!
//! Owns: [`of_pull`] and [`of_issue`]: an item's state now (labels, assignees, people asked to review
//! (teams are not: see [`super::query`]), draft) from its `...Now` fields, and who reviewed or commented from its reviews and timeline. A closed or
//! merged item reports none (the caller removes it from open work).
//!
//! Never does: check that the lists are whole (see [`super::gaps::now_is_short`]) or store anything.

use chrono::{DateTime, Utc};

use super::view::{self, Actor, Event, Now};
use crate::node_id;
use crate::open_work::{Involvement, ItemLabel, OpenItem, Role};

/// The open item a pull request is, or None when it is closed or merged.
pub fn of_pull(pull: &view::Pull) -> Option<OpenItem> {
    let head =
        Head { number: pull.number, title: &pull.title, created_at: pull.created_at, updated_at: pull.updated_at };
    let mut item = open(&pull.now, head, pull.author.as_ref(), pull.author_association.as_ref(), true)?;
    let mut people = Involvement::of(&item.author);
    now_people(&pull.now, &mut people);
    for review in pull.reviews.iter().flat_map(view::Connection::items) {
        if let Some(who) = review.author.as_ref().and_then(Actor::account) {
            people.note(Role::Reviewer, who, Some(review.submitted_at.unwrap_or(pull.updated_at)));
        }
    }
    commenters(pull.timeline_items.items(), &mut people);
    item.people = people.people();
    Some(item)
}

/// The open item an issue is, or None when it is closed.
pub fn of_issue(issue: &view::Issue) -> Option<OpenItem> {
    let head =
        Head { number: issue.number, title: &issue.title, created_at: issue.created_at, updated_at: issue.updated_at };
    let mut item = open(&issue.now, head, issue.author.as_ref(), issue.author_association.as_ref(), false)?;
    let mut people = Involvement::of(&item.author);
    now_people(&issue.now, &mut people);
    commenters(issue.timeline_items.items(), &mut people);
    item.people = people.people();
    Some(item)
}

struct Head<'a> {
    number: i64,
    title: &'a str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn open(
    now: &Now,
    head: Head<'_>,
    author: Option<&Actor>,
    association: Option<&String>,
    is_pull_request: bool,
) -> Option<OpenItem> {
    if !now.is_open() {
        return None;
    }
    let mut labels: Vec<ItemLabel> = now
        .labels
        .iter()
        .flat_map(view::Connection::items)
        .map(|l| ItemLabel { id: node_id::database_id(&l.id), name: l.name.clone() })
        .collect();
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    labels.dedup();
    Some(OpenItem {
        number: head.number,
        is_pull_request,
        title: head.title.to_owned(),
        draft: now.is_draft,
        author: view::author(author),
        author_association: association.cloned(),
        created_at: head.created_at,
        updated_at: head.updated_at,
        labels,
        people: Vec::new(),
    })
}

fn now_people(now: &Now, people: &mut Involvement) {
    for who in now.assignees.iter().flat_map(view::Connection::items).filter_map(Actor::account) {
        people.note(Role::Assignee, who, None);
    }
    let requested = now.review_requests.iter().flat_map(view::Connection::items);
    for reviewer in requested.filter_map(|r| r.requested_reviewer.as_ref()) {
        if let Some(who) = requested_account(reviewer) {
            people.note(Role::Requested, who, None);
        }
    }
}

/// A requested reviewer as an account; None for a team (only its type is read).
fn requested_account(reviewer: &view::Reviewer) -> Option<crate::event::Account> {
    let actor = view::Actor {
        typename: reviewer.typename.clone(),
        login: reviewer.login.clone()?,
        database_id: reviewer.database_id,
    };
    actor.account()
}

fn commenters<'e>(events: impl Iterator<Item = &'e Event>, people: &mut Involvement) {
    for event in events {
        if let Event::IssueComment { created_at, author, .. } = event
            && let Some(who) = author.as_ref().and_then(Actor::account)
        {
            people.note(Role::Commenter, who, Some(*created_at));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(id: i64, login: &str) -> serde_json::Value {
        json!({"__typename": "User", "login": login, "databaseId": id})
    }

    fn list(nodes: Vec<serde_json::Value>) -> serde_json::Value {
        json!({"totalCount": nodes.len(), "pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": nodes})
    }

    fn pull(state: &str) -> view::Pull {
        let label = |name: &str, node_id: &str| json!({"id": node_id, "name": name});
        serde_json::from_value(json!({
            "fullDatabaseId": "55", "number": 12, "title": "Fix the parser", "createdAt": "2026-03-01T00:00:00Z",
            "updatedAt": "2026-03-09T00:00:00Z", "merged": false, "additions": 1, "deletions": 1, "changedFiles": 1,
            "headRefName": "fix", "authorAssociation": "FIRST_TIME_CONTRIBUTOR", "author": user(1, "newcomer"),
            "state": state, "isDraft": true,
            "labels": list(vec![label("bug", "MDU6TGFiZWwxMzYyOTM0Mzg5"), label("area: parser", "LA_x")]),
            "assignees": list(vec![user(1, "newcomer")]),
            "reviewRequests": list(vec![
                json!({"requestedReviewer": user(3, "maintainer")}),
                json!({"requestedReviewer": {"__typename": "Team"}}),
                json!({"requestedReviewer": null}),
            ]),
            "reviews": list(vec![
                json!({"fullDatabaseId": "901", "state": "COMMENTED", "submittedAt": "2026-03-04T00:00:00Z",
                       "author": user(3, "maintainer")}),
                json!({"fullDatabaseId": "902", "state": "COMMENTED", "submittedAt": "2026-03-02T00:00:00Z",
                       "author": null}),
            ]),
            "timelineItems": list(vec![
                json!({"__typename": "IssueComment", "fullDatabaseId": "7", "createdAt": "2026-03-02T00:00:00Z",
                       "author": user(1, "newcomer")}),
                json!({"__typename": "IssueComment", "fullDatabaseId": "8", "createdAt": "2026-03-03T00:00:00Z",
                       "author": {"__typename": "Bot", "login": "helper", "databaseId": 9}}),
                json!({"__typename": "IssueComment", "fullDatabaseId": "9", "createdAt": "2026-03-05T00:00:00Z",
                       "author": user(4, "friend")}),
            ]),
        }))
        .unwrap()
    }

    #[test]
    fn an_open_pull_request_as_it_is_now() {
        let item = of_pull(&pull("OPEN")).expect("open");
        assert_eq!(
            (item.number, item.is_pull_request, item.draft, item.title.as_str()),
            (12, true, true, "Fix the parser")
        );
        assert!(item.is_first_time());
        // By name; the legacy node id carries the label's database id, an id in no format reads None.
        let labels: Vec<(Option<i64>, &str)> = item.labels.iter().map(|l| (l.id, l.name.as_str())).collect();
        assert_eq!(labels, [(None, "area: parser"), (Some(1_362_934_389), "bug")]);
        let people: Vec<(Role, &str, Option<u32>)> = item
            .people
            .iter()
            .map(|p| {
                (p.role, p.account.login.as_str(), p.first_at.map(|t| t.format("%d").to_string().parse().unwrap()))
            })
            .collect();
        assert_eq!(
            people,
            [
                (Role::Assignee, "newcomer", None),
                (Role::Requested, "maintainer", None),
                (Role::Reviewer, "maintainer", Some(4)),
                (Role::Commenter, "friend", Some(5)),
            ]
        );
        // The author's own comment and the bot's are no reply: the maintainer's review is the first.
        assert_eq!(item.replied_at().map(|t| t.to_rfc3339()), Some("2026-03-04T00:00:00+00:00".into()));
    }

    #[test]
    fn closed_and_merged_items_are_not_open_work() {
        assert!(of_pull(&pull("CLOSED")).is_none());
        assert!(of_pull(&pull("MERGED")).is_none());
    }
}
