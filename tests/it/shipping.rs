//! What ships besides the code: the App manifest, the Dockerfile, CI and the README's commands.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_manifest_asks_for_least_privilege_and_the_events_used() {
    let manifest: serde_json::Value = serde_saphyr::from_str(&read("app-manifest.yml")).expect("valid YAML");
    let permissions = serde_json::json!({
        "pull_requests": "write", "issues": "write", "checks": "write", "contents": "read",
        "metadata": "read", "discussions": "read"
    });
    assert_eq!(manifest["default_permissions"], permissions);
    let mut events: Vec<&str> =
        manifest["default_events"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    events.sort();
    assert_eq!(
        events,
        [
            "discussion",
            "discussion_comment",
            "issue_comment",
            "issues",
            "pull_request",
            "pull_request_review",
            "pull_request_review_comment",
            "push",
            "release",
            "repository"
        ]
    );
    for event in &events {
        assert!(ladder_core::event::is_known(event), "{event} is subscribed but the receiver would ignore it");
    }
    assert_eq!(manifest["hook_attributes"]["url"], "https://example.com/api/github/webhooks");
    assert_eq!(manifest["public"], false);
}

#[test]
fn the_dockerfile_builds_what_ci_builds_and_runs_unprivileged() {
    let dockerfile = read("Dockerfile");
    let froms: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "multi-stage: {froms:?}");
    assert!(froms[1].contains("-slim"), "small runtime image: {}", froms[1]);
    let build = "cargo build --release --locked --bin ladder";
    assert!(dockerfile.contains(&format!("RUN {build}")), "the image builds the release binary");
    assert!(read(".ci/run").contains(build), "CI exercises the same release build");
    assert!(dockerfile.contains("COPY --from=build /src/target/release/ladder /usr/local/bin/ladder"));
    let user = dockerfile.lines().rfind(|l| l.starts_with("USER ")).expect("a USER line");
    assert!(!user.contains("root") && !user.trim_end().ends_with(" 0") && !user.contains(" 0:"), "{user}");
    assert!(dockerfile.contains("ENTRYPOINT [\"ladder\"]") && dockerfile.contains("CMD [\"serve\"]"));
    assert!(dockerfile.contains("HOST=0.0.0.0"), "reachable from outside the container");
    for member in ["src", "core", "migrations"] {
        assert!(dockerfile.contains(&format!("COPY {member} ./{member}")), "the image copies {member}/");
    }
}

/// The pure core's purity is kept by its manifest: none of its dependencies does I/O, and chrono
/// comes without its clock, so code in `core/` that reached for either would not compile on its own
/// (`.ci/run` checks it alone: in a build with the shell, cargo unifies chrono's features).
#[test]
fn the_core_crate_depends_on_no_io_crate_and_no_clock() {
    let manifest = read("core/Cargo.toml");
    let dependencies: Vec<&str> = manifest
        .split("\n[")
        .find(|section| section.starts_with("dependencies]"))
        .expect("core/Cargo.toml has [dependencies]")
        .lines()
        .skip(1)
        .filter(|l| l.contains('='))
        .collect();
    assert!(dependencies.len() >= 5, "{dependencies:?}");
    for line in &dependencies {
        let name = line.split('=').next().unwrap().trim();
        for io in ["tokio", "sqlx", "octocrab", "axum", "hyper", "hyper-util", "reqwest", "tower", "tower-http"] {
            assert_ne!(name, io, "core/Cargo.toml depends on an I/O crate: {line}");
        }
        if name == "chrono" {
            let clock = line.contains("clock") || line.contains("\"now\"");
            assert!(line.contains("default-features = false") && !clock, "{line}");
        }
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let test_command = "cargo test --locked";
    assert!(readme.contains(&format!("```sh\n{test_command}\n```")), "README gives the test command");
    assert!(ci.lines().any(|l| l.trim() == test_command), "CI runs exactly it");
    assert!(readme.contains("WEBHOOK_SECRET=change-me cargo run --release -- serve"), "README gives the run command");
    assert!(!ci.contains("pg_ctlcluster"), "CI starts no PostgreSQL: the tests start their own");
    assert!(ci.contains("cargo check --locked -p ladder-core --lib"), "CI builds the core on its own");
}
