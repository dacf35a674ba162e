//! Texts the app posts: [`reply`] renders every reply and comment, [`render`] holds the guard every
//! text passes and the pieces that put untrusted values into Markdown safely.

pub mod render;
pub mod reply;
