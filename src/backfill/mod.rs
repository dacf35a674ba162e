//! Backfill: an owner's history read from GitHub and recorded as the signals its webhooks would have
//! produced.
//!
//! [`run`] takes the owner's lease, lists the repositories, and pages each one's pull requests and
//! issues, finishing any nested list that came back short, committing each page's signals with the
//! checkpoint after it; [`progress`] shows how it goes. The pure half (queries, views, facts, gaps,
//! page sizes) is `ladder_core::history`.
//!
//! Never does: post on GitHub, or plan actions: history is recorded, not announced.

pub mod auto;
pub mod gate;
pub mod progress;
pub mod reconcile;
pub mod run;

pub use run::{Backfill, BackfillError, Summary};
