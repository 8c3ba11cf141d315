package org.gatehouse.client;

/** An access token failed verification (RFC 9068 §4); the message says which check failed. */
public class InvalidTokenException extends GatehouseClientException {
    public InvalidTokenException(String message) {
        super(message);
    }
}
