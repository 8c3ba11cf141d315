package org.gatehouse.server.portal;

import org.gatehouse.server.domain.AccountLink;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.accounts.PasswordGate;
import org.gatehouse.server.accounts.Passwords;
import org.gatehouse.server.accounts.SecurityKeys;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.accounts.Totp;
import org.gatehouse.server.oauth.Requests;

/** Sign-in (password, then second factor), sign-out, and completing a one-time setup link. */
final class SignInPages {
    /**
     * A refused sign-in. Not 401: RFC 9110 §15.5.2 requires a WWW-Authenticate challenge with it, and a
     * form has no scheme to name; 403 (§15.5.4) says the credentials given are not enough.
     */
    static final int REFUSED = 403;

    /** Too many passwords being checked at once (RFC 6585 §4: 429 with Retry-After); nothing was counted. */
    private static final String BUSY = "Gatehouse is busy checking other sign-ins. Wait a few seconds and try again.";

    /** How long a password-only session may wait for its second factor. */
    private static final long SECOND_FACTOR_WINDOW_MS = 10 * 60 * 1000L;
    private final Portal p;
    /** Security keys: offered before the code form when the account has one. */
    SecurityKeyPages keys;

    SignInPages(Portal p) {
        this.p = p;
    }

    void routes(RoutesConfig r) {
        r.get("/login", this::loginForm);
        r.post("/login", this::login);
        r.get("/login/code", this::codeForm);
        r.post("/login/code", this::code);
        r.post("/logout", this::logout);
        r.get("/setup/second-factor", this::secondFactorForm);
        r.get("/setup/ready", this::ready);
        r.post("/setup/second-factor", this::secondFactor);
        r.get("/setup/{token}", this::setupForm);
        r.post("/setup/{token}", this::setup);
    }

