-- Ids are never handed out twice: without AUTOINCREMENT, SQLite gives a new row the largest
-- id plus one, so deleting the row with the largest id would let its id (and a default
-- username `gitlab+deploy-token-{id}`, or a stale reference in a log or JWT) come back.
-- SQLite cannot add AUTOINCREMENT to a column, so each table is rebuilt: created anew,
-- copied (which records each table's largest id in sqlite_sequence), the old one dropped,
-- the new one renamed, its indexes made again. The migration runs with foreign-key
-- enforcement off and checks every reference before it commits (storage::sqlite::migrate).
CREATE TABLE groups_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id   INTEGER REFERENCES groups(id),
    path        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    visibility  TEXT NOT NULL CHECK (visibility IN ('private', 'internal', 'public')),
    created_at  INTEGER NOT NULL
);
INSERT INTO groups_new SELECT id, parent_id, path, name, visibility, created_at FROM groups;
DROP TABLE groups;
ALTER TABLE groups_new RENAME TO groups;

CREATE TABLE projects_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    INTEGER NOT NULL REFERENCES groups(id),
    path        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    visibility  TEXT NOT NULL CHECK (visibility IN ('private', 'internal', 'public')),
    registry    TEXT NOT NULL CHECK (registry IN ('enabled', 'private', 'disabled')),
    created_at  INTEGER NOT NULL
);
INSERT INTO projects_new
    SELECT id, group_id, path, name, visibility, registry, created_at FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;

CREATE TABLE deploy_tokens_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER REFERENCES projects(id),
    group_id    INTEGER REFERENCES groups(id),
    name        TEXT NOT NULL,
    username    TEXT NOT NULL,
    digest      BLOB NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    created_at  INTEGER NOT NULL,
    repositories  TEXT,
    last_used_at  INTEGER,
    CHECK ((project_id IS NULL) <> (group_id IS NULL))
);
INSERT INTO deploy_tokens_new
    SELECT id, project_id, group_id, name, username, digest, scopes, expires_at, revoked_at,
           created_at, repositories, last_used_at
    FROM deploy_tokens;
DROP TABLE deploy_tokens;
ALTER TABLE deploy_tokens_new RENAME TO deploy_tokens;
CREATE INDEX deploy_tokens_project ON deploy_tokens(project_id);
CREATE INDEX deploy_tokens_group ON deploy_tokens(group_id);
CREATE UNIQUE INDEX deploy_tokens_login ON deploy_tokens(digest, username);

CREATE TABLE refresh_tokens_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    digest           BLOB NOT NULL UNIQUE,
    deploy_token_id  INTEGER NOT NULL REFERENCES deploy_tokens(id),
    service          TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
INSERT INTO refresh_tokens_new
    SELECT id, digest, deploy_token_id, service, created_at FROM refresh_tokens;
DROP TABLE refresh_tokens;
ALTER TABLE refresh_tokens_new RENAME TO refresh_tokens;

CREATE TABLE users_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    is_admin       INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at     INTEGER NOT NULL,
    password_hash  TEXT,
    blocked_at     INTEGER
);
INSERT INTO users_new
    SELECT id, username, is_admin, created_at, password_hash, blocked_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE personal_access_tokens_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    digest      BLOB NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    created_at  INTEGER NOT NULL,
    last_used_at  INTEGER
);
INSERT INTO personal_access_tokens_new
    SELECT id, user_id, name, digest, scopes, expires_at, revoked_at, created_at, last_used_at
    FROM personal_access_tokens;
DROP TABLE personal_access_tokens;
ALTER TABLE personal_access_tokens_new RENAME TO personal_access_tokens;
CREATE INDEX personal_access_tokens_user ON personal_access_tokens(user_id);

CREATE TABLE memberships_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    group_id      INTEGER REFERENCES groups(id),
    project_id    INTEGER REFERENCES projects(id),
    access_level  INTEGER NOT NULL CHECK (access_level IN (10, 20, 30, 40, 50)),
    created_at    INTEGER NOT NULL,
    CHECK ((project_id IS NULL) <> (group_id IS NULL))
);
INSERT INTO memberships_new
    SELECT id, user_id, group_id, project_id, access_level, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE UNIQUE INDEX memberships_user_group ON memberships(user_id, group_id)
    WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX memberships_user_project ON memberships(user_id, project_id)
    WHERE project_id IS NOT NULL;

CREATE TABLE user_refresh_tokens_new (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    digest                    BLOB NOT NULL UNIQUE,
    personal_access_token_id  INTEGER NOT NULL REFERENCES personal_access_tokens(id),
    service                   TEXT NOT NULL,
    created_at                INTEGER NOT NULL
);
INSERT INTO user_refresh_tokens_new
    SELECT id, digest, personal_access_token_id, service, created_at FROM user_refresh_tokens;
DROP TABLE user_refresh_tokens;
ALTER TABLE user_refresh_tokens_new RENAME TO user_refresh_tokens;

CREATE TABLE sessions_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    digest        BLOB NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
INSERT INTO sessions_new SELECT id, digest, user_id, created_at, last_seen_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);
