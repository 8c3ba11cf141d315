-- RFC 8707 resource indicators (issue 19). A resource server's credential names the audience URI it
-- answers for (NULL: a credential from before, which introspects every token); its clients.scope holds
-- the scopes it serves (empty: every scope). audience stays after a revocation (the credential keeps
-- seeing only its own tokens while a cached copy of it lives); active_audience holds the same value
-- while the credential is active and is what keeps audiences unique among active resource servers
-- (NULLs do not collide on H2 or PostgreSQL), so revoking one frees its audience for a new one.
-- An initial access token may limit the resources its installations ask for (NULL: any).
ALTER TABLE clients ADD COLUMN audience VARCHAR(2000);
ALTER TABLE clients ADD COLUMN active_audience VARCHAR(2000);
CREATE UNIQUE INDEX clients_active_audience ON clients (active_audience);
ALTER TABLE initial_access_tokens ADD COLUMN resources VARCHAR(4000);
