package org.gatehouse.server.tokens;

import org.gatehouse.server.domain.ClientKind;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.installations.LastSeen;
import org.gatehouse.server.net.CidrCache;
import org.gatehouse.server.ratelimit.RateLimiter;
import org.gatehouse.server.keys.AccessTokenJwt;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.RevocationStore;
import org.gatehouse.server.text.Text;

/** Access tokens: RFC 9068 JWTs issued by the client_credentials grant, introspected and revoked. */
public final class TokenService {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TokenService.class);

    /** A token as issued (RFC 6749 §5.1); tokenType "DPoP" for a DPoP-bound token (RFC 9449 §5). */
    public record Issued(String accessToken, String tokenType, long expiresIn, String scope) {
    }

    /** What a verified token says. */
    public record Verified(JWTClaimsSet claims, String jti, String clientId, long expiresAt) {
    }

    private final Database db;
    private final ClientStore clients;
    private final RevocationStore revocations;
    private final SigningKeys keys;
    private final Audit audit;
    private final Clock clock;
    private final String issuer;
    private final String audience;
    private final Duration ttl;
    private final RateLimiter perClient;
    private final LastSeen lastSeen;
    private final CidrCache cidrs = new CidrCache();
    /**
     * Tokens whose unreadable ranges were logged: once per token (the token's stored value is what needs correcting,
     * and all its clients would repeat the line), bounded as an LRU of the last 1,024 tokens. Keyed by client, the
     * clients of one bad token that retry in turn, more than the LRU holds, would each push the others out and log a
     * line per request.
     */
    private final org.gatehouse.server.logging.LogOnce reportedUnreadable = new org.gatehouse.server.logging.LogOnce(UNREADABLE_LOGGED);
    /** Tokens remembered as logged for unreadable ranges (see {@link #reportedUnreadable}). */
    static final int UNREADABLE_LOGGED = 1_024;
    private final ClientCache clientCache;
    private final IntrospectionCache introspectionCache;
    private final ResourceCatalog resourceCatalog;
    private final Replays replays;
    private final DPoPProofs dpop;
    private final String tokenEndpoint;

    public TokenService(Database db, ClientStore clients, RevocationStore revocations, SigningKeys keys, Audit audit,
                        Clock clock, String issuer, String audience, Duration ttl, RateLimiter perClient, LastSeen lastSeen,
                        ClientCache clientCache, IntrospectionCache introspectionCache, ResourceCatalog resourceCatalog,
                        Replays replays, DPoPProofs dpop) {
        this.dpop = dpop;
        this.replays = replays;
        this.tokenEndpoint = issuer + "/token";
        this.db = db;
        this.clients = clients;
        this.revocations = revocations;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
        this.issuer = issuer;
        this.audience = audience;
        this.ttl = ttl;
        this.perClient = perClient;
        this.lastSeen = lastSeen;
        this.clientCache = clientCache;
        this.introspectionCache = introspectionCache;
        this.resourceCatalog = resourceCatalog;
    }

    /**
     * RFC 6749 §4.4.2–4.4.3: a token for an authenticated client. The scope is what was asked for,
     * which must lie within the registered scope as narrowed by the admitting initial access token,
     * or all of that when nothing was asked for (RFC 6749 §3.3).
     */
    public Issued issue(ClientRecord client, String requestedScope, String address) {
        return issue(client, requestedScope, List.of(), address, null);
    }

    /**
     * As above, for the resources named by RFC 8707 resource parameters: the token's aud is that URI
     * (or those URIs) and its scope is narrowed to what those resources serve (§2.2). Without any,
     * aud is GATEHOUSE_AUDIENCE. With a DPoP proof (RFC 9449 §5) the token is bound to the proof's key
     * (cnf.jkt); a client registered with dpop_bound_access_tokens (§5.2) must send one.
     *
     * @param dpopProof the DPoP request header, or null
     */
    public Issued issue(ClientRecord client, String requestedScope, List<String> resources, String address, String dpopProof) {
        if (client.kind() != ClientKind.INSTALLATION) {
            throw OAuthError.unauthorizedClient("resource server credentials cannot obtain access tokens");
        }
        long wait = perClient.acquire(client.clientId());
        if (wait > 0) throw OAuthError.rateLimited("token requests from this client", wait);
        switch (cidrs.check(client.iatClientCidrs(), address)) {
            case ALLOWED -> { }
            case REFUSED -> throw OAuthError.unauthorizedClient("this client may not obtain tokens from this address");
            case UNREADABLE -> throw unreadableRanges(client);
        }
        Set<String> allowed = Text.scopeSet(client.scope());
        if (client.iatScope() != null) allowed.retainAll(Text.scopeSet(client.iatScope()));
        ResourceCatalog.Target target = resources.isEmpty() ? null : resourceCatalog.resolve(resources, client.iatResources(), allowed);
        if (target != null && target.scopes() != null) allowed.retainAll(target.scopes());
        Set<String> granted;
        if (requestedScope == null) {
            granted = allowed;
        } else {
            try {
                granted = Text.scopeSet(requestedScope);
            } catch (InvalidInput e) {
                throw OAuthError.invalidScope(e.summary());
            }
            for (String s : granted) {
                if (!allowed.contains(s)) {
                    throw OAuthError.invalidScope("scope '" + Text.printable(s) + "' is not registered for this client"
                            + (target == null ? "" : " or not served by the requested resource"));
                }
            }
        }
        String scope = String.join(" ", granted);
        long now = clock.millis();
        String jkt = dpopProof == null ? null : dpopKey(dpopProof, now);
        if (jkt == null && client.dpopBound()) {
            // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens "MUST" use DPoP at the token endpoint.
            throw OAuthError.invalidDpopProof("this client is registered with dpop_bound_access_tokens: send a DPoP proof (RFC 9449 §5.2)");
        }
        long nowSeconds = now / 1000;
        // RFC 9068 §2.2: the claims of a JWT access token for a client acting on its own behalf.
        Map<String, Object> claims = new LinkedHashMap<>(16);
        claims.put("iss", issuer);
        claims.put("sub", client.clientId());
        claims.put("aud", target == null ? audience : target.audiences().size() == 1 ? target.audiences().get(0) : target.audiences());
        claims.put("exp", nowSeconds + ttl.getSeconds());
        claims.put("iat", nowSeconds);
        claims.put("jti", Secrets.randomId(16));
        claims.put("client_id", client.clientId());
        if (!scope.isEmpty()) claims.put("scope", scope);
        if (client.installationId() != null) claims.put("installation_id", client.installationId());
        if (jkt != null) claims.put("cnf", Map.of("jkt", jkt)); // RFC 9449 §6.1
        String token = keys.ring().accessTokens().sign(claims);
        lastSeen.record(client.installationRef(), client.iatId(), now);
        return new Issued(token, jkt == null ? "Bearer" : "DPoP", ttl.getSeconds(), scope);
    }

    /** RFC 9449 §4.3 at the token endpoint: a valid proof for POST {issuer}/token, its jti not seen before on any node. */
    /**
     * A token request from a client whose admitting token's stored address ranges no longer parse: refused (fails
     * closed) as the server's fault — 500 server_error with the generic body, not an error that blames the client's
     * credentials or counts against it — with one log line per token naming it and the first client refused (the
     * clients retry; the log should not fill).
     */
    private OAuthError unreadableRanges(ClientRecord client) {
        if (reportedUnreadable.first(client.iatId())) {
            LOG.warn("initial access token {}: its stored client_cidrs value does not parse as address ranges, so the clients it"
                    + " admitted are refused tokens (answered 500; first refused: client {}); correct the value or revoke the token",
                    client.iatId(), client.clientId());
        }
        return new OAuthError(500, "server_error", "internal error", null);
    }

    private String dpopKey(String proof, long now) {
        DPoPProofs.Proof p;
        try {
            p = dpop.verify(proof, "POST", tokenEndpoint, null, now);
        } catch (DPoPProofs.Refused e) {
            throw OAuthError.invalidDpopProof(e.getMessage());
        }
        if (!replays.firstUse(Replays.DPOP, p.jkt(), p.jti(), p.replayUntil())) {
            throw OAuthError.invalidDpopProof("the DPoP proof's jti was used before (RFC 9449 §11.1)");
        }
        return p.jkt();
    }

    /**
     * Checks a token's signature, type, issuer and expiry. Empty when it is not one of our valid
     * access tokens.
     */
    public Optional<Verified> verify(String token) {
        if (token == null || token.length() > 8192) return Optional.empty();
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWSHeader header = jwt.getHeader();
            if (!AccessTokenJwt.TYPE.equals(header.getType()) || header.getKeyID() == null) return Optional.empty();
            JWSVerifier verifier = keys.ring().verifiers().get(header.getKeyID());
            if (verifier == null || !jwt.verify(verifier)) return Optional.empty();
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            Object clientId = claims.getClaim("client_id");
            if (!issuer.equals(claims.getIssuer()) || exp == null || !(clientId instanceof String) || claims.getJWTID() == null) {
                return Optional.empty();
            }
            return Optional.of(new Verified(claims, claims.getJWTID(), (String) clientId, exp.getTime()));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The token's client: the caller itself when a client introspects its own token (just looked up), else from the cache. */
    private Optional<ClientRecord> owner(ClientRecord caller, String clientId) {
        if (caller.clientId().equals(clientId)) return Optional.of(caller);
        return clientCache.find(clientId, id -> db.withHandle(h -> clients.find(h, id)));
    }

    /**
     * RFC 7662 §2.2: the introspection response. Inactive when the token is invalid, expired,
     * revoked, its client is revoked or deleted, or it belongs to another client than the caller
     * (a client sees only its own tokens; a resource server those meant for it, see mayAccess).
     */
    public Map<String, Object> introspect(ClientRecord caller, String token) {
        long now = clock.millis();
        Optional<Verified> v = introspectionCache.verify(token, this::verify, now);
        if (v.isEmpty() || v.get().expiresAt() <= now || !mayAccess(caller, v.get())) {
            return Map.of("active", false);
        }
        Verified t = v.get();
        // Both caches answer from the database when disabled (GATEHOUSE_CLIENT_CACHE_TTL=0).
        boolean live = introspectionCache.notRevoked(token, () -> db.withHandle(h -> !revocations.isRevoked(h, t.jti())))
                && owner(caller, t.clientId()).map(ClientRecord::active).orElse(false);
        if (!live) return Map.of("active", false);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("active", true);
        JWTClaimsSet c = t.claims();
        if (c.getClaim("scope") != null) out.put("scope", c.getClaim("scope"));
        out.put("client_id", t.clientId());
        Object cnf = c.getClaim("cnf");
        out.put("token_type", cnf == null ? "Bearer" : "DPoP"); // RFC 9449 §6.2
        out.put("exp", t.expiresAt() / 1000);
        out.put("iat", c.getIssueTime().getTime() / 1000);
        out.put("sub", c.getSubject());
        List<String> aud = c.getAudience();
        out.put("aud", aud.size() == 1 ? aud.get(0) : aud);
        out.put("iss", c.getIssuer());
        out.put("jti", t.jti());
        if (c.getClaim("installation_id") != null) out.put("installation_id", c.getClaim("installation_id"));
        if (cnf != null) out.put("cnf", cnf); // RFC 9449 §6.2: {"jkt": ...}
        return out;
    }

    /**
     * RFC 7009 §2.1: revokes a token. An invalid or expired token needs nothing (§2.2: still 200);
     * a token of another client is refused unless the caller is a resource server it is meant for.
     */
    public void revoke(ClientRecord caller, String token, Actor actor) {
        Optional<Verified> v = verify(token);
        long now = clock.millis();
        if (v.isEmpty() || v.get().expiresAt() <= now) return;
        Verified t = v.get();
        if (!mayAccess(caller, t)) {
            throw OAuthError.unauthorizedClient("the token was not issued to this client");
        }
        db.inTransaction(h -> {
            if (revocations.insert(h, t.jti(), t.clientId(), t.expiresAt(), now)) {
                audit.record(h, now, new Actor("client:" + caller.clientId(), actor.remoteAddr()), "token.revoke", t.clientId(),
                        Map.of("jti", t.jti()));
            }
            return null;
        });
        introspectionCache.revoked();
    }

    /**
     * A client sees its own tokens. A resource server that declared an audience sees the tokens meant
     * for it (aud contains its audience, RFC 9068 §4) and no others; a resource-server credential
     * whose own record has no audience (made before resource indicators) sees every token. The
     * audience comes from the caller's record, never from the catalog: a credential the catalog does
     * not know yet (made elsewhere) or no longer (revoked) must not see everything (fail closed).
     */
    private boolean mayAccess(ClientRecord caller, Verified t) {
        if (caller.kind() != ClientKind.RESOURCE_SERVER) return caller.clientId().equals(t.clientId());
        return caller.audience() == null || t.claims().getAudience().contains(caller.audience());
    }
}
