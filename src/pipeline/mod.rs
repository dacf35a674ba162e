//! The pipeline: from a stored delivery to recorded facts and planned actions. The [`worker`] claims
//! deliveries and keeps their claims alive with a [`heartbeat`], the [`planner`] looks up what the
//! core's decisions need through the narrow [`reads`] interface, and [`ladders`] says which ladder is in force for an org or repository.
//! [`views`] are the read models the command line and the pages share (a person's report, repository
//! health, for an audience), and [`growth`] keeps each org's growth snapshots.
//!
//! Never does: decide (the core does) or send anything to GitHub (the [`crate::outbound`] wing does).

pub mod growth;
pub mod heartbeat;
pub mod ladders;
pub mod planner;
pub mod reads;
pub mod views;
pub mod worker;
