//! What planning reads, as one narrow interface: the store's committed data about people, roles,
//! enrolments and commands, and the two answers planning asks GitHub for.
//!
//! Owns: the [`Reads`] trait, and [`Live`], its implementation over the store's [`People`],
//! [`Directory`] and [`Outbox`] handles and the [`GitHub`] client: it asks GitHub only with App
//! credentials and while the installation is not rate limited, and logs why an answer is missing. The planner's tests give it an in-memory
//! implementation, so the planning decisions are tried without a database.
//!
//! Never does: write, or decide what to do with an answer (the core does); it only says what GitHub
//! could not be asked or did not answer, as a [`Permission`] or an absent file list.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ladder_core::commands::permission::Permission;
use ladder_core::enrolment::Enrolment;
use ladder_core::ladder::{Facts, Ladder};
use ladder_core::plan::readiness::History;
use ladder_core::rate::Resource;
use ladder_core::report::Person;
use ladder_core::roles::Grant;
use ladder_core::signal::Kind;

use crate::github::{AppClient, GitHub, Verdict};
use crate::store::{Backfills, Directory, OpenWork, Outbox, People, Store, StoreError};
use ladder_core::next_steps::{Lookup, Need, Offer};

/// Everything planning looks up. Store reads fail with a [`StoreError`] (the delivery is tried
/// again); GitHub's answers never fail: what GitHub did not say is part of the answer.
pub trait Reads: Send + Sync {
    /// `login`'s enrolment in org `org_id`, ended or not.
    fn enrolment(&self, org_id: i64, login: &str)
    -> impl Future<Output = Result<Option<Enrolment>, StoreError>> + Send;
    /// The org's active enrolments.
    fn enrolled(&self, org_id: i64) -> impl Future<Output = Result<Vec<Enrolment>, StoreError>> + Send;
    /// The login as written by a person who opted out, if `login` did.
    fn opted_out(&self, login: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// The people the store knows under `login` (any case), newest first.
    fn people_by_login(&self, login: &str) -> impl Future<Output = Result<Vec<Person>, StoreError>> + Send;
    /// Whether person `person_id` has recorded signals in org `org_id`.
    fn has_signals(&self, org_id: i64, person_id: i64) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// A person's facts in an org, from the store's digests.
    fn facts_of(
        &self,
        org_id: i64,
        person_id: i64,
        ladder: &Ladder,
    ) -> impl Future<Output = Result<Facts, StoreError>> + Send;
    /// A person's roles in an org (from `CODEOWNERS` and `MAINTAINERS.yaml`).
    fn roles_of(&self, org: &str, login: &str, id: i64) -> impl Future<Output = Result<Vec<Grant>, StoreError>> + Send;
    /// The org's private repositories (id, name).
    fn private_repositories(&self, org_id: i64) -> impl Future<Output = Result<Vec<(i64, String)>, StoreError>> + Send;
    /// The keys of the commands of a comment read before, by any version of it.
    fn commands_read(
        &self,
        repo_id: i64,
        comment_id: i64,
    ) -> impl Future<Output = Result<BTreeSet<String>, StoreError>> + Send;
    /// How many commands that count towards the limit a minute a person had read since `since`.
    fn replies_since(
        &self,
        installation_id: i64,
        person_id: i64,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
    /// Whether the signal is recorded already (a redelivery).
    fn signal_recorded(&self, kind: Kind, identity: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// `login`'s permission on repository `repo` (`owner/name`), as far as GitHub can be asked.
    fn permission(
        &self,
        installation: Option<i64>,
        repo: &str,
        login: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Permission, StoreError>> + Send;
    /// The paths merged PR `number` changed, when GitHub can be asked and answers.
    fn pr_files(
        &self,
        installation: Option<i64>,
        repo: &str,
        number: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Vec<String>>, StoreError>> + Send;
    /// Whether the org's history is recorded, or its first backfill is still under way.
    fn history(&self, org: &str) -> impl Future<Output = Result<History, StoreError>> + Send;
    /// What the org's open work offers for each of `needs`.
    fn offers(
        &self,
        org_id: i64,
        needs: &[Need],
        lookup: Lookup<'_>,
    ) -> impl Future<Output = Result<BTreeMap<Need, Offer>, StoreError>> + Send;
    /// Where each of the org's repositories says how it makes releases (its page's address, by
    /// repository), as backfill last read it.
    fn release_guides(&self, org_id: i64) -> impl Future<Output = Result<BTreeMap<String, String>, StoreError>> + Send;
}

/// Planning's reads from the store and, with App credentials, from GitHub.
#[derive(Clone)]
pub struct Live {
    people: People,
    directory: Directory,
    /// Whether GitHub asked to wait for an installation.
    outbox: Outbox,
    /// Without an App (dry-run), GitHub is never asked.
    github: AppClient,
    /// Whether an org's first backfill has finished.
    backfills: Backfills,
    open_work: OpenWork,
}

impl Live {
    pub fn new(store: &Store, github: AppClient) -> Live {
        let backfills = store.backfills();
        Live {
            people: store.people(),
            directory: store.directory(),
            outbox: store.outbox(),
            github,
            backfills,
            open_work: store.open_work(),
        }
    }

    /// Whether GitHub can be asked about `installation` now.
    async fn asking(&self, installation: Option<i64>, now: DateTime<Utc>) -> Result<Asking, StoreError> {
        let (Some(github), Some(installation)) = (self.github.get(), installation) else { return Ok(Asking::NoClient) };
        if self.outbox.held_until(installation, Resource::Core, now).await?.is_some() {
            return Ok(Asking::Held);
        }
        Ok(Asking::Ask(github, installation))
    }
}

/// Whether GitHub can be asked.
enum Asking {
    /// Dry-run (no App credentials), or an event without an installation.
    NoClient,
    /// GitHub asked to wait for this installation.
    Held,
    Ask(Arc<GitHub>, i64),
}

impl Reads for Live {
    /// Pending while the org's first backfill runs, and, when `serve` backfills (App credentials),
    /// before it begins for an org it will backfill (one with an active installation).
    async fn history(&self, org: &str) -> Result<History, StoreError> {
        let pending = match self.backfills.history(org).await? {
            Some(finished) => !finished,
            None => self.github.get().is_some() && self.directory.installed(org).await?,
        };
        Ok(if pending { History::Pending } else { History::Recorded })
    }

    async fn enrolment(&self, org_id: i64, login: &str) -> Result<Option<Enrolment>, StoreError> {
        self.people.enrolment(org_id, login).await
    }

    async fn offers(
        &self,
        org_id: i64,
        needs: &[Need],
        lookup: Lookup<'_>,
    ) -> Result<BTreeMap<Need, Offer>, StoreError> {
        self.open_work.offers(org_id, needs, lookup).await
    }

    async fn release_guides(&self, org_id: i64) -> Result<BTreeMap<String, String>, StoreError> {
        self.backfills.release_guides(org_id).await
    }

    async fn enrolled(&self, org_id: i64) -> Result<Vec<Enrolment>, StoreError> {
        self.people.enrolled(org_id).await
    }

    async fn opted_out(&self, login: &str) -> Result<Option<String>, StoreError> {
        Ok(self.people.opted_out(login).await?.map(|(_, login)| login))
    }

    async fn people_by_login(&self, login: &str) -> Result<Vec<Person>, StoreError> {
        self.people.people_by_login(login).await
    }

    async fn has_signals(&self, org_id: i64, person_id: i64) -> Result<bool, StoreError> {
        self.people.has_signals(org_id, person_id).await
    }

    async fn facts_of(&self, org_id: i64, person_id: i64, ladder: &Ladder) -> Result<Facts, StoreError> {
        self.people.facts_of(org_id, person_id, ladder).await
    }

    async fn roles_of(&self, org: &str, login: &str, id: i64) -> Result<Vec<Grant>, StoreError> {
        self.directory.roles_of(org, login, id).await
    }

    async fn private_repositories(&self, org_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        self.directory.private_repositories(org_id).await
    }

    async fn commands_read(&self, repo_id: i64, comment_id: i64) -> Result<BTreeSet<String>, StoreError> {
        self.people.commands_read(repo_id, comment_id).await
    }

    async fn replies_since(
        &self,
        installation_id: i64,
        person_id: i64,
        since: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.people.replies_since(installation_id, person_id, since).await
    }

    async fn signal_recorded(&self, kind: Kind, identity: &str) -> Result<bool, StoreError> {
        self.people.signal_recorded(kind, identity).await
    }

    /// Not asked in dry-run (`NotAsked`: the config and `CODEOWNERS` decide) nor while the
    /// installation is held (`Unanswered`: the commenter is asked to try again); when GitHub refuses
    /// to say (the App lacks a permission), the config and `CODEOWNERS` decide, and the log says to
    /// check the App.
    async fn permission(
        &self,
        installation: Option<i64>,
        repo: &str,
        login: &str,
        now: DateTime<Utc>,
    ) -> Result<Permission, StoreError> {
        let (github, installation) = match self.asking(installation, now).await? {
            Asking::NoClient => return Ok(Permission::NotAsked),
            Asking::Held => {
                tracing::warn!(repo, login, "the installation is rate limited: a permission not asked");
                return Ok(Permission::Unanswered);
            }
            Asking::Ask(github, installation) => (github, installation),
        };
        Ok(match github.permission(installation, repo, login).await {
            Ok(permission) => Permission::Known(permission),
            Err(Verdict::Final { why, .. }) => {
                tracing::error!(
                    repo,
                    login,
                    why,
                    "GitHub refused to tell a repository permission; check the App's permissions"
                );
                Permission::NotAsked
            }
            Err(why) => {
                tracing::warn!(repo, login, ?why, "could not read a repository permission");
                Permission::Unanswered
            }
        })
    }

    /// If asking fails, the log says why and the PR is judged without its files.
    async fn pr_files(
        &self,
        installation: Option<i64>,
        repo: &str,
        number: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let (github, installation) = match self.asking(installation, now).await? {
            Asking::NoClient => return Ok(None),
            Asking::Held => {
                tracing::warn!(repo, number, "the installation is rate limited: a merged PR judged without its files");
                return Ok(None);
            }
            Asking::Ask(github, installation) => (github, installation),
        };
        Ok(match github.pr_files(installation, repo, number).await {
            Ok(paths) => Some(paths),
            Err(why) => {
                tracing::warn!(repo, number, ?why, "could not read a merged PR's files; judged without them");
                None
            }
        })
    }
}
