package org.gatehouse.server.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Ed25519Jws;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.SigningKeyRecord;
import org.gatehouse.server.store.SigningKeyStore;
import org.jdbi.v3.core.Handle;

/**
 * Signing keys and their life: next (published, not yet signing) → active (signing) → retired
 * (published until every token it signed has expired). Private keys are stored encrypted under
 * the master key. Every node reloads the key ring from the database periodically, so a rotation
 * made anywhere (another node, the CLI) is picked up everywhere.
 */
public final class SigningKeys {
    private static final DateTimeFormatter KID_DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    /** Allowance for clock skew between issuers and resource servers when retiring keys. */
    private static final Duration SKEW = Duration.ofMinutes(2);

    private final Database db;
    private final SigningKeyStore store;
    private final MasterKey masterKey;
    private final Audit audit;
    private final Clock clock;
    private final String configuredAlg;
    private final Duration tokenTtl;
    private final AtomicReference<KeyRing> ring = new AtomicReference<>();

    public SigningKeys(Database db, SigningKeyStore store, MasterKey masterKey, Audit audit, Clock clock,
                       String configuredAlg, Duration tokenTtl) {
        this.db = db;
        this.store = store;
        this.masterKey = masterKey;
        this.audit = audit;
        this.clock = clock;
        this.configuredAlg = configuredAlg;
        this.tokenTtl = tokenTtl;
    }

    /** The key ring in use; loaded on first call. */
    public KeyRing ring() {
        KeyRing r = ring.get();
        if (r == null) {
            r = refresh();
        }
        return r;
    }

    /**
     * Makes sure an active key of the configured algorithm and a next key exist. When the
     * configured algorithm changed, the old active key is retired (still published) and a new one
     * of the configured algorithm signs from now on.
     */
    public void ensure(Actor actor) {
        db.inTransaction(h -> {
            store.lock(h);
            long now = clock.millis();
            List<SigningKeyRecord> keys = store.current(h, now);
            Optional<SigningKeyRecord> active = find(keys, SigningKeyRecord.ACTIVE);
            Optional<SigningKeyRecord> next = find(keys, SigningKeyRecord.NEXT);
            if (active.isEmpty() || !active.get().alg().equals(configuredAlg)) {
                active.ifPresent(a -> retire(h, a, now, actor));
                if (next.isPresent() && next.get().alg().equals(configuredAlg)) {
                    store.activate(h, next.get().kid(), now);
                    audit.record(h, now, actor, "key.activate", next.get().kid(), Map.of("alg", configuredAlg));
                    next = Optional.empty();
                } else {
                    createKey(h, SigningKeyRecord.ACTIVE, now, actor);
                }
            }
            if (next.isEmpty() || !next.get().alg().equals(configuredAlg)) {
                next.ifPresent(n -> retire(h, n, now, actor));
                createKey(h, SigningKeyRecord.NEXT, now, actor);
            }
            return null;
        });
        refresh();
    }

    /** Rotation: the next key (published since the last rotation) signs from now on; a new next key is published. */
    public String rotate(Actor actor) {
        String kid = db.inTransaction(h -> {
            store.lock(h);
            long now = clock.millis();
            List<SigningKeyRecord> keys = store.current(h, now);
            find(keys, SigningKeyRecord.ACTIVE).ifPresent(a -> retire(h, a, now, actor));
            Optional<SigningKeyRecord> next = find(keys, SigningKeyRecord.NEXT);
            String activated;
            if (next.isPresent() && next.get().alg().equals(configuredAlg)) {
                activated = next.get().kid();
                store.activate(h, activated, now);
            } else {
                next.ifPresent(n -> retire(h, n, now, actor));
                activated = createKey(h, SigningKeyRecord.ACTIVE, now, actor);
            }
            audit.record(h, now, actor, "key.rotate", activated, Map.of("alg", configuredAlg));
            createKey(h, SigningKeyRecord.NEXT, now, actor);
            return activated;
        });
        refresh();
        return kid;
    }

    public List<SigningKeyRecord> list() {
        return db.withHandle(store::all);
    }

    /** Reloads the ring from the database. */
    public KeyRing refresh() {
        List<SigningKeyRecord> keys = db.withHandle(h -> store.current(h, clock.millis()));
        KeyRing current = ring.get();
        KeyRing loaded = build(keys, current);
        ring.set(loaded);
        return loaded;
    }

