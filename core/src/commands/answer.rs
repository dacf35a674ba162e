//! Answering commands: from a comment event to the replies the app will post.
//!
//! Owns: [`requests`], which finds the commands in an issue or PR comment (created or edited, not by a
//! bot), and [`reply`], which decides the reply to one command from what the store knows about the
//! person it concerns. Both pure; the planner looks things up in between. Each reply is planned under
//! a key made of the comment and the command's [`crate::commands::grammar::Parsed::key`], so a redelivery or an
//! edit never answers a command twice.
//!
//! Never does: I/O, or render text itself (see [`crate::text::reply`]). Whether the commenter may run a
//! command is decided here, from the standing the planner looked up ([`crate::commands::permission`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::commands::grammar::{self, Command, Parsed};
use crate::commands::permission::{self, Audience, Decision, Standing};
use crate::enrolment::Enrolment;
use crate::event::{Account, Event};
use crate::ladder::{Ladder, Level};
use crate::plan::action::{Action, Effect, Planned};
use crate::report::Report;
use crate::signal::{Org, Repo};
use crate::text::reply;

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
    /// The login a `status` (the one named, or the commenter), `endorse` or `nominate` is about.
    pub fn person_of(&self) -> Option<&str> {
        match &self.parsed.command {
            Ok(Command::Status { login } | Command::Next { login }) => {
                Some(login.as_deref().unwrap_or(&self.commenter.login))
            }
            Ok(Command::Endorse { login, .. } | Command::Nominate { login, .. }) => Some(login),
            _ => None,
        }
    }

    /// Who may run this command here: [`permission::audience`], except that a `next` naming the
    /// commenter themself is anyone's.
    pub fn audience(&self) -> Option<Audience> {
        let command = self.parsed.command.as_ref().ok()?;
        match command {
            Command::Next { login: Some(login) } if login.eq_ignore_ascii_case(&self.commenter.login) => {
                Some(Audience::Anyone)
            }
            _ => Some(permission::audience(command)),
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

/// How many commands of one comment are read, counting those read from its earlier versions.
pub const COMMANDS_PER_COMMENT: usize = 10;
/// How many replies to commands one person gets a minute in one installation (`optout` is never held).
pub const REPLIES_PER_MINUTE: usize = 5;
/// When an opt-out at `now` is complete: the raw deliveries that mention the person are deleted with
/// the retention window of `retention_days`.
pub fn erased_by(now: chrono::DateTime<chrono::Utc>, retention_days: u32) -> chrono::DateTime<chrono::Utc> {
    now + chrono::Duration::days(i64::from(retention_days))
}

/// The window [`REPLIES_PER_MINUTE`] counts over.
pub const MINUTE: chrono::TimeDelta = chrono::TimeDelta::minutes(1);
/// How many commands of a comment [`requests`] reads: enough to tell those read before (by an earlier
/// version) from new ones in an edited comment. One more says that there are more.
pub const SCANNED: usize = 2 * COMMANDS_PER_COMMENT;

/// The commands in a comment event, at most [`SCANNED`] + 1 of them. Comments by bots (the app's own
/// replies among them) are never read.
pub fn requests(event: &Event, ladder: &Ladder) -> Vec<Request> {
    let Event::IssueComment(e) = event else { return Vec::new() };
    let (Some(repository), "created" | "edited") = (&e.envelope.repository, e.envelope.action()) else {
        return Vec::new();
    };
    if ladder.bots.is_bot(&e.comment.user) {
        return Vec::new();
    }
    let body = e.comment.body.as_deref().unwrap_or("");
    grammar::parse_at_most(body, &ladder.command_prefix, SCANNED + 1)
        .0
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

/// What was read before of a comment's commands, and of its author's in the last minute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadBefore {
    /// The keys ([`Parsed::key`]) of the comment's commands read before, by any version of it.
    pub keys: std::collections::BTreeSet<String>,
    /// Replies the commenter got in the installation in the last minute.
    pub replies_last_minute: usize,
}

impl ReadBefore {
    /// What the store said, with what `earlier` deliveries of the same batch read (not stored yet):
    /// their keys when they come from the same comment as `read`, and their replies when they count
    /// towards the same person's limit a minute in the same installation.
    pub fn with_batch(mut self, read: &Read, earlier: &[Read]) -> ReadBefore {
        for e in earlier {
            if (e.repo_id, e.comment_id) == (read.repo_id, read.comment_id) {
                self.keys.insert(e.key.clone());
            }
            let same_person = (e.installation_id, e.person_id) == (read.installation_id, read.person_id);
            self.replies_last_minute += usize::from(e.limited && same_person);
        }
        self
    }

    /// Whether the commenter's replies for the minute are used up.
    pub fn minute_used_up(&self) -> bool {
        self.replies_last_minute >= REPLIES_PER_MINUTE
    }
}

/// Which commands of one comment are answered now, and which note says what was not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admitted {
    pub requests: Vec<Request>,
    /// Say that the comment has more commands than [`COMMANDS_PER_COMMENT`], so the rest were not read.
    pub past_comment_limit: bool,
    /// Say that the commenter's [`REPLIES_PER_MINUTE`] are used up, so the rest were not read.
    pub past_rate_limit: bool,
}

/// The commands of one comment ([`requests`]) to answer now: those not read before, up to
/// [`COMMANDS_PER_COMMENT`] for the comment in all and [`REPLIES_PER_MINUTE`] for its author in a
/// minute. An `optout` is never held back by the minute's limit. At most one note says what was not
/// read, and none about the comment once the minute's replies are used up (a note is a reply too; the
/// minute's note is planned once a minute).
pub fn admit(requests: Vec<Request>, before: &ReadBefore) -> Admitted {
    let more = requests.len() > SCANNED;
    let new: Vec<Request> =
        requests.into_iter().take(SCANNED).filter(|r| !before.keys.contains(&r.parsed.key)).collect();
    let room = COMMANDS_PER_COMMENT.saturating_sub(before.keys.len());
    let mut admitted = Admitted { past_comment_limit: more || new.len() > room, ..Admitted::default() };
    let mut replies = before.replies_last_minute;
    for request in new.into_iter().take(room) {
        let optout = matches!(request.parsed.command, Ok(Command::OptOut));
        if !optout && replies >= REPLIES_PER_MINUTE {
            admitted.past_rate_limit = true;
            continue;
        }
        replies += usize::from(!optout);
        admitted.requests.push(request);
    }
    admitted.past_comment_limit &= !admitted.past_rate_limit && !before.minute_used_up();
    admitted
}

/// A command read (and so answered): counted towards its comment's and its author's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub repo_id: i64,
    pub comment_id: i64,
    /// [`Parsed::key`].
    pub key: String,
    /// The installation the comment came through (0: none).
    pub installation_id: i64,
    pub person_id: i64,
    /// Whether it counts towards the person's replies a minute (an `optout` does not).
    pub limited: bool,
}

