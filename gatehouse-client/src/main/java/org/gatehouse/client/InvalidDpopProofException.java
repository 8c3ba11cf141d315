package org.gatehouse.client;

/**
 * The DPoP proof of a request is missing or not acceptable (RFC 9449 §4.3): answer 401 with
 * {@code WWW-Authenticate: DPoP error="invalid_dpop_proof"} (RFC 9449 §7.1). The message says
 * which check failed; the caller should not pass it on.
 */
public final class InvalidDpopProofException extends InvalidTokenException {
    public InvalidDpopProofException(String message) {
        super(message);
    }
}
