-- People: users with personal access tokens, and their roles on groups and projects.
CREATE TABLE users (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username    TEXT NOT NULL UNIQUE,
    is_admin    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

-- Only the SHA-256 digest of a personal access token (`glpat-…`) is stored; revoked rows
-- are kept.
CREATE TABLE personal_access_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    digest      BYTEA NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens(user_id);

-- One role per user and group or project, as GitLab's access levels: guest 10, reporter 20,
-- developer 30, maintainer 40, owner 50. Group roles reach every subgroup and project below.
CREATE TABLE memberships (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    group_id      BIGINT REFERENCES groups(id),
    project_id    BIGINT REFERENCES projects(id),
    access_level  BIGINT NOT NULL CHECK (access_level IN (10, 20, 30, 40, 50)),
    created_at    BIGINT NOT NULL,
    CHECK ((project_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX memberships_user_group ON memberships(user_id, group_id)
    WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX memberships_user_project ON memberships(user_id, project_id)
    WHERE project_id IS NOT NULL;

-- Refresh tokens of `docker login` with a personal access token: digests only, bound to the
-- token and the service, dead as soon as the personal access token stops being active.
CREATE TABLE user_refresh_tokens (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest                    BYTEA NOT NULL UNIQUE,
    personal_access_token_id  BIGINT NOT NULL REFERENCES personal_access_tokens(id),
    service                   TEXT NOT NULL,
    created_at                BIGINT NOT NULL
);
