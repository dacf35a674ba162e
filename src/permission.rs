//! Who may run which command.
//!
//! Owns: the audience of each command ([`audience`]), what the app knows of a commenter's standing where
//! they wrote ([`Standing`]: program admin from the ladder config, maintainer from `CODEOWNERS`, and
//! their permission on the repository from GitHub), and [`may_run`]. A maintainer is someone listed as
//! one in the repository's `CODEOWNERS` or with write access (or more) to it.
//!
//! Never does: I/O. The worker asks GitHub for the repository permission and the store for roles.

use crate::command::Command;

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Anyone,
    /// Only for oneself (the command takes no login).
    Yourself,
    Admins,
    Maintainers,
    AdminsAndMaintainers,
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
        }
    }
}

/// The audience of a command.
pub fn audience(command: &Command) -> Audience {
    match command {
        Command::Help | Command::Ladder | Command::Status { .. } => Audience::Anyone,
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

/// What is known of the commenter where they wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Listed among the ladder's `admins`.
    pub admin: bool,
    /// A maintainer of this repository in `CODEOWNERS` (or `MAINTAINERS.yaml`).
    pub codeowner: bool,
    /// Their permission on the repository, when GitHub could be asked.
    pub permission: Option<RepoPermission>,
}

impl Standing {
    pub fn maintainer(&self) -> bool {
        self.codeowner || self.permission.is_some_and(|p| p >= RepoPermission::Write)
    }
}

/// Whether someone with `standing` may run a command for `audience`.
pub fn may_run(audience: Audience, standing: &Standing) -> bool {
    match audience {
        Audience::Anyone | Audience::Yourself => true,
        Audience::Admins => standing.admin,
        Audience::Maintainers => standing.maintainer(),
        Audience::AdminsAndMaintainers => standing.admin || standing.maintainer(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_run_what() {
        let none = Standing::default();
        let admin = Standing { admin: true, ..none };
        let owner = Standing { codeowner: true, ..none };
        let writer = Standing { permission: Some(RepoPermission::parse("write")), ..none };
        let triager = Standing { permission: Some(RepoPermission::parse("triage")), ..none };
        let cases = [
            (Audience::Anyone, [true, true, true, true, true]),
            (Audience::Yourself, [true, true, true, true, true]),
            (Audience::Admins, [false, true, false, false, false]),
            (Audience::Maintainers, [false, false, true, true, false]),
            (Audience::AdminsAndMaintainers, [false, true, true, true, false]),
        ];
        for (audience, expected) in cases {
            let got = [none, admin, owner, writer, triager].map(|s| may_run(audience, &s));
            assert_eq!(got, expected, "{audience:?}");
        }
        assert_eq!(RepoPermission::parse("maintain"), RepoPermission::Maintain);
        assert_eq!(RepoPermission::parse("weird"), RepoPermission::None);
    }
}
