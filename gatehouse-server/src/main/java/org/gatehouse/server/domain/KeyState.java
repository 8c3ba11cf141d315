package org.gatehouse.server.domain;

/**
 * A signing key's place in rotation (stored in signing_keys.state): the next key is published before it signs,
 * the active key signs, a retired key stays published until the tokens it signed have expired.
 */
public enum KeyState implements Coded {
    NEXT("next"),
    ACTIVE("active"),
    RETIRED("retired");

    private final String code;

    KeyState(String code) {
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
