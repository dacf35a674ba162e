-- The outbox: actions processing decided on (comments, later labels and issues), stored with the
-- delivery's done mark and sent by the dispatcher. `key` makes each action happen at most once.
-- States: pending (to send), sent, dry_run (logged, not sent: no App credentials), failed (gave up).
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT    NOT NULL UNIQUE,
    org_id          INTEGER NOT NULL,
    installation_id INTEGER,
    repo_id         INTEGER NOT NULL,
    repo_name       TEXT    NOT NULL,
    issue_number    INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claim           TEXT,
    claimed_until   INTEGER,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    detail          TEXT
);
CREATE INDEX outbox_queue ON outbox (seq) WHERE state = 'pending';
