package org.gatehouse.client;

/** The server refused a request with an OAuth error (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 6750 §3.1). */
public final class ServerErrorException extends GatehouseClientException {
    private final int status;
    private final String error;
    private final String description;

    public ServerErrorException(String what, int status, String error, String description) {
        super(what + ": " + (error == null ? "HTTP " + status : error) + (description == null ? "" : " (" + description + ")"));
        this.status = status;
        this.error = error;
        this.description = description;
    }

    public int status() {
        return status;
    }

    /** The OAuth error code, or null when the server sent none. */
    public String error() {
        return error;
    }

    /** The server's error_description (RFC 6749 §5.2), for people, or null. */
    public String description() {
        return description;
    }
}
