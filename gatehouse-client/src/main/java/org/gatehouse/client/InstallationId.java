package org.gatehouse.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * DESIGN §2: installation_id = base64url-without-padding(SHA-256(machine_id ":" issuer)). The
 * raw machine id never leaves the machine, and two issuers see unrelated ids for the same machine.
 */
public final class InstallationId {
    private InstallationId() {
    }

    public static String derive(String machineId, String issuer) {
        if (machineId == null || machineId.isBlank()) throw new IllegalArgumentException("machine id must not be blank");
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((machineId + ":" + issuer).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
