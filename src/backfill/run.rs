//! One backfill run: the lease, the repositories, their pages, and the summary.
//!
//! A run pages each repository's pull requests and issues in the order GitHub last updated them,
//! oldest first (so a cursor stays valid when the run resumes, and an item updated during the run
//! comes round again instead of being skipped; a run with a `since` reads pull requests, which take
//! no `since` filter, newest first and stops at the first one updated before it: what changes during
//! such a run, webhooks tell), finishes each item's nested lists that came back
//! short, and commits each page's signals with the checkpoint after it, with the open work the page
//! showed (items open now are written anew, items read closed leave it; a run limited by `since`
//! also pages the pull requests and issues open now, however long ago they were updated). Releases and answered
//! discussions follow, then the repository's review comments, which only REST lists repository-wide
//! (100 a page, oldest first; each on the subject of its pull request as its page showed it). Last
//! come the revisions of the repository's `CODEOWNERS` files, which later readers need.
//!
//! One request is in flight per run ([`Settings::in_flight`] pages that many repositories side by
//! side). Reading as an installation, each request waits its turn at the [`Gate`]: live actions go
//! first, and a hold on the budget it spends (per installation and resource, shared with the
//! dispatcher and every replica) is waited out; a rate limit is recorded there, or waited out in
//! place with a personal token. A 502/504 or a timeout halves the page size and is retried with
//! backoff; while less than a fifth of a budget (GraphQL's, or REST's for review comments, which live
//! replies share) remains, the run pauses until it renews. A repository that fails is retried after
//! the others, with backoff, and never ends the run.
//!
//! Never does: decide what a page reports (`ladder_core::history::facts`) or post anything.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use futures_util::stream::{self, StreamExt};

use super::gate::Gate;
use super::progress::{Advance, Progress};
use crate::github::Verdict;
use crate::github::history::Reader;
use crate::store::backfills::{Checkpoint, Claim, Page, Selection};
use crate::store::{Backfills, StoreError};
use ladder_core::history::pace::{self, PageSize};
use ladder_core::history::query::{self, Document, Nested};
use ladder_core::history::view::{self, Connection, Event, File, Review};
use ladder_core::history::{facts, gaps, open};
use ladder_core::open_work::OpenItem;
use ladder_core::rate::Resource;
use ladder_core::signal::{Org, Repo, Signal, Subject};

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error(
        "another backfill of {owner} is running ({holder}, lease until {until}); wait for it, or see `ladder backfill --status`"
    )]
    Busy { owner: String, holder: String, until: DateTime<Utc> },
    #[error("GitHub has no repository {0} that this token or installation can read; check the name and the access")]
    NoRepository(String),
    #[error("GitHub has no account {0} whose repositories this token or installation can read")]
    NoOwner(String),
    #[error("reading {what} from GitHub failed: {verdict:?}")]
    GitHub { what: String, verdict: Verdict },
    #[error("another run took over the backfill of {owner} (this one's lease ran out); see `ladder backfill --status`")]
    LeaseLost { owner: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a run behaves; the defaults suit GitHub.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Who holds the lease (host and process), as `--status` shows it.
    pub holder: String,
    /// How long the lease lasts without a committed page.
    pub lease: Duration,
    /// The first wait after a transient failure; it doubles with each retry.
    pub retry_base: Duration,
    /// Tries of one request before its repository counts as failed for this round.
    pub attempts: u32,
    /// Rounds over the repositories that failed.
    pub rounds: u32,
    /// Requests in flight at once (repositories paged side by side); GitHub asks for one.
    pub in_flight: usize,
}

/// This process, as a lease holder: its host, pid and start (so replicas in containers, where every
/// process may be pid 1, never share a name).
fn this_process() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let host = if host.trim().is_empty() { "host" } else { host.trim() };
        let started = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        format!("{host} pid {} #{started:x}", std::process::id())
    })
    .clone()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            holder: this_process(),
            lease: Duration::from_secs(120),
            retry_base: Duration::from_secs(2),
            attempts: 6,
            rounds: 3,
            in_flight: 1,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub repositories: usize,
    /// Pull requests, issues, reviews, comments and timeline events read.
    pub items: u64,
    /// Signals the pages reported (facts already recorded are not stored twice).
    pub signals: u64,
    pub requests: u64,
    pub points: i64,
    /// Repositories that failed in every round, with why.
    pub failed: Vec<(String, String)>,
    pub resumed: bool,
}

