//! GitHub: the App's REST client.
//!
//! Owns: authenticating as the App (an RS256 JWT from the App id and private key, issued 60 s in the
//! past) and as each installation (a token minted per installation, cached until shortly before it
//! expires; octocrab keeps it), every REST call the app makes, and reading each response into a
//! [`Verdict`]. Calls go to `GITHUB_API_URL`, so tests point the real client at a fake GitHub. The
//! client never retries by itself: a repeated POST could post twice, so the dispatcher decides. Once
//! GitHub rate-limits an installation (or says its budget is spent), the client sends nothing more for
//! it until the wait is over: every call for it, the planner's reads too, answers
//! [`Verdict::RateLimited`] at once.
//!
//! Never does: decide what to post, or wait (see [`crate::outbound::dispatch`]).

pub mod history;
pub mod manifest;
pub mod verdict;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use octocrab::service::middleware::retry::RetryConfig;
pub use verdict::Verdict;

use ladder_core::commands::permission::RepoPermission;
use ladder_core::plan::sticky::{self, Move};
use ladder_core::text::reply::CheckReport;

/// The App's credentials. Without them the app runs in dry-run.
#[derive(Clone)]
pub struct AppCredentials {
    pub app_id: u64,
    pub key: octocrab::jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials").field("app_id", &self.app_id).field("key", &"<redacted>").finish()
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot use GITHUB_API_URL `{url}`: {reason}; it should look like https://api.github.com")]
    BadUrl { url: String, reason: String },
}

/// The App's client once there is one: from the settings at start, or from the setup flow later (the
/// app then sends without a restart). Without one the app runs in dry-run. Cheap to clone.
#[derive(Clone)]
pub struct AppClient(Arc<tokio::sync::watch::Sender<Option<Arc<GitHub>>>>);

impl AppClient {
    pub fn new(github: Option<Arc<GitHub>>) -> AppClient {
        AppClient(Arc::new(tokio::sync::watch::Sender::new(github)))
    }

    /// The client now, if there is one.
    pub fn get(&self) -> Option<Arc<GitHub>> {
        self.0.borrow().clone()
    }

    /// Starts sending as this App, from now on.
    pub fn set(&self, github: Arc<GitHub>) {
        self.0.send_replace(Some(github));
    }

