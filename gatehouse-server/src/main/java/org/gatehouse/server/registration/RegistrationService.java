package org.gatehouse.server.registration;

import org.gatehouse.server.domain.ClientKind;

import org.gatehouse.server.domain.ClientMetadata;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.net.Cidr;
import org.gatehouse.server.ratelimit.RateLimiter;
import org.gatehouse.server.statements.SoftwareStatements;
import org.gatehouse.server.statements.StatementVerifier;
import org.gatehouse.server.store.Sql;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.GroupCommit;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.store.IatStore;
import org.jdbi.v3.core.Handle;

/**
 * The rules of dynamic registration (RFC 7591) and registration management (RFC 7592): who may
 * register, what is registered, how credentials are issued, rotated and withdrawn.
 */
public final class RegistrationService {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegistrationService.class);
    /** Said to a registration (or update) whose admitting token's stored address ranges no longer parse. */
    /** Tokens whose unreadable client_cidrs have been logged: once each, bounded as an LRU of the last 1,024. */
    private final org.gatehouse.server.logging.LogOnce reportedUnreadable = new org.gatehouse.server.logging.LogOnce(1_024);
    /** RFC 7592 §2.2: fields a client must not send in an update. */
    static final List<String> FORBIDDEN_IN_UPDATE =
            List.of("registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at");
    /** Extension: a client asks for a new client secret in an RFC 7592 update by sending this as true. */
    public static final String ROTATE_SECRET = "rotate_client_secret";

    /** A client as just registered or updated; secret is null when no new secret was issued. */
    public record Issued(ClientRecord client, String secret, String registrationAccessToken) {
    }

    private final Database db;
    private final ClientStore clients;
    private final IatStore iatStore;
    private final IatService iats;
    private final Secrets secrets;
    private final Audit audit;
    private final Clock clock;
    private final Duration secretTtl;
    private final InstallationService installations;
    private final RateLimiter perToken;
    private final RateLimiter perAddress;
    private final SoftwareStatements statements;
    /** Registrations' transactions: concurrent ones share a commit (issue 18 Must 3), each in a savepoint of its own. */
    private final GroupCommit writes;

    public RegistrationService(Database db, GroupCommit writes, ClientStore clients, IatStore iatStore, IatService iats, Secrets secrets,
                               Audit audit, Clock clock, Duration secretTtl, InstallationService installations,
                               RateLimiter perToken, RateLimiter perAddress, SoftwareStatements statements) {
        this.db = db;
        this.writes = writes;
        this.clients = clients;
        this.iatStore = iatStore;
        this.iats = iats;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.secretTtl = secretTtl;
        this.installations = installations;
        this.perToken = perToken;
        this.perAddress = perAddress;
        this.statements = statements;
    }

    /**
     * RFC 7591 §3: registers a client admitted by the presented initial access token, linked to its
     * installation, under the token's policy (scopes, software ids, client addresses, re-registration).
     */
    public Issued register(String initialAccessToken, Map<String, Object> request, Actor actor) {
        String address = actor.remoteAddr();
        limit(perAddress, address == null ? "-" : address, "registrations from this address");
        long now = clock.millis();
        IatRecord iat = usableIat(initialAccessToken, now);
        limit(perToken, iat.id(), "registrations with this initial access token");
        checkAddress(iat, address);
        // RFC 7591 §2.3: a software statement is verified and its claims take precedence.
        SoftwareStatements.Applied statement = statements.forRegistration(iat, request, now);
        ClientMetadata md = db.withHandle(h -> admitted(h, iat, statement, iat.scope(), address));
        // A key-bound client (private_key_jwt) gets no secret: it proves possession of its registered key.
        String secret = md.keyBound() ? null : Secrets.newSecret(Secrets.CLIENT_SECRET);
        String rat = Secrets.newSecret(Secrets.REGISTRATION_ACCESS_TOKEN);
        String clientId = Secrets.randomId(16);
        Actor asToken = new Actor("iat:" + iat.id(), address);
        for (int attempt = 1; ; attempt++) {
            try {
                // Group commit: run by the registrations' writer with others that arrived meanwhile, each in a savepoint
                // (a refusal here rolls back this registration only); returns once the shared commit is durable.
                ClientRecord client = writes.inTransaction(h -> {
                    if (!iatStore.consumeOne(h, iat.id(), now)) {
                        throw OAuthError.invalidToken("the initial access token has no registrations left");
                    }
                    InstallationService.Attached attached = installations.attach(h, iat, md, now, asToken);
                    String ref = attached.ref();
                    ClientRecord c = ClientRecord.builder().clientId(clientId).kind(ClientKind.INSTALLATION).iatId(iat.id())
                            .secretHash(secret == null ? null : secrets.hash(secret)).secretIssuedAt(now)
                            .secretExpiresAt(secret == null ? 0 : secretExpiry(now)).ratHash(secrets.hash(rat))
                            .authMethod(md.authMethod()).scope(md.scope()).clientName(md.clientName()).softwareId(md.softwareId())
                            .softwareVersion(md.softwareVersion()).installationId(md.installationId())
                            .metadata(SoftwareStatements.metadataJson(md, statement)).createdAt(now).updatedAt(now)
                            .iatScope(iat.scope()).installationRef(ref).iatClientCidrs(iat.clientCidrs() == null ? null : Cidr.joined(iat.clientCidrs()))
                            .jwks(jwksJson(md)).authSigningAlg(md.authSigningAlg()).dpopBound(md.dpopBound()).build();
                    clients.insert(h, c);
                    statements.record(h, clientId, statement, now);
                    Map<String, Object> details = registrationDetails(md);
                    if (statement.publisher() != null) details.put("statement_publisher", statement.publisher());
                    details.put("installation", ref);
                    if (attached.created()) details.put("installation_created", true);
                    audit.record(h, now, asToken, "client.register", clientId, details);
                    return c;
                });
                return new Issued(client, secret, rat);
            } catch (InstallationService.CloneBlocked e) {
                installations.flagBlocked(e.installationRef, asToken);
                throw OAuthError.invalidClientMetadata("this installation registers too often (" + InstallationService.CLONE_REASON
                        + "): registration blocked; ask the issuer of the token file");
            } catch (RuntimeException e) {
                // Two first registrations of one installation raced: the loser retries and finds it.
                if (attempt >= 3 || !Sql.isUniqueViolation(e)) throw e;
            }
        }
    }

    /**
     * The admitting token's rules on a client's metadata, the same for a registration (RFC 7591 §3)
     * and for every update (RFC 7592 §2.2 — the server may reject updated values as it may reject
     * registered ones), so an update cannot reach what registering could not: the client address
     * ranges, the statement policy (required publishers, signed software ids), the scopes, the
     * software ids. {@code defaultScope} is what an omitted scope means.
     */
    private ClientMetadata admitted(Handle h, IatRecord iat, SoftwareStatements.Applied statement, String defaultScope, String address) {
        checkAddress(iat, address);
        statements.checkPolicy(h, iat, statement);
        ClientMetadata md = MetadataRules.check(statement.request(), new LinkedHashSet<>(iat.scopes()), defaultScope);
        // Issue 17 policy of the admitting token, for registrations and every update alike.
        if (iat.requireKeyBound() && !md.keyBound()) {
            throw OAuthError.invalidClientMetadata("this initial access token admits key-bound installations only:"
                    + " register with token_endpoint_auth_method private_key_jwt and the public key in jwks (RFC 7523)");
        }
        if (iat.requireDpop() && !md.dpopBound()) {
            throw OAuthError.invalidClientMetadata("this initial access token admits DPoP-bound installations only:"
                    + " register with dpop_bound_access_tokens true (RFC 9449 §5.2)");
        }
        if (iat.softwareIds() != null && (md.softwareId() == null || !iat.softwareIds().contains(md.softwareId()))) {
            throw OAuthError.invalidClientMetadata("software_id must be one of those the initial access token allows");
        }
        return md;
    }

    private void checkAddress(IatRecord iat, String address) {
        if (iat.clientCidrsUnreadable() != null) { // fail closed, here only: the row itself still reads and shows
            // The server's data, not the caller's credential: 500 server_error with the generic body (RFC 6749 §5.2 has
            // no code for it; RFC 6749 §4.1.2.1 names server_error), never a 401 that the failure guard would count
            // against the caller's address. One log line per token.
            if (reportedUnreadable.first(iat.id())) {
                LOG.warn("initial access token {}: its stored client_cidrs value does not parse as address ranges, so it admits"
                        + " no registration (answered 500); replace the token (or correct the value)", iat.id());
            }
            throw new OAuthError(500, "server_error", "internal error", null);
        }
        if (address != null && !iat.allowsAddress(address)) {
            throw OAuthError.invalidToken("the initial access token's address ranges do not include this address");
        }
    }

    private static void limit(RateLimiter limiter, String key, String what) {
        long wait = limiter.acquire(key);
        if (wait > 0) throw OAuthError.rateLimited(what, wait);
    }

    private IatRecord usableIat(String presented, long now) {
        IatRecord iat = iats.find(presented).orElseThrow(() -> OAuthError.invalidToken("unknown initial access token"));
        switch (iat.status(now)) {
            case REVOKED: throw OAuthError.invalidToken("the initial access token has been revoked");
            case EXPIRED: throw OAuthError.invalidToken("the initial access token has expired");
            case USED_UP: throw OAuthError.invalidToken("the initial access token has no registrations left");
            default: return iat;
        }
    }

    /** RFC 7592 §2.1: reads the registration. */
    public ClientRecord read(String clientId, String registrationAccessToken) {
        try {
            return db.withHandle(h -> authorise(h, clientId, registrationAccessToken, false));
        } catch (OAuthError e) {
            // Outside any transaction (an update's would roll the record back): once per rotation, see InstallationService.
            if (InstallationService.ROTATED_ELSEWHERE.equals(e.credentialState())) installations.reportRotatedElsewhere(clientId, null);
            throw e;
        }
    }

    /**
     * RFC 7592 §2.2: replaces the metadata and rotates the registration access token. A new client
     * secret is issued when the client asks for one ({@value #ROTATE_SECRET}) or its secret has expired.
     */
    public Issued update(String clientId, String registrationAccessToken, Map<String, Object> request, Actor actor) {
        for (String f : FORBIDDEN_IN_UPDATE) {
            if (request.containsKey(f)) throw OAuthError.invalidClientMetadata(f + " must not be sent in an update (RFC 7592 §2.2)");
        }
        // A statement may need the publisher's keys fetched: verified before the transaction, and only for an authorised caller.
        if (request.containsKey(SoftwareStatements.FIELD)) read(clientId, registrationAccessToken);
        StatementVerifier.Verified sentStatement = statements.verifyIfSent(clientId, request, clock.millis());
        return db.inTransaction(h -> {
            long now = clock.millis();
            ClientRecord current = authorise(h, clientId, registrationAccessToken, true);
            Object sentId = request.get("client_id");
            if (!(sentId instanceof String) || !sentId.equals(clientId)) {
                throw OAuthError.invalidClientMetadata("client_id must be sent and equal the registered client_id (RFC 7592 §2.2)");
            }
            Object sentSecret = request.get("client_secret");
            if (sentSecret != null && (!(sentSecret instanceof String) || !secrets.matches((String) sentSecret, current.secretHash()))) {
                throw OAuthError.invalidClientMetadata("client_secret does not match the current client secret");
            }
            Object installation = request.get("installation_id");
            if (installation != null && !installation.equals(current.installationId())) {
                throw OAuthError.invalidClientMetadata("installation_id cannot be changed");
            }
            Object rotateFlag = request.get(ROTATE_SECRET);
            if (rotateFlag != null && !(rotateFlag instanceof Boolean)) {
                throw OAuthError.invalidClientMetadata(ROTATE_SECRET + " must be true or false");
            }
            IatRecord iat = iatStore.findById(h, current.iatId()).orElseThrow(() -> new IllegalStateException("client " + clientId + " has no token"));
            SoftwareStatements.Applied statement = statements.forUpdate(h, clientId, request, sentStatement, new LinkedHashSet<>(iat.scopes()));
            // An omitted scope keeps the current one: an update never widens access by leaving a field out.
            ClientMetadata requested = admitted(h, iat, statement, current.scope(), actor.remoteAddr());
            ClientMetadata md = new ClientMetadata(requested.clientName(), requested.clientUri(), requested.logoUri(),
                    requested.tosUri(), requested.policyUri(), requested.contacts(), requested.redirectUris(),
                    requested.authMethod(), requested.scope(), requested.softwareId(), requested.softwareVersion(),
                    current.installationId(), requested.jwks(), requested.authSigningAlg(), requested.dpopBound());
            if (md.keyBound() && Boolean.TRUE.equals(rotateFlag)) {
                throw OAuthError.invalidClientMetadata("a private_key_jwt client has no secret to rotate: send its new public keys in jwks");
            }
            // A key-bound client holds no secret (moving to private_key_jwt withdraws the secret at once);
            // a client moving from keys back to a secret method gets a new secret.
            boolean rotate = !md.keyBound()
                    && (Boolean.TRUE.equals(rotateFlag) || current.secretExpired(now) || current.secretHash() == null);
            String secret = rotate ? Secrets.newSecret(Secrets.CLIENT_SECRET) : null;
            String rat = Secrets.newSecret(Secrets.REGISTRATION_ACCESS_TOKEN);
            ClientRecord updated = current.toBuilder().clientId(clientId)
                    .secretHash(md.keyBound() ? null : rotate ? secrets.hash(secret) : current.secretHash())
                    .secretIssuedAt(rotate ? now : current.secretIssuedAt())
                    .secretExpiresAt(md.keyBound() ? 0 : rotate ? secretExpiry(now) : current.secretExpiresAt())
                    .ratHash(secrets.hash(rat)).authMethod(md.authMethod()).scope(md.scope()).clientName(md.clientName())
                    .softwareId(md.softwareId()).softwareVersion(md.softwareVersion()).installationId(md.installationId())
                    .metadata(SoftwareStatements.metadataJson(md, statement)).updatedAt(now).revokedAt(null).deletedAt(null)
                    .jwks(jwksJson(md)).authSigningAlg(md.authSigningAlg()).dpopBound(md.dpopBound())
                    .previousSecretHash(null).previousRatHash(null).build();
            // Moving from a secret to private_key_jwt withdraws the secret: it becomes the previous one, so a
            // copy still sending it is told "rotated elsewhere" like after any other rotation (not an older secret's answer).
            clients.rememberPrevious(h, clientId, rotate || (md.keyBound() && current.secretHash() != null));
            clients.updateRegistration(h, updated);
            statements.record(h, clientId, statement, now);
            Map<String, Object> details = registrationDetails(md);
            details.put("secret_rotated", rotate);
            audit.record(h, now, new Actor("client:" + clientId, actor.remoteAddr()), "client.update", clientId, details);
            return new Issued(updated, secret, rat);
        });
    }

    /** RFC 7592 §2.3: deletes the registration; its secret, tokens and registration access token stop working at once. */
    public void delete(String clientId, String registrationAccessToken, Actor actor) {
        db.inTransaction(h -> {
            long now = clock.millis();
            authorise(h, clientId, registrationAccessToken, true);
            clients.markDeleted(h, clientId, now);
            audit.record(h, now, new Actor("client:" + clientId, actor.remoteAddr()), "client.delete", clientId, null);
            return null;
        });
    }

    /**
     * RFC 7592 §2: the registration access token must belong to this client. An unknown or deleted
     * client and a wrong token all answer the same 401, so nothing is learnt about which; a revoked
     * client whose token matched is told why (credential_state).
     */
    private ClientRecord authorise(Handle h, String clientId, String rat, boolean lock) {
        ClientRecord c = null;
        if (clientId != null && clientId.length() <= 64) {
            c = (lock ? clients.findForUpdate(h, clientId) : clients.find(h, clientId)).orElse(null);
        }
        // One keyed hash against the current and the previous token, both read with the row: an unknown
        // client and a wrong token for a known one do the same work (no existence oracle).
        Secrets.Match m = secrets.match(rat, c == null ? null : c.ratHash(), c == null ? null : c.previousRatHash());
        if (m != Secrets.Match.CURRENT || c.kind() != ClientKind.INSTALLATION) {
            // The previous token of this client says "rotated by another copy".
            OAuthError previous = m == Secrets.Match.PREVIOUS ? installations.rotatedElsewhere(h, c, OAuthError::invalidToken) : null;
            if (previous != null) throw previous;
            throw OAuthError.invalidToken("the registration access token is not valid for this client");
        }
        // The caller proved it holds these credentials: it may learn why they no longer work.
        if (!c.active()) throw installations.notAccepted(h, c, OAuthError::invalidToken);
        return c;
    }

    private long secretExpiry(long now) {
        return secretTtl.isZero() ? 0 : now + secretTtl.toMillis();
    }

    private static String jwksJson(ClientMetadata md) {
        return md.jwks() == null ? null : Json.write(md.jwks());
    }

    private static Map<String, Object> registrationDetails(ClientMetadata md) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("scope", md.scope());
        if (md.jwks() != null) { // which keys may authenticate the client, for the audit trail of rotations
            d.put("token_endpoint_auth_method", md.authMethod());
            d.put("jwks_kids", ((List<?>) md.jwks().get("keys")).stream().map(k -> ((Map<?, ?>) k).get("kid")).toList());
        }
        if (md.dpopBound()) d.put("dpop_bound_access_tokens", true);
        if (md.clientName() != null) d.put("client_name", md.clientName());
        if (md.softwareId() != null) d.put("software_id", md.softwareId());
        if (md.softwareVersion() != null) d.put("software_version", md.softwareVersion());
        if (md.installationId() != null) d.put("installation_id", md.installationId());
        return d;
    }
}
