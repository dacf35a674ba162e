-- Public digests: each person's digest of their signals in public repositories, kept beside the
-- digest of all their signals, under the org's id negated (GitHub's ids are positive), so that what
-- the public sees (`ladder status --public`, public pages) is read as quickly as the rest. A merged PR
-- is then kept once per digest: digest_merged's key gains the org. The digests are rebuilt once.
ALTER TABLE digest_merged DROP CONSTRAINT digest_merged_pkey;
ALTER TABLE digest_merged ADD PRIMARY KEY (org_id, repo_id, number);
CREATE INDEX digest_merged_by_pr ON digest_merged (repo_id, number);
INSERT INTO store_tasks (name) SELECT 'rebuild_digests' WHERE NOT EXISTS (SELECT 1 FROM store_tasks WHERE name = 'rebuild_digests');
