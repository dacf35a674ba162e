//! Outbound: carrying out planned actions. The [`dispatch`]er claims them from the outbox and sends
//! them through [`crate::github`], spaced by the [`pace`]r; [`refresh`] reads configs and `CODEOWNERS`
//! into the store and checks configs pushed to branches; [`resync`] plans a daily read of them all.
//!
//! Never does: plan an action (the pipeline and the core do).

pub mod dispatch;
pub mod pace;
pub mod refresh;
pub mod resync;
