package org.gatehouse.server.domain;

import java.util.List;
import org.gatehouse.server.net.Cidr;

/**
 * An initial access token as stored (never the token itself: only its keyed hash is kept).
 * scopes: the scopes its installations may get, in order (stored space-separated).
 * requireKeyBound: it admits only private_key_jwt installations; requireDpop: only ones registered with
 * dpop_bound_access_tokens (issue 17). softwareIds: the software_id values it admits (null: any).
 * clientCidrs: the address ranges registrations may come from, parsed once when the row is read (null: any).
 * clientCidrsUnreadable: the stored ranges' text when it no longer parses (null normally); such a row is still read and
 * shown, its clientCidrs is then empty (no address is admitted: the token fails closed where the ranges are used).
 */
public record IatRecord(
        String id,
        String label,
        List<String> scopes,
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
        List<Cidr> clientCidrs,
        String clientCidrsUnreadable,
        boolean requireKeyBound,
        boolean requireDpop) {

    public IatRecord {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        softwareIds = softwareIds == null ? null : List.copyOf(softwareIds);
        clientCidrs = clientCidrsUnreadable != null ? List.of() : clientCidrs == null ? null : List.copyOf(clientCidrs);
    }

    /** The scopes as one RFC 6749 §3.3 scope string (token file, API, registration's default scope). */
    public String scope() {
        return String.join(" ", scopes);
    }

    /**
     * Whether a registration from {@code address} is allowed: no ranges set, or the address lies in one; never when the
     * stored ranges cannot be read ({@link #clientCidrsUnreadable}).
     */
    public boolean allowsAddress(String address) {
        if (clientCidrsUnreadable != null) return false;
        return clientCidrs == null || Cidr.anyContains(clientCidrs, address);
    }

    public IatStatus status(long now) {
        if (revokedAt != null) return IatStatus.REVOKED;
        if (expiresAt <= now) return IatStatus.EXPIRED;
        if (registrations >= maxRegistrations) return IatStatus.USED_UP;
        return IatStatus.ACTIVE;
    }

    /** A builder, to construct the record by field name (unset fields: null, 0, false). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values, to make a copy with some of them changed. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.label = label;
        b.scopes = scopes;
        b.maxRegistrations = maxRegistrations;
        b.registrations = registrations;
        b.createdAt = createdAt;
        b.createdBy = createdBy;
        b.expiresAt = expiresAt;
        b.revokedAt = revokedAt;
        b.revokedBy = revokedBy;
        b.revokedReason = revokedReason;
        b.ownerAccount = ownerAccount;
        b.reregistration = reregistration;
        b.softwareIds = softwareIds;
        b.clientCidrs = clientCidrs;
        b.clientCidrsUnreadable = clientCidrsUnreadable;
        b.requireKeyBound = requireKeyBound;
        b.requireDpop = requireDpop;
        return b;
    }

    /** Builds a {@link IatRecord} by field name. */
    public static final class Builder {
        private String id;
        private String label;
        private List<String> scopes;
        private int maxRegistrations;
        private int registrations;
        private long createdAt;
        private String createdBy;
        private long expiresAt;
        private Long revokedAt;
        private String revokedBy;
        private String revokedReason;
        private String ownerAccount;
        private Reregistration reregistration;
        private List<String> softwareIds;
        private List<Cidr> clientCidrs;
        private String clientCidrsUnreadable;
        private boolean requireKeyBound;
        private boolean requireDpop;

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder label(String label) {
            this.label = label;
            return this;
        }

        public Builder scopes(List<String> scopes) {
            this.scopes = scopes;
            return this;
        }

        public Builder maxRegistrations(int maxRegistrations) {
            this.maxRegistrations = maxRegistrations;
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

        public Builder createdBy(String createdBy) {
            this.createdBy = createdBy;
            return this;
        }

        public Builder expiresAt(long expiresAt) {
            this.expiresAt = expiresAt;
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

        public Builder ownerAccount(String ownerAccount) {
            this.ownerAccount = ownerAccount;
            return this;
        }

        public Builder reregistration(Reregistration reregistration) {
            this.reregistration = reregistration;
            return this;
        }

        public Builder softwareIds(List<String> softwareIds) {
            this.softwareIds = softwareIds;
            return this;
        }

        public Builder clientCidrs(List<Cidr> clientCidrs) {
            this.clientCidrs = clientCidrs;
            return this;
        }

        /** The stored text of ranges that do not parse (the store sets it; the token then admits no address). */
        public Builder clientCidrsUnreadable(String clientCidrsUnreadable) {
            this.clientCidrsUnreadable = clientCidrsUnreadable;
            return this;
        }

        public Builder requireKeyBound(boolean requireKeyBound) {
            this.requireKeyBound = requireKeyBound;
            return this;
        }

        public Builder requireDpop(boolean requireDpop) {
            this.requireDpop = requireDpop;
            return this;
        }

        public IatRecord build() {
            return new IatRecord(id, label, scopes, maxRegistrations, registrations, createdAt, createdBy, expiresAt,
                    revokedAt, revokedBy, revokedReason, ownerAccount, reregistration, softwareIds, clientCidrs,
                    clientCidrsUnreadable, requireKeyBound, requireDpop);
        }
    }
}
