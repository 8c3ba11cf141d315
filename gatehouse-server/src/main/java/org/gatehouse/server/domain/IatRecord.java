package org.gatehouse.server.domain;

import java.util.List;

/**
 * An initial access token as stored (never the token itself: only its keyed hash is kept).
 * requireKeyBound: it admits only private_key_jwt installations; requireDpop: only ones registered with
 * dpop_bound_access_tokens (issue 17). softwareIds: the software_id values it admits (null: any).
 */
public record IatRecord(
        String id,
        String label,
        String scope,
        int maxRegistrations,
        int registrations,
        long createdAt,
        String createdBy,
        long expiresAt,
        Long revokedAt,
        String revokedBy,
        String revokedReason,
        String ownerAccount,
        Reregistration reregistration,
        List<String> softwareIds,
        String clientCidrs,
        boolean requireKeyBound,
        boolean requireDpop) {

    /** A token without the key-bound policies of issue 17. */
    public IatRecord(String id, String label, String scope, int maxRegistrations, int registrations, long createdAt,
                     String createdBy, long expiresAt, Long revokedAt, String revokedBy, String revokedReason,
                     String ownerAccount, Reregistration reregistration, List<String> softwareIds, String clientCidrs) {
        this(id, label, scope, maxRegistrations, registrations, createdAt, createdBy, expiresAt, revokedAt, revokedBy,
                revokedReason, ownerAccount, reregistration, softwareIds, clientCidrs, false, false);
    }

    public IatStatus status(long now) {
        if (revokedAt != null) return IatStatus.REVOKED;
        if (expiresAt <= now) return IatStatus.EXPIRED;
        if (registrations >= maxRegistrations) return IatStatus.USED_UP;
        return IatStatus.ACTIVE;
    }
}
