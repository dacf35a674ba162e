//! GitHub's rate-limit resources: the separate budgets a request spends, as `x-ratelimit-resource`
//! names them. A hold (GitHub asked to wait) is kept per installation and resource, so a limit on one
//! budget never stops requests that spend another: a GraphQL limit hit by backfill leaves live
//! replies, which spend `core`, going.
//!
//! Owns: [`Resource`]. Never does: read headers or decide waits (`github::verdict` does).

use std::fmt;

/// A budget GitHub counts requests against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The REST API: every live action, and backfill's REST pages.
    Core,
    /// The GraphQL API: backfill's queries.
    Graphql,
}

impl Resource {
    pub const ALL: [Resource; 2] = [Resource::Core, Resource::Graphql];

    /// The name GitHub gives it in `x-ratelimit-resource`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Core => "core",
            Resource::Graphql => "graphql",
        }
    }

    pub fn parse(name: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_githubs() {
        assert_eq!(Resource::Core.to_string(), "core");
        assert_eq!(Resource::parse("graphql"), Some(Resource::Graphql));
        assert_eq!(Resource::parse("search"), None);
        for r in Resource::ALL {
            assert_eq!(Resource::parse(r.as_str()), Some(r));
        }
    }
}
