//! A fake GitHub on loopback for the real client: it mints installation tokens only for a JWT signed by
//! the test App's key, accepts comments only with such a token, can be told to answer the next calls
//! with a rate limit or a server error, and records every call so tests can check them one by one.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use octocrab::jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::{Value, json};

use super::fixture;

/// The App id the fake accepts.
pub const APP_ID: u64 = 4242;

/// One call the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// `jwt` (a valid App JWT), `token` (a token the fake minted), or `none`.
    pub auth: &'static str,
    pub body: Value,
    pub status: u16,
}

/// How to answer the next comment call instead of creating the comment.
#[derive(Debug, Clone, Copy)]
pub enum Trouble {
    RateLimited {
        retry_after: u64,
    },
    ServerError,
    /// Posts the comment, then answers 502 all the same (GitHub sometimes does).
    CreatedThenFailed,
    /// Posts the comment, and says the installation's budget is spent until `reset_in` seconds from now.
    Spent {
        reset_in: u64,
    },
}

#[derive(Default)]
struct State {
    /// Every call, with when it arrived.
    calls: Mutex<Vec<(std::time::Instant, Call)>>,
    trouble: Mutex<VecDeque<Trouble>>,
    /// Installations that no longer exist (uninstalled): minting a token for them is refused.
    gone: Mutex<Vec<i64>>,
    comments: std::sync::atomic::AtomicI64,
    /// Repository permissions by login (any repository); others are not collaborators (404).
    permissions: Mutex<std::collections::HashMap<String, &'static str>>,
    /// Whether permission reads fail with a server error (GitHub having an outage).
    permissions_down: std::sync::atomic::AtomicBool,
    /// Comments the app posted: (id, the issue's comments path, body).
    posted: Mutex<Vec<(i64, String, String)>>,
    /// Comments by other accounts: (id, the issue's comments path, login, body).
    foreign: Mutex<Vec<(i64, String, String, String)>>,
    /// Files on default branches, by `(owner/name, path)`.
    files: Mutex<std::collections::HashMap<(String, String), String>>,
    /// Files at other commits, by `(owner/name, path, sha)`.
    files_at: Mutex<std::collections::HashMap<(String, String, String), String>>,
    /// The paths pull requests changed, by `(owner/name, number)`.
    pr_files: Mutex<std::collections::HashMap<(String, i64), Vec<String>>>,
    /// Issues the app opened: (number, the issues path, title, body).
    issues: Mutex<Vec<(i64, String, String, String)>>,
    /// Check runs the app reported: (id, the commit's check-runs path, external id).
    check_runs: Mutex<Vec<(i64, String, String)>>,
    /// The org history GraphQL answers about.
    history: Mutex<Option<Arc<super::org::Org>>>,
    /// How to answer the next GraphQL queries instead of answering them.
    graphql_trouble: Mutex<VecDeque<GraphqlTrouble>>,
    /// Whether every GraphQL query fails with a server error.
    graphql_down: std::sync::atomic::AtomicBool,
    /// GraphQL queries received, by operation name.
    graphql_calls: Mutex<Vec<String>>,
    /// History reads (GraphQL queries, pages of review comments) being answered now, and the most at once.
    reading: std::sync::atomic::AtomicUsize,
    most_reading: std::sync::atomic::AtomicUsize,
    /// GraphQL queries that did not ask for node ids in the current format (`X-Github-Next-Global-ID`).
    graphql_legacy_ids: std::sync::atomic::AtomicU64,
    /// Follow-up pages (one item's nested list) still to answer short: no nodes, the true `totalCount`,
    /// and no next page, as GitHub sometimes does without an error.
    short_follow_ups: std::sync::atomic::AtomicU32,
    /// Whether pages of pull requests come back empty (as if every pull request were opened later).
    pulls_hidden: std::sync::atomic::AtomicBool,
    /// Whether the last page of review comments holds one on a pull request GitHub cannot find.
    orphan_comment: std::sync::atomic::AtomicBool,
    /// How long each GraphQL answer takes.
    graphql_latency: Mutex<std::time::Duration>,
    /// The App's deliveries GitHub lists, newest first, with the payload each sent (None: GitHub
    /// will not give it).
    hook_deliveries: Mutex<Vec<(Value, Option<Value>)>>,
    /// Deliveries the app asked GitHub to send again.
    redelivered: Mutex<Vec<i64>>,
    /// Whether the manifest code was exchanged already.
    converted: std::sync::atomic::AtomicBool,
}