impl Request {
    /// This command, as read.
    pub fn read(&self) -> Read {
        Read {
            repo_id: self.repo.id,
            comment_id: self.comment_id,
            key: self.parsed.key.clone(),
            installation_id: self.installation_id.unwrap_or(0),
            person_id: self.commenter.id,
            limited: !matches!(self.parsed.command, Ok(Command::OptOut)),
        }
    }

    /// The reply saying the comment's commands past the limit were not read (once per comment).
    pub fn past_comment_limit(&self, prefix: &str) -> Planned {
        let body = reply::past_comment_limit(prefix, &self.commenter.login, COMMANDS_PER_COMMENT);
        Planned { key: format!("command:{}:{}:past-limit", self.repo.id, self.comment_id), ..self.planned(body) }
    }

    /// The reply saying the author's replies for the minute are used up (once per minute).
    pub fn past_rate_limit(&self, prefix: &str, now: DateTime<Utc>) -> Planned {
        let body = reply::past_rate_limit(prefix, &self.commenter.login, REPLIES_PER_MINUTE);
        let minute = now.timestamp().div_euclid(60);
        let key = format!("rate-limit:{}:{}:{minute}", self.installation_id.unwrap_or(0), self.commenter.id);
        Planned { key, ..self.planned(body) }
    }
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

/// What answering one request needs looked up (see [`Request::needs`]).
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The person a `status` concerns.
    pub person: Option<Person>,
    /// The commenter's standing where they wrote, for commands not everyone may run.
    pub standing: Standing,
    /// The enrolment of the person an `enroll` or `unenroll` names, and their GitHub id if known.
    pub enrolment: Option<Enrolment>,
    pub named_id: Option<i64>,
    /// Private repositories whose evidence may not be shown where the command was written.
    pub hidden: BTreeSet<String>,
    /// For `report`: everyone enrolled, with where they stand (`None`: no activity recorded yet).
    pub cohort: Vec<(Enrolment, Option<Report>)>,
    /// For `endorse`: the commenter's company, from `MAINTAINERS.yaml`.
    pub company: Option<String>,
}

