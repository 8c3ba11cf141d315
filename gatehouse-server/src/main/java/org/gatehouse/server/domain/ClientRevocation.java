package org.gatehouse.server.domain;

/** A client's revocation and its installation's (all null when neither is revoked). */
public record ClientRevocation(
        Long revokedAt,
        String revokedBy,
        String revokedReason,
        String installationId,
        Long installationRevokedAt,
        String installationRevokedBy,
        String installationRevokedReason) {
}
