package org.gatehouse.client;

import java.time.Instant;

/**
 * Told what the library does on its own: secret rotation, backoff after failures, revocation.
 * Called on the thread that caused the event, after the fact; it must return quickly and never
 * throws into the library (an exception from it is logged and ignored). Every method has an empty
 * default. The same events are logged through {@link System.Logger} ({@code org.gatehouse.client}).
 */
public interface ClientListener {
    /** The client secret was rotated (RFC 7592 §2.2) and the new credentials are stored. */
    default void secretRotated(Credentials now) {
    }

    /**
     * The server rotated the secret but the new credentials could not be stored; they are used from
     * memory and kept in the store's pending file, and saving is retried on every use.
     */
    default void rotationNotSaved(Credentials now, CredentialStoreException why) {
    }

    /** A rotation that was interrupted after the server answered was completed from the pending file. */
    default void rotationRecovered(Credentials now) {
    }

    /** A request to the server failed; no further request is made before {@code nextAttempt}. */
    default void backingOff(int failures, Instant nextAttempt, GatehouseClientException cause) {
    }

    /** The server no longer accepts this installation's registration. */
    default void revoked(RegistrationRevokedException e) {
    }

    /**
     * Another copy of these credentials rotated them (a cloned store): nothing was revoked, but this
     * copy can no longer get tokens until it is unenrolled and enrolled again.
     */
    default void rotatedElsewhere(CredentialsRotatedElsewhereException e) {
    }
}