/// What a request needs looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs<'a> {
    /// The login a `status`, `next`, `endorse` or `nominate` is about.
    pub person_of: Option<&'a str>,
    /// Whether the commenter's standing matters.
    pub standing: bool,
    /// The login whose enrolment matters.
    pub enrolment_of: Option<&'a str>,
    /// Whether the person's next steps matter (`next`, and `status` about oneself).
    pub next_steps: bool,
    /// Whether the enrolled cohort matters (`report`).
    pub cohort: bool,
}

impl Request {
    pub fn needs(&self) -> Needs<'_> {
        let Ok(command) = &self.parsed.command else {
            return Needs { person_of: None, standing: false, enrolment_of: None, cohort: false, next_steps: false };
        };
        let audience = self.audience().unwrap_or(Audience::Anyone);
        let enrolment_of = match command {
            Command::Enroll { login, .. } | Command::Unenroll { login } => Some(login.as_str()),
            // Whether the commenter mentors the person named.
            Command::Next { login: Some(login) } if audience != Audience::Anyone => Some(login.as_str()),
            _ => None,
        };
        let standing = !matches!(audience, Audience::Anyone | Audience::Yourself);
        let cohort = matches!(command, Command::Report);
        // `status` shows next steps only to the person themself: for someone else, `next` decides who may.
        let about_self = self.person_of().is_some_and(|login| login.eq_ignore_ascii_case(&self.commenter.login));
        let next_steps =
            matches!(command, Command::Next { .. }) || (matches!(command, Command::Status { .. }) && about_self);
        Needs { person_of: self.person_of(), standing, enrolment_of, cohort, next_steps }
    }
}

/// What answering needs beyond the command.
pub struct Context<'a> {
    pub ladder: &'a Ladder,
    /// How long raw deliveries are kept: erasure is complete after it.
    pub retention_days: u32,
    pub now: DateTime<Utc>,
}

/// A reply, the change the command makes (made only once, with the reply's first planning), and an
/// issue it opens, as `(title, body)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub body: String,
    pub effect: Option<Effect>,
    pub issue: Option<(String, String)>,
}

impl From<String> for Answer {
    fn from(body: String) -> Answer {
        Answer { body, effect: None, issue: None }
    }
}

