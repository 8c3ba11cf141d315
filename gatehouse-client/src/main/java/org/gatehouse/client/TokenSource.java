package org.gatehouse.client;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Access tokens for one installation (RFC 6749 §4.4, client credentials). A token is cached and
 * renewed once three quarters of its lifetime have passed. A caller never waits for a renewal while
 * the cached token is still valid: the renewal runs ahead on a short-lived daemon thread
 * ({@code gatehouse-token-refresh}, only while a request is in flight) and the caller gets the
 * cached token at once. Only a caller without a valid token waits, interruptibly, for the one
 * request in flight. After a failure no request is made before an exponential backoff has passed,
 * counted from the end of the failed attempt and never shorter than a {@code Retry-After} the
 * server sent; a caller's own interrupt is not a server failure; {@link #retryNow()} ends a
 * backoff. The client secret is rotated through RFC 7592 before it expires. A revoked or deleted
 * registration is reported as {@link RegistrationRevokedException}, and keeps being reported
 * without asking the server again.
 */
public final class TokenSource {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final GatehouseClient client;
    private final Events events;
    /** RFC 8707 resource (a resource server's audience URI) the tokens are for; null: the server's default audience. */
    private final String resource;
    private final ReentrantLock fetching = new ReentrantLock();
    private final AtomicBoolean refreshingAhead = new AtomicBoolean();
    private final Object state = new Object();
    private volatile AccessToken cached;
    /** The key the last DPoP-bound token was bound to, with that token: proofs need no store read. */
    private volatile Map.Entry<AccessToken, ClientKey> boundKey;
    // guarded by state
    private int failures;
    private Instant nextAttempt = Instant.MIN;
    private GatehouseClientException lastFailure;
    private String revokedClientId;
    private GatehouseClientException revoked; // why revokedClientId is refused (revoked, or rotated by another copy)

    TokenSource(GatehouseClient client, Events events) {
        this(client, events, null);
    }

    TokenSource(GatehouseClient client, Events events, String resource) {
        this.client = client;
        this.events = events;
        this.resource = resource;
    }

    /** The resource these tokens are for (their aud), or null for the server's default audience. */
    public String resource() {
        return resource;
    }

    /** The value of a valid access token, for an {@code Authorization: Bearer} header. */
    public String accessToken() {
        return token().value();
    }

    /**
     * A valid access token. Returns at once while the cached one is valid (renewing it in the
     * background once due); otherwise waits for the one token request in flight.
     *
     * @throws ServerUnavailableException the server cannot be reached (or the caller was
     *         interrupted while waiting) and no valid token is cached; {@link RateLimitedException}
     *         when the server asked to slow down
     */
    public AccessToken token() {
        Instant now = client.clock().instant();
        AccessToken t = cached;
        if (t != null && now.isBefore(t.renewAt())) return t;
        if (t != null && t.usableAt(now)) {
            refreshAhead();
            return t;
        }
        try {
            fetching.lockInterruptibly(); // one request in flight: the others wait here and then find the fresh token
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerUnavailableException("interrupted while waiting for an access token", e);
        }
        try {
            t = cached;
            now = client.clock().instant();
            if (t != null && t.usableAt(now)) return t; // fetched while this caller waited
            checkBackoff(now);
            return fetchAndCache();
        } finally {
            fetching.unlock();
        }
    }

    /** Drops the cached token, e.g. after a resource server refused it; the next call asks for a new one. */
    public void invalidate() {
        cached = null;
    }

    /**
     * Ends a backoff: the next call that needs the server asks it at once (e.g. when the user
     * presses "retry", or the network came back). A revoked registration stays revoked.
     */
    public void retryNow() {
        synchronized (state) {
            failures = 0;
            nextAttempt = Instant.MIN;
            lastFailure = null;
        }
    }

    /** After unenrolment: nothing cached, nothing remembered. */
    void forget() {
        cached = null;
        retryNow();
        synchronized (state) {
            revokedClientId = null;
        }
    }

