package org.gatehouse.client;

/** The credential store is unreadable, corrupt, unsafe (readable by others) or belongs to another issuer. */
public final class CredentialStoreException extends GatehouseClientException {
    public CredentialStoreException(String message) {
        super(message);
    }

    public CredentialStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
