-- The PostgreSQL twin of sqlite/0008_web_ui.sql (wired when the PostgreSQL backend lands):
-- passwords as argon2id PHC strings, the blocked state, and sessions by the SHA-256 digest
-- of their secret; instants as Unix seconds.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN blocked_at BIGINT;

CREATE TABLE sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest        BYTEA NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
