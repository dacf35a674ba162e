//! The ladder config (YAML): parsing, validation with errors that name the file, line and field, and
//! the built-in default (AsyncAPI's ladder).
//!
//! Owns: the config's shape and every rule a config must follow: known keys only, known metrics,
//! positive whole-number thresholds, unique level ids, levels in order (no level asks for less of a
//! metric than a level before it), and the program's cohorts (unique names, dates in order: start,
//! midterm, final evaluation, end).
//!
//! Never does: read files (callers pass the text and its name) or evaluate anyone.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::metric::Metric;
use crate::credit::Bots;
use crate::located::{self, Check, Scalar};
pub use crate::located::{ConfigError, ConfigErrors};
use crate::roles::Role;
use crate::signal::Kind;

/// The built-in ladder, as YAML.
pub const DEFAULT_YAML: &str = include_str!("default.yml");

/// One level of the ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Metric and the least value that meets it, in the order the config lists them.
    pub requires: Vec<(Metric, u64)>,
    /// The role (from `CODEOWNERS` or `MAINTAINERS.yaml`) that holds this level outright.
    pub role: Option<Role>,
    /// Endorsements by maintainers from this many different companies, if the level needs them.
    pub endorsements: Option<u64>,
    /// The title of a nomination issue; `{login}` stands for the person.
    pub nomination_title: String,
}

/// A validated ladder config.
#[derive(Debug, Clone)]
pub struct Ladder {
    pub command_prefix: String,
    pub label_prefix: String,
    pub bots: Bots,
    pub admins: Vec<String>,
    /// Where the org keeps its `MAINTAINERS.yaml`: repository name and path in it.
    pub maintainers_file: Option<(String, String)>,
    /// On whose pull requests the sticky readiness comment appears.
    pub readiness_comments: ReadinessComments,
    pub window_months: u32,
    pub min_lines: u64,
    mechanical_titles: Vec<String>,
    mechanical_branches: Vec<String>,
    mechanical_paths: Vec<String>,
    weekly_caps: Vec<(Kind, u64)>,
    pub levels: Vec<Level>,
    pub program: Program,
}

/// The maintainership program: the level mentees aim for, and each cohort's dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Program {
    /// The level id mentees aim for; None: the highest level tied to a role, or the last level.
    pub target: Option<String>,
    pub cohorts: Vec<Cohort>,
}

/// A cohort of the program and its dates: start, midterm and final evaluations, end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cohort {
    pub name: String,
    pub start: NaiveDate,
    pub midterm: NaiveDate,
    pub final_evaluation: NaiveDate,
    pub end: NaiveDate,
}

impl Ladder {
    /// The level mentees aim for: the configured one, or the highest level tied to a role, or the last.
    pub fn program_target(&self) -> Option<&Level> {
        match &self.program.target {
            Some(id) => self.level(id),
            None => self.levels.iter().rev().find(|l| l.role.is_some()).or_else(|| self.levels.last()),
        }
    }

    /// The cohort named `name` (any case).
    pub fn cohort(&self, name: &str) -> Option<&Cohort> {
        self.program.cohorts.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// On whose pull requests the app keeps a sticky readiness comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadinessComments {
    /// Mentees enrolled in the program (the default).
    Enrolled,
    /// Every author who is a person.
    Everyone,
    Off,
}

impl ReadinessComments {
    fn parse(value: &str) -> Option<ReadinessComments> {
        match value {
            "enrolled" => Some(ReadinessComments::Enrolled),
            "everyone" => Some(ReadinessComments::Everyone),
            "off" => Some(ReadinessComments::Off),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubstantial {
    #[serde(default)]
    min_lines: Option<Spanned<Scalar>>,
    #[serde(default)]
    mechanical_titles: Option<Vec<String>>,
    #[serde(default)]
    mechanical_branches: Option<Vec<String>>,
    #[serde(default)]
    mechanical_paths: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    role: Option<Spanned<String>>,
    requires: HashMap<Spanned<String>, Spanned<Scalar>>,
    #[serde(default)]
    endorsements: Option<Spanned<Scalar>>,
    #[serde(default)]
    nomination_title: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    command_prefix: Option<Spanned<String>>,
    label_prefix: Option<Spanned<String>>,
    bots: Option<Vec<String>>,
    admins: Option<Vec<String>>,
    maintainers_file: Option<Spanned<String>>,
    readiness_comments: Option<Spanned<String>>,
    window_months: Option<Spanned<Scalar>>,
    substantial: Option<RawSubstantial>,
    #[serde(default)]
    weekly_caps: HashMap<Spanned<String>, Spanned<Scalar>>,
    /// Absent: the built-in levels.
    levels: Option<Spanned<Vec<RawLevel>>>,
    program: Option<RawProgram>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    target: Option<Spanned<String>>,
    #[serde(default)]
    cohorts: Vec<RawCohort>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohort {
    name: Spanned<Scalar>,
    start: Spanned<Scalar>,
    midterm: Spanned<Scalar>,
    #[serde(rename = "final")]
    final_evaluation: Spanned<Scalar>,
    end: Spanned<Scalar>,
}

/// What a repository's own `.github/amp.yml` may change for that repository.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    readiness_comments: Option<Spanned<String>>,
}

/// A repository's changes to its org's ladder: only what concerns that repository alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoOverride {
    pub readiness_comments: Option<ReadinessComments>,
}

/// The ladder's checks, over the located errors of its file.
struct Checker<'a>(Check<'a>);

impl Checker<'_> {
    fn error<T>(&mut self, at: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) {
        self.0.error(at, field, message);
    }

