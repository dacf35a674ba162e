//! The slash-command grammar: which lines of a comment are commands to the app, and what they ask.
//!
//! Owns: [`parse`], a pure function from a comment's Markdown and the configured prefix (`/amp`) to the
//! commands in it. A command is a line of a plain paragraph that starts with the prefix, one per line,
//! matched without regard to case or extra spaces; lines in code blocks, quotes, lists, headings and
//! HTML are never commands, so quoting someone's `/amp optout` does not run it. Each command has a
//! [`Parsed::key`] that stays the same when the comment is edited around it, so an edit runs only the
//! commands it adds. Parsing takes time linear in the comment's length (the Markdown is read once), and
//! only the commands asked for are made into commands, so a megabyte of them costs little more than
//! reading a megabyte.
//!
//! Never does: check permissions, look anything up, or reply (see [`crate::text::reply`] for the texts).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What a command asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Ladder,
    /// Where a person stands (the commenter when no login is given).
    Status {
        login: Option<String>,
    },
    /// Open work that would take a person to their next level (the commenter when no login is given).
    Next {
        login: Option<String>,
    },
    Enroll {
        login: String,
        mentor: Option<String>,
        cohort: Option<String>,
    },
    Unenroll {
        login: String,
    },
    Endorse {
        login: String,
        level: Option<String>,
    },
    Nominate {
        login: String,
        level: String,
    },
    OptOut,
    OptIn,
    Report,
}

impl Command {
    /// The subcommand's name, as typed after the prefix.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help => "help",
            Command::Ladder => "ladder",
            Command::Status { .. } => "status",
            Command::Next { .. } => "next",
            Command::Enroll { .. } => "enroll",
            Command::Unenroll { .. } => "unenroll",
            Command::Endorse { .. } => "endorse",
            Command::Nominate { .. } => "nominate",
            Command::OptOut => "optout",
            Command::OptIn => "optin",
            Command::Report => "report",
        }
    }
}

/// Why a line that starts with the prefix is not a command the app can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing after the prefix.
    Empty,
    /// A subcommand the app does not know.
    Unknown(String),
    /// A known subcommand with arguments it cannot take; the text says what was expected.
    Usage { command: &'static str, expected: &'static str },
}

/// One command line of a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The line as written, trimmed.
    pub line: String,
    /// The line normalised (lowercase, single spaces) with how many identical lines came before it.
    pub key: String,
    pub command: Result<Command, Problem>,
}

/// How each command is written, for help texts and usage errors.
pub const USAGE: [(&str, &str); 11] = [
    ("help", "help"),
    ("ladder", "ladder"),
    ("status", "status [@login]"),
    ("next", "next [@login]"),
    ("enroll", "enroll @login [mentor @login] [cohort NAME]"),
    ("unenroll", "unenroll @login"),
    ("endorse", "endorse @login [level]"),
    ("nominate", "nominate @login LEVEL"),
    ("optout", "optout"),
    ("optin", "optin"),
    ("report", "report"),
];

