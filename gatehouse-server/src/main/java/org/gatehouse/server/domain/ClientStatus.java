package org.gatehouse.server.domain;

/** A registered client's state (derived from its row, not stored). */
public enum ClientStatus implements Coded {
    ACTIVE("active"),
    REVOKED("revoked"),
    DELETED("deleted");

    private final String code;

    ClientStatus(String code) {
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