/// One history read being answered, counted while it lasts.
struct Reading<'a>(&'a State);

impl<'a> Reading<'a> {
    fn starts(state: &'a State) -> Reading<'a> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = state.reading.fetch_add(1, SeqCst) + 1;
        state.most_reading.fetch_max(now, SeqCst);
        Reading(state)
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.reading.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The code the fake's manifest flow exchanges (once) for an App: the test App, with
/// [`MANIFEST_WEBHOOK_SECRET`].
pub const MANIFEST_CODE: &str = "manifest-code-1";
pub const MANIFEST_WEBHOOK_SECRET: &str = "setup-made-webhook-secret-3377";

/// The personal access token the fake accepts for reads.
pub const READ_TOKEN: &str = "ghp_fake_read_token";

/// How to answer a GraphQL query instead of answering it.
#[derive(Debug, Clone, Copy)]
pub enum GraphqlTrouble {
    BadGateway,
    /// `RATE_LIMITED`, with the budget spent until `reset_in` seconds from now.
    RateLimited {
        reset_in: u64,
    },
}

/// A text as the app wrote it, without the hidden tag it ends with (tests compare the texts).
pub fn untagged(text: &str) -> &str {
    text.find("\n\n<!-- amp:sent:").map_or(text, |at| &text[..at])
}

pub struct FakeGitHub {
    pub addr: SocketAddr,
    state: Arc<State>,
}

#[derive(serde::Deserialize)]
struct Claims {
    iss: Value,
    iat: i64,
    exp: i64,
}

fn app_jwt_is_valid(headers: &HeaderMap) -> bool {
    let Some(token) = bearer(headers) else { return false };
    let key = DecodingKey::from_rsa_pem(&fixture("../test-app-key.pub.pem")).expect("public key");
    let mut validation = Validation::new(Algorithm::RS256);
    // `iss` is checked below: octocrab sends the App id as a number, which the library does not read.
    validation.set_required_spec_claims(&["exp"]);
    let Ok(data) = decode::<Claims>(&token, &key, &validation) else { return false };
    let now = chrono::Utc::now().timestamp();
    let iss_matches = data.claims.iss == json!(APP_ID) || data.claims.iss == json!(APP_ID.to_string());
    // GitHub wants `iat` in the past (to allow for clock drift) and `exp` at most 10 minutes ahead.
    iss_matches && data.claims.iat <= now - 30 && data.claims.exp <= now + 600
}

/// Whether a call carries an installation token the fake minted.
fn authorized(headers: &HeaderMap) -> bool {
    bearer(headers).is_some_and(|t| t.starts_with("ghs_fake_"))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("token ")).map(str::to_owned)
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = Arc::clone(&shared);
            async move {
                if uri.path() == "/graphql" || uri.path().ends_with("/pulls/comments") {
                    let _reading = Reading::starts(&state);
                    let latency = *state.graphql_latency.lock().unwrap();
                    tokio::time::sleep(latency).await;
                    if uri.path() == "/graphql" {
                        return graphql(&state, &headers, &body);
                    }
                    return review_comments(&state, &uri, &headers);
                }
                handle(&state, method, uri, headers, body)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeGitHub { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Lists a delivery attempt of the App's (newest first, as GitHub does), with its payload.
    pub fn put_hook_delivery(&self, id: i64, guid: &str, event: &str, status: u16, payload: Option<Value>) {
        let at = chrono::Utc::now() - chrono::Duration::seconds(1000 - id);
        let item = json!({"id": id, "guid": guid, "delivered_at": at.to_rfc3339(), "redelivery": false,
                          "duration": 0.1, "status": if (200..300).contains(&status) { "OK" } else { "failed" },
                          "status_code": status, "event": event, "action": null,
                          "installation_id": 77, "repository_id": 1});
        let mut list = self.state.hook_deliveries.lock().unwrap();
        list.push((item, payload));
        list.sort_by_key(|(item, _)| std::cmp::Reverse(item["id"].as_i64()));
    }

    /// The deliveries the app asked GitHub to send again.
    pub fn redelivered(&self) -> Vec<i64> {
        self.state.redelivered.lock().unwrap().clone()
    }

    /// Serves `org`'s history over GraphQL.
    pub fn serve_history(&self, org: Arc<super::org::Org>) {
        *self.state.history.lock().unwrap() = Some(org);
    }

    /// Answers the next GraphQL queries with these troubles, in order.
    pub fn graphql_trouble(&self, troubles: &[GraphqlTrouble]) {
        self.state.graphql_trouble.lock().unwrap().extend(troubles.iter().copied());
    }

    /// Follow-up pages still to be answered short.
    pub fn short_follow_ups_left(&self) -> u32 {
        self.state.short_follow_ups.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Answers the next `n` follow-up pages (one item's nested list) short.
    pub fn short_follow_ups(&self, n: u32) {
        self.state.short_follow_ups.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Makes every GraphQL query fail with a 502 (or answer again).
    pub fn graphql_down(&self, down: bool) {
        self.state.graphql_down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// Pages of pull requests answer empty while `hidden`.
    pub fn hide_pulls(&self, hidden: bool) {
        self.state.pulls_hidden.store(hidden, std::sync::atomic::Ordering::SeqCst);
    }

    /// The last page of each repository's review comments holds one on a pull request GitHub cannot
    /// find (deleted with its repository's history rewritten, say) while `orphan`.
    pub fn orphan_review_comment(&self, orphan: bool) {
        self.state.orphan_comment.store(orphan, std::sync::atomic::Ordering::SeqCst);
    }

    /// Each GraphQL answer (and each page of review comments) takes this long.
    pub fn graphql_latency(&self, latency: std::time::Duration) {
        *self.state.graphql_latency.lock().unwrap() = latency;
    }

    /// The operation names of the GraphQL queries received so far, in order.
    pub fn graphql_calls(&self) -> Vec<String> {
        self.state.graphql_calls.lock().unwrap().clone()
    }

    /// The most history reads (GraphQL queries, pages of review comments) answered at once.
    pub fn most_history_reads_at_once(&self) -> usize {
        self.state.most_reading.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many GraphQL queries came without `X-Github-Next-Global-ID: 1`.
    pub fn graphql_without_next_global_ids(&self) -> u64 {
        self.state.graphql_legacy_ids.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Answers the next comment calls with these troubles, in order.
    pub fn trouble(&self, troubles: &[Trouble]) {
        self.state.trouble.lock().unwrap().extend(troubles.iter().copied());
    }

    /// Gives `login` a permission (`admin`, `write`, `read`…) on every repository.
    pub fn grant(&self, login: &str, permission: &'static str) {
        self.state.permissions.lock().unwrap().insert(login.to_lowercase(), permission);
    }

    /// Makes permission reads fail with a server error (`true`) or answer again (`false`).
    pub fn permissions_down(&self, down: bool) {
        self.state.permissions_down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn uninstall(&self, installation: i64) {
        self.state.gone.lock().unwrap().push(installation);
    }

    /// A comment on an issue's comments path by another Bot account, such as another App.
    pub fn comment_as(&self, path: &str, login: &str, body: &str) {
        let id = 9001 + self.state.comments.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.state.foreign.lock().unwrap().push((id, path.to_owned(), login.to_owned(), body.to_owned()));
    }

    /// Deletes every comment the app posted (a person removing them).
    pub fn delete_comments(&self) {
        self.state.posted.lock().unwrap().clear();
    }

    /// The bodies of the comments on an issue's comments path, oldest first, without their tags.
    pub fn comments(&self, path: &str) -> Vec<String> {
        let posted = self.state.posted.lock().unwrap();
        posted.iter().filter(|(_, p, _)| p == path).map(|(_, _, b)| untagged(b).to_owned()).collect()
    }

    /// The titles of the issues the app opened in `repo` (`owner/name`), oldest first.
    pub fn issues(&self, repo: &str) -> Vec<String> {
        let path = format!("/repos/{repo}/issues");
        self.state
            .issues
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, p, _, _)| *p == path)
            .map(|(_, _, t, _)| t.clone())
            .collect()
    }

    /// Puts a file on `repo`'s default branch (`None` removes it).
    pub fn put_file(&self, repo: &str, path: &str, text: Option<&str>) {
        let key = (repo.to_owned(), path.to_owned());
        let mut files = self.state.files.lock().unwrap();
        match text {
            Some(text) => files.insert(key, text.to_owned()),
            None => files.remove(&key),
        };
    }

    /// Puts a file at commit `sha` of `repo` (a branch's head), leaving the default branch as it is.
    pub fn put_file_at(&self, repo: &str, path: &str, sha: &str, text: &str) {
        let key = (repo.to_owned(), path.to_owned(), sha.to_owned());
        self.state.files_at.lock().unwrap().insert(key, text.to_owned());
    }

    /// Says which paths pull request `number` of `repo` changed.
    pub fn put_pr_files(&self, repo: &str, number: i64, paths: &[&str]) {
        let paths = paths.iter().map(|p| (*p).to_owned()).collect();
        self.state.pr_files.lock().unwrap().insert((repo.to_owned(), number), paths);
    }

    /// Every call so far, and forgets them.
    pub fn take_calls(&self) -> Vec<Call> {
        self.take_timed_calls().into_iter().map(|(_, call)| call).collect()
    }

    /// Every call so far with when it arrived, and forgets them.
    pub fn take_timed_calls(&self) -> Vec<(std::time::Instant, Call)> {
        std::mem::take(&mut *self.state.calls.lock().unwrap())
    }
}

fn handle(state: &State, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    // Query strings (pagination) are not part of what tests compare.
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (status, auth, reply) = match (method.as_str(), parts.as_slice()) {
        ("GET", ["app", "hook", "deliveries"]) if app_jwt_is_valid(&headers) => {
            // Pages of 2, so that tests cross pages; the cursor is the index to start at.
            let list = state.hook_deliveries.lock().unwrap();
            let start: usize = uri
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("cursor=")))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = list.iter().skip(start).take(2).map(|(item, _)| item.clone()).collect();
            let call = Call { method: method.to_string(), path, auth: "jwt", body, status: 200 };
            record(state, call);
            let mut response = axum::Json(Value::Array(page)).into_response();
            if start + 2 < list.len() {
                let link = format!("<http://fake/app/hook/deliveries?per_page=100&cursor={}>; rel=\"next\"", start + 2);
                response.headers_mut().insert("link", link.parse().unwrap());
            }
            return response;
        }
        ("GET", ["app", "hook", "deliveries", id]) if app_jwt_is_valid(&headers) => {
            let list = state.hook_deliveries.lock().unwrap();
            let id: i64 = id.parse().unwrap_or(-1);
            let found = list.iter().find(|(item, _)| item["id"].as_i64() == Some(id));
            match found {
                Some((item, Some(payload))) => {
                    let mut delivery = item.clone();
                    delivery["request"] = json!({"headers": {"X-GitHub-Event": item["event"]}, "payload": payload});
                    (StatusCode::OK, "jwt", delivery)
                }
                _ => (StatusCode::NOT_FOUND, "jwt", json!({"message": "Not Found"})),
            }
        }
        ("POST", ["app", "hook", "deliveries", id, "attempts"]) if app_jwt_is_valid(&headers) => {
            state.redelivered.lock().unwrap().push(id.parse().unwrap_or(-1));
            (StatusCode::ACCEPTED, "jwt", json!({}))
        }
        ("GET", ["orgs", _, "installation"]) if app_jwt_is_valid(&headers) => {
            (StatusCode::OK, "jwt", json!({"id": 77}))
        }
        ("POST", ["app", "installations", id, "access_tokens"]) => {
            let id: i64 = id.parse().unwrap_or(-1);
            if !app_jwt_is_valid(&headers) {
                (StatusCode::UNAUTHORIZED, "none", json!({"message": "A JSON web token could not be decoded"}))
            } else if state.gone.lock().unwrap().contains(&id) {
                (StatusCode::NOT_FOUND, "jwt", json!({"message": "Not Found"}))
            } else {
                let expires =
                    (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
                let token = json!({"token": format!("ghs_fake_{id}"), "expires_at": expires, "permissions": {"issues": "write"}});
                (StatusCode::CREATED, "jwt", token)
            }
        }
        ("POST", ["repos", _, _, "issues", _, "comments"]) => {
            if !bearer(&headers).is_some_and(|t| t.starts_with("ghs_fake_")) {
                (StatusCode::UNAUTHORIZED, "none", json!({"message": "Bad credentials"}))
            } else {
                match state.trouble.lock().unwrap().pop_front() {
                    Some(Trouble::RateLimited { retry_after }) => {
                        record(state, Call { method: method.to_string(), path, auth: "token", body, status: 429 });
                        let message = json!({"message": "You have exceeded a secondary rate limit"}).to_string();
                        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", retry_after.to_string())], message)
                            .into_response();
                    }
                    Some(Trouble::ServerError) => {
                        (StatusCode::BAD_GATEWAY, "token", json!({"message": "Server Error"}))
                    }
                    Some(Trouble::CreatedThenFailed) => {
                        post_comment(state, &path, &body);
                        (StatusCode::BAD_GATEWAY, "token", json!({"message": "Server Error"}))
                    }
                    Some(Trouble::Spent { reset_in }) => {
                        let (status, auth, reply) = post_comment(state, &path, &body);
                        record(state, Call { method: method.to_string(), path, auth, body, status: status.as_u16() });
                        let reset = (chrono::Utc::now().timestamp() + reset_in as i64).to_string();
                        let headers = [("x-ratelimit-remaining", "0".to_owned()), ("x-ratelimit-reset", reset)];
                        return (status, headers, axum::Json(reply)).into_response();
                    }
                    None => post_comment(state, &path, &body),
                }
            }
        }
        ("GET", ["repos", _, _, "issues", _, "comments"]) if authorized(&headers) => {
            let foreign = state.foreign.lock().unwrap();
            let theirs = foreign.iter().filter(|(_, p, _, _)| *p == path);
            let theirs = theirs.map(|(id, _, l, b)| json!({"id": id, "body": b, "user": {"login": l, "type": "Bot"}}));
            let posted = state.posted.lock().unwrap();
            let ours = posted.iter().filter(|(_, p, _)| *p == path);
            let ours =
                ours.map(|(id, _, b)| json!({"id": id, "body": b, "user": {"login": "ladder[bot]", "type": "Bot"}}));
            let list: Vec<Value> = theirs.chain(ours).collect();
            (StatusCode::OK, "token", Value::Array(list))
        }
        ("PATCH", ["repos", _, _, "issues", "comments", id]) if authorized(&headers) => {
            let id: i64 = id.parse().unwrap_or(-1);
            let mut posted = state.posted.lock().unwrap();
            match posted.iter_mut().find(|(i, _, _)| *i == id) {
                Some(comment) => {
                    comment.2 = body["body"].as_str().unwrap_or_default().to_owned();
                    (StatusCode::OK, "token", json!({"id": id}))
                }
                None => (StatusCode::NOT_FOUND, "token", json!({"message": "Not Found"})),
            }
        }
        ("POST", ["repos", _, _, "issues"]) if authorized(&headers) => {
            let number = 500 + state.comments.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (title, text) = (body["title"].as_str().unwrap_or_default(), body["body"].as_str().unwrap_or_default());
            state.issues.lock().unwrap().push((number, path.clone(), title.to_owned(), text.to_owned()));
            (StatusCode::CREATED, "token", json!({"number": number, "title": body["title"]}))
        }
        ("GET", ["repos", _, _, "issues"]) if authorized(&headers) => {
            let issues = state.issues.lock().unwrap();
            let ours = issues.iter().filter(|(_, p, _, _)| *p == path);
            let list = ours.map(|(n, _, t, b)| json!({"number": n, "title": t, "body": b, "user": {"login": "ladder[bot]", "type": "Bot"}}));
            (StatusCode::OK, "token", Value::Array(list.collect()))
        }
        ("GET", ["repos", owner, name, "commits", sha, "check-runs"]) if authorized(&headers) => {
            let key = format!("/repos/{owner}/{name}/commits/{sha}/check-runs");
            let runs = state.check_runs.lock().unwrap();
            let ours = runs.iter().filter(|(_, p, _)| *p == key).map(|(id, _, e)| json!({"id": id, "external_id": e}));
            let list: Vec<Value> = ours.collect();
            (StatusCode::OK, "token", json!({"total_count": list.len(), "check_runs": list}))
        }
        ("POST", ["repos", _, _, "issues", _, "labels"]) if authorized(&headers) => {
            (StatusCode::OK, "token", body["labels"].clone())
        }
        ("DELETE", ["repos", _, _, "issues", _, "labels", _]) if authorized(&headers) => {
            (StatusCode::OK, "token", json!([]))
        }
        ("GET", ["repos", owner, name, "contents", file @ ..]) if authorized(&headers) => {
            let (repo, file) = (format!("{owner}/{name}"), file.join("/"));
            let at = uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("ref=")));
            // A commit not put with `put_file_at` is the default branch's head.
            let key = (repo, file);
            let pinned = at.and_then(|sha| {
                state.files_at.lock().unwrap().get(&(key.0.clone(), key.1.clone(), sha.to_owned())).cloned()
            });
            let found = pinned.or_else(|| state.files.lock().unwrap().get(&key).cloned());
            let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
            let call = Call { method: method.to_string(), path, auth: "token", body, status: status.as_u16() };
            record(state, call);
            return match found {
                Some(text) => (status, text).into_response(),
                None => (status, axum::Json(json!({"message": "Not Found"}))).into_response(),
            };
        }
        ("GET", ["repos", owner, name, "pulls", number, "files"]) if authorized(&headers) => {
            let key = (format!("{owner}/{name}"), number.parse().unwrap_or(-1));
            match state.pr_files.lock().unwrap().get(&key) {
                Some(paths) => {
                    let files: Vec<Value> =
                        paths.iter().map(|p| json!({"filename": p, "status": "modified"})).collect();
                    (StatusCode::OK, "token", Value::Array(files))
                }
                None => (StatusCode::NOT_FOUND, "token", json!({"message": "Not Found"})),
            }
        }
        ("POST", [_, owner, name, "check-runs"]) if authorized(&headers) => {
            let id = 7001 + state.comments.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let sha = body["head_sha"].as_str().unwrap_or_default();
            let runs_path = format!("/repos/{owner}/{name}/commits/{sha}/check-runs");
            let external = body["external_id"].as_str().unwrap_or_default().to_owned();
            state.check_runs.lock().unwrap().push((id, runs_path, external));
            (StatusCode::CREATED, "token", json!({"id": id, "head_sha": body["head_sha"]}))
        }
        // The manifest flow's exchange: the one code the fake issued, once; any other is unknown
        // (expired or used), as GitHub answers it.
        ("POST", ["app-manifests", code, "conversions"]) => {
            if *code == MANIFEST_CODE && !state.converted.swap(true, std::sync::atomic::Ordering::SeqCst) {
                let pem = String::from_utf8(fixture("../test-app-key.pem")).unwrap();
                let app = json!({"id": APP_ID, "slug": "ladder-test", "name": "ladder test",
                                 "html_url": "https://github.example/apps/ladder-test", "pem": pem,
                                 "webhook_secret": MANIFEST_WEBHOOK_SECRET, "client_id": "Iv1.x",
                                 "client_secret": "never-used"});
                (StatusCode::CREATED, "none", app)
            } else {
                (StatusCode::NOT_FOUND, "none", json!({"message": "Not Found"}))
            }
        }
        ("GET", ["app"]) if app_jwt_is_valid(&headers) => {
            (StatusCode::OK, "jwt", json!({"id": APP_ID, "slug": "ladder", "name": "ladder"}))
        }
        ("GET", ["repos", _, _, "collaborators", login, "permission"]) => {
            if !bearer(&headers).is_some_and(|t| t.starts_with("ghs_fake_")) {
                (StatusCode::UNAUTHORIZED, "none", json!({"message": "Bad credentials"}))
            } else if state.permissions_down.load(std::sync::atomic::Ordering::SeqCst) {
                (StatusCode::BAD_GATEWAY, "token", json!({"message": "Server Error"}))
            } else {
                match state.permissions.lock().unwrap().get(&login.to_lowercase()) {
                    Some(p) => (StatusCode::OK, "token", json!({"permission": p, "role_name": p})),
                    None => (StatusCode::NOT_FOUND, "token", json!({"message": "Not Found"})),
                }
            }
        }
        _ => (StatusCode::NOT_FOUND, "none", json!({"message": "Not Found"})),
    };
    record(state, Call { method: method.to_string(), path, auth, body, status: status.as_u16() });
    (status, axum::Json(reply)).into_response()
}

/// Posts a comment on the issue at `path` (its comments path).
/// A GraphQL query: validated against GitHub's published schema (a query GitHub would refuse is
/// answered with GitHub's kind of error), then answered from the history.
fn graphql(state: &State, headers: &HeaderMap, body: &[u8]) -> Response {
    let token = bearer(headers).unwrap_or_default();
    if !(token.starts_with("ghs_fake_") || token == READ_TOKEN) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "Bad credentials"}))).into_response();
    }
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let query = request["query"].as_str().unwrap_or_default();
    let op = query.split_once('(').map_or("", |(head, _)| head.trim_start_matches("query").trim()).to_owned();
    state.graphql_calls.lock().unwrap().push(op.clone());
    if headers.get("x-github-next-global-id").is_none_or(|v| v != "1") {
        state.graphql_legacy_ids.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    if let Some(problems) = super::schema::problems(query) {
        return axum::Json(json!({"errors": [{"message": problems}]})).into_response();
    }
    // A team's fields need the org's members permission (a token's `read:org`), which backfill's
    // reader does not have: GitHub refuses the whole query.
    if query.contains("on Team {") {
        let message = "Your token has not been granted the required scopes to execute this query. The 'slug' \
                       field requires one of the following scopes: ['read:org'].";
        return axum::Json(json!({"errors": [{"type": "INSUFFICIENT_SCOPES", "message": message}]})).into_response();
    }
    if state.graphql_down.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::BAD_GATEWAY, axum::Json(json!({"message": "Server Error"}))).into_response();
    }
    let reset = chrono::Utc::now() + chrono::Duration::hours(1);
    match state.graphql_trouble.lock().unwrap().pop_front() {
        Some(GraphqlTrouble::BadGateway) => {
            return (StatusCode::BAD_GATEWAY, axum::Json(json!({"message": "Server Error"}))).into_response();
        }
        Some(GraphqlTrouble::RateLimited { reset_in }) => {
            let reset = (chrono::Utc::now().timestamp() + reset_in as i64).to_string();
            let headers = [
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", reset),
                ("x-ratelimit-resource", "graphql".to_owned()),
            ];
            let reply = json!({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]});
            return (StatusCode::OK, headers, axum::Json(reply)).into_response();
        }
        None => {}
    }
    let calls = state.graphql_calls.lock().unwrap().len() as i64;
    let rate = json!({"cost": 1, "limit": 5000, "remaining": 4999 - calls % 3000,
                      "resetAt": reset.format("%Y-%m-%dT%H:%M:%SZ").to_string()});
    if op == "PullRequests" && state.pulls_hidden.load(std::sync::atomic::Ordering::SeqCst) {
        let none = json!({"pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": []});
        return axum::Json(json!({"data": {"rateLimit": rate, "repository": {"pullRequests": none}}})).into_response();
    }
    // Without a history to serve, an org with no repositories (a backfill of it ends at once).
    let history = state.history.lock().unwrap().clone().unwrap_or_else(|| Arc::new(super::org::Org::empty()));
    match history.answer(&op, &request["variables"], rate) {
        // As GitHub answers a number it cannot find: `null`, and an error saying so.
        Some(data) if op == "PullRequestAuthor" && data["repository"]["pullRequest"].is_null() => {
            let message =
                format!("Could not resolve to a PullRequest with the number of {}.", request["variables"]["number"]);
            let error = json!({"type": "NOT_FOUND", "path": ["repository", "pullRequest"], "message": message});
            axum::Json(json!({"data": data, "errors": [error]})).into_response()
        }
        Some(mut data) => {
            let follow_up = ["PullRequestFiles", "PullRequestReviews", "PullRequestTimeline", "IssueTimeline"];
            let pointer = match op.as_str() {
                "PullRequestFiles" => "/repository/pullRequest/files",
                "PullRequestReviews" => "/repository/pullRequest/reviews",
                "PullRequestTimeline" => "/repository/pullRequest/timelineItems",
                _ => "/repository/issue/timelineItems",
            };
            let short = &state.short_follow_ups;
            let shorten = follow_up.contains(&op.as_str()) && short.load(std::sync::atomic::Ordering::SeqCst) > 0;
            if let Some(list) = data.pointer_mut(pointer).filter(|_| shorten) {
                short.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                list["nodes"] = json!([]);
                list["pageInfo"] = json!({"hasNextPage": false, "endCursor": null});
            }
            axum::Json(json!({"data": data})).into_response()
        }
        None => axum::Json(json!({"errors": [{"message": format!("the fake has no answer to {op}")}]})).into_response(),
    }
}

