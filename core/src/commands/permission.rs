//! Who may run which command.
//!
//! Owns: the audience of each command ([`audience`]), what the app knows of a commenter's standing where
//! they wrote ([`Standing`]: program admin from the ladder config and maintainer from `CODEOWNERS`,
//! [`Standing::by_config`]; their permission on the repository from GitHub, asked only when that could
//! change a decision, [`Standing::asks_github`]), and [`decide`]. A maintainer is someone listed as
//! one in the repository's `CODEOWNERS` or with write access (or more) to it. When GitHub was asked and
//! did not answer, a command only maintainers may run is neither run nor refused: the commenter is
//! asked to try again, rather than told they may not.
//!
//! Never does: I/O. The planner asks GitHub for the repository permission and the store for roles.

use crate::commands::grammar::Command;
use crate::roles::{Grant, Role};

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Anyone,
    /// Only for oneself (the command takes no login).
    Yourself,
    Admins,
    Maintainers,
    AdminsAndMaintainers,
    /// Program admins, maintainers of this repository, and the mentor of the mentee named.
    MentorsAdminsAndMaintainers,
}

impl Audience {
    /// Who, in words, for help texts and refusals.
    pub fn describe(self) -> &'static str {
        match self {
            Audience::Anyone => "anyone",
            Audience::Yourself => "only you, for yourself",
            Audience::Admins => "program admins",
            Audience::Maintainers => "maintainers of this repository",
            Audience::AdminsAndMaintainers => "program admins and maintainers of this repository",
            Audience::MentorsAdminsAndMaintainers => {
                "anyone for themselves; for someone else, program admins, maintainers of this repository and their mentor"
            }
        }
    }
}

/// The audience of a command.
pub fn audience(command: &Command) -> Audience {
    match command {
        Command::Help | Command::Ladder | Command::Status { .. } | Command::Next { login: None } => Audience::Anyone,
        Command::Next { login: Some(_) } => Audience::MentorsAdminsAndMaintainers,
        Command::OptOut | Command::OptIn => Audience::Yourself,
        Command::Enroll { .. } | Command::Unenroll { .. } => Audience::AdminsAndMaintainers,
        Command::Endorse { .. } | Command::Nominate { .. } => Audience::Maintainers,
        Command::Report => Audience::Admins,
    }
}

/// A person's permission on a repository, as GitHub names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RepoPermission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl RepoPermission {
    /// GitHub's `permission` (`admin`, `write`, `read`, `none`) or `role_name` (adds `maintain`, `triage`).
    pub fn parse(name: &str) -> RepoPermission {
        match name {
            "admin" => RepoPermission::Admin,
            "maintain" => RepoPermission::Maintain,
            "write" => RepoPermission::Write,
            "triage" => RepoPermission::Triage,
            "read" => RepoPermission::Read,
            _ => RepoPermission::None,
        }
    }
}

/// What GitHub said of the commenter's permission on the repository.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Permission {
    /// Not asked (the app runs without App credentials, or the config or `CODEOWNERS` already decided),
    /// or GitHub refused to say (the App lacks a permission): the config and `CODEOWNERS` decide.
    #[default]
    NotAsked,
    /// Asked, and GitHub did not answer (a rate limit, an outage).
    Unanswered,
    Known(RepoPermission),
}

/// What is known of the commenter where they wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Listed among the ladder's `admins`.
    pub admin: bool,
    /// A maintainer of this repository in `CODEOWNERS` (or `MAINTAINERS.yaml`).
    pub codeowner: bool,
    /// The active mentor of the mentee the command names.
    pub mentor: bool,
    pub permission: Permission,
}

impl Standing {
    /// What the ladder config and `CODEOWNERS` say of `login` in the repository named `repo` (without
    /// its owner): an admin when the ladder's `admins` list them (with or without `@`, in any case), a
    /// codeowner when `grants` make them a maintainer or champion of that repository. GitHub has not
    /// been asked yet; it is asked only when neither is true ([`Standing::asks_github`]).
    pub fn by_config(admins: &[String], grants: &[Grant], login: &str, repo: &str) -> Standing {
        let admin = admins.iter().any(|a| a.trim_start_matches('@').eq_ignore_ascii_case(login));
        let codeowner = grants.iter().any(|g| {
            g.repo.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(repo))
                && matches!(g.role, Role::Maintainer | Role::Champion)
        });
        Standing { admin, codeowner, mentor: false, permission: Permission::NotAsked }
    }

    /// Whether GitHub's answer could change a decision: not for an admin or a codeowner, who may
    /// already run every command a repository permission allows.
    pub fn asks_github(&self) -> bool {
        !self.admin && !self.codeowner && !self.mentor
    }

    pub fn maintainer(&self) -> bool {
        self.codeowner || matches!(self.permission, Permission::Known(p) if p >= RepoPermission::Write)
    }
}

