-- Digests of people's signals (src/digest.rs), added to as signals are recorded, so that evaluating a
-- person reads a few hundred rows however many signals they have. Clustered by person (WITHOUT ROWID).

-- Credited signals per person, kind and Monday-based week (weekly caps apply per week).
CREATE TABLE digest_weeks (
    org_id   INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    week     INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (org_id, actor_id, kind, week)
) WITHOUT ROWID;

-- Months (year * 12 + month - 1) with credited activity, with the first and last signal in each.
CREATE TABLE digest_months (
    org_id   INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    month    INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, actor_id, month)
) WITHOUT ROWID;

CREATE TABLE digest_repos (
    org_id    INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    repo_name TEXT    NOT NULL,
    PRIMARY KEY (org_id, actor_id, repo_name)
) WITHOUT ROWID;

-- Others' issues and PRs a person reviewed, or helped on while their author was new; `merged` is 1
-- once the PR is recorded as merged.
CREATE TABLE digest_engagements (
    org_id      INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL,
    repo_id     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    repo_name   TEXT    NOT NULL,
    approved_at INTEGER,
    reviewed_at INTEGER,
    newcomer_at INTEGER,
    merged      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, actor_id, repo_id, number)
) WITHOUT ROWID;
CREATE INDEX digest_engagements_by_pr ON digest_engagements (repo_id, number);
-- The newest evidence of each engagement metric, without reading all of a busy reviewer's rows.
CREATE INDEX digest_engagements_approved ON digest_engagements (org_id, actor_id, approved_at)
    WHERE merged = 1 AND approved_at IS NOT NULL;
CREATE INDEX digest_engagements_reviewed ON digest_engagements (org_id, actor_id, reviewed_at)
    WHERE merged = 1 AND reviewed_at IS NOT NULL;
CREATE INDEX digest_engagements_newcomer ON digest_engagements (org_id, actor_id, newcomer_at)
    WHERE newcomer_at IS NOT NULL;

-- Every merged PR, with what decides whether it is substantial (title and head lowercased).
CREATE TABLE digest_merged (
    repo_id   INTEGER NOT NULL,
    number    INTEGER NOT NULL,
    org_id    INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    repo_name TEXT    NOT NULL,
    lines     INTEGER NOT NULL,
    title     TEXT    NOT NULL,
    head      TEXT    NOT NULL,
    merged_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, number)
);
CREATE INDEX digest_merged_by_author ON digest_merged (org_id, actor_id, merged_at);

-- The newest references behind a kind, per person.
CREATE INDEX signals_by_actor_kind ON signals (org_id, actor_id, kind, occurred_at);

-- Work the app does in Rust after a migration: signals recorded before digests existed are digested
-- by the first `ladder` that migrates.
CREATE TABLE store_tasks (
    name TEXT PRIMARY KEY
);
INSERT INTO store_tasks (name) VALUES ('rebuild_digests');
