//! Sources: which files on GitHub the app reads its configuration from, and when to read them again.
//!
//! Owns: the places (the org's config in its `.github` repository, each repository's own override and
//! `CODEOWNERS`, and the org's `MAINTAINERS.yaml` where its ladder says) and [`fetches`], which says
//! from an event which of them may have changed: all of them when the app is installed, those of added
//! repositories, and those a push to a default branch touched (the release guide next steps link
//! only then: backfill reads it for every repository).
//! The fetches are planned like any other action, keyed by the delivery, so a redelivery reads nothing
//! twice.
//!
//! Never does: I/O; the shell's `outbound::refresh` reads and stores what is planned here.

use crate::event::{Event, RepositoryRef};
use crate::history::query::GUIDE_PATHS;
use crate::ladder::Ladder;
use crate::plan::action::{Action, Planned, Source};
use crate::repo_name::RepoName;

/// The repository holding the org's config, as GitHub names it for org-wide community files.
pub const ORG_REPO: &str = ".github";
/// Where a config lives: in the `.github` repository for the org, in any other for that repository.
pub const CONFIG_PATH: &str = ".github/amp.yml";
/// Where GitHub looks for `CODEOWNERS`, in the order it looks.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// The paths to try for `source`, in order; the first that exists is the source.
pub fn paths(source: Source, ladder: &Ladder) -> Vec<&str> {
    match source {
        Source::OrgConfig | Source::RepoConfig => vec![CONFIG_PATH],
        Source::Codeowners => CODEOWNERS_PATHS.to_vec(),
        Source::Maintainers => ladder.maintainers_file.iter().map(|(_, path)| path.as_str()).collect(),
        Source::ReleaseGuide => GUIDE_PATHS.iter().map(|(_, path)| *path).collect(),
    }
}

/// Whether `full_name` (`owner/name`) is the org's `.github` repository.
pub fn is_org_repo(full_name: &str) -> bool {
    RepoName::parse(full_name).is_named(ORG_REPO)
}

/// The reads an event calls for, as actions keyed by `delivery`, under the org's `ladder`.
pub fn fetches(event: &Event, delivery: &str, ladder: &Ladder) -> Vec<Planned> {
    let maintainers = ladder.maintainers_file.as_ref();
    let holds_maintainers =
        |full_name: &str| maintainers.is_some_and(|(repo, _)| RepoName::parse(full_name).is_named(repo));
    let envelope = event.envelope();
    let installation = envelope.installation.as_ref();
    let (org, repos): (Option<(i64, &str)>, Vec<(i64, &str, Vec<Source>)>) = match event {
        Event::Installation(e) if matches!(envelope.action(), "created" | "new_permissions_accepted" | "unsuspend") => {
            let account = installation.and_then(|i| i.account.as_ref());
            let repos = e.repositories.iter().flatten().map(every_source).collect();
            (account.map(|a| (a.id, a.login.as_str())), repos)
        }
        Event::InstallationRepositories(e) if envelope.action() == "added" => {
            let account = installation.and_then(|i| i.account.as_ref());
            (account.map(|a| (a.id, a.login.as_str())), e.repositories_added.iter().map(every_source).collect())
        }
        Event::Push(e) if e.to_default_branch() => {
            let Some(repo) = &envelope.repository else { return Vec::new() };
            let touched: Vec<&str> = e.touched().collect();
            let mut sources = Vec::new();
            if touched.contains(&CONFIG_PATH) {
                sources.push(if is_org_repo(&repo.full_name) { Source::OrgConfig } else { Source::RepoConfig });
            }
            if touched.iter().any(|p| CODEOWNERS_PATHS.contains(p)) {
                sources.push(Source::Codeowners);
            }
            if touched.iter().any(|p| GUIDE_PATHS.iter().any(|(_, guide)| guide == p)) {
                sources.push(Source::ReleaseGuide);
            }
            if holds_maintainers(&repo.full_name)
                && maintainers.is_some_and(|(_, path)| touched.contains(&path.as_str()))
            {
                sources.push(Source::Maintainers);
            }
            (Some((repo.owner.id, repo.owner.login.as_str())), vec![(repo.id, repo.full_name.as_str(), sources)])
        }
        _ => return Vec::new(),
    };
    let Some((org_id, org_login)) = org else { return Vec::new() };
    let mut reads = Reads { org_id, installation: installation.map(|i| i.id), tag: delivery, out: Vec::new() };
    if matches!(event, Event::Installation(_)) {
        // Reading the org's config reads its `MAINTAINERS.yaml` next, from where that config says.
        reads.add(0, &format!("{org_login}/{ORG_REPO}"), Source::OrgConfig);
    }
    if let Event::InstallationRepositories(e) = event
        && let Some(added) = e.repositories_added.iter().find(|r| holds_maintainers(&r.full_name))
    {
        reads.add(added.id, &added.full_name, Source::Maintainers);
    }
    for (repo_id, full_name, sources) in repos {
        for source in sources {
            reads.add(repo_id, full_name, source);
        }
    }
    reads.finish()
}

