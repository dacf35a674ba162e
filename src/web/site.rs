//! What every page and API route shares: the [`Site`] (store, growth snapshots, ladders, admins), who
//! a request speaks for, and the lookups of an org and a person that answer 404 alike for what does
//! not exist and what may not be shown.
//!
//! Owns: [`Site`], [`Failure`] (why a request cannot be answered, whatever renders it), and the
//! lookups pages and the API share: [`Site::viewer`] and [`Site::admin`], [`Site::org`],
//! [`Site::person`] and their [`Site::standing`], a program's [`Site::program`].
//!
//! Never does: render (pages and the API do) or decide what a scope shows (the core does).

use std::sync::Arc;

use axum::http::HeaderMap;

use super::admin::{self, Admin};
use crate::pipeline::growth::Grower;
use crate::pipeline::ladders::Ladders;
use crate::pipeline::views::{self, ProgramView};
use crate::store::{Store, StoreError};
use chrono::Utc;
use ladder_core::growth::snapshot::Standing;
use ladder_core::ladder::Ladder;
use ladder_core::report::Person;
use ladder_core::signal::Org;
use ladder_core::visibility::Scope;

/// The pages' and the API's shared state.
#[derive(Clone)]
pub struct Site {
    pub store: Store,
    pub grower: Arc<Grower>,
    pub ladders: Arc<Ladders>,
    pub admin: Arc<Admin>,
}

/// Why a request cannot be answered.
#[derive(Debug)]
pub enum Failure {
    /// No such org or person, or one the viewer may not see: the same answer for both.
    NotFound(String),
    /// Admins only.
    AdminOnly,
    /// A wrong admin token, or too many of them.
    Refused(admin::Verdict),
    /// A request that does not read (a parameter out of range).
    BadRequest(String),
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl Site {
    /// Who the request speaks for.
    pub async fn viewer(&self, headers: &HeaderMap) -> Result<Scope, Failure> {
        self.admin.scope(headers).await?.map_err(Failure::Refused)
    }

    /// Nothing when the request speaks for an admin; [`Failure::AdminOnly`] otherwise.
    pub async fn admin(&self, headers: &HeaderMap) -> Result<(), Failure> {
        match self.viewer(headers).await? {
            Scope::All => Ok(()),
            Scope::Public => Err(Failure::AdminOnly),
        }
    }

    /// The org named `login` (any case).
    pub async fn org(&self, login: &str) -> Result<Org, Failure> {
        let orgs = self.store.directory().orgs().await?;
        orgs.into_iter()
            .find(|o| o.login.eq_ignore_ascii_case(login))
            .ok_or_else(|| Failure::NotFound(format!("No activity is recorded for an org named {login}.")))
    }

    /// The ladder in force for `org`.
    pub async fn ladder(&self, org: &Org) -> Result<Arc<Ladder>, Failure> {
        Ok(self.ladders.book().await?.org(org.id))
    }

    /// The person named `login` in `org`, when `scope` may see them: someone who opted out, has no
    /// activity there, or (for the public) none in a public repository, is not found, alike.
    pub async fn person(&self, org: &Org, login: &str, scope: Scope) -> Result<Person, Failure> {
        let login = login.trim_start_matches('@');
        let missing = || Failure::NotFound(format!("No activity is recorded for @{login} in {}.", org.login));
        if self.store.people().opted_out(login).await?.is_some() {
            return Err(missing());
        }
        for person in self.store.people().people_by_login(login).await? {
            if self.store.people().has_signals_in(org.id, person.id, scope).await? {
                return Ok(person);
            }
        }
        Err(missing())
    }

    /// `person`'s standing in the org's growth snapshot for `scope` (kept fresh): their months.
    pub async fn standing(&self, org: &Org, person: &Person, scope: Scope) -> Result<Option<Standing>, Failure> {
        self.grower.ensure(org, scope, Utc::now()).await?;
        Ok(self.store.growth().standing(org.id, scope, &person.login).await?)
    }

    /// The program as admins see it: of one cohort (not found when the ladder has no such cohort and
    /// no one is enrolled in it), or of everyone enrolled now.
    pub async fn program(&self, org: &Org, ladder: &Ladder, cohort: Option<&str>) -> Result<ProgramView, Failure> {
        self.grower.ensure(org, Scope::All, Utc::now()).await?;
        let view = views::program(&self.store, org, ladder, cohort, Utc::now()).await?;
        match cohort {
            Some(name) if ladder.cohort(name).is_none() && view.mentees.is_empty() => {
                Err(Failure::NotFound(format!("No cohort named {name} in {}.", org.login)))
            }
            _ => Ok(view),
        }
    }
}
