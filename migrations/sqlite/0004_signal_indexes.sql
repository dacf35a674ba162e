-- Org-wide reads: signals of a time span (repo health), and of one kind (merged PRs).
CREATE INDEX signals_by_time ON signals (org_id, occurred_at);
CREATE INDEX signals_by_kind ON signals (org_id, kind);
