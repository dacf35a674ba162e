//! Safe text for GitHub: the guard every posted text passes, and the pieces texts are built from.
//!
//! Owns: [`guard`], which refuses any text that would set off the org's comment-reading automation (a
//! trigger string anywhere, a line starting with `/`), and the helpers that put untrusted values into
//! Markdown: [`user_text`] (escaped, inert), [`login`] (a mention only of the people addressed),
//! [`reference`] (`owner/repo#N`, written so that its raw text holds no trigger).
//!
//! Never does: decide what to say (see [`crate::text::reply`]) or send anything.

use std::fmt;

/// Strings the org's workflows match anywhere in a comment, ignoring case. Short forms cover the long
/// ones that contain them (`/u` covers `/update`, `/au` covers `/autoupdate`); the others are listed.
pub const TRIGGERS: [&str; 10] = [
    "/u",
    "/au",
    "/rtm",
    "/dnm",
    "/ptal",
    "/gfi",
    "/ready-to-merge",
    "/do-not-merge",
    "/please-take-a-look",
    "/good-first-issue",
];

/// Why a text may not be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// It holds a trigger string (the one found, and where).
    Trigger { trigger: &'static str, at: usize },
    /// A line starts with `/`, which commands matched at the start of a comment would read.
    LeadingSlash { line: usize },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Trigger { trigger, at } => write!(f, "holds the trigger `{trigger}` at byte {at}"),
            Violation::LeadingSlash { line } => write!(f, "line {line} starts with `/`"),
        }
    }
}

/// Checks a text about to be posted. Every text the app sends passes through here.
pub fn guard(text: &str) -> Result<(), Violation> {
    let lower = text.to_lowercase();
    for trigger in TRIGGERS {
        if let Some(at) = lower.find(trigger) {
            return Err(Violation::Trigger { trigger, at });
        }
    }
    match text.lines().position(|l| l.trim_start().starts_with('/')) {
        Some(line) => Err(Violation::LeadingSlash { line: line + 1 }),
        None => Ok(()),
    }
}

/// The most characters GitHub keeps in a comment or issue body.
pub const MAX_BODY_CHARS: usize = 65_536;

/// `text` cut to `max` characters (at most [`MAX_BODY_CHARS`]), at the end of a line where one is
/// near, saying that it was cut.
pub fn fit(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    const NOTE: &str = "\n\n… (cut here: GitHub keeps at most 65,536 characters)";
    if text.chars().count() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = max.saturating_sub(NOTE.chars().count());
    let end = text.char_indices().nth(room).map_or(text.len(), |(i, _)| i);
    let cut = &text[..end];
    // A line cut in the middle might end inside a link or a table row; end at a line within 1,000 bytes.
    let cut = match cut.rfind('\n') {
        Some(line) if end - line < 1000 => &cut[..line],
        _ => cut,
    };
    std::borrow::Cow::Owned(format!("{cut}{NOTE}"))
}

/// Text someone typed (a cohort name, a level they asked for), made inert: Markdown punctuation is
/// escaped, `@` cannot mention, `/` cannot trigger, and it stays on one line.
pub fn user_text(raw: &str) -> String {
    inert(raw, 200)
}

