package org.gatehouse.server.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code $argon2id$v=19$m=…,t=…,p=…$salt$hash}),
 * with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). Passwords: 12 to 256 characters.
 */
public final class Passwords {
    public static final int MIN_LENGTH = 12;
    public static final int MAX_LENGTH = 256;
    private static final int MEMORY_KIB = 19 * 1024;
    /** What one hash or check allocates at once: its Argon2 memory cost. */
    public static final long MEMORY_BYTES = MEMORY_KIB * 1024L;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    /** Verified against when the account is unknown, so that both cases cost the same time. */
    private static final String DUMMY = hashUnchecked("gatehouse-dummy-password-for-timing");

    private Passwords() {
    }

    /** Null when acceptable, else a plain-language reason. */
    public static String problem(String password) {
        if (password == null || password.length() < MIN_LENGTH) return "Use at least " + MIN_LENGTH + " characters.";
        if (password.length() > MAX_LENGTH) return "Use at most " + MAX_LENGTH + " characters.";
        if (password.isBlank()) return "The password cannot be only spaces.";
        return null;
    }

    public static String hash(String password) {
        String p = problem(password);
        if (p != null) throw new IllegalArgumentException(p);
        return hashUnchecked(password);
    }

    private static String hashUnchecked(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt)
                + "$" + B64.encodeToString(out);
    }

    /** Constant-time check; a null stored hash (unknown account) is checked against a dummy and never matches. */
    public static boolean verify(String password, String stored) {
        boolean known = stored != null;
        String[] parts = (known ? stored : DUMMY).split("\\$");
        if (parts.length != 6 || !"argon2id".equals(parts[1])) return false;
        int m = 0;
        int t = 0;
        int p = 0;
        for (String kv : parts[3].split(",")) {
            int v = Integer.parseInt(kv.substring(2));
            switch (kv.charAt(0)) {
                case 'm' -> m = v;
                case 't' -> t = v;
                case 'p' -> p = v;
                default -> {
                    return false;
                }
            }
        }
        byte[] salt = B64D.decode(parts[4]);
        byte[] expected = B64D.decode(parts[5]);
        byte[] actual = derive(password == null ? "" : password, salt, m, t, p);
        return MessageDigest.isEqual(expected, actual) && known;
    }

    private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[32];
        gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
