package org.gatehouse.client;

/** The token file is missing, unreadable, corrupt, expired or does not belong to the server it names. */
public final class TokenFileException extends GatehouseClientException {
    public TokenFileException(String message) {
        super(message);
    }

    public TokenFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
