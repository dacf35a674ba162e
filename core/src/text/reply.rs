//! Every text the app posts in reply to a command, rendered in one place.
//!
//! Owns: the Markdown of each reply (help, the ladder in force, a person's status, usage errors,
//! refusals). Texts address the commenter with one mention and name anyone else without notifying them;
//! values from users and configs go through [`crate::text::render`], and every text passes
//! [`crate::text::render::guard`] (tests check each template over awkward logins and repository names).
//! Evidence from private repositories is left out of replies; numbers stay.
//!
//! Never does: decide whether a command may run, look anything up, or send.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::commands::grammar::{Problem, USAGE};
use crate::commands::permission::Audience;
use crate::enrolment::Enrolment;
use crate::ladder::{ConfigErrors, Ladder, Level, Progress};
use crate::next_steps::{Need, Step, count_text};
use crate::report::Report;
use crate::text::render::{evidence, inert, link, login, reference, user_text};

/// The hidden first line of the sticky readiness comment, by which the app finds it again.
pub const MARKER: &str = "<!-- amp:readiness -->";

/// The marks around a text's next steps. The sticky comment is not edited when only they changed.
pub const NEXT_STEPS: &str = "<!-- amp:next -->";
pub const NEXT_STEPS_END: &str = "<!-- /amp:next -->";

/// Next-steps lines in the sticky readiness comment, at most.
pub const STICKY_STEPS: usize = 3;

/// Evidence listed per requirement in a comment.
const EVIDENCE: usize = 5;

/// What each command does, in the order of [`USAGE`].
const WHAT: [&str; 11] = [
    "this help",
    "the levels of the ladder and what each requires",
    "where a person stands, what is missing for their next level, with evidence",
    "open work that would take a person to their next level",
    "enrol a mentee in the program, with their mentor and cohort",
    "end a mentee's enrolment",
    "endorse a person for their next level, or the one named",
    "open a nomination issue with the person's evidence",
    "stop tracking you and erase what was recorded about you",
    "start tracking you again, from now on",
    "the cohort's progress, with who is at risk",
];

/// Who may run each command, in the order of [`USAGE`].
const WHO: [Audience; 11] = [
    Audience::Anyone,
    Audience::Anyone,
    Audience::Anyone,
    Audience::MentorsAdminsAndMaintainers,
    Audience::AdminsAndMaintainers,
    Audience::AdminsAndMaintainers,
    Audience::Maintainers,
    Audience::Maintainers,
    Audience::Yourself,
    Audience::Yourself,
    Audience::Admins,
];

/// `/amp help`.
pub fn help(prefix: &str, commenter: &str) -> String {
    let mut out = format!(
        "{}, these are the commands of the maintainership ladder. Write one per line, at the start of a line; \
         they are not run inside quotes or code.\n\n| command | what it does | who may run it |\n|---|---|---|\n",
        login(commenter, true)
    );
    for (((_, usage), what), who) in USAGE.iter().zip(WHAT).zip(WHO) {
        let _ = writeln!(out, "| `{prefix} {usage}` | {what} | {} |", who.describe());
    }
    out
}

/// `/amp ladder`: the levels in force, in order, with what each requires.
pub fn ladder(ladder: &Ladder, commenter: &str) -> String {
    let mut out = format!("{}, the ladder in force here, from the first level up:\n\n", login(commenter, true));
    for (i, level) in ladder.levels.iter().enumerate() {
        let requires: Vec<String> = level.requires.iter().map(|(m, n)| format!("`{}` {n}", m.name())).collect();
        let _ = write!(out, "{}. **{}**", i + 1, user_text(&level.name));
        if !level.description.is_empty() {
            let _ = write!(out, ": {}", user_text(&level.description));
        }
        let _ = writeln!(out, "\n   Requires {}.", requires.join(", "));
        if let Some(role) = level.role {
            let _ = writeln!(out, "   Held by anyone with the role `{}`.", role.as_str());
        }
    }
    out
}

/// `/amp status [@login]`: where the person stands. `is_self` when the commenter asked about themself.
/// Evidence from `private` repositories (full names) is left out.
pub fn status(report: &Report, commenter: &str, private: &BTreeSet<String>) -> String {
    let is_self = report.person.login.eq_ignore_ascii_case(commenter);
    let who = if is_self { "you stand".to_owned() } else { format!("{} stands", login(&report.person.login, false)) };
    let steps = next_steps(report, usize::MAX);
    format!("{}, here is where {who} on the ladder.\n\n{}{steps}", login(commenter, true), standing(report, private))
}

