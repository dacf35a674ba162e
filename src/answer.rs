//! Answering commands: from a comment event to the replies the app will post.
//!
//! Owns: [`requests`], which finds the commands in an issue or PR comment (created or edited, not by a
//! bot), and [`reply`], which decides the reply to one command from what the store knows about the
//! person it concerns. Both pure; the worker looks things up in between. Each reply is planned under
//! a key made of the comment and the command's [`crate::command::Parsed::key`], so a redelivery or an
//! edit never answers a command twice.
//!
//! Never does: I/O, permissions (the commands answered so far need none: `optout` and `optin` act only
//! on the commenter), or render text itself (see [`crate::reply`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::action::{Action, Effect, Planned};
use crate::command::{self, Command, Parsed};
use crate::event::{Account, Event};
use crate::ladder::Ladder;
use crate::reply;
use crate::signal::{Org, Repo};
use crate::status::Report;

/// One command in one comment, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub org: Org,
    pub repo: Repo,
    pub installation_id: Option<i64>,
    /// The issue or pull request the comment is on.
    pub issue: i64,
    pub comment_id: i64,
    pub commenter: Account,
    pub parsed: Parsed,
}

impl Request {
    /// The login a `status` command is about: the one named, or the commenter.
    pub fn status_of(&self) -> Option<&str> {
        match &self.parsed.command {
            Ok(Command::Status { login }) => Some(login.as_deref().unwrap_or(&self.commenter.login)),
            _ => None,
        }
    }

    /// Plans `body` as the reply to this command.
    pub fn planned(&self, body: String) -> Planned {
        Planned {
            key: format!("command:{}:{}:{}", self.repo.id, self.comment_id, self.parsed.key),
            org_id: self.org.id,
            installation_id: self.installation_id,
            repo_id: self.repo.id,
            repo: self.repo.full_name.clone(),
            issue: self.issue,
            action: Action::Comment { body },
        }
    }
}

/// The commands in a comment event. Comments by bots (the app's own replies among them) are never read.
pub fn requests(event: &Event, ladder: &Ladder) -> Vec<Request> {
    let Event::IssueComment(e) = event else { return Vec::new() };
    let (Some(repository), "created" | "edited") = (&e.envelope.repository, e.envelope.action()) else {
        return Vec::new();
    };
    if ladder.bots.is_bot(&e.comment.user) {
        return Vec::new();
    }
    let body = e.comment.body.as_deref().unwrap_or("");
    command::parse(body, &ladder.command_prefix)
        .into_iter()
        .map(|parsed| Request {
            org: Org { id: repository.owner.id, login: repository.owner.login.clone() },
            repo: Repo { id: repository.id, full_name: repository.full_name.clone(), private: repository.is_private() },
            installation_id: e.envelope.installation.as_ref().map(|i| i.id),
            issue: e.issue.number,
            comment_id: e.comment.id,
            commenter: e.comment.user.clone(),
            parsed,
        })
        .collect()
}

/// What the store knows about the person a command concerns.
#[derive(Debug, Clone)]
pub enum Person {
    /// Nothing recorded in this org under that login.
    Unknown(String),
    /// They opted out: nothing is recorded or shown.
    OptedOut(String),
    Known(Box<Report>),
}

/// What answering needs beyond the command.
pub struct Context<'a> {
    pub ladder: &'a Ladder,
    /// How long raw deliveries are kept: erasure is complete after it.
    pub retention_days: u32,
    pub now: DateTime<Utc>,
}

/// A reply, and the change the command makes (made only once, with the reply's first planning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub body: String,
    pub effect: Option<Effect>,
}

impl From<String> for Answer {
    fn from(body: String) -> Answer {
        Answer { body, effect: None }
    }
}

