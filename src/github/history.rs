//! GitHub's history, read for backfill: GraphQL queries (and REST's list of review comments) as the
//! App's installation or with a personal access token.
//!
//! Owns: [`Reader`], which posts one of [`ladder_core::history::query`]'s documents to `/graphql`
//! (asking for node ids in GitHub's current format, `X-Github-Next-Global-ID: 1`) and
//! reads the answer into its view with the query's `rateLimit`, or reads a page of a repository's
//! review comments with the `x-ratelimit-*` budget its headers report, or a [`Verdict`]: GitHub's
//! `RATE_LIMITED` error (answered with status 200) and `x-ratelimit-remaining: 0` wait until the
//! reset, 502/504 and timeouts are transient (the caller halves its page), other errors are final.
//! A reader counts its requests and the points they cost.
//!
//! Its limits are its own in memory: a reader's rate limit never makes the App's live REST client rest
//! (the `graphql` and `core` budgets are separate resources at GitHub); the backfill run records the
//! hold in the store per installation and resource, where the dispatcher reads only `core`'s.
//!
//! Never does: page, sleep or decide what a page reports (see [`crate::backfill`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::verdict::{self, Verdict};
use super::{ClientError, answer, next_link, path_segment};
use ladder_core::history::query::Document;
use ladder_core::history::view::{Answer, Problem, RateLimit, ReviewComment, WithRate};

/// Review comments per REST page: GitHub's most.
pub const REVIEW_COMMENTS_PAGE: u32 = 100;

/// How long one query may take: GitHub itself cuts a query off at 10 s.
const QUERY_TIMEOUT: Duration = Duration::from_secs(15);

/// Reads history from GitHub's GraphQL API.
pub struct Reader {
    client: Arc<Octocrab>,
    requests: AtomicU64,
    points: AtomicI64,
}

impl Reader {
    /// A reader as an installation (its client, with its token cache).
    pub fn new(client: Arc<Octocrab>) -> Reader {
        Reader { client, requests: AtomicU64::new(0), points: AtomicI64::new(0) }
    }

    /// A reader with a personal access token (read scopes are enough).
    pub fn with_token(api_url: &str, token: &str) -> Result<Reader, ClientError> {
        let bad = |reason: String| ClientError::BadUrl { url: api_url.to_owned(), reason };
        let client = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| bad(e.to_string()))?
            .personal_token(token.to_owned())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(QUERY_TIMEOUT))
            .set_read_timeout(Some(QUERY_TIMEOUT))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Reader::new(Arc::new(client)))
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Points GitHub said the queries cost so far.
    pub fn points(&self) -> i64 {
        self.points.load(Ordering::Relaxed)
    }

    /// Runs `doc` with `variables`; its data read as `T`, with the budget the answer reports.
    pub async fn query<T: DeserializeOwned>(
        &self,
        doc: &Document,
        variables: Value,
    ) -> Result<(T, Option<RateLimit>), Verdict> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "query": doc.text, "variables": variables });
        // Node ids (a label's) in GitHub's current format, whatever the object's age.
        let request = axum::http::Request::post("/graphql").header("X-Github-Next-Global-ID", "1");
        let response = match self.client.build_request(request, Some(&body)) {
            Ok(request) => self.client.execute(request).await,
            Err(e) => Err(e),
        };
        let (text, spent) = answer(response).await;
        let text = text?;
        let answer: Answer<WithRate<T>> = serde_json::from_str(&text)
            .map_err(|e| Verdict::refused(format!("GitHub's answer to {} does not read: {e}", doc.name)))?;
        // GitHub answers a lookup of something that is not there (a pull request's number) with `null`
        // and a `NOT_FOUND` error: the `null` is the answer.
        let found_nothing = |p: &&Problem| answer.data.is_some() && p.kind.as_deref() == Some("NOT_FOUND");
        if let Some(problem) = answer.errors.iter().find(|p| !found_nothing(p)) {
            return Err(match problem.kind.as_deref() {
                Some("RATE_LIMITED") => Verdict::RateLimited(spent.unwrap_or(verdict::DEFAULT_WAIT)),
                // Asking again will not help: the token or installation lacks a permission.
                Some("FORBIDDEN" | "INSUFFICIENT_SCOPES") => Verdict::refused(format!(
                    "GitHub refused {} for lack of a permission ({}); give the token or App read access to it",
                    doc.name, problem.message
                )),
                // Partial results of a query that took too long: ask for less.
                _ if answer.data.is_some() => Verdict::Transient(format!("{}: {}", doc.name, problem.message)),
                _ => Verdict::refused(format!("GitHub refused {}: {}", doc.name, problem.message)),
            });
        }
        let data =
            answer.data.ok_or_else(|| Verdict::refused(format!("GitHub's answer to {} has no data", doc.name)))?;
        if let Some(rate) = data.rate_limit {
            self.points.fetch_add(rate.cost, Ordering::Relaxed);
        }
        Ok((data.rest, data.rate_limit))
    }

    /// Page `page` (from 1) of a repository's pull request review comments, oldest first, and whether
    /// another page follows; with `since`, only comments updated since then. The budget is the REST
    /// one (`core`) the headers report.
    pub async fn review_comments(
        &self,
        owner: &str,
        name: &str,
        page: u32,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<((Vec<ReviewComment>, bool), Option<RateLimit>), Verdict> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut path = format!(
            "/repos/{}/{}/pulls/comments?sort=created&direction=asc&per_page={REVIEW_COMMENTS_PAGE}&page={page}",
            path_segment(owner),
            path_segment(name)
        );
        if let Some(since) = since {
            path.push_str(&format!("&since={}", since.format("%Y-%m-%dT%H:%M:%SZ")));
        }
        let response = self.client._get(path).await;
        let headers = response.as_ref().ok().map(|r| r.headers().clone()).unwrap_or_default();
        let text = answer(response).await.0?;
        let comments: Vec<ReviewComment> = serde_json::from_str(&text)
            .map_err(|e| Verdict::refused(format!("GitHub's list of review comments does not read: {e}")))?;
        let more = headers.get("link").and_then(|l| l.to_str().ok()).and_then(next_link).is_some();
        Ok(((comments, more), budget(&headers)))
    }
}

/// The REST budget a response's `x-ratelimit-*` headers report (each request costs one).
fn budget(headers: &axum::http::HeaderMap) -> Option<RateLimit> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.parse::<i64>().ok();
    let reset_at = chrono::DateTime::from_timestamp(number("x-ratelimit-reset")?, 0)?;
    Some(RateLimit {
        cost: 1,
        limit: number("x-ratelimit-limit")?,
        remaining: number("x-ratelimit-remaining")?,
        reset_at,
    })
}
