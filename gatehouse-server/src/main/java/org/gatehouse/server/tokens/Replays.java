package org.gatehouse.server.tokens;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.ReplayStore;

/**
 * One use of a JWT id across every node sharing the database: client assertions (RFC 7523 §3 item 7,
 * jti unique per issuer) and DPoP proofs (RFC 9449 §11.1, jti unique per key). One INSERT per use.
 */
public final class Replays {
    public static final String ASSERTION = "client_assertion";
    public static final String DPOP = "dpop";

    private final Database db;
    private final ReplayStore store;

    public Replays(Database db, ReplayStore store) {
        this.db = db;
        this.store = store;
    }

    /**
     * @param scope who the jti belongs to (the client id; the DPoP key's thumbprint)
     * @param until epoch ms after which the JWT is refused anyway (then the row may go)
     * @return true the first time, false for a replay
     */
    public boolean firstUse(String kind, String scope, String jti, long until) {
        String id = id(kind, scope, jti);
        return db.withHandle(h -> store.firstUse(h, id, until));
    }

    static String id(String kind, String scope, String jti) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {kind, scope, jti}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
