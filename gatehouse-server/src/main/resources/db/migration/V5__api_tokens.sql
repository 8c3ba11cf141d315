-- Admin JSON API (issue 3 item 5): API tokens created by a signed-in account in the portal.
-- Only the keyed hash of a token is stored. A token acts for its account and never with more
-- rights than the account has now: a disabled account's tokens stop working, and scopes the
-- account's role does not allow are ignored at use.
CREATE TABLE api_tokens (
    id            VARCHAR(40) PRIMARY KEY,
    account_id    VARCHAR(40) NOT NULL REFERENCES accounts (id),
    label         VARCHAR(200) NOT NULL,
    scopes        VARCHAR(1000) NOT NULL,
    token_hash    VARCHAR(64) NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT,
    revoked_by    VARCHAR(200)
);
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at);
