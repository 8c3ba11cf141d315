package org.gatehouse.client;

/** Base of every error this library reports; the message is meant for people and never holds a secret. */
public class GatehouseClientException extends RuntimeException {
    public GatehouseClientException(String message) {
        super(message);
    }

    public GatehouseClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