    fn readiness_comments(&mut self, value: &Spanned<String>) -> ReadinessComments {
        ReadinessComments::parse(&value.value).unwrap_or_else(|| {
            let message = format!("`{}` is not one of: enrolled, everyone, off", value.value);
            self.error(value, "readiness_comments", message);
            ReadinessComments::Enrolled
        })
    }

    /// `repository/path/in/it`, split; or an error.
    fn repo_path(&mut self, value: &Spanned<String>, field: &str) -> Option<(String, String)> {
        let split = value.value.split_once('/').filter(|(repo, path)| {
            let repo_ok = !repo.is_empty() && repo.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            let path_ok = !path.is_empty() && path.split('/').all(|part| !part.is_empty() && part != "..");
            repo_ok && path_ok
        });
        if split.is_none() {
            let message = format!("`{}` should be REPOSITORY/PATH, such as community/MAINTAINERS.yaml", value.value);
            self.error(value, field, message);
        }
        split.map(|(repo, path)| (repo.to_owned(), path.to_owned()))
    }

    /// A date (`YYYY-MM-DD`), or an error.
    fn date(&mut self, value: &Spanned<Scalar>, field: &str) -> Option<NaiveDate> {
        let text = self.0.text(value, field)?;
        let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
        if date.is_none() {
            self.error(value, field, format!("`{text}` is not a date like 2026-03-01"));
        }
        date
    }

    fn program(&mut self, raw: Option<RawProgram>, levels: &[Level]) -> Program {
        let Some(raw) = raw else { return Program::default() };
        let target = raw.target.and_then(|t| {
            if levels.iter().any(|l| l.id == t.value) {
                Some(t.value)
            } else {
                let known: Vec<&str> = levels.iter().map(|l| l.id.as_str()).collect();
                self.error(&t, "program.target", format!("unknown level `{}`; known: {}", t.value, known.join(", ")));
                None
            }
        });
        let mut cohorts: Vec<Cohort> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (i, c) in raw.cohorts.into_iter().enumerate() {
            let at = format!("program.cohorts[{i}]");
            let name = match &c.name.value {
                Scalar::Text(t) => t.clone(),
                Scalar::Number(n) => n.to_string(),
                Scalar::Bool(_) => {
                    self.error(&c.name, format!("{at}.name"), "must be a name such as 2026");
                    continue;
                }
            };
            if names.iter().any(|k| k.eq_ignore_ascii_case(&name)) {
                self.error(&c.name, format!("{at}.name"), format!("`{name}` is used by an earlier cohort"));
            }
            names.push(name.clone());
            let dates = [
                (self.date(&c.start, &format!("{at}.start")), &c.start, "start"),
                (self.date(&c.midterm, &format!("{at}.midterm")), &c.midterm, "midterm"),
                (self.date(&c.final_evaluation, &format!("{at}.final")), &c.final_evaluation, "final"),
                (self.date(&c.end, &format!("{at}.end")), &c.end, "end"),
            ];
            for pair in dates.windows(2) {
                if let ((Some(a), _, first), (Some(b), at_b, second)) = (pair[0], pair[1])
                    && b < a
                {
                    self.error(at_b, format!("{at}.{second}"), format!("{b} comes before {first} ({a})"));
                }
            }
            if let [(Some(start), ..), (Some(midterm), ..), (Some(final_evaluation), ..), (Some(end), ..)] = dates {
                cohorts.push(Cohort { name, start, midterm, final_evaluation, end });
            }
        }
        Program { target, cohorts }
    }