    /// The client, once there is one.
    pub async fn ready(&self) -> Arc<GitHub> {
        let mut changes = self.0.subscribe();
        loop {
            if let Some(github) = changes.borrow_and_update().clone() {
                return github;
            }
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// How long a call may take before it counts as a transient failure.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The App's client; cheap to share.
pub struct GitHub {
    app: Octocrab,
    /// Repository permissions by `(repo, login)`, with when they were read.
    permissions: Mutex<HashMap<(String, String), (RepoPermission, Instant)>>,
    /// One client per installation, shared: its cached token lives in it (a clone would start empty).
    installations: Mutex<HashMap<i64, Arc<Octocrab>>>,
    /// The App's own account login (`slug[bot]`), once read.
    login: Mutex<Option<String>>,
    /// Installations GitHub asked to wait, until when.
    resting: Mutex<HashMap<i64, Instant>>,
}

impl GitHub {
    pub fn new(api_url: &str, credentials: &AppCredentials) -> Result<GitHub, ClientError> {
        let bad = |reason: String| ClientError::BadUrl { url: api_url.to_owned(), reason };
        let app = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| bad(e.to_string()))?
            .app(AppId(credentials.app_id), credentials.key.clone())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(TIMEOUT))
            .set_read_timeout(Some(TIMEOUT))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(GitHub {
            app,
            permissions: Mutex::new(HashMap::new()),
            installations: Mutex::new(HashMap::new()),
            login: Mutex::new(None),
            resting: Mutex::new(HashMap::new()),
        })
    }

    /// The client of one installation; its token is minted on first use and renewed before it expires.
    /// While GitHub asked the installation to wait, the wait that is left instead.
    fn installation(&self, id: i64) -> Result<Arc<Octocrab>, Verdict> {
        if let Some(until) = self.resting.lock().unwrap_or_else(|e| e.into_inner()).get(&id)
            && let Some(left) = until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
        {
            return Err(Verdict::RateLimited(left));
        }
        let mut cache = self.installations.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = cache.get(&id) {
            return Ok(Arc::clone(client));
        }
        let id_u64 = u64::try_from(id).map_err(|_| Verdict::refused(format!("invalid installation id {id}")))?;
        let client = self.app.installation(InstallationId(id_u64)).map_err(|e| Verdict::refused(e.to_string()))?;
        let client = Arc::new(client);
        cache.insert(id, Arc::clone(&client));
        Ok(client)
    }

    /// A reader of history as installation `id`.
    pub fn history(&self, id: i64) -> Result<history::Reader, Verdict> {
        Ok(history::Reader::new(self.installation(id)?))
    }

    /// The id of the App's installation on `owner` (an org or a user), read as the App.
    pub async fn installation_of(&self, owner: &str) -> Result<i64, Verdict> {
        let owner = path_segment(owner);
        let mut found = answer(self.app._get(format!("/orgs/{owner}/installation")).await).await.0;
        if found.as_ref().is_err_and(Verdict::is_not_found) {
            found = answer(self.app._get(format!("/users/{owner}/installation")).await).await.0;
        }
        let json = as_json(found?);
        json["id"].as_i64().ok_or_else(|| Verdict::refused("GitHub's reply has no installation id"))
    }

    /// One page of the App's recent deliveries (newest first) from `cursor`, and the next page's cursor
    /// (from the `link` header), read as the App.
    pub async fn hook_deliveries(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<ladder_core::reconcile::Listed>, Option<String>), Verdict> {
        let mut path = "/app/hook/deliveries?per_page=100".to_owned();
        if let Some(cursor) = cursor {
            path.push_str(&format!("&cursor={}", path_segment(cursor)));
        }
        let response = self.app._get(path).await;
        let link = response.as_ref().ok().and_then(|r| r.headers().get("link")?.to_str().ok().map(str::to_owned));
        let text = answer(response).await.0?;
        let page = serde_json::from_str(&text)
            .map_err(|e| Verdict::refused(format!("GitHub's list of deliveries does not read: {e}")))?;
        Ok((page, link.as_deref().and_then(next_cursor)))
    }

    /// A delivery GitHub keeps, with the request it sent (`request.payload`), read as the App.
    pub async fn hook_delivery(&self, id: i64) -> Result<serde_json::Value, Verdict> {
        Ok(as_json(answer(self.app._get(format!("/app/hook/deliveries/{id}")).await).await.0?))
    }

    /// Asks GitHub to send a delivery again (under the same GUID).
    pub async fn redeliver(&self, id: i64) -> Result<(), Verdict> {
        let none: Option<&()> = None;
        answer(self.app._post(format!("/app/hook/deliveries/{id}/attempts"), none).await).await.0.map(drop)
    }

    /// Posts a comment on issue or PR `number` of `repo` (`owner/name`). Returns the comment's id.
    pub async fn comment(&self, installation: i64, repo: &str, number: i64, body: &str) -> Result<i64, Verdict> {
        let client = self.installation(installation)?;
        let path = format!("/repos/{repo}/issues/{number}/comments");
        let response = client._post(path, Some(&serde_json::json!({ "body": body }))).await;
        let json = self.read(installation, response).await?;
        json["id"].as_i64().ok_or_else(|| Verdict::refused("GitHub's reply has no comment id"))
    }
}

impl GitHub {
    /// The login of the App's own account (`slug[bot]`), read from GitHub once (`GET /app`, as the App).
    async fn login(&self) -> Result<String, Verdict> {
        if let Some(login) = self.login.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(login);
        }
        let json = as_json(answer(self.app._get("/app").await).await.0?);
        let slug = json["slug"].as_str().ok_or_else(|| Verdict::refused("GitHub's reply has no App slug"))?;
        let login = format!("{slug}[bot]");
        *self.login.lock().unwrap_or_else(|e| e.into_inner()) = Some(login.clone());
        Ok(login)
    }

    /// Keeps one comment starting with `marker` on issue or PR `number`: finds the app's own
    /// ([`sticky::ours`]), then leaves, edits or posts it as [`sticky::decide`] says (posting when the
    /// comment was deleted meanwhile). Returns what it did, for the outbox.
    pub async fn sticky(
        &self,
        installation: i64,
        repo: &str,
        number: i64,
        marker: &str,
        body: &str,
    ) -> Result<String, Verdict> {
        let found = self.find_sticky(installation, repo, number, marker).await?;
        let found = found.as_ref().map(|(id, text)| (*id, text.as_str()));
        let client = self.installation(installation)?;
        let post = || async { self.comment(installation, repo, number, body).await.map(|id| format!("comment {id}")) };
        match sticky::decide(found, body) {
            Move::Leave(id) => Ok(format!("comment {id} unchanged")),
            Move::Edit(id) => {
                let path = format!("/repos/{repo}/issues/comments/{id}");
                let edit = client._patch(path, Some(&serde_json::json!({ "body": body }))).await;
                match self.read(installation, edit).await {
                    Ok(_) => Ok(format!("edited comment {id}")),
                    Err(gone) if gone.is_not_found() => post().await,
                    Err(other) => Err(other),
                }
            }
            Move::Post => post().await,
        }
    }

