package org.gatehouse.server.tokens;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.crypto.ClientJwks;
import org.gatehouse.server.crypto.JwsCrypto;

/**
 * A key-bound client's registered public keys, ready to verify: per kid, the algorithms the key's type
 * allows (crypto/ClientJwks.algorithms) and its verifier — for ES256 and EdDSA the one the server's own
 * access tokens use (crypto/JwsCrypto: native where it loads), built once per key set.
 */
public final class ClientKeys {
    /** One registered key. */
    public record Key(String kid, List<String> algorithms, JWSVerifier verifier) {
    }

    private final Map<String, Key> byKid;

    private ClientKeys(Map<String, Key> byKid) {
        this.byKid = byKid;
    }

    /** The key with this kid; with no kid, the only key (RFC 7515 §4.1.4: kid may be left out when there is one key). */
    public Key select(String kid) {
        if (kid != null) return byKid.get(kid);
        return byKid.size() == 1 ? byKid.values().iterator().next() : null;
    }

    /** From the JSON stored in the client row (checked by registration when it was registered). */
    public static ClientKeys of(String jwksJson, JwsCrypto crypto) {
        Map<String, Object> jwks;
        try {
            jwks = Json.parseObject(jwksJson);
        } catch (Json.JsonException e) {
            throw new IllegalStateException("stored client keys are corrupt");
        }
        Map<String, Key> keys = new LinkedHashMap<>();
        for (JWK k : ClientJwks.parse(jwks)) {
            keys.put(k.getKeyID(), new Key(k.getKeyID(), ClientJwks.algorithms(k), ClientJwks.verifier(k, crypto)));
        }
        return new ClientKeys(keys);
    }

    /**
     * Parsed key sets by their stored JSON: a rotation stores new JSON, so an entry can never serve
     * keys a client no longer has. Bounded: emptied when full.
     */
    public static final class Cache {
        private static final int MAX = 10_000;
        private final ConcurrentHashMap<String, ClientKeys> sets = new ConcurrentHashMap<>();
        private final JwsCrypto crypto;

        public Cache(JwsCrypto crypto) {
            this.crypto = crypto;
        }

        public ClientKeys get(String jwksJson) {
            ClientKeys k = sets.get(jwksJson);
            if (k != null) return k;
            if (sets.size() >= MAX) sets.clear();
            k = of(jwksJson, crypto);
            sets.put(jwksJson, k);
            return k;
        }
    }
}
