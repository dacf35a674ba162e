//! Errors located in a file: `FILE:LINE:COLUMN: field: message`, the form every config and roles file
//! the app reads reports its problems in (the ladder config, a repository's override,
//! `MAINTAINERS.yaml`), and [`yaml`], which locates a YAML parser's error.
//!
//! Owns also [`Scalar`], how those parsers read a scalar field whatever its type, and [`Check`],
//! which collects located errors and checks a scalar's type: a value of the wrong type is then one
//! error among all the others, naming its field, instead of the end of the parse.
//!
//! Never does: read files or decide what a field must hold (the parsers do).

use std::fmt;

use serde::Deserialize;
use serde_saphyr::Spanned;

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

/// A YAML scalar of any type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Number(n) => write!(f, "{n}"),
            Scalar::Text(t) => write!(f, "`{t}`"),
        }
    }
}

/// The located errors found in one file so far, and the type checks of its scalars.
pub struct Check<'a> {
    file: &'a str,
    errors: Vec<ConfigError>,
}

impl<'a> Check<'a> {
    pub fn new(file: &'a str) -> Check<'a> {
        Check { file, errors: Vec::new() }
    }

    /// Records that `field`, at `at`, is wrong.
    pub fn error<T>(&mut self, at: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.file.to_owned(),
            line: at.referenced.line(),
            column: at.referenced.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// The value as text; a number or a flag where text belongs is an error.
    pub fn text(&mut self, value: &Spanned<Scalar>, field: &str) -> Option<String> {
        match &value.value {
            Scalar::Text(text) => Some(text.clone()),
            other => {
                self.error(value, field, format!("must be text, not {other}"));
                None
            }
        }
    }

    /// The value as a number; text or a flag where a number belongs is an error.
    pub fn number(&mut self, value: &Spanned<Scalar>, field: &str, wanted: &str) -> Option<f64> {
        match &value.value {
            Scalar::Number(n) => Some(*n),
            other => {
                self.error(value, field, format!("must be {wanted}, not {other}"));
                None
            }
        }
    }

    /// The value as `true` or `false`.
    pub fn flag(&mut self, value: &Spanned<Scalar>, field: &str) -> Option<bool> {
        match &value.value {
            Scalar::Bool(b) => Some(*b),
            other => {
                self.error(value, field, format!("must be true or false, not {other}"));
                None
            }
        }
    }

    /// `Ok` with `value` when nothing was found wrong, else every error, in the order found.
    pub fn finish<T>(self, value: T) -> Result<T, ConfigErrors> {
        if self.errors.is_empty() { Ok(value) } else { Err(ConfigErrors(self.errors)) }
    }
}