    /// The app's comment starting with `marker` on issue or PR `number` (id and text), looked for
    /// page by page.
    async fn find_sticky(
        &self,
        installation: i64,
        repo: &str,
        number: i64,
        marker: &str,
    ) -> Result<Option<(i64, String)>, Verdict> {
        let client = self.installation(installation)?;
        let me = self.login().await?;
        for page in 1.. {
            let path = format!("/repos/{repo}/issues/{number}/comments?per_page=100&page={page}");
            let listed = self.read(installation, client._get(path).await).await?;
            let listed = listed.as_array().map(Vec::as_slice).unwrap_or_default();
            let comments: Vec<sticky::Comment> = listed
                .iter()
                .map(|c| sticky::Comment {
                    id: c["id"].as_i64().unwrap_or(0),
                    author: c["user"]["login"].as_str().unwrap_or(""),
                    body: c["body"].as_str().unwrap_or(""),
                })
                .collect();
            if let Some(ours) = sticky::ours(&comments, &me, marker) {
                return Ok(Some((ours.id, ours.body.to_owned())));
            }
            if listed.len() < 100 {
                break;
            }
        }
        Ok(None)
    }

    /// The id of the app's comment on issue or PR `number` holding `tag`, updated since `since`.
    pub async fn find_comment(
        &self,
        installation: i64,
        repo: &str,
        number: i64,
        tag: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<i64>, Verdict> {
        let since = since.format("%Y-%m-%dT%H:%M:%SZ");
        let list = format!("/repos/{repo}/issues/{number}/comments?since={since}&per_page=100");
        self.find_tagged(installation, &list, tag, "id").await
    }

    /// The number of the app's issue in `repo` holding `tag`, updated since `since`.
    pub async fn find_issue(
        &self,
        installation: i64,
        repo: &str,
        tag: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<i64>, Verdict> {
        let since = since.format("%Y-%m-%dT%H:%M:%SZ");
        let list = format!("/repos/{repo}/issues?state=all&since={since}&per_page=100");
        self.find_tagged(installation, &list, tag, "number").await
    }

    /// `field` of the first item of the list at `list` (100 a page, 10 pages at most) written by the
    /// App's account and holding `tag`.
    async fn find_tagged(&self, installation: i64, list: &str, tag: &str, field: &str) -> Result<Option<i64>, Verdict> {
        let client = self.installation(installation)?;
        let me = self.login().await?;
        for page in 1..=10 {
            let items = self.read(installation, client._get(format!("{list}&page={page}")).await).await?;
            let items = items.as_array().cloned().unwrap_or_default();
            if let Some(found) = items.iter().find(|item| by_with(item, &me, tag)) {
                return Ok(found[field].as_i64());
            }
            if items.len() < 100 {
                break;
            }
        }
        Ok(None)
    }

    /// Opens an issue in `repo`. Returns its number.
    pub async fn create_issue(&self, installation: i64, repo: &str, title: &str, body: &str) -> Result<i64, Verdict> {
        let client = self.installation(installation)?;
        let payload = serde_json::json!({ "title": title, "body": body });
        let json = self.read(installation, client._post(format!("/repos/{repo}/issues"), Some(&payload)).await).await?;
        json["number"].as_i64().ok_or_else(|| Verdict::refused("GitHub's reply has no issue number"))
    }

    /// Adds labels to issue or PR `number` (GitHub keeps those already there).
    pub async fn add_labels(
        &self,
        installation: i64,
        repo: &str,
        number: i64,
        labels: &[String],
    ) -> Result<(), Verdict> {
        let client = self.installation(installation)?;
        let path = format!("/repos/{repo}/issues/{number}/labels");
        self.read(installation, client._post(path, Some(&serde_json::json!({ "labels": labels }))).await)
            .await
            .map(drop)
    }

    /// Removes a label from issue or PR `number`; one already gone is fine.
    pub async fn remove_label(&self, installation: i64, repo: &str, number: i64, label: &str) -> Result<(), Verdict> {
        let client = self.installation(installation)?;
        let path = format!("/repos/{repo}/issues/{number}/labels/{}", path_segment(label));
        match self.read(installation, client._delete(path, None::<&()>).await).await {
            Ok(_) => Ok(()),
            Err(gone) if gone.is_not_found() => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// `login`'s permission on `repo` (`owner/name`), read from GitHub at most every
    /// [`PERMISSION_TTL`]. Someone GitHub does not know as a collaborator has none.
    pub async fn permission(&self, installation: i64, repo: &str, login: &str) -> Result<RepoPermission, Verdict> {
        let key = (repo.to_lowercase(), login.to_lowercase());
        if let Some((permission, at)) = self.permissions.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && at.elapsed() < PERMISSION_TTL
        {
            return Ok(*permission);
        }
        let client = self.installation(installation)?;
        let response = client._get(format!("/repos/{repo}/collaborators/{login}/permission")).await;
        let permission = match self.read(installation, response).await {
            Ok(json) => {
                let name = json["role_name"].as_str().or(json["permission"].as_str()).unwrap_or("none");
                RepoPermission::parse(name)
            }
            Err(none) if none.is_not_found() => RepoPermission::None,
            Err(other) => return Err(other),
        };
        self.permissions.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (permission, Instant::now()));
        Ok(permission)
    }
}

impl GitHub {
    /// The text of file `path` in `repo` at `git_ref` (the default branch when `None`), or `None` when
    /// there is no such file (or no such repository, or the app may not read it).
    pub async fn file(
        &self,
        installation: i64,
        repo: &str,
        path: &str,
        git_ref: Option<&str>,
    ) -> Result<Option<String>, Verdict> {
        let client = self.installation(installation)?;
        let mut headers = axum::http::HeaderMap::new();
        let raw = axum::http::HeaderValue::from_static("application/vnd.github.raw+json");
        headers.insert(axum::http::header::ACCEPT, raw);
        let query = git_ref.map(|r| format!("?ref={}", path_segment(r))).unwrap_or_default();
        let uri = format!("/repos/{repo}/contents/{path}{query}");
        match self.text(installation, client._get_with_headers(uri, Some(headers)).await).await {
            Ok(text) => Ok(Some(text)),
            Err(missing) if missing.is_not_found() => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The id of check run `name` on commit `sha` of `repo` whose `external_id` is `external_id`.
    pub async fn find_check_run(
        &self,
        installation: i64,
        repo: &str,
        (name, sha): (&str, &str),
        external_id: &str,
    ) -> Result<Option<i64>, Verdict> {
        let client = self.installation(installation)?;
        let path = format!("/repos/{repo}/commits/{sha}/check-runs?check_name={}&per_page=100", path_segment(name));
        let json = self.read(installation, client._get(path).await).await?;
        let runs = json["check_runs"].as_array().cloned().unwrap_or_default();
        Ok(runs.iter().find(|r| r["external_id"].as_str() == Some(external_id)).and_then(|r| r["id"].as_i64()))
    }

    /// Reports `report` as a completed check run named `name` on commit `sha` of `repo`, with its
    /// annotations on `path`, under `external_id`. Returns the check run's id.
    pub async fn check_run(
        &self,
        installation: i64,
        repo: &str,
        (name, sha, path): (&str, &str, &str),
        external_id: &str,
        report: &CheckReport,
    ) -> Result<i64, Verdict> {
        let client = self.installation(installation)?;
        let annotations: Vec<serde_json::Value> = report
            .annotations
            .iter()
            .take(50)
            .map(|a| {
                let line = a.line.max(1);
                serde_json::json!({"path": path, "start_line": line, "end_line": line,
                    "annotation_level": "failure", "message": a.message})
            })
            .collect();
        let payload = serde_json::json!({
            "name": name, "head_sha": sha, "external_id": external_id, "status": "completed",
            "conclusion": report.conclusion,
            "output": {"title": report.title, "summary": report.summary, "annotations": annotations},
        });
        let json =
            self.read(installation, client._post(format!("/repos/{repo}/check-runs"), Some(&payload)).await).await?;
        json["id"].as_i64().ok_or_else(|| Verdict::refused("GitHub's reply has no check run id"))
    }

    /// The paths pull request `number` of `repo` changed (GitHub lists at most 3,000).
    pub async fn pr_files(&self, installation: i64, repo: &str, number: i64) -> Result<Vec<String>, Verdict> {
        let client = self.installation(installation)?;
        let mut paths = Vec::new();
        for page in 1..=30 {
            let path = format!("/repos/{repo}/pulls/{number}/files?per_page=100&page={page}");
            let files = self.read(installation, client._get(path).await).await?;
            let files = files.as_array().cloned().unwrap_or_default();
            // PostgreSQL text cannot hold NUL, which JSON can carry (`\u0000`).
            paths.extend(files.iter().filter_map(|f| f["filename"].as_str().map(|p| p.replace('\0', "\u{fffd}"))));
            if files.len() < 100 {
                break;
            }
        }
        Ok(paths)
    }
}

/// Whether a comment or issue is by `me` (the App's account) and holds `tag`.
fn by_with(item: &serde_json::Value, me: &str, tag: &str) -> bool {
    let comment = sticky::Comment {
        id: 0,
        author: item["user"]["login"].as_str().unwrap_or(""),
        body: item["body"].as_str().unwrap_or(""),
    };
    comment.by(me) && comment.body.contains(tag)
}

/// The `rel="next"` part of a `link` header, if there is a next page.
fn next_link(link: &str) -> Option<&str> {
    link.split(',').find(|part| part.contains("rel=\"next\""))
}

/// The `cursor` of the `rel="next"` link in a `link` header.
fn next_cursor(link: &str) -> Option<String> {
    let next = next_link(link)?;
    let url = next.trim().trim_start_matches('<').split('>').next()?;
    let query = url.split_once('?')?.1;
    let cursor = query.split('&').find_map(|kv| kv.strip_prefix("cursor="))?;
    Some(percent_encoding::percent_decode_str(cursor).decode_utf8_lossy().into_owned())
}

/// `text` as one URL path segment: everything but unreserved characters percent-encoded.
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How long a repository permission read from GitHub is trusted.
pub const PERMISSION_TTL: Duration = Duration::from_secs(300);

type Response =
    octocrab::Result<axum::http::Response<http_body_util::combinators::BoxBody<hyper::body::Bytes, octocrab::Error>>>;

impl GitHub {
    /// A response to a call for `installation` as JSON, or the verdict that says why not.
    async fn read(&self, installation: i64, response: Response) -> Result<serde_json::Value, Verdict> {
        self.text(installation, response).await.map(as_json)
    }

    /// A response to a call for `installation` as text, or the verdict that says why not. A rate limit,
    /// or a budget the response says is spent, makes the installation rest.
    async fn text(&self, installation: i64, response: Response) -> Result<String, Verdict> {
        let (result, spent) = answer(response).await;
        let rest = match &result {
            Err(Verdict::RateLimited(wait)) => Some(*wait),
            _ => spent,
        };
        if let Some(rest) = rest {
            let until = Instant::now() + rest;
            let mut resting = self.resting.lock().unwrap_or_else(|e| e.into_inner());
            let entry = resting.entry(installation).or_insert(until);
            *entry = (*entry).max(until);
        }
        result
    }
}

fn as_json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// A response's text, or the verdict that says why not; and how long until the budget renews when
/// the response says it is spent.
async fn answer(response: Response) -> (Result<String, Verdict>, Option<Duration>) {
    let response = match response {
        Ok(response) => response,
        Err(error) => return (Err(transport(error)), None),
    };
    let (parts, body) = response.into_parts();
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let spent = verdict::spent(&parts.headers, now);
    let bytes = match body.collect().await {
        Ok(bytes) => bytes.to_bytes(),
        Err(e) => return (Err(Verdict::Transient(format!("reading GitHub's reply: {e}"))), spent),
    };
    // PostgreSQL text cannot hold NUL, and a file read raw may be stored (a config).
    let text = String::from_utf8_lossy(&bytes).replace('\0', "\u{fffd}");
    match verdict::verdict(parts.status, &parts.headers, &text, now) {
        Verdict::Done => (Ok(text), spent),
        other => (Err(other), spent),
    }
}

/// An error before any response: GitHub refusing the installation token is final (uninstalled,
/// suspended); anything else (connection, timeout) is transient.
fn transport(error: octocrab::Error) -> Verdict {
    match &error {
        octocrab::Error::GitHub { source, .. } if source.status_code.is_client_error() => {
            let why = format!("GitHub refused the installation token: {}", source.message);
            Verdict::Final { status: Some(source.status_code.as_u16()), why }
        }
        _ => Verdict::Transient(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_cursor_is_read_from_the_link_header() {
        let link = "<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12%3D>; rel=\"next\", \
                    <https://api.github.com/app/hook/deliveries?per_page=100>; rel=\"first\"";
        assert_eq!(super::next_cursor(link).as_deref(), Some("v1_12="));
        assert_eq!(super::next_cursor("<https://x/?cursor=a>; rel=\"first\""), None);
    }

    #[test]
    fn label_names_become_one_path_segment() {
        assert_eq!(super::path_segment("amp/ready:committer"), "amp%2Fready%3Acommitter");
        assert_eq!(super::path_segment("good first issue ✓"), "good%20first%20issue%20%E2%9C%93");
    }
}
