-- Installations (issue 4): kept apart from their client credentials, so re-registering an
-- installation issues new credentials while the installation keeps its history.

ALTER TABLE initial_access_tokens ADD COLUMN owner_account VARCHAR(200) DEFAULT 'operator' NOT NULL;
-- What happens when an installation that already has active credentials registers again.
ALTER TABLE initial_access_tokens ADD COLUMN reregistration VARCHAR(10) DEFAULT 'replace' NOT NULL;
-- Space-separated allowed software_id values; NULL: any.
ALTER TABLE initial_access_tokens ADD COLUMN software_ids VARCHAR(4000);
-- Space-separated client address ranges (CIDR) for registration and token requests; NULL: any.
ALTER TABLE initial_access_tokens ADD COLUMN client_cidrs VARCHAR(4000);
ALTER TABLE initial_access_tokens ADD CONSTRAINT iat_reregistration CHECK (reregistration IN ('replace', 'reject', 'allow'));
CREATE INDEX iat_owner ON initial_access_tokens (owner_account);

CREATE TABLE installations (
    id                 VARCHAR(40) PRIMARY KEY,
    owner_account      VARCHAR(200) NOT NULL,
    installation_id    VARCHAR(200),
    first_iat_id       VARCHAR(40) NOT NULL REFERENCES initial_access_tokens (id),
    last_iat_id        VARCHAR(40) NOT NULL REFERENCES initial_access_tokens (id),
    software_id        VARCHAR(400),
    software_version   VARCHAR(200),
    client_name        VARCHAR(400),
    registrations      INTEGER NOT NULL,
    created_at         BIGINT NOT NULL,
    last_registered_at BIGINT NOT NULL,
    last_seen_at       BIGINT,
    token_count        BIGINT DEFAULT 0 NOT NULL,
    stale_at           BIGINT,
    flagged_at         BIGINT,
    flag_reason        VARCHAR(200),
    revoked_at         BIGINT,
    revoked_by         VARCHAR(200),
    revoked_reason     VARCHAR(500),
    CONSTRAINT installations_identity UNIQUE (owner_account, installation_id)
);
-- Listing is newest first by id, one page at a time. Rare filters (a token, flagged) have an index;
-- a common one (stale) is served by walking the primary key backwards: an index on it made H2 sort
-- hundreds of thousands of rows per page (58 s at 1,000,000 installations).
CREATE INDEX installations_last_iat ON installations (last_iat_id, id);
CREATE INDEX installations_first_iat ON installations (first_iat_id);
CREATE INDEX installations_installation_id ON installations (installation_id);
CREATE INDEX installations_flagged ON installations (flagged_at);

ALTER TABLE clients ADD COLUMN installation_ref VARCHAR(40) REFERENCES installations (id);
CREATE INDEX clients_installation_ref ON clients (installation_ref);

-- Jobs that must run once across all nodes claim their turn with a conditional UPDATE here.
INSERT INTO settings (name, setting_value) VALUES ('job.maintenance', '0');
