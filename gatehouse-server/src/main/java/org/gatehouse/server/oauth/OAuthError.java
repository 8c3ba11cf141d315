package org.gatehouse.server.oauth;

/**
 * An error answered with a standard code: RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2,
 * RFC 7009 §2.2.1. Thrown by endpoints and services; rendered as JSON without any stack trace.
 */
public final class OAuthError extends RuntimeException {
    private final int status;
    private final String error;
    private final String wwwAuthenticate;
    private final long retryAfter;

    public OAuthError(int status, String error, String description, String wwwAuthenticate) {
        this(status, error, description, wwwAuthenticate, 0);
    }

    private OAuthError(int status, String error, String description, String wwwAuthenticate, long retryAfter) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
        this.wwwAuthenticate = wwwAuthenticate;
        this.retryAfter = retryAfter;
    }

    /** RFC 6585 §4: 429 with Retry-After; the code is RFC 8628's "slow_down", the OAuth word for it. */
    public static OAuthError rateLimited(String what, long retryAfterSeconds) {
        return new OAuthError(429, "slow_down", "too many " + what + ": retry after " + retryAfterSeconds + " s", null, retryAfterSeconds);
    }

    /**
     * 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3) and RFC 6749 §4.1.2.1's "temporarily_unavailable": the
     * server cannot answer now (its database is unreachable) and a retry later may succeed.
     */
    public static OAuthError temporarilyUnavailable(String description, long retryAfterSeconds) {
        return new OAuthError(503, "temporarily_unavailable", description, null, retryAfterSeconds);
    }

    public long retryAfter() {
        return retryAfter;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String description() {
        return getMessage();
    }

    public String wwwAuthenticate() {
        return wwwAuthenticate;
    }

    public static OAuthError invalidRequest(String description) {
        return new OAuthError(400, "invalid_request", description, null);
    }

    /** RFC 6749 §5.2: 401 with a WWW-Authenticate challenge for the scheme the client may use. */
    public static OAuthError invalidClient(String description) {
        return new OAuthError(401, "invalid_client", description, "Basic realm=\"gatehouse\"");
    }

    public static OAuthError invalidScope(String description) {
        return new OAuthError(400, "invalid_scope", description, null);
    }

    public static OAuthError unsupportedGrantType(String description) {
        return new OAuthError(400, "unsupported_grant_type", description, null);
    }

    public static OAuthError unauthorizedClient(String description) {
        return new OAuthError(400, "unauthorized_client", description, null);
    }

    /** RFC 6750 §3: no credentials at all get a bare challenge, without an error code. */
    public static OAuthError bearerMissing(String description) {
        return new OAuthError(401, "invalid_request", description, "Bearer realm=\"gatehouse\"");
    }

    /** RFC 6750 §3.1: a bearer token that is unknown, expired, revoked or used up. */
    public static OAuthError invalidToken(String description) {
        return new OAuthError(401, "invalid_token", description,
                "Bearer realm=\"gatehouse\", error=\"invalid_token\", error_description=\"" + description + "\"");
    }

    public static OAuthError invalidClientMetadata(String description) {
        return new OAuthError(400, "invalid_client_metadata", description, null);
    }

    public static OAuthError invalidRedirectUri(String description) {
        return new OAuthError(400, "invalid_redirect_uri", description, null);
    }
}
