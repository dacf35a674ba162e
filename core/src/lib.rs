//! ladder-core: everything the app decides, as pure functions over data.
//!
//! A delivery's body becomes an [`event`]; [`signal`] derives the facts it reports and [`directory`]
//! what it says about installations and repositories; [`credit`] decides what counts, [`digest`] boils
//! a person's signals down, [`roles`] reads `CODEOWNERS` and `MAINTAINERS.yaml`, and the [`ladder`]
//! evaluates a person from their facts into a [`report`]. [`commands`] parses `/amp` commands, says
//! who may run them and answers them; [`plan`] decides the actions on GitHub (readiness comments and
//! labels, config reads); [`text`] renders every word the app posts, through one guard. [`health`] is
//! repository health, [`growth`] how the org's people move up the ladder over time, [`chart`] its accessible SVG charts, [`history`] backfill's pure half (GitHub's past as signals), [`open_work`] the issues and pull requests open now, [`next_steps`] which of them would take a person to their next level, [`calibration`] the ladder checked against the promotions the org made, [`delivery`] a stored delivery's record and retry schedule, [`enrolment`] a
//! mentee's enrolment, [`program`] the program's progress, risks and outcomes, [`located`] a config error's place, [`reconcile`] which missed deliveries to fetch, [`rate`] GitHub's rate-limit budgets, [`repo_name`] an `owner/name`, [`visibility`] who may see private repositories' data, [`app_manifest`] the App's manifest for a deployment, [`env_file`] the `.env` file.
//!
//! Never does: I/O, or read the clock. This crate's `Cargo.toml` has no I/O crate (tokio, sqlx,
//! octocrab, axum, hyper) and chrono without its clock, so reaching for them does not compile; the
//! standard library's files, network and `SystemTime` are kept out by review and `purity.py`. The
//! shell, the `ladder` crate, looks things up, passes `now`, and carries out what this crate decides.

pub mod app_manifest;
pub mod calibration;
pub mod chart;
pub mod commands;
pub mod credit;
pub mod delivery;
pub mod digest;
pub mod directory;
pub mod enrolment;
pub mod env_file;
pub mod event;
pub mod growth;
pub mod health;
pub mod history;
pub mod ladder;
pub mod located;
pub mod next_steps;
pub mod node_id;
pub mod open_work;
pub mod plan;
pub mod program;
#[cfg(test)]
mod properties;
pub mod rate;
pub mod reconcile;
pub mod repo_name;
pub mod report;
#[cfg(any(test, feature = "testing"))]
pub mod rng;
pub mod roles;
pub mod signal;
pub mod text;
pub mod visibility;
