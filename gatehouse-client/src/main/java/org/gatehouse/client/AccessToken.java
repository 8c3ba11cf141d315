package org.gatehouse.client;

import java.time.Instant;

/** An access token as issued (RFC 6749 §5.1); the value is left out of {@link #toString()}. */
public record AccessToken(String value, String scope, Instant obtainedAt, Instant expiresAt) {

    /** Renew when three quarters of the lifetime have passed: early enough to ride out a slow or failing server. */
    public Instant renewAt() {
        return obtainedAt.plus(java.time.Duration.between(obtainedAt, expiresAt).multipliedBy(3).dividedBy(4));
    }

    public boolean usableAt(Instant now) {
        return now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "AccessToken[scope=" + scope + ", expires_at=" + expiresAt + "]";
    }
}
