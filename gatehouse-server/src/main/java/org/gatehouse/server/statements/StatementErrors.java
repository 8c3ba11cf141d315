package org.gatehouse.server.statements;

import org.gatehouse.server.errors.OAuthError;

/** The RFC 7591 §3.2.2 errors about software statements, and the one for keys we cannot fetch. */
public final class StatementErrors {
    public static final String INVALID = "invalid_software_statement";
    public static final String UNAPPROVED = "unapproved_software_statement";

    private StatementErrors() {
    }

    /** RFC 7591 §3.2.2: "The software statement presented is invalid." */
    public static OAuthError invalid(String description) {
        return new OAuthError(400, INVALID, description, null);
    }

    /** RFC 7591 §3.2.2: "The software statement presented is not approved for use by this authorization server." */
    public static OAuthError unapproved(String description) {
        return new OAuthError(400, UNAPPROVED, description, null);
    }

    /** The publisher's keys could not be fetched: not the client's fault, so not a 400. */
    public static OAuthError keysUnavailable(String publisher) {
        return new OAuthError(503, "temporarily_unavailable",
                "the keys of publisher " + publisher + " cannot be fetched right now; try again later", null);
    }
}
