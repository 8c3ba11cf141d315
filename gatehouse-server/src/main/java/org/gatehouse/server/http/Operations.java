package org.gatehouse.server.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.metrics.ServerMetrics;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.oauth.Responses;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.text.Text;
import org.slf4j.MDC;

/**
 * The operator's surface: request ids, per-request metrics, {@code /health/ready} and {@code /metrics}.
 * Nothing here reads or logs a request body, an Authorization header or a secret.
 */
public final class Operations {
    public static final String REQUEST_ID = "X-Request-Id";
    /** The OAuth error code a response carried, set by {@link Responses#error}. */
    public static final String ERROR_ATTRIBUTE = "gatehouse.error";
    /** Looks like a secret: Gatehouse's readable prefixes (ghs_, ghi_, ghr_, gha_, ghl_…) or a long random run. */
    private static final Pattern SECRET_LIKE = Pattern.compile("(?i)gh[a-z]_|[A-Za-z0-9_\\-]{20}|%");
    private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    private final Database db;
    private final SigningKeys keys;
    private final Secrets secrets;
    private final ServerMetrics metrics;
    private final String metricsTokenHash; // keyed hash, compared like every other secret (Secrets.matches)
    private final boolean accessLog;
    private final boolean accessLogHealth;
    private volatile boolean draining;
    private static final org.slf4j.Logger ACCESS = org.slf4j.LoggerFactory.getLogger(org.gatehouse.server.logging.LogFormat.ACCESS_LOGGER);

    /** What the operator's surface reads: the database (readiness), the signing keys, metrics and the access-log settings. */
    public Operations(Config config, Database db, SigningKeys keys, Secrets secrets, ServerMetrics metrics) {
        this.db = db;
        this.keys = keys;
        this.secrets = secrets;
        this.metrics = metrics;
        this.accessLog = config.accessLog;
        this.accessLogHealth = config.accessLogHealth;
        this.metricsTokenHash = config.metricsToken.isEmpty() ? null : secrets.hash(config.metricsToken);
    }

    /** From now on /health/ready answers 503, so load balancers stop sending new requests. */
    public void drain() {
        draining = true;
    }

    void install(JavalinConfig cfg) {
        cfg.routes.before(this::requestId);
        cfg.routes.get("/health/ready", this::ready);
        cfg.routes.get("/metrics", this::metrics);
        cfg.requestLogger.http((ctx, ms) -> finished(ctx.method().name(), ctx.path(), ctx.statusCode(), ctx.attribute(ERROR_ATTRIBUTE),
                ms, () -> loggedPath(ctx)));
    }

    /**
     * A request answered (by Javalin's request logger, or by the bare handler of POST /token before it writes): its
     * metrics, its access log line, and the end of its request id in the logs. {@code error} is the OAuth error code
     * answered or null; {@code loggedPath} is asked only when the access log is written.
     */
    void finished(String method, String path, int status, String error, float ms, java.util.function.Supplier<String> loggedPath) {
        try {
            metrics.request(method, path, status, error, ms / 1000.0);
            if (accessLog && (accessLogHealth || !path.startsWith("/health/"))) {
                // Method, route (never the path's values, never the query string), status, error code, time: no header, no body.
                ACCESS.info("{} {} {} {} {}ms", method, loggedPath.get(), status,
                        error == null ? "-" : error, String.format(java.util.Locale.ROOT, "%.1f", ms));
            }
        } finally {
            MDC.remove("request_id");
        }
    }

    /**
     * The path as logs may show it: the matched route's template ({@code /setup/{token}},
     * {@code /register/{client_id}}), so one-time links and other values in paths never reach a log;
     * for a request that matched no route, its path with every segment that could be a secret (a
     * {@code gh?_} prefix, or 20 or more base64url characters in a row) replaced by {@code {redacted}}.
     */
    public static String loggedPath(Context ctx) {
        Endpoint matched;
        try {
            matched = ctx.endpoints().matchedHttpEndpoint();
        } catch (RuntimeException e) {
            matched = null; // no route matched
        }
        if (matched != null && matched.method.isHttpMethod()) return Text.printable(matched.path);
        return Text.printable(redacted(ctx.path()));
    }

    static String redacted(String path) {
        if (path == null) return "-";
        String[] segments = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (SECRET_LIKE.matcher(segments[i]).find()) segments[i] = "{redacted}";
        }
        return String.join("/", segments);
    }

    /** Echoes a well-formed X-Request-Id (from a proxy) or makes one; logs carry it as request_id. */
    private void requestId(Context ctx) {
        ctx.header(REQUEST_ID, requestId(ctx.header(REQUEST_ID)));
    }

    /** The request's id (the one given if well-formed, else a new one), put in the logging context; the caller answers it. */
    static String requestId(String given) {
        String id = given;
        if (id == null || !SAFE_REQUEST_ID.matcher(id).matches()) id = Secrets.randomId(12);
        MDC.put("request_id", id);
        return id;
    }

    private void ready(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        String reason = null;
        if (draining) {
            reason = "shutting down";
        } else if (!db.ping(READY_TIMEOUT)) {
            reason = "database unreachable or slower than " + READY_TIMEOUT.toSeconds() + " s";
        } else {
            try {
                body.put("signing_key", keys.ring().activeKid());
            } catch (RuntimeException e) {
                reason = "signing keys not loaded";
            }
        }
        if (reason != null) {
            body.clear();
            body.put("status", "unavailable");
            body.put("reason", reason);
            Responses.json(ctx, 503, body);
            return;
        }
        body.put("status", "ready");
        Responses.json(ctx, 200, body);
    }

    /** Prometheus text format; loopback callers only, or anyone with GATEHOUSE_METRICS_TOKEN as a bearer token. */
    private void metrics(Context ctx) {
        if (metricsTokenHash != null) {
            String auth = ctx.header("Authorization");
            String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
            if (!secrets.matches(given, metricsTokenHash)) {
                throw OAuthError.invalidToken("a valid metrics token is required");
            }
        } else if (!loopbackDirect(ctx)) {
            throw new OAuthError(403, "access_denied", "metrics are served to loopback callers only (set GATEHOUSE_METRICS_TOKEN)", null);
        }
        ctx.status(200);
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(metrics.registry().scrape());
    }

    /** A direct loopback peer: a request forwarded by a proxy on this machine (it carries X-Forwarded-For) is not. */
    private static boolean loopbackDirect(Context ctx) {
        String peer = ctx.req().getRemoteAddr();
        boolean loopback = peer != null && (peer.startsWith("127.") || peer.equals("::1") || peer.equals("0:0:0:0:0:0:0:1")
                || peer.equals("[::1]") || peer.equals("[0:0:0:0:0:0:0:1]"));
        return loopback && ctx.header("X-Forwarded-For") == null && ctx.header("Forwarded") == null;
    }
}
