-- Backfill runs, one per owner (org or user) at a time across replicas and the command line: the run
-- holding the lease (`holder` until `lease_until`, Unix milliseconds) is the only one paging. A run
-- that did not finish is resumed by the next one with the same selection (`repo` or all, `since_at`).
CREATE TABLE backfill_runs (
    owner        TEXT PRIMARY KEY,
    selection    TEXT NOT NULL,
    since_at     INTEGER,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    holder       TEXT,
    lease_until  INTEGER
);

-- Where each list of each repository stands in the owner's run: the cursor after the last page whose
-- signals are committed (in the same transaction as this row), and whether the list is done.
CREATE TABLE backfill_checkpoints (
    owner      TEXT NOT NULL,
    repo_id    INTEGER NOT NULL,
    repo_name  TEXT NOT NULL,
    list       TEXT NOT NULL,
    cursor     TEXT,
    done       INTEGER NOT NULL DEFAULT 0,
    items      INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (owner, repo_id, list)
);
