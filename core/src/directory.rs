//! The directory: which installations, organizations and repositories the app knows, with each
//! repository's visibility.
//!
//! Owns: [`changes`], which reads from one event what it says about installations and repositories.
//! Every event that names a repository teaches us that repository (and its installation, when the
//! payload has one), so a database created after the App was installed fills itself in.
//!
//! Never does: I/O.

use crate::event::{Account, Event, RepositoryRef};
use crate::signal::Org;

/// Whether an installation is usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallationState {
    Active,
    Suspended,
    Deleted,
}

impl InstallationState {
    pub fn as_str(self) -> &'static str {
        match self {
            InstallationState::Active => "active",
            InstallationState::Suspended => "suspended",
            InstallationState::Deleted => "deleted",
        }
    }
}

/// What one event says about the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An installation and the account it is installed on (known only from installation events).
    Installation {
        id: i64,
        account: Org,
        state: InstallationState,
    },
    /// The installation a repository was seen through; the installation's account is not in the payload.
    InstallationSeen {
        id: i64,
    },
    Repository {
        id: i64,
        owner: Org,
        full_name: String,
        private: bool,
        installation_id: Option<i64>,
        removed: bool,
    },
}

fn org(account: &Account) -> Org {
    Org { id: account.id, login: account.login.clone() }
}

/// A repository listed by an installation event, owned by the installation's account.
fn repo_change(r: &RepositoryRef, owner: &Org, installation_id: i64, removed: bool) -> Change {
    Change::Repository {
        id: r.id,
        owner: owner.clone(),
        full_name: r.full_name.clone(),
        private: r.private,
        installation_id: Some(installation_id),
        removed,
    }
}

/// The directory changes `event` reports.
pub fn changes(event: &Event) -> Vec<Change> {
    let envelope = event.envelope();
    let installation = envelope.installation.as_ref();
    let mut out = Vec::new();
    match event {
        Event::Installation(e) => {
            let Some((inst, account)) = installation.and_then(|i| Some((i, i.account.as_ref()?))) else {
                return out;
            };
            let owner = org(account);
            let state = match envelope.action() {
                "deleted" => InstallationState::Deleted,
                "suspend" => InstallationState::Suspended,
                _ => InstallationState::Active,
            };
            out.push(Change::Installation { id: inst.id, account: owner.clone(), state });
            let removed = state == InstallationState::Deleted;
            for r in e.repositories.iter().flatten() {
                out.push(repo_change(r, &owner, inst.id, removed));
            }
        }
        Event::InstallationRepositories(e) => {
            let Some((inst, account)) = installation.and_then(|i| Some((i, i.account.as_ref()?))) else {
                return out;
            };
            let owner = org(account);
            out.push(Change::Installation { id: inst.id, account: owner.clone(), state: InstallationState::Active });
            out.extend(e.repositories_added.iter().map(|r| repo_change(r, &owner, inst.id, false)));
            out.extend(e.repositories_removed.iter().map(|r| repo_change(r, &owner, inst.id, true)));
        }
        _ => {
            if let Some(inst) = installation {
                out.push(Change::InstallationSeen { id: inst.id });
            }
            if let Some(repo) = &envelope.repository {
                let deleted = matches!(event, Event::Repository(_)) && envelope.action() == "deleted";
                out.push(Change::Repository {
                    id: repo.id,
                    owner: org(&repo.owner),
                    full_name: repo.full_name.clone(),
                    private: repo.is_private(),
                    installation_id: installation.map(|i| i.id),
                    removed: deleted,
                });
            }
        }
    }
    out
}

/// Folds the changes of several events, in order, into one change per installation and repository:
/// the last word about each wins, and a mere sighting of an installation adds nothing to a full record.
pub fn merge(changes: impl IntoIterator<Item = Change>) -> Vec<Change> {
    use std::collections::BTreeMap;
    let mut installations: BTreeMap<i64, Change> = BTreeMap::new();
    let mut repositories: BTreeMap<i64, Change> = BTreeMap::new();
    for change in changes {
        match &change {
            Change::Installation { id, .. } => {
                installations.insert(*id, change);
            }
            Change::InstallationSeen { id } => {
                installations.entry(*id).or_insert(change);
            }
            Change::Repository { id, installation_id, .. } => {
                // Keep a known installation when a later sighting of the repository lacks one.
                let earlier = repositories.get(id).and_then(|c| match c {
                    Change::Repository { installation_id, .. } => *installation_id,
                    _ => None,
                });
                let mut change = change.clone();
                if installation_id.is_none()
                    && let Change::Repository { installation_id, .. } = &mut change
                {
                    *installation_id = earlier;
                }
                repositories.insert(*id, change);
            }
        }
    }
    installations.into_values().chain(repositories.into_values()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Org {
        Org { id: 1, login: "asyncapi".into() }
    }

    fn repo(id: i64, private: bool, installation_id: Option<i64>) -> Change {
        Change::Repository {
            id,
            owner: org(),
            full_name: format!("asyncapi/r{id}"),
            private,
            installation_id,
            removed: false,
        }
    }

    #[test]
    fn merging_keeps_the_last_word_about_each_thing() {
        let installed = Change::Installation { id: 7, account: org(), state: InstallationState::Active };
        let suspended = Change::Installation { id: 7, account: org(), state: InstallationState::Suspended };
        let merged = merge([
            Change::InstallationSeen { id: 7 },
            installed,
            repo(10, false, Some(7)),
            Change::InstallationSeen { id: 7 },
            repo(10, true, None),
            repo(11, false, None),
            suspended.clone(),
        ]);
        assert_eq!(merged, vec![suspended, repo(10, true, Some(7)), repo(11, false, None)]);
    }

    #[test]
    fn installation_events_list_their_repositories() {
        let body = include_bytes!("../../tests/fixtures/webhooks/installation_repositories/removed.json");
        let event = crate::event::parse("installation_repositories", body).unwrap();
        let changes = changes(&event);
        assert!(
            matches!(&changes[0], Change::Installation { id: 2, state: InstallationState::Active, .. }),
            "{changes:?}"
        );
        assert!(matches!(&changes[1], Change::Repository { id: 1296269, removed: true, .. }), "{changes:?}");
        assert_eq!(changes.len(), 2);
    }
}
