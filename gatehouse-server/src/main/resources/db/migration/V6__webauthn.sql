-- WebAuthn security keys and passkeys (issue 3, second factor). A credential belongs to one
-- account; its id (base64url) is unique across all accounts (WebAuthn §7.1 step 26). Only public
-- material is stored: the COSE public key, the AAGUID and the signature counter used for clone
-- detection (§6.1.1).
CREATE TABLE webauthn_credentials (
    id              VARCHAR(40) PRIMARY KEY,
    account_id      VARCHAR(40) NOT NULL REFERENCES accounts (id),
    credential_id   VARCHAR(1400) NOT NULL UNIQUE,
    public_key_cose VARCHAR(2800) NOT NULL,
    aaguid          VARCHAR(36) NOT NULL,
    sign_count      BIGINT NOT NULL,
    transports      VARCHAR(200),
    label           VARCHAR(100) NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE INDEX webauthn_credentials_account ON webauthn_credentials (account_id);

-- Ceremony challenges, one per session and purpose, kept server-side: taken (deleted) once,
-- whether the ceremony then succeeds or not, and short-lived. They go with their session.
CREATE TABLE webauthn_challenges (
    session_hash VARCHAR(64) NOT NULL REFERENCES portal_sessions (id_hash) ON DELETE CASCADE,
    purpose      VARCHAR(12) NOT NULL,
    challenge    VARCHAR(64) NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (session_hash, purpose),
    CONSTRAINT webauthn_challenges_purpose CHECK (purpose IN ('register', 'authenticate'))
);