/// `/amp next [@login]`: the open work that would take the person to their next level.
pub fn next(report: &Report, commenter: &str) -> String {
    let is_self = report.person.login.eq_ignore_ascii_case(commenter);
    let whose = if is_self { "your".to_owned() } else { format!("{}'s", login(&report.person.login, false)) };
    let addressed = login(commenter, true);
    if report.readiness.next.is_none() {
        return format!("{addressed}, every level of the ladder is met: there is no next level to work toward.");
    }
    if report.next_steps.is_empty() {
        return format!(
            "{addressed}, I found no open work here that counts toward {whose} next level just now: what is \
             missing is time, months of activity or endorsements, or no open item fits yet."
        );
    }
    format!("{addressed}, open work that counts toward {whose} next level:\n{}", next_steps(report, usize::MAX))
}

/// The next-steps block: one line per requirement (at most `lines`), each with links to its items,
/// between [`NEXT_STEPS`] and its closing mark. Empty when there are none.
fn next_steps(report: &Report, lines: usize) -> String {
    if report.next_steps.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{NEXT_STEPS}\n**Next steps** (open work that counts toward the next level):\n\n");
    for step in report.next_steps.iter().take(lines) {
        let _ = writeln!(out, "{}", step_line(step));
    }
    let _ = writeln!(out, "{NEXT_STEPS_END}");
    out
}

/// `- `triage` 1/4: 5 issues with no label or unanswered for a week: asyncapi/cli#12, …`
fn step_line(step: &Step) -> String {
    let head = format!("- `{}` {}/{}", step.metric.name(), step.have, step.need);
    if step.serves == Need::Release {
        let guides: Vec<String> = step.guides.iter().map(|g| link(&g.repo, &g.url)).collect();
        return format!("{head}: {}: {}", step.serves.what(), guides.join(", "));
    }
    let items: Vec<String> = step.items.iter().map(|i| reference(&i.repo, Some(i.number))).collect();
    let more = if step.found > step.items.len() { ", …" } else { "" };
    format!("{head}: {} {}: {}{more}", count_text(step.found), step.serves.what(), items.join(", "))
}

/// Level, role, activity, and progress towards the next level with evidence.
fn standing(report: &Report, private: &BTreeSet<String>) -> String {
    let r = &report.readiness;
    let mut out = String::new();
    let level = r.level.as_deref().map_or_else(|| "not on the ladder yet".to_owned(), |id| level_name(report, id));
    let last = r.last_activity.map_or_else(|| "none yet".to_owned(), |at| at.format("%Y-%m-%d").to_string());
    let _ = writeln!(out, "- Level: **{level}**");
    if let Some(role) = report.role() {
        let _ = writeln!(out, "- Role held: `{}`", role.as_str());
    }
    let _ = writeln!(out, "- Activity: {} (last credited activity: {last})", r.activity.as_str());
    match &r.next {
        None => out.push_str("\nEvery level of the ladder is met.\n"),
        Some((id, progress)) => {
            let _ = writeln!(out, "\nNext level: **{}**\n", level_name(report, id));
            out.push_str("| requirement | have | need | evidence (newest first) |\n|---|---|---|---|\n");
            for p in progress {
                out.push_str(&progress_row(p, private));
            }
        }
    }
    out
}

/// The sticky readiness comment on a pull request by `author`: the marker line, then where they stand.
pub fn readiness(ladder: &Ladder, author: &str, report: Option<&Report>, private: &BTreeSet<String>) -> String {
    let prefix = &ladder.command_prefix;
    let mut out = format!(
        "{}\n**Maintainership ladder**: where {} stands, as of when this pull request was opened.\n\n",
        MARKER,
        login(author, true)
    );
    match report {
        Some(report) => {
            out.push_str(&standing(report, private));
            out.push_str(&next_steps(report, STICKY_STEPS));
        }
        None => {
            let first = ladder
                .levels
                .first()
                .map_or_else(String::new, |l| format!(" The first level is **{}**.", user_text(&l.name)));
            let _ = writeln!(out, "No credited activity is recorded yet.{first}");
        }
    }
    let _ = write!(
        out,
        "\n<sub>`{prefix} status` shows this at any time; `{prefix} optout` stops tracking you and erases what was recorded.</sub>\n"
    );
    out
}

fn level_name(report: &Report, id: &str) -> String {
    user_text(&report.level_name(id))
}

fn progress_row(p: &Progress, private: &BTreeSet<String>) -> String {
    let shown: Vec<String> = p
        .evidence
        .iter()
        .filter(|e| !private.iter().any(|repo| e.split('#').next() == Some(repo.as_str())))
        .take(EVIDENCE)
        .map(|e| evidence(e))
        .collect();
    let mark = if p.met() { " ✓" } else { "" };
    format!("| `{}`{mark} | {} | {} | {} |\n", p.metric.name(), p.have, p.need, shown.join(", "))
}

