package org.gatehouse.client;

import java.lang.System.Logger.Level;
import java.time.Instant;

/** Sends the library's events to the application's {@link ClientListener} and to {@link System.Logger}; never a secret. */
final class Events {
    static final System.Logger LOG = System.getLogger("org.gatehouse.client");

    private final ClientListener listener;

    Events(ClientListener listener) {
        this.listener = listener;
    }

    void rotated(Credentials now, CredentialStoreException notSaved) {
        if (notSaved == null) {
            LOG.log(Level.INFO, "client secret of {0} rotated", now.clientId());
            call(() -> listener.secretRotated(now));
        } else {
            LOG.log(Level.WARNING, "client secret of {0} rotated but not saved: {1}", now.clientId(), notSaved.getMessage());
            call(() -> listener.rotationNotSaved(now, notSaved));
        }
    }

    void recovered(Credentials now) {
        LOG.log(Level.INFO, "interrupted rotation of client {0} completed from the pending file", now.clientId());
        call(() -> listener.rotationRecovered(now));
    }

    void backingOff(int failures, Instant next, GatehouseClientException cause) {
        LOG.log(Level.WARNING, "request failed ({0} in a row), next attempt not before {1}: {2}", failures, next, cause.getMessage());
        call(() -> listener.backingOff(failures, next, cause));
    }

    void revoked(RegistrationRevokedException e) {
        LOG.log(Level.ERROR, e.getMessage());
        call(() -> listener.revoked(e));
    }

    void rotatedElsewhere(CredentialsRotatedElsewhereException e) {
        LOG.log(Level.ERROR, e.getMessage());
        call(() -> listener.rotatedElsewhere(e));
    }

    private static void call(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a ClientListener threw; ignored", e);
        }
    }
}
