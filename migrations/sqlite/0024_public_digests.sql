-- Public digests: each person's digest of their signals in public repositories, kept beside the
-- digest of all their signals, under the org's id negated (GitHub's ids are positive), so that what
-- the public sees (`ladder status --public`, public pages) is read as quickly as the rest. A merged PR
-- is then kept once per digest: digest_merged's key gains the org. The digests are rebuilt once.
CREATE TABLE digest_merged_by_org (
    repo_id   INTEGER NOT NULL,
    number    INTEGER NOT NULL,
    org_id    INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    repo_name TEXT    NOT NULL,
    lines     INTEGER NOT NULL,
    title     TEXT    NOT NULL,
    head      TEXT    NOT NULL,
    merged_at INTEGER NOT NULL,
    paths     TEXT,
    PRIMARY KEY (org_id, repo_id, number)
);
INSERT INTO digest_merged_by_org (repo_id, number, org_id, actor_id, repo_name, lines, title, head, merged_at, paths)
    SELECT repo_id, number, org_id, actor_id, repo_name, lines, title, head, merged_at, paths FROM digest_merged;
DROP TABLE digest_merged;
ALTER TABLE digest_merged_by_org RENAME TO digest_merged;
CREATE INDEX digest_merged_by_author ON digest_merged (org_id, actor_id, merged_at);
CREATE INDEX digest_merged_by_pr ON digest_merged (repo_id, number);
INSERT INTO store_tasks (name) SELECT 'rebuild_digests' WHERE NOT EXISTS (SELECT 1 FROM store_tasks WHERE name = 'rebuild_digests');
