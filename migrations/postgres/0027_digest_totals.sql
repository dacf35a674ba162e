-- Totals kept as they change, so that a person's answer does not grow with their history.
--
-- The engagement metrics (primary_reviews, reviews_on_merged, newcomers_helped) are one row per
-- person in digest_totals; each engagement says which totals it is counted in (`in_*`), so that a
-- PR merging later, or a person opting out, moves exactly the engagements whose standing changed.
ALTER TABLE digest_engagements ADD COLUMN in_primary_reviews BIGINT NOT NULL DEFAULT 0;
ALTER TABLE digest_engagements ADD COLUMN in_reviews_on_merged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE digest_engagements ADD COLUMN in_newcomers_helped BIGINT NOT NULL DEFAULT 0;
UPDATE digest_engagements SET
    in_primary_reviews = CASE WHEN approved_at IS NOT NULL AND merged = 1 THEN 1 ELSE 0 END,
    in_reviews_on_merged = CASE WHEN reviewed_at IS NOT NULL AND merged = 1 THEN 1 ELSE 0 END,
    in_newcomers_helped = CASE WHEN newcomer_at IS NOT NULL THEN 1 ELSE 0 END;
CREATE TABLE digest_totals (
    org_id            BIGINT NOT NULL,
    actor_id          BIGINT NOT NULL,
    primary_reviews   BIGINT NOT NULL,
    reviews_on_merged BIGINT NOT NULL,
    newcomers_helped  BIGINT NOT NULL,
    PRIMARY KEY (org_id, actor_id)
);
INSERT INTO digest_totals (org_id, actor_id, primary_reviews, reviews_on_merged, newcomers_helped)
    SELECT org_id, actor_id, SUM(in_primary_reviews), SUM(in_reviews_on_merged), SUM(in_newcomers_helped)
    FROM digest_engagements GROUP BY org_id, actor_id;

-- substantial_prs depends on the ladder (size threshold, mechanical patterns), so it is remembered
-- per ladder rule instead: digest_substantial holds a person's count of the merged PRs `added`
-- before `through`, and a read counts only those added since. `added` is the id of the transaction
-- that added the row, and a mark is the oldest transaction still running when it was taken
-- (pg_snapshot_xmin): every row a later commit brings is at or after it, however transactions
-- interleave. Rows from before this migration count as added at 0.
ALTER TABLE digest_merged ADD COLUMN added BIGINT NOT NULL DEFAULT 0;
ALTER TABLE digest_merged ALTER COLUMN added SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX digest_merged_by_added ON digest_merged (org_id, actor_id, added);
-- In the order evidence is read, so that the newest few are read first whatever else is indexed.
DROP INDEX digest_merged_by_author;
CREATE INDEX digest_merged_by_author ON digest_merged (org_id, actor_id, merged_at, repo_name, number);
CREATE TABLE digest_substantial (
    org_id   BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    -- A fingerprint of the ladder's rule for a substantial PR.
    rule     TEXT   NOT NULL,
    through  BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (org_id, actor_id, rule)
);
