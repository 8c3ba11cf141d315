package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.server.accounts.Totp;
import org.gatehouse.server.testing.Http;

/** A browser stand-in over real HTTP: keeps the session cookie, follows no redirects, reads forms' CSRF tokens. */
final class PortalClient {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final Pattern COOKIE = Pattern.compile("^([^=]+)=([^;]*)");
    final String base;
    final String cookieName;
    String cookie;
    String lastCsrf;
    private final Http http;

    PortalClient(String base) {
        this(base, "gatehouse_session");
    }

    PortalClient(String base, String cookieName) {
        this.base = base;
        this.cookieName = cookieName;
        this.http = new Http(base);
    }

    record Page(int status, java.net.http.HttpHeaders headers, String body) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String location() {
            return header("Location");
        }

        String find(String regex) {
            Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(body);
            assertThat(m.find()).as("pattern %s in %s", regex, body).isTrue();
            return m.group(1);
        }
    }

    Page get(String path) {
        return send("GET", path, null, null, Map.of());
    }

    /** A form POST with the CSRF token of the last page (unless the form map has its own "csrf"). */
    Page post(String path, String... kv) {
        Map<String, String> form = new LinkedHashMap<>();
        if (lastCsrf != null) form.put("csrf", lastCsrf);
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) form.remove(kv[i]);
            else form.put(kv[i], kv[i + 1]);
        }
        return postRaw(path, Http.form(form), Map.of());
    }

    /**
     * A form POST that must answer 303 (POST-redirect-GET), followed like a browser: the page the
     * redirect leads to (which shows the notice and any one-time secret).
     */
    Page postFollow(String path, String... kv) {
        return follow(post(path, kv));
    }

    /** The page a 303 leads to, fetched like a browser does. */
    Page follow(Page p) {
        assertThat(p.status()).as(p.body()).isEqualTo(303);
        return get(p.location());
    }

    Page postRaw(String path, String body, Map<String, String> headers) {
        return send("POST", path, "application/x-www-form-urlencoded", body, headers);
    }

    private Page send(String method, String path, String contentType, String body, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        if (cookie != null) all.put("Cookie", cookieName + "=" + cookie);
        Http.Response r = http.exchange(method, path, contentType, body, all);
        for (String sc : r.headers().allValues("Set-Cookie")) {
            Matcher m = COOKIE.matcher(sc);
            if (m.find() && m.group(1).equals(cookieName)) cookie = m.group(2).isEmpty() ? null : m.group(2);
        }
        Matcher m = CSRF.matcher(r.body());
        if (m.find()) lastCsrf = m.group(1);
        return new Page(r.status(), r.headers(), r.body());
    }

    /**
     * The oldest TOTP step a test may still use: the server accepts now ± 1, so a code of the previous
     * step is good only until the current step ends. Used only with 15 s of that left, so a slow
     * browser or a loaded machine cannot carry the code out of the window between typing and checking.
     */
    static long earliestSafeStep(long nowMillis) {
        long now = Totp.step(nowMillis);
        long leftMillis = (now + 1) * Totp.STEP_SECONDS * 1000L - nowMillis;
        return leftMillis >= 15_000 ? now - 1 : now;
    }

    // --- flows

    /** A person who completed a setup link: their e-mail, password and TOTP seed. */
    static final class Person {
        final String email;
        final String password;
        final byte[] seed;
        final java.util.List<String> recoveryCodes;
        long lastStep;

        Person(String email, String password, byte[] seed, java.util.List<String> recoveryCodes, long lastStep) {
            this.email = email;
            this.password = password;
            this.seed = seed;
            this.recoveryCodes = recoveryCodes;
            this.lastStep = lastStep;
        }

        /** A TOTP code of a step not used yet (the server refuses replays); waits for the clock when needed. */
        String nextCode() {
            long step = Math.max(earliestSafeStep(System.currentTimeMillis()), lastStep + 1);
            while (step > Totp.step(System.currentTimeMillis()) + 1) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            lastStep = step;
            return Totp.code(seed, step);
        }
    }

    /** Completes a setup link: password, then the TOTP key the page shows; ends signed in. */
    Person completeSetup(String url, String email, String password) {
        Page form = get(url);
        assertThat(form.status()).as(form.body()).isEqualTo(200);
        Page set = email == null || !form.body().contains("name=\"email\"")
                ? post(url, "password", password, "confirm", password)
                : post(url, "email", email, "password", password, "confirm", password);
        assertThat(set.status()).as(set.body()).isEqualTo(303);
        assertThat(set.location()).isEqualTo("/setup/second-factor");
        Page totp = get("/setup/second-factor");
        byte[] seed = Totp.fromBase32(totp.find("id=\"totp-key\">([A-Z2-7 ]+)<"));
        long step = Totp.step(System.currentTimeMillis());
        Page done = postFollow("/setup/second-factor", "code", Totp.code(seed, step));
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("Recovery codes");
        java.util.List<String> codes = new java.util.ArrayList<>();
        Matcher m = Pattern.compile("<li>([a-z0-9x]{5}-[a-z0-9x]{5})</li>").matcher(done.body());
        while (m.find()) codes.add(m.group(1));
        String e = email;
        if (e == null) e = form.body().replaceAll("(?s).*E-mail address: <strong>([^<]+)</strong>.*", "$1");
        return new Person(e, password, seed, codes, step);
    }

    /** Signs in with a password and a TOTP code of the given step (callers choose steps so none is replayed). */
    Page signIn(String email, String password, String code) {
        get("/login");
        Page p = post("/login", "email", email, "password", password);
        if (p.status() != 303) return p;
        get("/login/code");
        Page done = post("/login/code", "code", code);
        if (done.status() == 303) get("/"); // like a browser: the next forms carry the new session's token
        return done;
    }

    Page signIn(Person person) {
        Page p = signIn(person.email, person.password, person.nextCode());
        assertThat(p.status()).as(p.body()).isEqualTo(303);
        return p;
    }
}
