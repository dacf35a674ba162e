-- People who opted out: their signals are erased and nothing more is recorded about them. Only this
-- tombstone remains: the numeric id, the login (so they can opt back in by name) and when.
CREATE TABLE optouts (
    github_id    INTEGER PRIMARY KEY,
    login        TEXT    NOT NULL,
    opted_out_at INTEGER NOT NULL
);
CREATE INDEX optouts_by_login ON optouts (lower(login));
