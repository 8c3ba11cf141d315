package org.gatehouse.client;

import java.time.Instant;

/**
 * An access token as issued (RFC 6749 §5.1); the value is left out of {@link #toString()}.
 * {@code tokenType} is {@code Bearer}, or {@code DPoP} for a token bound to the installation's key (RFC 9449 §5).
 */
public record AccessToken(String value, String scope, Instant obtainedAt, Instant expiresAt, String tokenType) {

    /** A Bearer token. */
    public AccessToken(String value, String scope, Instant obtainedAt, Instant expiresAt) {
        this(value, scope, obtainedAt, expiresAt, "Bearer");
    }

    /** Whether the token is DPoP-bound: every request with it needs a DPoP proof (RFC 9449 §7). */
    public boolean dpopBound() {
        return "DPoP".equals(tokenType);
    }

    /** Renew when three quarters of the lifetime have passed: early enough to ride out a slow or failing server. */
    public Instant renewAt() {
        return obtainedAt.plus(java.time.Duration.between(obtainedAt, expiresAt).multipliedBy(3).dividedBy(4));
    }

    public boolean usableAt(Instant now) {
        return now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "AccessToken[" + tokenType + ", scope=" + scope + ", expires_at=" + expiresAt + "]";
    }
}