/// A run of one selection.
pub struct Backfill<'a> {
    pub reader: &'a Reader,
    pub store: Backfills,
    pub progress: &'a dyn Progress,
    pub settings: Settings,
    /// The installation's budgets, shared with live actions; None when reading with a personal token.
    pub gate: Option<Gate>,
}

/// A repository as the run pages it.
struct Target {
    owner: String,
    name: String,
    org: Org,
    repo: Repo,
    items: i64,
}

impl Backfill<'_> {
    /// Runs `selection` to its end (or until every failing repository has used its rounds).
    pub async fn run(&self, selection: &Selection) -> Result<Summary, BackfillError> {
        self.run_only(selection, None, false).await
    }

    /// [`Backfill::run`] over the repositories (`owner/name`, lower case) in `only`, when given; with
    /// `keep_done`, keeping the lists the last run of the owner completed, whatever its `since`
    /// (serve's automatic runs for repositories added since, which page only those).
    pub async fn run_only(
        &self,
        selection: &Selection,
        only: Option<&std::collections::HashSet<String>>,
        keep_done: bool,
    ) -> Result<Summary, BackfillError> {
        let holder = &self.settings.holder;
        let mut summary = Summary::default();
        let claim = self.store.claim_keeping(selection, holder, Utc::now(), self.settings.lease, keep_done).await?;
        match claim {
            Claim::Busy { holder, until } => {
                return Err(BackfillError::Busy { owner: selection.owner.clone(), holder, until });
            }
            Claim::Resumed => summary.resumed = true,
            Claim::Started => {}
        }
        // A run over every repository from a lost window's start (or earlier) covers that window.
        let window = self
            .store
            .lost_window()
            .await?
            .filter(|lost| selection.repo.is_none() && selection.since.is_none_or(|since| since <= lost.since));
        let result = tokio::select! {
            result = self.repositories_then_pages(selection, only, &mut summary) => result,
            lost = self.keep_lease(&selection.owner) => Err(lost),
        };
        let finished = result.is_ok() && summary.failed.is_empty();
        if let Some(window) = window.filter(|_| finished) {
            self.store.covered(&selection.owner, holder, window.found_at).await?;
        }
        self.store.release(&selection.owner, holder, finished, Utc::now()).await?;
        result?;
        summary.requests = self.reader.requests();
        summary.points = self.reader.points();
        Ok(summary)
    }

    /// Renews the run's lease every third of it, however long the run waits between pages (a budget
    /// renewing, a hold); ends only when another run took the lease over, or the store kept refusing
    /// until it ran out.
    async fn keep_lease(&self, owner: &str) -> BackfillError {
        let lease = self.settings.lease;
        let mut pause = lease / 3;
        loop {
            tokio::time::sleep(pause).await;
            match self.store.renew_lease(owner, &self.settings.holder, Utc::now(), lease).await {
                Ok(true) => pause = lease / 3,
                Ok(false) => return BackfillError::LeaseLost { owner: owner.to_owned() },
                Err(e) => {
                    tracing::warn!(error = %e, owner, "could not renew the backfill's lease; trying again");
                    pause = lease / 10;
                }
            }
        }
    }

    async fn repositories_then_pages(
        &self,
        selection: &Selection,
        only: Option<&std::collections::HashSet<String>>,
        summary: &mut Summary,
    ) -> Result<(), BackfillError> {
        let mut pending = self.targets(selection).await?;
        if let Some(only) = only {
            pending.retain(|t| only.contains(&t.repo.full_name.to_lowercase()));
        }
        summary.repositories = pending.len();
        let rounds = self.settings.rounds.max(1);
        for round in 0..rounds {
            let done: Vec<(Target, Tally, Result<(), BackfillError>)> = stream::iter(pending)
                .map(|target| async move {
                    let (tally, result) = self.repository(&target, selection.since).await;
                    (target, tally, result)
                })
                .buffer_unordered(self.settings.in_flight.max(1))
                .collect()
                .await;
            let mut failed = Vec::new();
            for (target, tally, result) in done {
                summary.items += tally.items;
                summary.signals += tally.signals;
                match result {
                    Ok(()) => {}
                    Err(BackfillError::Store(e)) => return Err(BackfillError::Store(e)),
                    Err(e) => failed.push((target, e.to_string())),
                }
            }
            if failed.is_empty() {
                return Ok(());
            }
            if round + 1 == rounds {
                summary.failed = failed.into_iter().map(|(t, why)| (t.repo.full_name.clone(), why)).collect();
                return Ok(());
            }
            tokio::time::sleep(self.settings.retry_base * 2u32.pow(round + 2)).await;
            pending = failed.into_iter().map(|(t, _)| t).collect();
        }
        Ok(())
    }

    /// The repositories of the selection.
    async fn targets(&self, selection: &Selection) -> Result<Vec<Target>, BackfillError> {
        let repos = match &selection.repo {
            Some(full) => {
                let (owner, name) = full.split_once('/').unwrap_or((&selection.owner, full));
                let vars = json!({"owner": owner, "name": name});
                let data: view::RepoData = self.ask(&query::repository(), vars, None, full).await?;
                vec![data.repository.ok_or_else(|| BackfillError::NoRepository(full.clone()))?]
            }
            None => self.owner_repositories(&selection.owner).await?,
        };
        Ok(repos
            .iter()
            .filter_map(|r| {
                let (org, repo) = facts::place(r)?;
                let (owner, name) = r.name_with_owner.split_once('/')?;
                Some(Target { owner: owner.to_owned(), name: name.to_owned(), org, repo, items: r.items() })
            })
            .collect())
    }

    async fn owner_repositories(&self, owner: &str) -> Result<Vec<view::Repository>, BackfillError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let vars = json!({"owner": owner, "after": after});
            let data: view::ReposData = self.ask(&query::repositories(), vars, None, owner).await?;
            let list = data.repository_owner.ok_or_else(|| BackfillError::NoOwner(owner.to_owned()))?.repositories;
            out.extend(list.nodes.into_iter().flatten());
            if !list.page_info.has_next_page {
                return Ok(out);
            }
            after = list.page_info.end_cursor;
        }
    }

    /// One repository's lists, each from its checkpoint to its end: what it read (pages committed
    /// count, however the repository ended), and whether it ended.
    async fn repository(&self, t: &Target, since: Option<DateTime<Utc>>) -> (Tally, Result<(), BackfillError>) {
        let full = &t.repo.full_name;
        self.progress.started(full, t.items.max(0) as u64);
        let mut tally = Tally::default();
        let result = self.lists(t, since, &mut tally).await;
        self.progress.finished(full, result.as_ref().err().map(ToString::to_string).as_deref());
        (tally, result)
    }

    async fn lists(&self, t: &Target, since: Option<DateTime<Utc>>, tally: &mut Tally) -> Result<(), BackfillError> {
        self.list::<view::Pull>(t, &Filter::every(since), tally).await?;
        self.list::<view::Issue>(t, &Filter::every(since), tally).await?;
        if since.is_some() {
            // Open work is what is open now, however long ago it was last updated.
            self.list::<view::Pull>(t, &Filter::open_now(since), tally).await?;
            self.list::<view::Issue>(t, &Filter::open_now(since), tally).await?;
        }
        self.list::<view::Release>(t, &Filter::every(since), tally).await?;
        self.list::<view::Discussion>(t, &Filter::every(since), tally).await?;
        self.review_comments(t, since, tally).await?;
        self.codeowners(t, tally).await
    }

    /// Every revision of the repository's `CODEOWNERS` files (whatever the run's `since`: readers
    /// need the whole story), committed at once with the list's checkpoint.
    ///
    /// GitHub failing to tell them (a huge repository's history can time out) leaves a warning and
    /// the list unchecked for a later fresh run; it does not fail the repository's other lists.
    async fn codeowners(&self, t: &Target, tally: &mut Tally) -> Result<(), BackfillError> {
        const LIST: &str = "codeowners";
        if self.store.checkpoint(&t.org.login, t.repo.id, LIST).await?.done {
            return Ok(());
        }
        let (revisions, guide) = match self.codeowners_revisions(t).await {
            Ok(read) => read,
            Err(BackfillError::GitHub { what, verdict }) => {
                tracing::warn!(repo = t.repo.full_name, what, ?verdict, "CODEOWNERS revisions could not be read");
                return Ok(());
            }
            Err(other) => return Err(other),
        };
        let read = Read { revisions, guide: Some(guide), ..Read::default() };
        self.commit(t, LIST, &view::PageInfo::default(), read, None, tally).await
    }

    /// Every revision of the repository's `CODEOWNERS` files, and where it says how it makes releases.
    async fn codeowners_revisions(
        &self,
        t: &Target,
    ) -> Result<(Vec<facts::CodeownersRevision>, Option<&'static str>), BackfillError> {
        let full = &t.repo.full_name;
        let vars = json!({"owner": t.owner, "name": t.name});
        let data: view::CodeownersData = self.ask(&query::codeowners_revisions(), vars, None, full).await?;
        let guide = data.guide();
        let mut lists = data.lists();
        let mut revisions = Vec::new();
        for (alias, path) in query::CODEOWNERS_PATHS {
            let Some(mut list) = lists.remove(alias) else { continue };
            loop {
                revisions.extend(facts::codeowners_revisions(path, &list));
                if !list.page_info.has_next_page {
                    break;
                }
                let vars = json!({"owner": t.owner, "name": t.name, "path": path, "after": list.page_info.end_cursor});
                let data: view::CodeownersData =
                    self.ask(&query::more_codeowners_revisions(), vars, None, full).await?;
                list = data.lists().remove("list").unwrap_or_default();
            }
        }
        Ok((revisions, guide))
    }

    /// Pages one of a repository's lists from its checkpoint to its end, each page's items made whole
    /// and turned into signals and open work, committed with the checkpoint after it.
    async fn list<N: Listed>(&self, t: &Target, filter: &Filter, tally: &mut Tally) -> Result<(), BackfillError> {
        let full = t.repo.full_name.clone();
        let name = filter.name(N::LIST);
        let mut checkpoint = self.store.checkpoint(&t.org.login, t.repo.id, &name).await?;
        let mut size = PageSize::new(query::MAX_PAGE);
        while !checkpoint.done {
            let mut vars = json!({"owner": t.owner, "name": t.name, "after": checkpoint.cursor});
            if N::TAKES_FILTER {
                vars["states"] = if filter.open_only { json!(["OPEN"]) } else { Value::Null };
            }
            // A list that takes no `since` is read newest first, up to the first item older than it.
            let stop_before = filter.updated_since.filter(|_| N::NEWEST_FIRST_SINCE);
            if N::NEWEST_FIRST_SINCE {
                vars["direction"] = json!(if stop_before.is_some() { "DESC" } else { "ASC" });
            } else if N::TAKES_FILTER {
                vars["since"] = json!(filter.updated_since);
            }
            let data: Value = self.ask(&N::document(), vars, Some(&mut size), &full).await?;
            let list: Connection<N> = match data.pointer(N::POINTER) {
                Some(list) => serde_json::from_value(list.clone()).map_err(|e| BackfillError::GitHub {
                    what: format!("{} of {full}", N::LIST),
                    verdict: Verdict::refused(e.to_string()),
                })?,
                None => return Err(BackfillError::NoRepository(full)),
            };
            let mut read = Read::default();
            let mut page_info = list.page_info;
            for node in list.nodes.into_iter().flatten() {
                if stop_before.is_some_and(|since| node.updated_at().is_some_and(|at| at < since)) {
                    // Newest first: this one and every later one changed before `since`.
                    page_info.has_next_page = false;
                    break;
                }
                read.pulls.extend(node.pull());
                let whole = node.whole(self, t).await?;
                read.items += whole.items;
                read.subjects += u64::from(whole.now.is_some());
                read.signals.extend(whole.signals);
                match whole.now {
                    Some(Now::Open(item)) => read.open.push(item),
                    Some(Now::Closed(number)) => read.closed.push(number),
                    None => {}
                }
            }
            self.commit(t, &name, &page_info, read, filter.facts_since, tally).await?;
            checkpoint.cursor = page_info.end_cursor.or(checkpoint.cursor);
            checkpoint.done = !page_info.has_next_page;
        }
        Ok(())
    }

    /// What an open item whose page showed its labels, assignees or review requests short is now, read
    /// on its own.
    async fn now_of(&self, t: &Target, number: i64, is_pull_request: bool) -> Result<view::Now, BackfillError> {
        let vars = json!({"owner": t.owner, "name": t.name, "number": number});
        let data: view::NowData = self.ask(&query::now_of(is_pull_request), vars, None, &t.repo.full_name).await?;
        let now = data.repository.and_then(|r| r.pull_request).unwrap_or_default();
        if gaps::now_is_short(&now) {
            tracing::warn!(repo = t.repo.full_name, number, "an open item's labels, assignees or reviewers read short");
        }
        Ok(now)
    }

    /// The repository's pull request review comments (REST, 100 a page, oldest first), each on the
    /// subject of its pull request as a page of pull requests showed it (or, for one opened after they
    /// were paged, as GitHub tells it now). The checkpoint is the next page's number.
    async fn review_comments(
        &self,
        t: &Target,
        since: Option<DateTime<Utc>>,
        tally: &mut Tally,
    ) -> Result<(), BackfillError> {
        const LIST: &str = "review_comments";
        let full = t.repo.full_name.clone();
        let mut checkpoint = self.store.checkpoint(&t.org.login, t.repo.id, LIST).await?;
        // A resumed run reads its last committed page again: a comment deleted meanwhile shifts the
        // later ones back a page (facts already recorded are not recorded twice).
        let mut page: u32 =
            checkpoint.cursor.as_deref().and_then(|c| c.parse::<u32>().ok()).map_or(1, |n| n.max(2) - 1);
        while !checkpoint.done {
            let ask = || self.reader.review_comments(&t.owner, &t.name, page, since);
            let (comments, more) = self.patiently((Resource::Core, "review comments"), &full, None, |_| ask()).await?;
            let mut numbers: Vec<i64> = comments.iter().filter_map(view::ReviewComment::number).collect();
            numbers.sort_unstable();
            numbers.dedup();
            let mut subjects = self.store.pull_subjects(t.repo.id, &numbers).await?;
            // Those asked for are kept with the page, so that no pull request is asked for twice.
            let mut learned = Vec::new();
            for number in numbers.iter().filter(|n| !subjects.contains_key(n)).copied().collect::<Vec<_>>() {
                if let Some(subject) = self.pull_subject(t, number).await? {
                    learned.push(subject.clone());
                    subjects.insert(number, subject);
                }
            }
            let signals = comments
                .iter()
                .filter_map(|c| facts::of_review_comment(&t.org, &t.repo, subjects.get(&c.number()?)?, c))
                .collect();
            let info = view::PageInfo { has_next_page: more, end_cursor: Some((page + 1).to_string()) };
            let read = Read { items: comments.len() as u64, signals, pulls: learned, ..Read::default() };
            self.commit(t, LIST, &info, read, since, tally).await?;
            checkpoint = Checkpoint { cursor: info.end_cursor, done: !more };
            page += 1;
        }
        Ok(())
    }

    /// A pull request's subject as GitHub tells it now; None when it has no such pull request.
    async fn pull_subject(&self, t: &Target, number: i64) -> Result<Option<Subject>, BackfillError> {
        let vars = json!({"owner": t.owner, "name": t.name, "number": number});
        let data: view::PullAuthorData = self.ask(&query::pull_request_author(), vars, None, &t.repo.full_name).await?;
        let pull = data.repository.and_then(|r| r.pull_request);
        Ok(pull.map(|p| facts::pull_subject(p.number, p.author.as_ref(), p.author_association.as_ref())))
    }

    async fn commit(
        &self,
        t: &Target,
        list: &str,
        page: &view::PageInfo,
        read: Read,
        since: Option<DateTime<Utc>>,
        tally: &mut Tally,
    ) -> Result<(), BackfillError> {
        let Read { items, subjects, mut signals, pulls, revisions, guide, open, closed } = read;
        facts::since(&mut signals, since);
        let full = t.repo.full_name.clone();
        let page = Page {
            org: &t.org,
            repo_id: t.repo.id,
            repo_name: &full,
            repo_private: t.repo.private,
            list,
            cursor: page.end_cursor.as_deref(),
            done: !page.has_next_page,
            items: items as i64,
            signals: &signals,
            pulls: &pulls,
            revisions: &revisions,
            guide,
            open: &open,
            closed: &closed,
            whole_history: since.is_none(),
        };
        self.store.commit_page(&t.org.login, &self.settings.holder, &page, Utc::now(), self.settings.lease).await?;
        tally.items += items;
        tally.signals += signals.len() as u64;
        self.progress.advanced(&full, Advance { subjects, items, requests: self.reader.requests() });
        Ok(())
    }

    async fn finish_pull(&self, t: &Target, pull: &mut view::Pull, gap: &gaps::Gap) -> Result<(), BackfillError> {
        let number = pull.number;
        match gap.nested {
            Nested::PullFiles => pull.files = Some(self.whole_list::<File>(t, number, gap, pull.files.take()).await?),
            Nested::PullReviews => {
                pull.reviews = Some(self.whole_list::<Review>(t, number, gap, pull.reviews.take()).await?);
            }
            Nested::PullTimeline | Nested::IssueTimeline => {
                let first = Some(std::mem::take(&mut pull.timeline_items));
                pull.timeline_items = self.whole_list::<Event>(t, number, gap, first).await?;
            }
        }
        Ok(())
    }

    /// One item's nested list made whole: its first page (as the page query returned it) followed by
    /// the rest from the gap's cursor, or, when the gap starts over, the list read anew. What comes
    /// back is checked against its `totalCount`, and read anew from its start up to three times while
    /// it is still short.
    async fn whole_list<T: DeserializeOwned>(
        &self,
        t: &Target,
        number: i64,
        gap: &gaps::Gap,
        first: Option<Connection<T>>,
    ) -> Result<Connection<T>, BackfillError> {
        let full = t.repo.full_name.clone();
        let mut start = gap.after.clone();
        let mut nodes = match (&start, first) {
            (Some(_), Some(first)) => first.nodes,
            _ => Vec::new(),
        };
        for _ in 0..3 {
            let total = self.rest_of(t, number, gap.nested, start.clone(), &mut nodes).await?;
            let read = nodes.len() as i64;
            if total.is_none_or(|t| read >= t) {
                return Ok(Connection { total_count: total, page_info: view::PageInfo::default(), nodes });
            }
            tracing::warn!(
                repo = full,
                number,
                list = gap.nested.as_str(),
                read,
                total,
                "a list came back short; reading it again"
            );
            start = None;
            nodes.clear();
        }
        Err(BackfillError::GitHub {
            what: format!("{} of #{number} in {full}", gap.nested.as_str()),
            verdict: Verdict::Transient("GitHub kept returning the list short of its totalCount".into()),
        })
    }

    /// Pages one item's `nested` list from `after` to its end into `nodes`; its `totalCount`.
    async fn rest_of<T: DeserializeOwned>(
        &self,
        t: &Target,
        number: i64,
        nested: Nested,
        mut after: Option<String>,
        nodes: &mut Vec<Option<T>>,
    ) -> Result<Option<i64>, BackfillError> {
        let doc = query::rest_of(nested);
        let pointer = match nested {
            Nested::PullFiles => "/repository/pullRequest/files",
            Nested::PullReviews => "/repository/pullRequest/reviews",
            Nested::PullTimeline => "/repository/pullRequest/timelineItems",
            Nested::IssueTimeline => "/repository/issue/timelineItems",
        };
        let full = &t.repo.full_name;
        loop {
            let vars = json!({"owner": t.owner, "name": t.name, "number": number, "after": after});
            let data: Value = self.ask(&doc, vars, None, full).await?;
            let page = data.pointer(pointer).cloned().unwrap_or(Value::Null);
            let page: Connection<T> = serde_json::from_value(page).map_err(|e| BackfillError::GitHub {
                what: format!("{} of #{number} in {full}", nested.as_str()),
                verdict: Verdict::refused(e.to_string()),
            })?;
            nodes.extend(page.nodes);
            if !page.page_info.has_next_page {
                return Ok(page.total_count);
            }
            after = page.page_info.end_cursor;
        }
    }

    /// Sends one query; see [`Backfill::patiently`].
    async fn ask<T: DeserializeOwned>(
        &self,
        doc: &Document,
        vars: Value,
        size: Option<&mut PageSize>,
        what: &str,
    ) -> Result<T, BackfillError> {
        self.patiently((Resource::Graphql, doc.name), what, size, |first| {
            let mut vars = vars.clone();
            if let Some(first) = first {
                vars["first"] = first.into();
            }
            self.reader.query::<T>(doc, vars)
        })
        .await
    }

    /// Sends one request (`send`, given the page size when the request is paged) that spends
    /// `resource`, when the installation's live actions and holds let it go; waits out rate limits
    /// (holding the installation's `resource` for every replica) and retries transient failures
    /// (halving `size` after each); pauses afterwards while less than a fifth of the budget the answer
    /// reports remains.
    async fn patiently<T, F>(
        &self,
        (resource, name): (Resource, &str),
        what: &str,
        mut size: Option<&mut PageSize>,
        send: impl Fn(Option<u32>) -> F,
    ) -> Result<T, BackfillError>
    where
        F: std::future::Future<Output = Result<(T, Option<view::RateLimit>), Verdict>>,
    {
        let mut failures = 0;
        loop {
            if let Some(gate) = &self.gate {
                gate.wait_turn(resource).await?;
            }
            match send(size.as_deref().map(|s| s.get())).await {
                Ok((data, rate)) => {
                    if let Some(size) = size.as_deref_mut() {
                        size.answered();
                    }
                    if let Some(wait) = rate.and_then(|r| pace::pause(&r, Utc::now())) {
                        tracing::info!(
                            seconds = wait.num_seconds(),
                            name,
                            %resource,
                            "budget below a fifth; backfill pauses until it renews"
                        );
                        tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
                    }
                    return Ok(data);
                }
                Err(Verdict::RateLimited(wait)) => {
                    tracing::info!(seconds = wait.as_secs(), what, %resource, "GitHub asked backfill to wait");
                    match &self.gate {
                        Some(gate) => gate.hold(resource, wait, name).await?,
                        None => tokio::time::sleep(wait).await,
                    }
                }
                Err(Verdict::Transient(why)) if failures + 1 < self.settings.attempts => {
                    failures += 1;
                    if let Some(size) = size.as_deref_mut() {
                        size.timed_out();
                    }
                    tracing::warn!(what, why, failures, "a backfill request failed; retrying with a smaller page");
                    tokio::time::sleep(self.settings.retry_base * 2u32.pow(failures - 1)).await;
                }
                Err(verdict) => {
                    return Err(BackfillError::GitHub { what: format!("{name} for {what}"), verdict });
                }
            }
        }
    }
}