    /** Starts the renewal of a still-valid token on a daemon thread, unless one runs or a backoff holds. */
    private void refreshAhead() {
        synchronized (state) {
            if (client.clock().instant().isBefore(nextAttempt) || revokedClientId != null) return;
        }
        if (!refreshingAhead.compareAndSet(false, true)) return;
        Thread th = new Thread(() -> {
            try {
                fetching.lock();
                try {
                    AccessToken t = cached;
                    Instant now = client.clock().instant();
                    if (t != null && now.isBefore(t.renewAt())) return; // renewed meanwhile
                    synchronized (state) {
                        if (now.isBefore(nextAttempt)) return;
                    }
                    fetchAndCache();
                } finally {
                    fetching.unlock();
                }
            } catch (RuntimeException e) {
                // recorded (backoff, revocation) and reported to the listener by fetchAndCache
            } finally {
                refreshingAhead.set(false);
            }
        }, "gatehouse-token-refresh");
        th.setDaemon(true);
        th.start();
    }

    private void checkBackoff(Instant now) {
        synchronized (state) {
            if (!now.isBefore(nextAttempt)) return;
            String why = "not asking the server again before " + nextAttempt + " after " + failures + " failed attempt(s); last: "
                    + lastFailure.getMessage();
            if (lastFailure instanceof RateLimitedException) {
                throw new RateLimitedException(why, Duration.between(now, nextAttempt), lastFailure);
            }
            throw new ServerUnavailableException(why, lastFailure);
        }
    }

    /** Holding {@link #fetching}: one token request, its outcome recorded. */
    private AccessToken fetchAndCache() {
        Instant start = client.clock().instant();
        try {
            AccessToken fresh = fetch(start);
            cached = fresh;
            retryNow();
            return fresh;
        } catch (RegistrationRevokedException e) {
            cached = null;
            events.revoked(e);
            throw e;
        } catch (CredentialsRotatedElsewhereException e) {
            cached = null;
            events.rotatedElsewhere(e);
            throw e;
        } catch (ServerUnavailableException | ServerErrorException e) {
            // The caller's own interrupt says nothing about the server: no backoff for it.
            if (!Thread.currentThread().isInterrupted()) failed(e, start);
            throw e;
        }
    }

    /** Backoff counted from the end of the failed attempt, at least as long as the server's Retry-After. */
    private void failed(GatehouseClientException e, Instant start) {
        Instant end = client.clock().instant(); // not start: a 30 s timeout must not eat the backoff
        int n;
        Instant next;
        synchronized (state) {
            failures++;
            lastFailure = e;
            Duration wait = backoff(failures);
            if (e instanceof RateLimitedException && ((RateLimitedException) e).retryAfter() != null
                    && ((RateLimitedException) e).retryAfter().compareTo(wait) > 0) {
                wait = ((RateLimitedException) e).retryAfter();
            }
            nextAttempt = end.plus(wait);
            n = failures;
            next = nextAttempt;
        }
        events.backingOff(n, next, e);
    }

    private AccessToken fetch(Instant now) {
        Credentials c = client.credentials();
        synchronized (state) {
            if (c.clientId().equals(revokedClientId)) throw revoked;
        }
        if (!now.isBefore(c.secretRenewAt())) {
            // rotate before client_secret_expires_at (RFC 7591 §3.2.1); until then the current secret still works
            try {
                c = rotateKeeping(c);
            } catch (ServerUnavailableException | ServerErrorException | CredentialStoreException e) {
                if (c.secretExpires() && !now.isBefore(Instant.ofEpochSecond(c.clientSecretExpiresAt()))) throw e;
                Events.LOG.log(System.Logger.Level.WARNING, "secret rotation of client {0} postponed: {1}", c.clientId(), e.getMessage());
            }
        }
        Http.Reply r = request(c);
        if (isInvalidClient(r)) {
            // Another process may have rotated the secret, or ours expired: rotation settles both;
            // a registration access token the server refuses means the registration is gone.
            c = rotateKeeping(c);
            r = request(c);
            if (isInvalidClient(r)) throw markRevoked(c, GatehouseClient.revoked(c, r));
        }
        if (r.status() != 200) throw Http.error("token request refused", r);
        AccessToken t = parse(r, now);
        if (client.dpop(c) && !t.dpopBound()) {
            throw new ServerUnavailableException("asked for a DPoP-bound token (RFC 9449) but the server issued a " + t.tokenType() + " token");
        }
        if (t.dpopBound() && !client.dpop(c)) throw new ServerUnavailableException("the server issued a DPoP token without a DPoP proof");
        if (t.dpopBound()) boundKey = Map.entry(t, c.key());
        return t;
    }

    /** The headers of one resource request with a token: see {@link #authorize(String, java.net.URI)}. */
    public record RequestHeaders(String authorization, String dpop) {
        @Override
        public String toString() {
            return "RequestHeaders[" + (dpop == null ? "Bearer" : "DPoP") + "]";
        }
    }