/// The answer to one command, if the app answers it, from what was looked up for it.
pub fn reply(ctx: &Context<'_>, request: &Request, known: &Lookups) -> Option<Answer> {
    let (prefix, commenter) = (ctx.ladder.command_prefix.as_str(), request.commenter.login.as_str());
    let command = match &request.parsed.command {
        Err(problem) => return Some(reply::problem(prefix, commenter, problem).into()),
        Ok(command) => command,
    };
    let audience = request.audience().unwrap_or(Audience::Anyone);
    let mut standing = known.standing;
    standing.mentor = known.enrolment.as_ref().is_some_and(|e| e.is_active() && e.mentored_by(commenter));
    match permission::decide(audience, &standing) {
        Decision::Run => {}
        Decision::Refuse => return Some(reply::refused(prefix, commenter, command.name(), audience).into()),
        Decision::Unknown => return Some(reply::unchecked(prefix, commenter, command.name()).into()),
    }
    let me = &request.commenter;
    match command {
        Command::Help => Some(reply::help(prefix, commenter).into()),
        Command::Ladder => Some(reply::ladder(ctx.ladder, commenter).into()),
        Command::Status { .. } => known.person.as_ref().map(|person| {
            match person {
                Person::Unknown(login) => reply::unknown_person(commenter, login),
                Person::OptedOut(login) => reply::opted_out(commenter, login),
                Person::Known(report) => reply::status(report, commenter, &known.hidden),
            }
            .into()
        }),
        Command::Next { .. } => known.person.as_ref().map(|person| {
            match person {
                Person::Unknown(login) => reply::unknown_person(commenter, login),
                Person::OptedOut(login) => reply::opted_out(commenter, login),
                Person::Known(report) => reply::next(report, commenter),
            }
            .into()
        }),
        Command::OptOut => {
            let complete = erased_by(ctx.now, ctx.retention_days);
            Some(Answer {
                body: reply::opted_out_now(prefix, commenter, complete),
                effect: Some(Effect::OptOut { github_id: me.id, login: me.login.clone() }),
                issue: None,
            })
        }
        Command::OptIn => Some(Answer {
            body: reply::opted_in(prefix, commenter),
            effect: Some(Effect::OptIn { github_id: me.id }),
            issue: None,
        }),
        Command::Enroll { login, mentor, cohort } => Some(enrol(ctx, request, known, login, mentor, cohort)),
        Command::Unenroll { login } => {
            let active = known.enrolment.as_ref().is_some_and(Enrolment::is_active);
            let effect = active.then(|| Effect::Unenrol { org_id: request.org.id, login: login.clone() });
            Some(Answer { body: reply::unenrolled(commenter, login, active), effect, issue: None })
        }
        Command::Report => Some(reply::report(commenter, &known.cohort, ctx.now).into()),
        Command::Endorse { login, level } => Some(endorse(ctx, request, known, login, level.as_deref())),
        Command::Nominate { login, level } => Some(nominate(ctx, request, known, login, level)),
    }
}

/// A level of the ladder by id or name, ignoring case.
fn find_level<'l>(ladder: &'l Ladder, asked: &str) -> Option<&'l Level> {
    ladder.levels.iter().find(|l| l.id.eq_ignore_ascii_case(asked) || l.name.eq_ignore_ascii_case(asked))
}

fn endorse(ctx: &Context<'_>, request: &Request, known: &Lookups, login: &str, level: Option<&str>) -> Answer {
    let (prefix, commenter) = (ctx.ladder.command_prefix.as_str(), request.commenter.login.as_str());
    if login.eq_ignore_ascii_case(commenter) {
        return reply::not_for_yourself(commenter, "endorse").into();
    }
    let report = match &known.person {
        Some(Person::OptedOut(who)) => return reply::opted_out(commenter, who).into(),
        Some(Person::Known(report)) => Some(report),
        _ => None,
    };
    let level = match level {
        Some(asked) => match find_level(ctx.ladder, asked) {
            Some(level) => level,
            None => return reply::unknown_level(commenter, asked, ctx.ladder).into(),
        },
        None => {
            let next = report.and_then(|r| r.readiness.next.as_ref()).map(|(id, _)| id.as_str());
            match next
                .and_then(|id| ctx.ladder.level(id))
                .or_else(|| report.is_none().then(|| ctx.ladder.levels.first()).flatten())
            {
                Some(level) => level,
                None => return reply::unknown_level(commenter, "(next)", ctx.ladder).into(),
            }
        }
    };
    Answer {
        body: reply::endorsed(prefix, commenter, login, &level.name),
        effect: Some(Effect::Endorse {
            org_id: request.org.id,
            login: login.to_owned(),
            github_id: report.map(|r| r.person.id),
            level: level.id.clone(),
            endorser_id: request.commenter.id,
            endorser_login: commenter.to_owned(),
            company: known.company.clone(),
        }),
        issue: None,
    }
}

