-- A cloned credential store (issue 15): when one copy rotates its credentials (RFC 7592 §2.2), the
-- other copy's next request must be told "another copy rotated these credentials", not "revoked".
-- The keyed hashes of the client's previous secret and previous registration access token are kept
-- (only the latest previous of each: a second rotation forgets the first), read only when a
-- presented secret or token did not match the current one. previous_reported_at: when the first
-- use of a previous credential was written to the audit log (once per rotation).
ALTER TABLE clients ADD COLUMN previous_secret_hash VARCHAR(64);
ALTER TABLE clients ADD COLUMN previous_rat_hash VARCHAR(64);
ALTER TABLE clients ADD COLUMN previous_reported_at BIGINT;
