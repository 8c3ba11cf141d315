package org.gatehouse.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Verifies Gatehouse access tokens offline, for resource servers: RFC 9068 §4 (typ {@code at+jwt},
 * iss, aud, exp, signature with a key of the issuer's JWK Set) plus the scopes a request needs.
 * The JWK Set is fetched once and cached; a token signed with an unknown key id makes it fetch the
 * set again (key rollover), at most once per {@code minRefetchInterval}, so that garbage tokens
 * cannot make it hammer the server. A token whose key cannot be checked yet (the set could not be
 * fetched, or a fetch is in progress, or a failed one is being rate limited) is answered with
 * {@link ServerUnavailableException} (503), never {@link InvalidTokenException} (401): clients that
 * renew their token on 401 would otherwise flood the server as it comes back. Thread-safe; keep one
 * per issuer, and close it when done (it releases the HTTP client it made, if any).
 *
 * <p>Offline verification cannot see revocation before a token expires: ask the introspection
 * endpoint (RFC 7662) where revocation must take effect at once.
 *
 * <p>DPoP-bound tokens (RFC 9449, a {@code cnf.jkt} claim) are verified with their proof by
 * {@link #verifyRequest}; {@link #verify} refuses them, as a Bearer token must not be one (§7.2).
 */
public final class TokenVerifier implements AutoCloseable {
    private static final Set<String> TYPES = Set.of("at+jwt", "application/at+jwt");
    private static final int MAX_TOKEN = 8192;

    private final String issuer;
    private final String audience;
    private final Http http;
    private final JdkTransport ownTransport;
    private final Clock clock;
    private final Duration skew;
    private final Duration minRefetch;
    private final Duration maxAge;
    private final URI configuredJwksUri;
    private final Set<String> algorithms;
    private final Duration proofMaxAge;
    /** RFC 9449 §11.1: the DPoP proofs accepted and the keys refused for a while; see {@link ReplayStore}. */
    private final ReplayStore seenProofs;
    static final int MAX_SEEN_PROOFS = 100_000;
    private static final Set<String> PROOF_ALGS = Set.of("ES256", "EdDSA");
    private static final int MAX_PROOF = 4096;

    private final ReentrantLock lock = new ReentrantLock();
    private volatile Map<String, Jwk> keys = Map.of();
    private volatile Instant fetchedAt = Instant.MIN;
    private Instant lastAttempt = Instant.MIN;      // guarded by lock: when the last fetch ended
    private ServerUnavailableException lastFailure; // guarded by lock: why it failed, or null
    private URI jwksUri;                            // guarded by lock

    private TokenVerifier(Builder b) {
        this.issuer = b.issuer;
        this.audience = b.audience == null ? b.issuer : b.audience;
        this.ownTransport = b.transport == null ? new JdkTransport() : null;
        this.http = new Http(ownTransport != null ? ownTransport : b.transport);
        this.clock = b.clock;
        this.skew = b.skew;
        this.minRefetch = b.minRefetch;
        this.maxAge = b.maxAge;
        this.configuredJwksUri = b.jwksUri;
        this.algorithms = Set.copyOf(b.algorithms);
        this.proofMaxAge = b.proofMaxAge;
        this.seenProofs = new ReplayStore(b.maxSeenProofs);
    }

    /** How many entries the DPoP replay store holds (for tests: it stays bounded). */
    int seenProofCount() {
        return seenProofs.size();
    }

    /** The transport this verifier made, or null when the application gave one (for tests: what was started). */
    JdkTransport ownTransport() {
        return ownTransport;
    }

    /** @param issuer the issuer exactly as in the tokens' iss claim and the server's metadata */
    public static Builder builder(String issuer) {
        return new Builder(issuer);
    }

    /**
     * @param requiredScopes scopes the token must all carry (RFC 9068 §4: the resource server decides)
     * @throws InsufficientScopeException only a scope is missing: answer 403 with error="insufficient_scope"
     * @throws InvalidTokenException the token is not acceptable: answer 401 with error="invalid_token"
     * @throws ServerUnavailableException the token's key cannot be checked yet (the JWK Set could not
     *         be fetched, or is being fetched): answer 503, not 401
     */
    public VerifiedToken verify(String token, String... requiredScopes) {
        Map<String, Object> claims = verifiedClaims(token);
        // RFC 9449 §7.2: a DPoP-bound token sent as a Bearer token is refused (it may have been stolen without its key)
        if (claims.containsKey("cnf")) throw new InvalidTokenException("a DPoP-bound token must be sent with the DPoP scheme and a proof");
        return checkClaims(claims, requiredScopes);
    }

    /**
     * Verifies the access token of one request from its {@code Authorization} header, with its
     * {@code DPoP} header when the scheme is DPoP (RFC 9449 §7.1): the token as {@link #verify} does,
     * then the proof (§4.3): one JWS with {@code typ: dpop+jwt}, {@code alg} ES256 or EdDSA, a public
     * {@code jwk} that signed it, {@code htm} = {@code method}, {@code htu} = {@code url} without query
     * and fragment, {@code iat} within the proof age (2 minutes by default) and the clock skew,
     * {@code ath} = the token's hash, {@code jti} not seen before by this verifier (within the proof
     * age), and the token's {@code cnf.jkt} = the thumbprint of the proof's key (RFC 7638).
     * A DPoP-bound token with the Bearer scheme is refused.
     *
     * @param authorization the Authorization header ({@code Bearer <token>} or {@code DPoP <token>})
     * @param dpop the DPoP header, or null when there is none (the caller refuses a request with more than one)
     * @param method the request's HTTP method
     * @param url the URL the request was sent to, as the client saw it (scheme, host and port of the
     *        public endpoint, behind a proxy too)
     * @throws InvalidDpopProofException the proof is missing or not acceptable: 401 with
     *         {@code WWW-Authenticate: DPoP error="invalid_dpop_proof"}
     * @throws InvalidTokenException the token is not acceptable: 401 with {@code error="invalid_token"}
     *         in a challenge of the request's scheme
     * @throws InsufficientScopeException as for {@link #verify}
     * @throws ServerUnavailableException as for {@link #verify}
     */
    public VerifiedToken verifyRequest(String authorization, String dpop, String method, String url, String... requiredScopes) {
        if (authorization == null) throw new InvalidTokenException("no Authorization header");
        int sp = authorization.indexOf(' ');
        String scheme = sp < 0 ? authorization : authorization.substring(0, sp);
        String token = sp < 0 ? "" : authorization.substring(sp + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) return verify(token, requiredScopes);
        if (!scheme.equalsIgnoreCase("DPoP")) throw new InvalidTokenException("the Authorization scheme is neither Bearer nor DPoP");
        String requestUrl = normalisedUrl(url);
        if (requestUrl == null) {
            // the integrator's mistake, not the client's: a relative URL would match proofs for any host
            throw new IllegalArgumentException("url must be the absolute http(s) URL of the request, with its host: " + url);
        }
        Map<String, Object> claims = verifiedClaims(token);
        Object cnf = claims.get("cnf");
        Object jkt = cnf instanceof Map ? ((Map<?, ?>) cnf).get("jkt") : null;
        if (!(jkt instanceof String)) throw new InvalidTokenException("the token is not DPoP-bound (no cnf.jkt) but was sent with the DPoP scheme");
        checkClaims(claims); // the token is valid before the proof's jti is spent
        checkProof(dpop, token, (String) jkt, method, requestUrl);
        return checkClaims(claims, requiredScopes); // a missing scope (403) only for a request that is otherwise sound
    }

    /** RFC 9449 §4.3 checks of the proof, and §7.1: its ath and its key's thumbprint bind it to the token. */
    private void checkProof(String proof, String token, String jkt, String method, String requestUrl) {
        if (proof == null || proof.isEmpty()) throw new InvalidDpopProofException("no DPoP proof");
        if (proof.length() > MAX_PROOF) throw new InvalidDpopProofException("the DPoP proof is too long");
        String[] parts = proof.split("\\.", -1);
        if (parts.length != 3) throw new InvalidDpopProofException("the DPoP proof is not a compact JWS");
        Map<String, Object> h;
        Map<String, Object> c;
        byte[] sig;
        try {
            h = Json.parseObject(new String(Jwk.b64(parts[0]), StandardCharsets.UTF_8));
            c = Json.parseObject(new String(Jwk.b64(parts[1]), StandardCharsets.UTF_8));
            sig = Jwk.b64(parts[2]);
        } catch (Json.JsonException | IllegalArgumentException e) {
            throw new InvalidDpopProofException("the DPoP proof is not base64url JSON");
        }
        if (!"dpop+jwt".equals(h.get("typ"))) throw new InvalidDpopProofException("typ is not dpop+jwt");
        Object alg = h.get("alg");
        if (!(alg instanceof String) || !PROOF_ALGS.contains(alg)) throw new InvalidDpopProofException("alg not accepted: " + alg);
        if (h.containsKey("crit")) throw new InvalidDpopProofException("unsupported critical header parameters");
        if (!(h.get("jwk") instanceof Map)) throw new InvalidDpopProofException("no jwk");
        @SuppressWarnings("unchecked")
        Map<String, Object> jwk = (Map<String, Object>) h.get("jwk");
        for (String priv : new String[] {"d", "p", "q", "dp", "dq", "qi", "k"}) {
            if (jwk.containsKey(priv)) throw new InvalidDpopProofException("the jwk holds a private key");
        }
        Map<String, Object> withKid = new LinkedHashMap<>(jwk);
        withKid.put("kid", "dpop");
        withKid.remove("use");
        Jwk key = Jwk.parse(withKid);
        if (key == null || !key.alg.equals(alg)) throw new InvalidDpopProofException("the jwk is not an " + alg + " public key");
        if (!key.verify((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), sig)) {
            throw new InvalidDpopProofException("bad signature");
        }
        Object jti = c.get("jti");
        if (!(jti instanceof String) || ((String) jti).isEmpty() || ((String) jti).length() > 256) throw new InvalidDpopProofException("no jti");
        if (!(c.get("htm") instanceof String) || !c.get("htm").equals(method)) throw new InvalidDpopProofException("htm is not " + method);
        Object htu = c.get("htu");
        if (!(htu instanceof String) || !requestUrl.equals(normalisedUrl((String) htu))) {
            throw new InvalidDpopProofException("htu is not this request's URL");
        }
        Instant now = clock.instant();
        Instant iat = epochSeconds(c.get("iat"));
        if (iat == null) throw new InvalidDpopProofException("iat is missing or not a time (RFC 7519 NumericDate)");
        if (iat.isAfter(now.plus(skew)) || iat.isBefore(now.minus(proofMaxAge))) throw new InvalidDpopProofException("iat is outside the accepted window");
        if (!ClientKey.ath(token).equals(c.get("ath"))) throw new InvalidDpopProofException("ath is not the hash of the access token");
        if (!jkt.equals(ClientKey.thumbprint(thumbprintMembers(jwk)))) {
            throw new InvalidTokenException("the token is bound to another key than the proof's (cnf.jkt)");
        }
        // kept until the proof's iat leaves the acceptance window (iat >= now - proofMaxAge), with a second to spare
        seenProofs.remember(jkt, (String) jti, iat.plus(proofMaxAge).plusSeconds(1), now);
    }

    /**
     * RFC 9449 §11.1: the jti of each accepted proof, per key (jkt), until the proof is too old to
     * be accepted again. Memory is bounded by {@code capacity} entries (jti and refused keys).
     * When it is full, expired entries go first; if none has expired, the key holding the most
     * entries loses them all and is refused (503) until the last of them would have expired: its
     * replays stay refused, and one client flooding with a valid token cannot lock the others out
     * (a global limit would answer 503 to everyone). Guarded by its own monitor.
     */
    static final class ReplayStore {
        private final int capacity;
        private final Map<String, Map<String, Instant>> byKey = new java.util.HashMap<>();
        private final Map<String, Instant> refused = new java.util.HashMap<>(); // jkt -> refused until
        private int size; // jti entries plus refused keys

        ReplayStore(int capacity) {
            this.capacity = capacity;
        }

        synchronized void remember(String jkt, String jti, Instant until, Instant now) {
            Instant refusedUntil = refused.get(jkt);
            if (refusedUntil != null) {
                if (refusedUntil.isAfter(now)) throw tooMany();
                refused.remove(jkt);
                size--;
            }
            Map<String, Instant> seen = byKey.get(jkt);
            Instant before = seen == null ? null : seen.get(jti);
            if (before != null && before.isAfter(now)) throw new InvalidDpopProofException("the DPoP proof was used before (jti)");
            if (before == null && size >= capacity) {
                removeExpired(now);
                if (size >= capacity && refuseLargest(jkt, now).equals(jkt)) throw tooMany();
                seen = byKey.get(jkt);
            }
            if (seen == null) byKey.put(jkt, seen = new java.util.HashMap<>());
            if (seen.put(jti, until) == null) size++;
        }

        private void removeExpired(Instant now) {
            for (var it = byKey.values().iterator(); it.hasNext();) {
                Map<String, Instant> seen = it.next();
                int n = seen.size();
                seen.values().removeIf(until -> !until.isAfter(now));
                size -= n - seen.size();
                if (seen.isEmpty()) it.remove();
            }
            int n = refused.size();
            refused.values().removeIf(until -> !until.isAfter(now));
            size -= n - refused.size();
        }

        /**
         * Drops the entries of the key holding the most and refuses it until they would have
         * expired; returns that key, or {@code jkt} (to be refused) when no key holds two.
         */
        private String refuseLargest(String jkt, Instant now) {
            String largest = null;
            int most = 0;
            for (Map.Entry<String, Map<String, Instant>> e : byKey.entrySet()) {
                if (e.getValue().size() > most) {
                    most = e.getValue().size();
                    largest = e.getKey();
                }
            }
            // every key holds one entry at most (or none: only refused keys): refusing one would free nothing,
            // so the newcomer waits, and memory stays bounded
            if (most < 2) return jkt;
            Instant until = now;
            for (Instant t : byKey.remove(largest).values()) if (t.isAfter(until)) until = t;
            size -= most;
            refused.put(largest, until);
            size++;
            return largest;
        }

        private static ServerUnavailableException tooMany() {
            return new ServerUnavailableException("too many DPoP proofs of this key to remember right now; retry later");
        }

        synchronized int size() {
            return size;
        }
    }

    /** RFC 7638 §3.2: the required members of an EC or OKP public JWK. */
    private static Map<String, Object> thumbprintMembers(Map<String, Object> jwk) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : "EC".equals(jwk.get("kty")) ? new String[] {"crv", "kty", "x", "y"} : new String[] {"crv", "kty", "x"}) {
            m.put(k, jwk.get(k));
        }
        return m;
    }

    /**
     * RFC 9449 §4.3 step 9: compared without query and fragment, after RFC 3986 §6.2.2/§6.2.3
     * normalisation; null for what is not an absolute http(s) URL with an authority (never equal to
     * anything: fail closed). A host Java cannot parse (reports_api:8080, with an underscore) is
     * compared as its raw authority, lower-cased, with the scheme's default port removed, as the
     * server's DPoPProofs.htu does; it never collapses to an empty host.
     */
    static String normalisedUrl(String u) {
        if (u == null) return null;
        try {
            URI uri = new URI(u).normalize();
            if (uri.getScheme() == null || uri.isOpaque()) return null;
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) return null;
            String authority = uri.getRawAuthority();
            if (authority == null || authority.isEmpty()) return null;
            String host;
            int port;
            if (uri.getHost() != null) {
                host = uri.getHost().toLowerCase(Locale.ROOT);
                port = uri.getPort();
                if (port == 443 && scheme.equals("https") || port == 80 && scheme.equals("http")) port = -1;
            } else {
                host = authority.toLowerCase(Locale.ROOT); // a registry-based authority: compared as written
                String defaultPort = scheme.equals("https") ? ":443" : ":80";
                if (host.endsWith(defaultPort)) host = host.substring(0, host.length() - defaultPort.length());
                port = -1;
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return scheme + "://" + host + (port < 0 ? "" : ":" + port) + path;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /** The claims of a token whose header and signature RFC 9068 §4 accepts. */
    private Map<String, Object> verifiedClaims(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN) throw new InvalidTokenException("no token or too long");
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) throw new InvalidTokenException("not a signed JWT (RFC 7515 compact serialisation)");
        Map<String, Object> header = jsonPart(parts[0], "header");
        Map<String, Object> claims = jsonPart(parts[1], "payload");
        byte[] signature;
        try {
            signature = Jwk.b64(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("signature is not base64url");
        }
        checkHeader(header);
        Jwk key = key((String) header.get("kid"));
        if (!key.alg.equals(header.get("alg"))) throw new InvalidTokenException("alg does not match the key's algorithm");
        byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!key.verify(input, signature)) throw new InvalidTokenException("bad signature");
        return claims;
    }

    /** RFC 9068 §4 steps 1–3 on the header; RFC 7515 §4.1.11 for crit. */
    private void checkHeader(Map<String, Object> h) {
        Object typ = h.get("typ");
        if (!(typ instanceof String) || !TYPES.contains(((String) typ).toLowerCase(Locale.ROOT))) {
            throw new InvalidTokenException("typ must be at+jwt (RFC 9068 §2.1)");
        }
        Object alg = h.get("alg");
        if (!(alg instanceof String) || !algorithms.contains(alg)) throw new InvalidTokenException("algorithm not accepted: " + alg);
        if (h.containsKey("crit")) throw new InvalidTokenException("unsupported critical header parameters");
        if (!(h.get("kid") instanceof String)) throw new InvalidTokenException("no kid");
    }

    private VerifiedToken checkClaims(Map<String, Object> c) {
        return checkClaims(c, new String[0]);
    }

    private VerifiedToken checkClaims(Map<String, Object> c, String[] requiredScopes) {
        if (!issuer.equals(c.get("iss"))) throw new InvalidTokenException("iss is not " + issuer); // RFC 9068 §4 step 4
        if (!audiences(c.get("aud")).contains(audience)) throw new InvalidTokenException("aud does not include " + audience); // step 5
        Instant now = clock.instant();
        Instant exp = time(c, "exp", true);
        if (!now.minus(skew).isBefore(exp)) throw new InvalidTokenException("expired at " + exp); // step 7
        Instant nbf = time(c, "nbf", false);
        if (nbf != null && now.plus(skew).isBefore(nbf)) throw new InvalidTokenException("not valid before " + nbf);
        Instant iat = time(c, "iat", false);
        if (iat != null && now.plus(skew).isBefore(iat)) throw new InvalidTokenException("issued in the future");
        Object sub = c.get("sub");
        Object clientId = c.get("client_id");
        if (!(sub instanceof String) || !(clientId instanceof String)) throw new InvalidTokenException("sub and client_id are required (RFC 9068 §2.2)");
        Set<String> scopes = new LinkedHashSet<>();
        Object scope = c.get("scope");
        if (scope instanceof String) {
            for (String s : ((String) scope).split(" ")) if (!s.isEmpty()) scopes.add(s);
        }
        for (String need : requiredScopes) {
            if (!scopes.contains(need)) throw new InsufficientScopeException(need); // RFC 6750 §3.1: 403, not 401
        }
        Object jti = c.get("jti");
        Object inst = c.get("installation_id");
        return new VerifiedToken((String) sub, (String) clientId, Collections.unmodifiableSet(scopes), exp,
                jti instanceof String ? (String) jti : null, inst instanceof String ? (String) inst : null,
                Collections.unmodifiableMap(c));
    }

    private static List<?> audiences(Object aud) {
        if (aud instanceof String) return List.of(aud);
        if (aud instanceof List) return (List<?>) aud;
        return List.of();
    }

    private static Instant time(Map<String, Object> c, String name, boolean required) {
        Object v = c.get(name);
        if (v == null && !required) return null;
        Instant t = epochSeconds(v);
        if (t == null) throw new InvalidTokenException(name + " is missing or not a time (RFC 7519 NumericDate)");
        return t;
    }

    /** The latest NumericDate accepted: 9999-12-31T23:59:59Z; anything later is a malformed claim, not a time. */
    private static final long MAX_EPOCH_SECOND = 253_402_300_799L;

    /**
     * RFC 7519 §2 NumericDate: a JSON number of seconds since the epoch, from 0 to the year 9999;
     * null for anything else (1e300, -1, a string), so that no claim can make Instant throw.
     */
    static Instant epochSeconds(Object v) {
        if (!(v instanceof Number)) return null;
        double d = ((Number) v).doubleValue();
        if (!(d >= 0 && d <= MAX_EPOCH_SECOND)) return null; // NaN fails too
        return Instant.ofEpochSecond(v instanceof Long || v instanceof Integer ? ((Number) v).longValue() : (long) d);
    }

    private static Map<String, Object> jsonPart(String part, String what) {
        try {
            return Json.parseObject(new String(Jwk.b64(part), StandardCharsets.UTF_8));
        } catch (Json.JsonException | IllegalArgumentException e) {
            throw new InvalidTokenException("the JWT " + what + " is not base64url JSON");
        }
    }

    /**
     * The key for a kid: from the cache, or after a (rate-limited) refetch of the JWK Set. Unknown
     * (401) only when a set fetched successfully lacks it; while the set cannot be fetched, 503.
     */
    private Jwk key(String kid) {
        Jwk k = keys.get(kid);
        if (k != null && clock.instant().isBefore(fetchedAt.plus(maxAge))) return k;
        if (!lock.tryLock()) {
            if (k != null) return k; // another thread is fetching: the key we have serves meanwhile
            throw new ServerUnavailableException("cannot check key id " + kid + " yet: the issuer's JWK Set is being fetched");
        }
        try {
            Instant now = clock.instant();
            k = keys.get(kid);
            if (k != null && now.isBefore(fetchedAt.plus(maxAge))) return k;
            if (now.isBefore(lastAttempt.plus(minRefetch))) {
                if (k != null) return k; // stale but known: better than nothing while refetching is rate limited
                if (lastFailure != null) throw cannotCheck(kid, lastFailure);
                throw new InvalidTokenException("unknown key id " + kid); // the set fetched moments ago has no such key
            }
            try {
                refresh(now);
                lastFailure = null;
                lastAttempt = clock.instant(); // the rate limit counts from the end of the attempt
            } catch (ServerUnavailableException e) {
                lastFailure = e;
                lastAttempt = clock.instant();
                if (k != null) return k;           // keep verifying with the keys we had
                throw cannotCheck(kid, e);
            }
            k = keys.get(kid);
            if (k == null) throw new InvalidTokenException("unknown key id " + kid);
            return k;
        } finally {
            lock.unlock();
        }
    }

    private ServerUnavailableException cannotCheck(String kid, ServerUnavailableException cause) {
        return new ServerUnavailableException("cannot check key id " + kid + " yet: the issuer's JWK Set cannot be fetched ("
                + cause.getMessage() + "); next attempt not before " + lastAttempt.plus(minRefetch), cause);
    }

    /** Releases the HTTP client this verifier made (none when a transport was given). */
    @Override
    public void close() {
        if (ownTransport != null) ownTransport.close();
    }

    private void refresh(Instant now) {
        if (jwksUri == null) {
            jwksUri = configuredJwksUri != null ? configuredJwksUri : ServerMetadata.discover(http, issuer).jwksUri();
        }
        Http.Reply r = http.get(jwksUri, null);
        if (r.status() != 200) throw new ServerUnavailableException("JWK Set at " + jwksUri + ": HTTP " + r.status());
        Object list = r.json().get("keys");
        if (!(list instanceof List)) throw new ServerUnavailableException("JWK Set at " + jwksUri + " has no keys array");
        Map<String, Jwk> loaded = new LinkedHashMap<>();
        for (Object o : (List<?>) list) {
            if (!(o instanceof Map)) continue;
            @SuppressWarnings("unchecked")
            Jwk k = Jwk.parse((Map<String, Object>) o);
            if (k != null && algorithms.contains(k.alg)) loaded.putIfAbsent(k.kid, k);
        }
        keys = Map.copyOf(loaded);
        fetchedAt = now;
    }

    public static final class Builder {
        private final String issuer;
        private String audience;
        private URI jwksUri;
        private Transport transport; // null: the verifier makes (and closes) its own JDK transport
        private Clock clock = Clock.systemUTC();
        private Duration skew = Duration.ofSeconds(30);
        private Duration minRefetch = Duration.ofSeconds(30);
        private Duration maxAge = Duration.ofHours(1);
        private Set<String> algorithms = Set.of("ES256", "EdDSA", "RS256");
        private Duration proofMaxAge = Duration.ofMinutes(2);
        private int maxSeenProofs = MAX_SEEN_PROOFS;

        private Builder(String issuer) {
            this.issuer = Http.checkedUri(Objects.requireNonNull(issuer, "issuer"), "issuer").toString();
        }

        /** The audience this resource server expects in aud; the issuer by default (Gatehouse's default). */
        public Builder audience(String aud) {
            this.audience = aud;
            return this;
        }

        /** The JWK Set URL; by default it is discovered from the issuer's RFC 8414 metadata. */
        public Builder jwksUri(String uri) {
            this.jwksUri = Http.checkedUri(uri, "jwks_uri");
            return this;
        }

        public Builder transport(Transport t) {
            this.transport = Objects.requireNonNull(t);
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /** Tolerated clock difference for exp, nbf and iat. */
        public Builder clockSkew(Duration d) {
            this.skew = Objects.requireNonNull(d);
            return this;
        }

        /** The least time between two fetches of the JWK Set caused by unknown key ids. */
        public Builder minRefetchInterval(Duration d) {
            this.minRefetch = Objects.requireNonNull(d);
            return this;
        }

        /** How long a fetched JWK Set is used before it is fetched again. */
        public Builder maxKeySetAge(Duration d) {
            this.maxAge = Objects.requireNonNull(d);
            return this;
        }

        /** The JWS algorithms accepted (a subset of ES256, EdDSA, RS256). */
        public Builder algorithms(String... algs) {
            this.algorithms = Set.of(algs);
            return this;
        }

        /** How old a DPoP proof's iat may be (RFC 9449 §11.1; 2 minutes by default); its jti is remembered that long. */
        public Builder dpopProofMaxAge(Duration d) {
            this.proofMaxAge = Objects.requireNonNull(d);
            return this;
        }

        /** How many DPoP proof jti are remembered at most (100,000 by default): for tests. */
        Builder maxSeenProofs(int n) {
            if (n < 2) throw new IllegalArgumentException("maxSeenProofs must be at least 2");
            this.maxSeenProofs = n;
            return this;
        }

        public TokenVerifier build() {
            return new TokenVerifier(this);
        }
    }
}
