-- Issue 17 Must 8: the replay check's ids (V8) keyed in the order they expire. A JWT id is a SHA-256,
-- so with the id alone as the key every INSERT landed on a random page of the primary key (on H2 a
-- random leaf rewritten by every commit: ≈ 24 KB written per key-bound grant); keyed by
-- (expires_at, id) the rows of one moment share the last pages. expires_at is derived from the JWT's
-- own signed exp (client assertions) or iat (DPoP proofs), so the same JWT always has the same key and
-- a replay still meets its row. The key also serves the maintenance job's DELETE by expiry (the
-- separate expiry index is gone).
-- Nodes of the previous release still running during a rolling upgrade fail closed on key-bound
-- requests once this has run (PostgreSQL: their ON CONFLICT (id) has no matching unique key; the
-- old table is renamed before the copy, so no id they record during the migration is lost).
ALTER TABLE used_jtis RENAME TO used_jtis_v8;
CREATE TABLE used_jtis (
    expires_at BIGINT NOT NULL,
    id         VARCHAR(43) NOT NULL,
    CONSTRAINT used_jtis_by_expiry PRIMARY KEY (expires_at, id)
);
INSERT INTO used_jtis (expires_at, id) SELECT expires_at, id FROM used_jtis_v8;
DROP TABLE used_jtis_v8;
