-- The spine: durable deliveries, recorded signals, and the directory of installations, repos and people.
-- Times are Unix milliseconds (UTC); booleans are 0/1.

CREATE TABLE deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    event           TEXT    NOT NULL,
    body_len        BIGINT  NOT NULL,
    received_at     BIGINT  NOT NULL,
    state           TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claim           TEXT,
    claimed_until   BIGINT ,
    processed_at    BIGINT ,
    processed_by    TEXT,
    error           TEXT
);
CREATE INDEX deliveries_queue ON deliveries (seq) WHERE state = 'pending';
CREATE INDEX deliveries_processed ON deliveries (processed_at);

-- Raw bodies (zstd) apart from the rows the queue updates, so a claim or a done mark never rewrites
-- a body. Dropped after the retention window; the delivery's row stays.
CREATE TABLE delivery_bodies (
    seq  BIGINT PRIMARY KEY REFERENCES deliveries (seq),
    body BYTEA  NOT NULL
);

CREATE TABLE signals (
    seq                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                       TEXT    NOT NULL,
    identity                   TEXT    NOT NULL,
    org_id                     BIGINT  NOT NULL,
    org_login                  TEXT    NOT NULL,
    repo_id                    BIGINT  NOT NULL,
    repo_name                  TEXT    NOT NULL,
    repo_private               BIGINT  NOT NULL,
    subject_number             BIGINT ,
    subject_is_pr              BIGINT ,
    subject_author_id          BIGINT ,
    subject_author_login       TEXT,
    subject_author_type        TEXT,
    subject_author_association TEXT,
    actor_id                   BIGINT  NOT NULL,
    actor_login                TEXT    NOT NULL,
    actor_type                 TEXT,
    occurred_at                BIGINT  NOT NULL,
    data                       TEXT    NOT NULL,
    delivery_id                TEXT,
    recorded_at                BIGINT  NOT NULL,
    UNIQUE (kind, identity)
);
CREATE INDEX signals_by_actor ON signals (org_id, actor_id, occurred_at);

CREATE TABLE people (
    id           BIGINT PRIMARY KEY,
    login        TEXT    NOT NULL,
    account_type TEXT,
    seen_at      BIGINT  NOT NULL
);
CREATE INDEX people_by_login ON people (lower(login));

CREATE TABLE orgs (
    id      BIGINT PRIMARY KEY,
    login   TEXT    NOT NULL,
    seen_at BIGINT  NOT NULL
);

CREATE TABLE installations (
    id         BIGINT PRIMARY KEY,
    org_id     BIGINT ,
    state      TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE repositories (
    id              BIGINT PRIMARY KEY,
    org_id          BIGINT  NOT NULL,
    full_name       TEXT    NOT NULL,
    private         BIGINT  NOT NULL,
    installation_id BIGINT ,
    removed         BIGINT  NOT NULL DEFAULT 0,
    updated_at      BIGINT  NOT NULL
);