/// A person the app knows nothing about in this org.
pub fn unknown_person(commenter: &str, person: &str) -> String {
    format!(
        "{}, no activity is recorded for {} here yet. It appears once they open, review or triage something in \
         this organization.",
        login(commenter, true),
        login(person, false)
    )
}

/// A person who opted out: nothing about them is recorded or shown.
pub fn opted_out(commenter: &str, person: &str) -> String {
    format!(
        "{}, {} has opted out: nothing about them is recorded or shown.",
        login(commenter, true),
        login(person, false)
    )
}

/// `/amp optout`: done, and when erasure is complete.
pub fn opted_out_now(prefix: &str, commenter: &str, complete: DateTime<Utc>) -> String {
    format!(
        "{}, you have opted out. Everything recorded about you is erased and nothing more will be recorded. \
         Raw webhook deliveries that mention you are deleted by {}, when erasure is complete. \
         `{prefix} optin` starts tracking you again.",
        login(commenter, true),
        complete.format("%Y-%m-%d")
    )
}

/// `/amp optin`.
pub fn opted_in(prefix: &str, commenter: &str) -> String {
    format!(
        "{}, you are tracked from now on; nothing erased before comes back. `{prefix} optout` stops it at any time.",
        login(commenter, true)
    )
}

/// A command the commenter may not run: one polite line saying who may.
pub fn refused(prefix: &str, commenter: &str, command: &str, audience: Audience) -> String {
    let who = match audience {
        Audience::Admins => "program admins (the `admins` of the ladder config)".to_owned(),
        Audience::MentorsAdminsAndMaintainers => {
            "program admins, maintainers of this repository and the person's mentor (anyone may ask for \
             themselves)"
                .to_owned()
        }
        other => other.describe().to_owned(),
    };
    format!("{}, only {who} may run `{prefix} {command}`, so I have not done it.", login(commenter, true))
}

/// A command only maintainers may run, from someone GitHub was asked about and did not answer for.
pub fn unchecked(prefix: &str, commenter: &str, command: &str) -> String {
    format!(
        "{}, GitHub did not tell me just now whether you may run `{prefix} {command}` here, so I have not done \
         it yet. Please post the command again in a few minutes.",
        login(commenter, true)
    )
}

/// A comment with more commands than one comment may hold: the rest were not read.
pub fn past_comment_limit(prefix: &str, commenter: &str, limit: usize) -> String {
    format!(
        "{}, I read at most {limit} `{prefix}` commands of one comment, its earlier versions included, so I \
         have not read the others. Please post them in a new comment.",
        login(commenter, true)
    )
}

/// A person past their replies for the minute: the rest of the comment's commands were not read.
pub fn past_rate_limit(prefix: &str, commenter: &str, limit: usize) -> String {
    format!(
        "{}, I answer at most {limit} `{prefix}` commands a minute for one person, so I have not read the \
         rest of this comment's commands. Please post them again in a minute.",
        login(commenter, true)
    )
}

/// `/amp enroll`: done. `again` when they were enrolled before (mentor and cohort are replaced).
pub fn enrolled(commenter: &str, mentee: &str, mentor: Option<&str>, cohort: Option<&str>, again: bool) -> String {
    let mut details = Vec::new();
    if let Some(cohort) = cohort {
        details.push(format!("cohort {}", user_text(cohort)));
    }
    if let Some(mentor) = mentor {
        details.push(format!("mentored by {}", login(mentor, false)));
    }
    let details = if details.is_empty() { String::new() } else { format!(" ({})", details.join(", ")) };
    let verb = if again { "is enrolled again" } else { "is now enrolled" };
    format!("{}, {} {verb} in the maintainership program{details}.", login(commenter, true), login(mentee, false))
}

/// `/amp unenroll`: ended, or there was nothing to end.
pub fn unenrolled(commenter: &str, mentee: &str, was_enrolled: bool) -> String {
    let what = if was_enrolled { "enrolment has ended" } else { "is not enrolled, so there is nothing to end" };
    let mentee = login(mentee, false);
    let text = if was_enrolled { format!("{mentee}'s {what}") } else { format!("{mentee} {what}") };
    format!("{}, {text}.", login(commenter, true))
}

/// A command about a bot account.
pub fn not_a_person(commenter: &str, account: &str) -> String {
    format!("{}, {} is a bot; the program is for people.", login(commenter, true), login(account, false))
}

/// The comment on a merged pull request that moved its author up the ladder.
pub fn level_up(prefix: &str, report: &Report) -> String {
    let r = &report.readiness;
    let level = r.level.as_deref().map_or_else(String::new, |id| level_name(report, id));
    let mut out = format!(
        "{}, this merge makes you a **{level}** on the maintainership ladder. Congratulations!",
        login(&report.person.login, true)
    );
    if let Some((id, _)) = &r.next {
        let missing: Vec<String> =
            r.missing().iter().map(|p| format!("`{}` {}/{}", p.metric.name(), p.have, p.need)).collect();
        let _ = write!(out, " Next is **{}**: {}.", level_name(report, id), missing.join(", "));
    }
    let _ = write!(out, " `{prefix} status` shows the details.");
    out
}

