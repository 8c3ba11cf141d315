package org.gatehouse.server.tokens;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.text.Text;

/**
 * RFC 8707 resource indicators: the resources (resource servers' audience URIs and the scopes they
 * serve). The token endpoint reads a snapshot kept in memory for at most {@code ttl} (the client cache's
 * bound, GATEHOUSE_CLIENT_CACHE_TTL): one small read per ttl, never one per request; a change made
 * through this process takes effect at once ({@link #invalidate}). A ttl of zero reads every time.
 *
 * <p>The read happens outside any lock: while one request re-reads an expired copy, the others keep
 * using that copy instead of queueing behind the read. When the read fails (a database hiccup), the
 * last good copy is served, and the failure logged, for at most {@link #STALE_LIMIT} past its ttl;
 * after that, or with no good copy at all, the failure reaches the caller (fail closed).
 */
public final class ResourceCatalog {
    /** Most resource parameters one token request may carry. */
    public static final int MAX_RESOURCES = 10;
    /** Longest resource URI. */
    public static final int MAX_URI = 2000;

    /**
     * What is known: the scopes each active resource server's audience serves (empty: every scope).
     * Who may see which tokens and which resources a token's installations may name are not here:
     * they come with the caller's own client record (fail closed, never from a stale copy).
     */
    public record Snapshot(Map<String, Set<String>> scopesByAudience) {
    }

    /** The aud of a token (one or more URIs) and the scopes its resources serve (null: any). */
    public record Target(List<String> audiences, Set<String> scopes) {
    }

    /** How long past its ttl the last good copy may be served while reads fail. */
    public static final Duration STALE_LIMIT = Duration.ofSeconds(60);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ResourceCatalog.class);

    private record Loaded(Snapshot snapshot, long loadedAt) {
    }

    private final Supplier<Snapshot> loader;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong epoch = new AtomicLong();
    private final long staleNanos = STALE_LIMIT.toNanos();
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile Loaded current;   // null: never read, or invalidated
    private volatile Loaded lastGood;  // the last successful read, for when a read fails

    public ResourceCatalog(Supplier<Snapshot> loader, Duration ttl) {
        this(loader, ttl, System::nanoTime);
    }

    ResourceCatalog(Supplier<Snapshot> loader, Duration ttl, LongSupplier nanoClock) {
        this.loader = loader;
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    /** After a change made through this process: the next request reads it. */
    public void invalidate() {
        epoch.incrementAndGet();
        current = null;
    }

    public Snapshot snapshot() {
        Loaded l = current;
        long now = nanoClock.getAsLong();
        if (l != null && now - l.loadedAt() < ttlNanos) return l.snapshot();
        boolean reader = reading.compareAndSet(false, true);
        if (!reader && l != null && now - l.loadedAt() < ttlNanos + staleNanos) return l.snapshot(); // another request is reading
        try {
            return read();
        } finally {
            if (reader) reading.set(false);
        }
    }

    private Snapshot read() {
        long before = epoch.get();
        long at = nanoClock.getAsLong();
        Snapshot s;
        try {
            s = loader.get();
        } catch (RuntimeException e) {
            Loaded last = lastGood;
            long age = nanoClock.getAsLong() - (last == null ? 0 : last.loadedAt());
            if (last == null || age >= ttlNanos + staleNanos) throw e;
            LOG.warn("reading the resource catalog failed ({}); serving the copy read {} ms ago (at most {} s past its ttl)",
                    e.getClass().getSimpleName(), age / 1_000_000, STALE_LIMIT.toSeconds());
            return last.snapshot();
        }
        Loaded fresh = new Loaded(s, at);
        if (epoch.get() == before) { // a read that raced a change is not kept
            lastGood = fresh;
            if (ttlNanos > 0) current = fresh;
        }
        return s;
    }

    /**
     * Resolves the resource parameters of a token request against the current snapshot.
     *
     * @param allowedByToken the admitting initial access token's limit as read with the client's
     *                       record (space-separated URIs), null: any resource
     */
    public Target resolve(List<String> resources, String allowedByToken, Set<String> clientScopes) {
        return resolve(snapshot(), resources, allowedByToken, clientScopes);
    }

    /**
     * RFC 8707 §2: each resource must be an absolute URI without a fragment, name a known resource
     * server, be allowed by the admitting initial access token, and serve a scope the client may get;
     * otherwise {@code invalid_target} (§2, RFC 8707 §5.2 registry). The scopes are those the resources
     * serve (§2.2: the server may narrow the scope to the audiences).
     */
    static Target resolve(Snapshot s, List<String> resources, String allowedByToken, Set<String> clientScopes) {
        if (resources.size() > MAX_RESOURCES) throw invalidTarget("at most " + MAX_RESOURCES + " resource parameters are allowed");
        Set<String> audiences = new LinkedHashSet<>();
        Set<String> served = new LinkedHashSet<>();
        boolean anyScope = false;
        Set<String> allowed = allowedByToken == null ? null : Set.copyOf(List.of(allowedByToken.split(" ")));
        for (String r : resources) {
            String uri = parse(r);
            Set<String> scopes = s.scopesByAudience().get(uri);
            if (scopes == null) throw invalidTarget("unknown resource '" + Text.printable(uri) + "'");
            if (allowed != null && !allowed.contains(uri)) {
                throw invalidTarget("the initial access token of this client does not allow the resource '" + Text.printable(uri) + "'");
            }
            if (!scopes.isEmpty() && scopes.stream().noneMatch(clientScopes::contains)) {
                throw invalidTarget("this client has no scope that the resource '" + Text.printable(uri) + "' serves");
            }
            if (scopes.isEmpty()) anyScope = true;
            served.addAll(scopes);
            audiences.add(uri);
        }
        return new Target(new ArrayList<>(audiences), anyScope ? null : served);
    }

    /** RFC 8707 §2: "an absolute URI … MUST NOT include a fragment component". */
    public static String parse(String resource) {
        if (resource == null || resource.isEmpty() || resource.length() > MAX_URI || !Text.isPlain(resource) || resource.contains(" ")) {
            throw invalidTarget("a resource must be an absolute URI of at most " + MAX_URI + " characters (RFC 8707 §2)");
        }
        try {
            URI u = new URI(resource);
            if (!u.isAbsolute() || u.getRawFragment() != null || resource.contains("#")) {
                throw invalidTarget("a resource must be an absolute URI without a fragment (RFC 8707 §2): '" + Text.printable(resource) + "'");
            }
            return resource;
        } catch (URISyntaxException e) {
            throw invalidTarget("a resource must be an absolute URI (RFC 8707 §2): '" + Text.printable(resource) + "'");
        }
    }

    private static OAuthError invalidTarget(String description) {
        return OAuthError.invalidTarget(description);
    }
}
