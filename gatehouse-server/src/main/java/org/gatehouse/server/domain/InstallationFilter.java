package org.gatehouse.server.domain;

import java.util.Optional;

/** Filters for listing; null fields do not filter. iatId: the token of the installation's latest registration. */
public record InstallationFilter(String iatId, Status status, Boolean stale, Boolean flagged, String owner) {
    public static InstallationFilter none() {
        return new InstallationFilter(null, null, null, null, null);
    }

    /** The installations a list may be narrowed to (staleness is its own filter). */
    public enum Status implements Coded {
        ACTIVE("active"),
        REVOKED("revoked");

        private final String code;

        Status(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }

        @Override
        public String toString() {
            return code;
        }

        /** The filter a user named (API, portal, CLI); empty for null or anything else. */
        public static Optional<Status> parse(String code) {
            return Coded.parse(values(), code);
        }
    }
}
