package org.gatehouse.server.domain;

import java.util.Optional;

/** What happens when an installation that already has active credentials registers again with a token. */
public enum Reregistration implements Coded {
    /** The new registration revokes the installation's credentials of the same software_id (the default). */
    REPLACE("replace"),
    /** The new registration is refused. */
    REJECT("reject"),
    /** Both keep working. */
    ALLOW("allow");

    private final String code;

    Reregistration(String code) {
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

    /** The policy a user named (form, API, CLI); empty for anything else. */
    public static Optional<Reregistration> parse(String code) {
        return Coded.parse(values(), code);
    }
}