/// `GET /repos/{owner}/{repo}/pulls/comments`: a page of the history's review comments, with a `link`
/// to the next and the REST budget in `x-ratelimit-*`; the history troubles (502, rate limit) apply to
/// it as to GraphQL.
fn review_comments(state: &State, uri: &Uri, headers: &HeaderMap) -> Response {
    let token = bearer(headers).unwrap_or_default();
    if !(token.starts_with("ghs_fake_") || token == READ_TOKEN) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "Bad credentials"}))).into_response();
    }
    state.graphql_calls.lock().unwrap().push("GET review comments".to_owned());
    let reset = (chrono::Utc::now().timestamp() + 3600).to_string();
    match state.graphql_trouble.lock().unwrap().pop_front() {
        Some(GraphqlTrouble::BadGateway) => {
            return (StatusCode::BAD_GATEWAY, axum::Json(json!({"message": "Server Error"}))).into_response();
        }
        Some(GraphqlTrouble::RateLimited { reset_in }) => {
            let reset = (chrono::Utc::now().timestamp() + reset_in as i64).to_string();
            let headers = [
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", reset),
                ("x-ratelimit-resource", "core".to_owned()),
            ];
            let reply = json!({"message": "API rate limit exceeded for installation ID 77."});
            return (StatusCode::FORBIDDEN, headers, axum::Json(reply)).into_response();
        }
        None => {}
    }
    let query = uri.query().unwrap_or_default();
    let param = |name: &str| query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='));
    assert_eq!((param("sort"), param("direction")), (Some("created"), Some("asc")), "oldest first: {query}");
    let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = param("per_page").and_then(|p| p.parse().ok()).unwrap_or(30).min(100);
    let parts: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let history = state.history.lock().unwrap().clone().unwrap_or_else(|| Arc::new(super::org::Org::empty()));
    let Some((list, more)) = history.review_comments(parts.get(2).copied().unwrap_or_default(), page, per_page) else {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"message": "Not Found"}))).into_response();
    };
    let mut list = list;
    if !more && state.orphan_comment.load(std::sync::atomic::Ordering::SeqCst) {
        let url = format!("https://api.github.com{}", uri.path().replace("/pulls/comments", "/pulls/999999"));
        list.push(json!({"id": 999_999, "user": {"id": 100, "login": "person0", "type": "User"},
                         "created_at": "2025-01-01T00:00:00Z", "pull_request_url": url, "body": "lost"}));
    }
    let mut response = axum::Json(Value::Array(list)).into_response();
    let budget = [
        ("x-ratelimit-limit", "5000".to_owned()),
        ("x-ratelimit-remaining", "4990".to_owned()),
        ("x-ratelimit-reset", reset),
        ("x-ratelimit-resource", "core".to_owned()),
    ];
    for (name, value) in budget {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    if more {
        let link = format!("<{}?page={}>; rel=\"next\"", uri.path(), page + 1);
        response.headers_mut().insert("link", link.parse().unwrap());
    }
    response
}

fn post_comment(state: &State, path: &str, body: &Value) -> (StatusCode, &'static str, Value) {
    let id = 1001 + state.comments.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let text = body["body"].as_str().unwrap_or_default().to_owned();
    state.posted.lock().unwrap().push((id, path.to_owned(), text));
    (StatusCode::CREATED, "token", json!({"id": id, "body": body["body"]}))
}

/// Records a call; a posted text is recorded without its tag, so tests compare the texts themselves.
fn record(state: &State, mut call: Call) {
    if let Some(text) = call.body["body"].as_str().map(|b| untagged(b).to_owned()) {
        call.body["body"] = text.into();
    }
    if call.body.get("external_id").is_some() {
        call.body.as_object_mut().unwrap().remove("external_id");
    }
    state.calls.lock().unwrap().push((std::time::Instant::now(), call));
}
