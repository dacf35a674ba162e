-- Admins signed in to the pages: the SHA-256 of each session's id (the cookie holds the id; the store
-- never does, so a copy of the database signs no one in) and when it ends (Unix milliseconds). Logging
-- out deletes the row, on every replica at once.
CREATE TABLE admin_sessions (
    id_hash    TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
