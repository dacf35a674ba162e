-- Roles people hold outside the app's evaluation, as imported from CODEOWNERS and MAINTAINERS.yaml.
CREATE TABLE roles (
    org       TEXT    NOT NULL,            -- org login, lower case
    repo      TEXT    NOT NULL DEFAULT '', -- repository name; '' for an org-wide role
    login     TEXT    NOT NULL,
    github_id INTEGER,
    role      TEXT    NOT NULL,
    detail    TEXT,
    source    TEXT    NOT NULL,            -- 'codeowners' or 'maintainers'
    PRIMARY KEY (org, source, repo, login, role)
);
CREATE INDEX roles_by_login ON roles (org, lower(login));