/// What a repository's committed pages held: records read, and signals they reported.
#[derive(Debug, Default)]
struct Tally {
    items: u64,
    signals: u64,
}

/// What a page read: its items (of which `subjects` pull requests and issues), their signals, the
/// subjects of the pull requests among them, `CODEOWNERS` revisions, and open work: the items open
/// now and the numbers of those read closed.
#[derive(Default)]
struct Read {
    items: u64,
    subjects: u64,
    signals: Vec<Signal>,
    pulls: Vec<Subject>,
    revisions: Vec<facts::CodeownersRevision>,
    /// Read with the revisions: where the repository says how it makes releases (`Some(None)`: nowhere).
    guide: Option<Option<&'static str>>,
    open: Vec<OpenItem>,
    closed: Vec<i64>,
}

/// Which items of a list a run pages, under which checkpoint, and which facts it keeps.
struct Filter {
    /// Only items updated since then (lists that take the filter).
    updated_since: Option<DateTime<Utc>>,
    /// Only items open now (lists that take the filter).
    open_only: bool,
    /// Facts from then on.
    facts_since: Option<DateTime<Utc>>,
}

impl Filter {
    /// Every item updated since `since` (all without it), and its facts from then on.
    fn every(since: Option<DateTime<Utc>>) -> Filter {
        Filter { updated_since: since, open_only: false, facts_since: since }
    }

