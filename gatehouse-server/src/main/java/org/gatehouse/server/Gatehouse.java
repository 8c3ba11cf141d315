package org.gatehouse.server;

import java.time.Clock;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.SeedCipher;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.accounts.Throttle;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.crypto.JwsCrypto;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.installations.LastSeen;
import org.gatehouse.server.ratelimit.FailureGuard;
import org.gatehouse.server.ratelimit.RateLimiter;
import org.gatehouse.server.store.InstallationStore;
import org.gatehouse.server.jobs.Maintenance;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.registration.RegistrationService;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.statements.JwksFetcher;
import org.gatehouse.server.statements.PublisherKeys;
import org.gatehouse.server.statements.Publishers;
import org.gatehouse.server.statements.SoftwareStatements;
import org.gatehouse.server.statements.StatementVerifier;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.AuditStore;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.IatStore;
import org.gatehouse.server.store.PublisherStore;
import org.gatehouse.server.store.RevocationStore;
import org.gatehouse.server.store.SettingsStore;
import org.gatehouse.server.store.SigningKeyStore;
import org.gatehouse.server.tokens.ClientAuthenticator;
import org.gatehouse.server.tokens.ClientCache;
import org.gatehouse.server.tokens.IntrospectionCache;
import org.gatehouse.server.tokens.TokenService;

/** The composition root: every service, wired by hand. Used by the server and by the CLI alike. */
public final class Gatehouse implements org.gatehouse.server.cli.Services {
    public final Config config;
    public final Clock clock;
    public final Database db;
    public final Secrets secrets;
    public final Audit audit;
    public final IatService iats;
    public final SigningKeys keys;
    public final RegistrationService registrations;
    public final ResourceServers resourceServers;
    public final ClientAuthenticator clientAuthenticator;
    public final TokenService tokens;
    public final AuditStore auditStore;
    public final org.gatehouse.server.audit.AuditExport auditExport;
    public final InstallationService installations;
    public final LastSeen lastSeen;
    /** The figures behind the portal's pictures (issue 14), and the token request counts they read. */
    public final org.gatehouse.server.stats.Figures figures;
    public final org.gatehouse.server.stats.TokenRequests tokenRequests;
    public final RevocationStore revocationStore;
    /** One use of client assertion and DPoP proof ids across nodes (issue 17). */
    public final org.gatehouse.server.tokens.Replays replays;
    /** The group commit of registrations (issue 18 Must 3): concurrent registrations share one durable commit. */
    public final org.gatehouse.server.store.GroupCommit registrationWrites;
    public final Maintenance maintenance;
    /** Client records in memory, and the poll of every node's changes that lets them live long (issue 18 Must 5). */
    public final ClientCache clientCache;
    public final org.gatehouse.server.tokens.ClientChangePoller clientChanges;
    public final FailureGuard failureGuard;
    public final Publishers publishers;
    public final SoftwareStatements statements;
    public final AccountService accounts;
    public final Sessions sessions;
    public final org.gatehouse.server.accounts.ApiTokens apiTokens;
    /** WebAuthn security keys and passkeys, a second factor beside TOTP. */
    public final org.gatehouse.server.accounts.SecurityKeys securityKeys;
    public final org.gatehouse.server.metrics.ServerMetrics metrics = new org.gatehouse.server.metrics.ServerMetrics(new org.gatehouse.server.metrics.Metrics());

