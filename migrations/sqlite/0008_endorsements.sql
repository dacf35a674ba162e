-- Endorsements of a person for a level, by maintainers. People are named by login (the endorsed may
-- have little recorded activity); ids are kept when known. One per endorser, person and level.
CREATE TABLE endorsements (
    org_id         INTEGER NOT NULL,
    login_key      TEXT    NOT NULL,
    login          TEXT    NOT NULL,
    github_id      INTEGER,
    level          TEXT    NOT NULL,
    endorser_id    INTEGER NOT NULL,
    endorser_login TEXT    NOT NULL,
    company        TEXT,
    endorsed_at    INTEGER NOT NULL,
    PRIMARY KEY (org_id, login_key, level, endorser_id)
);
