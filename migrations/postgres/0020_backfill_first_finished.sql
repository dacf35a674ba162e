-- When an owner's first backfill finished (Unix milliseconds), kept when later runs (a lost window,
-- one repository, `--since`) start: level-up comments and `ready` labels wait only for the first.
ALTER TABLE backfill_runs ADD COLUMN first_finished_at BIGINT;
UPDATE backfill_runs SET first_finished_at = finished_at;
