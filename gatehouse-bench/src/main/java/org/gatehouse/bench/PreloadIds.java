package org.gatehouse.bench;

import java.util.Base64;
import java.util.SplittableRandom;

/**
 * Deterministic identifiers for preloaded rows: the preloader and the load generator compute the
 * same client_id for row i without sharing a list. They look like the server's own ids (16 random
 * bytes, base64url), so index pages fill as they would in production.
 */
public final class PreloadIds {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private PreloadIds() {
    }

    public static String clientId(long i) {
        return B64.encodeToString(bytes(0x5eed_c11e_0000_0000L ^ i, 16));
    }

    public static String installationId(long i) {
        return B64.encodeToString(bytes(0x5eed_1d00_0000_0000L ^ i, 32));
    }

    /** The installation row's own id, shaped like the server's ("inst_" and 12 random bytes). */
    public static String installationRef(long i) {
        return "inst_" + B64.encodeToString(bytes(0x5eed_1ef0_0000_0000L ^ i, 12));
    }

    public static String ratHash(long i) {
        return B64.encodeToString(bytes(0x5eed_7a70_0000_0000L ^ i, 32));
    }

    private static byte[] bytes(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[n];
        for (int k = 0; k < n; k += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && k + j < n; j++) b[k + j] = (byte) (v >>> (8 * j));
        }
        return b;
    }
}
