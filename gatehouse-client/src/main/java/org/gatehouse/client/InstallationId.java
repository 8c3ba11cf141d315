package org.gatehouse.client;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The installation id (docs/protocol.md §5): what makes two enrolments "the same installation",
 * so that the server replaces the old credentials of a re-enrolment instead of keeping both.
 *
 * <p>One installation is one app ({@code software_id}) on one machine, or, for per-user installs,
 * one OS user's copy of it:
 * {@code base64url-without-padding(SHA-256("gatehouse-installation-id-v2\n" machine_id "\n" issuer
 * "\n" software_id "\n" os_user))}, with an empty string for a missing software_id and for a
 * machine-wide install. Two apps, or two users of a per-user install, get different ids and never
 * replace each other's credentials; the raw machine id never leaves the machine, and two issuers
 * see unrelated ids for the same machine. It is an unsalted hash of values any local user (and any
 * software) on the machine can read: it hides the machine id from the server and from eavesdroppers,
 * but anyone who knows or can read the machine id can compute it, link it to the machine, and
 * register under it with a valid token file.
 */
public final class InstallationId {
    private static final String V2 = "gatehouse-installation-id-v2";

    private InstallationId() {
    }

    /**
     * The id of one app (softwareId, may be null) on one machine, or of one OS user's copy of it
     * (osUser, null for a machine-wide install).
     */
    public static String derive(String machineId, String issuer, String softwareId, String osUser) {
        if (machineId == null || machineId.isBlank()) throw new IllegalArgumentException("machine id must not be blank");
        String sid = softwareId == null ? "" : softwareId;
        String user = osUser == null ? "" : osUser;
        if (sid.indexOf('\n') >= 0 || user.indexOf('\n') >= 0 || issuer.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("software id, OS user and issuer must not contain a line break");
        }
        return hash(V2 + "\n" + machineId + "\n" + issuer + "\n" + sid + "\n" + user);
    }

    /**
     * The id of the first releases, {@code SHA-256(machine_id ":" issuer)}: one per machine, shared
     * by every app and user. Still accepted in existing credential stores; never derived for a new enrolment.
     */
    public static String deriveV1(String machineId, String issuer) {
        if (machineId == null || machineId.isBlank()) throw new IllegalArgumentException("machine id must not be blank");
        return hash(machineId + ":" + issuer);
    }

    private static String hash(String input) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(ClientKey.sha256(input.getBytes(StandardCharsets.UTF_8)));
    }
}