fn nominate(ctx: &Context<'_>, request: &Request, known: &Lookups, login: &str, level: &str) -> Answer {
    let commenter = request.commenter.login.as_str();
    if login.eq_ignore_ascii_case(commenter) {
        return reply::not_for_yourself(commenter, "nominate").into();
    }
    let Some(level) = find_level(ctx.ladder, level) else {
        return reply::unknown_level(commenter, level, ctx.ladder).into();
    };
    let report = match &known.person {
        Some(Person::Known(report)) => report,
        Some(Person::OptedOut(who)) => return reply::opted_out(commenter, who).into(),
        _ => return reply::unknown_person(commenter, login).into(),
    };
    let title = reply::nomination_title(&level.nomination_title, &report.person.login);
    let body = reply::nomination(report, level, commenter, &known.hidden);
    Answer {
        body: reply::nomination_opened(commenter, &report.person.login, &level.name),
        effect: None,
        issue: Some((title, body)),
    }
}

fn enrol(
    ctx: &Context<'_>,
    request: &Request,
    known: &Lookups,
    login: &str,
    mentor: &Option<String>,
    cohort: &Option<String>,
) -> Answer {
    let commenter = request.commenter.login.as_str();
    let account = Account { id: known.named_id.unwrap_or(0), login: login.to_owned(), account_type: None };
    if ctx.ladder.bots.is_bot(&account) {
        return reply::not_a_person(commenter, login).into();
    }
    let again = known.enrolment.as_ref().is_some_and(Enrolment::is_active);
    Answer {
        body: reply::enrolled(commenter, login, mentor.as_deref(), cohort.as_deref(), again),
        effect: Some(Effect::Enrol {
            org_id: request.org.id,
            login: login.to_owned(),
            github_id: known.named_id,
            mentor: mentor.clone(),
            cohort: cohort.clone(),
            by: commenter.to_owned(),
        }),
        issue: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::permission::{Permission, RepoPermission};

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
        assert_eq!(found[0].person_of(), Some("alice"));
        assert_eq!(found[0].planned("hi".into()).key, "command:3:99:/amp status#0");
        assert_eq!(requests(&comment_event("edited", body, "alice", "User"), &ladder).len(), 2);
        assert!(requests(&comment_event("deleted", body, "alice", "User"), &ladder).is_empty());
        assert!(requests(&comment_event("created", body, "ladder-app[bot]", "Bot"), &ladder).is_empty());
        assert!(requests(&comment_event("created", body, "asyncapi-bot", "User"), &ladder).is_empty());
    }

    #[test]
    fn at_most_ten_commands_a_comment_and_five_replies_a_minute() {
        let ladder = Ladder::builtin();
        let of = |body: &str| requests(&comment_event("created", body, "alice", "User"), &ladder);
        let helps = |n: usize| "/amp help\n".repeat(n);
        // The first `n` of those read before, and `replies` in the last minute.
        let before = |n: usize, replies: usize| ReadBefore {
            keys: (0..n).map(|i| format!("/amp help#{i}")).collect(),
            replies_last_minute: replies,
        };
        assert_eq!(of(&helps(1000)).len(), SCANNED + 1, "a huge comment is read no further than needed");
        let cases: Vec<(&str, String, ReadBefore, usize, bool, bool)> = vec![
            ("a short comment", helps(3), before(0, 0), 3, false, false),
            ("twelve at once: the minute's note alone", helps(12), before(0, 0), 5, false, true),
            ("the minute's replies nearly used up", helps(3), before(0, 4), 1, false, true),
            ("eight read before: two more", helps(12), before(8, 0), 2, true, false),
            ("an edit adding one to ten read", format!("{}/amp ladder", helps(10)), before(10, 0), 0, true, false),
            ("an optout past the minute's limit", "/amp help\n/amp optout".into(), before(0, 5), 1, false, true),
            ("more than were scanned", helps(SCANNED + 5), before(0, 0), 5, false, true),
            ("past both, the minute used up before", helps(12), before(8, 5), 0, false, true),
        ];
        for (name, body, read, answered, past_comment, past_rate) in cases {
            let a = admit(of(&body), &read);
            let got = (a.requests.len(), a.past_comment_limit, a.past_rate_limit);
            assert_eq!(got, (answered, past_comment, past_rate), "{name}");
        }
        let optout = admit(of("/amp help\n/amp optout"), &before(0, 5));
        assert_eq!(optout.requests[0].parsed.command, Ok(Command::OptOut), "only the optout is answered");
    }

    #[test]
    fn which_commands_are_answered() {
        let ladder = Ladder::builtin();
        let event = comment_event("created", "/amp help\n/amp dance\n/amp status @bob\n/amp optout", "alice", "User");
        let found = requests(&event, &ladder);
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 0, 0, 0).unwrap();
        let ctx = Context { ladder: &ladder, retention_days: 30, now };
        let nothing = Lookups::default();
        let body = |i: usize, known: &Lookups| reply(&ctx, &found[i], known).unwrap().body;
        assert!(body(0, &nothing).contains("| `/amp help` |"));
        assert!(body(1, &nothing).contains("`dance`"));
        assert_eq!(found[2].person_of(), Some("bob"));
        let unknown = Lookups { person: Some(Person::Unknown("bob".into())), ..Lookups::default() };
        assert_eq!(body(2, &unknown), reply::unknown_person("alice", "bob"));
        let optout = reply(&ctx, &found[3], &nothing).unwrap();
        assert_eq!(optout.effect, Some(Effect::OptOut { github_id: 6, login: "alice".into() }), "only the commenter");
        assert!(optout.body.contains("2026-12-24"), "{}", optout.body);
        let body = "/amp endorse @bob\n/amp nominate @bob maintainer\n/amp endorse @alice\n/amp nominate @bob wizard";
        let event = comment_event("created", body, "alice", "User");
        let maintainer = Lookups {
            standing: Standing { codeowner: true, ..Standing::default() },
            person: Some(Person::Unknown("bob".into())),
            company: Some("ACME".into()),
            ..Lookups::default()
        };
        let answers: Vec<Answer> =
            requests(&event, &ladder).iter().map(|r| reply(&ctx, r, &maintainer).unwrap()).collect();
        assert!(answers[0].body.contains("endorsement of **bob** for **Contributor**"), "{}", answers[0].body);
        let Some(Effect::Endorse { level, company, endorser_login, .. }) = &answers[0].effect else { panic!() };
        assert_eq!(
            (level.as_str(), company.as_deref(), endorser_login.as_str()),
            ("contributor", Some("ACME"), "alice")
        );
        assert_eq!(answers[1], reply::unknown_person("alice", "bob").into(), "nothing to nominate on");
        assert_eq!(answers[2], reply::not_for_yourself("alice", "endorse").into());
        assert!(answers[3].body.contains("no level `wizard`"), "{}", answers[3].body);
        assert!(answers.iter().all(|a| a.issue.is_none()));
    }

    #[test]
    fn next_steps_are_looked_up_for_oneself_or_by_next() {
        let ladder = Ladder::builtin();
        let body = "/amp status\n/amp status @Alice\n/amp status @bob\n/amp next @bob\n/amp next\n/amp next @ALICE";
        let found = requests(&comment_event("created", body, "alice", "User"), &ladder);
        let got: Vec<(bool, bool, Option<&str>)> =
            found.iter().map(|r| (r.needs().next_steps, r.needs().standing, r.needs().enrolment_of)).collect();
        assert_eq!(
            got,
            [
                (true, false, None),
                (true, false, None),
                (false, false, None),
                (true, true, Some("bob")),
                (true, false, None),
                (true, false, None),
            ],
            "status about someone else shows no next steps; next about someone else needs standing or mentorship"
        );
    }

    #[test]
    fn enrolment_needs_standing() {
        let ladder = Ladder::builtin();
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 0, 0, 0).unwrap();
        let ctx = Context { ladder: &ladder, retention_days: 30, now };
        let body = "/amp enroll @bob mentor @carol cohort 2026\n/amp unenroll @bob\n/amp enroll @asyncapi-bot";
        let found = requests(&comment_event("created", body, "alice", "User"), &ladder);
        assert_eq!(
            found[0].needs(),
            Needs { person_of: None, standing: true, enrolment_of: Some("bob"), cohort: false, next_steps: false }
        );
        let refused = reply(&ctx, &found[0], &Lookups::default()).unwrap();
        assert_eq!(refused.effect, None);
        assert!(
            refused.body.contains("only program admins and maintainers of this repository may run"),
            "{}",
            refused.body
        );
        let unanswered = Standing { permission: Permission::Unanswered, ..Standing::default() };
        let unchecked = reply(&ctx, &found[0], &Lookups { standing: unanswered, ..Lookups::default() }).unwrap();
        assert_eq!(unchecked, reply::unchecked("/amp", "alice", "enroll").into(), "not refused when GitHub is silent");
        let writer = Standing { permission: Permission::Known(RepoPermission::Write), ..Standing::default() };
        let known = Lookups { standing: writer, named_id: Some(5), ..Lookups::default() };
        let enrolled = reply(&ctx, &found[0], &known).unwrap();
        assert_eq!(
            enrolled.effect,
            Some(Effect::Enrol {
                org_id: 9,
                login: "bob".into(),
                github_id: Some(5),
                mentor: Some("carol".into()),
                cohort: Some("2026".into()),
                by: "alice".into()
            })
        );
        assert_eq!(reply(&ctx, &found[1], &known).unwrap().effect, None, "not enrolled: nothing to end");
        assert_eq!(reply(&ctx, &found[2], &known).unwrap(), reply::not_a_person("alice", "asyncapi-bot").into());
    }

    #[test]
    fn what_was_read_before_adds_the_batchs_own_reads() {
        let read = |comment_id, key: &str, person_id, limited| Read {
            repo_id: 1,
            comment_id,
            key: key.into(),
            installation_id: 7,
            person_id,
            limited,
        };
        let now = read(10, "status", 5, true);
        let stored = || ReadBefore { keys: ["help".to_owned()].into(), replies_last_minute: 2 };
        let cases: Vec<(&str, Vec<Read>, Vec<&str>, usize)> = vec![
            ("nothing else in the batch", vec![], vec!["help"], 2),
            (
                "the same comment, read earlier in the batch",
                vec![read(10, "ladder", 5, true)],
                vec!["help", "ladder"],
                3,
            ),
            ("another comment of the same person", vec![read(11, "ladder", 5, true)], vec!["help"], 3),
            ("another person's comment", vec![read(12, "ladder", 6, true)], vec!["help"], 2),
            ("an optout does not count towards the limit", vec![read(11, "optout", 5, false)], vec!["help"], 2),
            ("another installation", vec![Read { installation_id: 8, ..read(11, "ladder", 5, true) }], vec!["help"], 2),
        ];
        for (case, earlier, keys, replies) in cases {
            let before = stored().with_batch(&now, &earlier);
            assert_eq!(before.keys.iter().map(String::as_str).collect::<Vec<_>>(), keys, "{case}");
            assert_eq!(before.replies_last_minute, replies, "{case}");
        }
    }
}
