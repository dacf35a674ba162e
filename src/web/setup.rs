//! Setup mode: registering the GitHub App from `app-manifest.yml` through GitHub's manifest flow, the
//! first time `ladder serve` runs with neither a webhook secret nor App credentials.
//!
//! Owns: [`Setup`] and its routes. `serve` prints a one-time link (`/setup?token=…`, a random token
//! of 64 hex digits: whoever reaches a fresh public deployment first cannot claim it without it).
//! The page asks who should own the App (an org, or the visitor's own account), then offers a form
//! that posts the manifest, its addresses on `LADDER_PUBLIC_URL` (never on request headers), to
//! GitHub with a random `state`; GitHub sends the browser back with a code and that state. The state
//! is checked (once, for an hour), the `.env` file is created (mode 0600, never over one that exists)
//! before the code is exchanged, the App's id, private key and webhook secret are written to it, and
//! the app starts receiving webhooks and acting as the App at once, without a restart. The private key
//! never appears in a page or a log.
//!
//! Never does: decide the manifest's content (`app-manifest.yml`, filled by
//! [`ladder_core::app_manifest`]) or talk to GitHub itself (`github::manifest` does).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::github::{AppClient, AppCredentials, GitHub};
use crate::inbound::webhook::signature::{Secrets, Verification, Verifier};
use ladder_core::app_manifest;
use ladder_core::env_file;

/// The App's manifest, as shipped.
const MANIFEST: &str = include_str!("../../app-manifest.yml");

/// How long a `state` GitHub sends back is good for (GitHub's own limit on the flow).
const STATE_LIFETIME: Duration = Duration::from_secs(3600);

/// Where setup registers the App and writes its credentials.
#[derive(Debug, Clone)]
pub struct SetupSettings {
    /// This deployment's address, as GitHub and browsers reach it.
    pub public_url: String,
    /// GitHub's web address (`https://github.com`).
    pub github_url: String,
    pub env_file: PathBuf,
}

/// Setup mode's state.
pub struct Setup {
    settings: SetupSettings,
    api_url: String,
    token: String,
    states: Mutex<HashMap<String, Instant>>,
    verifier: Verifier,
    client: AppClient,
    /// The App registered, once it is: its slug and page.
    done: Mutex<Option<(String, String)>>,
}

/// 32 random bytes, hex.
fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).ok()?;
    Some(hex::encode(bytes))
}

impl Setup {
    /// Setup mode, with a new one-time token; None when the system gives no randomness.
    pub fn new(settings: SetupSettings, api_url: &str, verifier: Verifier, client: AppClient) -> Option<Setup> {
        Some(Setup {
            settings,
            api_url: api_url.to_owned(),
            token: random_token()?,
            states: Mutex::new(HashMap::new()),
            verifier,
            client,
            done: Mutex::new(None),
        })
    }

    /// The one-time link to open.
    pub fn link(&self) -> String {
        format!("{}/setup?token={}", self.settings.public_url.trim_end_matches('/'), self.token)
    }

    fn token_ok(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|t| bool::from(t.as_bytes().ct_eq(self.token.as_bytes())))
    }

    fn is_done(&self) -> bool {
        self.done.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// A new state, kept for an hour.
    fn new_state(&self) -> Option<String> {
        let state = random_token()?;
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        states.retain(|_, issued| issued.elapsed() < STATE_LIFETIME);
        states.insert(state.clone(), Instant::now());
        Some(state)
    }

    /// Whether `state` was issued within the hour; it is used up either way.
    fn take_state(&self, state: &str) -> bool {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        states.remove(state).is_some_and(|issued| issued.elapsed() < STATE_LIFETIME)
    }
}

pub fn routes(setup: Option<Arc<Setup>>) -> Router {
    Router::new()
        .route("/setup", get(choose))
        .route("/setup/register", get(register))
        .route("/setup/manifest-callback", get(callback))
        .route("/setup/installed", get(installed))
        .with_state(setup)
}

/// What the setup page shows.
pub enum SetupStep {
    Choose { token: String },
    Register { action: String, manifest: String, owner: String },
    Done { slug: String, install: String },
    Installed,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    admin: bool,
    public_url: String,
    env_file: String,
    step: SetupStep,
}

fn page(setup: &Setup, step: SetupStep) -> Response {
    let view = SetupPage {
        admin: false,
        public_url: setup.settings.public_url.clone(),
        env_file: setup.settings.env_file.display().to_string(),
        step,
    };
    // Never cached, like every admin page.
    super::pages::page(&view, ladder_core::visibility::Scope::All)
}

/// A plain answer with a status and a sentence that says what to do.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, message.into()).into_response()
}

/// The setup routes answer only in setup mode, before the App is registered.
fn active(setup: &Option<Arc<Setup>>) -> Option<&Arc<Setup>> {
    setup.as_ref().filter(|s| !s.is_done())
}

fn set_up() -> Response {
    refuse(StatusCode::NOT_FOUND, "ladder is set up: there is nothing to set up here")
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
    org: Option<String>,
}

fn wrong_token() -> Response {
    refuse(StatusCode::FORBIDDEN, "this setup link is not valid: open the one `ladder serve` printed when it started")
}

async fn choose(State(setup): State<Option<Arc<Setup>>>, Query(query): Query<TokenQuery>) -> Response {
    let Some(setup) = active(&setup) else { return set_up() };
    if !setup.token_ok(query.token.as_deref()) {
        return wrong_token();
    }
    page(setup, SetupStep::Choose { token: setup.token.clone() })
}

