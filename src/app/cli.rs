//! The `ladder` command line: subcommands and what each one runs.
//!
//! Owns: argument parsing (clap) and the thin glue from a subcommand to the modules that do the work,
//! including the exit status.
//!
//! Never does: business logic.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::app::settings::{DatabaseArgs, LadderArgs, LogArgs, ServeArgs, WorkerArgs};
use crate::app::{replay, serve};
use crate::metrics::Metrics;
use crate::pipeline::views;
use crate::pipeline::worker::Worker;
use crate::store::roles::Source;
use crate::store::{Store, Use};
use ladder_core::ladder::Ladder;
use ladder_core::rate::Resource;
use ladder_core::signal::Org;
use ladder_core::visibility::Scope;

#[derive(Debug, Parser)]
#[command(name = "ladder", version, about = "A GitHub App that grows maintainers.")]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Receive GitHub webhooks, store them durably and turn them into readiness signals.
    Serve(Box<ServeArgs>),
    /// Import history from GitHub (pull requests, reviews, issues, triage, comments) as signals, for
    /// an org or one repository; resumes an interrupted run.
    Backfill(Box<crate::app::history::BackfillArgs>),
    /// Store the deliveries GitHub could not deliver (listed by GitHub, missing from the database) under
    /// their own ids; `serve` processes them. Needs the App's credentials.
    Reconcile(crate::app::history::ReconcileArgs),
    /// Create or update the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Feed payload files (or folders laid out as EVENT/ACTION.json) through the queue and worker.
    Replay(ReplayArgs),
    /// Show where a person stands on the ladder: level, what is missing, activity, credited signals.
    Status(StatusArgs),
    /// Check the ladder against the promotions the org made: from the CODEOWNERS history backfill
    /// recorded, each promoted person's metrics on the day they were promoted, who the ladder would
    /// have called ready, who meets a level today but was never promoted, and suggested thresholds.
    Calibrate(CalibrateArgs),
    /// Repo health: maintainers and which are active, contributor absence factor, and who is closest
    /// to maintaining each repository; repositories without an active maintainer first.
    Repos(ReposArgs),
    /// Load roles people already hold: a repository's CODEOWNERS, or the org's MAINTAINERS.yaml.
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Erase everything recorded about a person and record nothing more about them.
    Optout(PrivacyArgs),
    /// Resume recording a person who opted out, from now on.
    Optin(PrivacyArgs),
    /// List the actions the app decided on, newest first: replies to commands, with whether each was
    /// sent, only logged (dry-run), is pending or failed.
    Outbox(OutboxArgs),
    /// List the configs read from GitHub that are in force: each org's and each repository override,
    /// with its revision and when it was read.
    Configs(ConfigsArgs),
    /// Print the built-in ladder config (AsyncAPI's), a starting point for `.github/amp.yml`.
    DefaultConfig,
    /// Validate a ladder config file: exit 0, or 1 with every error's file, line and field.
    CheckConfig {
        /// The YAML file to check.
        file: PathBuf,
        /// Check it as a repository's override (`.github/amp.yml` outside the `.github` repository).
        #[arg(long = "override")]
        repo_override: bool,
    },
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub worker: WorkerArgs,
    #[command(flatten)]
    pub ladder: LadderArgs,
    /// The event of every file, instead of reading it from each file's folder name.
    #[arg(long)]
    pub event: Option<String>,
    /// Payload files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// Import `--repo NAME FILE` (a CODEOWNERS file) or `--maintainers FILE`; replaces what the same
    /// file said before.
    Import(RolesImportArgs),
}

#[derive(Debug, Args)]
pub struct RolesImportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub ladder: LadderArgs,
    /// The organization the roles are in.
    #[arg(long)]
    pub org: String,
    /// The repository whose CODEOWNERS FILE is.
    #[arg(long, requires = "file", conflicts_with = "maintainers")]
    pub repo: Option<String>,
    /// The org's MAINTAINERS.yaml.
    #[arg(long, value_name = "FILE")]
    pub maintainers: Option<PathBuf>,
    /// The CODEOWNERS file (with --repo).
    #[arg(required_unless_present = "maintainers", requires = "repo")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub ladder: LadderArgs,
    /// The organization; optional when the database holds one.
    #[arg(long)]
    pub org: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReposArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub ladder: LadderArgs,
    /// The organization; optional when the database holds one.
    #[arg(long)]
    pub org: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Public repositories only: what an anonymous page shows.
    #[arg(long)]
    pub public: bool,
}

