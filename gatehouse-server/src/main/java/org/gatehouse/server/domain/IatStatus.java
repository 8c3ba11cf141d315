package org.gatehouse.server.domain;

/** An initial access token's state at a moment (derived from its row, not stored). */
public enum IatStatus implements Coded {
    ACTIVE("active"),
    EXPIRED("expired"),
    USED_UP("used_up"),
    REVOKED("revoked");

    private final String code;

    IatStatus(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }

    /** The code, so that text and JSON built from the status read as before. */
    @Override
    public String toString() {
        return code;
    }
}
