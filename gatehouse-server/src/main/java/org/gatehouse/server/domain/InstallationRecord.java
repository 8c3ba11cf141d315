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

    /** A builder, to construct the record by field name (unset fields: null, 0, false). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to make a copy with some of them changed. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.ownerAccount = ownerAccount;
        b.installationId = installationId;
        b.firstIatId = firstIatId;
        b.lastIatId = lastIatId;
        b.softwareId = softwareId;
        b.softwareVersion = softwareVersion;
        b.clientName = clientName;
        b.registrations = registrations;
        b.createdAt = createdAt;
        b.lastRegisteredAt = lastRegisteredAt;
        b.lastSeenAt = lastSeenAt;
        b.tokenCount = tokenCount;
        b.staleAt = staleAt;
        b.flaggedAt = flaggedAt;
        b.flagReason = flagReason;
        b.revokedAt = revokedAt;
        b.revokedBy = revokedBy;
        b.revokedReason = revokedReason;
        b.activeClients = activeClients;
        return b;
    }

    /** Builds a {@link InstallationRecord} by field name. */
    public static final class Builder {
        private String id;
        private String ownerAccount;
        private String installationId;
        private String firstIatId;
        private String lastIatId;
        private String softwareId;
        private String softwareVersion;
        private String clientName;
        private int registrations;
        private long createdAt;
        private long lastRegisteredAt;
        private Long lastSeenAt;
        private long tokenCount;
        private Long staleAt;
        private Long flaggedAt;
        private String flagReason;
        private Long revokedAt;
        private String revokedBy;
        private String revokedReason;
        private int activeClients;

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder ownerAccount(String ownerAccount) {
            this.ownerAccount = ownerAccount;
            return this;
        }

        public Builder installationId(String installationId) {
            this.installationId = installationId;
            return this;
        }

        public Builder firstIatId(String firstIatId) {
            this.firstIatId = firstIatId;
            return this;
        }

        public Builder lastIatId(String lastIatId) {
            this.lastIatId = lastIatId;
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

        public Builder clientName(String clientName) {
            this.clientName = clientName;
            return this;
        }

        public Builder registrations(int registrations) {
            this.registrations = registrations;
            return this;
        }

        public Builder createdAt(long createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        public Builder lastRegisteredAt(long lastRegisteredAt) {
            this.lastRegisteredAt = lastRegisteredAt;
            return this;
        }

        public Builder lastSeenAt(Long lastSeenAt) {
            this.lastSeenAt = lastSeenAt;
            return this;
        }

        public Builder tokenCount(long tokenCount) {
            this.tokenCount = tokenCount;
            return this;
        }

        public Builder staleAt(Long staleAt) {
            this.staleAt = staleAt;
            return this;
        }

        public Builder flaggedAt(Long flaggedAt) {
            this.flaggedAt = flaggedAt;
            return this;
        }

        public Builder flagReason(String flagReason) {
            this.flagReason = flagReason;
            return this;
        }

        public Builder revokedAt(Long revokedAt) {
            this.revokedAt = revokedAt;
            return this;
        }

        public Builder revokedBy(String revokedBy) {
            this.revokedBy = revokedBy;
            return this;
        }

        public Builder revokedReason(String revokedReason) {
            this.revokedReason = revokedReason;
            return this;
        }

        public Builder activeClients(int activeClients) {
            this.activeClients = activeClients;
            return this;
        }

        public InstallationRecord build() {
            return new InstallationRecord(id, ownerAccount, installationId, firstIatId, lastIatId, softwareId,
                    softwareVersion, clientName, registrations, createdAt, lastRegisteredAt, lastSeenAt, tokenCount,
                    staleAt, flaggedAt, flagReason, revokedAt, revokedBy, revokedReason, activeClients);
        }
    }
}