/// The check runs a push calls for: one on the pushed commit of any branch when the push changed the
/// repository's config, so that a pull request shows whether the config it proposes is valid.
pub fn checks(event: &Event) -> Vec<Planned> {
    let Event::Push(e) = event else { return Vec::new() };
    let Some(repo) = &e.envelope.repository else { return Vec::new() };
    if !e.to_branch() || !e.touched().any(|p| p == CONFIG_PATH) {
        return Vec::new();
    }
    let source = if is_org_repo(&repo.full_name) { Source::OrgConfig } else { Source::RepoConfig };
    vec![Planned {
        key: format!("check:{}:{}", repo.full_name.to_lowercase(), e.after),
        org_id: repo.owner.id,
        installation_id: e.envelope.installation.as_ref().map(|i| i.id),
        repo_id: repo.id,
        repo: repo.full_name.clone(),
        issue: 0,
        action: Action::CheckConfig { source, sha: e.after.clone() },
    }]
}

/// Every read an installation calls for, keyed by `tag`: the org's config (and after it its
/// `MAINTAINERS.yaml`), and each repository's `CODEOWNERS` and override. `repos` are `(id, owner/name)`.
pub fn everything(org_id: i64, org_login: &str, installation: i64, repos: &[(i64, String)], tag: &str) -> Vec<Planned> {
    let mut reads = Reads { org_id, installation: Some(installation), tag, out: Vec::new() };
    reads.add(0, &format!("{org_login}/{ORG_REPO}"), Source::OrgConfig);
    for (id, full_name) in repos {
        for source in sources_of(full_name) {
            reads.add(*id, full_name, source);
        }
    }
    reads.finish()
}

/// Reads for one org, keyed by a tag (the delivery, or the day of a resync).
struct Reads<'a> {
    org_id: i64,
    installation: Option<i64>,
    tag: &'a str,
    out: Vec<Planned>,
}

impl Reads<'_> {
    fn add(&mut self, repo_id: i64, repo: &str, source: Source) {
        self.out.push(Planned {
            key: format!("fetch:{}:{}:{}", self.tag, source.as_str(), repo.to_lowercase()),
            org_id: self.org_id,
            installation_id: self.installation,
            repo_id,
            repo: repo.to_owned(),
            issue: 0,
            action: Action::Fetch { source },
        });
    }

    /// The reads, each once (the `.github` repository may be listed too: its config is read once).
    fn finish(mut self) -> Vec<Planned> {
        self.out.sort_by(|a, b| a.key.cmp(&b.key));
        self.out.dedup_by(|a, b| a.key == b.key);
        self.out
    }
}

/// Everything an added repository may hold: its `CODEOWNERS` and its override, or the org's config
/// when it is the `.github` repository.
fn every_source(repo: &RepositoryRef) -> (i64, &str, Vec<Source>) {
    (repo.id, repo.full_name.as_str(), sources_of(&repo.full_name))
}

