package org.gatehouse.server.domain;

/**
 * A registered client as stored: an installation's credentials (kind "installation") or a
 * resource server's introspection credentials (kind "resource_server"). {@code metadata} is the
 * JSON of the registered metadata; {@code iatScope}, {@code iatClientCidrs} and {@code iatResources} (the
 * space-separated RFC 8707 resources its installations may name, null: any) come from the admitting
 * initial access token. {@code audience} is a resource server's audience URI (null: it declared none
 * and sees every token; kept after revocation). A key-bound client (private_key_jwt, RFC 7523) has
 * {@code jwks} (its public keys, JSON) and no secret; {@code authSigningAlg} pins its assertion
 * algorithm when registered; {@code dpopBound} is RFC 9449 §5.2 dpop_bound_access_tokens.
 * {@code previousSecretHash} and {@code previousRatHash} are the keyed hashes kept at the last RFC 7592
 * §2.2 rotation (V10), read with the row so that a failed authentication does no second read.
 */
public record ClientRecord(
        String clientId,
        ClientKind kind,
        String iatId,
        String secretHash,
        long secretIssuedAt,
        long secretExpiresAt,
        String ratHash,
        String authMethod,
        String scope,
        String clientName,
        String softwareId,
        String softwareVersion,
        String installationId,
        String metadata,
        long createdAt,
        long updatedAt,
        Long revokedAt,
        Long deletedAt,
        String iatScope,
        String installationRef,
        String iatClientCidrs,
        String audience,
        String iatResources,
        String jwks,
        String authSigningAlg,
        boolean dpopBound,
        String previousSecretHash,
        String previousRatHash) {

    /** Usable: neither revoked nor deleted. */
    public boolean active() {
        return revokedAt == null && deletedAt == null;
    }

    /** Authenticates with private_key_jwt (RFC 7523 §2.2). */
    public boolean keyBound() {
        return jwks != null;
    }

    public boolean secretExpired(long now) {
        return secretExpiresAt != 0 && secretExpiresAt <= now;
    }

    public ClientStatus status() {
        if (deletedAt != null) return ClientStatus.DELETED;
        if (revokedAt != null) return ClientStatus.REVOKED;
        return ClientStatus.ACTIVE;
    }

    /** A builder, to construct the record by field name (unset fields: null, 0, false). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to make a copy with some of them changed. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clientId = clientId;
        b.kind = kind;
        b.iatId = iatId;
        b.secretHash = secretHash;
        b.secretIssuedAt = secretIssuedAt;
        b.secretExpiresAt = secretExpiresAt;
        b.ratHash = ratHash;
        b.authMethod = authMethod;
        b.scope = scope;
        b.clientName = clientName;
        b.softwareId = softwareId;
        b.softwareVersion = softwareVersion;
        b.installationId = installationId;
        b.metadata = metadata;
        b.createdAt = createdAt;
        b.updatedAt = updatedAt;
        b.revokedAt = revokedAt;
        b.deletedAt = deletedAt;
        b.iatScope = iatScope;
        b.installationRef = installationRef;
        b.iatClientCidrs = iatClientCidrs;
        b.audience = audience;
        b.iatResources = iatResources;
        b.jwks = jwks;
        b.authSigningAlg = authSigningAlg;
        b.dpopBound = dpopBound;
        b.previousSecretHash = previousSecretHash;
        b.previousRatHash = previousRatHash;
        return b;
    }

    /** Builds a {@link ClientRecord} by field name. */
    public static final class Builder {
        private String clientId;
        private ClientKind kind;
        private String iatId;
        private String secretHash;
        private long secretIssuedAt;
        private long secretExpiresAt;
        private String ratHash;
        private String authMethod;
        private String scope;
        private String clientName;
        private String softwareId;
        private String softwareVersion;
        private String installationId;
        private String metadata;
        private long createdAt;
        private long updatedAt;
        private Long revokedAt;
        private Long deletedAt;
        private String iatScope;
        private String installationRef;
        private String iatClientCidrs;
        private String audience;
        private String iatResources;
        private String jwks;
        private String authSigningAlg;
        private boolean dpopBound;
        private String previousSecretHash;
        private String previousRatHash;

        private Builder() {
        }

        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        public Builder kind(ClientKind kind) {
            this.kind = kind;
            return this;
        }

        public Builder iatId(String iatId) {
            this.iatId = iatId;
            return this;
        }

        public Builder secretHash(String secretHash) {
            this.secretHash = secretHash;
            return this;
        }

        public Builder secretIssuedAt(long secretIssuedAt) {
            this.secretIssuedAt = secretIssuedAt;
            return this;
        }

        public Builder secretExpiresAt(long secretExpiresAt) {
            this.secretExpiresAt = secretExpiresAt;
            return this;
        }

        public Builder ratHash(String ratHash) {
            this.ratHash = ratHash;
            return this;
        }

        public Builder authMethod(String authMethod) {
            this.authMethod = authMethod;
            return this;
        }

        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        public Builder clientName(String clientName) {
            this.clientName = clientName;
            return this;
        }

        public Builder softwareId(String softwareId) {
            this.softwareId = softwareId;
            return this;
        }

        public Builder softwareVersion(String softwareVersion) {
            this.softwareVersion = softwareVersion;
            return this;
        }

        public Builder installationId(String installationId) {
            this.installationId = installationId;
            return this;
        }

        public Builder metadata(String metadata) {
            this.metadata = metadata;
            return this;
        }

        public Builder createdAt(long createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        public Builder updatedAt(long updatedAt) {
            this.updatedAt = updatedAt;
            return this;
        }

        public Builder revokedAt(Long revokedAt) {
            this.revokedAt = revokedAt;
            return this;
        }

        public Builder deletedAt(Long deletedAt) {
            this.deletedAt = deletedAt;
            return this;
        }

        public Builder iatScope(String iatScope) {
            this.iatScope = iatScope;
            return this;
        }

        public Builder installationRef(String installationRef) {
            this.installationRef = installationRef;
            return this;
        }

        public Builder iatClientCidrs(String iatClientCidrs) {
            this.iatClientCidrs = iatClientCidrs;
            return this;
        }

        public Builder audience(String audience) {
            this.audience = audience;
            return this;
        }

        public Builder iatResources(String iatResources) {
            this.iatResources = iatResources;
            return this;
        }

        public Builder jwks(String jwks) {
            this.jwks = jwks;
            return this;
        }

        public Builder authSigningAlg(String authSigningAlg) {
            this.authSigningAlg = authSigningAlg;
            return this;
        }

        public Builder dpopBound(boolean dpopBound) {
            this.dpopBound = dpopBound;
            return this;
        }

        public Builder previousSecretHash(String previousSecretHash) {
            this.previousSecretHash = previousSecretHash;
            return this;
        }

        public Builder previousRatHash(String previousRatHash) {
            this.previousRatHash = previousRatHash;
            return this;
        }

        public ClientRecord build() {
            return new ClientRecord(clientId, kind, iatId, secretHash, secretIssuedAt, secretExpiresAt, ratHash,
                    authMethod, scope, clientName, softwareId, softwareVersion, installationId, metadata, createdAt,
                    updatedAt, revokedAt, deletedAt, iatScope, installationRef, iatClientCidrs, audience,
                    iatResources, jwks, authSigningAlg, dpopBound, previousSecretHash, previousRatHash);
        }
    }
}
