-- RFC 8707 resource indicators (issue 19). A resource server's credential names the audience URI it
-- answers for (NULL: a credential from before, which introspects every token); its clients.scope holds
-- the scopes it serves (empty: every scope). Revoking it frees the audience (the audit log keeps it).
-- An initial access token may limit the resources its installations ask for (NULL: any).
-- Numbered 7.1 so that it sorts after any V7 another branch adds, without a clash.
ALTER TABLE clients ADD COLUMN audience VARCHAR(2000);
CREATE UNIQUE INDEX clients_audience ON clients (audience);
ALTER TABLE initial_access_tokens ADD COLUMN resources VARCHAR(4000);
