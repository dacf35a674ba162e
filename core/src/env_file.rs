//! The `.env` file: `KEY=VALUE` lines that `serve` reads at start, and that the setup flow writes once
//! the GitHub App is registered.
//!
//! Owns: [`parse`] (blank lines and `#` comments skipped, an optional `export `, values optionally in
//! double or single quotes; anything else is an error naming the line), [`render`] (values in double
//! quotes, a PEM's line breaks written as `\n`, which the private key's reader turns back), and
//! [`conflicts`]: the variables the environment and the file both set, to different values.
//!
//! Never does: read or write files, or the environment (the shell passes them).

use std::collections::BTreeMap;

/// A line that is not `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: not a KEY=VALUE line; each line sets one variable, like APP_ID=12345")]
pub struct EnvFileError {
    pub file: String,
    pub line: usize,
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
}

/// The variables a `.env` file sets, in the order it sets them (a later line wins).
pub fn parse(file: &str, text: &str) -> Result<BTreeMap<String, String>, EnvFileError> {
    let mut out = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let error = || EnvFileError { file: file.to_owned(), line: i + 1 };
        let (key, value) = line.split_once('=').ok_or_else(error)?;
        let key = key.trim();
        if !is_key(key) {
            return Err(error());
        }
        let value = value.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)).filter(|_| value.len() >= 2));
        let value = match unquoted {
            Some(inner) => inner,
            None if value.starts_with(['"', '\'']) => return Err(error()),
            None => value,
        };
        out.insert(key.to_owned(), value.to_owned());
    }
    Ok(out)
}

/// The text of a `.env` file setting `vars`, each value in double quotes with line breaks as `\n`.
pub fn render(comment: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (key, value) in vars {
        let value = value.trim_end_matches('\n').replace('\r', "").replace('\n', "\\n").replace('"', "");
        out.push_str(&format!("{key}=\"{value}\"\n"));
    }
    out
}

/// The variables both `file` and the environment (`env`, a variable's value if set) set, to
/// different values.
pub fn conflicts(file: &BTreeMap<String, String>, env: impl Fn(&str) -> Option<String>) -> Vec<&str> {
    file.iter().filter(|(k, v)| env(k).is_some_and(|e| e != **v)).map(|(k, _)| k.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_as_variables_or_say_which_line_is_wrong() {
        let text = "# the App\nAPP_ID=42\n\nexport WEBHOOK_SECRET = \"s e c\"\nPRIVATE_KEY='a\\nb'\nEMPTY=\n";
        let vars = parse(".env", text).unwrap();
        assert_eq!(vars["APP_ID"], "42");
        assert_eq!(vars["WEBHOOK_SECRET"], "s e c");
        assert_eq!(vars["PRIVATE_KEY"], "a\\nb");
        assert_eq!(vars["EMPTY"], "");
        for (bad, line) in [("APP_ID 42\n", 1), ("\n9X=1\n", 2), ("A=\"open\n", 1), ("A-B=1\n", 1)] {
            assert_eq!(parse(".env", bad), Err(EnvFileError { file: ".env".into(), line }), "{bad:?}");
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc=\n-----END RSA PRIVATE KEY-----\n";
        let text = render("written by ladder's setup\nkeep it private", &[("APP_ID", "7"), ("PRIVATE_KEY", pem)]);
        assert!(text.starts_with("# written by ladder's setup\n# keep it private\n"));
        let vars = parse(".env", &text).unwrap();
        assert_eq!(vars["APP_ID"], "7");
        assert_eq!(vars["PRIVATE_KEY"].replace("\\n", "\n") + "\n", pem);
        assert_eq!(text.lines().count(), 4, "the key on one line");
    }

    #[test]
    fn conflicts_are_variables_set_differently_in_both() {
        let file = parse(".env", "A=1\nB=2\nC=3\n").unwrap();
        let env = |k: &str| match k {
            "A" => Some("1".to_owned()),
            "B" => Some("9".to_owned()),
            _ => None,
        };
        assert_eq!(conflicts(&file, env), ["B"]);
    }
}
