package org.gatehouse.client;

/**
 * This store's credentials no longer work although nobody revoked the installation: a newer
 * registration of the same installation replaced them (another copy of this store, or the same app
 * enrolled again on this machine), or the server dropped them as unused. Enrolling again with a
 * token file ({@link GatehouseClient#enrol}, {@code gatehouse-enrol enrol}) brings them back; the
 * command line exits 8 for it, apart from 5 (revoked by a person).
 */
public final class CredentialsLostException extends RegistrationRevokedException {
    public CredentialsLostException(String message, String credentialState) {
        super(message, credentialState);
    }
}