/// [`user_text`] for longer texts (a config's error messages), cut at `limit` characters.
pub fn inert(raw: &str, limit: usize) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars().take(limit) {
        match c {
            '/' => out.push_str("&#47;"),
            '@' => out.push_str("&#64;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.' | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A person: `@login` (a mention, which notifies them) when they are addressed, plain otherwise.
pub fn login(login: &str, addressed: bool) -> String {
    let plain = !login.is_empty() && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let safe = if plain { login.to_owned() } else { user_text(login) };
    if addressed { format!("@{safe}") } else { format!("**{safe}**") }
}

/// `owner/repo#N` (or `owner/repo` when `number` is `None`), which GitHub links. When the raw text
/// would hold a trigger (a repository named `utils`), it becomes an explicit link whose text and
/// destination write `/` as `&#47;`, which renders the same.
pub fn reference(repo: &str, number: Option<i64>) -> String {
    let raw = match number {
        Some(n) => format!("{repo}#{n}"),
        None => repo.to_owned(),
    };
    if guard(&raw).is_ok() && !raw.contains(['[', ']', '(', ')', '<', '>', '`', '*', '_', '\\']) {
        return raw;
    }
    let text = raw.replace('/', "&#47;").replace('_', "\\_");
    let path = match number {
        Some(n) => format!("{repo}/issues/{n}"),
        None => repo.to_owned(),
    };
    format!("[{text}](https:&#47;&#47;github.com&#47;{})", path.replace('/', "&#47;"))
}

/// A Markdown link to a `https://github.com/...` page, whose text and destination write `/` as `&#47;`
/// (which renders the same) so that neither holds a trigger; other characters of Markdown are escaped
/// in the text and percent-encoded in the destination.
pub fn link(text: &str, url: &str) -> String {
    let text = user_text(text);
    let mut destination = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '/' => destination.push_str("&#47;"),
            c if c.is_ascii_alphanumeric() || "-._~:#?=&%".contains(c) => destination.push(c),
            c => {
                let mut bytes = [0; 4];
                for b in c.encode_utf8(&mut bytes).bytes() {
                    destination.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    format!("[{text}]({destination})")
}

/// The repository (`owner/repo`) and number an evidence text names, if it is a reference
/// (`owner/repo#N` or `owner/repo`) and not other evidence (a month, a login, "since" a date).
pub fn parse_reference(text: &str) -> Option<(&str, Option<i64>)> {
    let (repo, number) = match text.rsplit_once('#') {
        Some((repo, n)) => (repo, Some(n.parse().ok()?)),
        None => (text, None),
    };
    let is_repo = repo.split('/').count() == 2 && !repo.starts_with('/') && !repo.ends_with('/');
    (is_repo && !repo.contains(char::is_whitespace)).then_some((repo, number))
}

/// Evidence as a comment shows it: a reference rendered with [`reference`], anything else as text.
pub fn evidence(text: &str) -> String {
    match parse_reference(text) {
        Some((repo, number)) => reference(repo, number),
        None => user_text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_hold_no_trigger() {
        let cases = [
            (
                "asyncapi/utils",
                "https://github.com/asyncapi/utils/releases",
                "[asyncapi&#47;utils](https:&#47;&#47;github.com&#47;asyncapi&#47;utils&#47;releases)",
            ),
            (
                "a (b)",
                "https://github.com/o/r/blob/HEAD/RELEASING.md",
                "[a \\(b\\)](https:&#47;&#47;github.com&#47;o&#47;r&#47;blob&#47;HEAD&#47;RELEASING.md)",
            ),
            ("x", "https://github.com/o/r) [y](z", "[x](https:&#47;&#47;github.com&#47;o&#47;r%29%20%5By%5D%28z)"),
        ];
        for (text, url, want) in cases {
            let got = link(text, url);
            assert_eq!(got, want, "{text}");
            assert_eq!(guard(&got), Ok(()), "{got}");
        }
    }

    #[test]
    fn bodies_are_cut_to_what_github_keeps() {
        let fit = |text| fit(text, MAX_BODY_CHARS);
        assert_eq!(fit("short"), "short");
        let exact = "é".repeat(MAX_BODY_CHARS);
        assert_eq!(fit(&exact).chars().count(), MAX_BODY_CHARS, "characters, not bytes, are counted");
        let long = "a line of the cohort report\n".repeat(10_000);
        let cut = fit(&long);
        assert!(cut.chars().count() <= MAX_BODY_CHARS);
        assert!(cut.ends_with("GitHub keeps at most 65,536 characters)"), "{}", &cut[cut.len() - 80..]);
        assert!(cut.contains("a line of the cohort report\n\n…"), "cut at the end of a line");
        assert!(guard(&cut).is_ok());
        let one_line = "x".repeat(100_000);
        assert!(fit(&one_line).chars().count() <= MAX_BODY_CHARS);
    }

    #[test]
    fn the_guard() {
        let refused = [
            "please /update",
            "see https://avatars.githubusercontent.com/u/1",
            "github.com/user-attachments/x",
            "asyncapi/utils#3",
            "/authors",
            "/RTM",
            "x /dnm",
            "/help",
            "ok\n  /vote",
            "/ptal",
            "/gfi",
        ];
        for text in refused {
            assert!(guard(text).is_err(), "{text:?} passed");
        }
        for text in ["asyncapi/cli#3", "@u and @au-dev", "a / b", "1/2", "and/or"] {
            assert_eq!(guard(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn evidence_names_a_reference_or_is_text() {
        let cases = [
            ("asyncapi/cli#12", Some(("asyncapi/cli", Some(12)))),
            ("asyncapi/cli", Some(("asyncapi/cli", None))),
            ("asyncapi/cli#x", None),
            ("since 2025-01-01", None),
            ("2025-03", None),
            ("mentor", None),
            ("a/b/c#1", None),
            ("since 2025/01 a/b", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_reference(text), want, "{text}");
        }
        assert_eq!(evidence("asyncapi/cli#12"), "asyncapi/cli#12");
    }

    #[test]
    fn references_never_trigger() {
        assert_eq!(reference("asyncapi/cli", Some(3)), "asyncapi/cli#3");
        assert_eq!(
            reference("asyncapi/utils", Some(3)),
            "[asyncapi&#47;utils#3](https:&#47;&#47;github.com&#47;asyncapi&#47;utils&#47;issues&#47;3)"
        );
        assert_eq!(
            reference("asyncapi/gfi_bot", None),
            "[asyncapi&#47;gfi\\_bot](https:&#47;&#47;github.com&#47;asyncapi&#47;gfi_bot)"
        );
        assert_eq!(evidence("asyncapi/au#9"), reference("asyncapi/au", Some(9)));
        assert_eq!(evidence("since 2026-01-01"), "since 2026\\-01\\-01");
    }

    #[test]
    fn user_text_is_inert() {
        assert_eq!(user_text("[x](y) @all /u"), "\\[x\\]\\(y\\) &#64;all &#47;u");
        assert_eq!(user_text("a\nb"), "a b");
        assert_eq!(login("au-dev", true), "@au-dev");
        assert_eq!(login("x[bot]", false), "**x\\[bot\\]**");
        assert_eq!(login("u", false), "**u**");
    }
}
