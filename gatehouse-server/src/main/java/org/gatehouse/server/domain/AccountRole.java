package org.gatehouse.server.domain;

import java.util.Optional;

/** What a portal account may do: an admin runs the whole system, an issuer manages its own tokens and installations. */
public enum AccountRole implements Coded {
    ADMIN("admin"),
    ISSUER("issuer");

    private final String code;

    AccountRole(String code) {
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

    /** The role a user named (form, API, CLI); empty for anything else. */
    public static Optional<AccountRole> parse(String code) {
        return Coded.parse(values(), code);
    }
}
