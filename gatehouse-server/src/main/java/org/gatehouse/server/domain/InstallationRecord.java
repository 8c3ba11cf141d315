package org.gatehouse.server.domain;

/** An installation: one machine's app, apart from the client credentials it has held over time. */
public record InstallationRecord(
        String id,
        String ownerAccount,
        String installationId,
        String firstIatId,
        String lastIatId,
        String softwareId,
        String softwareVersion,
        String clientName,
        int registrations,
        long createdAt,
        long lastRegisteredAt,
        Long lastSeenAt,
        long tokenCount,
        Long staleAt,
        Long flaggedAt,
        String flagReason,
        Long revokedAt,
        String revokedBy,
        String revokedReason,
        int activeClients) {

    public InstallationStatus status() {
        if (revokedAt != null) return InstallationStatus.REVOKED;
        if (staleAt != null) return InstallationStatus.STALE;
        return InstallationStatus.ACTIVE;
    }

    public boolean flagged() {
        return flaggedAt != null;
    }
}
