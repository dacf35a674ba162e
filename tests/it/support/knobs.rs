//! The benchmarks' knobs: sizes and engines from the environment.

use super::Engine;

/// `name` from the environment as a number, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The engines `LADDER_BENCH_ENGINES` names (`sqlite,postgres` unless set).
pub fn engines() -> Vec<Engine> {
    let names = std::env::var("LADDER_BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    names
        .split(',')
        .map(|name| match name.trim() {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            other => panic!("unknown engine {other}: use sqlite or postgres"),
        })
        .collect()
}
