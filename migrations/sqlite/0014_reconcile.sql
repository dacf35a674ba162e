-- How far reconcile has read GitHub's list of deliveries: the newest `delivered_at` it has seen
-- (Unix milliseconds). One row.
CREATE TABLE reconcile_position (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    delivered_at INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
