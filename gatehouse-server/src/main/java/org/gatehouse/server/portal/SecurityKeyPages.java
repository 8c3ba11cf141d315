package org.gatehouse.server.portal;

import org.gatehouse.server.domain.SecurityKeyRecord;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.SecurityKeys;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.oauth.Requests;

/**
 * Security keys (WebAuthn): the page that lists, adds and removes an account's keys, the key step
 * of sign-in, and the same-origin script that talks to navigator.credentials. Only the pages that
 * run a ceremony allow {@code script-src 'self'}; everything else keeps the script-free CSP.
 */
final class SecurityKeyPages {
    static final String CSP_WITH_SCRIPT = Portal.CSP.replace("default-src 'none';", "default-src 'none'; script-src 'self';");
    private final Portal p;
    private final SignInPages signIn;
    private final String js;

    SecurityKeyPages(Portal p, SignInPages signIn) {
        this.p = p;
        this.signIn = signIn;
        this.js = Portal.resource("/portal/webauthn.js");
    }

    void routes(RoutesConfig r) {
        r.get("/static/webauthn.js", ctx -> {
            Portal.headers(ctx);
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType("text/javascript; charset=utf-8");
            ctx.result(js);
        });
        r.get("/account/keys", this::list);
        r.post("/account/keys", this::add);
        r.get("/account/keys/{id}/delete", this::confirmRemove);
        r.post("/account/keys/{id}/delete", this::remove);
        r.post("/login/key", this::signIn);
    }

    /** Lets a page that runs a ceremony load the script (and only that page). */
    static void allowScript(Context ctx) {
        ctx.header("Content-Security-Policy", CSP_WITH_SCRIPT);
    }

    // --- the account's keys

    private void list(Context ctx) {
        render(ctx, p.signedIn(ctx), 200, null, "");
    }

    /**
     * The account's keys and the form to add one. On an issuer whose host is an IP address no browser
     * accepts a key, so the page says so instead of offering a form that cannot work.
     */
    private void render(Context ctx, Sessions.Current s, int status, String error, String label) {
        List<SecurityKeyRecord> keys = p.securityKeys.list(s.account().id());
        boolean accept = p.securityKeys.browsersAccept();
        SecurityKeys.Options o = accept && keys.size() < SecurityKeys.MAX_KEYS ? p.securityKeys.registrationOptions(s) : null;
        p.render(ctx, status, s, "Security keys", "/account/keys", "keys.jte", Portal.params("keys", keys, "browsersAccept", accept,
                "rpId", p.securityKeys.rpId(), "o", o, "maxKeys", SecurityKeys.MAX_KEYS, "maxLabel", SecurityKeys.MAX_LABEL,
                "error", error, "label", label));
        if (o != null) allowScript(ctx);
    }

    private void add(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        String label = ctx.formParam("label");
        SecurityKeyRecord c;
        try {
            c = p.securityKeys.register(s, label, response(ctx), Requests.clientAddress(ctx));
        } catch (InvalidInput e) {
            render(ctx, s, 400, AdminPages.sentence(e.summary()), label == null ? "" : label);
            return;
        }
        p.done(ctx, s, View.Notice.of("Security key \"" + View.shorten(c.label(), 80) + "\" added."), "/account/keys");
    }

    private SecurityKeyRecord mine(Context ctx, Sessions.Current s) {
        String id = ctx.pathParam("id");
        return p.securityKeys.list(s.account().id()).stream().filter(k -> k.id().equals(id)).findFirst()
                .orElseGet(() -> {
                    p.error(ctx, s, 404, "Not found", "There is no such security key on your account.");
                    return null;
                });
    }

    private void confirmRemove(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        SecurityKeyRecord k = mine(ctx, s);
        p.confirm(ctx, s, "Remove security key?", "/account/keys", "This removes the security key \u201c"
                + k.label() + "\u201d from your account: it no longer signs you in. Your authenticator app and recovery codes keep working.", "Yes, remove the key", "/account/keys", false);
    }

    private void remove(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        SecurityKeyRecord k = mine(ctx, s);
        Portal.requireConfirmed(ctx);
        if (!p.securityKeys.remove(s.account(), k.id(), Requests.clientAddress(ctx))) {
            p.error(ctx, s, 404, "Not found", "There is no such security key on your account.");
        }
        p.done(ctx, s, View.Notice.of("Security key \u201c" + View.shorten(k.label(), 80) + "\u201d removed."), "/account/keys");
    }

    // --- sign-in

    /** The ceremony for the second-factor page's security-key part: null when the account has no key. */
    SecurityKeys.Options signInOptions(Sessions.Current s) {
        return p.securityKeys.has(s.account().id()) ? p.securityKeys.authenticationOptions(s) : null;
    }

    private void signIn(Context ctx) {
        Sessions.Current s = signIn.passwordStage(ctx);
        p.checkCsrf(ctx, s);
        AccountService.Attempt a = p.securityKeys.authenticate(s, response(ctx), Requests.clientAddress(ctx));
        switch (a.outcome()) {
            case THROTTLED -> {
                ctx.header("Retry-After", Long.toString(a.retryAfter()));
                signIn.renderCode(ctx, s, 429, null, "Too many attempts. Wait a few minutes and try again.");
            }
            case FAILED -> signIn.renderCode(ctx, s, SignInPages.REFUSED, null,
                    "The security key could not be verified. Try again, or enter a code from your authenticator app.");
            default -> {
                p.setSession(ctx, p.sessions.rotate(s, Sessions.FULL, s.account(), null, null));
                Portal.redirect(ctx, "/");
            }
        }
    }

    // --- helpers

    private static SecurityKeys.Response response(Context ctx) {
        return new SecurityKeys.Response(ctx.formParam("credential_id"), ctx.formParam("client_data"), ctx.formParam("attestation_object"),
                ctx.formParam("authenticator_data"), ctx.formParam("signature"), ctx.formParam("user_handle"), ctx.formParam("transports"));
    }
}
