package org.gatehouse.client;

/**
 * The token is valid but lacks a scope the request needs: answer 403 with
 * {@code error="insufficient_scope"} (RFC 6750 §3.1), not 401.
 */
public final class InsufficientScopeException extends InvalidTokenException {
    private final String scope;

    public InsufficientScopeException(String scope) {
        super("insufficient_scope: the token lacks scope " + scope);
        this.scope = scope;
    }

    /** The missing scope, for the {@code scope} attribute of the WWW-Authenticate header. */
    public String scope() {
        return scope;
    }
}
