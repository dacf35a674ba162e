-- The daily re-read of configs looks up what was read for an org lately.
CREATE INDEX outbox_by_org_kind ON outbox (org_id, kind, created_at);