/// `/amp endorse`: recorded.
pub fn endorsed(prefix: &str, commenter: &str, person: &str, level: &str) -> String {
    format!(
        "{}, your endorsement of {} for **{}** is recorded. `{prefix} status @{person}` shows where they stand.",
        login(commenter, true),
        login(person, false),
        user_text(level)
    )
}

/// An endorsement or nomination of oneself.
pub fn not_for_yourself(commenter: &str, command: &str) -> String {
    format!("{}, nobody can {command} themself; another maintainer has to.", login(commenter, true))
}

/// A level the ladder does not have.
pub fn unknown_level(commenter: &str, asked: &str, ladder: &Ladder) -> String {
    let ids: Vec<String> = ladder.levels.iter().map(|l| format!("`{}`", code(&l.id))).collect();
    format!("{}, the ladder has no level `{}`; its levels are {}.", login(commenter, true), code(asked), ids.join(", "))
}

/// The reply to `/amp nominate` once the issue is planned.
pub fn nomination_opened(commenter: &str, person: &str, level: &str) -> String {
    format!(
        "{}, I am opening the nomination issue for {} (**{}**) in this repository, with their evidence.",
        login(commenter, true),
        login(person, false),
        user_text(level)
    )
}

/// A nomination issue's title: the level's `nomination_title` with the login, with no `/` that could
/// trigger anything (titles are plain text, so a lookalike slash stands in).
pub fn nomination_title(template: &str, person: &str) -> String {
    template.replace("{login}", person).replace('/', "∕").chars().filter(|c| !c.is_control()).collect()
}

/// The body of a nomination issue: who nominates whom for what, and the evidence for each of the
/// level's requirements, endorsements, tenure and activity.
pub fn nomination(report: &Report, level: &Level, nominator: &str, private: &BTreeSet<String>) -> String {
    let r = &report.readiness;
    let mut out = format!(
        "{} is nominated for **{}** by {}.\n\nFollowing the org's process, maintainers have 7 days to give \
         feedback here.\n\n### Evidence\n\n",
        login(&report.person.login, true),
        user_text(&level.name),
        login(nominator, false)
    );
    let current = r.level.as_deref().map_or_else(|| "not on the ladder yet".to_owned(), |id| level_name(report, id));
    let _ = writeln!(out, "- Level now: **{current}**; activity: {}", r.activity.as_str());
    if let Some(role) = report.role() {
        let _ = writeln!(out, "- Role held: `{}`", role.as_str());
    }
    out.push_str("\n| requirement | have | need | evidence (newest first) |\n|---|---|---|---|\n");
    for (metric, need) in &level.requires {
        let measure = r.metrics.get(metric).cloned().unwrap_or_default();
        let p = Progress { metric: *metric, have: measure.value, need: *need, evidence: measure.evidence };
        out.push_str(&progress_row(&p, private));
    }
    let endorsers = report.endorsements.get(&level.id).map(Vec::as_slice).unwrap_or_default();
    out.push_str("\n### Endorsements\n\n");
    if endorsers.is_empty() {
        out.push_str("None yet.\n");
    }
    for (endorser, company) in endorsers {
        let company = company.as_deref().map_or_else(String::new, |c| format!(" ({})", user_text(c)));
        let _ = writeln!(out, "- {}{company}", login(endorser, false));
    }
    out
}

/// Days without credited activity after which a mentee is flagged at risk (the program pings after 4).
pub const AT_RISK_DAYS: i64 = 7;

