//! Planning: what the app will do on GitHub about one delivery, from what the store knows.
//!
//! Owns: the lookups that replies, readiness comments, labels and level-ups need (a person's report,
//! enrolment, the commenter's standing, which private repositories to hide) and the calls to the pure
//! deciders ([`crate::answer`], [`crate::readiness`]) with them. Lookups read committed data, so a
//! status reflects the deliveries before the current batch; [`Batch`] carries what the batch itself
//! has shown so far (merges not yet recorded).
//!
//! Never does: decide (the pure modules do), write to the store, or send.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::action::{Action, Effect, Planned};
use crate::answer::{self, Context, Lookups, Person, Read, ReadBefore, Request};
use crate::github::{GitHub, Verdict};
use crate::ladder::{Facts, Ladder};
use crate::permission::{Permission, Standing};
use crate::readiness::{self, PrView};
use crate::repo_name::RepoName;
use crate::roles::{Grant, Role};
use crate::signal::{Kind, Org, Repo, Signal};
use crate::status::Report;
use crate::store::signals::Person as PersonRow;
use crate::store::{Store, StoreError};

/// Planned replies, the changes their commands make (with each reply's key), and the commands read.
#[derive(Debug, Default)]
pub struct Answers {
    pub replies: Vec<Planned>,
    pub effects: Vec<(String, Effect)>,
    pub reads: Vec<Read>,
}

/// What one worker batch has shown so far that the store does not hold yet.
#[derive(Debug, Default)]
pub struct Batch {
    /// Merges already looked at: not recorded yet, but counted towards later level-ups.
    merges: Vec<Signal>,
    /// Commands read by earlier deliveries of the batch.
    reads: Vec<Read>,
}

impl Batch {
    /// Counts the commands a delivery read, once its planning succeeded.
    pub fn read(&mut self, reads: &[Read]) {
        self.reads.extend(reads.iter().cloned());
    }
}

/// Plans actions for deliveries; one per worker.
pub struct Planner {
    store: Store,
    /// Asked for commenters' repository permissions; `None` in dry-run.
    github: Option<Arc<GitHub>>,
    /// How long raw deliveries are kept (an opt-out's reply says when erasure completes).
    retention_days: u32,
}

impl Planner {
    pub fn new(store: Store, github: Option<Arc<GitHub>>, retention_days: u32) -> Planner {
        Planner { store, github, retention_days }
    }

    /// Plans the replies to the commands of one comment, looking up what they need: first which of
    /// them to read at all ([`answer::admit`]). The lookups read committed data, so a status reflects the
    /// deliveries before this batch; `batch` adds the commands its earlier deliveries read.
    pub async fn answer(
        &self,
        requests: Vec<Request>,
        ladder: &Ladder,
        batch: &mut Batch,
        now: DateTime<Utc>,
    ) -> Result<Answers, StoreError> {
        let Some(first) = requests.first().cloned() else { return Ok(Answers::default()) };
        let before = self.read_before(&first, batch, now).await?;
        let admitted = answer::admit(requests, &before);
        let prefix = &ladder.command_prefix;
        let mut answers = Answers::default();
        if admitted.past_comment_limit {
            answers.replies.push(first.past_comment_limit(prefix));
        }
        if admitted.past_rate_limit {
            answers.replies.push(first.past_rate_limit(prefix, now));
        }
        let ctx = Context { ladder, retention_days: self.retention_days, now };
        let (mut planned, mut effects) = (Vec::new(), Vec::new());
        for request in &admitted.requests {
            let known = self.look_up(request, ladder, &effects, now).await?;
            if let Some(answer) = answer::reply(&ctx, request, &known) {
                let reply = request.planned(answer.body);
                effects.extend(answer.effect.map(|e| (reply.key.clone(), e)));
                if let Some((title, body)) = answer.issue {
                    let action = Action::CreateIssue { title, body };
                    planned.push(Planned { key: format!("{}:issue", reply.key), action, ..reply.clone() });
                }
                planned.push(reply);
            }
        }
        answers.reads = admitted.requests.iter().map(Request::read).collect();
        answers.replies.splice(0..0, planned);
        answers.effects = effects;
        Ok(answers)
    }

