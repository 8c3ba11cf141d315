package org.gatehouse.server.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import org.gatehouse.server.Gatehouse;
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

    public static Javalin create(Gatehouse g) {
        return create(g, new Operations(g), null);
    }

    /** With the operator's surface (health, metrics, request ids) and optionally HTTPS. */
    public static Javalin create(Gatehouse g, Operations ops, ServerTls tls) {
        String issuer = g.config.issuer;
        MetadataEndpoint metadata = new MetadataEndpoint(issuer, g.config.audience, g.config.scopes, g.keys);
        JwksEndpoint jwks = new JwksEndpoint(g.keys, g.config.jwksMaxAge);
        RegistrationEndpoint register = new RegistrationEndpoint(g.registrations, issuer);
        RegistrationManagementEndpoint manage = new RegistrationManagementEndpoint(g.registrations, issuer);
        TokenEndpoint token = new TokenEndpoint(g.clientAuthenticator, g.tokens);
        IntrospectionEndpoint introspect = new IntrospectionEndpoint(g.clientAuthenticator, g.tokens);
        RevocationEndpoint revoke = new RevocationEndpoint(g.clientAuthenticator, g.tokens);
        ClientAddress clientAddress = new ClientAddress(Cidr.parseList(g.config.trustedProxies));

        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.http.maxRequestSize = g.config.maxBodyBytes;
            cfg.http.prefer405over404 = true;
            cfg.jetty.host = g.config.bind;
            cfg.jetty.port = g.config.port;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            cfg.jetty.modifyHttpConfiguration(hc -> {
                hc.setSendServerVersion(false);
                hc.setSendDateHeader(true);
            });
            ProxyProtocol proxy = g.config.proxyProtocolFrom.isEmpty() ? null : new ProxyProtocol(Cidr.parseList(g.config.proxyProtocolFrom));
            if (tls != null) {
                cfg.jetty.addConnector((server, hc) -> {
                    if (proxy != null) hc.addCustomizer(proxy);
                    return tls.connector(server, hc, g.config.bind, g.config.port, proxy != null);
                });
            } else if (proxy != null) {
                cfg.jetty.addConnector((server, hc) -> {
                    hc.addCustomizer(proxy);
                    org.eclipse.jetty.server.ServerConnector c = new org.eclipse.jetty.server.ServerConnector(server,
                            ProxyProtocol.factory(org.eclipse.jetty.http.HttpVersion.HTTP_1_1.asString()),
                            new org.eclipse.jetty.server.HttpConnectionFactory(hc));
                    c.setHost(g.config.bind);
                    c.setPort(g.config.port);
                    return c;
                });
            }
            ops.install(cfg);

            cfg.routes.before(HttpServer::securityHeaders);
            cfg.routes.before(ctx -> ctx.attribute(Requests.CLIENT_ADDRESS,
                    clientAddress.resolve(ctx.req().getRemoteAddr(), java.util.Collections.list(ctx.req().getHeaders("X-Forwarded-For")))));
            // Guessing credentials: an address with too many failed authentications waits (429) before any is checked.
            for (String path : GUARDED) {
                cfg.routes.before(path, ctx -> {
                    long wait = g.failureGuard.blockedFor(Requests.clientAddress(ctx));
                    if (wait > 0) {
                        g.failureGuard.refused(Requests.clientAddress(ctx), ctx.path());
                        throw OAuthError.rateLimited("failed authentications from this address", wait);
                    }
                });
                cfg.routes.after(path, ctx -> {
                    if (ctx.statusCode() == 401) g.failureGuard.failed(Requests.clientAddress(ctx), ctx.path());
                });
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
            org.gatehouse.server.portal.Portal.register(cfg.routes, g);
            org.gatehouse.server.api.Api.register(cfg.routes, g);
            cfg.routes.get("/health/live", ctx -> Responses.json(ctx, 200, Map.of("status", "up")));

            cfg.routes.exception(OAuthError.class, (e, ctx) -> Responses.error(ctx, e));
            cfg.routes.exception(InvalidInput.class, (e, ctx) -> Responses.invalidInput(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                // RFC 9110 §15.5.6: a 405 names the methods the resource supports.
                String allow = e.getStatus() == 405 ? e.getDetails().get(ALLOWED_METHODS) : null;
                if (allow != null) ctx.header("Allow", allow);
                httpError(ctx, e.getStatus(), e.getMessage());
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                if (org.gatehouse.server.store.Database.unavailable(e)) {
                    // A database outage: fail fast with a retryable answer, not a hang and a 500.
                    LOG.warn("database unavailable on {} {}: {}", ctx.method(), Operations.loggedPath(ctx), e.toString());
                    Responses.error(ctx, OAuthError.temporarilyUnavailable("the service is temporarily unavailable: try again shortly", 5));
                    return;
                }
                LOG.error("unexpected error on {} {}", ctx.method(), Operations.loggedPath(ctx), e);
                Responses.error(ctx, new OAuthError(500, "server_error", "internal error", null));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null) Responses.error(ctx, new OAuthError(404, "not_found", "no such endpoint", null));
            });
            cfg.routes.error(405, ctx -> Responses.error(ctx, new OAuthError(405, "invalid_request", "method not allowed", null)));
        });
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
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        ctx.header("Cache-Control", "no-store");
    }
}