/// `/amp report`: every enrolled mentee, their next level and progress towards it (the mean share of
/// its requirements met), last activity, and whether they are at risk.
pub fn report(commenter: &str, cohort: &[(Enrolment, Option<Report>)], now: DateTime<Utc>) -> String {
    let mut out = format!("{}, ", login(commenter, true));
    if cohort.is_empty() {
        out.push_str("nobody is enrolled in the program yet.\n");
        return out;
    }
    let at_risk = cohort.iter().filter(|(_, r)| risky(r.as_ref(), now)).count();
    let _ = writeln!(
        out,
        "{} enrolled, {at_risk} at risk (no credited activity for {AT_RISK_DAYS} days or more).\n",
        cohort.len()
    );
    out.push_str("| mentee | cohort | mentor | level | next level | progress | last activity | at risk |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for (enrolment, report) in cohort {
        let cell = |text: Option<&str>| text.map_or_else(|| "—".to_owned(), user_text);
        let mentor = enrolment.mentor.as_deref().map_or_else(|| "—".to_owned(), |m| login(m, false));
        let (level, next, progress, last) = match report {
            Some(r) => {
                let level = r.readiness.level.as_deref().map_or_else(|| "—".to_owned(), |id| level_name(r, id));
                let next = r.readiness.next.as_ref().map_or_else(|| "—".to_owned(), |(id, _)| level_name(r, id));
                let last =
                    r.readiness.last_activity.map_or_else(|| "—".to_owned(), |at| at.format("%Y-%m-%d").to_string());
                (level, next, format!("{}%", progress_percent(r)), last)
            }
            None => ("—".to_owned(), "—".to_owned(), "0%".to_owned(), "—".to_owned()),
        };
        let risk = if risky(report.as_ref(), now) { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "| {} | {} | {mentor} | {level} | {next} | {progress} | {last} | {risk} |",
            login(&enrolment.login, false),
            cell(enrolment.cohort.as_deref())
        );
    }
    out
}

fn risky(report: Option<&Report>, now: DateTime<Utc>) -> bool {
    let last = report.and_then(|r| r.readiness.last_activity);
    last.is_none_or(|at| now - at >= chrono::Duration::days(AT_RISK_DAYS))
}

/// The mean share of the next level's requirements met, in percent (100 at the top).
fn progress_percent(report: &Report) -> u64 {
    match &report.readiness.next {
        None => 100,
        Some((_, progress)) if progress.is_empty() => 100,
        Some((_, progress)) => {
            let shares: u64 = progress.iter().map(|p| p.have.min(p.need) * 100 / p.need.max(1)).sum();
            shares / progress.len() as u64
        }
    }
}

/// A line that starts with the prefix but is not a command the app can run.
pub fn problem(prefix: &str, commenter: &str, problem: &Problem) -> String {
    let what = match problem {
        Problem::Empty => "that command is empty".to_owned(),
        Problem::Unknown(name) => format!("I do not know the command `{}`", code(name)),
        Problem::Usage { command, expected } => {
            format!("`{prefix} {command}` is written `{prefix} {expected}`")
        }
    };
    format!("{}, {what}. `{prefix} help` lists every command.", login(commenter, true))
}

/// Problems listed in an issue about a bad config; the rest are counted.
const CONFIG_PROBLEMS: usize = 20;

/// The issue opened about a bad revision of a config: title and body. `path` is the file in the
/// repository, `revision` the first characters of its SHA-256.
pub fn bad_config(path: &str, revision: &str, errors: &ConfigErrors) -> (String, String) {
    let title = format!("Ladder config {} is invalid", code(path));
    let mut body = format!(
        "The maintainership ladder config `{}` (revision `{}`) on the default branch is invalid, so the app \
         goes on using the last good version (or the built-in ladder if there never was one).\n\nProblems found:\n\n",
        code(path),
        code(revision)
    );
    for e in errors.0.iter().take(CONFIG_PROBLEMS) {
        let field = if e.field.is_empty() { String::new() } else { format!(", `{}`", code(&e.field)) };
        let _ = writeln!(body, "- line {}, column {}{field}: {}", e.line, e.column, inert(&e.message, 2000));
    }
    if errors.0.len() > CONFIG_PROBLEMS {
        let _ = writeln!(body, "- and {} more", errors.0.len() - CONFIG_PROBLEMS);
    }
    body.push_str(
        "\nFix the file on the default branch: the app reads it again on the next push that changes it. \
         One issue is opened per revision of the file; close this one once it is fixed.\n",
    );
    (title, body)
}

/// What a check run on a pushed config says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// `success`, `failure` or `neutral`.
    pub conclusion: &'static str,
    pub title: String,
    pub summary: String,
    pub annotations: Vec<Annotation>,
}

/// One problem, at its line of the file (plain text: GitHub shows it beside the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub line: u64,
    pub message: String,
}

/// A config at one commit, as checked.
pub enum Checked<'a> {
    /// The commit has no config (it was removed): the defaults apply once it is merged.
    Missing,
    /// Valid; for an org's config, its level ids.
    Valid {
        levels: Option<&'a [String]>,
    },
    Invalid(&'a ConfigErrors),
}

