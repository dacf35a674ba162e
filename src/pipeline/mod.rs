//! The pipeline: from a stored delivery to recorded facts and planned actions. The [`worker`] claims
//! deliveries and keeps their claims alive with a [`heartbeat`], the [`planner`] looks up what the
//! core's decisions need through the narrow [`reads`] interface, and [`ladders`] says which ladder is in force for an org or repository.
//!
//! Never does: decide (the core does) or send anything to GitHub (the [`crate::outbound`] wing does).

pub mod heartbeat;
pub mod ladders;
pub mod planner;
pub mod reads;
pub mod worker;