    /**
     * What to send with one request to a resource server: {@code Authorization: Bearer <token>}, or
     * for a DPoP-bound token {@code Authorization: DPoP <token>} plus a {@code DPoP} header with a
     * fresh proof for this method and URL ({@code htm}, {@code htu}, {@code ath}; RFC 9449 §7.1).
     * Call it for every request: a proof is used once. {@link #token()} rules apply to the token.
     */
    public RequestHeaders authorize(String method, java.net.URI uri) {
        AccessToken t = token();
        if (!t.dpopBound()) return new RequestHeaders("Bearer " + t.value(), null);
        Map.Entry<AccessToken, ClientKey> bound = boundKey;
        ClientKey key = bound != null && bound.getKey() == t ? bound.getValue() : client.credentials().key();
        return new RequestHeaders("DPoP " + t.value(), dpopProof(key, method, uri, t.value()));
    }

    /** RFC 9449 §4.2 proof for a resource request with this access token (ath), made with the installation's key. */
    private String dpopProof(ClientKey key, String method, java.net.URI uri, String accessToken) {
        return key.dpopProof(method, uri, accessToken, client.clock().instant());
    }

    /**
     * Rotates; when the server rotated but the store could not take the new credentials, goes on
     * with them (the client keeps them in memory and saves them as soon as it can).
     */
    private Credentials rotateKeeping(Credentials c) {
        try {
            return client.rotate(c);
        } catch (RegistrationRevokedException | CredentialsRotatedElsewhereException e) {
            throw markRevoked(c, e);
        } catch (CredentialStoreException e) {
            Credentials now = client.credentials();
            if (now.credentialId().equals(c.credentialId())) throw e; // the server was not asked
            return now;
        }
    }

    /** Remembers why the server refused these credentials, to say it again without asking it. */
    private GatehouseClientException markRevoked(Credentials c, GatehouseClientException why) {
        synchronized (state) {
            revokedClientId = c.clientId();
            revoked = why;
        }
        return why;
    }

    /** RFC 6749 §4.4.2, authenticated as registered (§2.3.1). */
    private Http.Reply request(Credentials c) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (client.scope() != null) form.put("scope", client.scope());
        if (resource != null) form.put("resource", resource); // RFC 8707 §2.1
        if (c.keyBound()) {
            // RFC 7523 §2.2: a fresh assertion (new jti) for every request; aud is the issuer identifier
            Instant now = client.clock().instant();
            form.put("client_id", c.clientId());
            form.put("client_assertion_type", ClientKey.ASSERTION_TYPE);
            form.put("client_assertion", c.key().clientAssertion(c.clientId(), c.issuer(), now));
            Map<String, String> headers = client.dpop(c)
                    ? Map.of("DPoP", c.key().dpopProof("POST", c.tokenEndpoint(), null, now)) // RFC 9449 §5
                    : Map.of();
            return client.http().postForm(c.tokenEndpoint(), form, headers);
        }
        if ("client_secret_post".equals(c.tokenEndpointAuthMethod())) {
            form.put("client_id", c.clientId());
            form.put("client_secret", c.clientSecret());
            return client.http().postForm(c.tokenEndpoint(), form, Map.of());
        }
        return client.http().postForm(c.tokenEndpoint(), c.clientId(), c.clientSecret(), form);
    }

    /** RFC 6749 §5.2: invalid_client (401, or 400 from some servers). */
    private static boolean isInvalidClient(Http.Reply r) {
        return (r.status() == 401 || r.status() == 400) && "invalid_client".equals(r.str("error"));
    }

    /** RFC 6749 §5.1. */
    private static AccessToken parse(Http.Reply r, Instant now) {
        String value = r.str("access_token");
        String type = r.str("token_type");
        String lower = type == null ? "" : type.toLowerCase(Locale.ROOT);
        if (value == null || value.isEmpty() || !lower.equals("bearer") && !lower.equals("dpop")) {
            throw new ServerUnavailableException("the token response has no bearer or DPoP access_token");
        }
        Object expiresIn = r.json().get("expires_in");
        long seconds = expiresIn instanceof Long && (Long) expiresIn > 0 ? (Long) expiresIn : 60;
        return new AccessToken(value, r.str("scope"), now, now.plusSeconds(seconds), lower.equals("dpop") ? "DPoP" : "Bearer");
    }

    /** Exponential, capped, with jitter so that many installations do not retry in step. */
    static Duration backoff(int failures) {
        long base = FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 20);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
