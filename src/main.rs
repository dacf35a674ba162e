//! The `ladder` binary: parses the command line, sets up logging, and runs the command.

use std::process::ExitCode;

use clap::Parser;
use ladder::cli::{self, Cli};
use ladder::config::LogFormat;
use tracing_subscriber::EnvFilter;

fn init_logging(format: LogFormat) {
    // sqlx reports PostgreSQL notices (such as "relation already exists, skipping") at info.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log.log_format);
    match cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
