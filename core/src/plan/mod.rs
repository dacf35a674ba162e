//! Plans: what the app will do on GitHub, decided as data. [`action`] is the vocabulary (an action,
//! where it goes, the key that makes it happen once); [`readiness`] decides a PR's sticky comment and
//! labels, [`sticky`] whether the sticky comment is left, edited or posted, and [`sources`] which
//! configuration files to read again. Nothing here sends anything.

pub mod action;
pub mod readiness;
pub mod sources;
pub mod sticky;
