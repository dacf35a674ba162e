//! ladder: a GitHub App that grows maintainers. This crate is the shell around the pure core
//! ([`ladder_core`]): it receives, stores, looks up and sends, and leaves every decision to the core.
//!
//! The wings follow a delivery's path. [`inbound`] serves HTTP, checks each webhook's signature and
//! stores the delivery durably before answering; the [`pipeline`] claims stored deliveries, looks up
//! what the core needs (the ladder in force, people, roles, permissions) and records the core's facts
//! and planned actions in one transaction; [`outbound`] carries those actions out through [`github`]
//! (or logs them in dry-run), paced, and keeps configs fresh. The [`store`] is SQLite or PostgreSQL,
//! [`web`] the router (webhook, health, readiness, metrics), [`metrics`] what every wing counts, [`supervise`] whether
//! the process's tasks still run (for `/readyz` and the exit status), and [`app`] the command line,
//! process settings and the wiring of `serve` and `replay`; only [`app`] reads process settings.

pub mod app;
pub mod backfill;
pub mod github;
pub mod inbound;
pub mod metrics;
pub mod outbound;
pub mod pipeline;
pub mod store;
pub mod supervise;
pub mod web;
