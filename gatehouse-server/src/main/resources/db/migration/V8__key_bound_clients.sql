-- Key-bound installations (issue 17): private_key_jwt client authentication (RFC 7523) and DPoP
-- sender-constrained tokens (RFC 9449).
-- A key-bound client keeps its public keys inline (RFC 7591 §2 "jwks", a JSON JWK Set of public keys
-- only) and no secret (secret_hash NULL); token_endpoint_auth_signing_alg pins the assertion algorithm
-- when registered; dpop_bound is RFC 9449 §5.2 dpop_bound_access_tokens.
ALTER TABLE clients ADD COLUMN jwks VARCHAR(20000);
ALTER TABLE clients ADD COLUMN auth_signing_alg VARCHAR(20);
ALTER TABLE clients ADD COLUMN dpop_bound BOOLEAN DEFAULT FALSE NOT NULL;
-- An initial access token may admit only key-bound installations, and only DPoP-bound ones.
ALTER TABLE initial_access_tokens ADD COLUMN require_key_bound BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE initial_access_tokens ADD COLUMN require_dpop BOOLEAN DEFAULT FALSE NOT NULL;
-- One-time use of client assertion jti (RFC 7523 §3 item 7) and DPoP proof jti (RFC 9449 §11.1),
-- across every node sharing the database. id is base64url(SHA-256(kind, issuer of the jti, jti)):
-- fixed length whatever a client sends. A row is kept until the JWT it names can no longer be
-- accepted (expires_at, epoch ms), then the maintenance job deletes it.
CREATE TABLE used_jtis (
    id         VARCHAR(43) PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_jtis_expiry ON used_jtis (expires_at);
