-- Audit events: who did what to which entity, from where, when. Written by the use case
-- that acted, in its transaction; never a secret or a digest. `author_kind` says whether a
-- user (through `author_token_id`, when a token was used), the CLI, regauth itself or
-- someone who did not sign in (failed sign-ins) acted.
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

-- The webhook outbox: one row per webhook and notice, the body fixed when it is enqueued
-- (no secret: the signing secret stays in the configuration). `notice_key` names the
-- notice (`deploy_token:7:expiring:7d`), so the scan can enqueue a notice at most once.
-- A worker claims a due row by setting `claimed_by`/`claimed_until`; a claim that ran out
-- (its worker died) can be taken again.
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
