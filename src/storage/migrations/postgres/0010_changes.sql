-- A counter every write transaction raises (storage::postgres::Database::write), so that a
-- replica can ask in one small query whether anything changed since it last read, and keep
-- token-path lookups until something did (app::lookup_cache).
CREATE TABLE changes (
    id  INT PRIMARY KEY CHECK (id = 1),
    n   BIGINT NOT NULL
);
INSERT INTO changes (id, n) VALUES (1, 0);
