-- What the overview's numbers count, so that each links to the people behind it: each standing's
-- levels held, activity, whether they are ready for a role they do not hold, and whether they hold a
-- maintainer role (or higher). Snapshots are caches: they are computed anew.
DELETE FROM growth_people;
DELETE FROM growth_snapshots;
ALTER TABLE growth_people ADD COLUMN levels INTEGER NOT NULL DEFAULT 0;
ALTER TABLE growth_people ADD COLUMN activity TEXT NOT NULL DEFAULT 'away';
ALTER TABLE growth_people ADD COLUMN ready INTEGER NOT NULL DEFAULT 0;
ALTER TABLE growth_people ADD COLUMN maintainer INTEGER NOT NULL DEFAULT 0;
