//! Credit: which recorded signals count for a person, and how many of each.
//!
//! Owns: the bot list and the rules applied when counting (no credit for bots, none for acting on your
//! own subject). Because rules run at counting time over recorded facts, changing the bot list applies
//! to history too.
//!
//! Never does: I/O, or decide what is recorded (see [`crate::signal`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::event::Account;
use crate::signal::{Kind, Signal, Track, is_no_one};

/// Plain user accounts that are bots in practice. AsyncAPI's are the default.
pub const DEFAULT_BOTS: &[&str] = &["asyncapi-bot", "asyncapi-bot-eve", "holopin-bot"];

/// Accounts never credited and never addressed: GitHub bots plus a configured list of logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bots {
    logins: BTreeSet<String>,
}

impl Default for Bots {
    fn default() -> Self {
        Bots::new(DEFAULT_BOTS.iter().copied())
    }
}

impl Bots {
    pub fn new<'a>(logins: impl IntoIterator<Item = &'a str>) -> Self {
        let logins = logins
            .into_iter()
            .map(|l| l.trim().trim_start_matches('@').to_ascii_lowercase())
            .filter(|l| !l.is_empty())
            .collect();
        Bots { logins }
    }

    /// A comma-separated list, as in `LADDER_BOTS`.
    pub fn from_list(list: &str) -> Self {
        Bots::new(list.split(','))
    }

    /// The configured logins, lowercased (GitHub's own bots and `ghost` are known without them).
    pub fn logins(&self) -> impl Iterator<Item = &str> {
        self.logins.iter().map(String::as_str)
    }

    pub fn is_bot(&self, account: &Account) -> bool {
        is_no_one(account) || self.logins.contains(&account.login.to_ascii_lowercase())
    }
}

/// Whether a recorded signal earns its actor credit.
pub fn is_credited(signal: &Signal, bots: &Bots) -> bool {
    if bots.is_bot(&signal.actor) {
        return false;
    }
    !(signal.kind.needs_others_subject() && signal.is_self_action())
}

/// Credited signal counts of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub by_kind: BTreeMap<Kind, u64>,
}

impl Tally {
    pub fn by_track(&self) -> BTreeMap<Track, u64> {
        let mut out = BTreeMap::new();
        for (kind, n) in &self.by_kind {
            *out.entry(kind.track()).or_default() += n;
        }
        out
    }

    pub fn total(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

/// Counts the credited signals among `signals`.
pub fn tally<'a>(signals: impl IntoIterator<Item = &'a Signal>, bots: &Bots) -> Tally {
    let mut tally = Tally::default();
    for signal in signals.into_iter().filter(|s| is_credited(s, bots)) {
        *tally.by_kind.entry(signal.kind).or_default() += 1;
    }
    tally
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use serde_json::json;

    use super::*;
    use crate::signal::{Org, Repo, Subject};

    fn account(id: i64, login: &str, account_type: &str) -> Account {
        Account { id, login: login.into(), account_type: Some(account_type.into()) }
    }

    fn signal(kind: Kind, actor: Account, author: Option<Account>) -> Signal {
        Signal {
            kind,
            identity: "x".into(),
            org: Org { id: 1, login: "asyncapi".into() },
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            subject: Some(Subject { number: 7, is_pull_request: true, author, author_association: None }),
            actor,
            occurred_at: DateTime::UNIX_EPOCH,
            data: json!({}),
        }
    }

    #[test]
    fn credit_rules() {
        let alice = account(1, "alice", "User");
        let bob = account(2, "bob", "User");
        let cases = [
            ("review on someone else's PR", signal(Kind::ReviewApproved, alice.clone(), Some(bob.clone())), true),
            ("review on own PR", signal(Kind::ReviewApproved, alice.clone(), Some(alice.clone())), false),
            ("labelling own issue", signal(Kind::TriageLabeled, alice.clone(), Some(alice.clone())), false),
            ("closing someone else's PR", signal(Kind::TriageClosed, alice.clone(), Some(bob.clone())), true),
            (
                "merging own PR earns no merge credit",
                signal(Kind::MergePerformed, alice.clone(), Some(alice.clone())),
                false,
            ),
            ("own merged PR is the point", signal(Kind::PrMerged, alice.clone(), Some(alice.clone())), true),
            ("own opened issue", signal(Kind::IssueOpened, alice.clone(), Some(alice.clone())), true),
            ("unknown subject author", signal(Kind::IssueComment, alice.clone(), None), true),
            ("type Bot", signal(Kind::ReviewApproved, account(3, "renovate", "Bot"), Some(bob.clone())), false),
            (
                "[bot] suffix",
                signal(Kind::IssueComment, account(4, "github-actions[bot]", "User"), Some(bob.clone())),
                false,
            ),
            ("configured bot, any case", signal(Kind::PrMerged, account(5, "AsyncAPI-Bot", "User"), None), false),
            (
                "reviewing a bot's PR counts",
                signal(Kind::ReviewApproved, alice.clone(), Some(account(6, "dependabot[bot]", "Bot"))),
                true,
            ),
        ];
        let bots = Bots::default();
        for (name, signal, expected) in cases {
            assert_eq!(is_credited(&signal, &bots), expected, "{name}");
        }
    }

    #[test]
    fn bot_list_parsing_ignores_blanks_case_and_at_signs() {
        let bots = Bots::from_list(" @Holopin-Bot, ,renovate-helper ");
        assert!(bots.is_bot(&account(1, "holopin-bot", "User")));
        assert!(bots.is_bot(&account(2, "RENOVATE-HELPER", "User")));
        assert!(!bots.is_bot(&account(3, "asyncapi-bot", "User")), "the default list is replaced");
    }

    #[test]
    fn tally_counts_by_kind_and_track() {
        let alice = account(1, "alice", "User");
        let bob = account(2, "bob", "User");
        let signals = [
            signal(Kind::PrMerged, alice.clone(), Some(alice.clone())),
            signal(Kind::PrOpened, alice.clone(), Some(alice.clone())),
            signal(Kind::ReviewApproved, alice.clone(), Some(bob.clone())),
            signal(Kind::ReviewApproved, alice.clone(), Some(alice.clone())),
            signal(Kind::TriageLabeled, alice.clone(), Some(bob.clone())),
        ];
        let tally = tally(&signals, &Bots::default());
        assert_eq!(tally.by_kind.get(&Kind::ReviewApproved), Some(&1));
        assert_eq!(tally.total(), 4);
        let tracks = tally.by_track();
        assert_eq!(tracks.get(&Track::Code), Some(&2));
        assert_eq!(tracks.get(&Track::Review), Some(&1));
        assert_eq!(tracks.get(&Track::Triage), Some(&1));
        assert_eq!(tracks.get(&Track::Community), None);
    }
}
