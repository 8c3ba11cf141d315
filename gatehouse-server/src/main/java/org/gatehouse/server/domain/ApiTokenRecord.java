package org.gatehouse.server.domain;

/** An API token as stored: never the token itself, only its keyed hash. */
public record ApiTokenRecord(String id, String accountId, String label, String scopes, long createdAt, long expiresAt,
                             Long lastUsedAt, Long revokedAt, String revokedBy) {
    public ApiTokenStatus status(long now) {
        if (revokedAt != null) return ApiTokenStatus.REVOKED;
        if (expiresAt <= now) return ApiTokenStatus.EXPIRED;
        return ApiTokenStatus.ACTIVE;
    }
}
