-- The outbox: actions processing decided on (comments, later labels and issues), stored with the
-- delivery's done mark and sent by the dispatcher. `key` makes each action happen at most once.
-- States: pending (to send), sent, dry_run (logged, not sent: no App credentials), failed (gave up).
CREATE TABLE outbox (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    org_id          BIGINT  NOT NULL,
    installation_id BIGINT ,
    repo_id         BIGINT  NOT NULL,
    repo_name       TEXT    NOT NULL,
    issue_number    BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claim           TEXT,
    claimed_until   BIGINT ,
    created_at      BIGINT  NOT NULL,
    done_at         BIGINT ,
    detail          TEXT
);
CREATE INDEX outbox_queue ON outbox (seq) WHERE state = 'pending';
