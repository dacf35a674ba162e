//! Actions: what the app decided to do on GitHub, as data.
//!
//! Owns: [`Action`] and [`Planned`] (an action with where it goes and the key that makes it happen at
//! most once). Processing plans actions and the store keeps them in its outbox in the same transaction
//! as the delivery's done mark; the dispatcher sends them, or only logs them in dry-run.
//!
//! Never does: send, render texts, or decide; it is the vocabulary between those who do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enrolment::Enrolment;

/// One kind of file the app reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The org's ladder: `.github/amp.yml` in the org's `.github` repository.
    OrgConfig,
    /// A repository's override: `.github/amp.yml` in that repository.
    RepoConfig,
    /// A repository's `CODEOWNERS`, wherever GitHub would find it.
    Codeowners,
    /// The org's `MAINTAINERS.yaml`, where its ladder's `maintainers_file` says.
    Maintainers,
    /// Where a repository says how it makes releases: the first of its `RELEASING.md` and
    /// `CONTRIBUTING.md` files (next steps link it).
    ReleaseGuide,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::OrgConfig => "org_config",
            Source::RepoConfig => "repo_config",
            Source::Codeowners => "codeowners",
            Source::Maintainers => "maintainers",
            Source::ReleaseGuide => "release_guide",
        }
    }
}

/// One thing to do on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Post a new comment on an issue or pull request.
    Comment { body: String },
    /// Keep one comment that starts with `marker`: edit it in place when it exists (and differs),
    /// post it otherwise.
    Sticky { marker: String, body: String },
    /// Add labels (GitHub keeps those already there).
    AddLabels { labels: Vec<String> },
    /// Remove one label (one already gone is fine).
    RemoveLabel { label: String },
    /// Open an issue in the repository (`issue` is ignored).
    CreateIssue { title: String, body: String },
    /// Read a config or `CODEOWNERS` from the repository and keep what is valid (`issue` is ignored).
    Fetch { source: Source },
    /// Validate a config at commit `sha` and report it as a check run on that commit.
    CheckConfig { source: Source, sha: String },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Comment { .. } => "comment",
            Action::Sticky { .. } => "sticky",
            Action::AddLabels { .. } => "add_labels",
            Action::RemoveLabel { .. } => "remove_label",
            Action::CreateIssue { .. } => "create_issue",
            Action::Fetch { .. } => "fetch",
            Action::CheckConfig { .. } => "check_config",
        }
    }

    /// Whether it creates something on GitHub that a failed attempt may have created anyway (GitHub
    /// sometimes creates, then fails): then the next attempt looks for it first.
    pub fn creates(&self) -> bool {
        matches!(
            self,
            Action::Comment { .. } | Action::Sticky { .. } | Action::CreateIssue { .. } | Action::CheckConfig { .. }
        )
    }

    /// Whether it creates or changes something on GitHub (and so is paced); reading a config does not.
    pub fn writes(&self) -> bool {
        !matches!(self, Action::Fetch { .. })
    }

    /// The action with every text cut to what GitHub keeps ([`crate::text::render::fit`]), with room for
    /// its [`tag`].
    pub fn fitted(self) -> Action {
        let fit = |text: String| {
            crate::text::render::fit(&text, crate::text::render::MAX_BODY_CHARS - TAG_CHARS).into_owned()
        };
        match self {
            Action::Comment { body } => Action::Comment { body: fit(body) },
            Action::Sticky { marker, body } => Action::Sticky { marker, body: fit(body) },
            Action::CreateIssue { title, body } => Action::CreateIssue { title, body: fit(body) },
            other => other,
        }
    }

    /// What it does, in one line for logs and `ladder outbox`; the text of a comment.
    pub fn describe(&self) -> String {
        match self {
            Action::Comment { body } | Action::Sticky { body, .. } => body.clone(),
            Action::AddLabels { labels } => format!("add labels: {}", labels.join(", ")),
            Action::RemoveLabel { label } => format!("remove label: {label}"),
            Action::CreateIssue { title, body } => format!("issue: {title}\n{body}"),
            Action::Fetch { source } => format!("read {}", source.as_str()),
            Action::CheckConfig { source, sha } => format!("check {} at {sha}", source.as_str()),
        }
    }
}

/// A change to the app's own records that a command asks for. It is made in the transaction that plans
/// the command's reply, and only if that reply is new, so a redelivered command changes nothing twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Erase everything recorded about the person and stop recording them.
    OptOut { github_id: i64, login: String },
    /// Record the person again from now on.
    OptIn { github_id: i64 },
    /// Enrol a mentee in the program (again, with new mentor and cohort, if they were).
    Enrol {
        org_id: i64,
        login: String,
        github_id: Option<i64>,
        mentor: Option<String>,
        cohort: Option<String>,
        by: String,
    },
    /// End a mentee's enrolment.
    Unenrol { org_id: i64, login: String },
    /// Record a maintainer's endorsement of a person for a level.
    Endorse {
        org_id: i64,
        login: String,
        github_id: Option<i64>,
        level: String,
        endorser_id: i64,
        endorser_login: String,
        company: Option<String>,
    },
}

