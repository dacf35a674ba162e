//! Process settings, from flags and the environment.
//!
//! Owns: every setting's flag, environment name and default (clap), and turning them into validated
//! settings with errors that say what to set. Secrets (`WEBHOOK_SECRET`, its previous value, and
//! `PRIVATE_KEY`) are read from the environment or from a file named by a flag, never from a flag's value, which
//! would show in `ps`.
//!
//! Never does: read a repository's ladder config, or log a secret.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::github::AppCredentials;
use crate::inbound::webhook::signature::{Secrets, Verification};
use crate::pipeline::worker::WorkerSettings;
use ladder_core::credit::Bots;
use ladder_core::ladder::Ladder;

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. It may hold a password: `--help` never
    /// shows the variable's value, and `--database-url-file` keeps it out of the command line.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://ladder.db", hide_env_values = true)]
    pub database_url: String,
    /// File holding the database URL (for a URL with a password); takes precedence over DATABASE_URL.
    #[arg(long)]
    pub database_url_file: Option<PathBuf>,
}

impl DatabaseArgs {
    /// The database URL, from the file if one is named.
    pub fn url(&self) -> Result<String, ConfigError> {
        match &self.database_url_file {
            Some(path) => Ok(read_secret_file("the database URL", path)?.trim().to_owned()),
            None => Ok(self.database_url.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// How the process logs.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log format: `pretty` for people, `json` for machines. Levels come from RUST_LOG (default info).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "pretty", global = true)]
    pub log_format: LogFormat,
}

/// Settings of `ladder serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the log says which).
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// File holding the webhook secret, taken whole (a final newline aside). The WEBHOOK_SECRET
    /// variable is the alternative.
    #[arg(long)]
    pub webhook_secret_file: Option<PathBuf>,
    /// File holding the previous webhook secret, accepted alongside while rotating. The
    /// LADDER_WEBHOOK_SECRET_PREVIOUS variable is the alternative.
    #[arg(long)]
    pub webhook_secret_previous_file: Option<PathBuf>,
    /// Accept unsigned deliveries. Only for local experiments: anyone who can reach the port can forge events.
    #[arg(long)]
    pub insecure_no_verify: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
    /// Milliseconds from GitHub's answer to one write (comment, label, issue, check run) to the next;
    /// GitHub asks integrations that send many to wait at least a second.
    #[arg(long, env = "LADDER_WRITE_SPACING_MS", default_value_t = 1000)]
    pub write_spacing_ms: u64,
    /// Days to keep a delivery's raw body after it was processed (its row stays for audit).
    #[arg(long, env = "LADDER_BODY_RETENTION_DAYS", default_value_t = 30)]
    pub body_retention_days: u32,
    /// Requests handled at once; more wait for a slot (never refused).
    #[arg(long, env = "LADDER_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    pub max_concurrent_requests: usize,
    /// Seconds a client may take to send its request headers.
    #[arg(long, env = "LADDER_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send its whole request body (GitHub sends one in well under a second).
    #[arg(long, env = "LADDER_BODY_TIMEOUT_SECS", default_value_t = 10)]
    pub body_timeout_secs: u64,
    /// MiB of request bodies the server holds at once while receiving them; a body that cannot be held
    /// before its deadline is answered 503.
    #[arg(long, env = "LADDER_BODY_MEMORY_MIB", default_value_t = 256)]
    pub body_memory_mib: usize,
    /// Seconds between looks for installations (and repositories added to them) whose history is not
    /// backfilled yet; each is then backfilled in the background, one at a time.
    #[arg(long, env = "LADDER_BACKFILL_CHECK_SECS", default_value_t = 60)]
    pub backfill_check_secs: u64,
    #[command(flatten)]
    pub backfill: BackfillPaceArgs,
    /// Seconds between looks at GitHub's list of the App's deliveries for ones that never arrived;
    /// 0 turns reconcile off.
    #[arg(long, env = "LADDER_RECONCILE_SECS", default_value_t = 600)]
    pub reconcile_secs: u64,
    /// File holding the admin token, which shows private repositories' data, the program pages and
    /// the people CSV (log in at /login, or send `Authorization: Bearer TOKEN`). The ADMIN_TOKEN
    /// variable is the alternative. Without one, everyone sees public data only.
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// Seconds between looks for growth snapshots (the pages' data) whose data changed.
    #[arg(long, env = "LADDER_GROWTH_SECS", default_value_t = 60)]
    pub growth_secs: u64,
    /// Seconds after its data changed that a growth snapshot may still be shown while a new one is
    /// computed (0: pages always wait for a current one).
    #[arg(long, env = "LADDER_GROWTH_LAG_SECS", default_value_t = 120)]
    pub growth_lag_secs: u64,
    /// This deployment's address as GitHub and browsers reach it (setup fills the App's webhook and
    /// redirect addresses with it); by default http://HOST:PORT.
    #[arg(long, env = "LADDER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// GitHub's web address, where setup registers the App (GitHub Enterprise: https://HOST).
    #[arg(long, env = "LADDER_GITHUB_URL", default_value = "https://github.com")]
    pub github_url: String,
    /// The file `serve` reads settings from at start, and setup writes the App's credentials to.
    #[arg(long, env = "LADDER_ENV_FILE", default_value = ".env")]
    pub env_file: PathBuf,
    #[command(flatten)]
    pub worker: WorkerArgs,
    #[command(flatten)]
    pub ladder: LadderArgs,
}

/// The GitHub App's credentials and GitHub's address.
#[derive(Debug, Clone, Args)]
pub struct GitHubArgs {
    /// The GitHub App's id. Without it (and a private key) the app runs in dry-run.
    #[arg(long, env = "APP_ID")]
    pub app_id: Option<u64>,
    /// File holding the App's private key (PEM). The PRIVATE_KEY variable is the alternative.
    #[arg(long, env = "PRIVATE_KEY_PATH")]
    pub private_key_path: Option<PathBuf>,
    /// GitHub's REST API base URL (GitHub Enterprise: https://HOST/api/v3).
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub github_api_url: String,
}

/// How hard a backfill may ask GitHub.
#[derive(Debug, Clone, Args)]
pub struct BackfillPaceArgs {
    /// Requests a backfill keeps in flight at once, each for another repository. GitHub asks for one
    /// at a time per installation; more risk its secondary rate limits.
    #[arg(long, env = "LADDER_BACKFILL_IN_FLIGHT", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=16))]
    pub backfill_in_flight: u16,
}

/// Which ladder applies, and which accounts count as bots.
#[derive(Debug, Clone, Args)]
pub struct LadderArgs {
    /// A ladder config file (YAML) to use instead of the built-in one (`ladder default-config` prints it).
    #[arg(long = "config", env = "LADDER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Logins that are bots although GitHub calls them users, comma-separated; replaces the ladder's
    /// `bots` list (the built-in one is asyncapi-bot, asyncapi-bot-eve, holopin-bot).
    #[arg(long, env = "LADDER_BOTS")]
    pub bots: Option<String>,
}

/// The ladder config could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum LadderError {
    #[error("cannot read the ladder config {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not a `source`: the message lists every error, and a chain would list them all again.
    #[error("the ladder config is invalid:\n{0}")]
    Invalid(ladder_core::ladder::ConfigErrors),
}

impl From<ladder_core::ladder::ConfigErrors> for LadderError {
    fn from(errors: ladder_core::ladder::ConfigErrors) -> LadderError {
        LadderError::Invalid(errors)
    }
}

impl LadderArgs {
    /// The ladder from `--config` (or the built-in one), with `--bots` applied.
    pub fn ladder(&self) -> Result<Ladder, LadderError> {
        Ok(Arc::unwrap_or_clone(self.choice()?.base()))
    }

