-- The spine: durable deliveries, recorded signals, and the directory of installations, repos and people.
-- Times are Unix milliseconds (UTC); booleans are 0/1.

CREATE TABLE deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    event           TEXT    NOT NULL,
    body_len        INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claim           TEXT,
    claimed_until   INTEGER,
    processed_at    INTEGER,
    processed_by    TEXT,
    error           TEXT
);
CREATE INDEX deliveries_queue ON deliveries (seq) WHERE state = 'pending';
CREATE INDEX deliveries_processed ON deliveries (processed_at);

-- Raw bodies (zstd) apart from the rows the queue updates, so a claim or a done mark never rewrites
-- a body. Dropped after the retention window; the delivery's row stays.
CREATE TABLE delivery_bodies (
    seq  INTEGER PRIMARY KEY REFERENCES deliveries (seq),
    body BLOB    NOT NULL
);

CREATE TABLE signals (
    seq                        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                       TEXT    NOT NULL,
    identity                   TEXT    NOT NULL,
    org_id                     INTEGER NOT NULL,
    org_login                  TEXT    NOT NULL,
    repo_id                    INTEGER NOT NULL,
    repo_name                  TEXT    NOT NULL,
    repo_private               INTEGER NOT NULL,
    subject_number             INTEGER,
    subject_is_pr              INTEGER,
    subject_author_id          INTEGER,
    subject_author_login       TEXT,
    subject_author_type        TEXT,
    subject_author_association TEXT,
    actor_id                   INTEGER NOT NULL,
    actor_login                TEXT    NOT NULL,
    actor_type                 TEXT,
    occurred_at                INTEGER NOT NULL,
    data                       TEXT    NOT NULL,
    delivery_id                TEXT,
    recorded_at                INTEGER NOT NULL,
    UNIQUE (kind, identity)
);
CREATE INDEX signals_by_actor ON signals (org_id, actor_id, occurred_at);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    login        TEXT    NOT NULL,
    account_type TEXT,
    seen_at      INTEGER NOT NULL
);
CREATE INDEX people_by_login ON people (lower(login));

CREATE TABLE orgs (
    id      INTEGER PRIMARY KEY,
    login   TEXT    NOT NULL,
    seen_at INTEGER NOT NULL
);

CREATE TABLE installations (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE repositories (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL,
    full_name       TEXT    NOT NULL,
    private         INTEGER NOT NULL,
    installation_id INTEGER,
    removed         INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);
