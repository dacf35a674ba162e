-- Where each repository says how it makes releases (RELEASING.md or CONTRIBUTING.md, in .github/ or
-- the root, the first found), as backfill last read its default branch; no row: it says nowhere or
-- was never read. Next steps for `release_published` link it.
CREATE TABLE release_guides (
    repo_id BIGINT PRIMARY KEY,
    path    TEXT NOT NULL
);
