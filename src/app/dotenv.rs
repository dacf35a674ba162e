//! Reading the `.env` file `serve` starts with (where setup writes the App's credentials).
//!
//! Owns: [`load`]: the file's variables join the environment before the settings are read; a variable
//! set in both, to different values, is a start-up error naming it (which one was meant is unknown).
//! A missing file is fine.
//!
//! Never does: parse the format ([`ladder_core::env_file`] does) or write the file (setup does).

use std::path::{Path, PathBuf};

/// Why the `.env` file stops the start.
#[derive(Debug, thiserror::Error)]
pub enum DotenvError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Malformed(#[from] ladder_core::env_file::EnvFileError),
    #[error(
        "{names} set both in the environment and in {path}, to different values: remove one of them (which \
         one is meant cannot be told)"
    )]
    Conflict { names: String, path: PathBuf },
}

/// The file's variables that the environment lacks, to set; an error for one set to something else.
pub fn load(path: &Path) -> Result<Vec<(String, String)>, DotenvError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(DotenvError::Unreadable { path: path.to_owned(), source }),
    };
    let vars = ladder_core::env_file::parse(&path.display().to_string(), &text)?;
    let env = |name: &str| std::env::var(name).ok();
    let conflicts = ladder_core::env_file::conflicts(&vars, env);
    if !conflicts.is_empty() {
        return Err(DotenvError::Conflict { names: conflicts.join(", "), path: path.to_owned() });
    }
    Ok(vars.into_iter().filter(|(k, _)| env(k).is_none()).collect())
}