fn usage(command: &'static str) -> &'static str {
    USAGE.iter().find(|(name, _)| *name == command).map_or("", |(_, usage)| usage)
}

/// The commands in `markdown`, in order.
pub fn parse(markdown: &str, prefix: &str) -> Vec<Parsed> {
    parse_at_most(markdown, prefix, usize::MAX).0
}

/// The first `limit` commands in `markdown`, in order, and whether there are more.
pub fn parse_at_most(markdown: &str, prefix: &str, limit: usize) -> (Vec<Parsed>, bool) {
    let lines = command_lines(markdown, prefix, limit.saturating_add(1));
    let more = lines.len() > limit;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let parsed = lines
        .into_iter()
        .take(limit)
        .map(|line| {
            let normalised = line.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            let nth = seen.entry(normalised.clone()).or_default();
            let key = format!("{normalised}#{nth}");
            *nth += 1;
            let words: Vec<&str> = line.split_whitespace().skip(1).collect();
            Parsed { key, command: command(&words), line }
        })
        .collect();
    (parsed, more)
}

/// The first `limit` lines of plain paragraphs (outside code, quotes, lists, headings, tables and HTML)
/// that start with `prefix` as a word of its own.
fn command_lines(markdown: &str, prefix: &str, limit: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut excluded = 0usize;
    for (event, range) in Parser::new_ext(markdown, Options::ENABLE_TABLES).into_offset_iter() {
        if lines.len() >= limit {
            break;
        }
        match event {
            Event::Start(
                Tag::BlockQuote(_) | Tag::CodeBlock(_) | Tag::List(_) | Tag::Heading { .. } | Tag::Table(_),
            ) => excluded += 1,
            Event::End(
                TagEnd::BlockQuote(_) | TagEnd::CodeBlock | TagEnd::List(_) | TagEnd::Heading(_) | TagEnd::Table,
            ) => excluded = excluded.saturating_sub(1),
            Event::Start(Tag::Paragraph) if excluded == 0 => {
                let found = markdown[range].lines().map(str::trim).filter(|l| starts_with_prefix(l, prefix));
                lines.extend(found.take(limit - lines.len()).map(str::to_owned));
            }
            _ => {}
        }
    }
    lines
}

fn starts_with_prefix(line: &str, prefix: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    !prefix.is_empty() && first.eq_ignore_ascii_case(prefix)
}

/// A GitHub login, with or without `@`: letters, digits and hyphens, at most 39.
fn login(word: &str) -> Option<String> {
    let login = word.strip_prefix('@').unwrap_or(word);
    let valid = !login.is_empty()
        && login.len() <= 39
        && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !login.starts_with('-');
    valid.then(|| login.to_owned())
}

fn command(words: &[&str]) -> Result<Command, Problem> {
    let Some((name, args)) = words.split_first() else { return Err(Problem::Empty) };
    let name = name.to_lowercase();
    let (command, parsed) = match name.as_str() {
        "help" => ("help", args.is_empty().then_some(Command::Help)),
        "ladder" => ("ladder", args.is_empty().then_some(Command::Ladder)),
        "report" => ("report", args.is_empty().then_some(Command::Report)),
        "optout" => ("optout", args.is_empty().then_some(Command::OptOut)),
        "optin" => ("optin", args.is_empty().then_some(Command::OptIn)),
        "status" => ("status", optional_login(args).map(|login| Command::Status { login })),
        "next" => ("next", optional_login(args).map(|login| Command::Next { login })),
        "enroll" => ("enroll", enroll(args)),
        "unenroll" => ("unenroll", one_login(args).map(|login| Command::Unenroll { login })),
        "endorse" => ("endorse", endorse(args)),
        "nominate" => ("nominate", nominate(args)),
        _ => return Err(Problem::Unknown(name)),
    };
    parsed.ok_or(Problem::Usage { command, expected: usage(command) })
}

fn one_login(args: &[&str]) -> Option<String> {
    match args {
        [one] => login(one),
        _ => None,
    }
}

/// No argument (`Some(None)`: oneself) or one login.
fn optional_login(args: &[&str]) -> Option<Option<String>> {
    match args {
        [] => Some(None),
        [one] => login(one).map(Some),
        _ => None,
    }
}

fn enroll(args: &[&str]) -> Option<Command> {
    let (first, mut rest) = args.split_first()?;
    let login = login(first)?;
    let (mut mentor, mut cohort) = (None, None);
    while let [key, value, tail @ ..] = rest {
        match key.to_lowercase().as_str() {
            "mentor" if mentor.is_none() => mentor = Some(self::login(value)?),
            "cohort" if cohort.is_none() => cohort = Some((*value).to_owned()),
            _ => return None,
        }
        rest = tail;
    }
    rest.is_empty().then_some(Command::Enroll { login, mentor, cohort })
}

fn endorse(args: &[&str]) -> Option<Command> {
    match args {
        [one] => Some(Command::Endorse { login: login(one)?, level: None }),
        [one, level] => Some(Command::Endorse { login: login(one)?, level: Some(level.to_lowercase()) }),
        _ => None,
    }
}

fn nominate(args: &[&str]) -> Option<Command> {
    match args {
        [one, level] => Some(Command::Nominate { login: login(one)?, level: level.to_lowercase() }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(markdown: &str) -> Vec<Result<Command, Problem>> {
        parse(markdown, "/amp").into_iter().map(|p| p.command).collect()
    }

    fn some(login: &str) -> Option<String> {
        Some(login.to_owned())
    }

    #[test]
    fn the_grammar() {
        let usage = |command| Err(Problem::Usage { command, expected: super::usage(command) });
        let cases: Vec<(&str, Vec<Result<Command, Problem>>)> = vec![
            ("/amp help", vec![Ok(Command::Help)]),
            ("  /AMP   Status  ", vec![Ok(Command::Status { login: None })]),
            ("/amp status @Alice-1", vec![Ok(Command::Status { login: some("Alice-1") })]),
            ("/amp status alice", vec![Ok(Command::Status { login: some("alice") })]),
            ("/amp ladder\n/amp report", vec![Ok(Command::Ladder), Ok(Command::Report)]),
            (
                "/amp enroll @bo cohort 2026 mentor @ma",
                vec![Ok(Command::Enroll { login: "bo".into(), mentor: some("ma"), cohort: some("2026") })],
            ),
            ("/amp enroll @bo", vec![Ok(Command::Enroll { login: "bo".into(), mentor: None, cohort: None })]),
            ("/amp enroll @bo mentor", vec![usage("enroll")]),
            ("/amp enroll @bo mentor @a mentor @b", vec![usage("enroll")]),
            ("/amp unenroll @bo", vec![Ok(Command::Unenroll { login: "bo".into() })]),
            ("/amp endorse @bo", vec![Ok(Command::Endorse { login: "bo".into(), level: None })]),
            (
                "/amp endorse @bo Maintainer",
                vec![Ok(Command::Endorse { login: "bo".into(), level: some("maintainer") })],
            ),
            (
                "/amp nominate @bo committer",
                vec![Ok(Command::Nominate { login: "bo".into(), level: "committer".into() })],
            ),
            ("/amp nominate @bo", vec![usage("nominate")]),
            ("/amp optout\n/amp optin", vec![Ok(Command::OptOut), Ok(Command::OptIn)]),
            ("/amp optout now", vec![usage("optout")]),
            ("/amp status @bad_login!", vec![usage("status")]),
            ("/amp status @-x", vec![usage("status")]),
            ("/amp", vec![Err(Problem::Empty)]),
            ("/amp dance", vec![Err(Problem::Unknown("dance".into()))]),
            // Not commands: another prefix, the prefix inside a word, mid-line, code, quotes, lists.
            ("/ampstatus\n/amplify\nplease /amp help", vec![]),
            ("```\n/amp optout\n```", vec![]),
            ("    /amp optout", vec![]),
            ("> /amp optout", vec![]),
            ("- /amp optout\n\n1. /amp help", vec![]),
            ("# /amp help", vec![]),
            ("`/amp help`", vec![]),
            ("<!--\n/amp help\n-->", vec![]),
            ("Thanks!\n/amp status\nand more text", vec![Ok(Command::Status { login: None })]),
            ("> quoted\n\n/amp help", vec![Ok(Command::Help)]),
        ];
        for (markdown, expected) in cases {
            assert_eq!(commands(markdown), expected, "{markdown:?}");
        }
    }

    #[test]
    fn keys_survive_edits_around_a_command() {
        let keys = |markdown| parse(markdown, "/amp").into_iter().map(|p| p.key).collect::<Vec<_>>();
        assert_eq!(keys("/amp help\n/amp  HELP"), ["/amp help#0", "/amp help#1"]);
        let before = keys("/amp status");
        let after = keys("/amp help\n\nedited: /amp status\n/amp   status");
        assert_eq!(before, ["/amp status#0"]);
        assert_eq!(after, ["/amp help#0", "/amp status#0"], "the edit adds only `help`");
    }

    #[test]
    fn parsing_stops_after_the_commands_asked_for() {
        let many = "/amp help\n".repeat(100_000);
        let (first, more) = parse_at_most(&many, "/amp", 3);
        let keys: Vec<&str> = first.iter().map(|p| p.key.as_str()).collect();
        assert_eq!((keys, more), (vec!["/amp help#0", "/amp help#1", "/amp help#2"], true));
        assert!(!parse_at_most("/amp help\n/amp ladder", "/amp", 2).1, "exactly the limit: no more");
        // Linear: all 100,000 numbered in one pass (quadratic numbering took seconds).
        let all = parse(&many, "/amp");
        assert_eq!((all.len(), all[99_999].key.as_str()), (100_000, "/amp help#99999"));
    }

    #[test]
    fn the_prefix_is_configurable() {
        assert_eq!(parse("/ladder help\n/amp help", "/ladder").len(), 1);
        assert!(parse("/amp help", "").is_empty());
    }
}