#[derive(Debug, Args)]
pub struct PrivacyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The person's GitHub login (case-insensitive, with or without @).
    pub login: String,
    /// Days a processed delivery's raw body is kept (as for `serve`); says when erasure is complete.
    #[arg(long, env = "LADDER_BODY_RETENTION_DAYS", default_value_t = 30)]
    pub body_retention_days: u32,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// How many actions to list.
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConfigsArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub ladder: LadderArgs,
    /// The person's GitHub login (case-insensitive, with or without @).
    pub login: String,
    /// The organization (or user) that owns the repositories; optional when the database holds one.
    #[arg(long)]
    pub org: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Public repositories only: exactly what a public comment or an anonymous page shows.
    #[arg(long)]
    pub public: bool,
}

/// The audience a command's `--public` names.
fn scope(public: bool) -> Scope {
    if public { Scope::Public } else { Scope::All }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            serve::run(args.settings()?).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(args) => {
            open(&args).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay(args) => run_replay(args).await,
        Command::Reconcile(args) => {
            let store = open(&args.database).await?;
            crate::app::history::reconcile(args, store).await
        }
        Command::Backfill(args) => {
            let store = open(&args.database).await?;
            crate::app::history::run(*args, store).await
        }
        Command::Status(args) => run_status(args).await,
        Command::Roles(RolesCommand::Import(args)) => import_roles(args).await,
        Command::Repos(args) => run_repos(args).await,
        Command::Calibrate(args) => run_calibrate(args).await,
        Command::Optout(args) => opt_out(args).await,
        Command::Optin(args) => opt_in(args).await,
        Command::Outbox(args) => show_outbox(args).await,
        Command::Configs(args) => show_configs(args).await,
        Command::DefaultConfig => {
            print!("{}", ladder_core::ladder::config::DEFAULT_YAML);
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { file, repo_override } => Ok(check_config(&file, repo_override)),
    }
}

async fn show_configs(args: ConfigsArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.database).await?;
    let orgs: std::collections::HashMap<i64, String> =
        store.directory().orgs().await?.into_iter().map(|o| (o.id, o.login)).collect();
    let saved = store.configs().config_revisions().await?;
    let org_of = |id: i64| orgs.get(&id).cloned().unwrap_or_else(|| format!("org {id}"));
    if args.json {
        let list: Vec<serde_json::Value> = saved
            .iter()
            .map(|s| {
                serde_json::json!({"org": org_of(s.org_id), "org_id": s.org_id,
                    "repo": (!s.repo.is_empty()).then_some(&s.repo), "revision": s.revision, "fetched_at": s.fetched_at})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    for s in &saved {
        let read = s.fetched_at.format("%Y-%m-%d %H:%M UTC");
        match s.repo.as_str() {
            "" => println!("{}: org config revision {}, read {read}", org_of(s.org_id), s.revision),
            repo => println!("  {repo}: override revision {}, read {read}", s.revision),
        }
    }
    println!("Orgs not listed use the built-in ladder; LADDER_CONFIG, when set, overrides every org's config.");
    Ok(ExitCode::SUCCESS)
}

async fn show_outbox(args: OutboxArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.database).await?;
    let entries = store.outbox().list(args.limit.max(1)).await?;
    let holds = store.outbox().holds(chrono::Utc::now()).await?;
    // When a pending action's installation is held on the REST budget, it waits at least that long.
    let held_until = |e: &crate::store::outbox::Entry| {
        let installation = e.planned.installation_id?;
        let hold = holds.iter().find(|h| h.installation_id == installation && h.resource == Resource::Core)?;
        (e.state == "pending").then_some(hold.until)
    };
    if args.json {
        let json: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "seq": e.seq,
                    "key": e.planned.key,
                    "repo": e.planned.repo,
                    "issue": e.planned.issue,
                    "installation_id": e.planned.installation_id,
                    "action": e.planned.action,
                    "state": e.state,
                    "attempts": e.attempts,
                    "created_at": e.created_at.to_rfc3339(),
                    "done_at": e.done_at.map(|t| t.to_rfc3339()),
                    "held_until": held_until(e).map(|t| t.to_rfc3339()),
                    "detail": e.detail,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(ExitCode::SUCCESS);
    }
    for h in &holds {
        let until = h.until.format("%Y-%m-%d %H:%M:%S UTC");
        let waits = match h.resource {
            Resource::Core => "its actions and backfill's REST pages wait",
            Resource::Graphql => "backfill's queries wait; its actions go on",
        };
        println!(
            "Installation {}'s {} budget is held until {until} ({}); {waits}.",
            h.installation_id, h.resource, h.reason
        );
    }
    if entries.is_empty() {
        println!("The outbox is empty: no actions decided yet.");
    }
    for e in &entries {
        let when = e.created_at.format("%Y-%m-%d %H:%M:%S");
        println!(
            "#{} {} {} on {}#{} ({when})",
            e.seq,
            e.state,
            e.planned.action.kind(),
            e.planned.repo,
            e.planned.issue
        );
        for line in e.planned.action.describe().lines() {
            println!("    {line}");
        }
        if let Some(detail) = &e.detail {
            println!("  ({detail})");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let files = replay::find_payloads(&args.paths, args.event.as_deref())?;
    let store = open(&args.database).await?;
    let ladders = Arc::new(crate::pipeline::ladders::Ladders::new(args.ladder.choice()?, store.configs()));
    let dry_run = crate::github::AppClient::new(None);
    let worker = Worker::new(&store, args.worker.settings(), ladders, dry_run, Arc::new(Metrics::new()));
    let summary = replay::replay(&store.queue(), &worker, &files).await?;
    println!(
        "{} files: {} new deliveries; {} processed, {} ignored, {} failed; {} signals in the database",
        summary.files,
        summary.new,
        summary.done,
        summary.ignored,
        summary.failed,
        store.people().signal_count().await?
    );
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Connects to the database and brings its schema up to date.
async fn open(database: &DatabaseArgs) -> anyhow::Result<Store> {
    open_for(database, Use::Server).await
}

async fn open_for(database: &DatabaseArgs, purpose: Use) -> anyhow::Result<Store> {
    let store = Store::connect_for(&database.url()?, purpose).await?;
    store.migrate().await?;
    Ok(store)
}

/// The org to report on, or `None` after saying on stderr why there is none.
async fn org_for(store: &Store, wanted: Option<&str>) -> anyhow::Result<Option<Org>> {
    match choose_org(store.directory().orgs().await?, wanted) {
        Ok(org) => Ok(Some(org)),
        Err(message) => {
            eprintln!("{message}");
            Ok(None)
        }
    }
}

/// Picks the org named by `wanted`, or the only one.
fn choose_org(orgs: Vec<Org>, wanted: Option<&str>) -> Result<Org, String> {
    let names = || orgs.iter().map(|o| o.login.as_str()).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(w) => orgs.iter().find(|o| o.login.eq_ignore_ascii_case(w)).cloned().ok_or_else(|| {
            if orgs.is_empty() {
                format!("no activity is recorded for {w} yet: deliveries from its repositories will fill it in")
            } else {
                format!("no activity is recorded for {w}; known: {}", names())
            }
        }),
        None if orgs.len() == 1 => Ok(orgs.into_iter().next().expect("one org")),
        None if orgs.is_empty() => {
            Err("the database holds no activity yet: point a GitHub App at `ladder serve` or use `ladder replay`"
                .into())
        }
        None => Err(format!("the database holds several orgs; pass --org with one of: {}", names())),
    }
}

async fn import_roles(args: RolesImportArgs) -> anyhow::Result<ExitCode> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
    };
    let (source, repo, grants) = match (&args.maintainers, &args.repo, &args.file) {
        (Some(path), _, _) => {
            let grants = ladder_core::roles::parse_maintainers(&path.display().to_string(), &read(path)?)?;
            (Source::Maintainers, None, grants)
        }
        (None, Some(repo), Some(path)) => {
            let bots = args.ladder.ladder()?.bots;
            (Source::Codeowners, Some(repo.as_str()), ladder_core::roles::parse_codeowners(repo, &read(path)?, &bots))
        }
        _ => anyhow::bail!("give --repo NAME with a CODEOWNERS file, or --maintainers FILE"),
    };
    let store = open(&args.database).await?;
    store.directory().replace_roles(&args.org, source, repo, &grants).await?;
    let people: std::collections::BTreeSet<&str> = grants.iter().map(|g| g.login.as_str()).collect();
    let place = repo.map_or_else(|| args.org.clone(), |r| format!("{}/{r}", args.org));
    println!("{place}: {} roles for {} people imported", grants.len(), people.len());
    Ok(ExitCode::SUCCESS)
}

async fn run_repos(args: ReposArgs) -> anyhow::Result<ExitCode> {
    let choice = args.ladder.choice()?;
    let store = open(&args.database).await?;
    let Some(org) = org_for(&store, args.org.as_deref()).await? else { return Ok(ExitCode::FAILURE) };
    let ladder = org_ladder(choice, &store, org.id).await?;
    let health = views::health(&store, &org, &ladder, scope(args.public), chrono::Utc::now()).await?;
    if args.json {
        let json: Vec<serde_json::Value> = health.iter().map(ladder_core::health::RepoHealth::to_json).collect();
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        for repo in &health {
            print!("{}", repo.to_text());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_calibrate(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let choice = args.ladder.choice()?;
    let store = open(&args.database).await?;
    let Some(org) = org_for(&store, args.org.as_deref()).await? else { return Ok(ExitCode::FAILURE) };
    let ladder = org_ladder(choice, &store, org.id).await?;
    let calibration = views::calibration(&store, &org, &ladder, chrono::Utc::now()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&calibration.to_json())?);
    } else {
        print!("{}", calibration.to_text());
        if calibration.levels.iter().all(|l| l.promoted.is_empty()) {
            println!(
                "\nNo promotion found: `ladder backfill --org {}` records each repository's CODEOWNERS history.",
                org.login
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn opt_out(args: PrivacyArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.database).await?;
    let login = args.login.trim_start_matches('@');
    if let Some((_, login)) = store.people().opted_out(login).await? {
        println!("@{login} has already opted out; nothing about them is recorded.");
        return Ok(ExitCode::SUCCESS);
    }
    let Some(person) = store.people().people_by_login(login).await?.into_iter().next() else {
        eprintln!("No activity is recorded for @{login}, so there is nothing to erase. Check the spelling.");
        return Ok(ExitCode::FAILURE);
    };
    let now = chrono::Utc::now();
    let erased = store.people().opt_out(person.id, &person.login, now).await?;
    let complete = ladder_core::commands::answer::erased_by(now, args.body_retention_days);
    println!(
        "Erased {} signals of @{} and stopped recording them. Raw webhook deliveries that mention them are \
         deleted with the {}-day retention window; erasure is complete by {}.",
        erased.signals,
        person.login,
        args.body_retention_days,
        complete.format("%Y-%m-%d")
    );
    Ok(ExitCode::SUCCESS)
}

async fn opt_in(args: PrivacyArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.database).await?;
    let login = args.login.trim_start_matches('@');
    match store.people().opted_out(login).await? {
        Some((id, login)) => {
            store.people().opt_in(id).await?;
            println!("@{login} is recorded again from now on; nothing erased before comes back.");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("@{login} has not opted out; nothing to do.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check_config(file: &std::path::Path, repo_override: bool) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{}: cannot read: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let name = file.display().to_string();
    if repo_override {
        return match ladder_core::ladder::config::parse_override(&name, &text) {
            Ok(_) => {
                println!("{name}: a valid repository override");
                ExitCode::SUCCESS
            }
            Err(errors) => {
                eprintln!("{errors}");
                ExitCode::FAILURE
            }
        };
    }
    match ladder_core::ladder::config::parse(&name, &text) {
        Ok(ladder) => {
            let ids: Vec<&str> = ladder.levels.iter().map(|l| l.id.as_str()).collect();
            println!("{}: valid; {} levels: {}", file.display(), ids.len(), ids.join(", "));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            ExitCode::FAILURE
        }
    }
}

/// The ladder in force in an org: `--config` if given, else the org's config as last read from GitHub.
async fn org_ladder(
    choice: crate::pipeline::ladders::Choice,
    store: &Store,
    org_id: i64,
) -> anyhow::Result<Arc<Ladder>> {
    Ok(crate::pipeline::ladders::Ladders::new(choice, store.configs()).book().await?.org(org_id))
}

async fn run_status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let choice = args.ladder.choice()?;
    let store = open_for(&args.database, Use::OneAnswer).await?;
    let Some(org) = org_for(&store, args.org.as_deref()).await? else { return Ok(ExitCode::FAILURE) };
    let ladder = org_ladder(choice, &store, org.id).await?;
    let login = args.login.trim_start_matches('@');
    if let Some((id, login)) = store.people().opted_out(login).await? {
        if args.json {
            let opted = serde_json::json!({"org": org.login, "login": login, "github_id": id, "opted_out": true});
            println!("{}", serde_json::to_string_pretty(&opted)?);
        } else {
            println!("@{login} has opted out: nothing about them is recorded or evaluated.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    for person in store.people().people_by_login(login).await? {
        if !store.people().has_signals(org.id, person.id).await? {
            continue;
        }
        let now = chrono::Utc::now();
        let mut report = views::report(&store, &org, &ladder, person, scope(args.public), now).await?;
        views::suggest(&store, &ladder, &mut report, scope(args.public), now).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report.to_json())?);
        } else {
            print!("{}", report.to_text());
        }
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "No activity is recorded for @{login} in {}. Check the spelling; activity appears once they open, review or triage something there.",
        org.login
    );
    Ok(ExitCode::FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, login: &str) -> Org {
        Org { id, login: login.into() }
    }

    #[test]
    fn org_choice() {
        assert_eq!(choose_org(vec![org(1, "asyncapi")], None), Ok(org(1, "asyncapi")));
        assert_eq!(choose_org(vec![org(1, "asyncapi"), org(2, "x")], Some("AsyncAPI")), Ok(org(1, "asyncapi")));
        assert!(choose_org(vec![org(1, "a"), org(2, "b")], None).unwrap_err().contains("--org with one of: a, b"));
        assert!(choose_org(vec![], None).unwrap_err().contains("no activity yet"));
        assert!(choose_org(vec![org(1, "a")], Some("z")).unwrap_err().contains("known: a"));
    }
}
