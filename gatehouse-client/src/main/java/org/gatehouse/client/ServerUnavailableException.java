package org.gatehouse.client;

/**
 * The server could not be reached, answered 5xx or something that is not the protocol, or the
 * client is backing off after such failures. Transient: the same call may succeed later.
 */
public class ServerUnavailableException extends GatehouseClientException {
    public ServerUnavailableException(String message) {
        super(message);
    }

    public ServerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
