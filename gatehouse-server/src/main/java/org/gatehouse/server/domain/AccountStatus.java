package org.gatehouse.server.domain;

/** Whether a portal account may sign in and use its API tokens (stored in accounts.status). */
public enum AccountStatus implements Coded {
    ACTIVE("active"),
    DISABLED("disabled");

    private final String code;

    AccountStatus(String code) {
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
