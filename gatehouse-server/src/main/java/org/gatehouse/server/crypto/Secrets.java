package org.gatehouse.server.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets Gatehouse hands out (client secrets, initial access tokens, registration access tokens):
 * 256 random bits, base64url, behind a readable prefix so that secret scanners can spot leaks.
 * They are stored only as HMAC-SHA-256 under a server pepper and compared in constant time.
 */
public final class Secrets {
    public static final String CLIENT_SECRET = "ghs_";
    public static final String INITIAL_ACCESS_TOKEN = "ghi_";
    public static final String REGISTRATION_ACCESS_TOKEN = "ghr_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec pepper;
    private final ThreadLocal<Mac> macs;

    public Secrets(byte[] pepper) {
        this.pepper = new SecretKeySpec(pepper.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    public static String newSecret(String prefix) {
        return prefix + randomId(32);
    }

    /** A random identifier of the given number of bytes, base64url without padding. */
    public static String randomId(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** The keyed hash that is stored in place of a secret. */
    public String hash(String secret) {
        return B64.encodeToString(macs.get().doFinal(secret.getBytes(StandardCharsets.UTF_8)));
    }

    /** Constant-time check of a presented secret against a stored hash; a null hash never matches. */
    public boolean matches(String presented, String storedHash) {
        byte[] actual = hash(presented == null ? "" : presented).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = (storedHash == null ? "" : storedHash).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(actual, expected) && storedHash != null;
    }

    /** Which stored keyed hash a presented secret matched. */
    public enum Match { NONE, CURRENT, PREVIOUS }

    /**
     * One keyed hash of the presented secret, compared in constant time against the current and then the
     * previous stored hash (either may be null: never matches). The work is the same whatever is stored,
     * so a known identifier costs what an unknown one does (no timing oracle).
     */
    public Match match(String presented, String currentHash, String previousHash) {
        byte[] actual = hash(presented == null ? "" : presented).getBytes(StandardCharsets.US_ASCII);
        boolean current = MessageDigest.isEqual(actual, stored(currentHash, actual.length)) & currentHash != null;
        boolean previous = MessageDigest.isEqual(actual, stored(previousHash, actual.length)) & previousHash != null;
        return current ? Match.CURRENT : previous ? Match.PREVIOUS : Match.NONE;
    }

    /** The stored hash's bytes; a missing one as bytes of the same length that never match, so the compare costs the same. */
    private static byte[] stored(String hash, int length) {
        return hash == null ? new byte[length] : hash.getBytes(StandardCharsets.US_ASCII);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(pepper);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 unavailable", e);
        }
    }
}
