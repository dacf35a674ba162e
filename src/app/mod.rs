//! The app: the command line ([`cli`]), process [`settings`] from flags and the environment, and the
//! wiring of the long-running commands ([`serve`], [`replay`], [`history`] for `ladder backfill` and `ladder reconcile`),
//! whose tasks [`crate::supervise`] watches. The only wing that reads process settings; the others
//! take what they need as values.

pub mod cli;
pub mod dotenv;
pub mod history;
pub mod replay;
pub mod serve;
pub mod settings;