/// Whether `org` could be a GitHub login.
fn is_login(org: &str) -> bool {
    !org.is_empty() && org.len() <= 39 && org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

async fn register(State(setup): State<Option<Arc<Setup>>>, Query(query): Query<TokenQuery>) -> Response {
    let Some(setup) = active(&setup) else { return set_up() };
    if !setup.token_ok(query.token.as_deref()) {
        return wrong_token();
    }
    let org = query.org.as_deref().map(str::trim).filter(|o| !o.is_empty());
    if org.is_some_and(|o| !is_login(o)) {
        return refuse(StatusCode::BAD_REQUEST, "that is not an organization's login: letters, digits and dashes");
    }
    let manifest = match app_manifest::fill(MANIFEST, &setup.settings.public_url) {
        Ok(manifest) => manifest.to_string(),
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}; set LADDER_PUBLIC_URL and restart")),
    };
    let Some(state) = setup.new_state() else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "no randomness for a state: try again");
    };
    let github = &setup.settings.github_url;
    let (action, owner) = match org {
        Some(org) => {
            (format!("{github}/organizations/{org}/settings/apps/new?state={state}"), format!("the {org} organization"))
        }
        None => (format!("{github}/settings/apps/new?state={state}"), "your personal account".to_owned()),
    };
    page(setup, SetupStep::Register { action, manifest, owner })
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

/// Creates the env file for writing: never over one that exists, readable by this user only.
fn create_env_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

async fn callback(State(setup): State<Option<Arc<Setup>>>, Query(query): Query<CallbackQuery>) -> Response {
    let Some(setup) = active(&setup) else { return set_up() };
    let (Some(code), Some(state)) = (query.code.as_deref(), query.state.as_deref()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "GitHub's answer lacks its code or state: start again at the setup link",
        );
    };
    if !setup.take_state(state) {
        return refuse(
            StatusCode::FORBIDDEN,
            "this answer's state is not one this server issued within the hour: start again at the setup link",
        );
    }
    let path = &setup.settings.env_file;
    let mut file = match create_env_file(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return refuse(
                StatusCode::CONFLICT,
                format!("{} exists, and setup never overwrites it: move it away, then start again", path.display()),
            );
        }
        Err(e) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "cannot create {}: {e}; make its folder writable, or set LADDER_ENV_FILE, then start again",
                    path.display()
                ),
            );
        }
    };
    let registered = match crate::github::manifest::convert(&setup.api_url, code).await {
        Ok(registered) => registered,
        Err(why) => {
            let _ = std::fs::remove_file(path);
            tracing::warn!(?why, "GitHub did not exchange the manifest code");
            let message = if why.is_not_found()
                || matches!(why, crate::github::Verdict::Final { status: Some(422), .. })
            {
                "GitHub did not accept the code: it expired or was used already (a code lasts an hour); start again at the setup link".to_owned()
            } else {
                format!("GitHub did not answer the exchange ({why:?}); start again at the setup link")
            };
            return refuse(StatusCode::BAD_GATEWAY, message);
        }
    };
    let id = registered.id.to_string();
    let text = env_file::render(
        "The GitHub App ladder registered; keep this file private.",
        &[("APP_ID", &id), ("WEBHOOK_SECRET", &registered.webhook_secret), ("PRIVATE_KEY", &registered.pem)],
    );
    if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.sync_all()) {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot write {}: {e}", path.display()));
    }
    let key = match octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(registered.pem.as_bytes()) {
        Ok(key) => key,
        Err(e) => {
            return refuse(StatusCode::BAD_GATEWAY, format!("GitHub's private key does not read ({e}); start again"));
        }
    };
    let credentials = AppCredentials { app_id: registered.id, key };
    let github = match GitHub::new(&setup.api_url, &credentials) {
        Ok(github) => github,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let Some(secrets) = Secrets::new(&registered.webhook_secret, None) else {
        return refuse(StatusCode::BAD_GATEWAY, "GitHub gave no webhook secret: start again");
    };
    setup.verifier.set(Verification::Secrets(secrets));
    setup.client.set(Arc::new(github));
    tracing::info!(app_id = registered.id, slug = registered.slug, file = %path.display(), "the GitHub App is registered; ladder now receives its webhooks and acts as it");
    let install = format!("{}/installations/new", registered.html_url.trim_end_matches('/'));
    *setup.done.lock().unwrap_or_else(|e| e.into_inner()) = Some((registered.slug.clone(), install.clone()));
    page(setup, SetupStep::Done { slug: registered.slug, install })
}

/// Where GitHub sends the browser after the App is installed (the manifest's `setup_url`).
async fn installed(State(setup): State<Option<Arc<Setup>>>) -> Response {
    match setup {
        Some(setup) => page(&setup, SetupStep::Installed),
        None => refuse(StatusCode::OK, "Installed: ladder reads the organization's ladder and backfills its history."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_logins_are_checked_before_they_reach_a_url() {
        for ok in ["asyncapi", "a-b", "A1"] {
            assert!(is_login(ok), "{ok}");
        }
        for bad in ["", "a/b", "a b", "a?x=1", &"a".repeat(40)] {
            assert!(!is_login(bad), "{bad}");
        }
    }
}