    /// Every item open now, however long ago it was updated, and its facts from `since` on.
    fn open_now(since: Option<DateTime<Utc>>) -> Filter {
        Filter { updated_since: None, open_only: true, facts_since: since }
    }

    /// The checkpoint's name of `list` paged with this filter.
    fn name(&self, list: &str) -> String {
        if self.open_only { format!("open_{list}") } else { list.to_owned() }
    }
}

/// An item made whole: how many items it holds, its signals, and (for a pull request or issue) whether
/// it is open now.
struct Whole {
    items: u64,
    signals: Vec<Signal>,
    now: Option<Now>,
}

/// Whether an issue or pull request is open now.
enum Now {
    Open(OpenItem),
    Closed(i64),
}

impl Now {
    fn of(number: i64, open: Option<OpenItem>) -> Now {
        open.map_or(Now::Closed(number), Now::Open)
    }
}

/// A list of a repository's that backfill pages: pull requests, issues, releases, discussions.
trait Listed: DeserializeOwned + Sized {
    /// The checkpoint's name for the list.
    const LIST: &'static str;
    /// Where the page is in the query's data.
    const POINTER: &'static str;
    /// Whether the query takes `$states`, and `$since` unless it is read newest first.
    const TAKES_FILTER: bool = false;
    /// Whether the query takes `$direction` instead of `$since`, so a run with a `since` reads it
    /// newest first and stops at the first item updated before it.
    const NEWEST_FIRST_SINCE: bool = false;
    /// When the item was last updated, for lists read newest first.
    fn updated_at(&self) -> Option<DateTime<Utc>> {
        None
    }
    fn document() -> Document;
    /// The subject of the item when it is a pull request (review comments are read on it later).
    fn pull(&self) -> Option<Subject> {
        None
    }
    /// The item made whole (its nested lists finished): how many items it holds, its signals, and
    /// whether it is open now.
    async fn whole(self, run: &Backfill<'_>, t: &Target) -> Result<Whole, BackfillError>;
}

impl Listed for view::Pull {
    const LIST: &'static str = "pulls";
    const POINTER: &'static str = "/repository/pullRequests";
    const TAKES_FILTER: bool = true;
    const NEWEST_FIRST_SINCE: bool = true;

