//! GitHub's published GraphQL schema (`schema/github.graphql`), loaded once, and the check every query
//! must pass: the one the tests run over backfill's documents and the fake GitHub over each query it
//! receives.

use std::sync::OnceLock;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};

/// The schema, as GitHub publishes it. Its SDL defines two fields of `EnterpriseOwnerInfo` twice
/// (`repositoryDeployKeySetting` and `repositoryDeployKeySettingOrganizations`), which a strict loader
/// refuses: those duplicates, and only those, are accepted.
pub fn github() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/github.graphql");
        let text = std::fs::read_to_string(path).expect("schema/github.graphql is committed");
        match Schema::parse_and_validate(text, path) {
            Ok(schema) => schema,
            Err(with_errors) => {
                let unexpected: Vec<String> = with_errors
                    .errors
                    .iter()
                    .map(|e| e.error.to_string())
                    .filter(|e| !e.contains("repositoryDeployKeySetting"))
                    .collect();
                assert!(unexpected.is_empty(), "GitHub's schema does not load: {unexpected:#?}");
                Valid::assume_valid(with_errors.partial)
            }
        }
    })
}

/// Why `query` is not a query GitHub would run, or None when it is.
pub fn problems(query: &str) -> Option<String> {
    match ExecutableDocument::parse_and_validate(github(), query, "query.graphql") {
        Ok(_) => None,
        Err(e) => Some(e.errors.to_string()),
    }
}
