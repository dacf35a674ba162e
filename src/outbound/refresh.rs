//! Refresh: reads a config or `CODEOWNERS` from GitHub and keeps what is valid, and checks configs
//! pushed to branches.
//!
//! Owns: carrying out a planned [`Action::Fetch`] and [`Action::CheckConfig`] (a check run on the
//! pushed commit; nothing stored). A valid config replaces the saved one; an invalid
//! one is refused (the last good config stays in force), logged, and reported once per revision in an
//! issue in the repository that holds it (planned in the outbox, so it is sent like any other action).
//! A removed config is forgotten. Once the org's config is known, its `MAINTAINERS.yaml` is read next
//! from where that config says. `CODEOWNERS` and `MAINTAINERS.yaml` replace the roles their previous
//! versions granted. A release guide is kept by its path alone (next steps link it).
//!
//! Never does: decide when to read (see [`ladder_core::plan::sources`]), or validate (see [`ladder_core::ladder::config`]).

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::github::{GitHub, Verdict};
use crate::pipeline::ladders::Ladders;
use crate::store::roles::Source as RolesSource;
use crate::store::{Backfills, Configs, Directory, Outbox, Store, StoreError};
use ladder_core::ladder::{Ladder, config};
use ladder_core::plan::action::Source;
use ladder_core::plan::action::{Action, Planned};
use ladder_core::plan::sources::{self, CONFIG_PATH};
use ladder_core::repo_name::RepoName;
use ladder_core::roles;
use ladder_core::text::reply::{self, Checked};

/// Where what refresh reads is kept: the configs, the roles they grant, the outbox (for the read a
/// config leads to next, and the issue about a bad one), and the release guides.
#[derive(Debug, Clone)]
pub struct Keep {
    pub configs: Configs,
    pub directory: Directory,
    pub outbox: Outbox,
    pub guides: Backfills,
}

impl Keep {
    pub fn new(store: &Store) -> Keep {
        Keep {
            configs: store.configs(),
            directory: store.directory(),
            outbox: store.outbox(),
            guides: store.backfills(),
        }
    }
}

/// Reads `source` from the repository `planned` names and stores it. Returns what happened, for the
/// outbox.
pub async fn fetch(
    github: &GitHub,
    keep: &Keep,
    ladders: &Ladders,
    planned: &Planned,
    source: Source,
) -> Result<String, Verdict> {
    let installation = planned
        .installation_id
        .ok_or_else(|| Verdict::refused("the delivery named no installation, so the app cannot read files"))?;
    let transient = |e: StoreError| Verdict::Transient(format!("storing what was read: {e}"));
    let ladder = ladders.book().await.map_err(transient)?.org(planned.org_id);
    let mut found = None;
    for path in sources::paths(source, &ladder) {
        if let Some(text) = github.file(installation, &planned.repo, path, None).await? {
            found = Some((path, text));
            break;
        }
    }
    let stored = match source {
        Source::OrgConfig => match config_file(keep, planned, "", found).await {
            Ok((detail, true)) => read_maintainers_next(keep, ladders, planned).await.map(|()| detail),
            other => other.map(|(detail, _)| detail),
        },
        Source::RepoConfig => config_file(keep, planned, &planned.repo, found).await.map(|(detail, _)| detail),
        Source::Codeowners => codeowners(keep, &ladder, planned, found).await,
        Source::Maintainers => maintainers(keep, planned, found).await,
        Source::ReleaseGuide => release_guide(keep, planned, found.map(|(path, _)| path)).await,
    };
    stored.map_err(transient)
}

/// The name of the check run that says whether a pushed config is valid.
pub const CHECK_NAME: &str = "ladder config";

/// Validates the config `source` at commit `sha` of the repository `planned` names, and reports it as a
/// check run on that commit. Nothing is stored: the config takes effect once it is on the default
/// branch.
/// After an ambiguous failure (`look_first`), a check run already reported under this action's tag
/// is found instead of reported twice.
pub async fn check(
    github: &GitHub,
    planned: &Planned,
    source: Source,
    sha: &str,
    look_first: bool,
) -> Result<String, Verdict> {
    let installation = planned
        .installation_id
        .ok_or_else(|| Verdict::refused("the delivery named no installation, so the app cannot read files"))?;
    let external_id = planned.tag_id();
    if look_first
        && let Some(id) = github.find_check_run(installation, &planned.repo, (CHECK_NAME, sha), &external_id).await?
    {
        return Ok(format!("check run {id} (an earlier attempt had reported it)"));
    }
    let text = github.file(installation, &planned.repo, CONFIG_PATH, Some(sha)).await?;
    let file = format!("{}/{CONFIG_PATH}", planned.repo);
    let report = match text {
        None => reply::config_check(Checked::Missing),
        Some(text) if source == Source::RepoConfig => match config::parse_override(&file, &text) {
            Ok(_) => reply::config_check(Checked::Valid { levels: None }),
            Err(errors) => reply::config_check(Checked::Invalid(&errors)),
        },
        Some(text) => match config::parse(&file, &text) {
            Ok(ladder) => {
                let ids: Vec<String> = ladder.levels.iter().map(|l| l.id.clone()).collect();
                reply::config_check(Checked::Valid { levels: Some(&ids) })
            }
            Err(errors) => reply::config_check(Checked::Invalid(&errors)),
        },
    };
    let id =
        github.check_run(installation, &planned.repo, (CHECK_NAME, sha, CONFIG_PATH), &external_id, &report).await?;
    Ok(format!("check run {id}: {}", report.conclusion))
}

