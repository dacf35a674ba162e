-- Deliveries lost for good (the app was down for longer than GitHub keeps them), as reconcile found:
-- from `since_at` on, found at `found_at` (Unix milliseconds). Serve backfills each org from
-- `since_at` once more when its last run started before `found_at`. One row; an earlier start stands.
CREATE TABLE backfill_lost (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    since_at BIGINT NOT NULL,
    found_at BIGINT NOT NULL
);
