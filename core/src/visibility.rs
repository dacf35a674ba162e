//! Who may see what: public repositories' data to everyone, private repositories' data only to the
//! org's admins (and on the command line, a private place).
//!
//! Owns: [`Scope`], the audience a read model is computed for, and [`Scope::shows`], the one rule of
//! which repositories' facts a scope may hold.
//!
//! Never does: authenticate anyone (the web's admin session does) or read data.

use serde::{Deserialize, Serialize};

/// Whose view a page, an API answer or a snapshot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Anyone: public repositories only.
    Public,
    /// The org's admins: every repository.
    All,
}

impl Scope {
    pub const BOTH: [Scope; 2] = [Scope::Public, Scope::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Public => "public",
            Scope::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::BOTH.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether facts from a repository (private or not) belong in this scope.
    pub fn shows(self, private: bool) -> bool {
        self == Scope::All || !private
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_sees_public_repositories_only() {
        let cases = [
            (Scope::Public, false, true),
            (Scope::Public, true, false),
            (Scope::All, true, true),
            (Scope::All, false, true),
        ];
        for (scope, private, shown) in cases {
            assert_eq!(scope.shows(private), shown, "{scope:?} private={private}");
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }
}
