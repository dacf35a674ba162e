//! `/amp` commands: the [`grammar`] that finds them in a comment, the [`permission`] rules for who may
//! run each, and the [`answer`] to each one. All pure; the planner looks up what they need.

pub mod answer;
pub mod grammar;
pub mod permission;
