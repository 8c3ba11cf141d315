package org.gatehouse.server.domain;

/** An installation's state (derived from its row, not stored): stale once unseen for the clean-up's period. */
public enum InstallationStatus implements Coded {
    ACTIVE("active"),
    STALE("stale"),
    REVOKED("revoked");

    private final String code;

    InstallationStatus(String code) {
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