/// The check run reporting whether a pushed config is valid.
pub fn config_check(checked: Checked<'_>) -> CheckReport {
    let (conclusion, title, summary, annotations) = match checked {
        Checked::Missing => (
            "neutral",
            "No ladder config".to_owned(),
            "This commit has no `.github/amp.yml`; once it is on the default branch, the defaults apply.".to_owned(),
            Vec::new(),
        ),
        Checked::Valid { levels } => {
            let what = match levels {
                Some(ids) => format!("a valid ladder with {} levels: {}", ids.len(), ids.join(", ")),
                None => "a valid repository override".to_owned(),
            };
            ("success", "The ladder config is valid".to_owned(), format!("`.github/amp.yml` is {what}."), Vec::new())
        }
        Checked::Invalid(errors) => {
            let n = errors.0.len();
            let annotations = errors
                .0
                .iter()
                .map(|e| {
                    let field = if e.field.is_empty() { String::new() } else { format!("{}: ", e.field) };
                    Annotation { line: e.line, message: format!("column {}: {field}{}", e.column, e.message) }
                })
                .collect();
            let summary = format!(
                "`.github/amp.yml` has {n} problem{}, shown beside their lines. Merged as it is, it would not \
                 take effect: the app would go on using the last good config.",
                if n == 1 { "" } else { "s" }
            );
            ("failure", "The ladder config is invalid".to_owned(), summary, annotations)
        }
    };
    CheckReport { conclusion, title, summary, annotations }
}