    /// What the command line sets over the orgs' own configs.
    pub fn choice(&self) -> Result<crate::pipeline::ladders::Choice, LadderError> {
        let local = match &self.config {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| LadderError::Unreadable { path: path.clone(), source })?;
                Some(ladder_core::ladder::config::parse(&path.display().to_string(), &text)?)
            }
        };
        Ok(crate::pipeline::ladders::Choice { local, bots: self.bots.as_deref().map(Bots::from_list) })
    }
}

/// Settings of the delivery worker (used by `serve` and `replay`).
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// Processing attempts before a delivery is parked as failed.
    #[arg(long, env = "LADDER_MAX_ATTEMPTS", default_value_t = 5)]
    pub max_attempts: i64,
    /// Seconds a worker's claim on a delivery holds unless renewed (a live worker renews it every third
    /// of that); after a crash, another worker takes the delivery over this long after the last renewal.
    #[arg(long, env = "LADDER_CLAIM_LEASE_SECS", default_value_t = 10)]
    pub claim_lease_secs: u64,
    /// Seconds before a failed delivery's second attempt; doubles with each further attempt.
    #[arg(long, env = "LADDER_RETRY_BACKOFF_SECS", default_value_t = 2)]
    pub retry_backoff_secs: u64,
    /// Milliseconds between looks for work stored by other replicas or coming due for a retry.
    #[arg(long, env = "LADDER_WORKER_POLL_MS", default_value_t = 1000)]
    pub worker_poll_ms: u64,
}

