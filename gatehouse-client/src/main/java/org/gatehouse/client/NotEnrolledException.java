package org.gatehouse.client;

/** There are no stored credentials: this installation has not been enrolled (or has been unenrolled). */
public final class NotEnrolledException extends GatehouseClientException {
    public NotEnrolledException(String message) {
        super(message);
    }
}
