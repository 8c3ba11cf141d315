package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.gatehouse.server.accounts.Sessions;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Security review 2026-12, item 9: an anonymous GET /login stores nothing (its form token is signed,
 * not a session row), and the sign-in form's CSRF defence still holds: a forged, foreign, tampered or
 * expired form token is refused.
 */
@BothBackends
class SignInFormTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private long anonymousRows() {
        return s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM portal_sessions WHERE stage = 'anonymous'")
                .mapTo(Long.class).one());
    }

    @Test
    void fiveHundredAnonymousSignInFormsStoreNoSessionRow() {
        for (int i = 0; i < 500; i++) {
            PortalClient c = new PortalClient(s().issuer);
            assertThat(c.get("/login").status()).isEqualTo(200);
        }
        PortalClient c = new PortalClient(s().issuer);
        PortalTest.admin(s(), c); // and a whole setup (its form is anonymous too)
        assertThat(anonymousRows()).isZero();
    }

    @Test
    void theSignInFormStillNeedsItsOwnUnexpiredSignedToken() {
        PortalClient a = new PortalClient(s().issuer);
        PortalClient.Person admin = PortalTest.admin(s(), a);
        PortalClient x = new PortalClient(s().issuer);
        assertThat(x.get("/login").status()).isEqualTo(200);
        String good = x.lastCsrf;
        // A forged CSRF token, and another form's (valid, but bound to another cookie), are refused.
        assertThat(x.post("/login", "email", admin.email, "password", admin.password, "csrf", Secrets.randomId(32)).status()).isEqualTo(403);
        PortalClient other = new PortalClient(s().issuer);
        other.get("/login");
        assertThat(x.post("/login", "email", admin.email, "password", admin.password, "csrf", other.lastCsrf).status()).isEqualTo(403);
        // A cookie whose issue time was changed no longer verifies: the form is refused as expired.
        String cookie = x.cookie;
        String[] p = cookie.split("\\.");
        x.cookie = "f." + (Long.parseLong(p[1]) + 1) + "." + p[2] + "." + p[3];
        PortalClient.Page tampered = x.post("/login", "email", admin.email, "password", admin.password, "csrf", good);
        assertThat(tampered.status()).isEqualTo(400);
        assertThat(tampered.body()).contains("Your sign-in form expired");
        // A genuine token made with the server's key, issued longer ago than a form lives: expired.
        Clock past = Clock.fixed(Instant.now().minus(Sessions.FORM_TTL).minusSeconds(60), ZoneOffset.UTC);
        Sessions old = new Sessions(null, null, null, Sessions.formKey(MasterKey.load(s().config.masterKey, s().config.dataDir)),
                past, Duration.ofMinutes(30), Duration.ofHours(12));
        Sessions.Current expired = old.start(Sessions.ANONYMOUS, null, null, null);
        PortalClient y = new PortalClient(s().issuer);
        y.cookie = expired.id();
        PortalClient.Page late = y.post("/login", "email", admin.email, "password", admin.password, "csrf", expired.row().csrf());
        assertThat(late.status()).isEqualTo(400);
        assertThat(late.body()).contains("Your sign-in form expired");
        // The same key and a fresh issue time: accepted (so the refusal above was the expiry).
        Sessions fresh = new Sessions(null, null, null, Sessions.formKey(MasterKey.load(s().config.masterKey, s().config.dataDir)),
                Clock.systemUTC(), Duration.ofMinutes(30), Duration.ofHours(12));
        Sessions.Current ok = fresh.start(Sessions.ANONYMOUS, null, null, null);
        PortalClient z = new PortalClient(s().issuer);
        z.cookie = ok.id();
        PortalClient.Page signedIn = z.post("/login", "email", admin.email, "password", admin.password, "csrf", ok.row().csrf());
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(303);
        assertThat(signedIn.location()).isEqualTo("/login/code");
        // And the whole sign-in still works from a real form.
        assertThat(new PortalClient(s().issuer).signIn(admin).status()).isEqualTo(303);
    }
}
