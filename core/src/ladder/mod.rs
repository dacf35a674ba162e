//! The ladder: the org's roles as config-as-code, and where each person stands on it.
//!
//! [`config`] parses and validates the YAML (with the built-in AsyncAPI ladder as the default),
//! [`facts`] says what is known about a person, [`metric`] defines what a level can require and
//! [`measure`] computes it from those facts, and [`evaluate`] turns them into the person's level, what is missing
//! for the next one, and their activity. All pure.

pub mod config;
pub mod evaluate;
pub mod facts;
pub mod measure;
pub mod metric;
#[cfg(test)]
mod properties;

pub use config::{ConfigErrors, Ladder, Level};
pub use evaluate::{Activity, Progress, Readiness, evaluate};
pub use facts::Facts;
pub use metric::Metric;
