//! Roles people already hold: maintainers and triagers from each repository's `CODEOWNERS`, area
//! champions from its comments, and TSC membership and companies from the org's `MAINTAINERS.yaml`.
//!
//! Owns: parsing both files (pure) and the [`Role`] ranks. `CODEOWNERS` is the source of truth for
//! maintainers; triagers are named in comment lines (`#docTriagers: a b`, `#codeTriagers: c`);
//! `# @login is X Champion` names a champion. Teams (`@org/team`), e-mail owners and bots are not people.
//!
//! Never does: I/O, or write `MAINTAINERS.yaml` (a bot of the org generates it; the app only reads it).

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::credit::Bots;
use crate::event::Account;
use crate::located::{self, Check, ConfigErrors, Scalar};

/// A role on the org's ladder that people hold outside the app's evaluation, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Triager,
    /// Listed in a repository's `CODEOWNERS` (committers and maintainers alike).
    Maintainer,
    /// Named as an area champion in `CODEOWNERS`; ranks with maintainers.
    Champion,
    TscMember,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Triager, Role::Maintainer, Role::Champion, Role::TscMember];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Triager => "triager",
            Role::Maintainer => "maintainer",
            Role::Champion => "champion",
            Role::TscMember => "tsc_member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How far up the ladder the role reaches; champions rank with maintainers.
    pub fn rank(self) -> u8 {
        match self {
            Role::Triager => 1,
            Role::Maintainer | Role::Champion => 2,
            Role::TscMember => 3,
        }
    }
}

/// One role held by one login, in one repository (or org-wide when `repo` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub login: String,
    pub github_id: Option<i64>,
    pub repo: Option<String>,
    pub role: Role,
    /// The champion's area, or the maintainer's company (from `MAINTAINERS.yaml`).
    pub detail: Option<String>,
}

/// The company a person works for, as `MAINTAINERS.yaml` says of them as a maintainer, among their
/// `grants`.
pub fn company_of(grants: &[Grant]) -> Option<String> {
    grants.iter().filter(|g| g.role == Role::Maintainer).find_map(|g| g.detail.clone())
}

/// A login written in a `CODEOWNERS` line, if it names a person: not a team, an e-mail or a bot.
fn person(token: &str, bots: &Bots) -> Option<String> {
    let login = token.strip_prefix('@')?;
    let valid = !login.is_empty() && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let account = Account { id: 0, login: login.to_owned(), account_type: None };
    (valid && !bots.is_bot(&account)).then(|| login.to_owned())
}

/// The roles one repository's `CODEOWNERS` grants, each login once per role.
pub fn parse_codeowners(repo: &str, text: &str, bots: &Bots) -> Vec<Grant> {
    let mut grants = BTreeSet::new();
    let grant = |login: String, role: Role, detail: Option<String>| Grant {
        login,
        github_id: None,
        repo: Some(repo.to_owned()),
        role,
        detail,
    };
    for line in text.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some((key, names)) = comment.split_once(':')
                && key.trim().ends_with("Triagers")
            {
                let kind = key.trim().trim_end_matches("Triagers").to_owned();
                for login in
                    names.split_whitespace().filter_map(|n| person(&format!("@{}", n.trim_start_matches('@')), bots))
                {
                    grants.insert(grant(login, Role::Triager, Some(kind.clone())));
                }
            } else if let Some((who, area)) = comment.split_once(" is ")
                && let Some(area) = area.trim().strip_suffix("Champion")
                && let Some(login) = person(who.trim(), bots)
            {
                grants.insert(grant(login, Role::Champion, Some(area.trim().to_owned())));
            }
            continue;
        }
        let mut tokens = line.split_whitespace();
        if tokens.next().is_none() {
            continue;
        }
        for login in tokens.take_while(|t| !t.starts_with('#')).filter_map(|t| person(t, bots)) {
            grants.insert(grant(login, Role::Maintainer, None));
        }
    }
    grants.into_iter().collect()
}

/// One entry of `MAINTAINERS.yaml`. `github`, `githubID` and `isTscMember` are read whatever their
/// type, so that each wrong one is reported with its field; a `company` or `repos` of the wrong shape
/// still ends the parse with the YAML parser's located error.
#[derive(Deserialize)]
struct RawMaintainer {
    github: Spanned<Scalar>,
    #[serde(rename = "githubID", default)]
    github_id: Option<Spanned<Scalar>>,
    #[serde(default)]
    company: Option<String>,
    #[serde(rename = "isTscMember", default)]
    tsc: Option<Spanned<Scalar>>,
    #[serde(default)]
    repos: Vec<String>,
}

