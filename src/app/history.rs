//! `ladder backfill` and `ladder reconcile`: wiring a reader (the App's installation, or a personal access token), the store
//! and progress into a [`Backfill`] run, and printing its summary or every run's status.
//!
//! Never does: page or decide anything itself.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::Args;

use crate::app::settings::{BackfillPaceArgs, DatabaseArgs, GitHubArgs};
use crate::backfill::gate::Gate;
use crate::backfill::progress::{Bars, Lines, Progress};
use crate::backfill::reconcile::Reconcile;
use crate::backfill::run::Settings;
use crate::backfill::{Backfill, Summary};
use crate::github::GitHub;
use crate::github::history::Reader;
use crate::store::Store;
use crate::store::backfills::Selection;

#[derive(Debug, Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub github: GitHubArgs,
    /// The organization (or user) whose repositories to backfill: every one the token or
    /// installation can read.
    #[arg(long, required_unless_present_any = ["repo", "status"], conflicts_with = "repo")]
    pub org: Option<String>,
    /// One repository, as OWNER/NAME.
    #[arg(long)]
    pub repo: Option<String>,
    /// Only facts from this day on (YYYY-MM-DD, UTC); without it, the whole history.
    #[arg(long)]
    pub since: Option<NaiveDate>,
    /// File holding a personal access token to read with instead of the App (read scopes are enough),
    /// to see an org's history before installing anything.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Show every backfill's progress (from the database) and exit.
    #[arg(long)]
    pub status: bool,
    #[command(flatten)]
    pub pace: BackfillPaceArgs,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub github: GitHubArgs,
}

/// Runs `ladder reconcile`.
pub async fn reconcile(args: ReconcileArgs, store: Store) -> anyhow::Result<ExitCode> {
    let Some(credentials) = args.github.credentials()? else {
        anyhow::bail!(
            "reconcile reads the App's deliveries from GitHub: give APP_ID and PRIVATE_KEY (or --private-key-path)"
        );
    };
    let github = std::sync::Arc::new(GitHub::new(&args.github.github_api_url, &credentials)?);
    let outcome = Reconcile { github, queue: store.queue(), backfills: store.backfills() }.once(Utc::now()).await?;
    println!(
        "reconcile: {} attempts listed, {} missed deliveries stored, {} redelivery asked, {} lost",
        outcome.listed, outcome.ingested, outcome.redelivered, outcome.lost
    );
    if let Some(gap) = outcome.gap {
        println!(
            "deliveries since {} may be gone (GitHub keeps 3 days): `ladder serve` backfills every org from then \
             (or run `ladder backfill --org ORG --since {}`)",
            gap.format("%Y-%m-%d %H:%M UTC"),
            gap.format("%Y-%m-%d")
        );
    }
    Ok(if outcome.lost == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Runs `ladder backfill`.
pub async fn run(args: BackfillArgs, store: Store) -> anyhow::Result<ExitCode> {
    if args.status {
        print_status(&store).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let selection = selection(&args)?;
    let (reader, installation) = reader(&args, &selection.owner).await?;
    let progress: Box<dyn Progress> =
        if std::io::stderr().is_terminal() { Box::new(Bars::new()) } else { Box::new(Lines) };
    let backfill = Backfill {
        reader: &reader,
        store: store.backfills(),
        progress: progress.as_ref(),
        settings: Settings { in_flight: usize::from(args.pace.backfill_in_flight), ..Settings::default() },
        gate: installation.map(|installation| Gate { installation, outbox: store.outbox() }),
    };
    let started = Instant::now();
    let before = store.people().signal_count().await?;
    let summary = tokio::select! {
        summary = backfill.run(&selection) => summary?,
        _ = tokio::signal::ctrl_c() => {
            store.backfills().release(&selection.owner, &backfill.settings.holder, false, Utc::now()).await?;
            eprintln!("interrupted: what was committed stays; run the same command again to resume");
            return Ok(ExitCode::from(130));
        }
    };
    let added = store.people().signal_count().await? - before;
    print_summary(&summary, added, started);
    Ok(if summary.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn selection(args: &BackfillArgs) -> anyhow::Result<Selection> {
    let since = args.since.map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    if let Some(repo) = &args.repo {
        let Some((owner, _)) = repo.split_once('/') else {
            anyhow::bail!("--repo takes OWNER/NAME, for example asyncapi/cli; got `{repo}`");
        };
        return Ok(Selection { owner: owner.to_owned(), repo: Some(repo.clone()), since });
    }
    let owner = args.org.clone().context("give --org ORG or --repo OWNER/NAME")?;
    Ok(Selection { owner, repo: None, since })
}

/// A reader with the token, or as the App's installation on `owner` (and that installation).
async fn reader(args: &BackfillArgs, owner: &str) -> anyhow::Result<(Reader, Option<i64>)> {
    let api = &args.github.github_api_url;
    if let Some(path) = &args.token_file {
        let token = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token file {}; check the path", path.display()))?;
        return Ok((Reader::with_token(api, token.trim())?, None));
    }
    let Some(credentials) = args.github.credentials()? else {
        anyhow::bail!(
            "backfill reads from GitHub: give --token-file FILE (a personal access token with read scopes), \
             or the App's APP_ID and PRIVATE_KEY (or --private-key-path)"
        );
    };
    let github = GitHub::new(api, &credentials)?;
    let installation = github.installation_of(owner).await.map_err(|v| {
        anyhow::anyhow!("the App is not installed on {owner}, or GitHub did not say ({v:?}); install it there first")
    })?;
    let reader = github
        .history(installation)
        .map_err(|v| anyhow::anyhow!("cannot read as installation {installation}: {v:?}"))?;
    Ok((reader, Some(installation)))
}

fn print_summary(summary: &Summary, added: i64, started: Instant) {
    let resumed = if summary.resumed { " (resumed)" } else { "" };
    println!(
        "backfill{resumed}: {} repositories, {} items, {} signals read, {added} added, {} requests, {} points, {:.1} s",
        summary.repositories,
        summary.items,
        summary.signals,
        summary.requests,
        summary.points,
        started.elapsed().as_secs_f64()
    );
    for (repo, why) in &summary.failed {
        println!("  failed: {repo}: {why}; run again to retry it");
    }
}

async fn print_status(store: &Store) -> anyhow::Result<()> {
    let runs = store.backfills().status().await?;
    if runs.is_empty() {
        println!("no backfill has run");
    }
    for run in runs {
        let state = match (&run.finished_at, &run.holder) {
            (Some(at), _) => format!("finished {}", at.format("%Y-%m-%d %H:%M UTC")),
            (None, Some(holder)) => format!("running ({holder})"),
            (None, None) => "interrupted: `ladder backfill` with the same selection resumes it".to_owned(),
        };
        let since = run.since.map_or("all history".to_owned(), |s| format!("since {}", s.format("%Y-%m-%d")));
        println!(
            "{} ({}, {since}): started {}, {state}",
            run.owner,
            run.selection,
            run.started_at.format("%Y-%m-%d %H:%M UTC")
        );
        for (repo, list, items, done) in run.lists {
            println!("  {repo} {list}: {items} items{}", if done { ", done" } else { "" });
        }
    }
    Ok(())
}
