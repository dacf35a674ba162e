//! The `ladder` binary: parses the command line, sets up logging, and runs the command.

use std::process::ExitCode;

use clap::Parser;
use ladder::app::cli::{self, Cli, Command};
use ladder::app::settings::LogFormat;
use tracing_subscriber::EnvFilter;

// mimalloc gives freed memory back to the system; glibc's allocator kept a burst of large request
// bodies resident for good.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_eager_commit` and `mi_option_purge_delay` (the `mi_option_e` enum of
/// its version 3 `mimalloc.h`).
const MI_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed after a burst goes back to the system at once: no transparent huge pages for this
/// process (a 2 MiB page stays resident while any byte of it is used, and many kernels make every
/// mapping one), arenas committed as they are used, and purged without the default delay.
fn give_memory_back() {
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process; mi_option_set only
    // records an option's value. No other thread runs yet.
    unsafe {
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        libmimalloc_sys::mi_option_set(MI_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_PURGE_DELAY, 0);
    }
}

fn init_logging(format: LogFormat) {
    // sqlx reports PostgreSQL notices (such as "relation already exists, skipping") at info.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.init(),
    }
}

/// `serve` starts with the variables of its `.env` file (where setup writes the App's credentials):
/// the file is the one its arguments name (`--env-file`, `LADDER_ENV_FILE`, or `.env`), and the
/// command line is read again with the file's variables in the environment.
fn with_env_file(cli: Cli) -> Result<Cli, ladder::app::dotenv::DotenvError> {
    let Command::Serve(args) = &cli.command else { return Ok(cli) };
    let vars = ladder::app::dotenv::load(&args.env_file)?;
    if vars.is_empty() {
        return Ok(cli);
    }
    for (name, value) in vars {
        // SAFETY: no other thread runs yet (the runtime is built after this), so nothing reads the
        // environment while it changes.
        unsafe { std::env::set_var(name, value) };
    }
    Ok(Cli::parse())
}

fn main() -> ExitCode {
    give_memory_back();
    let cli = match with_env_file(Cli::parse()) {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    init_logging(cli.log.log_format);
    match cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
