package org.gatehouse.server.domain;

/** A person who may sign into the portal. The password and TOTP seed appear only hashed / encrypted. */
public record AccountRecord(
        String id,
        String email,
        AccountRole role,
        AccountStatus status,
        String passwordHash,
        String totpSeedEnc,
        long totpLastStep,
        long createdAt,
        String createdBy,
        Long disabledAt,
        Long lastSignInAt) {

    public boolean isAdmin() {
        return role == AccountRole.ADMIN;
    }

    public boolean active() {
        return status == AccountStatus.ACTIVE;
    }

    /**
     * Whether this account may see an object (a token, an installation) owned by {@code owner}: an admin sees
     * everything, an issuer what their account owns. The one visibility rule of the API and the portal.
     */
    public boolean mayView(String owner) {
        return isAdmin() || id.equals(owner);
    }
}