    /// Which commands of `request`'s comment were read before, and how many replies its author got in
    /// the last minute, in the store and in this batch.
    async fn read_before(
        &self,
        request: &Request,
        batch: &Batch,
        now: DateTime<Utc>,
    ) -> Result<ReadBefore, StoreError> {
        let read = request.read();
        let mut keys = self.store.commands_read(read.repo_id, read.comment_id).await?;
        let since = now - chrono::Duration::minutes(1);
        let mut replies = self.store.replies_since(read.installation_id, read.person_id, since).await?;
        for earlier in &batch.reads {
            if (earlier.repo_id, earlier.comment_id) == (read.repo_id, read.comment_id) {
                keys.insert(earlier.key.clone());
            }
            replies +=
                usize::from((earlier.installation_id, earlier.person_id) == (read.installation_id, read.person_id));
        }
        Ok(ReadBefore { keys, replies_last_minute: replies })
    }

    /// The readiness comment and labels for a pull request, from its author's enrolment and standing.
    pub async fn readiness(
        &self,
        pr: &PrView,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Vec<Planned>, StoreError> {
        let enrolled = self.store.enrolment(pr.org.id, &pr.author.login).await?.is_some_and(|e| e.is_active());
        let report = match self.person_in(&pr.org, &pr.author.login, ladder, now).await? {
            Person::Known(report) => Some(report),
            Person::OptedOut(_) => return Ok(Vec::new()),
            Person::Unknown(_) => None,
        };
        let hidden = self.hidden(&pr.org, &pr.repo).await?;
        Ok(readiness::plan(ladder, pr, enrolled, report.as_deref(), &hidden))
    }

    /// The level-up comment, if the merge `pr` (not yet recorded) moves its author to a new level.
    /// Merges of `batch` looked at before count too.
    pub async fn level_up(
        &self,
        pr: &PrView,
        signals: &[Signal],
        batch: &mut Batch,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Option<Planned>, StoreError> {
        let earlier = &mut batch.merges;
        let author = &pr.author;
        let enrolled = self.store.enrolment(pr.org.id, &author.login).await?.is_some_and(|e| e.is_active());
        if !readiness::comments_for(ladder, enrolled) || self.store.opted_out(&author.login).await?.is_some() {
            return Ok(None);
        }
        let Some(merge) = signals.iter().find(|s| s.kind == Kind::PrMerged && s.actor.id == author.id) else {
            return Ok(None);
        };
        let seen = earlier.iter().any(|m| m.identity == merge.identity);
        if seen || self.store.signal_recorded(merge.kind, &merge.identity).await? {
            return Ok(None); // a redelivery: its merge already counted, and any level-up was planned then
        }
        let mut facts = self.store.facts_of(pr.org.id, author.id, ladder).await?;
        for m in earlier.iter().filter(|m| m.actor.id == author.id && m.org.id == pr.org.id) {
            facts = facts.with_merged_pr(m, ladder);
        }
        earlier.push(merge.clone());
        let grants = self.store.roles_of(&pr.org.login, &author.login, author.id).await?;
        let person = PersonRow { id: author.id, login: author.login.clone() };
        let report = |facts: &Facts| Report::new(pr.org.clone(), person.clone(), facts, ladder, grants.clone(), now);
        let before = report(&facts).readiness.level;
        let after = report(&facts.with_merged_pr(merge, ladder));
        Ok(readiness::level_up(ladder, pr, before.as_deref(), &after))
    }

    /// The paths merged PR `pr` changed, when the ladder has path patterns for mechanical changes and
    /// GitHub can be asked (not while the installation is held). If asking fails, the log says why and
    /// the PR is judged without them.
    pub async fn paths(
        &self,
        pr: &PrView,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let (Some(github), Some(installation)) = (&self.github, pr.installation_id) else { return Ok(None) };
        if !ladder.wants_paths() {
            return Ok(None);
        }
        if self.store.is_held(installation, now).await? {
            tracing::warn!(repo = %pr.repo.full_name, number = pr.number, "the installation is rate limited: a merged PR judged without its files");
            return Ok(None);
        }
        Ok(match github.pr_files(installation, &pr.repo.full_name, pr.number).await {
            Ok(paths) => Some(paths),
            Err(why) => {
                tracing::warn!(repo = %pr.repo.full_name, number = pr.number, ?why, "could not read a merged PR's files; judged without them");
                None
            }
        })
    }

    /// Private repositories of the org other than `here`, whose evidence may not be shown there.
    async fn hidden(&self, org: &Org, here: &Repo) -> Result<BTreeSet<String>, StoreError> {
        let private = self.store.private_repositories(org.id).await?.into_iter();
        Ok(private.filter(|(id, _)| *id != here.id).map(|(_, name)| name).collect())
    }

    /// What answering `request` needs to know.
    /// `earlier` are the effects of the same comment's earlier commands, not stored yet.
    async fn look_up(
        &self,
        request: &Request,
        ladder: &Ladder,
        earlier: &[(String, Effect)],
        now: DateTime<Utc>,
    ) -> Result<Lookups, StoreError> {
        let needs = request.needs();
        let mut known = Lookups::default();
        if let Some(login) = needs.person_of {
            known.person = Some(self.person_in(&request.org, login, ladder, now).await?);
            known.hidden = self.hidden(&request.org, &request.repo).await?;
        }
        if needs.standing {
            let who = &request.commenter;
            let grants = self.store.roles_of(&request.org.login, &who.login, who.id).await?;
            known.standing = self.standing(request, ladder, &grants, now).await?;
            known.company = grants.into_iter().filter(|g| g.role == Role::Maintainer).find_map(|g| g.detail);
        }
        if needs.cohort {
            let mut enrolled = self.store.enrolled(request.org.id).await?;
            for (_, effect) in earlier {
                effect.on_cohort(request.org.id, &mut enrolled, now);
            }
            for enrolment in enrolled {
                let report = match self.person_in(&request.org, &enrolment.login, ladder, now).await? {
                    Person::Known(report) => Some(*report),
                    Person::OptedOut(_) | Person::Unknown(_) => None,
                };
                known.cohort.push((enrolment, report));
            }
        }
        if let Some(login) = needs.enrolment_of {
            known.enrolment = self.store.enrolment(request.org.id, login).await?;
            known.named_id = self.store.people_by_login(login).await?.first().map(|p| p.id);
        }
        Ok(known)
    }

    /// The commenter's standing where they wrote: admin by the ladder, maintainer by `CODEOWNERS`, and
    /// their permission on the repository from GitHub (when it can be asked; if GitHub does not answer,
    /// or the installation is held, that is what is known; if it refuses, the first two decide; the log
    /// says why). `grants` are the commenter's roles in the org.
    async fn standing(
        &self,
        request: &Request,
        ladder: &Ladder,
        grants: &[Grant],
        now: DateTime<Utc>,
    ) -> Result<Standing, StoreError> {
        let who = &request.commenter;
        let admin = ladder.admins.iter().any(|a| a.trim_start_matches('@').eq_ignore_ascii_case(&who.login));
        let repo_name = RepoName::parse(&request.repo.full_name).name;
        let codeowner = grants.iter().any(|g| {
            g.repo.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(repo_name))
                && matches!(g.role, Role::Maintainer | Role::Champion)
        });
        let permission = match (&self.github, request.installation_id) {
            (Some(github), Some(installation)) if !admin && !codeowner => {
                self.permission(github, request, installation, now).await?
            }
            _ => Permission::NotAsked,
        };
        Ok(Standing { admin, codeowner, permission })
    }

    /// The commenter's permission on the repository, from GitHub unless the installation is held.
    async fn permission(
        &self,
        github: &GitHub,
        request: &Request,
        installation: i64,
        now: DateTime<Utc>,
    ) -> Result<Permission, StoreError> {
        let (repo, who) = (&request.repo.full_name, &request.commenter.login);
        if self.store.is_held(installation, now).await? {
            tracing::warn!(repo = %repo, login = %who, "the installation is rate limited: a permission not asked");
            return Ok(Permission::Unanswered);
        }
        Ok(match github.permission(installation, repo, who).await {
            Ok(permission) => Permission::Known(permission),
            Err(Verdict::Final { why, .. }) => {
                tracing::error!(repo = %repo, login = %who, why, "GitHub refused to tell a repository permission; check the App's permissions");
                Permission::NotAsked
            }
            Err(why) => {
                tracing::warn!(repo = %repo, login = %who, ?why, "could not read a repository permission");
                Permission::Unanswered
            }
        })
    }

    /// What the store knows about `login` in `org`.
    async fn person_in(
        &self,
        org: &Org,
        login: &str,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Person, StoreError> {
        if let Some((_, login)) = self.store.opted_out(login).await? {
            return Ok(Person::OptedOut(login));
        }
        for person in self.store.people_by_login(login).await? {
            if self.store.has_signals(org.id, person.id).await? {
                let facts = self.store.facts_of(org.id, person.id, ladder).await?;
                let grants = self.store.roles_of(&org.login, &person.login, person.id).await?;
                let report = Report::new(org.clone(), person, &facts, ladder, grants, now);
                return Ok(Person::Known(Box::new(report)));
            }
        }
        Ok(Person::Unknown(login.to_owned()))
    }
}
