-- Mentees enrolled in the program, per org. People are named by login (they may have no recorded
-- activity yet); `github_id` is filled in when known. An enrolment that ended keeps its row.
CREATE TABLE enrolments (
    org_id      BIGINT  NOT NULL,
    login_key   TEXT    NOT NULL,
    login       TEXT    NOT NULL,
    github_id   BIGINT ,
    mentor      TEXT,
    cohort      TEXT,
    enrolled_by TEXT    NOT NULL,
    enrolled_at BIGINT  NOT NULL,
    ended_at    BIGINT ,
    PRIMARY KEY (org_id, login_key)
);
