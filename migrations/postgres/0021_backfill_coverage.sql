-- What an org's history holds, kept when a later run with another selection starts afresh (its
-- checkpoints are cleared): the repositories whose whole history some run paged (so `serve` does not
-- backfill them again when the installation lists them), and the lost window (`backfill_lost.found_at`)
-- the last run over every repository from the window's start or earlier covered.
CREATE TABLE backfill_paged (
    owner     TEXT NOT NULL,
    repo_name TEXT NOT NULL,
    paged_at  BIGINT NOT NULL,
    PRIMARY KEY (owner, repo_name)
);
INSERT INTO backfill_paged (owner, repo_name, paged_at)
    SELECT owner, lower(repo_name), updated_at FROM backfill_checkpoints WHERE list = 'pulls' AND done = 1;
ALTER TABLE backfill_runs ADD COLUMN window_found_at BIGINT;
UPDATE backfill_runs SET window_found_at = (SELECT found_at FROM backfill_lost WHERE id = 1)
    WHERE finished_at IS NOT NULL AND started_at >= (SELECT found_at FROM backfill_lost WHERE id = 1);
