-- Installations GitHub asked the app to leave alone for a while (a rate limit): no action of theirs is
-- claimed before `until_at` (Unix milliseconds), by any replica. `reason` says which request GitHub limited.
CREATE TABLE installation_holds (
    installation_id INTEGER PRIMARY KEY,
    until_at        INTEGER NOT NULL,
    reason          TEXT NOT NULL
);
