package org.gatehouse.client;

/**
 * The server no longer accepts this installation's registration: it was revoked or deleted on the
 * server (the token endpoint answers {@code invalid_client}, RFC 6749 §5.2, and the registration
 * endpoint refuses the registration access token, RFC 7592 §2). Retrying does not help; the
 * installation needs a new token file and a new enrolment.
 */
public final class RegistrationRevokedException extends GatehouseClientException {
    public RegistrationRevokedException(String message) {
        super(message);
    }
}
