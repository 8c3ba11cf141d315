package org.gatehouse.server.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed configuration. Every setting has a laptop default; a properties file named by
 * {@code GATEHOUSE_CONFIG} (or {@code ./gatehouse.conf} when present) may set them, and
 * {@code GATEHOUSE_*} environment variables override both. Invalid values fail with one clear line.
 */
public final class Config {
    /** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
    public static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,100}");
    public static final List<String> SIGNING_ALGS = List.of("ES256", "EdDSA", "RS256");

    public final int port;
    public final String bind;
    public final String issuer;
    public final Path dataDir;
    public final String dbUrl;
    public final String dbUser;
    public final String dbPassword;
    public final int dbPoolSize;
    /** GATEHOUSE_H2_CACHE_SIZE: the embedded database's page cache in MiB (H2's CACHE_SIZE), in the Java heap. */
    public final int h2CacheMiB;
    public final Duration accessTokenTtl;
    public final String signingAlg;
    /** Whether GATEHOUSE_SIGNING_ALG was set: a node that names another algorithm than the cluster's refuses to start. */
    public final boolean signingAlgSet;
    /** The values of GATEHOUSE_CRYPTO_PROVIDER (crypto/JwsCrypto selects by them; kept here so config needs no crypto class). */
    public static final List<String> CRYPTO_PROVIDER_MODES = List.of("auto", "native", "jdk");
    /** GATEHOUSE_CRYPTO_PROVIDER: auto (native where it loads), native (required) or jdk; see crypto/JwsCrypto. */
    public final String cryptoProvider;
    /** How long resource servers may cache /jwks (its Cache-Control max-age). */
    public final Duration jwksMaxAge;
    /** How long a new key is published before it may sign: the JWKS cache lifetime plus one key refresh on every node. */
    public final Duration keyPublishDelay;
    public final Set<String> scopes;
    public final String audience;
    /** RFC 6749 §2.3.1: a secret client must use the method it registered (true) or may use either (false, the default). */
    public final boolean strictAuthMethod;
    public final Duration clientSecretTtl;
    public final String masterKey;
    public final int maxBodyBytes;
    public final Duration keyRefresh;
    public final String trustedProxies;
    /** TLS pass-through balancers allowed to send a PROXY protocol (v1/v2) header; empty: PROXY protocol off. */
    public final String proxyProtocolFrom;
    public final int cloneThreshold;
    public final Duration cloneWindow;
    public final String cloneAction;
    public final int rateRegisterPerToken;
    public final int rateRegisterPerAddress;
    public final int rateTokenPerClient;
    public final int rateAuthFailuresPerAddress;
    public final Duration lastSeenFlush;
    /**
     * GATEHOUSE_LAST_SEEN_BATCH: installations written per transaction by a last-seen flush, at most
     * {@link #MAX_LAST_SEEN_BATCH}.
     */
    public final int lastSeenBatch;
    /**
     * The largest GATEHOUSE_LAST_SEEN_BATCH: a batch's bound arguments alone hold ≈ 750 bytes of heap a row (measured:
     * Jdbi's PreparedBatch of the flush's UPDATE, before the driver's own copy), so 10,000 rows are ≈ 7.5 MB of the
     * 112 MiB heap; 100,000 would be ≈ 75 MB, most of what the heap has beside its live set — the one transaction a
     * flush the batches exist to avoid.
     */
    public static final int MAX_LAST_SEEN_BATCH = 10_000;
    public final Duration staleAfter;
    public final Duration staleRevokeAfter;
    public final Duration auditRetention;
    public final Duration maintenanceInterval;
    /** How long a node may serve a client record from memory: the bound on revocation taking effect elsewhere. */
    public final Duration clientCacheTtl;
    /**
     * Issue 18 Must 5: how long a client record may stay in memory while this node polls every node's changes
     * (0: no polling, records live clientCacheTtl); how often it polls (the bound elsewhere); how many records
     * it keeps; how long a change's seq is awaited when it commits after a later one (see tokens.ChangeCursor).
     */
    public final Duration clientCacheMaxAge;
    public final Duration clientCachePoll;
    public final int clientCacheSize;
    public final Duration clientCacheCommitWait;
    /** Software statements: how long a publisher's JWKS fetched from a URL is used, and the least time between fetches. */
    public final Duration statementJwksCache;
    public final Duration statementJwksRefresh;
    /** Tests and local development only: JWKS URLs may be plain http, and may point at a loopback address. */
    public final boolean statementJwksAllowHttpLoopback;
    // Operations (docs/operations.md)
    public final String metricsToken;
    public final String logFormat;
    public final String tlsCert;
    public final String tlsKey;
    public final Duration tlsReload;
    public final boolean behindTlsProxy;
    public final Duration shutdownTimeout;
    public final Duration shutdownDelay;
    /** The longest a request waits for a database connection before it is answered 503 (Hikari's connectionTimeout). */
    public final Duration dbConnectTimeout;
    public final boolean accessLog;
    /**
     * Whether the common POST /token is answered by a bare Jetty handler ahead of Javalin (http/TokenHandler, the same
     * answers with less CPU); false sends it through Javalin like every other request.
     */
    public final boolean tokenFastPath;
    /** Whether the access log also records /health/live and /health/ready (balancers poll them every second). */
    public final boolean accessLogHealth;
    /** Level of Gatehouse's own loggers (org.gatehouse.*); libraries log at WARN and above. */
    public final String logLevel;
    /** Whether `serve` applies pending schema migrations at start (false: `gatehouse db migrate` is a separate step). */
    public final boolean dbMigrate;
    /** Unknown GATEHOUSE_* variables and config-file keys are errors rather than warnings. */
    public final boolean configStrict;
    /** Unknown settings found, each with the closest known name: warnings (an error under GATEHOUSE_CONFIG_STRICT). */
    public final List<String> warnings;

