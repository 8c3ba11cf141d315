package org.gatehouse.server.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import io.javalin.config.RoutesConfig;
import java.util.function.Consumer;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.ratelimit.FailureGuard;
import org.gatehouse.server.registration.RegistrationService;
import org.gatehouse.server.tokens.ClientAuthenticator;
import org.gatehouse.server.tokens.TokenService;
import org.gatehouse.server.oauth.IntrospectionEndpoint;
import org.gatehouse.server.oauth.JwksEndpoint;
import org.gatehouse.server.oauth.MetadataEndpoint;
import org.gatehouse.server.net.Cidr;
import org.gatehouse.server.net.ClientAddress;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.oauth.Requests;
import org.gatehouse.server.oauth.RegistrationEndpoint;
import org.gatehouse.server.oauth.RegistrationManagementEndpoint;
import org.gatehouse.server.oauth.Responses;
import org.gatehouse.server.oauth.RevocationEndpoint;
import org.gatehouse.server.oauth.TokenEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles the HTTP surface: routes, security headers, limits, and errors without stack traces. */
public final class HttpServer {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    /** Endpoints that authenticate a credential: failures there count towards the guessing limit. */
    private static final String[] GUARDED = {"/register", "/register/{client_id}", "/token", "/introspect", "/revoke", "/api/v1/*"};

    /** Where Javalin's 405 (MethodNotAllowedResponse, with prefer405over404) lists the routed methods. */
    private static final String ALLOWED_METHODS = "availableMethods";

    private HttpServer() {
    }

    /** The services behind the OAuth endpoints (RFC 8414, 7517, 7591, 7592, 6749, 7662, 7009). */
    public record OAuthServices(SigningKeys keys, RegistrationService registrations, ClientAuthenticator clientAuthenticator,
                                TokenService tokens) {
    }

