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
 */
public final class GatehouseClient {
    /** The outcome of {@link #enrol}. */
    public record Enrolment(Credentials credentials, boolean alreadyEnrolled) {
    }

    /** The outcome of {@link #unenrol}. */
    public enum Unenrolment {
        /** The server deleted the registration (RFC 7592 §2.3). */
        DELETED,
        /** The server no longer knew the registration (revoked or deleted there); the local credentials were removed. */
        ALREADY_GONE
    }

    /** What the server says about the registration when asked (RFC 7592 §2.1). */
    public enum ServerState { ACTIVE, REVOKED, NOT_CHECKED }

    public record Status(Credentials credentials, ServerState serverState) {
    }

    private final CredentialStore store;
    private final Http http;
    private final Clock clock;
    private final MachineIdSource machineIds;
    private final String softwareId;
    private final String softwareVersion;
    private final String clientName;
    private final String scope;
    private final String softwareStatement;
    private volatile TokenSource tokenSource;
    private final java.util.concurrent.ConcurrentHashMap<String, TokenSource> resourceSources = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String machineId;

    private GatehouseClient(Builder b) {
        this.store = new CredentialStore(b.storeDir);
        this.http = new Http(b.transport);
        this.clock = b.clock;
        this.machineIds = b.machineIds;
        this.softwareId = b.softwareId;
        this.softwareVersion = b.softwareVersion;
        this.clientName = b.clientName;
        this.scope = b.scope;
        this.softwareStatement = b.softwareStatement;
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

    /** @param statement the software statement (RFC 7591 §2.3) to send, or null */
    private Enrolment enrol(TokenFile file, String statement) {
        String installationId = installationId(file.issuer());
        try (AutoCloseable ignored = store.lock()) {
            if (store.exists()) {
                Credentials existing = store.load();
                if (!existing.issuer().equals(file.issuer())) {
                    throw new CredentialStoreException("credential store " + store.dir() + " is enrolled with another issuer ("
                            + existing.issuer() + "); unenrol first or use another store");
                }
                checkInstallation(existing);
                return new Enrolment(existing, true);
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
            Credentials c = register(file, md, installationId, statement, now);
            try {
                store.save(c);
            } catch (RuntimeException e) {
                bestEffortDelete(c); // leave no registration behind whose credentials nobody has
                throw e;
            }
            return new Enrolment(c, false);
        } catch (GatehouseClientException e) {
            throw e;
        } catch (Exception e) {
            throw new CredentialStoreException("cannot release the lock of " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /** RFC 7591 §3.1: the registration request, authorised by the initial access token. */
    private Credentials register(TokenFile file, ServerMetadata md, String installationId, String statement, Instant now) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("grant_types", List.of("client_credentials"));
        req.put("token_endpoint_auth_method", "client_secret_basic");
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
        if (r.status() != 201 && r.status() != 200) {
            throw Http.error("registration refused", r);
        }
        // RFC 7591 §3.2.1: the client information response.
        Object expires = r.json().get("client_secret_expires_at");
        String rcu = r.str("registration_client_uri");
        try {
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
                if (tokenSource == null) tokenSource = new TokenSource(this);
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
        return resourceSources.computeIfAbsent(resource, r -> new TokenSource(this, r));
    }

    /** The stored credentials, checked to belong to this machine. */
    public Credentials credentials() {
        Credentials c = store.load();
        checkInstallation(c);
        return c;
    }

    /** Replaces the client secret now (RFC 7592 §2.2 with {@code rotate_client_secret}). */
    public Credentials rotateSecret() {
        return rotate(null);
    }

    /**
     * Rotates under the store lock. When {@code seen} is given and the store already holds a
     * different secret (another process rotated meanwhile), that one is returned instead.
     */
    Credentials rotate(Credentials seen) {
        try (AutoCloseable ignored = store.lock()) {
            Credentials current = credentials();
            if (seen != null && !current.clientSecret().equals(seen.clientSecret())) return current;
            Map<String, Object> body = current.registeredMetadata();
            body.put("rotate_client_secret", true); // Gatehouse extension to RFC 7592 §2.2
            Instant now = clock.instant();
            Http.Reply r = http.sendJson("PUT", current.registrationClientUri(), current.registrationAccessToken(), body);
            if (r.status() == 401) throw revoked(current);
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
                throw new ServerUnavailableException("the rotation response is unusable: " + e.getMessage(), e);
            }
            store.save(next);
            return next;
        } catch (GatehouseClientException e) {
            throw e;
        } catch (Exception e) {
            throw new CredentialStoreException("cannot release the lock of " + store.dir() + ": " + e.getMessage(), e);
        }
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
            TokenSource t = tokenSource;
            if (t != null) t.forget();
            resourceSources.values().forEach(TokenSource::forget);
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
        if (!checkServer) return new Status(c, ServerState.NOT_CHECKED);
        Http.Reply r = http.get(c.registrationClientUri(), c.registrationAccessToken());
        if (r.status() == 200) return new Status(c, ServerState.ACTIVE);
        if (r.status() == 401) return new Status(c, ServerState.REVOKED);
        throw Http.error("the server refused to read the registration", r);
    }

    static RegistrationRevokedException revoked(Credentials c) {
        return new RegistrationRevokedException("the registration of client " + c.clientId() + " at " + c.issuer()
                + " has been revoked or deleted on the server; enrol again with a new token file");
    }

    /** Credentials copied from another machine are refused: they are not this installation's. */
    private void checkInstallation(Credentials c) {
        if (!c.installationId().equals(installationId(c.issuer()))) {
            throw new CredentialStoreException("credential store " + store.dir() + " belongs to another machine"
                    + " (its installation id is not this machine's); it will not be used");
        }
    }

    private String installationId(String issuer) {
        String id = machineId;
        if (id == null) {
            id = machineIds.machineId();
            machineId = id;
        }
        return InstallationId.derive(id, issuer);
    }

    public static final class Builder {
        private final Path storeDir;
        private Transport transport = Transport.jdk();
        private Clock clock = Clock.systemUTC();
        private MachineIdSource machineIds = MachineIds.system();
        private String softwareId;
        private String softwareVersion;
        private String clientName;
        private String scope;
        private String softwareStatement;

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

        public GatehouseClient build() {
            return new GatehouseClient(this);
        }
    }
}
