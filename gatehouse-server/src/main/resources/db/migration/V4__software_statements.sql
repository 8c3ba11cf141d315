-- Software statements (issue 9, RFC 7591 §2.3): publishers whose signed statements registration
-- accepts, tokens that require one, and the statement each client registered with.

-- A publisher: the "iss" of its statements and its public keys, inline (JWKS) or at a URL.
CREATE TABLE statement_publishers (
    id              VARCHAR(40) PRIMARY KEY,
    name            VARCHAR(200) NOT NULL UNIQUE,
    jwks            VARCHAR(60000),
    jwks_url        VARCHAR(2000),
    max_age_seconds BIGINT,
    created_at      BIGINT NOT NULL,
    created_by      VARCHAR(200) NOT NULL,
    CONSTRAINT publisher_one_key_source CHECK ((jwks IS NULL AND jwks_url IS NOT NULL) OR (jwks IS NOT NULL AND jwks_url IS NULL)),
    CONSTRAINT publisher_max_age_positive CHECK (max_age_seconds IS NULL OR max_age_seconds > 0)
);

-- A token listed here admits only registrations with a valid statement from one of these
-- publishers (space-separated names). Its software_ids column, if set, then limits the signed software_id.
-- Names, not foreign keys: removing a publisher makes such tokens refuse everything (fail closed).
CREATE TABLE iat_statement_requirements (
    iat_id     VARCHAR(40) PRIMARY KEY REFERENCES initial_access_tokens (id),
    publishers VARCHAR(4000) NOT NULL
);

-- The statement a client registered with: returned unmodified (RFC 7591 §3.2.1) and re-applied on
-- RFC 7592 updates, so signed metadata cannot be changed afterwards without a new statement.
CREATE TABLE client_statements (
    client_id   VARCHAR(64) PRIMARY KEY REFERENCES clients (client_id),
    publisher   VARCHAR(200) NOT NULL,
    software_id VARCHAR(400) NOT NULL,
    statement   VARCHAR(16000) NOT NULL,
    verified_at BIGINT NOT NULL
);
CREATE INDEX client_statements_publisher ON client_statements (publisher);