/// Text for inside a code span: no backticks, one line, and no trigger (`/` becomes a division slash).
fn code(raw: &str) -> String {
    raw.chars()
        .take(40)
        .map(|c| {
            if c == '`' || c.is_control() {
                '\''
            } else if c == '/' {
                '∕'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::ladder::Facts;
    use crate::report::Person;
    use crate::signal::{Kind, Org, Repo, Signal, Subject};
    use crate::text::render::guard;

    fn report(person: &str, repo: &str) -> Report {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let org = Org { id: 1, login: "asyncapi".into() };
        let signals: Vec<Signal> = (1..=2)
            .map(|n| Signal {
                kind: Kind::PrMerged,
                identity: format!("1#{n}"),
                org: org.clone(),
                repo: Repo { id: 1, full_name: repo.into(), private: false },
                subject: Some(Subject { number: n, is_pull_request: true, author: None, author_association: None }),
                actor: Account { id: 42, login: person.into(), account_type: Some("User".into()) },
                occurred_at: Utc.with_ymd_and_hms(2026, 11, n as u32, 0, 0, 0).unwrap(),
                data: json!({"additions": 50}),
            })
            .collect();
        let ladder = Ladder::builtin();
        let facts = Facts::from_signals(&signals, &HashSet::new(), &ladder);
        Report::new(org, Person { id: 42, login: person.into() }, &facts, &ladder, Vec::new(), now)
    }

    /// [`report`] with next steps: two `help wanted` issues in `repo` (the person merged there) and
    /// a release guide for it.
    fn stepped(person: &str, repo: &str) -> Report {
        use crate::credit::Bots;
        use crate::next_steps::{Guides, Lookup, Place, RepoItem, offers};
        use crate::open_work::{ItemLabel, OpenItem};
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let issue = |number| RepoItem {
            repo_id: 1,
            repo: repo.into(),
            private: false,
            item: OpenItem {
                number,
                is_pull_request: false,
                title: format!("@{person} /u fix {repo}"),
                draft: false,
                author: Account { id: 7, login: person.into(), account_type: Some("User".into()) },
                author_association: None,
                created_at: at,
                updated_at: at,
                labels: vec![ItemLabel { id: None, name: "help wanted".into() }],
                people: Vec::new(),
            },
        };
        let mut report = report(person, repo);
        let items = [issue(7), issue(8)];
        let guides = [(repo.to_owned(), format!("https://github.com/{repo}/blob/HEAD/RELEASING.md"))].into();
        let lookup = Lookup { seeker: report.seeker(), bots: &Bots::default(), place: Place::In(repo), now: at };
        let offers = offers(&report.readiness, &items, lookup);
        report.suggest(&offers, Guides { guides: &guides, private: &BTreeSet::new() }, Place::In(repo));
        report
    }

    fn enrolment(login: &str) -> Enrolment {
        Enrolment {
            org_id: 1,
            login: login.into(),
            github_id: None,
            mentor: Some(login.into()),
            cohort: Some(format!("{login} /u")),
            enrolled_by: "alice".into(),
            enrolled_at: Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(),
            ended_at: None,
        }
    }

    #[test]
    fn a_cohort_report() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let cohort = [(enrolment("bob"), Some(report("bob", "asyncapi/cli"))), (enrolment("cy"), None)];
        let text = super::report("alice", &cohort, now);
        assert_eq!(
            text,
            "@alice, 2 enrolled, 2 at risk (no credited activity for 7 days or more).\n\n\
             | mentee | cohort | mentor | level | next level | progress | last activity | at risk |\n\
             |---|---|---|---|---|---|---|---|\n\
             | **bob** | bob &#47;u | **bob** | Contributor | Regular contributor | 66% | 2026-11-02 | yes |\n\
             | **cy** | cy &#47;u | **cy** | — | — | 0% | — | yes |\n"
        );
        let fresh = Utc.with_ymd_and_hms(2026, 11, 5, 0, 0, 0).unwrap();
        assert!(super::report("alice", &cohort[..1], fresh).contains("| 66% | 2026-11-02 | no |"));
        assert_eq!(super::report("alice", &[], now), "@alice, nobody is enrolled in the program yet.\n");
    }

    #[test]
    fn a_status_reply() {
        let text = status(&report("bob", "asyncapi/cli"), "alice", &BTreeSet::new());
        assert_eq!(
            text,
            "@alice, here is where **bob** stands on the ladder.\n\n\
             - Level: **Contributor**\n\
             - Activity: active (last credited activity: 2026-11-02)\n\n\
             Next level: **Regular contributor**\n\n\
             | requirement | have | need | evidence (newest first) |\n|---|---|---|---|\n\
             | `pr_merged` | 2 | 3 | asyncapi/cli#2, asyncapi/cli#1 |\n"
        );
        let own = status(&report("alice", "asyncapi/cli"), "Alice", &BTreeSet::new());
        assert!(own.starts_with("@Alice, here is where you stand"), "{own}");
        let private = status(&report("bob", "asyncapi/secret"), "alice", &["asyncapi/secret".to_owned()].into());
        assert!(!private.contains("secret"), "{private}");
        assert!(private.contains("| `pr_merged` | 2 | 3 |  |"), "numbers stay: {private}");
    }

    #[test]
    fn a_next_reply_links_items_and_never_names_their_authors() {
        let text = next(&stepped("bob", "asyncapi/cli"), "alice");
        assert_eq!(
            text,
            "@alice, open work that counts toward **bob**'s next level:\n\n\
             <!-- amp:next -->\n**Next steps** (open work that counts toward the next level):\n\n\
             - `pr_merged` 2/3: 2 good first issue or help wanted issues nobody is assigned: asyncapi/cli#7, asyncapi/cli#8\n\
             <!-- /amp:next -->\n"
        );
        let own = next(&stepped("bob", "asyncapi/cli"), "bob");
        assert!(own.contains("toward your next level"), "{own}");
        let none = next(&report("bob", "asyncapi/cli"), "alice");
        assert!(none.contains("I found no open work here"), "{none}");
        // The sticky comment carries the same lines, at most three.
        let sticky = readiness(&Ladder::builtin(), "bob", Some(&stepped("bob", "asyncapi/cli")), &BTreeSet::new());
        assert!(sticky.contains("- `pr_merged` 2/3: 2 good first issue"), "{sticky}");
        assert!(!sticky.contains("/u fix"), "titles are not posted: {sticky}");
    }

    #[test]
    fn help_and_problems() {
        let text = help("/amp", "alice");
        assert!(text.contains("| `/amp enroll @login [mentor @login] [cohort NAME]` | enrol a mentee"), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("| `/amp ")).count(), USAGE.len());
        assert_eq!(
            problem("/amp", "alice", &Problem::Unknown("dance".into())),
            "@alice, I do not know the command `dance`. `/amp help` lists every command."
        );
        let usage = Problem::Usage { command: "nominate", expected: "nominate @login LEVEL" };
        assert_eq!(
            problem("/amp", "alice", &usage),
            "@alice, `/amp nominate` is written `/amp nominate @login LEVEL`. `/amp help` lists every command."
        );
    }

    /// The errors of a config whose every value holds `name`.
    fn config_errors(name: &str) -> ConfigErrors {
        let yaml = format!(
            "command_prefix: /{name}\nlabel_prefix: {name}/\nlevels:\n  - id: /{name}\n    requires: {{{name}: 1}}\n"
        );
        crate::ladder::config::parse(&format!("{name}/.github/amp.yml"), &yaml).unwrap_err()
    }

    #[test]
    fn a_check_run_on_a_pushed_config() {
        let errors =
            crate::ladder::config::parse("amp.yml", "levels:\n  - id: a\n    requires: {hugs: 2}\n").unwrap_err();
        let report = config_check(Checked::Invalid(&errors));
        assert_eq!((report.conclusion, report.annotations.len()), ("failure", 1));
        assert_eq!(report.annotations[0].line, 3);
        assert!(report.annotations[0].message.starts_with("column 16: levels[0].requires.hugs: unknown metric `hugs`"));
        assert!(
            report.summary.starts_with("`.github/amp.yml` has 1 problem, shown beside their lines."),
            "{}",
            report.summary
        );
        let ids = ["a".to_owned(), "b".to_owned()];
        let valid = config_check(Checked::Valid { levels: Some(&ids) });
        assert_eq!(
            (valid.conclusion, valid.summary.as_str()),
            ("success", "`.github/amp.yml` is a valid ladder with 2 levels: a, b.")
        );
        assert_eq!(config_check(Checked::Missing).conclusion, "neutral");
    }

    #[test]
    fn an_issue_about_a_bad_config() {
        let errors =
            crate::ladder::config::parse("amp.yml", "levels:\n  - id: a\n    requires: {hugs: 2}\n").unwrap_err();
        let (title, body) = bad_config(".github/amp.yml", "0123456789ab", &errors);
        assert_eq!(title, "Ladder config .github∕amp.yml is invalid");
        assert!(
            body.starts_with("The maintainership ladder config `.github∕amp.yml` (revision `0123456789ab`)"),
            "{body}"
        );
        assert!(
            body.contains("\n- line 3, column 16, `levels[0].requires.hugs`: unknown metric \\`hugs\\`; known: "),
            "{body}"
        );
    }

    /// Logins and repository names GitHub allows that hold trigger strings once written out.
    const AWKWARD: [&str; 8] = ["u", "au", "au-dev", "rtm", "utils", "gfi-bot", "ptal", "dnm"];

    #[test]
    fn every_template_passes_the_guard() {
        let ladder = Ladder::builtin();
        for name in AWKWARD {
            let repo = format!("{name}/{name}");
            let texts = [
                help("/amp", name),
                self::ladder(&ladder, name),
                status(&report(name, &repo), name, &BTreeSet::new()),
                status(&report(name, &repo), "alice", &BTreeSet::new()),
                status(&stepped(name, &repo), "alice", &BTreeSet::new()),
                next(&stepped(name, &repo), name),
                next(&stepped(name, &repo), "alice"),
                next(&report(name, &repo), "alice"),
                refused("/amp", name, "next", Audience::MentorsAdminsAndMaintainers),
                readiness(&ladder, name, Some(&stepped(name, &repo)), &BTreeSet::new()),
                unknown_person(name, name),
                opted_out(name, name),
                opted_out_now("/amp", name, Utc::now()),
                opted_in("/amp", name),
                refused("/amp", name, "enroll", Audience::AdminsAndMaintainers),
                refused("/amp", name, "report", Audience::Admins),
                unchecked("/amp", name, "enroll"),
                enrolled(name, name, Some(name), Some(name), false),
                enrolled(name, name, None, None, true),
                unenrolled(name, name, true),
                unenrolled(name, name, false),
                not_a_person(name, name),
                readiness(&ladder, name, Some(&report(name, &repo)), &BTreeSet::new()),
                readiness(&ladder, name, None, &BTreeSet::new()),
                level_up("/amp", &report(name, &repo)),
                endorsed("/amp", name, name, name),
                not_for_yourself(name, "endorse"),
                unknown_level(name, &format!("/{name}"), &ladder),
                nomination_opened(name, name, name),
                nomination_title(&format!("Nomination for /{name}: @{{login}}"), name),
                nomination(&report(name, &repo), ladder.levels.last().unwrap(), name, &BTreeSet::new()),
                super::report(
                    name,
                    &[(enrolment(name), Some(report(name, &repo))), (enrolment(name), None)],
                    Utc::now(),
                ),
                problem("/amp", name, &Problem::Unknown(format!("/{name}"))),
                problem("/amp", name, &Problem::Empty),
                problem("/amp", name, &Problem::Usage { command: "status", expected: "status [@login]" }),
                bad_config(&format!("{repo}/.github/amp.yml"), name, &config_errors(name)).0,
                bad_config(&format!("{repo}/.github/amp.yml"), name, &config_errors(name)).1,
            ];
            for text in texts {
                assert_eq!(guard(&text), Ok(()), "{name}: {text}");
            }
        }
    }

    #[test]
    fn the_guard_holds_over_generated_logins_and_repos() {
        // Every login shape GitHub allows (letters, digits, hyphens) up to 4 characters from a small
        // alphabet that spells the triggers, and the same as repository names.
        let alphabet = ['u', 'a', 'r', 't', 'm', 'd', 'n', 'g', 'f', 'i', 'p', 'l', '-', '1'];
        let mut names = vec![String::new()];
        for _ in 0..3 {
            names = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .chain(names.iter().cloned())
                .collect();
        }
        names.retain(|n| !n.is_empty() && !n.starts_with('-'));
        assert!(names.len() > 2500);
        for name in &names {
            let repo = format!("asyncapi/{name}");
            let text = status(&report(name, &repo), "alice", &BTreeSet::new());
            assert_eq!(guard(&text), Ok(()), "{name}: {text}");
            let text = next(&stepped(name, &repo), "alice");
            assert_eq!(guard(&text), Ok(()), "{name}: {text}");
            assert_eq!(guard(&unknown_person(name, name)), Ok(()), "{name}");
        }
    }
}
