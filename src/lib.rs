//! ladder: a GitHub App that grows maintainers.
//!
//! The flow: [`webhook`] verifies and [`intake`] durably stores each delivery; the [`worker`] claims
//! stored deliveries, [`event`] parses them, [`signal`] and [`directory`] derive facts, [`answer`]
//! finds `/amp` commands ([`command`]), [`readiness`] decides a PR's sticky comment and labels and
//! [`sources`] which configs to read again (all pure functions, under the ladder [`ladders`] says is in
//! force, fed by the [`planner`]'s lookups), and the [`store`] records the facts, their per-person
//! [`digest`]s and the planned [`action`]s in one transaction. The [`dispatch`]er sends actions through
//! [`github`] (or logs them in dry-run), and has [`refresh`] read configs and `CODEOWNERS` into the
//! store. [`ladder`] evaluates people from their facts, [`credit`] decides what earns credit,
//! [`permission`] who may run what; [`reply`] and [`status`] render texts, every one of them passing
//! [`render`]'s guard. [`web`] and [`server`] serve HTTP; [`cli`] and [`config`] are the command line;
//! [`serve`] and [`replay`] wire the pieces together, [`supervise`] watches the tasks `serve` runs.

pub mod action;
pub mod answer;
pub mod cli;
pub mod command;
pub mod config;
pub mod credit;
pub mod delivery;
pub mod digest;
pub mod directory;
pub mod dispatch;
pub mod event;
pub mod github;
pub mod health;
pub mod heartbeat;
pub mod intake;
pub mod ladder;
pub mod ladders;
pub mod located;
pub mod metrics;
pub mod pace;
#[cfg(test)]
mod parsing_properties;
pub mod permission;
pub mod planner;
pub mod readiness;
pub mod refresh;
pub mod render;
pub mod replay;
pub mod reply;
pub mod repo_name;
pub mod resync;
#[cfg(test)]
mod rng;
pub mod roles;
pub mod serve;
pub mod server;
pub mod signal;
pub mod sources;
pub mod status;
pub mod store;
pub mod supervise;
pub mod web;
pub mod webhook;
pub mod worker;