fn sources_of(full_name: &str) -> Vec<Source> {
    let config = if is_org_repo(full_name) { Source::OrgConfig } else { Source::RepoConfig };
    vec![config, Source::Codeowners]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse;

    fn reads(event: &str, body: serde_json::Value) -> Vec<(String, &'static str)> {
        let event = parse(event, body.to_string().as_bytes()).unwrap();
        let planned = fetches(&event, "d1", &Ladder::builtin());
        planned
            .into_iter()
            .map(|p| match p.action {
                Action::Fetch { source } => (p.repo, source.as_str()),
                other => panic!("not a fetch: {other:?}"),
            })
            .collect()
    }

    fn push(repo: &str, git_ref: &str, touched: &[&str]) -> serde_json::Value {
        serde_json::json!({
            "ref": git_ref,
            "repository": {"id": 9, "name": repo.rsplit('/').next(), "full_name": repo,
                "owner": {"id": 1, "login": "asyncapi"}, "default_branch": "master"},
            "installation": {"id": 7},
            "commits": [{"added": [], "modified": touched, "removed": []}],
        })
    }

    #[test]
    fn installing_reads_the_org_config_and_every_repository() {
        let body = serde_json::json!({
            "action": "created",
            "installation": {"id": 7, "account": {"id": 1, "login": "asyncapi"}},
            "repositories": [{"id": 2, "full_name": "asyncapi/cli"}, {"id": 3, "full_name": "asyncapi/.github"}],
        });
        let expected = [
            ("asyncapi/.github", "codeowners"),
            ("asyncapi/cli", "codeowners"),
            ("asyncapi/.github", "org_config"),
            ("asyncapi/cli", "repo_config"),
        ];
        assert_eq!(reads("installation", body), expected.map(|(r, s)| (r.to_owned(), s)));
        let deleted = serde_json::json!({"action": "deleted", "installation": {"id": 7, "account": {"id": 1, "login": "asyncapi"}}});
        assert!(reads("installation", deleted).is_empty());
    }

    #[test]
    fn adding_repositories_reads_theirs() {
        let body = serde_json::json!({
            "action": "added",
            "installation": {"id": 7, "account": {"id": 1, "login": "asyncapi"}},
            "repositories_added": [{"id": 2, "full_name": "asyncapi/cli"}, {"id": 3, "full_name": "asyncapi/community"}],
            "repositories_removed": [],
        });
        let expected = [
            ("asyncapi/cli", "codeowners"),
            ("asyncapi/community", "codeowners"),
            ("asyncapi/community", "maintainers"),
            ("asyncapi/cli", "repo_config"),
            ("asyncapi/community", "repo_config"),
        ];
        assert_eq!(reads("installation_repositories", body), expected.map(|(r, s)| (r.to_owned(), s)));
    }

    #[test]
    fn a_push_reads_what_it_touched_on_the_default_branch_only() {
        let cases: [(&str, &str, &[&str], &[&str]); 11] = [
            ("asyncapi/community", "refs/heads/master", &["MAINTAINERS.yaml"], &["maintainers"]),
            ("asyncapi/cli", "refs/heads/master", &["MAINTAINERS.yaml"], &[]),
            ("asyncapi/.github", "refs/heads/master", &[".github/amp.yml"], &["org_config"]),
            ("asyncapi/cli", "refs/heads/master", &[".github/amp.yml"], &["repo_config"]),
            ("asyncapi/cli", "refs/heads/master", &["CODEOWNERS", "README.md"], &["codeowners"]),
            (
                "asyncapi/cli",
                "refs/heads/master",
                &["docs/CODEOWNERS", ".github/amp.yml"],
                &["codeowners", "repo_config"],
            ),
            ("asyncapi/cli", "refs/heads/feature", &["CODEOWNERS"], &[]),
            ("asyncapi/cli", "refs/heads/master", &["src/CODEOWNERS", "amp.yml"], &[]),
            ("asyncapi/cli", "refs/heads/master", &["RELEASING.md", "CODEOWNERS"], &["codeowners", "release_guide"]),
            ("asyncapi/cli", "refs/heads/master", &[".github/CONTRIBUTING.md"], &["release_guide"]),
            ("asyncapi/cli", "refs/heads/master", &["docs/RELEASING.md", "releasing.md"], &[]),
        ];
        for (repo, git_ref, touched, expected) in cases {
            let got: Vec<&str> = reads("push", push(repo, git_ref, touched)).into_iter().map(|(_, s)| s).collect();
            assert_eq!(got, expected, "{repo} {git_ref} {touched:?}");
        }
    }

    #[test]
    fn a_push_changing_a_config_on_any_branch_is_checked_once_per_commit() {
        let checked = |repo: &str, git_ref: &str, touched: &[&str]| {
            let mut body = push(repo, git_ref, touched);
            body["after"] = "abc123".into();
            let event = parse("push", body.to_string().as_bytes()).unwrap();
            checks(&event).into_iter().map(|p| (p.key, p.action)).collect::<Vec<_>>()
        };
        let check = |source, key: &str| (key.to_owned(), Action::CheckConfig { source, sha: "abc123".into() });
        assert_eq!(
            checked("asyncapi/.github", "refs/heads/edit", &[".github/amp.yml"]),
            [check(Source::OrgConfig, "check:asyncapi/.github:abc123")]
        );
        assert_eq!(
            checked("asyncapi/CLI", "refs/heads/master", &[".github/amp.yml"]),
            [check(Source::RepoConfig, "check:asyncapi/cli:abc123")]
        );
        assert!(checked("asyncapi/cli", "refs/heads/edit", &["CODEOWNERS"]).is_empty());
        assert!(checked("asyncapi/cli", "refs/tags/v1", &[".github/amp.yml"]).is_empty());
    }

    #[test]
    fn a_redelivery_plans_the_same_keys() {
        let event =
            parse("push", push("asyncapi/cli", "refs/heads/master", &["CODEOWNERS"]).to_string().as_bytes()).unwrap();
        let ladder = Ladder::builtin();
        assert_eq!(fetches(&event, "d1", &ladder), fetches(&event, "d1", &ladder));
        assert_eq!(fetches(&event, "d1", &ladder)[0].key, "fetch:d1:codeowners:asyncapi/cli");
    }
}
