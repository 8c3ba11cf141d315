package org.gatehouse.server.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.config.Durations;
import org.gatehouse.server.crypto.Ed25519Jws;
import org.gatehouse.server.crypto.JwsCrypto;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.SettingsStore;
import org.gatehouse.server.domain.KeyState;
import org.gatehouse.server.domain.SigningKeyRecord;
import org.gatehouse.server.store.SigningKeyStore;
import org.jdbi.v3.core.Handle;

/**
 * Signing keys and their life: next (published, not yet signing) → active (signing) → retired
 * (published until every token it signed has expired). Private keys are stored encrypted under
 * the master key. Every node reloads the key ring from the database periodically, so a rotation
 * made anywhere (another node, the CLI) is picked up everywhere.
 */
public final class SigningKeys {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SigningKeys.class);
    private static final DateTimeFormatter KID_DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    /** Allowance for clock skew between issuers and resource servers when retiring keys. */
    private static final Duration SKEW = Duration.ofMinutes(2);

    /** The cluster's signing algorithm, stored once in the settings table: every node signs with it. */
    public static final String CLUSTER_ALG = "signing_keys.alg";

    private final Database db;
    private final SigningKeyStore store;
    private final SettingsStore settings;
    private final MasterKey masterKey;
    private final Audit audit;
    private final Clock clock;
    private final String configuredAlg;
    private final boolean algConfigured;
    private final Duration tokenTtl;
    private final Duration publishDelay;
    private final JwsCrypto crypto;
    private final AtomicReference<KeyRing> ring = new AtomicReference<>();

    /**
     * configuredAlg: GATEHOUSE_SIGNING_ALG, used when a new cluster is created; algConfigured: whether the
     * operator set it (then a node whose value differs from the cluster's refuses to start). publishDelay: how long
     * a new key is published in /jwks before it may sign (resource servers cache the JWK Set). crypto: who computes
     * the signatures of the key ring (GATEHOUSE_CRYPTO_PROVIDER).
     */
    public SigningKeys(Database db, SigningKeyStore store, SettingsStore settings, MasterKey masterKey, Audit audit, Clock clock,
                       String configuredAlg, boolean algConfigured, Duration tokenTtl, Duration publishDelay, JwsCrypto crypto) {
        this.db = db;
        this.store = store;
        this.settings = settings;
        this.masterKey = masterKey;
        this.audit = audit;
        this.clock = clock;
        this.configuredAlg = configuredAlg;
        this.algConfigured = algConfigured;
        this.tokenTtl = tokenTtl;
        this.publishDelay = publishDelay;
        this.crypto = crypto;
    }

    /** Who signs and verifies this node's access tokens. */
    public JwsCrypto crypto() {
        return crypto;
    }

    /** Thrown when a key would sign before it has been published for the publication delay. */
    public static final class NotPublishedLongEnough extends RuntimeException {
        NotPublishedLongEnough(String message) {
            super(message, null, false, false);
        }
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
     * Makes sure the cluster has its algorithm, an active key and a published next key; returns the cluster's
     * algorithm. The algorithm is stored once, by the first node of a new cluster (or, on a database that predates
     * the setting, taken from the key that signs): a node never changes it. A node started with
     * GATEHOUSE_SIGNING_ALG set to another value refuses to start ({@link #changeAlgorithm} changes it on purpose).
     * Only a new cluster's first key signs at once: nothing can have cached a JWK Set without it yet.
     */
    public String ensure(Actor actor) {
        String alg = db.inTransaction(h -> {
            store.lock(h);
            long now = clock.millis();
            List<SigningKeyRecord> keys = store.current(h, now);
            Optional<SigningKeyRecord> active = find(keys, KeyState.ACTIVE);
            String cluster = settings.get(h, CLUSTER_ALG).orElse(null);
            if (cluster == null) {
                cluster = settings.putIfAbsent(h, CLUSTER_ALG, active.map(SigningKeyRecord::alg).orElse(configuredAlg));
            }
            if (algConfigured && !cluster.equals(configuredAlg)) {
                throw new ConfigException("GATEHOUSE_SIGNING_ALG=" + configuredAlg + " but this cluster signs with " + cluster
                        + " (stored in the database): unset it or set " + cluster + ", or change the cluster's algorithm on purpose"
                        + " with 'gatehouse keys algorithm " + configuredAlg + "'");
            }
            if (active.isEmpty()) {
                createKey(h, cluster, KeyState.ACTIVE, now, actor);
            }
            if (find(keys, KeyState.NEXT).isEmpty()) {
                createKey(h, cluster, KeyState.NEXT, now, actor);
            }
            return cluster;
        });
        refresh();
        return alg;
    }

    /** Whether this node signs with the cluster's algorithm {@code alg} although GATEHOUSE_SIGNING_ALG names another default (worth a log line). */
    public boolean followsCluster(String alg) {
        return !algConfigured && !alg.equals(configuredAlg);
    }

    /**
     * Rotation: the next key signs from now on and a new next key is published; the old key stays published until
     * its tokens expire. Refused while the next key has been published for less than the publication delay, so no
     * resource server meets a token signed by a key missing from the JWK Set it cached.
     */
    public String rotate(Actor actor) {
        String kid = db.inTransaction(h -> {
            store.lock(h);
            long now = clock.millis();
            List<SigningKeyRecord> keys = store.current(h, now);
            String cluster = settings.get(h, CLUSTER_ALG).orElse(configuredAlg);
            SigningKeyRecord next = find(keys, KeyState.NEXT)
                    .orElseThrow(() -> new IllegalStateException("no published next key: start a server once"));
            long due = next.createdAt() + publishDelay.toMillis();
            if (now < due) {
                throw new NotPublishedLongEnough("the next key " + next.kid() + " has been published since "
                        + Instant.ofEpochMilli(next.createdAt()) + "; it may sign from " + Instant.ofEpochMilli(due)
                        + " (resource servers cache the JWK Set: GATEHOUSE_KEY_PUBLISH_DELAY is " + Durations.format(publishDelay) + ")");
            }
            find(keys, KeyState.ACTIVE).ifPresent(a -> retire(h, a, now, actor));
            store.activate(h, next.kid(), now);
            audit.record(h, now, actor, "key.rotate", next.kid(), Map.of("alg", next.alg()));
            createKey(h, cluster, KeyState.NEXT, now, actor);
            return next.kid();
        });
        refresh();
        return kid;
    }

    /** What {@link #changeAlgorithm} did: the new algorithm's key and when it starts signing. */
    public record AlgorithmChange(String from, String to, String nextKid, Instant signsFrom) {
    }

    /**
     * Changes the cluster's signing algorithm on purpose: a key of the new algorithm is published now as the next
     * key (replacing a next key of the old one, which stays published until it would have expired) and starts
     * signing once it has been published for the publication delay ({@link #switchIfDue}, run by every node).
     */
    public AlgorithmChange changeAlgorithm(String alg, Actor actor) {
        if (!Config.SIGNING_ALGS.contains(alg)) {
            throw InvalidInput.of("algorithm", "algorithm must be one of " + String.join(", ", Config.SIGNING_ALGS));
        }
        AlgorithmChange change = db.inTransaction(h -> {
            store.lock(h);
            long now = clock.millis();
            List<SigningKeyRecord> keys = store.current(h, now);
            String from = settings.putIfAbsent(h, CLUSTER_ALG, find(keys, KeyState.ACTIVE).map(SigningKeyRecord::alg).orElse(alg));
            settings.set(h, CLUSTER_ALG, alg);
            Optional<SigningKeyRecord> next = find(keys, KeyState.NEXT);
            String nextKid;
            long since;
            if (next.isPresent() && next.get().alg().equals(alg)) {
                nextKid = next.get().kid();
                since = next.get().createdAt();
            } else {
                next.ifPresent(n -> retire(h, n, now, actor));
                nextKid = createKey(h, alg, KeyState.NEXT, now, actor);
                since = now;
            }
            Instant signsFrom = Instant.ofEpochMilli(since + publishDelay.toMillis());
            audit.record(h, now, actor, "key.algorithm", alg, Map.of("from", from, "next_kid", nextKid, "signs_from", signsFrom.toString()));
            return new AlgorithmChange(from, alg, nextKid, signsFrom);
        });
        refresh();
        return change;
    }

    /**
     * Finishes a change of algorithm on any node once the new algorithm's next key has been published for the
     * publication delay: it becomes the active key. A read and nothing else until then. Returns the activated kid.
     */
    public Optional<String> switchIfDue(Actor actor) {
        long now = clock.millis();
        if (!db.withHandle(h -> switchDue(settings.get(h, CLUSTER_ALG).orElse(null), store.current(h, now), now))) {
            return Optional.empty();
        }
        Optional<String> kid = db.inTransaction(h -> {
            store.lock(h);
            List<SigningKeyRecord> keys = store.current(h, now);
            if (!switchDue(settings.get(h, CLUSTER_ALG).orElse(null), keys, now)) return Optional.<String>empty();
            SigningKeyRecord next = find(keys, KeyState.NEXT).orElseThrow();
            find(keys, KeyState.ACTIVE).ifPresent(a -> retire(h, a, now, actor));
            store.activate(h, next.kid(), now);
            audit.record(h, now, actor, "key.activate", next.kid(), Map.of("alg", next.alg()));
            createKey(h, next.alg(), KeyState.NEXT, now, actor);
            return Optional.of(next.kid());
        });
        kid.ifPresent(k -> LOG.warn("the cluster's signing algorithm changed: key {} signs from now on", k));
        refresh();
        return kid;
    }

    private boolean switchDue(String cluster, List<SigningKeyRecord> keys, long now) {
        Optional<SigningKeyRecord> active = find(keys, KeyState.ACTIVE);
        Optional<SigningKeyRecord> next = find(keys, KeyState.NEXT);
        return cluster != null && active.isPresent() && !active.get().alg().equals(cluster)
                && next.isPresent() && next.get().alg().equals(cluster)
                && next.get().createdAt() + publishDelay.toMillis() <= now;
    }

    /** The algorithm every node signs with (the cluster's, once stored), for display. */
    public String clusterAlgorithm() {
        return db.withHandle(h -> settings.get(h, CLUSTER_ALG)).orElse(configuredAlg);
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
        SigningKeyRecord active = keys.stream().filter(k -> k.state() == KeyState.ACTIVE)
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
            verifiers.put(k.kid(), crypto.verifier(pub));
            algs.add(k.alg());
        }
        JWK priv = parse(new String(masterKey.decrypt(active.privateJwkEnc(), active.kid()), StandardCharsets.UTF_8));
        JWSAlgorithm alg = JWSAlgorithm.parse(active.alg());
        JWSSigner signer = crypto.signer(priv);
        return new KeyRing(active.kid(), alg, signer, new AccessTokenJwt(alg, active.kid(), signer), Map.copyOf(verifiers),
                new JWKSet(published).toString(true), List.copyOf(algs),
                active.activatedAt() == null ? active.createdAt() : active.activatedAt());
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

    private String createKey(Handle h, String alg, KeyState state, long now, Actor actor) {
        String kid = alg.toLowerCase(Locale.ROOT) + "-" + KID_DATE.format(clock.instant()) + "-" + Secrets.randomId(6);
        JWK key = generate(alg, kid);
        String enc = masterKey.encrypt(key.toJSONString().getBytes(StandardCharsets.UTF_8), kid);
        store.insert(h, new SigningKeyRecord(kid, alg, state, key.toPublicJWK().toJSONString(), enc, now,
                state == KeyState.ACTIVE ? now : null, null, null));
        audit.record(h, now, actor, "key.create", kid, Map.of("alg", alg, "state", state.code()));
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

    /** The signer for a private JWK of any algorithm we generate, on the JDK's providers (software statements). */
    public static JWSSigner signer(JWK key) {
        return JwsCrypto.JDK.signer(key);
    }

    private static JWK parse(String json) {
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("corrupt stored key", e);
        }
    }

    private static Optional<SigningKeyRecord> find(List<SigningKeyRecord> keys, KeyState state) {
        return keys.stream().filter(k -> k.state() == state).findFirst();
    }
}