/// Plans reading the org's `MAINTAINERS.yaml` from where the config now in force says, if it says.
async fn read_maintainers_next(keep: &Keep, ladders: &Ladders, planned: &Planned) -> Result<(), StoreError> {
    let ladder = ladders.book().await?.org(planned.org_id);
    let Some((repo, _)) = &ladder.maintainers_file else { return Ok(()) };
    let org = RepoName::parse(&planned.repo).owner;
    let next = Planned {
        key: format!("{}:then:maintainers", planned.key),
        repo_id: 0,
        repo: format!("{org}/{repo}"),
        action: Action::Fetch { source: Source::Maintainers },
        ..planned.clone()
    };
    keep.outbox.enqueue(&[next], Utc::now()).await.map(drop)
}

/// The first characters of a text's SHA-256: which revision of a file it is.
pub fn revision(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Reads a config into the store. Returns what happened, and whether the config in force is now the
/// one read (or, for none, the defaults) rather than the last good one.
async fn config_file(
    keep: &Keep,
    planned: &Planned,
    scope: &str,
    found: Option<(&str, String)>,
) -> Result<(String, bool), StoreError> {
    let Some((_, text)) = found else {
        keep.configs.drop_config(planned.org_id, scope).await?;
        tracing::info!(repo = %planned.repo, "no ladder config in the repository; the defaults apply");
        return Ok(("no config".to_owned(), true));
    };
    let revision = revision(&text);
    let file = format!("{}/{CONFIG_PATH}", planned.repo);
    let checked = if scope.is_empty() {
        config::parse(&file, &text).map(drop)
    } else {
        config::parse_override(&file, &text).map(drop)
    };
    match checked {
        Ok(()) => {
            keep.configs.save_config(planned.org_id, scope, &text, &revision, Utc::now()).await?;
            tracing::info!(repo = %planned.repo, %revision, "ladder config read and in force");
            Ok((format!("config revision {revision} in force"), true))
        }
        Err(errors) => {
            tracing::error!(repo = %planned.repo, %revision, %errors, "the ladder config is invalid; the last good one stays in force");
            let (title, body) = reply::bad_config(CONFIG_PATH, &revision, &errors);
            let issue = Planned {
                key: format!("config-error:{}:{}:{revision}", planned.org_id, planned.repo.to_lowercase()),
                issue: 0,
                action: Action::CreateIssue { title, body },
                ..planned.clone()
            };
            let new = !keep.outbox.enqueue(&[issue.fitted()], Utc::now()).await?.is_empty();
            let reported = if new { "an issue reports it" } else { "already reported" };
            let detail = format!(
                "config revision {revision} is invalid ({} problems; {reported}); the last good one stays",
                errors.0.len()
            );
            Ok((detail, false))
        }
    }
}

async fn codeowners(
    keep: &Keep,
    ladder: &Ladder,
    planned: &Planned,
    found: Option<(&str, String)>,
) -> Result<String, StoreError> {
    let RepoName { owner: org, name } = RepoName::parse(&planned.repo);
    let grants = found.as_ref().map(|(_, text)| roles::parse_codeowners(name, text, &ladder.bots)).unwrap_or_default();
    keep.directory.replace_roles(org, RolesSource::Codeowners, Some(name), &grants).await?;
    let detail = match found {
        Some((path, _)) => format!("{path}: {} roles", grants.len()),
        None => "no CODEOWNERS".to_owned(),
    };
    tracing::info!(repo = %planned.repo, detail, "roles read from CODEOWNERS");
    Ok(detail)
}

async fn release_guide(keep: &Keep, planned: &Planned, path: Option<&str>) -> Result<String, StoreError> {
    keep.guides.set_release_guide(planned.repo_id, path).await?;
    tracing::info!(repo = %planned.repo, path, "release guide read");
    Ok(path.map_or_else(|| "no release guide".to_owned(), |p| format!("release guide {p}")))
}

/// The org's `MAINTAINERS.yaml` replaces the roles the previous one granted. A missing or unreadable
/// one changes nothing (another bot of the org writes it; the log says what is wrong).
async fn maintainers(keep: &Keep, planned: &Planned, found: Option<(&str, String)>) -> Result<String, StoreError> {
    let Some((path, text)) = found else {
        tracing::info!(repo = %planned.repo, "no MAINTAINERS.yaml where the ladder says; roles unchanged");
        return Ok("no MAINTAINERS.yaml".to_owned());
    };
    let file = format!("{}/{path}", planned.repo);
    match roles::parse_maintainers(&file, &text) {
        Ok(grants) => {
            let org = RepoName::parse(&planned.repo).owner;
            keep.directory.replace_roles(org, RolesSource::Maintainers, None, &grants).await?;
            tracing::info!(repo = %planned.repo, roles = grants.len(), "roles read from MAINTAINERS.yaml");
            Ok(format!("{path}: {} roles", grants.len()))
        }
        Err(errors) => {
            tracing::error!(%file, %errors, "MAINTAINERS.yaml cannot be read; the roles it granted before stay");
            Ok(format!("{path} is invalid; roles unchanged"))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_revision_names_the_text() {
        assert_eq!(super::revision(""), "e3b0c44298fc");
        assert_ne!(super::revision("a"), super::revision("b"));
    }
}
