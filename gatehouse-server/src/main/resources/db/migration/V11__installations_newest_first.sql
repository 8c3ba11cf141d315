-- Installations are listed newest first (issue 14): by creation time, then id. Their ids are random
-- (inst_…), so the primary key's order (V2's listing) was no order a user could see. A page is the
-- first rows of one of these indexes, walked from the newest end: all installations (and the status,
-- stale and owner filters, as the primary key served them before), or those of one token (the
-- listing by token, which (last_iat_id, id) served). The index on (last_iat_id, id) had no other use:
-- replaced, so that a new installation writes one index more than before, not two.
CREATE INDEX installations_created ON installations (created_at DESC, id DESC);
CREATE INDEX installations_last_iat_created ON installations (last_iat_id, created_at DESC, id DESC);
DROP INDEX installations_last_iat;
