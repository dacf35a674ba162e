-- Open work: the issues and pull requests open now in each repository, as backfill last read them
-- (later, webhooks keep them current). An item leaves when it is read closed or merged. Times are Unix
-- milliseconds; flags 0 or 1. The login of a person who opted out is NULL (the id stays, so an item
-- assigned to them still reads as assigned).
CREATE TABLE open_items (
    repo_id            INTEGER NOT NULL,
    number             INTEGER NOT NULL,
    repo_name          TEXT NOT NULL,
    repo_private       INTEGER NOT NULL,
    is_pr              INTEGER NOT NULL,
    title              TEXT NOT NULL,
    draft              INTEGER NOT NULL,
    author_id          INTEGER NOT NULL,
    author_login       TEXT,
    author_type        TEXT,
    author_association TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (repo_id, number)
);

-- The labels on each open item: the label's database id (which survives a rename) and its name now.
CREATE TABLE open_item_labels (
    repo_id  INTEGER NOT NULL,
    number   INTEGER NOT NULL,
    label_id INTEGER,
    name     TEXT NOT NULL,
    PRIMARY KEY (repo_id, number, name)
);

-- The people involved in each open item, by role: `assignee`, `requested` (a person, or a team:
-- type `Team`, login its slug), `reviewer` and `commenter` (a person other than the author, first
-- at `first_at`).
CREATE TABLE open_item_people (
    repo_id     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    role        TEXT NOT NULL,
    person_id   INTEGER NOT NULL,
    login       TEXT,
    person_type TEXT,
    first_at    INTEGER,
    PRIMARY KEY (repo_id, number, role, person_id)
);
CREATE INDEX open_item_people_by_person ON open_item_people (person_id);
