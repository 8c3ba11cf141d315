package org.gatehouse.server.portal;

import io.javalin.config.RoutesConfig;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import org.gatehouse.server.stats.Figures;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.ApiTokens;
import org.gatehouse.server.accounts.SecurityKeys;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.AuditExport;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.oauth.Requests;
import org.gatehouse.server.domain.AccountRecord;

/**
 * The portal's plumbing: routes, the session cookie, CSRF checks, the page layout and its
 * security headers. The pages themselves live in {@link SignInPages}, {@link IssuerPages} and
 * {@link AdminPages}.
 */
public final class Portal {
    /** Ends a request early with a response already set (a redirect or an error page). */
    static final class Halt extends RuntimeException {
        Halt() {
            super(null, null, false, false);
        }
    }

    private static final String SESSION_ATTR = "gatehouse.portal.session";
    static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    final Sessions sessions;
    final AccountService accounts;
    final SecurityKeys securityKeys;
    final ApiTokens apiTokens;
    final IatService iats;
    final InstallationService installations;
    final ResourceServers resourceServers;
    final SigningKeys keys;
    final AuditExport auditLog;
    final Figures figures;
    final Clock clock;
    final String issuer;
    /** The scopes a token may be given (GATEHOUSE_SCOPES). */
    final Set<String> scopes;
    final String cookieName;
    final boolean secure;
    final String origin;
    private final String css;
    /** The templates, compiled to Java at build time (jte-maven-plugin): nothing is compiled at run time. */
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html, null, "org.gatehouse.server.portal.templates");

    /** The portal gets the services its pages call, nothing else (issue 14 Must 1); the container builds it. */
    public Portal(Sessions sessions, AccountService accounts, SecurityKeys securityKeys, ApiTokens apiTokens, IatService iats,
                  InstallationService installations, ResourceServers resourceServers, SigningKeys keys, AuditExport auditLog, Figures figures, Clock clock,
                  String issuer, Set<String> scopes) {
        this.sessions = sessions;
        this.accounts = accounts;
        this.securityKeys = securityKeys;
        this.apiTokens = apiTokens;
        this.iats = iats;
        this.installations = installations;
        this.resourceServers = resourceServers;
        this.keys = keys;
        this.auditLog = auditLog;
        this.figures = figures;
        this.clock = clock;
        this.issuer = issuer;
        this.scopes = scopes;
        this.secure = issuer.startsWith("https://");
        this.cookieName = secure ? "__Host-gatehouse_session" : "gatehouse_session";
        java.net.URI u = java.net.URI.create(issuer);
        this.origin = u.getScheme() + "://" + u.getRawAuthority();
        this.css = resource("/portal/portal.css");
    }

    /** Registers every portal route. */
    public void routes(RoutesConfig routes) {
        Portal p = this;
        SignInPages signIn = new SignInPages(p);
        IssuerPages issuer = new IssuerPages(p);
        AdminPages admin = new AdminPages(p);
        SecurityKeyPages keys = new SecurityKeyPages(p, signIn);
        signIn.keys = keys;
        routes.exception(Halt.class, (e, ctx) -> { });
        routes.get("/static/portal.css", ctx -> {
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType("text/css; charset=utf-8");
            ctx.result(p.css);
        });
        signIn.routes(routes);
        issuer.routes(routes);
        admin.routes(routes);
        new ApiTokenPages(p).routes(routes);
        keys.routes(routes);
    }

    // --- sessions

    Optional<Sessions.Current> session(Context ctx) {
        Object cached = ctx.attribute(SESSION_ATTR);
        if (cached != null) return ((Optional<Sessions.Current>) cached);
        Optional<Sessions.Current> s = sessions.load(ctx.cookie(cookieName));
        ctx.attribute(SESSION_ATTR, s);
        return s;
    }

    void setSession(Context ctx, Sessions.Current s) {
        ctx.attribute(SESSION_ATTR, Optional.of(s));
        ctx.res().addHeader("Set-Cookie", cookieName + "=" + s.id() + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : ""));
    }

    void clearSession(Context ctx) {
        ctx.attribute(SESSION_ATTR, Optional.empty());
        ctx.res().addHeader("Set-Cookie", cookieName + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : ""));
    }

    /** A signed-in session, or a redirect to the sign-in page. */
    Sessions.Current signedIn(Context ctx) {
        Optional<Sessions.Current> s = session(ctx);
        if (s.isEmpty() || !s.get().signedIn()) {
            redirect(ctx, "/login");
        }
        return s.get();
    }

    /** A signed-in admin; issuers get 403. */
    Sessions.Current admin(Context ctx) {
        Sessions.Current s = signedIn(ctx);
        if (!s.account().isAdmin()) {
            error(ctx, s, 403, "Not allowed", "This page is for admins only.");
        }
        return s;
    }

    /**
     * CSRF defence for every state-changing request: the synchronizer token of the session must come
     * back in the form, and a browser's Origin header, when sent, must be ours.
     */
    void checkCsrf(Context ctx, Sessions.Current s) {
        String sent = ctx.formParam("csrf");
        // With Referrer-Policy no-referrer browsers send "Origin: null" on same-origin form posts; Sec-Fetch-Site
        // still tells a cross-site post apart. A foreign Origin or a cross-site fetch is refused outright.
        String originHeader = ctx.header("Origin");
        String fetchSite = ctx.header("Sec-Fetch-Site");
        boolean sameSite = (originHeader == null || originHeader.equals(origin) || originHeader.equals("null"))
                && (fetchSite == null || fetchSite.equals("same-origin") || fetchSite.equals("none"));
        boolean ok = s != null && sent != null && sameSite
                && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8), s.row().csrf().getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            error(ctx, s != null && s.signedIn() ? s : null, 403, "Form expired",
                    "This form has expired or did not come from this site. Go back, reload the page and try again.");
        }
    }

    Actor actor(Context ctx, AccountRecord a) {
        return AccountService.actor(a, Requests.clientAddress(ctx));
    }

    // --- responses

    static void redirect(Context ctx, String path) {
        ctx.status(303);
        ctx.header("Location", path);
        ctx.result("");
        throw new Halt();
    }

    void error(Context ctx, Sessions.Current s, int status, String title, String message) {
        render(ctx, status, s, title, null, "error.jte", Map.of("message", message));
        throw new Halt();
    }

    /**
     * Writes a page from a template with the portal's strict headers. The template gets {@code f}, the
     * frame (title, who is signed in, the nav entry, the notice left by the POST that redirected here),
     * and the given parameters.
     */
    /**
     * The confirmation page of a destructive action (confirm.jte). It posts back to the path it was shown at: every
     * destructive action answers GET with this page and does its work on POST with confirm=yes.
     */
    void confirm(Context ctx, Sessions.Current s, String title, String current, String message, String button, String back, boolean reason) {
        render(ctx, 200, s, title, current, "confirm.jte", params("message", message, "action", ctx.path(), "button", button, "back", back,
                "reason", reason));
    }

    /** The POST side of {@link #confirm}: a form that skipped the page (no confirm=yes) is sent to it; nothing is done. */
    static void requireConfirmed(Context ctx) {
        if (!"yes".equals(ctx.formParam("confirm"))) redirect(ctx, ctx.path());
    }

    void render(Context ctx, int status, Sessions.Current s, String title, String current, String template, Map<String, Object> params) {
        Map<String, Object> all = new HashMap<>(params);
        all.put("f", frame(s, title, current, status == 200 && s != null ? notice(s) : null));
        StringOutput out = new StringOutput(8192);
        templates.render(template, all, out);
        headers(ctx);
        ctx.status(status);
        ctx.contentType("text/html; charset=utf-8");
        ctx.result(out.toString());
    }

    /** A template's parameters, name then value (values may be null, unlike Map.of). */
    static Map<String, Object> params(Object... nameValue) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) m.put((String) nameValue[i], nameValue[i + 1]);
        return m;
    }

    private static View.Frame frame(Sessions.Current s, String title, String current, View.Notice notice) {
        if (s == null || !s.signedIn()) return new View.Frame(title, null, false, null, current, notice);
        AccountRecord a = s.account();
        return new View.Frame(title, a.email(), a.isAdmin(), s.row().csrf(), current, notice);
    }

    /** The notice (and one-time secret) the last action left for this session, once. */
    private View.Notice notice(Sessions.Current s) {
        return s.signedIn() ? sessions.takeFlash(s).map(View.Notice::decode).orElse(null) : null;
    }

    /** POST-redirect-GET: keeps a notice for the next page of this session, then answers 303 to it. */
    void done(Context ctx, Sessions.Current s, View.Notice notice, String path) {
        sessions.setFlash(s, notice.encode());
        redirect(ctx, path);
    }

    static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cache-Control", "no-store");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
        ctx.header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    }

    static String resource(String path) {
        try (InputStream in = Portal.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
