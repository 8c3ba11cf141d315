package org.gatehouse.server.tokens;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.ReplayStore;

/**
 * One use of a JWT id across every node sharing the database: client assertions (RFC 7523 §3 item 7,
 * jti unique per issuer) and DPoP proofs (RFC 9449 §11.1, jti unique per key).
 *
 * <p>Two ways, one rule. <b>Shared</b> (PostgreSQL, or an H2 URL of the operator's own, which other processes may
 * open too): one INSERT per use into {@code used_jtis}; its primary key decides between nodes. <b>In memory</b>
 * (the embedded H2 default, once {@code serve} holds the data directory's serve lock, so no other process accepts
 * JWTs against that database): a bounded, expiring {@link JtiSet} decides, with no database write per request,
 * and the ids it takes are written to {@code used_jtis} in one batch a second ({@link #save}) and at a clean stop,
 * and read back at start ({@link #keepInMemory}). A restart therefore remembers every id written; a crash
 * (kill -9, power cut) forgets at most the ids of the last second, the same second H2 itself may lose then.
 */
public final class Replays {
    public static final String ASSERTION = "client_assertion";
    public static final String DPOP = "dpop";

    /** In memory: ids held at most (about 100 bytes each); then every new JWT is refused until ids expire. */
    public static final int MAX_IDS = 500_000;
    /**
     * In memory: ids one client may hold at most (its assertions and DPoP proofs of the last minutes: up to 7
     * minutes for an assertion, 2 for a proof). 10,000 is 24 grants a second for 7 minutes; the per-client token
     * rate limit (120 a minute by default) stops an honest client long before.
     */
    public static final int MAX_IDS_PER_CLIENT = 10_000;

    private final Database db;
    private final ReplayStore store;
    private volatile JtiSet memory;
    private final java.time.Clock clock;

    public Replays(Database db, ReplayStore store, java.time.Clock clock) {
        this.db = db;
        this.store = store;
        this.clock = clock;
    }

    /**
     * From now on ids are kept in memory: only for a process that alone accepts JWTs against this database (the
     * caller holds the embedded database's serve lock). Reads the ids still live from {@code used_jtis} first,
     * so that a JWT used before a restart stays refused.
     *
     * @return how many ids were read back
     */
    public int keepInMemory(int maxIds, int maxPerClient) {
        JtiSet set = new JtiSet(maxIds, maxPerClient);
        long now = clock.millis();
        Map<String, Long> live = db.withHandle(h -> store.live(h, now));
        Base64.Decoder b64 = Base64.getUrlDecoder();
        for (Map.Entry<String, Long> e : live.entrySet()) {
            byte[] id;
            try {
                id = b64.decode(e.getKey());
            } catch (IllegalArgumentException bad) {
                continue;
            }
            if (id.length == 32) set.restore(id, e.getValue(), now);
        }
        memory = set;
        return live.size();
    }

    /** Whether ids are kept in memory (one process owns the database) rather than in the shared table. */
    public boolean inMemory() {
        return memory != null;
    }

    /**
     * @param kind  {@link #ASSERTION} or {@link #DPOP}
     * @param scope who the jti belongs to (the client id; the DPoP key's thumbprint)
     * @param until epoch ms after which the JWT is refused anyway (then the id may go)
     * @param client the authenticated client the JWT came with (its share of the in-memory set)
     * @return true the first time, false for a replay
     * @throws OAuthError 429 slow_down when this client holds too many live ids, 503 when the in-memory set is
     *         full: refused, never forgotten (fail closed)
     */
    public boolean firstUse(String kind, String scope, String jti, long until, String client) {
        byte[] key = key(kind, scope, jti);
        JtiSet set = memory;
        if (set == null) {
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
            return db.withHandle(h -> store.firstUse(h, id, until));
        }
        switch (set.firstUse(key, client, until, clock.millis())) {
            case FIRST:
                return true;
            case REPLAY:
                return false;
            case OWNER_FULL:
                throw OAuthError.rateLimited("client assertions and DPoP proofs from this client in the last minutes", 60);
            default:
                throw OAuthError.temporarilyUnavailable("too many client assertions and DPoP proofs in the last minutes", 60);
        }
    }

    /**
     * Writes the ids taken in memory since the last call to {@code used_jtis}, in one transaction (the server's
     * jobs thread, once a second, and at a clean stop). Nothing to do in the shared way.
     *
     * @return how many ids were written
     */
    public int save() {
        JtiSet set = memory;
        if (set == null) return 0;
        List<JtiSet.Saved> batch = set.takeNew(clock.millis());
        if (batch.isEmpty()) return 0;
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        List<Map.Entry<String, Long>> rows = new ArrayList<>(batch.size());
        for (JtiSet.Saved s : batch) rows.add(Map.entry(b64.encodeToString(s.id()), s.until()));
        try {
            db.inTransaction(h -> {
                store.saveAll(h, rows);
                return null;
            });
        } catch (RuntimeException e) {
            set.giveBack(batch); // kept for the next save rather than lost
            throw e;
        }
        return rows.size();
    }

    /** SHA-256 of kind, scope and jti (fixed length whatever a client sends); its base64url is the table's id. */
    static byte[] key(String kind, String scope, String jti) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {kind, scope, jti}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String id(String kind, String scope, String jti) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key(kind, scope, jti));
    }
}
