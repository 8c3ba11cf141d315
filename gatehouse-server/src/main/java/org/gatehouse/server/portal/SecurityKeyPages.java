package org.gatehouse.server.portal;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.SecurityKeys;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.oauth.Requests;
import org.gatehouse.server.store.WebAuthnStore;

/**
 * Security keys (WebAuthn): the page that lists, adds and removes an account's keys, the key step
 * of sign-in, and the same-origin script that talks to navigator.credentials. Only the pages that
 * run a ceremony allow {@code script-src 'self'}; everything else keeps the script-free CSP.
 */
final class SecurityKeyPages {
    static final String CSP_WITH_SCRIPT = Portal.CSP.replace("default-src 'none';", "default-src 'none'; script-src 'self';");
    static final String SCRIPT = "<script src=\"/static/webauthn.js\" defer></script>";
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
        r.post("/account/keys/{id}/delete", this::remove);
        r.post("/login/key", this::signIn);
    }

    /** Lets a page that runs a ceremony load the script (and only that page). */
    static void allowScript(Context ctx) {
        ctx.header("Content-Security-Policy", CSP_WITH_SCRIPT);
    }

    // --- the account's keys

    private void list(Context ctx) {
        render(ctx, p.signedIn(ctx), 200, null, null, "");
    }

    private void render(Context ctx, Sessions.Current s, int status, String notice, String error, String label) {
        List<WebAuthnStore.Credential> keys = p.g.securityKeys.list(s.account().id());
        SecurityKeys.Options o = p.g.securityKeys.registrationOptions(s);
        StringBuilder b = new StringBuilder();
        if (notice != null) b.append("<div class=\"notice\" role=\"status\"><p>").append(Html.e(notice)).append("</p></div>");
        b.append("<p>A security key (such as a YubiKey) or a passkey signs you in after your password with one touch."
                + " Your authenticator app and recovery codes keep working as a fallback.</p>");
        if (keys.isEmpty()) {
            b.append("<p id=\"no-keys\">You have no security keys yet.</p>");
        } else {
            b.append("<table id=\"keys\"><caption>Your security keys</caption><thead><tr><th scope=\"col\">Name</th>"
                    + "<th scope=\"col\">Added</th><th scope=\"col\">Last used</th><th scope=\"col\">Action</th></tr></thead><tbody>");
            for (WebAuthnStore.Credential k : keys) {
                b.append("<tr><td>").append(Html.e(k.label())).append("</td><td>").append(Html.time(k.createdAt()))
                        .append("</td><td>").append(Html.time(k.lastUsedAt())).append("</td><td>")
                        .append("<form method=\"post\" action=\"/account/keys/").append(Html.e(k.id())).append("/delete\">")
                        .append(Html.csrf(s.row().csrf()))
                        .append("<button type=\"submit\" aria-label=\"Remove ").append(Html.e(k.label())).append("\">Remove</button></form></td></tr>");
            }
            b.append("</tbody></table>");
        }
        b.append("<h2>Add a security key</h2>");
        if (!p.g.securityKeys.browsersAccept()) {
            b.append("<div class=\"alert\" id=\"rp-id-warning\"><p>Browsers accept security keys only on a site with a host name,"
                    + " not an IP address such as ").append(Html.e(p.g.securityKeys.rpId()))
                    .append(". Ask the operator to set GATEHOUSE_ISSUER to a host name (for a trial on this machine: http://localhost and the port).</p></div>");
        }
        if (keys.size() >= SecurityKeys.MAX_KEYS) {
            b.append("<p>You have the most keys an account can have (").append(SecurityKeys.MAX_KEYS).append("). Remove one to add another.</p>");
        } else {
            b.append("<p data-webauthn-fallback>Adding a security key needs JavaScript and a browser that supports security keys.</p>");
            b.append("<div data-webauthn-section hidden>");
            if (error != null) b.append("<div class=\"alert\" role=\"alert\" id=\"key-error\"><p>").append(Html.e(error)).append("</p></div>");
            b.append("<form method=\"post\" action=\"/account/keys\" id=\"add-key\" novalidate data-webauthn=\"create\"")
                    .append(ceremonyData(o)).append(">").append(Html.csrf(s.row().csrf()))
                    .append(Html.field("text", "label", "Name of the key", label, "For example \"YubiKey on my key ring\".", null,
                            "maxlength=\"" + SecurityKeys.MAX_LABEL + "\" autocomplete=\"off\" required"))
                    .append(hidden("credential_id", "client_data", "attestation_object", "transports"))
                    .append("<div><button type=\"submit\">Add security key</button></div>")
                    .append("<p role=\"status\" data-webauthn-status></p></form></div>");
        }
        b.append(SCRIPT);
        p.html(ctx, status, s, "Security keys", b.toString(), "/account/keys");
        allowScript(ctx);
    }

    private void add(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        String label = ctx.formParam("label");
        try {
            WebAuthnStore.Credential c = p.g.securityKeys.register(s, label, response(ctx), Requests.clientAddress(ctx));
            render(ctx, s, 201, "Security key \"" + c.label() + "\" added.", null, "");
        } catch (IllegalArgumentException e) {
            render(ctx, s, 400, null, e.getMessage(), label == null ? "" : label);
        }
    }

    private void remove(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.checkCsrf(ctx, s);
        if (!p.g.securityKeys.remove(s.account(), ctx.pathParam("id"), Requests.clientAddress(ctx))) {
            p.error(ctx, s, 404, "Not found", "There is no such security key on your account.");
        }
        render(ctx, s, 200, "Security key removed.", null, "");
    }

    // --- sign-in

    /** The security-key part of the second-factor page: empty when the account has no key. Call before the page is written. */
    String signInSection(Sessions.Current s, String error) {
        if (!p.g.securityKeys.has(s.account().id())) return "";
        SecurityKeys.Options o = p.g.securityKeys.authenticationOptions(s);
        StringBuilder b = new StringBuilder("<section data-webauthn-section hidden aria-labelledby=\"key-heading\">"
                + "<h2 id=\"key-heading\">Security key</h2>");
        if (error != null) b.append("<div class=\"alert\" role=\"alert\" id=\"key-error\"><p>").append(Html.e(error)).append("</p></div>");
        b.append("<form method=\"post\" action=\"/login/key\" id=\"key-sign-in\" data-webauthn=\"get\"").append(ceremonyData(o)).append(">")
                .append(Html.csrf(s.row().csrf()))
                .append(hidden("credential_id", "client_data", "authenticator_data", "signature", "user_handle"))
                .append("<div><button type=\"submit\">Use security key</button></div>")
                .append("<p role=\"status\" data-webauthn-status></p></form></section>")
                .append(SCRIPT);
        return b.toString();
    }

    private void signIn(Context ctx) {
        Sessions.Current s = signIn.passwordStage(ctx);
        p.checkCsrf(ctx, s);
        AccountService.Attempt a = p.g.securityKeys.authenticate(s, response(ctx), Requests.clientAddress(ctx));
        switch (a.outcome()) {
            case THROTTLED -> {
                ctx.header("Retry-After", Long.toString(a.retryAfter()));
                signIn.renderCode(ctx, s, 429, null, "Too many attempts. Wait a few minutes and try again.");
            }
            case FAILED -> signIn.renderCode(ctx, s, SignInPages.REFUSED, null,
                    "The security key could not be verified. Try again, or enter a code from your authenticator app.");
            default -> {
                p.setSession(ctx, p.g.sessions.rotate(s, Sessions.FULL, s.account(), null, null));
                Portal.redirect(ctx, "/");
            }
        }
    }

    // --- helpers

    private static SecurityKeys.Response response(Context ctx) {
        return new SecurityKeys.Response(ctx.formParam("credential_id"), ctx.formParam("client_data"), ctx.formParam("attestation_object"),
                ctx.formParam("authenticator_data"), ctx.formParam("signature"), ctx.formParam("user_handle"), ctx.formParam("transports"));
    }

    private static String ceremonyData(SecurityKeys.Options o) {
        return " data-challenge=\"" + Html.e(o.challenge()) + "\" data-rp-id=\"" + Html.e(o.rpId()) + "\" data-user-id=\""
                + Html.e(o.userId()) + "\" data-user-name=\"" + Html.e(o.userName()) + "\" data-timeout=\"" + o.timeoutMillis()
                + "\" data-credentials=\"" + Html.e(String.join(" ", o.credentialIds())) + "\"";
    }

    private static String hidden(String... names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) b.append("<input type=\"hidden\" name=\"").append(n).append("\" value=\"\">");
        return b.toString();
    }
}
