-- Issue 18 Must 4: storage per registration (client row, installation row, audit event) at most 1.5 KiB on H2
-- and PostgreSQL. An index no query needs is dropped here, and clients get the metadata_lean flag: this release
-- reads rows whose metadata JSON leaves out six members repeated from columns, and still writes every row whole,
-- so that a node of the previous release (during a rolling upgrade, or after a rollback) never meets a lean row;
-- a later release writes them. (Review of round 6: an older node's RFC 7592 read of a lean row would leave out
-- those members, and a client that writes back what it read would clear them.)
--
-- 1. clients.rat_hash lost its UNIQUE constraint (V1). No query selects a client by its registration access
--    token: RFC 7592 requests name the client in the path (registration_client_uri ends with the client_id), the
--    client is read by its primary key and the presented token's keyed hash is compared in constant time
--    (RegistrationManagementEndpoint → RegistrationService). Uniqueness of 256-bit random tokens needs no index.
--    The constraint's name differs between H2 (generated) and PostgreSQL (clients_rat_hash_key), so the column is
--    replaced: a copy of it is made, the old column (and with it its constraint and index) dropped, the copy
--    renamed. Existing values are kept. (PostgreSQL keeps a dropped column's bytes in existing tuples until they
--    are rewritten; the index's pages are freed at once.)
ALTER TABLE clients ADD COLUMN rat_hash_v15 VARCHAR(64);
UPDATE clients SET rat_hash_v15 = rat_hash WHERE rat_hash IS NOT NULL;
ALTER TABLE clients DROP COLUMN rat_hash;
ALTER TABLE clients RENAME COLUMN rat_hash_v15 TO rat_hash;

-- 2. clients.metadata_lean: TRUE when the row's metadata JSON leaves out the six members it would repeat from
--    columns of the same row (token_endpoint_auth_method, scope, client_name, software_id, software_version,
--    installation_id); ClientStore puts them back when it reads the row. Rows written before stay as they are
--    (FALSE) and are read as before. This release writes none (ClientStore.WRITE_LEAN).
ALTER TABLE clients ADD COLUMN metadata_lean BOOLEAN DEFAULT FALSE NOT NULL;
