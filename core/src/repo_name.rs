//! A repository's full name, `owner/name`, split once, in one place.
//!
//! Never does: check that the parts are valid GitHub names (GitHub's payloads are trusted for that).

/// `owner/name`, borrowed from a full name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepoName<'a> {
    pub owner: &'a str,
    pub name: &'a str,
}

impl<'a> RepoName<'a> {
    /// Splits `full_name` at its first `/`; a bare name (no `/`) has no owner.
    pub fn parse(full_name: &'a str) -> RepoName<'a> {
        match full_name.split_once('/') {
            Some((owner, name)) => RepoName { owner, name },
            None => RepoName { owner: "", name: full_name },
        }
    }

    /// Whether the repository's name (not its owner) is `name`, ignoring case as GitHub does.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names_split_once() {
        let cases = [
            ("asyncapi/cli", ("asyncapi", "cli")),
            ("asyncapi/.github", ("asyncapi", ".github")),
            ("cli", ("", "cli")),
            ("a/b/c", ("a", "b/c")),
        ];
        for (full, (owner, name)) in cases {
            assert_eq!(RepoName::parse(full), RepoName { owner, name }, "{full}");
        }
        assert!(RepoName::parse("asyncapi/CLI").is_named("cli"));
    }
}
