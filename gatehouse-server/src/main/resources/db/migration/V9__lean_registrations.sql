-- Issue 18: fewer indexes written per registration, on H2 and PostgreSQL alike. Every index is one
-- more B-tree a registration writes (on H2 a copy-on-write map whose path from root to leaf each
-- commit rewrites), and its entries are kept for every client for good.
-- No query selects clients by their installation_id: installations carry it, and a registration
-- finds its installation through installations_identity. The column stays.
DROP INDEX clients_installation;
-- No query selects installations by first_iat_id (the listing by token uses last_iat_id), and no
-- initial access token row is ever deleted (revoked, never removed), so the foreign key's checks
-- do not need it; H2 keeps an index of its own for that foreign key anyway (a duplicate until now).
-- Not dropped: clients_iat, a prefix of clients_iat_created (V3), because H2 made it the index of
-- the foreign key on clients.iat_id, and that constraint's name differs between H2 and PostgreSQL.
DROP INDEX installations_first_iat;