    /// A positive whole number, or an error.
    fn count(&mut self, value: &Spanned<Scalar>, field: &str) -> Option<u64> {
        let v = self.0.number(value, field, "a positive whole number")?;
        if v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
            Some(v as u64)
        } else {
            self.error(value, field, format!("must be a positive whole number, not {v}"));
            None
        }
    }

    fn prefix(&mut self, value: Option<Spanned<String>>, field: &str, default: &str) -> String {
        match value {
            None => default.to_owned(),
            Some(v) if v.value.trim().is_empty() || v.value.chars().any(char::is_whitespace) => {
                self.error(&v, field, "must be non-empty and without spaces");
                default.to_owned()
            }
            Some(v) => match crate::text::render::TRIGGERS.iter().find(|t| v.value.to_lowercase().contains(**t)) {
                Some(trigger) => {
                    let message = format!(
                        "`{}` holds `{trigger}`, which the org's workflows read anywhere in a comment; choose another",
                        v.value
                    );
                    self.error(&v, field, message);
                    default.to_owned()
                }
                None if field == "label_prefix" && ["area/", "status/"].contains(&v.value.to_lowercase().as_str()) => {
                    self.error(&v, field, "`area/` and `status/` belong to the org's own labels; choose another");
                    default.to_owned()
                }
                None => v.value,
            },
        }
    }
}

/// Sorts spanned map entries by where they stand in the file.
fn in_file_order<K, V>(map: HashMap<Spanned<K>, V>) -> Vec<(Spanned<K>, V)> {
    let mut entries: Vec<_> = map.into_iter().collect();
    entries.sort_by_key(|(k, _)| (k.referenced.line(), k.referenced.column()));
    entries
}

/// A YAML document of `T`; an empty file (or one of comments only) reads as an empty mapping.
fn document<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigErrors> {
    let blank = text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    serde_saphyr::from_str(if blank { "{}" } else { text }).map_err(|e| ConfigErrors(vec![located::yaml(file, &e)]))
}

/// Parses a repository's override of its org's ladder. `file` names it in errors.
pub fn parse_override(file: &str, text: &str) -> Result<RepoOverride, ConfigErrors> {
    let raw: RawOverride = document(file, text)?;
    let mut check = Checker(Check::new(file));
    let readiness_comments = raw.readiness_comments.map(|v| check.readiness_comments(&v));
    check.0.finish(RepoOverride { readiness_comments })
}

/// Parses and validates a ladder config. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Ladder, ConfigErrors> {
    let raw: RawConfig = document(file, text)?;
    let mut check = Checker(Check::new(file));
    let command_prefix = check.prefix(raw.command_prefix, "command_prefix", "/amp");
    let label_prefix = check.prefix(raw.label_prefix, "label_prefix", "amp/");
    let readiness_comments =
        raw.readiness_comments.as_ref().map_or(ReadinessComments::Enrolled, |v| check.readiness_comments(v));
    let maintainers_file = raw.maintainers_file.and_then(|v| check.repo_path(&v, "maintainers_file"));
    let window_months = match &raw.window_months {
        Some(w) => check.count(w, "window_months").unwrap_or(12) as u32,
        None => 12,
    };
    let substantial = raw.substantial.unwrap_or(RawSubstantial {
        min_lines: None,
        mechanical_titles: None,
        mechanical_branches: None,
        mechanical_paths: None,
    });
    let min_lines = substantial.min_lines.as_ref().and_then(|m| check.count(m, "substantial.min_lines")).unwrap_or(10);
    let mut weekly_caps = Vec::new();
    for (kind, cap) in in_file_order(raw.weekly_caps) {
        let field = format!("weekly_caps.{}", kind.value);
        match Kind::parse(&kind.value) {
            Some(k) => weekly_caps.extend(check.count(&cap, &field).map(|n| (k, n))),
            None => check.error(&kind, field, format!("unknown signal kind; known: {}", kind_names())),
        }
    }
    let levels = match raw.levels {
        Some(levels) => check_levels(&mut check, levels),
        None => Ladder::builtin().levels,
    };
    let program = check.program(raw.program, &levels);
    check.0.finish(Ladder {
        command_prefix,
        label_prefix,
        bots: raw.bots.map_or_else(Bots::default, |b| Bots::new(b.iter().map(String::as_str))),
        admins: raw.admins.unwrap_or_default(),
        maintainers_file,
        readiness_comments,
        window_months,
        min_lines,
        mechanical_titles: substantial.mechanical_titles.unwrap_or_default(),
        mechanical_branches: substantial.mechanical_branches.unwrap_or_default(),
        mechanical_paths: substantial.mechanical_paths.unwrap_or_default(),
        weekly_caps,
        levels,
        program,
    })
}