    private Gatehouse(Config config, Clock clock, Database.SchemaPolicy schema) {
        this.config = config;
        this.clock = clock;
        MasterKey masterKey = MasterKey.load(config.masterKey, config.dataDir);
        this.db = Database.open(config, masterKey, schema);
        try {
            checkMasterKey(masterKey);
            this.secrets = new Secrets(masterKey.derive("gatehouse secret pepper v1"));
            this.auditStore = new AuditStore();
            this.audit = new Audit(auditStore);
            this.auditExport = new org.gatehouse.server.audit.AuditExport(db, auditStore);
            IatStore iatStore = new IatStore();
            ClientStore clientStore = new ClientStore();
            InstallationStore installationStore = new InstallationStore();
            this.revocationStore = new RevocationStore(db.isPostgres());
            org.gatehouse.server.store.ReplayStore replayStore = new org.gatehouse.server.store.ReplayStore(db.isPostgres());
            AccountStore accountStore = new AccountStore();
            this.installations = new InstallationService(db, installationStore, clientStore, accountStore, audit, clock,
                    config.cloneThreshold, config.cloneWindow, "block".equals(config.cloneAction),
                    config.staleAfter, config.staleRevokeAfter);
            org.gatehouse.server.store.StatsStore statsStore = new org.gatehouse.server.store.StatsStore(db.isPostgres());
            this.tokenRequests = new org.gatehouse.server.stats.TokenRequests(db, statsStore, clock, 50_000);
            this.figures = new org.gatehouse.server.stats.Figures(db, statsStore, clock, config.staleAfter);
            this.lastSeen = new LastSeen(db, installationStore, tokenRequests, config.lastSeenBatch);
            this.iats = new IatService(db, iatStore, secrets, audit, clock, config.scopes, installations);
            PublisherStore publisherStore = new PublisherStore();
            PublisherKeys publisherKeys = new PublisherKeys(new JwksFetcher(config.statementJwksAllowHttpLoopback), clock, config.statementJwksCache, config.statementJwksRefresh);
            this.publishers = new Publishers(db, publisherStore, publisherKeys, audit, clock);
            this.statements = new SoftwareStatements(db, publisherStore, new StatementVerifier(publishers::find, publisherKeys));
            this.keys = new SigningKeys(db, new SigningKeyStore(), new SettingsStore(), masterKey, audit, clock, config.signingAlg,
                    config.signingAlgSet, config.accessTokenTtl, config.keyPublishDelay, JwsCrypto.select(config.cryptoProvider));
            this.registrationWrites = new org.gatehouse.server.store.GroupCommit(db, "registrations", config.dbConnectTimeout);
            this.registrations = new RegistrationService(db, registrationWrites, clientStore, iatStore, iats, secrets, audit, clock, config.clientSecretTtl,
                    installations, new RateLimiter("register-per-token", config.rateRegisterPerToken, System::nanoTime),
                    new RateLimiter("register-per-address", config.rateRegisterPerAddress, System::nanoTime), statements);
            this.resourceServers = new ResourceServers(db, clientStore, new org.gatehouse.server.store.ResourceStore(), secrets, audit, clock,
                    config.scopes, config.clientCacheTtl);
            this.failureGuard = new FailureGuard(new RateLimiter("auth-failures-per-address", config.rateAuthFailuresPerAddress,
                    System::nanoTime), db, audit, clock);
            this.maintenance = new Maintenance(db, new SettingsStore(), installations, revocationStore, replayStore, auditStore, clock,
                    config.maintenanceInterval, config.auditRetention, figures);
            this.clientCache = new ClientCache(config.clientCacheTtl, config.clientCacheMaxAge, config.clientCacheSize);
            this.clientChanges = new org.gatehouse.server.tokens.ClientChangePoller(db, clientCache, config.clientCachePoll,
                    config.clientCacheCommitWait);
            clientStore.onChange(clientCache::invalidate);
            iats.onPolicyChange(clientCache::invalidateAll);
            this.replays = new org.gatehouse.server.tokens.Replays(db, replayStore, config.dbConnectTimeout);
            this.clientAuthenticator = new ClientAuthenticator(db, clientStore, secrets, clock, clientCache, installations,
                    config.strictAuthMethod, new org.gatehouse.server.tokens.ClientAssertions(config.issuer), replays, keys.crypto());
            this.tokens = new TokenService(db, clientStore, revocationStore, keys, audit, clock,
                    config.issuer, config.audience, config.accessTokenTtl,
                    new RateLimiter("token-per-client", config.rateTokenPerClient, System::nanoTime), lastSeen,
                    clientCache, new IntrospectionCache(config.clientCacheTtl, 10_000), resourceServers.catalog(), replays,
                    new org.gatehouse.server.tokens.DPoPProofs(keys.crypto()));
            // Portal (issue 3): accounts, second factors and sessions.
            org.gatehouse.server.store.ApiTokenStore apiTokenStore = new org.gatehouse.server.store.ApiTokenStore();
            this.accounts = new AccountService(db, accountStore, secrets, new SeedCipher(masterKey.derive("gatehouse account seed encryption v1")),
                    audit, clock, iats, config.issuer, new Throttle(5, 15 * 60_000L, clock::millis), new Throttle(30, 15 * 60_000L, clock::millis),
                    org.gatehouse.server.accounts.PasswordGate.forThisJvm(), apiTokenStore);
            this.sessions = new Sessions(db, accountStore, secrets, Sessions.formKey(masterKey),
                    new SeedCipher(masterKey.derive("gatehouse portal flash v1")), clock, java.time.Duration.ofMinutes(30), java.time.Duration.ofHours(12));
            // Admin JSON API (issue 3 item 5): API tokens.
            this.apiTokens = new org.gatehouse.server.accounts.ApiTokens(db, apiTokenStore, accountStore, secrets, audit, clock);
            this.securityKeys = new org.gatehouse.server.accounts.SecurityKeys(db, new org.gatehouse.server.store.WebAuthnStore(), accountStore,
                    audit, clock, config.issuer, new Throttle(5, 15 * 60_000L, clock::millis), new Throttle(30, 15 * 60_000L, clock::millis));
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * For commands: the schema must be this release's already (issue 16 item 4); only the embedded default's
     * first use creates it. Nothing but `serve` and `db migrate` changes a schema.
     */
    public static Gatehouse open(Config config) {
        return open(config, Database.SchemaPolicy.REQUIRE_CURRENT);
    }

    public static Gatehouse open(Config config, Database.SchemaPolicy schema) {
        return new Gatehouse(config, Clock.systemUTC(), schema);
    }

    /** Fails closed when the master key is not the one this database was created with. */
    private void checkMasterKey(MasterKey masterKey) {
        String check = masterKey.checkValue();
        SettingsStore settings = new SettingsStore();
        String stored = db.inTransaction(h -> settings.putIfAbsent(h, SettingsStore.MASTER_KEY_CHECK, check));
        if (!stored.equals(check)) {
            throw new ConfigException("the master key does not match this database (set GATEHOUSE_MASTER_KEY to the key it was created with)");
        }
    }

    // --- what a command gets (cli.Services): the services, not this container

    @Override
    public AccountService accounts() {
        return accounts;
    }

    @Override
    public org.gatehouse.server.audit.AuditExport auditExport() {
        return auditExport;
    }

    @Override
    public IatService iats() {
        return iats;
    }

    @Override
    public InstallationService installations() {
        return installations;
    }

    @Override
    public SigningKeys keys() {
        return keys;
    }

    @Override
    public Publishers publishers() {
        return publishers;
    }

    @Override
    public ResourceServers resourceServers() {
        return resourceServers;
    }

    @Override
    public SoftwareStatements statements() {
        return statements;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public org.gatehouse.server.store.SchemaStatus schemaStatus() {
        return db.schemaStatus();
    }

    @Override
    public void close() {
        clientChanges.close();
        replays.close(); // answers the replay checks already queued before the pool goes
        registrationWrites.close(); // likewise the registrations already queued
        db.close();
    }
}