impl WorkerArgs {
    pub fn settings(&self) -> WorkerSettings {
        WorkerSettings {
            lease: Duration::from_secs(self.claim_lease_secs.max(1)),
            max_attempts: self.max_attempts.max(1),
            backoff: Duration::from_secs(self.retry_backoff_secs),
            poll: Duration::from_millis(self.worker_poll_ms.max(10)),
            ..WorkerSettings::default()
        }
    }
}

/// Validated settings of `ladder serve`.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub verification: Verification,
    pub credentials: Option<AppCredentials>,
    pub github_api_url: String,
    /// The least time from GitHub's answer to one write to the start of the next.
    pub write_spacing: Duration,
    pub body_retention: Duration,
    pub max_concurrent_requests: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// Bytes of request bodies held at once while they are received.
    pub body_memory: usize,
    pub worker: WorkerSettings,
    /// The local ladder and bots list, if given; otherwise each org's config from GitHub applies.
    pub ladders: crate::pipeline::ladders::Choice,
    /// How often `serve` looks for installations whose history is not backfilled yet.
    pub backfill_every: Duration,
    /// Requests a backfill keeps in flight at once.
    pub backfill_in_flight: usize,
    /// How often `serve` reconciles missed deliveries; never when None.
    pub reconcile_every: Option<Duration>,
    /// The admin token (never logged), if one is set.
    pub admin_token: Option<crate::web::admin::AdminToken>,
    /// How often growth snapshots are refreshed, and how far behind their data one may be shown.
    pub growth_every: Duration,
    pub growth_lag: Duration,
    /// Where setup mode registers the App and writes its credentials.
    pub setup: crate::web::setup::SetupSettings,
    /// What the operator should hear at start-up about these settings (never a secret's value).
    pub warnings: Vec<String>,
}

/// A setting is missing or wrong. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no webhook secret for the App: set WEBHOOK_SECRET or --webhook-secret-file (and, while rotating, \
         the old one in LADDER_WEBHOOK_SECRET_PREVIOUS); for a local experiment only, --insecure-no-verify \
         accepts unsigned deliveries"
    )]
    NoWebhookSecret,
    #[error("cannot read {what} from {path}: {source}")]
    Unreadable {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("APP_ID is set but no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH (or unset APP_ID for dry-run)")]
    MissingPrivateKey,
    #[error(
        "a private key is set but APP_ID is not: set APP_ID to the App's numeric id (or remove the key for dry-run)"
    )]
    MissingAppId,
    #[error("the private key is not an RSA key in PEM form ({0}); download a new one from the App's settings page")]
    BadPrivateKey(String),
    #[error("invalid listen address {0}: set HOST to an IP address such as 127.0.0.1 or 0.0.0.0")]
    BadListen(String),
    #[error(transparent)]
    Ladder(#[from] LadderError),
}

fn read_secret_file(what: &'static str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable { what, path: path.to_owned(), source })
}

/// A file's text without its final line break, which editors add.
fn whole_line(text: String) -> String {
    let end = text.trim_end_matches(['\n', '\r']).len();
    let mut text = text;
    text.truncate(end);
    text
}

