-- Totals kept as they change, so that a person's answer does not grow with their history.
--
-- The engagement metrics (primary_reviews, reviews_on_merged, newcomers_helped) are one row per
-- person in digest_totals; each engagement says which totals it is counted in (`in_*`), so that a
-- PR merging later, or a person opting out, moves exactly the engagements whose standing changed.
ALTER TABLE digest_engagements ADD COLUMN in_primary_reviews INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digest_engagements ADD COLUMN in_reviews_on_merged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digest_engagements ADD COLUMN in_newcomers_helped INTEGER NOT NULL DEFAULT 0;
UPDATE digest_engagements SET
    in_primary_reviews = CASE WHEN approved_at IS NOT NULL AND merged = 1 THEN 1 ELSE 0 END,
    in_reviews_on_merged = CASE WHEN reviewed_at IS NOT NULL AND merged = 1 THEN 1 ELSE 0 END,
    in_newcomers_helped = CASE WHEN newcomer_at IS NOT NULL THEN 1 ELSE 0 END;
CREATE TABLE digest_totals (
    org_id            INTEGER NOT NULL,
    actor_id          INTEGER NOT NULL,
    primary_reviews   INTEGER NOT NULL,
    reviews_on_merged INTEGER NOT NULL,
    newcomers_helped  INTEGER NOT NULL,
    PRIMARY KEY (org_id, actor_id)
) WITHOUT ROWID;
INSERT INTO digest_totals (org_id, actor_id, primary_reviews, reviews_on_merged, newcomers_helped)
    SELECT org_id, actor_id, SUM(in_primary_reviews), SUM(in_reviews_on_merged), SUM(in_newcomers_helped)
    FROM digest_engagements GROUP BY org_id, actor_id;

-- substantial_prs depends on the ladder (size threshold, mechanical patterns), so it is remembered
-- per ladder rule instead: digest_substantial holds a person's count of the merged PRs `added`
-- before `through`, and a read counts only those added since. `added` only grows (AUTOINCREMENT never
-- hands out a number again, and SQLite has one writer), so nothing is added behind a mark.
CREATE TABLE digest_merged_added (
    added     INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id   INTEGER NOT NULL,
    number    INTEGER NOT NULL,
    org_id    INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    repo_name TEXT    NOT NULL,
    lines     INTEGER NOT NULL,
    title     TEXT    NOT NULL,
    head      TEXT    NOT NULL,
    merged_at INTEGER NOT NULL,
    paths     TEXT,
    UNIQUE (org_id, repo_id, number)
);
INSERT INTO digest_merged_added (repo_id, number, org_id, actor_id, repo_name, lines, title, head, merged_at, paths)
    SELECT repo_id, number, org_id, actor_id, repo_name, lines, title, head, merged_at, paths FROM digest_merged
    ORDER BY org_id, actor_id, merged_at;
DROP TABLE digest_merged;
ALTER TABLE digest_merged_added RENAME TO digest_merged;
-- In the order evidence is read, so that the newest few are read first whatever else is indexed.
CREATE INDEX digest_merged_by_author ON digest_merged (org_id, actor_id, merged_at, repo_name, number);
CREATE INDEX digest_merged_by_pr ON digest_merged (repo_id, number);
CREATE INDEX digest_merged_by_added ON digest_merged (org_id, actor_id, added);
CREATE TABLE digest_substantial (
    org_id   INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    -- A fingerprint of the ladder's rule for a substantial PR.
    rule     TEXT    NOT NULL,
    through  INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (org_id, actor_id, rule)
) WITHOUT ROWID;
