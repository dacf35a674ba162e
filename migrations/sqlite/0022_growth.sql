-- Growth snapshots: what the pages and the API show of each org, per audience (`public`: public
-- repositories only; `all`), computed from every person's history and kept (see core::growth).
-- `version` names the data it was computed from (newest signal, endorsements, roles, opt-outs, the
-- ladder in force); `body` is the snapshot as JSON. Times are Unix milliseconds.
CREATE TABLE growth_snapshots (
    org_id      INTEGER NOT NULL,
    scope       TEXT NOT NULL,
    version     TEXT NOT NULL,
    computed_at INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (org_id, scope)
);

-- Each person's standing in a snapshot (JSON in `body`), with what lists sort by: login (lower case), and need
-- (0: ready for a role they do not hold, 1: drifting, 2: active, 3: away); and what the overview's
-- numbers count, so that each links to the people behind it: the levels held, activity, whether they
-- are ready for a role they do not hold, and whether they hold a maintainer role (or higher).
CREATE TABLE growth_people (
    org_id     INTEGER NOT NULL,
    scope      TEXT NOT NULL,
    person_id  INTEGER NOT NULL,
    login      TEXT NOT NULL,
    need       INTEGER NOT NULL,
    body       TEXT NOT NULL,
    levels     INTEGER NOT NULL,
    activity   TEXT NOT NULL,
    ready      INTEGER NOT NULL,
    maintainer INTEGER NOT NULL,
    PRIMARY KEY (org_id, scope, person_id)
);
CREATE INDEX growth_people_by_login ON growth_people (org_id, scope, login);
CREATE INDEX growth_people_by_need ON growth_people (org_id, scope, need, login);

-- A snapshot's version starts with the org's newest signal: found by this index, not by reading
-- every signal of the org.
CREATE INDEX signals_by_org_seq ON signals (org_id, seq);
