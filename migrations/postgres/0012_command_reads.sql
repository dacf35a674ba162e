-- Commands the app read (and so answered), so that a comment is read for at most ten commands in all,
-- its edits included, and a person gets at most five replies a minute in an installation, however many
-- replicas plan them. `command_key` is the command's key within its comment; `installation_id` is 0
-- for a delivery that named none.
CREATE TABLE command_reads (
    repo_id         BIGINT NOT NULL,
    comment_id      BIGINT NOT NULL,
    command_key     TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    person_id       BIGINT NOT NULL,
    -- 1 when it counts towards the person's replies a minute (an optout does not).
    limited         BIGINT NOT NULL,
    read_at         BIGINT NOT NULL,
    PRIMARY KEY (repo_id, comment_id, command_key)
);
CREATE INDEX command_reads_by_person ON command_reads (installation_id, person_id, read_at);
