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
}
