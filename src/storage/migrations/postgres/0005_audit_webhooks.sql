-- The PostgreSQL twin of sqlite/0005_audit_webhooks.sql (wired when the PostgreSQL backend
-- lands): the same tables, identity ids, instants as Unix seconds.
CREATE TABLE audit_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action           TEXT NOT NULL,
    author_kind      TEXT NOT NULL CHECK (author_kind IN ('user', 'cli', 'system', 'anonymous')),
    author_id        BIGINT,
    author_name      TEXT NOT NULL,
    author_token_id  BIGINT,
    entity_type      TEXT NOT NULL,
    entity_id        BIGINT,
    entity_path      TEXT NOT NULL,
    ip_address       TEXT,
    details          TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX audit_events_created ON audit_events(created_at);

-- Claims: `SELECT … FOR UPDATE SKIP LOCKED` picks due rows no other worker is claiming,
-- then the same conditional UPDATE as on SQLite marks them.
CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook          TEXT NOT NULL,
    notice_key       TEXT NOT NULL,
    event            TEXT NOT NULL,
    body             TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_by       TEXT,
    claimed_until    BIGINT,
    delivered_at     BIGINT,
    failed_at        BIGINT,
    last_status      TEXT,
    created_at       BIGINT NOT NULL,
    UNIQUE (webhook, notice_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
