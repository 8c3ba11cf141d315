package org.gatehouse.server.statements;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.domain.PublisherRecord;
import org.gatehouse.server.store.PublisherStore;
import org.gatehouse.server.store.Sql;
import org.gatehouse.server.text.Text;

/** Software publishers, managed by admins: the issuers whose software statements registration accepts. */
public final class Publishers {
    public static final int MAX_NAME = 200;
    public static final Duration MAX_MAX_AGE = Duration.ofDays(3650);

    private final Database db;
    private final PublisherStore store;
    private final PublisherKeys keys;
    private final Audit audit;
    private final Clock clock;

    public Publishers(Database db, PublisherStore store, PublisherKeys keys, Audit audit, Clock clock) {
        this.db = db;
        this.store = store;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Adds a publisher. {@code name} is the {@code iss} its statements carry. Exactly one of
     * {@code jwksJson} (public keys, inline) and {@code jwksUrl} (fetched now, to check it, and
     * cached later) is given. {@code maxAge}, if not null, refuses statements issued longer ago.
     */
    public PublisherRecord add(String name, String jwksJson, String jwksUrl, Duration maxAge, Actor actor) {
        InvalidInput.Problems problems = new InvalidInput.Problems();
        problems.collect(() -> {
            checkName(name);
            return null;
        });
        if ((jwksJson == null) == (jwksUrl == null)) problems.add("jwks", "give the publisher's keys either inline (jwks) or as a URL (jwks_url), not both");
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(MAX_MAX_AGE) > 0)) {
            problems.add("max_age_seconds", "the maximum statement age must be positive and at most " + MAX_MAX_AGE.toDays() + " days");
        }
        JWKSet set = null;
        String storedJwks = null;
        if (jwksJson != null && jwksUrl == null) {
            set = problems.collect(() -> PublisherJwks.parse(jwksJson));
            if (set != null) storedJwks = set.toString(true); // normalised, public members only
        } else if (jwksUrl != null && jwksJson == null) {
            problems.collect(() -> {
                keys.checkUrl(jwksUrl);
                return null;
            });
            if (problems.isEmpty()) set = problems.collect(() -> keys.fetchNow(jwksUrl)); // no fetch for a form that fails anyway
        }
        problems.throwIfAny();
        JWKSet keysNow = set;
        long now = clock.millis();
        PublisherRecord p = new PublisherRecord("pub_" + Secrets.randomId(9), name, storedJwks, jwksUrl,
                maxAge == null ? null : maxAge.toSeconds(), now, actor.name());
        try {
            db.inTransaction(h -> {
                store.insert(h, p);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("name", name);
                if (jwksUrl != null) d.put("jwks_url", jwksUrl);
                d.put("kids", keysNow.getKeys().stream().map(JWK::getKeyID).map(String::valueOf).toList());
                if (p.maxAgeSeconds() != null) d.put("max_age_seconds", p.maxAgeSeconds());
                audit.record(h, now, actor, "publisher.add", p.id(), d);
                return null;
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) throw InvalidInput.of("name", "a publisher named " + name + " exists already");
            throw e;
        }
        return p;
    }

    public List<PublisherRecord> list() {
        return db.withHandle(store::list);
    }

    public Optional<PublisherRecord> find(String name) {
        if (name == null || name.length() > MAX_NAME) return Optional.empty();
        return db.withHandle(h -> store.findByName(h, name));
    }

    /** The key ids a publisher's statements may be signed with now (fetching a URL JWKS if needed). */
    public List<String> kids(PublisherRecord p) {
        return keys.keys(p).getKeys().stream().map(JWK::getKeyID).map(String::valueOf).toList();
    }

    /**
     * Removes a publisher; its statements are refused from now on, and tokens that require a
     * statement from it alone admit nothing more (fail closed). Returns the number of such active
     * tokens, or -1 if there was no such publisher.
     */
    public int remove(String name, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            Optional<PublisherRecord> p = store.findByName(h, name);
            if (p.isEmpty()) return -1;
            int requiring = store.activeTokensRequiring(h, name, now);
            store.delete(h, name);
            audit.record(h, now, actor, "publisher.remove", p.get().id(), Map.of("name", name, "tokens_requiring_it", requiring));
            return requiring;
        });
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || !Text.isPlain(name) || name.contains(" ")) {
            throw InvalidInput.of("name", "publisher name must be 1 to " + MAX_NAME + " printable characters without spaces"
                    + " (it is the iss of the publisher's statements)");
        }
    }
}
