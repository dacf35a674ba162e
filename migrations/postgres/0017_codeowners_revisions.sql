-- Every revision of each repository's CODEOWNERS files (`.github/`, the root, `docs/`) a backfill
-- read: the commit on the default branch that changed it, the commit's date (Unix milliseconds), and
-- the text it left (NULL: the commit removed the file, or it is not text). Later readers (calibration)
-- find from here when each person was first named.
CREATE TABLE codeowners_revisions (
    repo_id      BIGINT NOT NULL,
    path         TEXT NOT NULL,
    oid          TEXT NOT NULL,
    committed_at BIGINT NOT NULL,
    text         TEXT,
    PRIMARY KEY (repo_id, path, oid)
);
