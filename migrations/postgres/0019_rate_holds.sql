-- Holds per installation and rate-limit resource: GitHub asked the app to leave one of an
-- installation's budgets (`core` for REST, `graphql`, …; what `x-ratelimit-resource` names) alone
-- until `until_at` (Unix milliseconds), and no replica spends it before then. Live actions spend
-- `core`; backfill's queries spend `graphql` (and `core` for its REST pages), so a GraphQL limit never
-- holds live replies. `reason` says which request GitHub limited. Every earlier hold was on `core`.
CREATE TABLE rate_holds (
    installation_id BIGINT NOT NULL,
    resource        TEXT NOT NULL,
    until_at        BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    PRIMARY KEY (installation_id, resource)
);
INSERT INTO rate_holds (installation_id, resource, until_at, reason)
    SELECT installation_id, 'core', until_at, reason FROM installation_holds;
DROP TABLE installation_holds;
