-- Mentees enrolled in the program, per org. People are named by login (they may have no recorded
-- activity yet); `github_id` is filled in when known. An enrolment that ended keeps its row.
CREATE TABLE enrolments (
    org_id      INTEGER NOT NULL,
    login_key   TEXT    NOT NULL,
    login       TEXT    NOT NULL,
    github_id   INTEGER,
    mentor      TEXT,
    cohort      TEXT,
    enrolled_by TEXT    NOT NULL,
    enrolled_at INTEGER NOT NULL,
    ended_at    INTEGER,
    PRIMARY KEY (org_id, login_key)
);
