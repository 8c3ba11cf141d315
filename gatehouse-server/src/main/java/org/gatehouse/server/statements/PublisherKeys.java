package org.gatehouse.server.statements;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import java.io.IOException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.domain.PublisherRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public keys of publishers. Inline JWKS are parsed from the stored text; a JWKS at a URL is
 * fetched and cached for {@code ttl}, refetched early when a statement names a key id the cache
 * does not hold (publisher key rotation) but at most once per {@code minRefresh} per URL, so that
 * statements with made-up key ids cannot make us hammer the publisher. When a refetch fails the
 * cached keys are kept.
 */
public final class PublisherKeys {
    private static final Logger LOG = LoggerFactory.getLogger(PublisherKeys.class);

    private record Cached(JWKSet keys, long fetchedAt) {
    }

    private final JwksFetcher fetcher;
    private final Clock clock;
    private final Duration ttl;
    private final Duration minRefresh;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, Long> lastAttempt = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public PublisherKeys(JwksFetcher fetcher, Clock clock, Duration ttl, Duration minRefresh) {
        this.fetcher = fetcher;
        this.clock = clock;
        this.ttl = ttl;
        this.minRefresh = minRefresh;
    }

    /** The publisher's keys: inline, or from its URL through the cache. */
    public JWKSet keys(PublisherRecord p) {
        if (p.jwks() != null) return PublisherJwks.parse(p.jwks());
        String url = p.jwksUrl();
        synchronized (lock(url)) {
            Cached c = cache.get(url);
            long now = clock.millis();
            if (c != null && now - c.fetchedAt() < ttl.toMillis()) return c.keys();
            if (c != null && !attemptAllowed(url, now)) return c.keys(); // a failed fetch just now: keep the old keys
            Optional<JWKSet> fetched = fetch(p, now);
            if (fetched.isPresent()) return fetched.get();
            if (c != null) return c.keys();
            throw StatementErrors.keysUnavailable(p.name());
        }
    }

    /**
     * Refetches a URL JWKS after a statement named an unknown key id; empty when the publisher's
     * keys are inline, the last attempt was less than {@code minRefresh} ago, or the fetch failed.
     */
    public Optional<JWKSet> refreshed(PublisherRecord p) {
        if (p.jwksUrl() == null) return Optional.empty();
        synchronized (lock(p.jwksUrl())) {
            long now = clock.millis();
            if (!attemptAllowed(p.jwksUrl(), now)) return Optional.empty();
            return fetch(p, now);
        }
    }

    /** Checks a JWKS URL's form (scheme, no user info) before it is stored; InvalidInput on {@code jwks_url} if unusable. */
    public void checkUrl(String url) {
        fetcher.checkUrl(url);
    }

    /** Fetches and checks a URL's JWKS now (used when a publisher is added); InvalidInput on {@code jwks_url} if unusable. */
    public JWKSet fetchNow(String url) {
        try {
            return usableKeys(fetcher.fetch(url));
        } catch (IOException | IllegalArgumentException | InvalidInput e) {
            throw InvalidInput.of("jwks_url", "cannot use the JWKS at " + url + ": " + e.getMessage());
        }
    }

    private boolean attemptAllowed(String url, long now) {
        Long last = lastAttempt.get(url);
        return last == null || now - last >= minRefresh.toMillis();
    }

    private Optional<JWKSet> fetch(PublisherRecord p, long now) {
        lastAttempt.put(p.jwksUrl(), now);
        try {
            JWKSet keys = usableKeys(fetcher.fetch(p.jwksUrl()));
            cache.put(p.jwksUrl(), new Cached(keys, now));
            return Optional.of(keys);
        } catch (IOException | IllegalArgumentException | InvalidInput e) {
            LOG.warn("cannot fetch the JWKS of publisher {} from {}: {}", p.name(), p.jwksUrl(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The public signature keys of a fetched JWKS that statements may be signed with; others are ignored. */
    static JWKSet usableKeys(String json) throws IOException {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException e) {
            throw new IOException("not a JWK Set");
        }
        List<JWK> keys = new ArrayList<>();
        for (JWK k : set.getKeys()) {
            if ((k.getKeyUse() == null || KeyUse.SIGNATURE.equals(k.getKeyUse())) && PublisherJwks.usable(k)) {
                keys.add(k.toPublicJWK());
            }
        }
        if (keys.isEmpty()) throw new IOException("no EC P-256, Ed25519 or RSA signature key in the JWK Set");
        if (keys.size() > PublisherJwks.MAX_KEYS) throw new IOException("more than " + PublisherJwks.MAX_KEYS + " keys");
        return new JWKSet(keys);
    }

    private Object lock(String url) {
        return locks.computeIfAbsent(url, u -> new Object());
    }
}
