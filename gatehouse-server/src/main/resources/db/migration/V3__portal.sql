-- Portal (issue 3): accounts of people who hand out initial access tokens, their second factors,
-- one-time setup links and sessions. Secrets appear only as keyed hashes (*_hash) or, for TOTP
-- seeds, encrypted under a key derived from the master key (*_enc).

CREATE TABLE accounts (
    id                VARCHAR(40) PRIMARY KEY,
    email             VARCHAR(320) NOT NULL UNIQUE,
    role              VARCHAR(10) NOT NULL,
    status            VARCHAR(10) NOT NULL,
    password_hash     VARCHAR(200) NOT NULL,
    totp_seed_enc     VARCHAR(200),
    totp_last_step    BIGINT DEFAULT 0 NOT NULL,
    created_at        BIGINT NOT NULL,
    created_by        VARCHAR(200) NOT NULL,
    disabled_at       BIGINT,
    disabled_by       VARCHAR(200),
    last_sign_in_at   BIGINT,
    CONSTRAINT accounts_role CHECK (role IN ('admin', 'issuer')),
    CONSTRAINT accounts_status CHECK (status IN ('active', 'disabled'))
);

CREATE TABLE recovery_codes (
    code_hash   VARCHAR(64) PRIMARY KEY,
    account_id  VARCHAR(40) NOT NULL REFERENCES accounts (id),
    created_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

-- One-time links: the first admin's setup link and invitations. The account is created when the
-- link is completed (password and second factor set), never before.
CREATE TABLE account_links (
    id          VARCHAR(40) PRIMARY KEY,
    token_hash  VARCHAR(64) NOT NULL UNIQUE,
    purpose     VARCHAR(10) NOT NULL,
    email       VARCHAR(320),
    role        VARCHAR(10) NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  VARCHAR(200) NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    account_id  VARCHAR(40),
    CONSTRAINT account_links_purpose CHECK (purpose IN ('bootstrap', 'invite')),
    CONSTRAINT account_links_role CHECK (role IN ('admin', 'issuer'))
);
CREATE INDEX account_links_created ON account_links (created_at);

-- Sessions, shared by every node. The cookie holds the id; only its keyed hash is stored.
-- stage: anonymous (before sign-in, carries the CSRF token of the sign-in form), password (second
-- factor still due), enrol (completing a setup link), full.
CREATE TABLE portal_sessions (
    id_hash      VARCHAR(64) PRIMARY KEY,
    account_id   VARCHAR(40),
    stage        VARCHAR(10) NOT NULL,
    csrf         VARCHAR(64) NOT NULL,
    link_id      VARCHAR(40),
    pending      VARCHAR(1000),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    CONSTRAINT portal_sessions_stage CHECK (stage IN ('anonymous', 'password', 'enrol', 'full'))
);
CREATE INDEX portal_sessions_account ON portal_sessions (account_id);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);

-- Portal listings: an issuer's tokens newest first; audit events by actor and action.
CREATE INDEX iat_owner_created ON initial_access_tokens (owner_account, created_at, id);
CREATE INDEX iat_created ON initial_access_tokens (created_at, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX clients_iat_created ON clients (iat_id, created_at);
