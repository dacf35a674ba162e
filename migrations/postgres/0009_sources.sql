-- The last good config of each org (repo '') and each repository that overrides it, as read from
-- GitHub. A bad revision never replaces a good one; `revision` is the SHA-256 of the text.
CREATE TABLE configs (
    org_id     BIGINT NOT NULL,
    repo       TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    revision   TEXT    NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, repo)
);

-- The paths a merged PR changed (newline-separated), when the org's ladder has path patterns for
-- mechanical changes and GitHub could be asked; NULL otherwise.
ALTER TABLE digest_merged ADD COLUMN paths TEXT;
