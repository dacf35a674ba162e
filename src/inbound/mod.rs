//! Inbound: from bytes on a socket to a delivery stored durably. The [`server`] accepts connections
//! with timeouts, the [`webhook`] handler receives bodies under a deadline and a memory budget and
//! checks their signature, and the [`intake`] stores them in group commits before they are answered.
//!
//! Never does: process a delivery (the [`crate::pipeline`] does, later, from the store).

pub mod intake;
pub mod server;
pub mod webhook;
