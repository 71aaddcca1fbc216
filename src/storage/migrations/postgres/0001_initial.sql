-- Groups nest to any depth; projects live in a group. Paths are unique across both tables
-- (checked by the application, which sees both). Ids come from identity sequences, which
-- never hand out a value twice (not even after a rollback or a deleted row). Instants are
-- Unix seconds, as on SQLite.
CREATE TABLE groups (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   BIGINT REFERENCES groups(id),
    path        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    visibility  TEXT NOT NULL CHECK (visibility IN ('private', 'internal', 'public')),
    created_at  BIGINT NOT NULL
);

CREATE TABLE projects (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES groups(id),
    path        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    visibility  TEXT NOT NULL CHECK (visibility IN ('private', 'internal', 'public')),
    registry    TEXT NOT NULL CHECK (registry IN ('enabled', 'private', 'disabled')),
    created_at  BIGINT NOT NULL
);

-- Only the SHA-256 digest of a token is stored; revoked rows are kept.
CREATE TABLE deploy_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT REFERENCES projects(id),
    group_id    BIGINT REFERENCES groups(id),
    name        TEXT NOT NULL,
    username    TEXT NOT NULL,
    digest      BYTEA NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT,
    created_at  BIGINT NOT NULL,
    CHECK ((project_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX deploy_tokens_project ON deploy_tokens(project_id);
CREATE INDEX deploy_tokens_group ON deploy_tokens(group_id);

-- Refresh tokens (docker login's identity tokens): digests only, bound to one deploy token
-- and one service, reusable until the deploy token stops being active.
CREATE TABLE refresh_tokens (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest           BYTEA NOT NULL UNIQUE,
    deploy_token_id  BIGINT NOT NULL REFERENCES deploy_tokens(id),
    service          TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
