-- Webhooks keep open work current. An item a webhook shows closed (merged, deleted, transferred away)
-- keeps its row with `closed_at` set (Unix milliseconds) and its labels and people removed, so that an
-- older delivery processed late (its `updated_at` older than the row's) cannot open it again. Readers
-- take the rows whose `closed_at` is NULL.
ALTER TABLE open_items ADD COLUMN closed_at BIGINT;
-- The org's open items, newest activity first, for suggestions.
CREATE INDEX open_items_by_repo_name ON open_items (repo_name, updated_at);