/// The roles `MAINTAINERS.yaml` records: a maintainer grant per listed repository (with the company) and
/// TSC membership. `file` names the file in errors; every entry's errors are listed.
pub fn parse_maintainers(file: &str, text: &str) -> Result<Vec<Grant>, ConfigErrors> {
    let raw: Vec<RawMaintainer> =
        serde_saphyr::from_str(text).map_err(|e| ConfigErrors(vec![located::yaml(file, &e)]))?;
    let mut check = Check::new(file);
    let mut grants = Vec::new();
    for (i, m) in raw.into_iter().enumerate() {
        let login = check.text(&m.github, &format!("[{i}].github"));
        let github_id = m.github_id.as_ref().and_then(|id| {
            let n = check.number(id, &format!("[{i}].githubID"), "a GitHub user id")?;
            let whole = n.fract() == 0.0 && n >= 1.0 && n <= i64::MAX as f64;
            if !whole {
                check.error(id, format!("[{i}].githubID"), format!("must be a GitHub user id, not {n}"));
            }
            whole.then_some(n as i64)
        });
        let tsc = m.tsc.as_ref().and_then(|t| check.flag(t, &format!("[{i}].isTscMember"))).unwrap_or(false);
        let Some(login) = login else { continue };
        let base = Grant { login, github_id, repo: None, role: Role::TscMember, detail: None };
        if tsc {
            grants.push(base.clone());
        }
        for repo in m.repos {
            grants.push(Grant { repo: Some(repo), role: Role::Maintainer, detail: m.company.clone(), ..base.clone() });
        }
    }
    check.finish(grants)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/../tests/fixtures/asyncapi/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn summary(grants: &[Grant]) -> Vec<String> {
        grants
            .iter()
            .map(|g| match &g.detail {
                Some(d) => format!("{} {} ({d})", g.login, g.role.as_str()),
                None => format!("{} {}", g.login, g.role.as_str()),
            })
            .collect()
    }

    #[test]
    fn codeowners_of_community() {
        let grants = parse_codeowners("community", &fixture("CODEOWNERS.community"), &Bots::default());
        assert_eq!(
            summary(&grants),
            [
                "CBID2 triager (doc)",
                "aeworxet maintainer",
                "bandantonio maintainer",
                "derberg maintainer",
                "thulieblack maintainer",
            ],
            "teams and asyncapi-bot-eve are not people"
        );
        assert!(grants.iter().all(|g| g.repo.as_deref() == Some("community")));
    }

    #[test]
    fn codeowners_of_generator_names_champions() {
        let grants = parse_codeowners("generator", &fixture("CODEOWNERS.generator"), &Bots::default());
        assert_eq!(
            summary(&grants),
            [
                "Adi-204 maintainer",
                "Adi-204 champion (Templates)",
                "Florence-Njeri maintainer",
                "Florence-Njeri champion (Docs)",
                "derberg maintainer",
                "jonaslagoni maintainer",
                "magicmatatjahu maintainer",
            ]
        );
    }

    #[test]
    fn codeowners_of_website_with_an_empty_triager_line() {
        let grants = parse_codeowners("website", &fixture("CODEOWNERS.website"), &Bots::default());
        let triagers: Vec<&str> = grants.iter().filter(|g| g.role == Role::Triager).map(|g| g.login.as_str()).collect();
        assert_eq!(triagers, ["CBID2"]);
        let maintainers = grants.iter().filter(|g| g.role == Role::Maintainer).count();
        assert_eq!(maintainers, 9);
    }

    #[test]
    fn owners_that_are_not_people() {
        let text = "* @org/team someone@example.com @dependabot[bot] @holopin-bot @real-person # trailing @comment\n";
        assert_eq!(summary(&parse_codeowners("r", text, &Bots::default())), ["real-person maintainer"]);
    }

    #[test]
    fn maintainers_yaml() {
        let grants = parse_maintainers("MAINTAINERS.yaml", &fixture("MAINTAINERS.yaml")).unwrap();
        let people: BTreeSet<&str> = grants.iter().map(|g| g.login.as_str()).collect();
        assert_eq!(people.len(), 74);
        let maya: Vec<(Option<&str>, Role)> =
            grants.iter().filter(|g| g.login == "Mayaleeeee").map(|g| (g.repo.as_deref(), g.role)).collect();
        assert_eq!(
            maya,
            [
                (None, Role::TscMember),
                (Some("website"), Role::Maintainer),
                (Some("conference-website"), Role::Maintainer),
                (Some("brand"), Role::Maintainer)
            ]
        );
        assert!(grants.iter().all(|g| g.github_id.is_some()));
        let err = parse_maintainers("M.yaml", "- name: x\n  github: [not, a, login]\n").unwrap_err();
        assert!(err.to_string().starts_with("M.yaml:2:"), "{err}");
    }

    #[test]
    fn every_maintainer_entry_of_the_wrong_type_is_reported_with_its_field() {
        let yaml = "- github: alice\n  githubID: lots\n  isTscMember: maybe\n- github: 42\n  githubID: 1.5\n\
                    - github: carol\n  githubID: 7\n  isTscMember: true\n";
        let errors: Vec<String> =
            parse_maintainers("M.yaml", yaml).unwrap_err().0.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            errors,
            [
                "M.yaml:2:13: [0].githubID: must be a GitHub user id, not `lots`",
                "M.yaml:3:16: [0].isTscMember: must be true or false, not `maybe`",
                "M.yaml:4:11: [1].github: must be text, not 42",
                "M.yaml:5:13: [1].githubID: must be a GitHub user id, not 1.5",
            ]
        );
    }

    #[test]
    fn ranks() {
        assert!(Role::Triager.rank() < Role::Maintainer.rank());
        assert_eq!(Role::Champion.rank(), Role::Maintainer.rank());
        assert!(Role::TscMember.rank() > Role::Maintainer.rank());
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
