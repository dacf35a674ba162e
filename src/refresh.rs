//! Refresh: reads a config or `CODEOWNERS` from GitHub and keeps what is valid.
//!
//! Owns: carrying out a planned [`Action::Fetch`]. A valid config replaces the saved one; an invalid
//! one is refused (the last good config stays in force), logged, and reported once per revision in an
//! issue in the repository that holds it (planned in the outbox, so it is sent like any other action).
//! A removed config is forgotten. `CODEOWNERS` replaces the roles the repository's previous one granted.
//!
//! Never does: decide when to read (see [`crate::sources`]), or validate (see [`crate::ladder::config`]).

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::action::{Action, Planned};
use crate::github::{GitHub, Verdict};
use crate::ladder::config;
use crate::ladders::Ladders;
use crate::reply;
use crate::roles;
use crate::sources::{CONFIG_PATH, Source};
use crate::store::roles::Source as RolesSource;
use crate::store::{Store, StoreError};

/// Reads `source` from the repository `planned` names and stores it. Returns what happened, for the
/// outbox.
pub async fn fetch(
    github: &GitHub,
    store: &Store,
    ladders: &Ladders,
    planned: &Planned,
    source: Source,
) -> Result<String, Verdict> {
    let installation = planned
        .installation_id
        .ok_or_else(|| Verdict::Final("the delivery named no installation, so the app cannot read files".to_owned()))?;
    let mut found = None;
    for path in source.paths() {
        if let Some(text) = github.file(installation, &planned.repo, path).await? {
            found = Some((*path, text));
            break;
        }
    }
    let stored = match source {
        Source::OrgConfig => config_file(store, planned, "", found).await,
        Source::RepoConfig => config_file(store, planned, &planned.repo, found).await,
        Source::Codeowners => codeowners(store, ladders, planned, found).await,
    };
    stored.map_err(|e| Verdict::Transient(format!("storing what was read: {e}")))
}

/// The first characters of a text's SHA-256: which revision of a file it is.
pub fn revision(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

async fn config_file(
    store: &Store,
    planned: &Planned,
    scope: &str,
    found: Option<(&str, String)>,
) -> Result<String, StoreError> {
    let Some((_, text)) = found else {
        store.drop_config(planned.org_id, scope).await?;
        tracing::info!(repo = %planned.repo, "no ladder config in the repository; the defaults apply");
        return Ok("no config".to_owned());
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
            store.save_config(planned.org_id, scope, &text, &revision, Utc::now()).await?;
            tracing::info!(repo = %planned.repo, %revision, "ladder config read and in force");
            Ok(format!("config revision {revision} in force"))
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
            let new = !store.enqueue(&[issue], Utc::now()).await?.is_empty();
            let reported = if new { "an issue reports it" } else { "already reported" };
            Ok(format!(
                "config revision {revision} is invalid ({} problems; {reported}); the last good one stays",
                errors.0.len()
            ))
        }
    }
}

async fn codeowners(
    store: &Store,
    ladders: &Ladders,
    planned: &Planned,
    found: Option<(&str, String)>,
) -> Result<String, StoreError> {
    let (org, name) = planned.repo.split_once('/').unwrap_or((&planned.repo, ""));
    let bots = ladders.book(store).await?.org(planned.org_id).bots.clone();
    let grants = found.as_ref().map(|(_, text)| roles::parse_codeowners(name, text, &bots)).unwrap_or_default();
    store.replace_roles(org, RolesSource::Codeowners, Some(name), &grants).await?;
    let detail = match found {
        Some((path, _)) => format!("{path}: {} roles", grants.len()),
        None => "no CODEOWNERS".to_owned(),
    };
    tracing::info!(repo = %planned.repo, detail, "roles read from CODEOWNERS");
    Ok(detail)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_revision_names_the_text() {
        assert_eq!(super::revision(""), "e3b0c44298fc");
        assert_ne!(super::revision("a"), super::revision("b"));
    }
}
