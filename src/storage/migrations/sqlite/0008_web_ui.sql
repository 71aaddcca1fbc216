-- Signing in to the web UI: an argon2id PHC string per user (NULL: no password, no
-- sign-in), a blocked state (a blocked user cannot sign in and their tokens stop working),
-- and server-side sessions kept by the SHA-256 digest of their secret, never the secret.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN blocked_at INTEGER;

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    digest        BLOB NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
