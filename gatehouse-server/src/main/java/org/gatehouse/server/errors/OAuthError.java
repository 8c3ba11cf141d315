package org.gatehouse.server.errors;

/**
 * An error answered with a standard code: RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2,
 * RFC 7009 §2.2.1. Thrown by endpoints and services; rendered as JSON without any stack trace.
 */
public final class OAuthError extends RuntimeException {
    private final int status;
    private final String error;
    private final String wwwAuthenticate;
    private final long retryAfter;
    private final String credentialState;

    public OAuthError(int status, String error, String description, String wwwAuthenticate) {
        this(status, error, description, wwwAuthenticate, 0, null);
    }

    private OAuthError(int status, String error, String description, String wwwAuthenticate, long retryAfter, String credentialState) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
        this.wwwAuthenticate = wwwAuthenticate;
        this.retryAfter = retryAfter;
        this.credentialState = credentialState;
    }

    /**
     * The same error with the extension member {@code credential_state} (docs/protocol.md §15): why
     * credentials or an installation are no longer accepted. Told only to a caller who proved it
     * holds them (their secret or registration access token matched) or holds the owner's
     * initial access token; RFC 6749 §5.2 lets clients ignore members they do not know.
     */
    public OAuthError withCredentialState(String state) {
        return new OAuthError(status, error, getMessage(), wwwAuthenticate, retryAfter, state);
    }

    /** null unless {@link #withCredentialState} set it. */
    public String credentialState() {
        return credentialState;
    }

    /** RFC 6585 §4: 429 with Retry-After; the code is RFC 8628's "slow_down", the OAuth word for it. */
    public static OAuthError rateLimited(String what, long retryAfterSeconds) {
        return new OAuthError(429, "slow_down", "too many " + what + ": retry after " + retryAfterSeconds + " s", null, retryAfterSeconds, null);
    }

    /**
     * 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3) and RFC 6749 §4.1.2.1's "temporarily_unavailable": the
     * server cannot answer now (its database is unreachable) and a retry later may succeed.
     */
    public static OAuthError temporarilyUnavailable(String description, long retryAfterSeconds) {
        return new OAuthError(503, "temporarily_unavailable", description, null, retryAfterSeconds, null);
    }

    public long retryAfter() {
        return retryAfter;
    }

    public int status() {
        return status;
    }

    /** The error code; null for RFC 6750 §3.1's bare challenge. */
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

    /** RFC 8707 §2: the resource is invalid, unknown, or not allowed for this client. */
    public static OAuthError invalidTarget(String description) {
        return new OAuthError(400, "invalid_target", description, null);
    }

    public static OAuthError unsupportedGrantType(String description) {
        return new OAuthError(400, "unsupported_grant_type", description, null);
    }

    public static OAuthError unauthorizedClient(String description) {
        return new OAuthError(400, "unauthorized_client", description, null);
    }

    /**
     * RFC 6750 §3.1: a request without credentials, or with an authentication method this endpoint
     * does not support, gets a bare challenge: no error code in the header nor in the body.
     */
    public static OAuthError bearerMissing(String description) {
        return new OAuthError(401, null, description, "Bearer realm=\"gatehouse\"");
    }

    /** RFC 6750 §3.1: a bearer token that is unknown, expired, revoked or used up. */
    public static OAuthError invalidToken(String description) {
        return new OAuthError(401, "invalid_token", description,
                "Bearer realm=\"gatehouse\", error=\"invalid_token\", error_description=\"" + headerText(description) + "\"");
    }

    /**
     * RFC 6750 §3: error_description in the header is %x20-21 / %x23-5B / %x5D-7E; a description
     * that quotes people's text (a revocation reason) is made to fit, the JSON body keeps it whole.
     */
    private static String headerText(String description) {
        StringBuilder b = new StringBuilder(description.length());
        for (char ch : description.toCharArray()) b.append(ch >= 0x20 && ch <= 0x7e && ch != '"' && ch != '\\' ? ch : '?');
        return b.toString();
    }

    /** RFC 9449 §5, §12.2: a missing or invalid DPoP proof at the token endpoint. */
    public static OAuthError invalidDpopProof(String description) {
        return new OAuthError(400, "invalid_dpop_proof", description, null);
    }

    public static OAuthError invalidClientMetadata(String description) {
        return new OAuthError(400, "invalid_client_metadata", description, null);
    }

    public static OAuthError invalidRedirectUri(String description) {
        return new OAuthError(400, "invalid_redirect_uri", description, null);
    }
}
