//! Planning: what the app will do on GitHub about one delivery, from what the store knows.
//!
//! Owns: the lookups that replies, readiness comments, labels and level-ups need (a person's report,
//! enrolment, the commenter's standing, which private repositories to hide), made through the narrow
//! [`Reads`] interface, and the calls to the pure deciders with them ([`answer`], [`permission`],
//! [`readiness`], [`hidden_in`]). Lookups read committed data, so a status reflects the deliveries
//! before the current batch; [`Batch`] carries what the batch itself has shown so far (merges and
//! commands not yet recorded).
//!
//! Never does: decide (the core does), write to the store, or send.
//!
//! [`permission`]: ladder_core::commands::permission

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use ladder_core::commands::answer::{self, Context, Lookups, Person, Read, Request};
use ladder_core::commands::permission::Standing;
use ladder_core::ladder::Ladder;
use ladder_core::next_steps::{Guides, Lookup, Place, kinds};
use ladder_core::plan::action::{Action, Effect, Planned};
use ladder_core::plan::readiness::{self, PrView};
use ladder_core::repo_name::RepoName;
use ladder_core::report::{Report, hidden_in};
use ladder_core::roles::{Grant, company_of};
use ladder_core::signal::{Org, Repo, Signal};

use crate::pipeline::reads::Reads;
use crate::store::StoreError;

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

/// Plans actions for deliveries; one per worker. `R` is where it looks things up: the store and
/// GitHub in the app ([`crate::pipeline::reads::Live`]), memory in tests.
pub struct Planner<R> {
    reads: R,
    /// How long raw deliveries are kept (an opt-out's reply says when erasure completes).
    retention_days: u32,
}

