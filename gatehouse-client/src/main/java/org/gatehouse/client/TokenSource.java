package org.gatehouse.client;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Access tokens for one installation (RFC 6749 §4.4, client credentials). A token is cached and
 * renewed when three quarters of its lifetime have passed; at most one token request is in flight
 * however many threads ask; after a failure further requests wait out an exponential backoff (a
 * still-valid cached token is returned meanwhile); the client secret is rotated through RFC 7592
 * before it expires. A revoked or deleted registration is reported as
 * {@link RegistrationRevokedException}, and keeps being reported without asking the server again.
 */
public final class TokenSource {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final GatehouseClient client;
    /** RFC 8707 resource (a resource server's audience URI) the tokens are for; null: the server's default audience. */
    private final String resource;
    private final ReentrantLock fetching = new ReentrantLock();
    private volatile AccessToken cached;
    // guarded by fetching
    private int failures;
    private Instant nextAttempt = Instant.MIN;
    private RuntimeException lastFailure;
    private String revokedClientId;

    TokenSource(GatehouseClient client) {
        this(client, null);
    }

    TokenSource(GatehouseClient client, String resource) {
        this.client = client;
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

    public AccessToken token() {
        AccessToken t = cached;
        if (t != null && client.clock().instant().isBefore(t.renewAt())) return t;
        fetching.lock(); // one request in flight: the others wait here and then find the fresh token
        try {
            t = cached;
            Instant now = client.clock().instant();
            if (t != null && now.isBefore(t.renewAt())) return t;
            if (now.isBefore(nextAttempt)) {
                if (t != null && t.usableAt(now)) return t;
                throw new ServerUnavailableException("not asking the server again before " + nextAttempt
                        + " after " + failures + " failed attempt(s); last: " + lastFailure.getMessage(), lastFailure);
            }
            try {
                AccessToken fresh = fetch(now);
                cached = fresh;
                failures = 0;
                nextAttempt = Instant.MIN;
                lastFailure = null;
                return fresh;
            } catch (RegistrationRevokedException e) {
                cached = null;
                throw e;
            } catch (ServerUnavailableException | ServerErrorException e) {
                failures++;
                lastFailure = e;
                nextAttempt = now.plus(backoff(failures));
                if (t != null && t.usableAt(now)) return t; // ride out the outage on the token we have
                throw e;
            }
        } finally {
            fetching.unlock();
        }
    }

    /** Drops the cached token, e.g. after a resource server refused it; the next call asks for a new one. */
    public void invalidate() {
        cached = null;
    }

    /** After unenrolment: nothing cached, nothing remembered. */
    void forget() {
        fetching.lock();
        try {
            cached = null;
            failures = 0;
            nextAttempt = Instant.MIN;
            revokedClientId = null;
        } finally {
            fetching.unlock();
        }
    }

    private AccessToken fetch(Instant now) {
        Credentials c = client.credentials();
        if (c.clientId().equals(revokedClientId)) throw GatehouseClient.revoked(c);
        if (!now.isBefore(c.secretRenewAt())) {
            c = rotateOrRevoked(c); // rotate before client_secret_expires_at (RFC 7591 §3.2.1)
        }
        Http.Reply r = request(c);
        if (isInvalidClient(r)) {
            // Another process may have rotated the secret, or ours expired: rotation settles both;
            // a registration access token the server refuses means the registration is gone.
            c = rotateOrRevoked(c);
            r = request(c);
            if (isInvalidClient(r)) throw markRevoked(c);
        }
        if (r.status() != 200) throw Http.error("token request refused", r);
        return parse(r, now);
    }

    private Credentials rotateOrRevoked(Credentials c) {
        try {
            return client.rotate(c);
        } catch (RegistrationRevokedException e) {
            throw markRevoked(c);
        }
    }

    private RegistrationRevokedException markRevoked(Credentials c) {
        revokedClientId = c.clientId();
        return GatehouseClient.revoked(c);
    }

    /** RFC 6749 §4.4.2, authenticated as registered (§2.3.1). */
    private Http.Reply request(Credentials c) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (client.scope() != null) form.put("scope", client.scope());
        if (resource != null) form.put("resource", resource); // RFC 8707 §2.1
        if ("client_secret_post".equals(c.tokenEndpointAuthMethod())) {
            form.put("client_id", c.clientId());
            form.put("client_secret", c.clientSecret());
            return client.http().postFormNoAuth(c.tokenEndpoint(), form);
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
        if (value == null || value.isEmpty() || type == null || !type.toLowerCase(Locale.ROOT).equals("bearer")) {
            throw new ServerUnavailableException("the token response has no bearer access_token");
        }
        Object expiresIn = r.json().get("expires_in");
        long seconds = expiresIn instanceof Long && (Long) expiresIn > 0 ? (Long) expiresIn : 60;
        return new AccessToken(value, r.str("scope"), now, now.plusSeconds(seconds));
    }

    /** Exponential, capped, with jitter so that many installations do not retry in step. */
    static Duration backoff(int failures) {
        long base = FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 20);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
