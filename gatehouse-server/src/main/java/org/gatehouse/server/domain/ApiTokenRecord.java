package org.gatehouse.server.domain;

/** An API token as stored: never the token itself, only its keyed hash. */
public record ApiTokenRecord(String id, String accountId, String label, String scopes, long createdAt, long expiresAt,
                             Long lastUsedAt, Long revokedAt, String revokedBy) {
    public String status(long now) {
        if (revokedAt != null) return "revoked";
        if (expiresAt <= now) return "expired";
        return "active";
    }
}
