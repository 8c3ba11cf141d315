package org.gatehouse.client;

/**
 * Another copy of this store's credentials rotated them (RFC 7592 §2.2): the server answered with
 * {@code credential_state} {@code rotated_elsewhere} (docs/protocol.md §15). Nobody revoked
 * anything and the registration is active, but only the other copy holds its current secret: this
 * store was copied (a cloned disk, image or home directory, a restored backup), or the answer to a
 * rotation of this copy never arrived. Retrying does not help. To use the installation here,
 * unenrol this store and enrol again with a token file (which replaces the other copy's
 * credentials), or ask the issuer. Not a {@link RegistrationRevokedException}: nothing was revoked.
 * The command line exits 10 for it.
 */
public final class CredentialsRotatedElsewhereException extends GatehouseClientException {
    /** The {@code credential_state} value the server sends for this case. */
    public static final String CREDENTIAL_STATE = "rotated_elsewhere";

    CredentialsRotatedElsewhereException(String message) {
        super(message);
    }

    /** Always {@value #CREDENTIAL_STATE}, as the server said it. */
    public String credentialState() {
        return CREDENTIAL_STATE;
    }
}