fn kind_names() -> String {
    Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

fn check_levels(check: &mut Checker<'_>, raw: Spanned<Vec<RawLevel>>) -> Vec<Level> {
    if raw.value.is_empty() {
        check.error(&raw, "levels", "the ladder needs at least one level");
    }
    let mut levels: Vec<Level> = Vec::new();
    let mut highest: HashMap<Metric, (u64, String)> = HashMap::new();
    for (i, level) in raw.value.into_iter().enumerate() {
        let at = format!("levels[{i}]");
        let id_ok = !level.id.value.is_empty()
            && level.id.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !id_ok {
            check.error(&level.id, format!("{at}.id"), "must be letters, digits, `_` or `-`");
        } else if levels.iter().any(|l| l.id == level.id.value) {
            check.error(&level.id, format!("{at}.id"), format!("`{}` is used by an earlier level", level.id.value));
        }
        if level.requires.is_empty() {
            check.error(&level.id, format!("{at}.requires"), "a level needs at least one requirement");
        }
        let mut requires = Vec::new();
        for (name, threshold) in in_file_order(level.requires) {
            let field = format!("{at}.requires.{}", name.value);
            let Some(metric) = Metric::parse(&name.value) else {
                let known = Metric::all_names().join(", ");
                check.error(&name, field, format!("unknown metric `{}`; known: {known}", name.value));
                continue;
            };
            let Some(need) = check.count(&threshold, &field) else { continue };
            if let Some((earlier, earlier_level)) = highest.get(&metric)
                && need < *earlier
            {
                let message = format!(
                    "levels out of order: `{}` asks for {need} but the earlier level `{earlier_level}` asks for {earlier}",
                    level.id.value
                );
                check.error(&threshold, field, message);
            }
            highest.insert(metric, (need, level.id.value.clone()));
            requires.push((metric, need));
        }
        let role = level.role.and_then(|r| {
            let parsed = Role::parse(&r.value);
            if parsed.is_none() {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                check.error(
                    &r,
                    format!("{at}.role"),
                    format!("unknown role `{}`; known: {}", r.value, known.join(", ")),
                );
            }
            parsed
        });
        let name = level.name.unwrap_or_else(|| level.id.value.clone());
        let description = level.description.trim().to_owned();
        let endorsements = level.endorsements.as_ref().and_then(|n| check.count(n, &format!("{at}.endorsements")));
        let nomination_title = level.nomination_title.unwrap_or_else(|| format!("Nomination for {name}: @{{login}}"));
        levels.push(Level { id: level.id.value, name, description, requires, role, endorsements, nomination_title });
    }
    levels
}

/// `*` matches any run of characters; everything else matches itself, ignoring case.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == text;
    }
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

impl Ladder {
    /// The built-in AsyncAPI ladder.
    pub fn builtin() -> Ladder {
        parse("built-in ladder", DEFAULT_YAML).expect("the built-in ladder is valid")
    }

    /// Whether a merged PR is mechanical: its title or head branch matches a configured pattern.
    pub fn is_mechanical(&self, title: &str, head: &str) -> bool {
        self.mechanical_titles.iter().any(|p| glob_matches(p, title))
            || self.mechanical_branches.iter().any(|p| glob_matches(p, head))
    }