/// The answer to one command, if the app answers it. `person` is what the store knows about the person
/// a `status` concerns; `hidden` names the private repositories whose evidence may not be shown where
/// the command was written.
pub fn reply(
    ctx: &Context<'_>,
    request: &Request,
    person: Option<&Person>,
    hidden: &BTreeSet<String>,
) -> Option<Answer> {
    let (prefix, commenter) = (ctx.ladder.command_prefix.as_str(), request.commenter.login.as_str());
    let me = &request.commenter;
    match &request.parsed.command {
        Err(problem) => Some(reply::problem(prefix, commenter, problem).into()),
        Ok(Command::Help) => Some(reply::help(prefix, commenter).into()),
        Ok(Command::Ladder) => Some(reply::ladder(ctx.ladder, commenter).into()),
        Ok(Command::Status { .. }) => person.map(|person| {
            match person {
                Person::Unknown(login) => reply::unknown_person(commenter, login),
                Person::OptedOut(login) => reply::opted_out(commenter, login),
                Person::Known(report) => reply::status(report, commenter, hidden),
            }
            .into()
        }),
        Ok(Command::OptOut) => {
            let complete = ctx.now + chrono::Duration::days(i64::from(ctx.retention_days));
            Some(Answer {
                body: reply::opted_out_now(prefix, commenter, complete),
                effect: Some(Effect::OptOut { github_id: me.id, login: me.login.clone() }),
            })
        }
        Ok(Command::OptIn) => {
            Some(Answer { body: reply::opted_in(prefix, commenter), effect: Some(Effect::OptIn { github_id: me.id }) })
        }
        // Enrolment, endorsements, nominations and reports need permission checks against GitHub and
        // the program's records; they are not answered yet.
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_event(action: &str, body: &str, user: &str, user_type: &str) -> Event {
        let payload = serde_json::json!({
            "action": action,
            "issue": {"id": 1, "number": 7, "user": {"id": 5, "login": "x", "type": "User"}, "created_at": "2026-11-01T00:00:00Z"},
            "comment": {"id": 99, "user": {"id": 6, "login": user, "type": user_type}, "created_at": "2026-11-02T00:00:00Z", "body": body},
            "repository": {"id": 3, "name": "cli", "full_name": "asyncapi/cli", "owner": {"id": 9, "login": "asyncapi", "type": "Organization"}, "private": false},
            "installation": {"id": 77},
            "sender": {"id": 6, "login": user, "type": user_type},
        });
        crate::event::parse("issue_comment", payload.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn requests_come_from_new_and_edited_comments_of_people() {
        let ladder = Ladder::builtin();
        let body = "thanks!\n/amp status\n/amp help";
        let found = requests(&comment_event("created", body, "alice", "User"), &ladder);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].issue, found[0].comment_id, found[0].installation_id), (7, 99, Some(77)));
        assert_eq!(found[0].status_of(), Some("alice"));
        assert_eq!(found[0].planned("hi".into()).key, "command:3:99:/amp status#0");
        assert_eq!(requests(&comment_event("edited", body, "alice", "User"), &ladder).len(), 2);
        assert!(requests(&comment_event("deleted", body, "alice", "User"), &ladder).is_empty());
        assert!(requests(&comment_event("created", body, "ladder-app[bot]", "Bot"), &ladder).is_empty());
        assert!(requests(&comment_event("created", body, "asyncapi-bot", "User"), &ladder).is_empty());
    }

    #[test]
    fn which_commands_are_answered() {
        let ladder = Ladder::builtin();
        let event = comment_event("created", "/amp help\n/amp dance\n/amp status @bob\n/amp optout", "alice", "User");
        let found = requests(&event, &ladder);
        let hidden = BTreeSet::new();
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 0, 0, 0).unwrap();
        let ctx = Context { ladder: &ladder, retention_days: 30, now };
        let body = |i: usize, person: Option<&Person>| reply(&ctx, &found[i], person, &hidden).unwrap().body;
        assert!(body(0, None).contains("| `/amp help` |"));
        assert!(body(1, None).contains("`dance`"));
        assert_eq!(found[2].status_of(), Some("bob"));
        assert_eq!(body(2, Some(&Person::Unknown("bob".into()))), reply::unknown_person("alice", "bob"));
        let optout = reply(&ctx, &found[3], None, &hidden).unwrap();
        assert_eq!(optout.effect, Some(Effect::OptOut { github_id: 6, login: "alice".into() }), "only the commenter");
        assert!(optout.body.contains("2026-12-24"), "{}", optout.body);
        let event = comment_event("created", "/amp report\n/amp enroll @bob", "alice", "User");
        for request in requests(&event, &ladder) {
            assert_eq!(reply(&ctx, &request, None, &hidden), None, "not answered yet");
        }
    }
}