    /** The session for an anonymous form, made when there is none (it carries the form's CSRF token). */
    private Sessions.Current anonymous(Context ctx) {
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isPresent() && Sessions.ANONYMOUS.equals(s.get().row().stage())) return s.get();
        Sessions.Current fresh = p.sessions.rotate(s.orElse(null), Sessions.ANONYMOUS, null, null, null);
        p.setSession(ctx, fresh);
        return fresh;
    }

    // --- sign-in

    private void loginForm(Context ctx) {
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isPresent() && s.get().signedIn()) Portal.redirect(ctx, "/");
        renderLogin(ctx, anonymous(ctx), 200, "", null);
    }

    private void renderLogin(Context ctx, Sessions.Current s, int status, String email, String error) {
        p.render(ctx, status, null, "Sign in", null, "signin/login.jte", Portal.params("csrf", s.row().csrf(), "email", email, "error", error));
    }

    private void login(Context ctx) {
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isEmpty() || !Sessions.ANONYMOUS.equals(s.get().row().stage())) {
            renderLogin(ctx, anonymous(ctx), 400, "", "Your sign-in form expired. Please try again.");
            return;
        }
        p.checkCsrf(ctx, s.get());
        String email = ctx.formParam("email");
        AccountService.Attempt a = p.accounts.password(email, ctx.formParam("password"), Requests.clientAddress(ctx));
        switch (a.outcome()) {
            case THROTTLED -> {
                ctx.header("Retry-After", Long.toString(a.retryAfter()));
                renderLogin(ctx, s.get(), 429, email, "Too many attempts. Wait " + minutes(a.retryAfter()) + " and try again.");
            }
            case BUSY -> {
                ctx.header("Retry-After", Long.toString(a.retryAfter()));
                renderLogin(ctx, s.get(), 429, email, BUSY);
            }
            case FAILED -> renderLogin(ctx, s.get(), REFUSED, email, AccountService.SIGN_IN_FAILED);
            default -> {
                p.setSession(ctx, p.sessions.rotate(s.get(), Sessions.PASSWORD, a.account(), null, null));
                Portal.redirect(ctx, "/login/code");
            }
        }
    }

    Sessions.Current passwordStage(Context ctx) {
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isEmpty() || !Sessions.PASSWORD.equals(s.get().row().stage()) || s.get().account() == null
                || s.get().row().createdAt() + SECOND_FACTOR_WINDOW_MS < p.clock.millis()) {
            Portal.redirect(ctx, "/login");
        }
        return s.get();
    }

    private void codeForm(Context ctx) {
        renderCode(ctx, passwordStage(ctx), 200, null, null);
    }

    void renderCode(Context ctx, Sessions.Current s, int status, String error, String keyError) {
        SecurityKeys.Options key = keys.signInOptions(s);
        p.render(ctx, status, null, "Second factor", null, "signin/code.jte", Portal.params("csrf", s.row().csrf(), "key", key,
                "keyError", keyError, "error", error));
        if (key != null) SecurityKeyPages.allowScript(ctx);
    }

    private void code(Context ctx) {
        Sessions.Current s = passwordStage(ctx);
        p.checkCsrf(ctx, s);
        AccountService.Attempt a = p.accounts.secondFactor(s.account(), ctx.formParam("code"), Requests.clientAddress(ctx));
        switch (a.outcome()) {
            case THROTTLED -> {
                ctx.header("Retry-After", Long.toString(a.retryAfter()));
                renderCode(ctx, s, 429, "Too many attempts. Wait " + minutes(a.retryAfter()) + " and try again.", null);
            }
            case FAILED -> renderCode(ctx, s, REFUSED, "That code is not right, or it has been used already.", null);
            default -> {
                p.setSession(ctx, p.sessions.rotate(s, Sessions.FULL, s.account(), null, null));
                Portal.redirect(ctx, "/");
            }
        }
    }

    private void logout(Context ctx) {
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isEmpty()) Portal.redirect(ctx, "/login");
        p.checkCsrf(ctx, s.get());
        p.sessions.end(s.get().id());
        if (s.get().account() != null) p.accounts.signedOut(s.get().account(), Requests.clientAddress(ctx));
        p.clearSession(ctx);
        // "Sign out and open the invitation": back to that setup link, and only to a setup link
        String then = ctx.formParam("then");
        boolean setupLink = then != null && then.matches("/setup/[A-Za-z0-9_-]{1,200}") && !then.equals("/setup/second-factor");
        Portal.redirect(ctx, setupLink ? then : "/login");
    }

    private static String minutes(long seconds) {
        long m = (seconds + 59) / 60;
        return m <= 1 ? "a minute" : m + " minutes";
    }

    // --- setup links

    private Optional<AccountLink> link(Context ctx) {
        return p.accounts.openLink(ctx.pathParam("token"));
    }

    private void invalidLink(Context ctx) {
        p.render(ctx, 404, null, "Link not valid", null, "error.jte", Portal.params("message",
                "This setup link is not valid: it has expired or has been used already. Ask an admin for a new invitation."));
    }

    /**
     * The form of a setup link. Someone signed in who opens one is not signed out behind their back:
     * they get a page that says whose session this is, what the link is for, and a button to sign out
     * and continue.
     */
    private void setupForm(Context ctx) {
        Optional<AccountLink> link = link(ctx);
        if (link.isEmpty()) {
            invalidLink(ctx);
            return;
        }
        Optional<Sessions.Current> current = p.session(ctx);
        if (current.isPresent() && current.get().signedIn()) {
            p.render(ctx, 200, current.get(), "You are signed in", null, "signin/signedIn.jte", Portal.params("link", link.get(),
                    "path", "/setup/" + ctx.pathParam("token")));
            return;
        }
        renderSetup(ctx, anonymous(ctx), link.get(), 200, "", Map.of());
    }

    private void renderSetup(Context ctx, Sessions.Current s, AccountLink link, int status, String email, Map<String, String> errors) {
        p.render(ctx, status, null, "Set up your account", null, "signin/setup.jte", Portal.params("csrf", s.row().csrf(),
                "action", "/setup/" + ctx.pathParam("token"), "link", link, "email", email, "errors", errors, "minLength", Passwords.MIN_LENGTH));
    }

    private void setup(Context ctx) {
        Optional<AccountLink> link = link(ctx);
        if (link.isEmpty()) {
            invalidLink(ctx);
            return;
        }
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isEmpty() || !Sessions.ANONYMOUS.equals(s.get().row().stage())) {
            renderSetup(ctx, anonymous(ctx), link.get(), 400, "", Map.of("password", "Your form expired. Please try again."));
            return;
        }
        p.checkCsrf(ctx, s.get());
        String email = ctx.formParam("email");
        String password = ctx.formParam("password");
        Map<String, String> errors = new LinkedHashMap<>();
        if (link.get().email() == null) {
            try {
                AccountService.email(email);
            } catch (InvalidInput e) {
                FormErrors.addTo(errors, e, Map.of());
            }
        }
        String problem = Passwords.problem(password);
        if (problem != null) errors.put("password", problem);
        else if (!password.equals(ctx.formParam("confirm"))) errors.put("confirm", "The two passwords are not the same.");
        String sealed = null;
        int status = 400;
        if (errors.isEmpty()) {
            try {
                sealed = p.accounts.beginSetup(link.get(), email, password);
            } catch (InvalidInput e) {
                FormErrors.addTo(errors, e, link.get().email() == null ? Map.of() : Map.of("email", "password"));
            } catch (PasswordGate.Busy e) {
                ctx.header("Retry-After", Long.toString(e.retryAfter()));
                status = 429;
                errors.put("password", BUSY);
            }
        }
        if (!errors.isEmpty()) {
            renderSetup(ctx, s.get(), link.get(), status, email == null ? "" : email, errors);
            return;
        }
        p.setSession(ctx, p.sessions.rotate(s.get(), Sessions.ENROL, null, link.get().id(), sealed));
        Portal.redirect(ctx, "/setup/second-factor");
    }

    private Sessions.Current enrolStage(Context ctx) {
        Optional<Sessions.Current> s = p.session(ctx);
        if (s.isEmpty() || !Sessions.ENROL.equals(s.get().row().stage()) || s.get().row().pending() == null) {
            Portal.redirect(ctx, "/login");
        }
        return s.get();
    }

    private void secondFactorForm(Context ctx) {
        Sessions.Current s = enrolStage(ctx);
        renderSecondFactor(ctx, s, 200, null);
    }

    private void renderSecondFactor(Context ctx, Sessions.Current s, int status, String error) {
        AccountService.Pending pending = p.accounts.pending(s.row().linkId(), s.row().pending());
        String key = Totp.base32(pending.seed()).replaceAll("(.{4})", "$1 ").strip();
        p.render(ctx, status, null, "Set up your second factor", null, "signin/secondFactor.jte", Portal.params("csrf", s.row().csrf(),
                "key", key, "uri", Totp.uri("Gatehouse", pending.email(), pending.seed()), "error", error));
    }

    /** The end of a setup: the recovery codes, once (they come with the 303 from the last form, in the session's flash). */
    private void ready(Context ctx) {
        Sessions.Current s = p.signedIn(ctx);
        p.render(ctx, 200, s, "Account ready", null, "signin/ready.jte", Portal.params());
    }

    private void secondFactor(Context ctx) {
        Sessions.Current s = enrolStage(ctx);
        p.checkCsrf(ctx, s);
        Optional<AccountLink> link = p.accounts.link(s.row().linkId());
        if (link.isEmpty()) {
            invalidLink(ctx);
            return;
        }
        AccountService.Pending pending = p.accounts.pending(s.row().linkId(), s.row().pending());
        Optional<AccountService.Completed> done;
        try {
            done = p.accounts.completeSetup(link.get(), pending, ctx.formParam("code"), Requests.actor(ctx));
        } catch (InvalidInput e) {
            p.error(ctx, null, 409, "Setup not finished", e.summary());
            return;
        }
        if (done.isEmpty()) {
            renderSecondFactor(ctx, s, 400, "That code is not right. Check the clock of the device and enter the current code.");
            return;
        }
        Sessions.Current full = p.sessions.rotate(s, Sessions.FULL, done.get().account(), null, null);
        p.setSession(ctx, full);
        p.done(ctx, full, new View.Notice("Your account is ready.", "recovery-codes", String.join(" ", done.get().recoveryCodes())), "/setup/ready");
    }
}
