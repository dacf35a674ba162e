//! Backfill's GraphQL documents against GitHub's published schema: a query the real GitHub would
//! reject fails here.

use crate::support::schema;
use ladder_core::history::query;

#[test]
fn every_backfill_query_is_valid_against_githubs_schema() {
    let documents = query::all();
    assert_eq!(documents.len(), 15);
    for doc in documents {
        assert!(doc.text.contains(&format!("query {}(", doc.name)), "{} names its operation", doc.name);
        // GitHub refuses a whole query that reads a team's fields without the org's members
        // permission, which backfill does not ask for.
        assert!(!doc.text.contains("on Team {"), "{} reads a team's fields", doc.name);
        if let Some(problems) = schema::problems(&doc.text) {
            panic!("{} is not valid against GitHub's schema:\n{problems}\n{}", doc.name, doc.text);
        }
    }
}

#[test]
fn the_check_refuses_what_github_would() {
    let cases = [
        // A field GitHub does not have.
        "query { repository(owner: \"a\", name: \"b\") { pullRequests(first: 1) { nodes { reviewCount } } } }",
        // An argument GitHub does not take (pull requests have no `since`).
        "query { repository(owner: \"a\", name: \"b\") { pullRequests(first: 1, since: \"2020-01-01\") { totalCount } } }",
        // An id on an interface that has none: actors need a fragment per type.
        "query { repository(owner: \"a\", name: \"b\") { pullRequests(first: 1) { nodes { author { databaseId } } } } }",
        // A variable of the wrong type.
        "query Q($n: String!) { repository(owner: \"a\", name: \"b\") { pullRequest(number: $n) { title } } }",
    ];
    for query in cases {
        assert!(schema::problems(query).is_some(), "the check accepted {query}");
    }
}
