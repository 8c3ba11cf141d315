package org.gatehouse.client;

/**
 * The server no longer accepts this installation's registration: it was revoked or deleted on the
 * server (the token endpoint answers {@code invalid_client}, RFC 6749 §5.2, and the registration
 * endpoint refuses the registration access token, RFC 7592 §2). Retrying does not help. The message
 * says what does: when a person revoked the installation
 * ({@link #credentialState()} {@code installation_revoked}) only its issuer or an administrator can
 * restore it, after which {@code enrol} works again; {@link CredentialsLostException} is the case
 * where nobody revoked anything and enrolling again is enough.
 */
public class RegistrationRevokedException extends GatehouseClientException {
    private final String credentialState;

    public RegistrationRevokedException(String message) {
        this(message, null);
    }

    public RegistrationRevokedException(String message, String credentialState) {
        super(message);
        this.credentialState = credentialState;
    }

    /**
     * Why, as the server said it ({@code credential_state}, docs/protocol.md §15):
     * {@code installation_revoked}, {@code credentials_revoked}, {@code replaced}, {@code stale}, or
     * null when the server did not say (a deleted registration, or an older server).
     */
    public String credentialState() {
        return credentialState;
    }
}