    private KeyRing build(List<SigningKeyRecord> keys, KeyRing previous) {
        SigningKeyRecord active = keys.stream().filter(k -> k.state().equals(SigningKeyRecord.ACTIVE))
                .max((a, b) -> Long.compare(a.activatedAt() == null ? 0 : a.activatedAt(), b.activatedAt() == null ? 0 : b.activatedAt()))
                .orElseThrow(() -> new IllegalStateException("no active signing key: run the server once or 'gatehouse keys rotate'"));
        if (previous != null && previous.activeKid().equals(active.kid())
                && previous.verifiers().keySet().equals(kids(keys))) {
            return previous;
        }
        List<JWK> published = new ArrayList<>();
        Map<String, JWSVerifier> verifiers = new LinkedHashMap<>();
        LinkedHashSet<String> algs = new LinkedHashSet<>();
        List<SigningKeyRecord> ordered = new ArrayList<>();
        ordered.add(active);
        keys.stream().filter(k -> k != active).forEach(ordered::add);
        for (SigningKeyRecord k : ordered) {
            JWK pub = parse(k.publicJwk());
            published.add(pub);
            verifiers.put(k.kid(), verifier(pub));
            algs.add(k.alg());
        }
        JWK priv = parse(new String(masterKey.decrypt(active.privateJwkEnc(), active.kid()), StandardCharsets.UTF_8));
        JWSAlgorithm alg = JWSAlgorithm.parse(active.alg());
        JWSSigner signer = signer(priv);
        return new KeyRing(active.kid(), alg, signer, new AccessTokenJwt(alg, active.kid(), signer), Map.copyOf(verifiers),
                new JWKSet(published).toString(true), List.copyOf(algs));
    }

    private static java.util.Set<String> kids(List<SigningKeyRecord> keys) {
        java.util.Set<String> s = new java.util.HashSet<>();
        keys.forEach(k -> s.add(k.kid()));
        return s;
    }

    private void retire(Handle h, SigningKeyRecord k, long now, Actor actor) {
        long until = now + tokenTtl.toMillis() + SKEW.toMillis();
        store.retire(h, k.kid(), now, until);
        audit.record(h, now, actor, "key.retire", k.kid(), Map.of("publish_until", until));
    }

    private String createKey(Handle h, String state, long now, Actor actor) {
        String kid = configuredAlg.toLowerCase(Locale.ROOT) + "-" + KID_DATE.format(clock.instant()) + "-" + Secrets.randomId(6);
        JWK key = generate(configuredAlg, kid);
        String enc = masterKey.encrypt(key.toJSONString().getBytes(StandardCharsets.UTF_8), kid);
        store.insert(h, new SigningKeyRecord(kid, configuredAlg, state, key.toPublicJWK().toJSONString(), enc, now,
                state.equals(SigningKeyRecord.ACTIVE) ? now : null, null, null));
        audit.record(h, now, actor, "key.create", kid, Map.of("alg", configuredAlg, "state", state));
        return kid;
    }

    /** A new signing key pair of the given JWS algorithm (also used for software-statement publishers' keys). */
    public static JWK generate(String alg, String kid) {
        try {
            switch (alg) {
                case "ES256":
                    return new ECKeyGenerator(Curve.P_256).keyID(kid).algorithm(JWSAlgorithm.ES256).keyUse(KeyUse.SIGNATURE).generate();
                case "RS256":
                    return new RSAKeyGenerator(2048).keyID(kid).algorithm(JWSAlgorithm.RS256).keyUse(KeyUse.SIGNATURE).generate();
                case "EdDSA":
                    byte[][] pair = Ed25519Jws.generate();
                    return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(pair[1])).d(Base64URL.encode(pair[0]))
                            .keyID(kid).algorithm(JWSAlgorithm.EdDSA).keyUse(KeyUse.SIGNATURE).build();
                default:
                    throw new IllegalArgumentException("algorithm must be ES256, EdDSA or RS256");
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a " + alg + " key", e);
        }
    }

    /** The signer for a private JWK of any algorithm we generate. */
    public static JWSSigner signer(JWK key) {
        try {
            if (key instanceof ECKey) return new ECDSASigner((ECKey) key);
            if (key instanceof RSAKey) return new RSASSASigner((RSAKey) key);
            if (key instanceof OctetKeyPair) return Ed25519Jws.signer(((OctetKeyPair) key).getDecodedD());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable signing key " + key.getKeyID(), e);
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private static JWSVerifier verifier(JWK key) {
        try {
            if (key instanceof ECKey) return new ECDSAVerifier((ECKey) key);
            if (key instanceof RSAKey) return new RSASSAVerifier((RSAKey) key);
            if (key instanceof OctetKeyPair) return Ed25519Jws.verifier(((OctetKeyPair) key).getDecodedX());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable public key " + key.getKeyID(), e);
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private static JWK parse(String json) {
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("corrupt stored key", e);
        }
    }

    private static Optional<SigningKeyRecord> find(List<SigningKeyRecord> keys, String state) {
        return keys.stream().filter(k -> k.state().equals(state)).findFirst();
    }
}