/// Whether a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Run,
    Refuse,
    /// Only GitHub could have said, and it did not answer: ask again later.
    Unknown,
}

/// Whether someone with `standing` may run a command for `audience`.
pub fn decide(audience: Audience, standing: &Standing) -> Decision {
    let allowed = match audience {
        Audience::Anyone | Audience::Yourself => true,
        Audience::Admins => standing.admin,
        Audience::Maintainers => standing.maintainer(),
        Audience::AdminsAndMaintainers => standing.admin || standing.maintainer(),
        Audience::MentorsAdminsAndMaintainers => standing.mentor || standing.admin || standing.maintainer(),
    };
    let github_decides = matches!(
        audience,
        Audience::Maintainers | Audience::AdminsAndMaintainers | Audience::MentorsAdminsAndMaintainers
    );
    match (allowed, standing.permission) {
        (true, _) => Decision::Run,
        (false, Permission::Unanswered) if github_decides => Decision::Unknown,
        (false, _) => Decision::Refuse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_run_what() {
        use Decision::{Refuse as No, Run, Unknown as Ask};
        let none = Standing::default();
        let admin = Standing { admin: true, ..none };
        let owner = Standing { codeowner: true, ..none };
        let writer = Standing { permission: Permission::Known(RepoPermission::parse("write")), ..none };
        let triager = Standing { permission: Permission::Known(RepoPermission::parse("triage")), ..none };
        let unanswered = Standing { permission: Permission::Unanswered, ..none };
        let mentor = Standing { mentor: true, ..none };
        let cases = [
            (Audience::Anyone, [Run, Run, Run, Run, Run, Run, Run]),
            (Audience::Yourself, [Run, Run, Run, Run, Run, Run, Run]),
            (Audience::Admins, [No, Run, No, No, No, No, No]),
            (Audience::Maintainers, [No, No, Run, Run, No, Ask, No]),
            (Audience::AdminsAndMaintainers, [No, Run, Run, Run, No, Ask, No]),
            (Audience::MentorsAdminsAndMaintainers, [No, Run, Run, Run, No, Ask, Run]),
        ];
        for (audience, expected) in cases {
            let got = [none, admin, owner, writer, triager, unanswered, mentor].map(|s| decide(audience, &s));
            assert_eq!(got, expected, "{audience:?}");
        }
        assert_eq!(RepoPermission::parse("maintain"), RepoPermission::Maintain);
        assert_eq!(RepoPermission::parse("weird"), RepoPermission::None);
    }

    #[test]
    fn standing_by_the_config_and_codeowners() {
        let grant = |repo: Option<&str>, role| Grant {
            login: "alice".into(),
            github_id: None,
            repo: repo.map(str::to_owned),
            role,
            detail: None,
        };
        let admins = ["@Derberg".to_owned(), "fmvilas".to_owned()];
        let website = [grant(Some("website"), Role::Maintainer)];
        let champion = [grant(Some("Website"), Role::Champion)];
        let elsewhere = [grant(Some("cli"), Role::Maintainer)];
        let triager = [grant(Some("website"), Role::Triager)];
        let tsc = [grant(None, Role::TscMember)];
        let cases: [(&str, &[Grant], bool, bool); 8] = [
            ("derberg", &[], true, false),
            ("FMVILAS", &[], true, false),
            ("alice", &website, false, true),
            ("alice", &champion, false, true),
            ("alice", &elsewhere, false, false),
            ("alice", &triager, false, false),
            ("alice", &tsc, false, false),
            ("derberg", &website, true, true),
        ];
        for (login, grants, admin, codeowner) in cases {
            let standing = Standing::by_config(&admins, grants, login, "website");
            assert_eq!((standing.admin, standing.codeowner), (admin, codeowner), "{login} {grants:?}");
            assert_eq!(standing.permission, Permission::NotAsked);
            assert_eq!(standing.asks_github(), !admin && !codeowner, "{login} {grants:?}");
        }
    }
}
