-- The author of each pull request a backfill paged, by repository and number: review comments, which
-- REST lists repository-wide, name only their pull request's number, and their signals name the
-- pull request's author as the other facts about it do. The login of a person who opted out is NULL.
CREATE TABLE backfill_pulls (
    repo_id            BIGINT NOT NULL,
    number             BIGINT NOT NULL,
    author_id          BIGINT NOT NULL,
    author_login       TEXT,
    author_type        TEXT,
    author_association TEXT,
    PRIMARY KEY (repo_id, number)
);