/// A variable's value, treating an empty value as unset.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ServeArgs {
    /// Validates the flags and reads the secrets from the environment or files.
    pub fn settings(&self) -> Result<ServeSettings, ConfigError> {
        let listen = format!("{}:{}", self.host, self.port)
            .parse()
            .or_else(|_| format!("[{}]:{}", self.host, self.port).parse())
            .map_err(|_| ConfigError::BadListen(self.host.clone()))?;
        let credentials = self.github.credentials()?;
        let (verification, warnings) = self.verification(credentials.is_some())?;
        let public_url = self.public_url.clone().unwrap_or_else(|| format!("http://{listen}"));
        Ok(ServeSettings {
            database_url: self.database.url()?,
            listen,
            verification,
            credentials,
            github_api_url: self.github.github_api_url.clone(),
            write_spacing: Duration::from_millis(self.write_spacing_ms),
            body_retention: Duration::from_secs(u64::from(self.body_retention_days) * 86_400),
            max_concurrent_requests: self.max_concurrent_requests.max(1),
            header_timeout: Duration::from_secs(self.header_timeout_secs.max(1)),
            body_timeout: Duration::from_secs(self.body_timeout_secs.max(1)),
            body_memory: self.body_memory_mib.max(1).saturating_mul(1024 * 1024),
            worker: WorkerSettings {
                body_retention: Duration::from_secs(u64::from(self.body_retention_days) * 86_400),
                ..self.worker.settings()
            },
            ladders: self.ladder.choice()?,
            backfill_every: Duration::from_secs(self.backfill_check_secs.max(1)),
            backfill_in_flight: usize::from(self.backfill.backfill_in_flight),
            reconcile_every: (self.reconcile_secs > 0).then(|| Duration::from_secs(self.reconcile_secs)),
            admin_token: match &self.admin_token_file {
                Some(path) => Some(read_secret_file("the admin token", path).map(whole_line)?),
                None => env_var("ADMIN_TOKEN"),
            }
            .map(crate::web::admin::AdminToken),
            growth_every: Duration::from_secs(self.growth_secs.max(1)),
            growth_lag: Duration::from_secs(self.growth_lag_secs),
            setup: crate::web::setup::SetupSettings {
                public_url,
                github_url: self.github_url.trim_end_matches('/').to_owned(),
                env_file: self.env_file.clone(),
            },
            warnings,
        })
    }

    /// The webhook secrets, and warnings about the current one. With neither a secret nor App
    /// credentials (`has_app`), setup mode.
    fn verification(&self, has_app: bool) -> Result<(Verification, Vec<String>), ConfigError> {
        let secret = |file: &Option<PathBuf>, what, var| match file {
            Some(path) => read_secret_file(what, path).map(whole_line).map(Some),
            None => Ok(env_var(var)),
        };
        let current = secret(&self.webhook_secret_file, "the webhook secret", "WEBHOOK_SECRET")?;
        let previous = secret(
            &self.webhook_secret_previous_file,
            "the previous webhook secret",
            "LADDER_WEBHOOK_SECRET_PREVIOUS",
        )?;
        match current.as_deref().and_then(|c| Secrets::new(c, previous.as_deref())) {
            Some(secrets) => Ok((Verification::Secrets(secrets), Secrets::warnings(current.as_deref().unwrap_or("")))),
            None if self.insecure_no_verify => Ok((Verification::Disabled, Vec::new())),
            None if !has_app => Ok((Verification::NotSetUp, Vec::new())),
            None => Err(ConfigError::NoWebhookSecret),
        }
    }
}

impl GitHubArgs {
    /// The App's credentials from the flags and environment; none for dry-run.
    pub fn credentials(&self) -> Result<Option<AppCredentials>, ConfigError> {
        let pem = match &self.private_key_path {
            Some(path) => Some(read_secret_file("the private key", path)?),
            // Hosting platforms often keep a PEM in one line with literal `\n`s.
            None => env_var("PRIVATE_KEY").map(|k| k.replace("\\n", "\n")),
        };
        match (self.app_id, pem) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError::MissingPrivateKey),
            (None, Some(_)) => Err(ConfigError::MissingAppId),
            (Some(app_id), Some(pem)) => {
                let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| ConfigError::BadPrivateKey(e.to_string()))?;
                Ok(Some(AppCredentials { app_id, key }))
            }
        }
    }
}
