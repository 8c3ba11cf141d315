package org.gatehouse.server.domain;

import java.util.Optional;

/** Token filters; null fields do not filter. */
public record TokenFilter(String owner, Status status, String search) {

    /** The tokens a list may be narrowed to (not {@link IatStatus}: a used-up token that is still valid is active here). */
    public enum Status implements Coded {
        /** Neither revoked nor expired. */
        ACTIVE("active"),
        REVOKED("revoked"),
        /** Expired and not revoked. */
        EXPIRED("expired");

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