    /// Whether a merged PR that changed `paths` is mechanical by them: every path matches a configured
    /// path pattern. Without path patterns, or without the paths, it is not.
    pub fn mechanical_by_paths<'a>(&self, mut paths: impl Iterator<Item = &'a str>) -> bool {
        let first = paths.next();
        let matches = |path: &str| self.mechanical_paths.iter().any(|p| glob_matches(p, path));
        first.is_some_and(matches) && paths.all(matches)
    }

    /// Everything that decides which merged PRs are substantial, as one text: two ladders with the
    /// same text count the same PRs, so a count remembered under it holds for both.
    pub fn substantial_rule(&self) -> String {
        format!(
            "min_lines {}\ntitles {:?}\nbranches {:?}\npaths {:?}",
            self.min_lines, self.mechanical_titles, self.mechanical_branches, self.mechanical_paths
        )
    }

    /// Whether the app needs a merged PR's file list: the ladder has path patterns.
    pub fn wants_paths(&self) -> bool {
        !self.mechanical_paths.is_empty()
    }

    /// This ladder with a repository's override applied.
    pub fn with_override(&self, changes: &RepoOverride) -> Ladder {
        let mut ladder = self.clone();
        if let Some(comments) = changes.readiness_comments {
            ladder.readiness_comments = comments;
        }
        ladder
    }

    /// The title and head-branch patterns of mechanical PRs (`*` matches any run, case ignored).
    pub fn mechanical_patterns(&self) -> (&[String], &[String]) {
        (&self.mechanical_titles, &self.mechanical_branches)
    }

    /// Every metric some level requires.
    pub fn metrics(&self) -> BTreeSet<Metric> {
        self.levels.iter().flat_map(|l| l.requires.iter().map(|(m, _)| *m)).collect()
    }

    /// The most signals of `kind` that count in one week, if capped.
    pub fn weekly_cap(&self, kind: Kind) -> Option<u64> {
        self.weekly_caps.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n)
    }

    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// Where level `id` stands on the ladder: 0 the first.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == id)
    }

    /// How many levels someone holds whose highest is `id` (0 for none, or one the ladder lacks).
    pub fn levels_held(&self, id: Option<&str>) -> usize {
        id.and_then(|id| self.position(id)).map_or(0, |i| i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_ladder_is_valid_and_in_order() {
        let ladder = Ladder::builtin();
        let ids: Vec<&str> = ladder.levels.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["contributor", "regular_contributor", "triager", "committer", "maintainer"]);
        assert_eq!(ladder.command_prefix, "/amp");
        assert_eq!(ladder.label_prefix, "amp/");
        assert_eq!(ladder.level("regular_contributor").unwrap().requires, vec![(Metric::Kind(Kind::PrMerged), 3)]);
        assert_eq!(ladder.weekly_cap(Kind::IssueComment), Some(15));
        assert_eq!(ladder.weekly_cap(Kind::PrMerged), None);
    }

    #[test]
    fn the_substantial_rule_names_what_decides_it_and_nothing_else() {
        let levels = "levels:\n  - id: a\n    requires: {substantial_prs: 1}\n";
        let rule = |head: &str| parse("amp.yml", &format!("{head}{levels}")).unwrap().substantial_rule();
        let base = rule("");
        assert_eq!(base, rule("window_months: 3\nweekly_caps: {pr_merged: 1}\n"), "caps and windows do not change it");
        for changed in [
            "substantial: {min_lines: 11}\n",
            "substantial: {mechanical_titles: [\"x*\"]}\n",
            "substantial: {mechanical_branches: [\"x*\"]}\n",
            "substantial: {mechanical_paths: [\"docs/*\"]}\n",
        ] {
            assert_ne!(rule(changed), base, "{changed}");
        }
    }

    #[test]
    fn globs() {
        let cases = [
            ("dependabot/*", "dependabot/npm_and_yarn/ws-8.17.1", true),
            ("dependabot/*", "feature/dependabot", false),
            ("chore(deps)*", "Chore(deps): bump ws", true),
            ("chore: update * to *", "chore: update @asyncapi/parser to 3.1.0", true),
            ("chore: update * to *", "chore: update docs", false),
            ("bump *", "bump", false),
            ("exact", "EXACT", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_matches(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    fn errors(yaml: &str) -> Vec<String> {
        parse("amp.yml", yaml).unwrap_err().0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_error_names_file_line_and_field() {
        let yaml = "levels:\n  - id: one\n    requires:\n      pr_merged: 3\n      reviews: 2\n  - id: two\n    requires:\n      pr_merged: 2\n      triage: 0\n  - id: one\n    requires:\n      repos: 1.5\nweekly_caps:\n  hugs: 3\n";
        assert_eq!(
            errors(yaml),
            [
                "amp.yml:14:3: weekly_caps.hugs: unknown signal kind; known: pr_opened, pr_merged, review_approved, review_changes_requested, review_commented, review_comment, issue_opened, triage_labeled, triage_assigned, triage_closed, merge_performed, issue_comment, release_published, discussion_answered",
                &format!(
                    "amp.yml:5:7: levels[0].requires.reviews: unknown metric `reviews`; known: {}",
                    Metric::all_names().join(", ")
                ),
                "amp.yml:8:18: levels[1].requires.pr_merged: levels out of order: `two` asks for 2 but the earlier level `one` asks for 3",
                "amp.yml:9:15: levels[1].requires.triage: must be a positive whole number, not 0",
                "amp.yml:10:9: levels[2].id: `one` is used by an earlier level",
                "amp.yml:12:14: levels[2].requires.repos: must be a positive whole number, not 1.5",
            ]
        );
    }

    #[test]
    fn the_program_names_its_target_and_dates_its_cohorts() {
        let yaml = "program:\n  target: maintainer\n  cohorts:\n    - name: 2026\n      start: 2026-03-01\n      midterm: 2026-06-01\n      final: 2026-09-01\n      end: 2026-09-30\n";
        let ladder = parse("amp.yml", yaml).unwrap();
        assert_eq!(ladder.program_target().map(|l| l.id.as_str()), Some("maintainer"));
        let cohort = ladder.cohort("2026").unwrap();
        assert_eq!((cohort.start.to_string(), cohort.end.to_string()), ("2026-03-01".into(), "2026-09-30".into()));
        // Without one, the highest level tied to a role.
        assert_eq!(Ladder::builtin().program_target().map(|l| l.role.is_some()), Some(true));
        let bad = "program:\n  target: wizard\n  cohorts:\n    - name: a\n      start: 2026-03-01\n      midterm: 2026-02-01\n      final: 2026-13-01\n      end: 2026-09-30\n    - name: A\n      start: 2026-03-01\n      midterm: 2026-03-01\n      final: 2026-03-01\n      end: 2026-03-01\n";
        let errors = errors(bad);
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0].starts_with("amp.yml:2:11: program.target: unknown level `wizard`; known: "),
            "{}",
            errors[0]
        );
        assert_eq!(
            errors[1..],
            [
                "amp.yml:7:14: program.cohorts[0].final: `2026-13-01` is not a date like 2026-03-01",
                "amp.yml:6:16: program.cohorts[0].midterm: 2026-02-01 comes before start (2026-03-01)",
                "amp.yml:9:13: program.cohorts[1].name: `A` is used by an earlier cohort",
            ]
        );
    }

    #[test]
    fn yaml_and_shape_errors_are_located() {
        let cases = [
            ("levels: [\n", "amp.yml:1:9: unclosed bracket"),
            ("levels: []\ncolour: blue\n", "amp.yml:2:1: unknown field `colour`"),
            (
                "levels:\n  - id: a\n    requires: {pr_merged: many}\n",
                "amp.yml:3:27: levels[0].requires.pr_merged: must be a positive whole number, not `many`",
            ),
            ("levels: []\n", "amp.yml:1:9: levels: the ladder needs at least one level"),
            (
                "window_months: -1\nlevels:\n  - id: a\n    requires: {repos: 1}\n",
                "amp.yml:1:16: window_months: must be a positive whole number, not -1",
            ),
            (
                "command_prefix: /autobot\nlevels:\n  - id: a\n    requires: {repos: 1}\n",
                "amp.yml:1:17: command_prefix: `/autobot` holds `/au`, which the org's workflows read",
            ),
            (
                "readiness_comments: some\nlevels:\n  - id: a\n    requires: {repos: 1}\n",
                "amp.yml:1:21: readiness_comments: `some` is not one of: enrolled, everyone, off",
            ),
            (
                "label_prefix: status/\nlevels:\n  - id: a\n    requires: {repos: 1}\n",
                "amp.yml:1:15: label_prefix: `area/` and `status/` belong to the org's own labels",
            ),
        ];
        for (yaml, expected) in cases {
            let got = errors(yaml);
            assert!(got.len() == 1 && got[0].starts_with(expected), "{yaml:?}: {got:?}");
        }
    }

    #[test]
    fn values_of_the_wrong_type_are_all_reported_with_their_fields() {
        let yaml = "window_months: twelve\nsubstantial:\n  min_lines: ten\nweekly_caps:\n  pr_opened: true\n\
                    levels:\n  - id: a\n    requires: {pr_merged: many, repos: 2}\n    endorsements: two\n";
        assert_eq!(
            errors(yaml),
            [
                "amp.yml:1:16: window_months: must be a positive whole number, not `twelve`",
                "amp.yml:3:14: substantial.min_lines: must be a positive whole number, not `ten`",
                "amp.yml:5:14: weekly_caps.pr_opened: must be a positive whole number, not true",
                "amp.yml:8:27: levels[0].requires.pr_merged: must be a positive whole number, not `many`",
                "amp.yml:9:19: levels[0].endorsements: must be a positive whole number, not `two`",
            ]
        );
    }

    #[test]
    fn an_org_config_may_leave_the_levels_to_the_builtin_ones() {
        let ladder = parse("amp.yml", "admins: [derberg]\nreadiness_comments: everyone\n").unwrap();
        assert_eq!(ladder.levels, Ladder::builtin().levels);
        assert_eq!(
            (ladder.admins.as_slice(), ladder.readiness_comments),
            (&["derberg".to_owned()][..], ReadinessComments::Everyone)
        );
        let blank = parse("amp.yml", "# nothing yet\n\n").unwrap();
        assert_eq!(blank.command_prefix, "/amp");
    }

    #[test]
    fn the_maintainers_file_names_a_repository_and_a_path() {
        let location = |yaml: &str| parse("amp.yml", yaml).map(|l| l.maintainers_file);
        assert_eq!(
            location("maintainers_file: community/MAINTAINERS.yaml\n"),
            Ok(Some(("community".to_owned(), "MAINTAINERS.yaml".to_owned())))
        );
        assert_eq!(location("{}\n"), Ok(None));
        for bad in ["MAINTAINERS.yaml", "/x/y", "community/../secrets", "community/"] {
            let err = location(&format!("maintainers_file: \"{bad}\"\n")).unwrap_err().to_string();
            assert!(err.starts_with("amp.yml:1:19: maintainers_file: "), "{bad}: {err}");
        }
        assert!(Ladder::builtin().maintainers_file.is_some());
    }

    #[test]
    fn a_repo_override_changes_only_what_concerns_the_repo() {
        let off = parse_override("r/.github/amp.yml", "readiness_comments: off\n").unwrap();
        assert_eq!(off.readiness_comments, Some(ReadinessComments::Off));
        assert_eq!(Ladder::builtin().with_override(&off).readiness_comments, ReadinessComments::Off);
        assert_eq!(parse_override("f", "").unwrap(), RepoOverride::default());
        let err = parse_override("r/.github/amp.yml", "levels: []\n").unwrap_err().to_string();
        assert!(err.starts_with("r/.github/amp.yml:1:1: unknown field `levels`"), "{err}");
        let err = parse_override("f", "readiness_comments: loud\n").unwrap_err().to_string();
        assert_eq!(err, "f:1:21: readiness_comments: `loud` is not one of: enrolled, everyone, off");
    }

    #[test]
    fn a_pr_is_mechanical_by_paths_only_when_every_path_matches() {
        let yaml = "substantial: {mechanical_paths: [\"*package-lock.json\", \"docs/*\"]}\n";
        let ladder = parse("amp.yml", yaml).unwrap();
        assert!(ladder.wants_paths() && !Ladder::builtin().wants_paths());
        let cases: [(&[&str], bool); 4] = [
            (&["package-lock.json", "docs/a.md"], true),
            (&["website/package-lock.json"], true),
            (&["docs/a.md", "src/index.js"], false),
            (&[], false),
        ];
        for (paths, expected) in cases {
            assert_eq!(ladder.mechanical_by_paths(paths.iter().copied()), expected, "{paths:?}");
        }
        assert!(!Ladder::builtin().mechanical_by_paths(["docs/a.md"].into_iter()));
    }
}