impl Effect {
    /// The active enrolments of `org_id` once this effect is made: how later commands of the same
    /// comment see the cohort before the effect is stored.
    pub fn on_cohort(&self, org_id: i64, cohort: &mut Vec<Enrolment>, now: DateTime<Utc>) {
        match self {
            Effect::Enrol { org_id: org, login, github_id, mentor, cohort: name, by } if *org == org_id => {
                cohort.retain(|e| !e.login.eq_ignore_ascii_case(login));
                cohort.push(Enrolment {
                    org_id,
                    login: login.clone(),
                    github_id: *github_id,
                    mentor: mentor.clone(),
                    cohort: name.clone(),
                    enrolled_by: by.clone(),
                    enrolled_at: now,
                    ended_at: None,
                });
            }
            Effect::Unenrol { org_id: org, login } if *org == org_id => {
                cohort.retain(|e| !e.login.eq_ignore_ascii_case(login));
            }
            Effect::OptOut { login, .. } => cohort.retain(|e| !e.login.eq_ignore_ascii_case(login)),
            _ => {}
        }
    }
}

/// An action with its target. `key` is unique: planning the same action again (a redelivery, an edited
/// comment that still holds an answered command) adds nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub key: String,
    pub org_id: i64,
    pub installation_id: Option<i64>,
    pub repo_id: i64,
    /// `owner/name`.
    pub repo: String,
    /// The issue or pull request number.
    pub issue: i64,
    pub action: Action,
}

impl Planned {
    /// The same, its texts cut to what GitHub keeps.
    pub fn fitted(self) -> Planned {
        Planned { action: self.action.fitted(), ..self }
    }

    /// A short, stable name for what this action creates, from its key: put in the comment or issue
    /// it posts (see [`tag`]), or as a check run's `external_id`, so that after an ambiguous failure
    /// (GitHub may have created it before failing) the app finds it instead of creating it twice.
    pub fn tag_id(&self) -> String {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(self.key.as_bytes())[..8])
    }
}

/// The hidden line that ends a text the app posts: `<!-- amp:sent:ID -->`, ID from [`Planned::tag_id`].
pub fn tag(id: &str) -> String {
    format!("\n\n{TAG_START}{id} -->")
}

/// How every [`tag`] begins.
pub const TAG_START: &str = "<!-- amp:sent:";

/// The characters a [`tag`] adds to a text.
pub const TAG_CHARS: usize = 2 + TAG_START.len() + 16 + 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stable_short_and_inert() {
        let planned = |key: &str| Planned {
            key: key.into(),
            org_id: 1,
            installation_id: None,
            repo_id: 2,
            repo: "o/r".into(),
            issue: 3,
            action: Action::Comment { body: String::new() },
        };
        let id = planned("command:2:9:/amp help#0").tag_id();
        assert_eq!((id.len(), id == planned("command:2:9:/amp help#0").tag_id()), (16, true));
        assert_ne!(id, planned("command:2:9:/amp help#1").tag_id());
        let tag = tag(&id);
        assert_eq!(tag.chars().count(), TAG_CHARS);
        assert!(crate::text::render::guard(&tag).is_ok() && tag.starts_with("\n\n<!-- amp:sent:"), "{tag}");
    }

    #[test]
    fn effects_change_the_cohort_later_commands_see() {
        let now = Utc::now();
        let enrol = |login: &str, org_id: i64| Effect::Enrol {
            org_id,
            login: login.into(),
            github_id: None,
            mentor: None,
            cohort: Some("2026".into()),
            by: "alice".into(),
        };
        let mut cohort = Vec::new();
        enrol("bob", 1).on_cohort(1, &mut cohort, now);
        enrol("carol", 1).on_cohort(1, &mut cohort, now);
        enrol("Bob", 1).on_cohort(1, &mut cohort, now);
        enrol("dave", 2).on_cohort(1, &mut cohort, now);
        let logins = |c: &[Enrolment]| c.iter().map(|e| e.login.clone()).collect::<Vec<_>>();
        assert_eq!(logins(&cohort), ["carol", "Bob"], "once each, in this org only");
        Effect::Unenrol { org_id: 1, login: "BOB".into() }.on_cohort(1, &mut cohort, now);
        Effect::OptOut { github_id: 3, login: "carol".into() }.on_cohort(1, &mut cohort, now);
        assert!(cohort.is_empty());
    }
}
