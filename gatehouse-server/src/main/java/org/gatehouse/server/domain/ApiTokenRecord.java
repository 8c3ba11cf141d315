package org.gatehouse.server.domain;

import java.util.List;

/** An API token as stored: never the token itself, only its keyed hash. scopes: its API scopes (stored space-separated). */
public record ApiTokenRecord(String id, String accountId, String label, List<String> scopes, long createdAt, long expiresAt,
                             Long lastUsedAt, Long revokedAt, String revokedBy) {
    public ApiTokenRecord {
        scopes = List.copyOf(scopes);
    }

    public ApiTokenStatus status(long now) {
        if (revokedAt != null) return ApiTokenStatus.REVOKED;
        if (expiresAt <= now) return ApiTokenStatus.EXPIRED;
        return ApiTokenStatus.ACTIVE;
    }
}
