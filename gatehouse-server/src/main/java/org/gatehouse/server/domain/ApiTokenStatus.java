package org.gatehouse.server.domain;

/** An API token's state at a moment (derived from its row, not stored). */
public enum ApiTokenStatus implements Coded {
    ACTIVE("active"),
    EXPIRED("expired"),
    REVOKED("revoked");

    private final String code;

    ApiTokenStatus(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }

    /** The code, so that text and JSON built from the constant read as the stored value. */
    @Override
    public String toString() {
        return code;
    }
}
