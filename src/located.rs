//! Errors located in a file: `FILE:LINE:COLUMN: field: message`, the form every config and roles file
//! the app reads reports its problems in (the ladder config, a repository's override,
//! `MAINTAINERS.yaml`), and [`yaml`], which locates a YAML parser's error.
//!
//! Never does: read files or decide what is wrong (the parsers do).

use std::fmt;

/// One thing wrong with a config, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// The field, as a path (`levels[2].requires.pr_merged`).
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Every error found in a config (YAML syntax errors stop at the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// A YAML error of `file`, where the parser found it.
pub fn yaml(file: &str, error: &serde_saphyr::Error) -> ConfigError {
    let location = error.location();
    ConfigError {
        file: file.to_owned(),
        line: location.map_or(0, |l| l.line()),
        column: location.map_or(0, |l| l.column()),
        field: String::new(),
        message: error.without_snippet().to_string(),
    }
}