impl<R: Reads> Planner<R> {
    pub fn new(reads: R, retention_days: u32) -> Planner<R> {
        Planner { reads, retention_days }
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
        let read = first.read();
        let before = answer::ReadBefore {
            keys: self.reads.commands_read(read.repo_id, read.comment_id).await?,
            replies_last_minute: self
                .reads
                .replies_since(read.installation_id, read.person_id, now - answer::MINUTE)
                .await?,
        }
        .with_batch(&read, &batch.reads);
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

    /// The readiness comment and labels for a pull request, from its author's enrolment and standing.
    pub async fn readiness(
        &self,
        pr: &PrView,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Vec<Planned>, StoreError> {
        let enrolled = self.enrolled(pr.org.id, &pr.author.login).await?;
        let hidden = self.hidden(&pr.org, &pr.repo).await?;
        let report = match self.person_in(&pr.org, &pr.author.login, ladder, now).await? {
            Person::Known(mut report) => {
                // Only a comment shows next steps: no lookup for a pull request that gets none.
                if readiness::comments_for(ladder, enrolled) {
                    self.suggest(&mut report, &pr.org, &pr.repo, &hidden, ladder, now).await?;
                }
                Some(report)
            }
            Person::OptedOut(_) => return Ok(Vec::new()),
            Person::Unknown(_) => None,
        };
        let history = self.reads.history(&pr.org.login).await?;
        Ok(readiness::plan(ladder, pr, enrolled, report.as_deref(), &hidden, history))
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
        let author = &pr.author;
        let enrolled = self.enrolled(pr.org.id, &author.login).await?;
        if !readiness::comments_for(ladder, enrolled) || self.reads.opted_out(&author.login).await?.is_some() {
            return Ok(None);
        }
        if !readiness::announces(self.reads.history(&pr.org.login).await?) {
            return Ok(None);
        }
        let Some(merge) = readiness::merge_in(pr, signals) else { return Ok(None) };
        let seen = batch.merges.iter().any(|m| m.identity == merge.identity);
        if seen || self.reads.signal_recorded(merge.kind, &merge.identity).await? {
            return Ok(None); // a redelivery: its merge already counted, and any level-up was planned then
        }
        let facts = self.reads.facts_of(pr.org.id, author.id, ladder).await?;
        let grants = self.reads.roles_of(&pr.org.login, &author.login, author.id).await?;
        let planned = readiness::level_up_by(ladder, pr, merge, facts, &batch.merges, grants, now);
        batch.merges.push(merge.clone());
        Ok(planned)
    }

    /// The paths merged PR `pr` changed, when the ladder has path patterns for mechanical changes and
    /// GitHub can tell.
    pub async fn paths(
        &self,
        pr: &PrView,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        if !ladder.wants_paths() {
            return Ok(None);
        }
        self.reads.pr_files(pr.installation_id, &pr.repo.full_name, pr.number, now).await
    }

    /// Whether `login` is an active mentee of the org.
    async fn enrolled(&self, org_id: i64, login: &str) -> Result<bool, StoreError> {
        Ok(self.reads.enrolment(org_id, login).await?.is_some_and(|e| e.is_active()))
    }

    /// Looks for the open work that would take the person of `report` to their next level, for a text
    /// posted in `here`. `hidden` (the org's private repositories but `here`, already read for the
    /// text's evidence) are exactly the repositories whose guides that place may not show.
    async fn suggest(
        &self,
        report: &mut Report,
        org: &Org,
        here: &Repo,
        hidden: &BTreeSet<String>,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let place = Place::In(&here.full_name);
        let lookup = Lookup { seeker: report.seeker(), bots: &ladder.bots, place, now };
        let offers = self.reads.offers(org.id, &kinds(&report.readiness), lookup).await?;
        let guides = self.reads.release_guides(org.id).await?;
        report.suggest(&offers, Guides { guides: &guides, private: hidden }, place);
        Ok(())
    }

    /// The private repositories whose evidence may not be shown in `here`.
    async fn hidden(&self, org: &Org, here: &Repo) -> Result<BTreeSet<String>, StoreError> {
        Ok(hidden_in(self.reads.private_repositories(org.id).await?, here.id))
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
            known.hidden = self.hidden(&request.org, &request.repo).await?;
            let mut person = self.person_in(&request.org, login, ladder, now).await?;
            if let (Person::Known(report), true) = (&mut person, needs.next_steps) {
                self.suggest(report, &request.org, &request.repo, &known.hidden, ladder, now).await?;
            }
            known.person = Some(person);
        }
        if needs.standing {
            let who = &request.commenter;
            let grants = self.reads.roles_of(&request.org.login, &who.login, who.id).await?;
            known.standing = self.standing(request, ladder, &grants, now).await?;
            known.company = company_of(&grants);
        }
        if needs.cohort {
            let mut enrolled = self.reads.enrolled(request.org.id).await?;
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
            known.enrolment = self.reads.enrolment(request.org.id, login).await?;
            known.named_id = self.reads.people_by_login(login).await?.first().map(|p| p.id);
        }
        Ok(known)
    }

    /// The commenter's standing where they wrote ([`Standing::by_config`]), and their permission on
    /// the repository from GitHub when that could change a decision. `grants` are their roles in the org.
    async fn standing(
        &self,
        request: &Request,
        ladder: &Ladder,
        grants: &[Grant],
        now: DateTime<Utc>,
    ) -> Result<Standing, StoreError> {
        let (who, repo) = (&request.commenter.login, &request.repo.full_name);
        let mut standing = Standing::by_config(&ladder.admins, grants, who, RepoName::parse(repo).name);
        if standing.asks_github() {
            standing.permission = self.reads.permission(request.installation_id, repo, who, now).await?;
        }
        Ok(standing)
    }

    /// What the store knows about `login` in `org`: opted out, or the first person known by that
    /// login with signals in the org, or nobody.
    async fn person_in(
        &self,
        org: &Org,
        login: &str,
        ladder: &Ladder,
        now: DateTime<Utc>,
    ) -> Result<Person, StoreError> {
        if let Some(login) = self.reads.opted_out(login).await? {
            return Ok(Person::OptedOut(login));
        }
        for person in self.reads.people_by_login(login).await? {
            if self.reads.has_signals(org.id, person.id).await? {
                let facts = self.reads.facts_of(org.id, person.id, ladder).await?;
                let grants = self.reads.roles_of(&org.login, &person.login, person.id).await?;
                let report = Report::new(org.clone(), person, &facts, ladder, grants, now);
                return Ok(Person::Known(Box::new(report)));
            }
        }
        Ok(Person::Unknown(login.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    //! Planning over an in-memory [`Reads`]: which lookups a decision takes, and what is planned
    //! from what they return, without a database.

    use std::collections::{BTreeMap, HashSet};
    use std::sync::Mutex;

    use chrono::TimeZone;
    use ladder_core::commands::grammar;
    use ladder_core::commands::permission::{Permission, RepoPermission};
    use ladder_core::enrolment::Enrolment;
    use ladder_core::event::Account;
    use ladder_core::ladder::Facts;
    use ladder_core::plan::readiness::History;
    use ladder_core::report::Person as Known;
    use ladder_core::roles::Role;
    use ladder_core::signal::{Kind, Subject};
    use serde_json::json;

    use super::*;

    /// What the store and GitHub would say.
    #[derive(Default)]
    struct Memory {
        people: Vec<Known>,
        signals: Vec<Signal>,
        grants: Vec<Grant>,
        enrolments: Vec<Enrolment>,
        opted_out: Vec<String>,
        private: Vec<(i64, String)>,
        read_keys: BTreeSet<String>,
        replies: usize,
        /// GitHub's answer to a permission question.
        permission: Permission,
        /// Whom GitHub was asked about.
        asked: Mutex<Vec<String>>,
        /// Roles cannot be read (the database went away).
        roles_fail: bool,
        /// The org's first backfill is under way.
        history_pending: bool,
    }

    impl Reads for Memory {
        async fn enrolment(&self, org_id: i64, login: &str) -> Result<Option<Enrolment>, StoreError> {
            Ok(self.enrolments.iter().find(|e| e.org_id == org_id && e.login.eq_ignore_ascii_case(login)).cloned())
        }
        async fn enrolled(&self, org_id: i64) -> Result<Vec<Enrolment>, StoreError> {
            Ok(self.enrolments.iter().filter(|e| e.org_id == org_id && e.is_active()).cloned().collect())
        }
        async fn opted_out(&self, login: &str) -> Result<Option<String>, StoreError> {
            Ok(self.opted_out.iter().find(|l| l.eq_ignore_ascii_case(login)).cloned())
        }
        async fn people_by_login(&self, login: &str) -> Result<Vec<Known>, StoreError> {
            Ok(self.people.iter().filter(|p| p.login.eq_ignore_ascii_case(login)).cloned().collect())
        }
        async fn has_signals(&self, org_id: i64, person_id: i64) -> Result<bool, StoreError> {
            Ok(self.signals.iter().any(|s| s.org.id == org_id && s.actor.id == person_id))
        }
        async fn facts_of(&self, org_id: i64, person_id: i64, ladder: &Ladder) -> Result<Facts, StoreError> {
            let theirs: Vec<Signal> =
                self.signals.iter().filter(|s| s.org.id == org_id && s.actor.id == person_id).cloned().collect();
            Ok(Facts::from_signals(&theirs, &HashSet::new(), ladder))
        }
        async fn roles_of(&self, _org: &str, login: &str, _id: i64) -> Result<Vec<Grant>, StoreError> {
            if self.roles_fail {
                return Err(StoreError::Corrupt("roles are away".into()));
            }
            Ok(self.grants.iter().filter(|g| g.login.eq_ignore_ascii_case(login)).cloned().collect())
        }
        async fn private_repositories(&self, _org_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
            Ok(self.private.clone())
        }
        async fn commands_read(&self, _repo_id: i64, _comment_id: i64) -> Result<BTreeSet<String>, StoreError> {
            Ok(self.read_keys.clone())
        }
        async fn replies_since(&self, _: i64, _: i64, _: DateTime<Utc>) -> Result<usize, StoreError> {
            Ok(self.replies)
        }
        async fn signal_recorded(&self, kind: Kind, identity: &str) -> Result<bool, StoreError> {
            Ok(self.signals.iter().any(|s| s.kind == kind && s.identity == identity))
        }
        async fn permission(
            &self,
            _: Option<i64>,
            _: &str,
            login: &str,
            _: DateTime<Utc>,
        ) -> Result<Permission, StoreError> {
            self.asked.lock().unwrap().push(login.to_owned());
            Ok(self.permission)
        }
        async fn offers(
            &self,
            _org_id: i64,
            _needs: &[ladder_core::next_steps::Need],
            _lookup: ladder_core::next_steps::Lookup<'_>,
        ) -> Result<BTreeMap<ladder_core::next_steps::Need, ladder_core::next_steps::Offer>, StoreError> {
            Ok(BTreeMap::new())
        }

        async fn release_guides(&self, _org_id: i64) -> Result<BTreeMap<String, String>, StoreError> {
            Ok(BTreeMap::new())
        }

        async fn history(&self, _org: &str) -> Result<History, StoreError> {
            Ok(if self.history_pending { History::Pending } else { History::Recorded })
        }

        async fn pr_files(
            &self,
            _: Option<i64>,
            _: &str,
            _: i64,
            _: DateTime<Utc>,
        ) -> Result<Option<Vec<String>>, StoreError> {
            Ok(None)
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
    }

    fn org() -> Org {
        Org { id: 1, login: "asyncapi".into() }
    }

    fn account(id: i64, login: &str) -> Account {
        Account { id, login: login.into(), account_type: Some("User".into()) }
    }

    fn grant(login: &str, role: Role) -> Grant {
        Grant { login: login.into(), github_id: None, repo: Some("cli".into()), role, detail: None }
    }

    /// Merged PR `n` of `who` in the org's `asyncapi/cli`.
    fn merged(n: i64, who: &Account) -> Signal {
        Signal {
            kind: Kind::PrMerged,
            identity: format!("merged:{}:{n}", who.id),
            org: org(),
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            subject: Some(Subject {
                number: n,
                is_pull_request: true,
                author: Some(who.clone()),
                author_association: None,
            }),
            actor: who.clone(),
            occurred_at: Utc.with_ymd_and_hms(2026, 7 + (n % 4) as u32, 1, 0, 0, 0).unwrap(),
            data: json!({}),
        }
    }

    /// Bob's active enrolment in the org, made by an admin.
    fn bobs_enrolment() -> Enrolment {
        Enrolment {
            org_id: 1,
            login: "bob".into(),
            github_id: Some(42),
            mentor: None,
            cohort: None,
            enrolled_by: "derberg".into(),
            enrolled_at: now(),
            ended_at: None,
        }
    }

    fn request(commenter: &Account, line: &str) -> Request {
        Request {
            org: org(),
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            installation_id: Some(3),
            issue: 12,
            comment_id: 99,
            commenter: commenter.clone(),
            parsed: grammar::parse(line, "/amp").remove(0),
        }
    }

    fn pr(author: &Account) -> PrView {
        PrView {
            org: org(),
            repo: Repo { id: 2, full_name: "asyncapi/cli".into(), private: false },
            installation_id: Some(3),
            number: 12,
            author: author.clone(),
            labels: Vec::new(),
            delivery: "d1".into(),
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    }

    fn answer(memory: Memory, line: &str, commenter: &Account) -> (Answers, Vec<String>) {
        let planner = Planner::new(memory, 30);
        let mut ladder = Ladder::builtin();
        ladder.admins = vec!["@derberg".into()];
        let answers =
            block_on(planner.answer(vec![request(commenter, line)], &ladder, &mut Batch::default(), now())).unwrap();
        (answers, planner.reads.asked.lock().unwrap().clone())
    }

    fn body(planned: &Planned) -> &str {
        match &planned.action {
            Action::Comment { body } => body,
            other => panic!("a comment, not {other:?}"),
        }
    }

    #[test]
    fn github_is_asked_for_a_permission_only_when_the_config_and_codeowners_cannot_decide() {
        let write = Permission::Known(RepoPermission::Write);
        let read = Permission::Known(RepoPermission::Read);
        // (who, their grants, GitHub's answer) -> (GitHub asked, enrolled, the reply says)
        let cases: Vec<(&str, Vec<Grant>, Permission, bool, bool, &str)> = vec![
            ("derberg", vec![], write, false, true, "enrolled"),
            ("alice", vec![grant("alice", Role::Maintainer)], read, false, true, "enrolled"),
            ("alice", vec![grant("alice", Role::Champion)], read, false, true, "enrolled"),
            ("carol", vec![], write, true, true, "enrolled"),
            ("carol", vec![grant("carol", Role::Triager)], read, true, false, "only program admins and maintainers"),
            ("carol", vec![], Permission::Unanswered, true, false, "GitHub did not tell me"),
            ("carol", vec![], Permission::NotAsked, true, false, "only program admins and maintainers"),
        ];
        for (who, grants, permission, asked, enrolled, says) in cases {
            let memory = Memory { grants, permission, ..Memory::default() };
            let (answers, asked_about) = answer(memory, "/amp enroll @bob", &account(7, who));
            assert_eq!(!asked_about.is_empty(), asked, "{who}: asked {asked_about:?}");
            assert_eq!(!answers.effects.is_empty(), enrolled, "{who}: {:?}", answers.effects);
            assert!(body(&answers.replies[0]).contains(says), "{who}: {}", body(&answers.replies[0]));
        }
    }

    #[test]
    fn a_status_reply_says_what_the_reads_know_of_the_person() {
        let bob = account(42, "bob");
        let known = || Memory {
            people: vec![Known { id: 42, login: "bob".into() }],
            signals: (0..3).map(|n| merged(n, &bob)).collect(),
            ..Memory::default()
        };
        let cases: Vec<(&str, Memory, &str)> = vec![
            ("known, with three merged PRs", known(), "Regular contributor"),
            ("known by login only, no signals here", Memory { signals: vec![], ..known() }, "no activity is recorded"),
            ("opted out", Memory { opted_out: vec!["Bob".into()], ..known() }, "has opted out"),
            ("never seen", Memory::default(), "no activity is recorded"),
        ];
        for (case, memory, says) in cases {
            let (answers, asked) = answer(memory, "/amp status @bob", &account(7, "carol"));
            assert!(asked.is_empty(), "{case}: a status needs no permission");
            assert!(body(&answers.replies[0]).contains(says), "{case}: {}", body(&answers.replies[0]));
        }
    }

    #[test]
    fn commands_read_before_and_the_rate_limit_come_from_the_reads() {
        let carol = account(7, "carol");
        let key = grammar::parse("/amp help", "/amp").remove(0).key;
        let cases: Vec<(&str, Memory, usize, &str)> = vec![
            ("a new command", Memory::default(), 1, "/amp help"),
            (
                "read before by an earlier version of the comment",
                Memory { read_keys: [key].into(), ..Memory::default() },
                0,
                "",
            ),
            ("five replies in the last minute", Memory { replies: 5, ..Memory::default() }, 1, "in a minute"),
        ];
        for (case, memory, replies, says) in cases {
            let (answers, _) = answer(memory, "/amp help", &carol);
            assert_eq!(answers.replies.len(), replies, "{case}: {:?}", answers.replies);
            if let Some(reply) = answers.replies.first() {
                assert!(body(reply).contains(says), "{case}: {}", body(reply));
            }
        }
    }

    #[test]
    fn readiness_is_planned_from_the_enrolment_and_nothing_for_someone_who_opted_out() {
        let bob = account(42, "bob");
        let enrolment = bobs_enrolment();
        let ended = Enrolment { ended_at: Some(now()), ..enrolment.clone() };
        let cases: Vec<(&str, Memory, Vec<&str>)> = vec![
            (
                "enrolled",
                Memory { enrolments: vec![enrolment.clone()], ..Memory::default() },
                vec!["sticky", "add_labels"],
            ),
            ("enrolment ended", Memory { enrolments: vec![ended], ..Memory::default() }, vec![]),
            (
                "enrolled, then opted out",
                Memory { enrolments: vec![enrolment], opted_out: vec!["bob".into()], ..Memory::default() },
                vec![],
            ),
        ];
        for (case, memory, kinds) in cases {
            let planned = block_on(Planner::new(memory, 30).readiness(&pr(&bob), &Ladder::builtin(), now())).unwrap();
            assert_eq!(planned.iter().map(|p| p.action.kind()).collect::<Vec<_>>(), kinds, "{case}");
        }
    }

    #[test]
    fn a_level_up_is_planned_once_for_a_merge_not_seen_before() {
        let bob = account(42, "bob");
        let enrolment = bobs_enrolment();
        let two = || Memory {
            people: vec![Known { id: 42, login: "bob".into() }],
            signals: (0..2).map(|n| merged(n, &bob)).collect(),
            enrolments: vec![enrolment.clone()],
            ..Memory::default()
        };
        let third = merged(5, &bob);
        let recorded = Memory { signals: vec![merged(0, &bob), merged(1, &bob), third.clone()], ..two() };
        let cases: BTreeMap<&str, (Memory, Option<&str>)> = BTreeMap::from([
            ("the third merge", (two(), Some("levelup:1:42:regular_contributor"))),
            ("a redelivery of the third merge", (recorded, None)),
            ("not enrolled", (Memory { enrolments: vec![], ..two() }, None)),
            ("opted out", (Memory { opted_out: vec!["bob".into()], ..two() }, None)),
            ("while the org's first backfill is under way", (Memory { history_pending: true, ..two() }, None)),
        ]);
        for (case, (memory, expected)) in cases {
            let planner = Planner::new(memory, 30);
            let mut batch = Batch::default();
            let signals = [third.clone()];
            let ladder = Ladder::builtin();
            let planned = block_on(planner.level_up(&pr(&bob), &signals, &mut batch, &ladder, now())).unwrap();
            assert_eq!(planned.map(|p| p.key).as_deref(), expected, "{case}");
            let again = block_on(planner.level_up(&pr(&bob), &signals, &mut batch, &ladder, now())).unwrap();
            assert_eq!(again, None, "{case}: the same merge again in the batch");
        }
    }

    #[test]
    fn a_merge_whose_lookups_failed_does_not_count_for_the_rest_of_the_batch() {
        let bob = account(42, "bob");
        let enrolment = bobs_enrolment();
        let memory = Memory { enrolments: vec![enrolment], roles_fail: true, ..Memory::default() };
        let planner = Planner::new(memory, 30);
        let mut batch = Batch::default();
        let signals = [merged(5, &bob)];
        let failed = block_on(planner.level_up(&pr(&bob), &signals, &mut batch, &Ladder::builtin(), now()));
        assert!(failed.is_err(), "the store error is the delivery's failed attempt");
        assert!(batch.merges.is_empty(), "its merge is not counted for the batch's later deliveries");
    }
}
