package org.gatehouse.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The installer side of Gatehouse for one credential store: enrol from a token file (RFC 8414
 * discovery, RFC 7591 registration), hand out access tokens ({@link #tokenSource()}), rotate the
 * client secret and delete the registration (RFC 7592). Thread-safe.
 *
 * <pre>{@code
 * GatehouseClient gh = GatehouseClient.builder(Path.of("/var/lib/myapp/gatehouse"))
 *         .software("org.example.myapp", "2.4.1").clientName("MyApp").build();
 * gh.enrol(Path.of("gatehouse-token.json"));      // in the installer; a second run does nothing
 * String bearer = gh.tokenSource().accessToken(); // in the app, as often as needed
 * }</pre>
 *
 * <p>Close it when done ({@link AutoCloseable}): that releases the HTTP client it made. With a
 * {@link Builder#transport custom transport} it makes none and starts no thread of its own,
 * except the short-lived token renewal described at {@link TokenSource}.
 */
public final class GatehouseClient implements AutoCloseable {
    /**
     * The outcome of {@link #enrol}. {@code serverState}: for a store already enrolled, whether the
     * server confirmed it ({@code ACTIVE}) or could not be asked ({@code NOT_CHECKED}); {@code ACTIVE}
     * for a new enrolment. {@code replacedBecause}: when the store held credentials the server no
     * longer accepted and they were replaced by a new registration, what the server said of them.
     */
    public record Enrolment(Credentials credentials, boolean alreadyEnrolled, ServerState serverState, String replacedBecause) {
    }

    /** The outcome of {@link #unenrol}. */
    public enum Unenrolment {
        /** The server deleted the registration (RFC 7592 §2.3). */
        DELETED,
        /** The server no longer knew the registration (revoked or deleted there); the local credentials were removed. */
        ALREADY_GONE
    }

    /**
     * What the server says about the registration when asked (RFC 7592 §2.1): active; revoked by a
     * person; credentials lost here (replaced by a newer registration of the installation, or dropped
     * as unused: enrol again); rotated by another copy of these credentials (a cloned store:
     * unenrol, then enrol again); or not checked.
     */
    public enum ServerState { ACTIVE, REVOKED, CREDENTIALS_LOST, ROTATED_ELSEWHERE, NOT_CHECKED }

    /**
     * {@code problem}: for REVOKED and CREDENTIALS_LOST a {@link RegistrationRevokedException}, for
     * ROTATED_ELSEWHERE a {@link CredentialsRotatedElsewhereException}: the exception a token request
     * would give (its message says what to do); null otherwise.
     */
    public record Status(Credentials credentials, ServerState serverState, GatehouseClientException problem) {
        /** The server's {@code credential_state} (docs/protocol.md §15), or null. */
        public String credentialState() {
            if (problem instanceof RegistrationRevokedException) return ((RegistrationRevokedException) problem).credentialState();
            if (problem instanceof CredentialsRotatedElsewhereException) return CredentialsRotatedElsewhereException.CREDENTIAL_STATE;
            return null;
        }
    }

    private final CredentialStore store;
    private final Http http;
    private final JdkTransport ownTransport; // null when the application gave a transport
    private final Events events;
    private final Clock clock;
    private final MachineIdSource machineIds;
    private final String softwareId;
    private final String softwareVersion;
    private final String clientName;
    private final String scope;
    private final String softwareStatement;
    private final String osUser;
    private final ClientKey.Type keyType; // null: a client secret, unless the token file requires a key
    private final boolean dpop;
    private volatile TokenSource tokenSource;
    /** Rotated credentials the server issued but the store could not take yet (see {@link #rotate}). */
    private volatile Credentials unsaved;
    private final java.util.concurrent.ConcurrentHashMap<String, TokenSource> resourceSources = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String machineId;

    private GatehouseClient(Builder b) {
        this.store = new CredentialStore(b.storeDir);
        this.ownTransport = b.transport == null ? new JdkTransport() : null;
        this.http = new Http(ownTransport != null ? ownTransport : b.transport);
        this.events = new Events(b.listener);
        this.clock = b.clock;
        this.machineIds = b.machineIds;
        this.softwareId = b.softwareId;
        this.softwareVersion = b.softwareVersion;
        this.clientName = b.clientName;
        this.scope = b.scope;
        this.softwareStatement = b.softwareStatement;
        this.osUser = b.osUser;
        this.keyType = b.keyType;
        this.dpop = b.dpop;
    }

    public static Builder builder(Path storeDir) {
        return new Builder(storeDir);
    }

    public CredentialStore store() {
        return store;
    }

    Clock clock() {
        return clock;
    }

    Http http() {
        return http;
    }

    /** The transport this client made, or null when the application gave one (for tests: what was started). */
    JdkTransport ownTransport() {
        return ownTransport;
    }

    /** Whether token requests with these credentials ask for DPoP-bound tokens (RFC 9449): asked for, or registered so. */
    boolean dpop(Credentials c) {
        return c.keyBound() && (dpop || c.dpopBound());
    }

    /** Scope to ask for in token requests, or null for everything registered. */
    String scope() {
        return scope;
    }

    /**
     * Enrols this installation with the token file, or does nothing when it is already enrolled
     * with the file's issuer. Fails closed on a bad token file, a foreign or corrupt store, or a
     * server that is not the file's issuer.
     */
    public Enrolment enrol(Path tokenFile) {
        TokenFile file = TokenFile.read(tokenFile);
        // A statement file next to the token file wins over one built into the installer.
        return enrol(file, SoftwareStatementFile.find(tokenFile).orElse(softwareStatement));
    }

    public Enrolment enrol(TokenFile file) {
        return enrol(file, softwareStatement);
    }

    /**
     * @param statement the software statement (RFC 7591 §2.3) to send, or null. A store that is
     *        already enrolled is checked with the server (RFC 7592 §2.1): still accepted, nothing to
     *        do; revoked by a person, {@link RegistrationRevokedException} saying who can restore it;
     *        otherwise (replaced, deleted, dropped as unused) the installation registers again.
     */
    private Enrolment enrol(TokenFile file, String statement) {
        String installationId = installationId(file.issuer(), statementSoftwareId(statement));
        try (AutoCloseable ignored = store.lock()) {
            String replacedBecause = null;
            if (store.exists()) {
                Credentials existing = store.load();
                if (!existing.issuer().equals(file.issuer())) {
                    throw new CredentialStoreException("credential store " + store.dir() + " is enrolled with another issuer ("
                            + existing.issuer() + "); unenrol first or use another store");
                }
                checkInstallation(existing);
                Status st = askServer(existing);
                if (st.serverState() == ServerState.ACTIVE || st.serverState() == ServerState.NOT_CHECKED) {
                    return new Enrolment(existing, true, st.serverState(), null);
                }
                // Only its issuer or an administrator can let a revoked installation back in: say so, spend no registration.
                if (INSTALLATION_REVOKED.equals(st.credentialState())) throw st.problem();
                // Another copy holds the current credentials: taking the installation over from it is the
                // user's choice (unenrol, then enrol), never a side effect of enrol on this copy.
                if (st.serverState() == ServerState.ROTATED_ELSEWHERE) throw st.problem();
                replacedBecause = st.problem().getMessage();
            }
            Instant now = clock.instant();
            if (file.expiresAt() != null && !now.isBefore(file.expiresAt())) {
                throw new TokenFileException("the token file's initial access token expired at " + file.expiresAt()
                        + "; ask its issuer for a new token file");
            }
            ServerMetadata md = ServerMetadata.discover(http, file.issuer());
            if (!md.registrationEndpoint().equals(file.registrationEndpoint())) {
                throw new TokenFileException("the token file's registration_endpoint " + file.registrationEndpoint()
                        + " is not the issuer's (" + md.registrationEndpoint() + ")");
            }
            // A token file whose token admits only key-bound installations makes the key without being asked.
            ClientKey key = keyType != null ? ClientKey.generate(keyType)
                    : file.keyBoundRequired() ? ClientKey.generate(ClientKey.Type.EC_P256) : null;
            Credentials c = register(file, md, installationId, statement, now, key, key != null && (dpop || file.dpopRequired()));
            try {
                store.save(c);
            } catch (RuntimeException e) {
                bestEffortDelete(c); // leave no registration behind whose credentials nobody has
                throw e;
            }
            if (replacedBecause != null) forgetTokens();
            return new Enrolment(c, false, ServerState.ACTIVE, replacedBecause);
        } catch (GatehouseClientException e) {
            throw e;
        } catch (Exception e) {
            throw new CredentialStoreException("cannot release the lock of " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /** RFC 7591 §3.1: the registration request, authorised by the initial access token. */
    private Credentials register(TokenFile file, ServerMetadata md, String installationId, String statement, Instant now,
                                 ClientKey key, boolean dpopBound) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("grant_types", List.of("client_credentials"));
        if (key == null) {
            req.put("token_endpoint_auth_method", "client_secret_basic");
        } else {
            // RFC 7591 §2 jwks (public key only) and RFC 7523 §2.2 private_key_jwt; RFC 9449 §5.2 dpop_bound_access_tokens
            req.put("token_endpoint_auth_method", Credentials.PRIVATE_KEY_JWT);
            req.put("token_endpoint_auth_signing_alg", key.alg());
            req.put("jwks", key.jwks());
            if (dpopBound) req.put("dpop_bound_access_tokens", true);
        }
        if (scope != null) req.put("scope", scope);
        if (clientName != null) req.put("client_name", clientName);
        if (softwareId != null) req.put("software_id", softwareId);
        if (softwareVersion != null) req.put("software_version", softwareVersion);
        req.put("installation_id", installationId);
        if (statement != null) req.put("software_statement", statement); // its claims take precedence on the server
        Http.Reply r = http.sendJson("POST", md.registrationEndpoint(), file.initialAccessToken(), req);
        if (r.status() == 401) {
            throw Http.error("the server refused the token file's initial access token (revoked, expired or used up)", r);
        }
        if (INSTALLATION_REVOKED.equals(r.str("credential_state"))) {
            throw new RegistrationRevokedException("registration refused: " + r.str("error_description"), INSTALLATION_REVOKED);
        }
        if (r.status() != 201 && r.status() != 200) {
            throw Http.error("registration refused", r);
        }
        // RFC 7591 §3.2.1: the client information response.
        Object expires = r.json().get("client_secret_expires_at");
        String rcu = r.str("registration_client_uri");
        try {
            if (key != null) {
                if (r.json().containsKey("client_secret")) throw new IllegalArgumentException("a client_secret was issued to a key-bound installation");
                if (!Credentials.PRIVATE_KEY_JWT.equals(r.str("token_endpoint_auth_method"))) {
                    throw new IllegalArgumentException("token_endpoint_auth_method private_key_jwt was not registered");
                }
                Credentials c = new Credentials(file.issuer(), md.tokenEndpoint(),
                        URI.create(Objects.requireNonNull(rcu, "registration_client_uri")), installationId,
                        Objects.requireNonNull(r.str("client_id"), "client_id"), null, 0, now,
                        Objects.requireNonNull(r.str("registration_access_token"), "registration_access_token"),
                        r.str("scope"), Credentials.PRIVATE_KEY_JWT, r.str("client_name"), r.str("software_id"), r.str("software_version"),
                        now, file.label(), key, dpopBound || Boolean.TRUE.equals(r.json().get("dpop_bound_access_tokens")));
                if (!installationId.equals(r.str("installation_id"))) throw new IllegalArgumentException("installation_id was not registered");
                return c;
            }
            Credentials c = new Credentials(file.issuer(), md.tokenEndpoint(), URI.create(Objects.requireNonNull(rcu, "registration_client_uri")),
                    installationId,
                    Objects.requireNonNull(r.str("client_id"), "client_id"),
                    Objects.requireNonNull(r.str("client_secret"), "client_secret"),
                    expires instanceof Long ? (Long) expires : 0L, now,
                    Objects.requireNonNull(r.str("registration_access_token"), "registration_access_token"),
                    r.str("scope"),
                    r.str("token_endpoint_auth_method") == null ? "client_secret_basic" : r.str("token_endpoint_auth_method"),
                    r.str("client_name"), r.str("software_id"), r.str("software_version"), now, file.label());
            if (!installationId.equals(r.str("installation_id"))) {
                throw new IllegalArgumentException("installation_id was not registered");
            }
            return c;
        } catch (RuntimeException e) {
            throw new ServerUnavailableException("the registration response is unusable: " + e.getMessage(), e);
        }
    }

    private void bestEffortDelete(Credentials c) {
        try {
            http.delete(c.registrationClientUri(), c.registrationAccessToken());
        } catch (RuntimeException ignored) {
            // the issuer sees an installation that never came back; nothing more can be done here
        }
    }

    /** The access tokens of this installation: one source per client, shared by all threads. */
    public TokenSource tokenSource() {
        TokenSource t = tokenSource;
        if (t == null) {
            synchronized (this) {
                if (tokenSource == null) tokenSource = new TokenSource(this, events);
                t = tokenSource;
            }
        }
        return t;
    }

    /**
     * Access tokens meant for one resource server (RFC 8707): their aud is {@code resource}, the
     * audience URI the server's operator gave it, and their scope what that resource serves. One
     * source per resource, shared by all threads; the server answers invalid_target for a resource
     * it does not know or this installation may not use.
     */
    public TokenSource tokenSource(String resource) {
        if (resource == null) return tokenSource();
        return resourceSources.computeIfAbsent(resource, r -> new TokenSource(this, events, r));
    }

    /**
     * The registration these sources' cached tokens belong to is gone (deleted, or replaced by a new
     * one): every source, the default one and each resource's (RFC 8707), drops what it holds.
     */
    private void forgetTokens() {
        TokenSource t = tokenSource;
        if (t != null) t.forget();
        resourceSources.values().forEach(TokenSource::forget);
    }

    /**
     * The stored credentials, checked to belong to this machine. A rotation that was interrupted
     * after the server answered is finished first (its credentials are in the pending file); rotated
     * credentials that could not be saved yet are returned from memory, and saving them is retried.
     */
    public Credentials credentials() {
        if (unsaved != null || store.hasPending()) {
            try (AutoCloseable ignored = store.lock()) {
                Credentials kept = unsaved;
                Credentials pendingKey;
                if (kept != null) {
                    try {
                        store.save(kept);
                        unsaved = null;
                        store.abandonPending();
                    } catch (CredentialStoreException e) {
                        return kept; // still cannot write: keep using them, the server has no others
                    }
                } else if ((pendingKey = store.pendingKeyRotation()) != null) {
                    resolveKeyRotation(pendingKey); // read once: each read parses the file and test-signs with the key
                } else if (store.recoverPending()) {
                    events.recovered(store.load());
                }
            } catch (GatehouseClientException e) {
                throw e;
            } catch (Exception e) {
                throw new CredentialStoreException("cannot release the lock of " + store.dir() + ": " + e.getMessage(), e);
            }
        }
        Credentials c = store.load();
        checkInstallation(c);
        return c;
    }

    /**
     * A key rotation was interrupted after its new key was written to the pending file but before the
     * server's answer was stored: the server is asked which key it holds (RFC 7592 §2.1). It still
     * answers the stored registration access token: the key it lists wins. It refuses that token:
     * the update went through (every update issues a new one), or the registration is gone; either
     * way the stored key is dead, so the new one is taken. The server cannot be reached: nothing
     * changes, and it is asked again on the next call.
     */
    private void resolveKeyRotation(Credentials requested) {
        Credentials stored = store.load();
        Http.Reply r;
        try {
            r = http.get(stored.registrationClientUri(), stored.registrationAccessToken());
        } catch (ServerUnavailableException e) {
            Events.LOG.log(System.Logger.Level.WARNING, "an interrupted key rotation of client {0} is resolved later: {1}",
                    stored.clientId(), e.getMessage());
            return;
        }
        if (r.status() == 200) {
            if (registeredKids(r).contains(requested.key().thumbprint())) {
                store.adoptPending();
                events.recovered(store.load());
            } else {
                store.abandonPending();
            }
        } else if (r.status() == 401) {
            store.adoptPending();
            events.recovered(store.load());
        }
    }

    private static List<String> registeredKids(Http.Reply r) {
        List<String> kids = new java.util.ArrayList<>();
        Object jwks = r.json().get("jwks");
        Object keys = jwks instanceof Map ? ((Map<?, ?>) jwks).get("keys") : null;
        if (keys instanceof List) {
            for (Object k : (List<?>) keys) {
                if (k instanceof Map && ((Map<?, ?>) k).get("kid") instanceof String) kids.add((String) ((Map<?, ?>) k).get("kid"));
            }
        }
        return kids;
    }

    /**
     * Replaces the key of a key-bound installation now: a new key pair is generated here and
     * registered through RFC 7592 §2.2 in place of the old one, which stops working at once.
     */
    public Credentials rotateKey() {
        if (!credentials().keyBound()) throw new IllegalStateException("this installation authenticates with a client secret, not a key");
        return rotate(null);
    }

    /** Replaces the client secret now (RFC 7592 §2.2 with {@code rotate_client_secret}). */
    public Credentials rotateSecret() {
        return rotate(null);
    }

    /**
     * Rotates under the store lock. When {@code seen} is given and the store already holds a
     * different secret (another process rotated meanwhile), that one is returned instead. Room for
     * the new credentials is reserved on disk before the server is asked (see
     * {@link CredentialStore#beginRotation}); when the server rotated but they cannot be saved they
     * are kept in memory and in the pending file, so the registration is never lost; while they
     * still cannot be saved no further rotation starts (CredentialStoreException).
     */
    Credentials rotate(Credentials seen) {
        try (AutoCloseable ignored = store.lock()) {
            Credentials current = credentials(); // saves or recovers an earlier rotation's credentials first
            if (seen != null && !current.credentialId().equals(seen.credentialId())) return current;
            if (unsaved != null) {
                // The store still cannot take the last rotation's credentials: a new rotation would
                // replace the pending file, their only copy on disk, and a crash would lose them.
                throw new CredentialStoreException("not rotating: the credentials of the last rotation of client " + current.clientId()
                        + " are not saved in " + store.file() + " yet (they are kept in memory, and in " + CredentialStore.PENDING_FILE
                        + " when it could be written); the server was not asked. They are saved once the store can be written again");
            }
            if (current.keyBound()) return rotateKey(current);
            Map<String, Object> body = current.registeredMetadata();
            body.put("rotate_client_secret", true); // Gatehouse extension to RFC 7592 §2.2
            CredentialStore.PendingRotation pending = store.beginRotation(current);
            Instant now = clock.instant();
            Http.Reply r;
            try {
                r = http.sendJson("PUT", current.registrationClientUri(), current.registrationAccessToken(), body);
            } catch (RuntimeException e) {
                pending.abandon();
                throw e;
            }
            if (r.status() != 200) pending.abandon();
            if (r.status() == 401) throw revoked(current, r);
            if (r.status() != 200) throw Http.error("secret rotation refused", r);
            String secret = r.str("client_secret");
            String rat = r.str("registration_access_token");
            Object expires = r.json().get("client_secret_expires_at");
            Credentials next;
            try {
                next = current.withRotated(Objects.requireNonNull(secret, "client_secret"),
                        expires instanceof Long ? (Long) expires : 0L, now,
                        rat == null ? current.registrationAccessToken() : rat);
            } catch (RuntimeException e) {
                pending.abandon();
                throw new ServerUnavailableException("the rotation response is unusable: " + e.getMessage(), e);
            }
            try {
                pending.complete(next);
            } catch (CredentialStoreException e) {
                unsaved = next; // the server knows only these now: use them, and save them when the store lets us
                events.rotated(next, e);
                throw e;
            }
            events.rotated(next, null);
            return next;
        } catch (GatehouseClientException e) {
            throw e;
        } catch (Exception e) {
            throw new CredentialStoreException("cannot release the lock of " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Under the store lock: the new key pair is generated and written, fsynced, to the pending file
     * before the server is asked (RFC 7592 §2.2 PUT with the new jwks), so that a crash at any point
     * leaves a key the server may hold on disk ({@link #resolveKeyRotation}); then the server's
     * answer (the new registration access token) completes it as for a secret rotation.
     */
    private Credentials rotateKey(Credentials current) {
        ClientKey key = ClientKey.generate(current.key().type());
        Instant now = clock.instant();
        Credentials requested = current.withKey(key, now, current.registrationAccessToken());
        Map<String, Object> body = requested.registeredMetadata();
        CredentialStore.PendingRotation pending = store.beginRotation(requested);
        Http.Reply r;
        try {
            r = http.sendJson("PUT", current.registrationClientUri(), current.registrationAccessToken(), body);
        } catch (ServerUnavailableException e) {
            throw e; // the server may have taken the new key: the pending file is resolved on the next call
        } catch (RuntimeException e) {
            pending.abandon();
            throw e;
        }
        if (r.status() != 200) pending.abandon();
        if (r.status() == 401) throw revoked(current, r);
        if (r.status() != 200) throw Http.error("key rotation refused", r);
        String rat = r.str("registration_access_token");
        Credentials next;
        try {
            next = current.withKey(key, now, rat == null ? current.registrationAccessToken() : rat);
            if (!registeredKids(r).isEmpty() && !registeredKids(r).equals(List.of(key.thumbprint()))) {
                throw new IllegalArgumentException("the server did not register the new key alone");
            }
        } catch (RuntimeException e) {
            throw new ServerUnavailableException("the key rotation response is unusable: " + e.getMessage(), e);
        }
        try {
            pending.complete(next);
        } catch (CredentialStoreException e) {
            unsaved = next;
            events.rotated(next, e);
            throw e;
        }
        events.rotated(next, null);
        return next;
    }

    /**
     * Deletes the registration on the server (RFC 7592 §2.3), then the local credentials. When the
     * server cannot be reached the credentials are kept, so that the call can be repeated.
     */
    public Unenrolment unenrol() {
        try (AutoCloseable ignored = store.lock()) {
            Credentials c = store.load();
            Http.Reply r = http.delete(c.registrationClientUri(), c.registrationAccessToken());
            Unenrolment result;
            if (r.status() == 204 || r.status() == 200) {
                result = Unenrolment.DELETED;
            } else if (r.status() == 401) {
                result = Unenrolment.ALREADY_GONE;
            } else {
                throw Http.error("the server refused to delete the registration", r);
            }
            store.delete();
            forgetTokens();
            return result;
        } catch (GatehouseClientException e) {
            throw e;
        } catch (Exception e) {
            throw new CredentialStoreException("cannot release the lock of " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /** The stored credentials and, when {@code checkServer}, whether the server still knows them (RFC 7592 §2.1). */
    public Status status(boolean checkServer) {
        Credentials c = credentials();
        if (!checkServer) return new Status(c, ServerState.NOT_CHECKED, null);
        Http.Reply r = http.get(c.registrationClientUri(), c.registrationAccessToken());
        if (r.status() == 200) return new Status(c, ServerState.ACTIVE, null);
        if (r.status() == 401) return dead(c, r);
        throw Http.error("the server refused to read the registration", r);
    }

    /** Releases the HTTP client this client made (none when a transport was given); the store is not touched. */
    @Override
    public void close() {
        if (ownTransport != null) ownTransport.close();
    }

    /** status(true) for enrol: a server that cannot be reached or answers oddly leaves the store as it is. */
    private Status askServer(Credentials c) {
        try {
            Http.Reply r = http.get(c.registrationClientUri(), c.registrationAccessToken());
            return r.status() == 401 ? dead(c, r) : new Status(c, r.status() == 200 ? ServerState.ACTIVE : ServerState.NOT_CHECKED, null);
        } catch (ServerUnavailableException e) {
            return new Status(c, ServerState.NOT_CHECKED, null);
        }
    }

    private static Status dead(Credentials c, Http.Reply r) {
        GatehouseClientException e = revoked(c, r);
        return new Status(c, e instanceof CredentialsRotatedElsewhereException ? ServerState.ROTATED_ELSEWHERE
                : e instanceof CredentialsLostException ? ServerState.CREDENTIALS_LOST : ServerState.REVOKED, e);
    }

    static final String INSTALLATION_REVOKED = "installation_revoked";

    /**
     * The server's refusal of these credentials (RFC 6749 §5.2 invalid_client, RFC 6750 §3.1
     * invalid_token) as an exception that says why and what to do, from the server's
     * {@code credential_state} (docs/protocol.md §15): "lost here" (replaced, stale) apart from
     * "revoked by a person" (installation_revoked, credentials_revoked), from "rotated by another
     * copy" (rotated_elsewhere: a {@link CredentialsRotatedElsewhereException}) and from "not said".
     */
    static GatehouseClientException revoked(Credentials c, Http.Reply r) {
        String state = r == null ? null : r.str("credential_state");
        String said = r == null ? null : r.str("error_description");
        String who = "the registration of client " + c.clientId() + " at " + c.issuer();
        if (state == null) {
            return new RegistrationRevokedException(who + " has been revoked or deleted on the server; enrol again with a token file"
                    + " (if its issuer revoked the installation, that is refused until the issuer restores it)");
        }
        String message = who + " is no longer accepted: " + (said == null ? state : said);
        switch (state) {
            case CredentialsRotatedElsewhereException.CREDENTIAL_STATE:
                return new CredentialsRotatedElsewhereException(who + " was rotated by another copy of these credentials (this"
                        + " credential store was copied: a cloned disk, image or home directory, a restored backup; or the answer to"
                        + " a rotation never arrived here). The registration is active, but only the other copy holds its secret:"
                        + " to use it here, unenrol this store (gatehouse-enrol unenrol) and enrol again with a token file, which"
                        + " replaces the other copy's credentials, or ask the issuer");
            case "replaced":
            case "stale":
                return new CredentialsLostException(message, state);
            default:
                return new RegistrationRevokedException(message, state);
        }
    }

    /**
     * Credentials copied from another machine are refused: they are not this installation's. A store
     * holds the id of this machine with the issuer in any form this library has derived: the first
     * releases' machine-wide id (migration: such stores keep working), or the current one with the
     * software id it registered or this client's, machine-wide or for this OS user.
     */
    private void checkInstallation(Credentials c) {
        String stored = c.installationId();
        String mid = machineId();
        boolean here = stored.equals(InstallationId.deriveV1(mid, c.issuer()));
        for (String sid : new String[] {c.softwareId(), softwareId}) {
            for (String user : new String[] {null, osUser, System.getProperty("user.name")}) {
                here = here || stored.equals(InstallationId.derive(mid, c.issuer(), sid, user));
            }
        }
        if (!here) {
            throw new CredentialStoreException("credential store " + store.dir() + " belongs to another machine"
                    + " (its installation id is not this machine's); it will not be used");
        }
    }

    /** @param statementSoftwareId the software_id of the software statement sent, which the server registers instead of ours */
    private String installationId(String issuer, String statementSoftwareId) {
        return InstallationId.derive(machineId(), issuer, statementSoftwareId != null ? statementSoftwareId : softwareId, osUser);
    }

    private String machineId() {
        String id = machineId;
        if (id == null) {
            id = machineIds.machineId();
            machineId = id;
        }
        return id;
    }

    /** RFC 7591 §2.3: the statement's claims take precedence, its software_id included; null when none is readable. */
    private static String statementSoftwareId(String statement) {
        if (statement == null) return null;
        String[] parts = statement.split("\\.");
        if (parts.length != 3) return null;
        try {
            Object sid = Json.parseObject(new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
                    java.nio.charset.StandardCharsets.UTF_8)).get("software_id");
            return sid instanceof String ? (String) sid : null;
        } catch (Json.JsonException | RuntimeException e) {
            return null; // the server refuses a statement it cannot read; the id does not matter then
        }
    }

    public static final class Builder {
        private final Path storeDir;
        private Transport transport; // null: the client makes (and closes) its own JDK transport
        private Clock clock = Clock.systemUTC();
        private MachineIdSource machineIds = MachineIds.system();
        private ClientListener listener = new ClientListener() { };
        private String softwareId;
        private String softwareVersion;
        private String clientName;
        private String scope;
        private String softwareStatement;
        private String osUser;
        private ClientKey.Type keyType;
        private boolean dpop;

        private Builder(Path storeDir) {
            this.storeDir = Objects.requireNonNull(storeDir, "storeDir");
        }

        /** RFC 7591 §2 software_id and software_version. */
        public Builder software(String id, String version) {
            this.softwareId = id;
            this.softwareVersion = version;
            return this;
        }

        /** RFC 7591 §2 client_name, shown to the issuer. */
        public Builder clientName(String name) {
            this.clientName = name;
            return this;
        }

        /** The scope to register and to ask for; by default everything the token file allows. */
        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /**
         * A software statement (RFC 7591 §2.3, a compact JWS from the software's publisher) built into
         * the installer; a statement file next to the token file ({@link SoftwareStatementFile}) wins.
         */
        public Builder softwareStatement(String jws) {
            this.softwareStatement = jws == null ? null : jws.strip();
            return this;
        }

        /**
         * A per-user install: each OS user who runs the app is an installation of its own (its own
         * store, its own credentials), so users never replace each other's. The default is one
         * installation per app and machine (docs/installers.md, "Who is one installation").
         */
        public Builder perUser() {
            return perUser(System.getProperty("user.name"));
        }

        /** {@link #perUser()} for a given OS user name. */
        public Builder perUser(String osUserName) {
            if (osUserName == null || osUserName.isBlank()) throw new IllegalArgumentException("OS user name must not be blank");
            this.osUser = osUserName;
            return this;
        }

        /**
         * A key-bound installation (RFC 7523 {@code private_key_jwt}): enrolment generates an EC P-256
         * key pair here and registers its public key; no client secret exists. A token file that
         * says {@code "key_bound": "required"} makes enrolment do this without being asked.
         */
        public Builder keyBound() {
            return keyBound(ClientKey.Type.EC_P256);
        }

        /** {@link #keyBound()} with the given key type (EC P-256 or Ed25519). */
        public Builder keyBound(ClientKey.Type type) {
            this.keyType = Objects.requireNonNull(type);
            return this;
        }

        /**
         * Ask for DPoP-bound access tokens (RFC 9449) with a key-bound installation: enrolment registers
         * {@code dpop_bound_access_tokens}, and token requests send a DPoP proof. An installation
         * registered so does this without being asked. No effect on a client-secret installation.
         */
        public Builder dpop(boolean on) {
            this.dpop = on;
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

        public Builder machineIdSource(MachineIdSource s) {
            this.machineIds = Objects.requireNonNull(s);
            return this;
        }

        /** Told of rotations, backoffs and revocation (they are also logged through System.Logger). */
        public Builder listener(ClientListener l) {
            this.listener = Objects.requireNonNull(l);
            return this;
        }

        public GatehouseClient build() {
            return new GatehouseClient(this);
        }
    }
}
