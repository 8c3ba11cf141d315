package org.gatehouse.client;

import java.time.Duration;

/**
 * The server asked this client to slow down (HTTP 429, e.g. with {@code "error":"slow_down"}):
 * transient like every {@link ServerUnavailableException}, and not a refusal. {@link #retryAfter()}
 * is the server's {@code Retry-After} (RFC 9110 §10.2.3) when it sent one; the library does not ask
 * again before it has passed.
 */
public final class RateLimitedException extends ServerUnavailableException {
    private final Duration retryAfter;

    public RateLimitedException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    RateLimitedException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** How long to wait before asking again, or null when the server did not say. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