    fn updated_at(&self) -> Option<DateTime<Utc>> {
        Some(self.updated_at)
    }

    fn document() -> Document {
        query::pull_requests()
    }

    fn pull(&self) -> Option<Subject> {
        Some(facts::pull_subject(self.number, self.author.as_ref(), self.author_association.as_ref()))
    }

    async fn whole(mut self, run: &Backfill<'_>, t: &Target) -> Result<Whole, BackfillError> {
        for gap in gaps::of_pull(&self) {
            run.finish_pull(t, &mut self, &gap).await?;
        }
        if gaps::now_is_short(&self.now) {
            self.now = run.now_of(t, self.number, true).await?;
        }
        let items = 1 + count(&self.reviews) + self.timeline_items.nodes.len() as u64;
        let now = Now::of(self.number, open::of_pull(&self));
        Ok(Whole { items, signals: facts::of_pull(&t.org, &t.repo, &self), now: Some(now) })
    }
}

impl Listed for view::Issue {
    const LIST: &'static str = "issues";
    const POINTER: &'static str = "/repository/issues";
    const TAKES_FILTER: bool = true;

    fn document() -> Document {
        query::issues()
    }

    async fn whole(mut self, run: &Backfill<'_>, t: &Target) -> Result<Whole, BackfillError> {
        for gap in gaps::of_issue(&self) {
            let first = Some(std::mem::take(&mut self.timeline_items));
            self.timeline_items = run.whole_list::<Event>(t, self.number, &gap, first).await?;
        }
        if gaps::now_is_short(&self.now) {
            self.now = run.now_of(t, self.number, false).await?;
        }
        let items = 1 + self.timeline_items.nodes.len() as u64;
        let now = Now::of(self.number, open::of_issue(&self));
        Ok(Whole { items, signals: facts::of_issue(&t.org, &t.repo, &self), now: Some(now) })
    }
}

impl Listed for view::Release {
    const LIST: &'static str = "releases";
    const POINTER: &'static str = "/repository/releases";

    fn document() -> Document {
        query::releases()
    }

    async fn whole(self, _: &Backfill<'_>, t: &Target) -> Result<Whole, BackfillError> {
        Ok(Whole { items: 1, signals: facts::of_release(&t.org, &t.repo, &self), now: None })
    }
}

impl Listed for view::Discussion {
    const LIST: &'static str = "discussions";
    const POINTER: &'static str = "/repository/discussions";

    fn document() -> Document {
        query::discussions()
    }

    async fn whole(self, _: &Backfill<'_>, t: &Target) -> Result<Whole, BackfillError> {
        let items = 1 + u64::from(self.answer.is_some());
        Ok(Whole { items, signals: facts::of_discussion(&t.org, &t.repo, &self), now: None })
    }
}

fn count<T>(list: &Option<Connection<T>>) -> u64 {
    list.as_ref().map_or(0, |l| l.nodes.len() as u64)
}