    /** Variables the launcher script reads (not settings of the server), and the config file's own name. */
    static final Set<String> LAUNCHER_VARIABLES = Set.of("CONFIG", "JAVA_OPTS", "CDS");

    private Config(Settings s) {
        this.port = s.integer("PORT", 8080, 0, 65535);
        this.bind = s.host("BIND", "127.0.0.1");
        if (port == 0 && s.raw("ISSUER") == null) {
            throw new ConfigException("invalid configuration: GATEHOUSE_ISSUER must be set when GATEHOUSE_PORT=0 (a random port)");
        }
        this.issuer = s.issuer("ISSUER", "http://127.0.0.1:" + port);
        this.dataDir = Path.of(s.string("DATA_DIR", "data")).toAbsolutePath().normalize();
        this.dbUrl = s.string("DB_URL", "");
        this.dbUser = s.string("DB_USER", "");
        this.dbPassword = s.string("DB_PASSWORD", "");
        this.dbPoolSize = s.integer("DB_POOL_SIZE", 10, 1, 500);
        this.h2CacheMiB = s.integer("H2_CACHE_SIZE", 16, 1, 4096);
        this.accessTokenTtl = s.duration("ACCESS_TOKEN_TTL", "10m", Duration.ofSeconds(30), Duration.ofHours(24));
        this.signingAlg = s.oneOf("SIGNING_ALG", "ES256", SIGNING_ALGS);
        this.signingAlgSet = s.raw("SIGNING_ALG") != null;
        this.cryptoProvider = s.oneOf("CRYPTO_PROVIDER", "auto", CRYPTO_PROVIDER_MODES);
        this.scopes = s.scopes("SCOPES", "prefs:read prefs:write");
        this.audience = s.string("AUDIENCE", issuer);
        this.strictAuthMethod = s.bool("STRICT_AUTH_METHOD", false);
        this.clientSecretTtl = s.duration("CLIENT_SECRET_TTL", "0", Duration.ZERO, Duration.ofDays(3650));
        this.masterKey = s.string("MASTER_KEY", "");
        this.maxBodyBytes = s.integer("MAX_BODY_BYTES", 65536, 1024, 10 * 1024 * 1024);
        this.keyRefresh = s.duration("KEY_REFRESH", "5s", Duration.ofSeconds(1), Duration.ofMinutes(10));
        this.jwksMaxAge = s.duration("JWKS_MAX_AGE", "60s", Duration.ZERO, Duration.ofHours(1));
        this.keyPublishDelay = s.duration("KEY_PUBLISH_DELAY", Durations.format(jwksMaxAge.plus(keyRefresh)), Duration.ZERO, Duration.ofDays(7));
        this.trustedProxies = s.cidrs("TRUSTED_PROXIES", "");
        this.proxyProtocolFrom = s.cidrs("PROXY_PROTOCOL_FROM", "");
        this.cloneThreshold = s.integer("CLONE_THRESHOLD", 3, 1, 1000);
        this.cloneWindow = s.duration("CLONE_WINDOW", "1h", Duration.ofSeconds(1), Duration.ofDays(365));
        this.cloneAction = s.oneOf("CLONE_ACTION", "flag", List.of("flag", "block"));
        this.rateRegisterPerToken = s.integer("RATE_REGISTER_PER_TOKEN", 120, 0, 1_000_000);
        this.rateRegisterPerAddress = s.integer("RATE_REGISTER_PER_ADDRESS", 60, 0, 1_000_000);
        this.rateTokenPerClient = s.integer("RATE_TOKEN_PER_CLIENT", 120, 0, 1_000_000);
        this.rateAuthFailuresPerAddress = s.integer("RATE_AUTH_FAILURES_PER_ADDRESS", 30, 0, 1_000_000);
        this.lastSeenFlush = s.duration("LAST_SEEN_FLUSH", "60s", Duration.ofSeconds(1), Duration.ofHours(1));
        this.lastSeenBatch = s.integer("LAST_SEEN_BATCH", 1_000, 1, MAX_LAST_SEEN_BATCH);
        this.staleAfter = s.duration("STALE_AFTER", "90d", Duration.ofMinutes(1), Duration.ofDays(3650));
        this.staleRevokeAfter = s.duration("STALE_REVOKE_AFTER", "0", Duration.ZERO, Duration.ofDays(3650));
        this.auditRetention = s.duration("AUDIT_RETENTION", "365d", Duration.ofDays(1), Duration.ofDays(36500));
        this.maintenanceInterval = s.duration("MAINTENANCE_INTERVAL", "1h", Duration.ofSeconds(10), Duration.ofDays(7));
        this.clientCacheTtl = s.duration("CLIENT_CACHE_TTL", "2s", Duration.ZERO, Duration.ofSeconds(60));
        this.clientCacheMaxAge = s.duration("CLIENT_CACHE_MAX_AGE", "10m", Duration.ZERO, Duration.ofHours(1));
        this.clientCachePoll = s.duration("CLIENT_CACHE_POLL", "1s", Duration.ofSeconds(1), Duration.ofSeconds(60));
        this.clientCacheSize = s.integer("CLIENT_CACHE_SIZE", 50_000, 0, 10_000_000);
        this.clientCacheCommitWait = s.duration("CLIENT_CACHE_COMMIT_WAIT", "60s", Duration.ofSeconds(1), Duration.ofHours(1));
        this.statementJwksCache = s.duration("STATEMENT_JWKS_CACHE", "10m", Duration.ofSeconds(1), Duration.ofDays(7));
        this.statementJwksRefresh = s.duration("STATEMENT_JWKS_REFRESH", "30s", Duration.ZERO, Duration.ofHours(1));
        this.statementJwksAllowHttpLoopback = s.bool("STATEMENT_JWKS_ALLOW_HTTP_LOOPBACK", false);
        this.metricsToken = s.string("METRICS_TOKEN", "");
        if (!metricsToken.isEmpty() && metricsToken.length() < 16) {
            throw new ConfigException("invalid configuration: " + s.source("METRICS_TOKEN") + " must be at least 16 characters (the value is not shown)");
        }
        this.logFormat = s.oneOf("LOG_FORMAT", "text", List.of("text", "json"));
        this.tlsCert = s.string("TLS_CERT", "");
        this.tlsKey = s.string("TLS_KEY", "");
        if (tlsCert.isEmpty() != tlsKey.isEmpty()) {
            throw new ConfigException("invalid configuration: GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY must be set together");
        }
        this.tlsReload = s.duration("TLS_RELOAD", "1m", Duration.ofSeconds(1), Duration.ofDays(1));
        this.behindTlsProxy = s.bool("BEHIND_TLS_PROXY", false);
        this.shutdownTimeout = s.duration("SHUTDOWN_TIMEOUT", "20s", Duration.ZERO, Duration.ofMinutes(10));
        // Long enough for a balancer checking /health/ready every second to see three failures (HAProxy's
        // default fall 3) and move away before the listeners close: docs/operations.md, "Rolling restarts".
        this.shutdownDelay = s.duration("SHUTDOWN_DELAY", "5s", Duration.ZERO, Duration.ofMinutes(5));
        this.dbConnectTimeout = s.duration("DB_CONNECT_TIMEOUT", "3s", Duration.ofSeconds(1), Duration.ofMinutes(1));
        this.accessLog = s.bool("ACCESS_LOG", false);
        this.tokenFastPath = s.bool("TOKEN_FAST_PATH", true);
        this.accessLogHealth = s.bool("ACCESS_LOG_HEALTH", false);
        this.logLevel = s.oneOf("LOG_LEVEL", "INFO", List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR"));
        this.dbMigrate = s.bool("DB_MIGRATE", true);
        this.configStrict = s.bool("CONFIG_STRICT", false);
        // Last: every setting above has been looked up, so the names asked for are the known ones.
        this.warnings = s.unknownNames();
        if (configStrict && !warnings.isEmpty()) {
            throw new ConfigException("invalid configuration (GATEHOUSE_CONFIG_STRICT=true): " + String.join("; ", warnings));
        }
    }

    public static Config load(Map<String, String> env) {
        return new Config(new Settings(env, readFile(env)));
    }

    /** Whether Gatehouse serves HTTPS itself (GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY). */
    public boolean tls() {
        return !tlsCert.isEmpty();
    }

    /**
     * RFC 6749 §3.1–3.2: the token endpoint (and so every credential) must be reached over TLS. A server
     * reachable beyond this machine over plain HTTP must be behind a TLS-terminating proxy, and the
     * operator must say so.
     */
    public void requireTransportSecurity() {
        boolean https = issuer.startsWith("https:");
        if (https || behindTlsProxy || loopback(bind)) return;
        throw new ConfigException("refusing to serve plain HTTP on " + bind + " with issuer " + issuer
                + " (RFC 6749 §3.1 requires TLS): set an https GATEHOUSE_ISSUER (with GATEHOUSE_TLS_CERT/_KEY"
                + " or a TLS proxy), bind to 127.0.0.1, or set GATEHOUSE_BEHIND_TLS_PROXY=true if a TLS-terminating proxy is in front");
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    public boolean embeddedDatabase() {
        return dbUrl.isEmpty() || dbUrl.startsWith("jdbc:h2:");
    }

    private static Properties readFile(Map<String, String> env) {
        Properties p = new Properties();
        String named = env.get("GATEHOUSE_CONFIG");
        Path file = named != null && !named.isBlank() ? Path.of(named) : Path.of("gatehouse.conf");
        if (named == null && !Files.exists(file)) {
            return p;
        }
        if (!Files.isRegularFile(file) && !file.toString().equals("/dev/null")) {
            throw new ConfigException("config file " + file + " (GATEHOUSE_CONFIG) not found");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
        return p;
    }

    /** Looks a setting up: GATEHOUSE_NAME in the environment, then name (lower case) in the file. */
    private static final class Settings {
        private final Map<String, String> env;
        private final Properties file;

        /** Every name a setting was looked up by: the known settings, derived from the definitions above. */
        private final Set<String> known = new java.util.TreeSet<>();

        Settings(Map<String, String> env, Properties file) {
            this.env = env;
            this.file = file;
        }

        /** GATEHOUSE_* variables and file keys that no setting looked up, each with the closest known name. */
        List<String> unknownNames() {
            List<String> out = new java.util.ArrayList<>();
            env.keySet().stream().filter(k -> k.startsWith("GATEHOUSE_")).sorted().forEach(k -> {
                String name = k.substring("GATEHOUSE_".length());
                if (!known.contains(name) && !LAUNCHER_VARIABLES.contains(name)) {
                    out.add("unknown variable " + k + hint(closest(name).map(c -> "GATEHOUSE_" + c)));
                }
            });
            file.stringPropertyNames().stream().sorted().forEach(k -> {
                String name = k.toUpperCase(Locale.ROOT);
                if (!k.equals(k.toLowerCase(Locale.ROOT)) || !known.contains(name)) {
                    out.add("unknown key '" + k + "' in the config file" + hint(closest(name).map(c -> c.toLowerCase(Locale.ROOT))));
                }
            });
            return List.copyOf(out);
        }

        /** The known name nearest to a misspelt one, when it is near enough to be the likely intent. */
        private java.util.Optional<String> closest(String name) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String k : known) {
                int d = Names.distance(name, k);
                if (d < bestDistance) {
                    best = k;
                    bestDistance = d;
                }
            }
            return bestDistance <= Math.max(2, name.length() / 3) ? java.util.Optional.of(best) : java.util.Optional.empty();
        }

        private static String hint(java.util.Optional<String> closest) {
            return closest.map(c -> " (did you mean " + c + "?)").orElse(" (no known setting is close: see docs/configuration.md)");
        }

        /** The value, or null when unset; an empty environment variable counts as unset. */
        String raw(String name) {
            known.add(name);
            String v = env.get("GATEHOUSE_" + name);
            if (v == null || v.isBlank()) v = file.getProperty(name.toLowerCase(Locale.ROOT));
            return v == null || v.isBlank() ? null : v.trim();
        }

        /** Names where a value came from, for error messages. */
        String source(String name) {
            String v = env.get("GATEHOUSE_" + name);
            return v == null || v.isBlank() ? name.toLowerCase(Locale.ROOT) + " (config file)" : "GATEHOUSE_" + name;
        }

        String string(String name, String dflt) {
            String v = raw(name);
            return v == null || v.isEmpty() ? dflt : v;
        }

        boolean bool(String name, boolean dflt) {
            String v = raw(name);
            if (v == null) return dflt;
            if (v.equalsIgnoreCase("true")) return true;
            if (v.equalsIgnoreCase("false")) return false;
            throw bad(name, v, "true or false");
        }

        int integer(String name, int dflt, int min, int max) {
            String v = raw(name);
            if (v == null || v.isEmpty()) return dflt;
            try {
                int n = Integer.parseInt(v);
                if (n < min || n > max) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException e) {
                throw bad(name, v, "a whole number from " + min + " to " + max);
            }
        }

        Duration duration(String name, String dflt, Duration min, Duration max) {
            String v = string(name, dflt);
            Duration d;
            try {
                d = Durations.parse(v);
            } catch (IllegalArgumentException e) {
                throw bad(name, v, "a duration such as 90s, 15m, 12h or 30d");
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw bad(name, v, "a duration from " + Durations.format(min) + " to " + Durations.format(max));
            }
            return d;
        }

        String oneOf(String name, String dflt, List<String> allowed) {
            String v = string(name, dflt);
            for (String a : allowed) {
                if (a.equalsIgnoreCase(v)) return a;
            }
            throw bad(name, v, "one of " + String.join(", ", allowed));
        }

        String host(String name, String dflt) {
            String v = string(name, dflt);
            if (!v.matches("[0-9A-Za-z.:\\-\\[\\]]{1,255}")) throw bad(name, v, "an IP address or host name");
            try {
                InetAddress.getByName(v.replace("[", "").replace("]", ""));
            } catch (IOException e) {
                throw bad(name, v, "an IP address or host name that resolves");
            }
            return v;
        }

        String issuer(String name, String dflt) {
            String v = string(name, dflt);
            try {
                URI u = new URI(v);
                boolean ok = ("https".equals(u.getScheme()) || "http".equals(u.getScheme()))
                        && u.getHost() != null && u.getRawQuery() == null && u.getRawFragment() == null
                        && u.getRawUserInfo() == null && !v.endsWith("/");
                if (!ok) throw new URISyntaxException(v, "shape");
            } catch (URISyntaxException e) {
                // RFC 8414 §2: the issuer is an https URL with no query or fragment.
                throw bad(name, v, "an absolute http(s) URL without query, fragment or trailing slash");
            }
            return v;
        }

        String cidrs(String name, String dflt) {
            String v = string(name, dflt);
            try {
                org.gatehouse.server.net.Cidr.parseList(v);
            } catch (IllegalArgumentException e) {
                throw bad(name, v, "IPv4/IPv6 addresses or CIDR ranges separated by spaces or commas");
            }
            return v;
        }

        Set<String> scopes(String name, String dflt) {
            String v = string(name, dflt);
            Set<String> out = new LinkedHashSet<>();
            for (String t : v.split("\\s+")) {
                if (t.isEmpty()) continue;
                if (!SCOPE_TOKEN.matcher(t).matches()) throw bad(name, v, "space-separated scope names (RFC 6749 §3.3)");
                out.add(t);
            }
            return Collections.unmodifiableSet(out);
        }

        private ConfigException bad(String name, String value, String expected) {
            return new ConfigException("invalid configuration: " + source(name) + "='" + value + "' must be " + expected);
        }
    }
}
