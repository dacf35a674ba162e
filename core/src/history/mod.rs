//! History: backfill's pure half. GitHub's GraphQL answers about the past become the same signals
//! webhooks produce.
//!
//! [`query`] holds the documents sent (validated against GitHub's published schema by the tests),
//! [`view`] reads the answers, [`gaps`] says which nested lists came back short, [`facts`] turns a
//! whole pull request or issue into signals, [`open`] into open work when it is open now, [`pace`] sizes pages and pauses for budgets, and
//! [`due`] says when `serve` backfills an org, and from when.
//!
//! Never does: I/O or read the clock; the shell's `backfill` wing pages, stores checkpoints and waits.

pub mod due;
pub mod facts;
pub mod gaps;
pub mod open;
pub mod pace;
pub mod query;
pub mod view;
