package org.gatehouse.server.iat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.IatRecord;

/** The token file of DESIGN §2: what the portal and the CLI hand out and what installers read. */
public final class TokenFile {
    private TokenFile() {
    }

    public static Map<String, Object> content(IatService.Created created, String issuer) {
        IatRecord r = created.record();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gatehouse_token_file", 1);
        m.put("issuer", issuer);
        m.put("registration_endpoint", issuer + "/register");
        m.put("initial_access_token", created.token());
        m.put("label", r.label());
        m.put("expires_at", Instant.ofEpochMilli(r.expiresAt()).toString());
        m.put("max_registrations", r.maxRegistrations());
        m.put("scope", r.scope());
        // Non-secret hints for the installer (issue 17 contract): generate a key / ask for DPoP-bound tokens.
        if (r.requireKeyBound()) m.put("key_bound", "required");
        if (r.requireDpop()) m.put("dpop", "required");
        return m;
    }

    /** Writes the file owner-readable only, atomically (never a half-written token file). */
    public static void write(Path file, Map<String, Object> content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, Json.pretty(content) + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
