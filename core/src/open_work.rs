//! Open work: the issues and pull requests open now in a repository, as the readers that point people
//! at real work need them: who wrote each and whether it was their first contribution, its labels,
//! who is assigned, whose review is requested, who has reviewed or replied and when, and its last
//! activity.
//!
//! Owns: [`OpenItem`], its labels and the people involved in it ([`Involved`], by [`Role`]), and the
//! rule of who counts as having reviewed or replied: a person other than its author whom GitHub does
//! not mark as a bot ([`Involvement::note`]). Backfill records it from history (`history::open`), and webhooks keep it current
//! ([`sighting`]).
//!
//! Never does: store or read it (the shell's store does), or choose what to suggest
//! ([`crate::next_steps`] does).

pub mod sighting;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::digest::NEWCOMER_ASSOCIATIONS;
use crate::event::Account;
use crate::signal;

/// How a person is involved in an open item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Assigned to it (its author may be).
    Assignee,
    /// Asked to review a pull request (a person; teams are not recorded).
    Requested,
    /// Submitted a review of a pull request (its first, at `first_at`).
    Reviewer,
    /// Commented on it (first at `first_at`).
    Commenter,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Assignee, Role::Requested, Role::Reviewer, Role::Commenter];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Assignee => "assignee",
            Role::Requested => "requested",
            Role::Reviewer => "reviewer",
            Role::Commenter => "commenter",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A person (or team) involved in an open item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Involved {
    pub role: Role,
    pub account: Account,
    /// When they first reviewed or commented; None for assignees and requested reviewers.
    pub first_at: Option<DateTime<Utc>>,
}

/// A label on an open item: its database id (which survives a rename) when known, and its name now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ItemLabel {
    pub id: Option<i64>,
    pub name: String,
}

/// An issue or pull request open now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub number: i64,
    pub is_pull_request: bool,
    pub title: String,
    /// A draft pull request (never suggested).
    pub draft: bool,
    /// Its author; GitHub's `ghost` for a deleted account.
    pub author: Account,
    pub author_association: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Its last activity, as GitHub tells it.
    pub updated_at: DateTime<Utc>,
    /// By name.
    pub labels: Vec<ItemLabel>,
    /// By role, then account id.
    pub people: Vec<Involved>,
}

impl OpenItem {
    /// Whether its author was contributing for the first time when they opened it.
    pub fn is_first_time(&self) -> bool {
        self.author_association.as_deref().is_some_and(|a| NEWCOMER_ASSOCIATIONS.contains(&a))
    }

    /// When a person other than its author first reviewed or commented on it.
    pub fn replied_at(&self) -> Option<DateTime<Utc>> {
        self.people
            .iter()
            .filter(|p| matches!(p.role, Role::Reviewer | Role::Commenter))
            .filter_map(|p| p.first_at)
            .min()
    }
}

/// The people of one open item, gathered from whatever tells them, each role and account once (the
/// earliest time kept).
#[derive(Debug, Default)]
pub struct Involvement {
    author_id: Option<i64>,
    seen: HashMap<(Role, i64), Involved>,
}

impl Involvement {
    /// The involvement of an item written by `author`.
    pub fn of(author: &Account) -> Involvement {
        Involvement { author_id: Some(author.id), seen: HashMap::new() }
    }

    /// Notes `account` in `role`. Reviews and comments count from a person other than the author whom
    /// who is someone (not a bot, not a deleted account); assignees and requested reviewers count whoever they are.
    pub fn note(&mut self, role: Role, account: Account, at: Option<DateTime<Utc>>) {
        let replies = matches!(role, Role::Reviewer | Role::Commenter);
        if replies && (Some(account.id) == self.author_id || signal::is_no_one(&account)) {
            return;
        }
        let entry = self.seen.entry((role, account.id)).or_insert(Involved { role, account, first_at: at });
        entry.first_at = match (entry.first_at, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The people, by role, then account id.
    pub fn people(self) -> Vec<Involved> {
        let mut out: Vec<Involved> = self.seen.into_values().collect();
        out.sort_by_key(|p| (p.role, p.account.id));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, login: &str, kind: &str) -> Account {
        Account { id, login: login.into(), account_type: Some(kind.into()) }
    }

    fn at(day: u32) -> DateTime<Utc> {
        format!("2026-03-{day:02}T00:00:00Z").parse().unwrap()
    }

    #[test]
    fn who_counts_as_involved() {
        let author = account(1, "author", "User");
        let mut people = Involvement::of(&author);
        // (role, account, at) -> kept?
        let cases = [
            (Role::Commenter, account(1, "author", "User"), Some(at(3)), false),
            (Role::Reviewer, account(1, "author", "User"), Some(at(3)), false),
            (Role::Commenter, account(9, "helper[bot]", "Bot"), Some(at(2)), false),
            // A deleted account's comment is no reply.
            (Role::Commenter, account(crate::signal::GHOST.0, "ghost", "User"), Some(at(2)), false),
            (Role::Assignee, account(1, "author", "User"), None, true),
            (Role::Requested, account(7, "maintainer", "User"), None, true),
            (Role::Commenter, account(2, "helper", "User"), Some(at(9)), true),
            (Role::Commenter, account(2, "helper", "User"), Some(at(5)), true),
            (Role::Reviewer, account(3, "reviewer", "User"), Some(at(7)), true),
        ];
        for (role, who, when, _) in cases.clone() {
            people.note(role, who, when);
        }
        let people = people.people();
        let kept: Vec<(Role, i64)> = people.iter().map(|p| (p.role, p.account.id)).collect();
        assert_eq!(kept, [(Role::Assignee, 1), (Role::Requested, 7), (Role::Reviewer, 3), (Role::Commenter, 2)]);
        let item = OpenItem {
            number: 4,
            is_pull_request: true,
            title: "t".into(),
            draft: false,
            author,
            author_association: Some("FIRST_TIME_CONTRIBUTOR".into()),
            created_at: at(1),
            updated_at: at(9),
            labels: Vec::new(),
            people,
        };
        // The helper's first comment (the 5th) is the first reply; the later one does not move it.
        assert_eq!(item.replied_at(), Some(at(5)));
        assert!(item.is_first_time());
        assert!(!OpenItem { author_association: Some("MEMBER".into()), ..item.clone() }.is_first_time());
        assert_eq!(OpenItem { people: Vec::new(), ..item }.replied_at(), None);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