    /**
     * The whole HTTP surface: the OAuth endpoints, the operator's surface (health, metrics, request ids), the routes
     * of {@code people} (the portal and the admin API, built by the container) and optionally HTTPS.
     */
    public static Javalin create(Config config, OAuthServices oauth, FailureGuard failureGuard, Operations ops, ServerTls tls,
                                 Consumer<RoutesConfig> people) {
        String issuer = config.issuer;
        MetadataEndpoint metadata = new MetadataEndpoint(issuer, config.audience, config.scopes, oauth.keys());
        JwksEndpoint jwks = new JwksEndpoint(oauth.keys(), config.jwksMaxAge);
        RegistrationEndpoint register = new RegistrationEndpoint(oauth.registrations(), issuer);
        RegistrationManagementEndpoint manage = new RegistrationManagementEndpoint(oauth.registrations(), issuer);
        TokenEndpoint token = new TokenEndpoint(oauth.clientAuthenticator(), oauth.tokens());
        IntrospectionEndpoint introspect = new IntrospectionEndpoint(oauth.clientAuthenticator(), oauth.tokens());
        RevocationEndpoint revoke = new RevocationEndpoint(oauth.clientAuthenticator(), oauth.tokens());
        ClientAddress clientAddress = new ClientAddress(Cidr.parseList(config.trustedProxies));

        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.http.maxRequestSize = config.maxBodyBytes;
            cfg.http.prefer405over404 = true;
            cfg.jetty.host = config.bind;
            cfg.jetty.port = config.port;
            TokenHandler fast = config.tokenFastPath ? new TokenHandler(token, ops, clientAddress, failureGuard, config.maxBodyBytes) : null;
            cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(new JsonErrorHandler());
                if (fast != null) fast.insertInto(server);
            });
            cfg.jetty.modifyHttpConfiguration(hc -> {
                hc.setSendServerVersion(false);
                hc.setSendDateHeader(true);
            });
            ProxyProtocol proxy = config.proxyProtocolFrom.isEmpty() ? null : new ProxyProtocol(Cidr.parseList(config.proxyProtocolFrom));
            if (tls != null) {
                cfg.jetty.addConnector((server, hc) -> {
                    if (proxy != null) hc.addCustomizer(proxy);
                    return tls.connector(server, hc, config.bind, config.port, proxy != null);
                });
            } else if (proxy != null) {
                cfg.jetty.addConnector((server, hc) -> {
                    hc.addCustomizer(proxy);
                    org.eclipse.jetty.server.ServerConnector c = new org.eclipse.jetty.server.ServerConnector(server,
                            ProxyProtocol.factory(org.eclipse.jetty.http.HttpVersion.HTTP_1_1.asString()),
                            new org.eclipse.jetty.server.HttpConnectionFactory(hc));
                    c.setHost(config.bind);
                    c.setPort(config.port);
                    return c;
                });
            }
            ops.install(cfg);

            cfg.routes.before(HttpServer::securityHeaders);
            cfg.routes.before(ctx -> ctx.attribute(Requests.CLIENT_ADDRESS,
                    clientAddress.resolve(ctx.req().getRemoteAddr(), java.util.Collections.list(ctx.req().getHeaders("X-Forwarded-For")))));
            // Guessing credentials: an address with too many failed authentications waits (429) before any is checked.
            for (String path : GUARDED) {
                cfg.routes.before(path, ctx -> refuseIfGuessing(failureGuard, Requests.clientAddress(ctx), ctx.path()));
                cfg.routes.after(path, ctx -> countFailure(failureGuard, ctx.statusCode(), Requests.clientAddress(ctx), ctx.path()));
            }

            cfg.routes.get("/.well-known/oauth-authorization-server", metadata::handle);
            cfg.routes.get("/jwks", jwks::handle);
            cfg.routes.post("/register", register::handle);
            cfg.routes.get("/register/{client_id}", manage::read);
            cfg.routes.put("/register/{client_id}", manage::update);
            cfg.routes.delete("/register/{client_id}", manage::delete);
            cfg.routes.post("/token", token::handle);
            cfg.routes.post("/introspect", introspect::handle);
            cfg.routes.post("/revoke", revoke::handle);
            people.accept(cfg.routes);
            cfg.routes.get("/health/live", ctx -> Responses.json(ctx, 200, Map.of("status", "up")));

            cfg.routes.exception(OAuthError.class, (e, ctx) -> Responses.error(ctx, e));
            cfg.routes.exception(InvalidInput.class, (e, ctx) -> Responses.invalidInput(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                // RFC 9110 §15.5.6: a 405 names the methods the resource supports.
                String allow = e.getStatus() == 405 ? e.getDetails().get(ALLOWED_METHODS) : null;
                if (allow != null) ctx.header("Allow", allow);
                httpError(ctx, e.getStatus(), e.getMessage());
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> Responses.error(ctx, unexpected(e, ctx.method().name(), Operations.loggedPath(ctx))));
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null) Responses.error(ctx, new OAuthError(404, "not_found", "no such endpoint", null));
            });
            cfg.routes.error(405, ctx -> Responses.error(ctx, new OAuthError(405, "invalid_request", "method not allowed", null)));
        });
    }

    /** Before a guarded endpoint: 429 for an address with too many failed authentications, before any credential is checked. */
    static void refuseIfGuessing(FailureGuard failureGuard, String address, String path) {
        long wait = failureGuard.blockedFor(address);
        if (wait > 0) {
            failureGuard.refused(address, path);
            throw OAuthError.rateLimited("failed authentications from this address", wait);
        }
    }

    /** After a guarded endpoint: a 401 takes a permit from the address's bucket. */
    static void countFailure(FailureGuard failureGuard, int status, String address, String path) {
        if (status == 401) failureGuard.failed(address, path);
    }

    /** What an exception no endpoint turned into an OAuth error is answered with (and logged as). */
    static OAuthError unexpected(Exception e, String method, String loggedPath) {
        if (org.gatehouse.server.store.Database.unavailable(e)) {
            // A database outage: fail fast with a retryable answer, not a hang and a 500.
            LOG.warn("database unavailable on {} {}: {}", method, loggedPath, e.toString());
            return OAuthError.temporarilyUnavailable("the service is temporarily unavailable: try again shortly", 5);
        }
        LOG.error("unexpected error on {} {}", method, loggedPath, e);
        return new OAuthError(500, "server_error", "internal error", null);
    }

    private static void httpError(Context ctx, int status, String message) {
        String description;
        if (status == 413) {
            description = "the request body is too large";
        } else if (status == 404) {
            description = "no such endpoint";
        } else if (status == 405) {
            description = "method not allowed";
        } else {
            description = status >= 500 ? "internal error" : "bad request";
        }
        String code = status == 404 ? "not_found" : status >= 500 ? "server_error" : "invalid_request";
        Responses.error(ctx, new OAuthError(status, code, description, null));
    }

    /** Strict headers on every response: this API serves no HTML. */
    private static void securityHeaders(Context ctx) {
        for (String[] h : SECURITY_HEADERS) ctx.header(h[0], h[1]);
    }

    static final String[][] SECURITY_HEADERS = {
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
        {"Cache-Control", "no-store"},
    };
}
