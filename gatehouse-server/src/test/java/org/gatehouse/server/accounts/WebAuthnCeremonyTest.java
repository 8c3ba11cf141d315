package org.gatehouse.server.accounts;

import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.domain.SecurityKeyRecord;
import org.gatehouse.server.domain.AccountLink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.SoftAuthenticator;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * WebAuthn registration and authentication ceremonies against a software authenticator built from
 * the spec: what must pass passes, and every tampering the relying party must catch is caught.
 */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class WebAuthnCeremonyTest {
    @Parameter
    String backend;

    private Gatehouse g() {
        return TestServer.shared(backend).gatehouse();
    }

    private String origin() {
        URI u = URI.create(TestServer.shared(backend).issuer);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private String rpId() {
        return URI.create(TestServer.shared(backend).issuer).getHost();
    }

    /** A fresh account, made through a setup link (password and TOTP) like a person would. */
    private AccountRecord account() {
        String email = "key-" + Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x") + "@example.org";
        AccountService.NewLink l = g().accounts.adminLink(email, Actor.cli());
        AccountLink link = g().accounts.openLink(l.url().substring(l.url().lastIndexOf('/') + 1)).orElseThrow();
        String sealed = g().accounts.beginSetup(link, null, "correct horse battery staple");
        AccountService.Pending p = g().accounts.pending(link.id(), sealed);
        return g().accounts.completeSetup(link, p, Totp.code(p.seed(), Totp.step(System.currentTimeMillis())), Actor.cli())
                .orElseThrow().account();
    }

    private Sessions.Current full(AccountRecord a) {
        return g().sessions.start(Sessions.FULL, a, null, null);
    }

    private Sessions.Current password(AccountRecord a) {
        return g().sessions.start(Sessions.PASSWORD, a, null, null);
    }

    private static SecurityKeys.Response reg(SoftAuthenticator.Result r) {
        return new SecurityKeys.Response(r.credentialId(), r.clientDataJSON(), r.attestationObject(), null, null, null, "usb");
    }

    private static SecurityKeys.Response auth(SoftAuthenticator.Result r) {
        return new SecurityKeys.Response(r.credentialId(), r.clientDataJSON(), null, r.authenticatorData(), r.signature(),
                r.userHandle(), null);
    }

    /** Registers a new software key for the account. */
    private SoftAuthenticator enrol(AccountRecord a) {
        SoftAuthenticator key = new SoftAuthenticator();
        Sessions.Current s = full(a);
        SecurityKeys.Options o = g().securityKeys.registrationOptions(s);
        g().securityKeys.register(s, "Test key", reg(key.create(o.challenge(), origin(), o.rpId())), "127.0.0.1");
        return key;
    }

    private AccountService.Outcome signIn(AccountRecord a, SoftAuthenticator key) {
        Sessions.Current s = password(a);
        SecurityKeys.Options o = g().securityKeys.authenticationOptions(s);
        return g().securityKeys.authenticate(s, auth(key.get(o.challenge(), origin(), o.rpId(), o.userId())), "127.0.0.1").outcome();
    }

    private List<String> auditActions(String subject) {
        return g().db.withHandle(h -> h.createQuery("SELECT action FROM audit_events WHERE subject = :s ORDER BY id")
                .bind("s", subject).mapTo(String.class).list());
    }

    @Test
    void registrationThenAuthenticationWithTheSameKey() {
        AccountRecord a = account();
        SoftAuthenticator key = new SoftAuthenticator();
        Sessions.Current s = full(a);
        SecurityKeys.Options o = g().securityKeys.registrationOptions(s);
        assertThat(o.rpId()).isEqualTo(rpId());
        assertThat(o.challenge()).hasSize(43);
        assertThat(o.userId()).doesNotContain(a.email());
        SecurityKeyRecord c = g().securityKeys.register(s, "  YubiKey 5 NFC ", reg(key.create(o.challenge(), origin(), o.rpId())), "127.0.0.1");
        assertThat(c.label()).isEqualTo("YubiKey 5 NFC");
        assertThat(c.credentialId()).isEqualTo(key.id());
        assertThat(c.transports()).isEqualTo("usb");
        assertThat(c.signCount()).isZero();
        assertThat(g().securityKeys.list(a.id())).extracting(SecurityKeyRecord::id).containsExactly(c.id());
        assertThat(g().securityKeys.has(a.id())).isTrue();

        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.OK);
        SecurityKeyRecord after = g().securityKeys.list(a.id()).get(0);
        assertThat(after.signCount()).isEqualTo(1);
        assertThat(after.lastUsedAt()).isNotNull();
        assertThat(auditActions(c.id())).containsExactly("account.security_key_add");
        String signIns = g().db.withHandle(h -> h.createQuery(
                "SELECT details FROM audit_events WHERE subject = :s AND action = 'account.sign_in' ORDER BY id DESC")
                .bind("s", a.id()).mapTo(String.class).first());
        assertThat(signIns).contains("\"second_factor\":\"security_key\"").contains(c.id());
        // Nothing secret-ish is audited: no challenge, no client data, no signature.
        List<String> details = g().db.withHandle(h -> h.createQuery("SELECT COALESCE(details, '') FROM audit_events WHERE subject IN (:a, :c)")
                .bind("a", a.id()).bind("c", c.id()).mapTo(String.class).list());
        String all = String.join("\n", details);
        assertThat(all).doesNotContain(o.challenge()).doesNotContain(c.publicKeyCose());
    }

    @Test
    void anAuthenticatorWithoutACounterIsAccepted() {
        AccountRecord a = account();
        SoftAuthenticator key = enrol(a);
        key.counterStep = 0;
        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.OK);
        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.OK);
    }

    @Test
    void aWrongOriginIsRefused() {
        AccountRecord a = account();
        SoftAuthenticator key = new SoftAuthenticator();
        Sessions.Current s = full(a);
        SecurityKeys.Options o = g().securityKeys.registrationOptions(s);
        assertThatThrownBy(() -> g().securityKeys.register(s, "k", reg(key.create(o.challenge(), "https://evil.example", o.rpId())), "127.0.0.1"))
                .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class);
        assertThat(g().securityKeys.list(a.id())).isEmpty();

        SoftAuthenticator good = enrol(a);
        Sessions.Current p = password(a);
        SecurityKeys.Options ao = g().securityKeys.authenticationOptions(p);
        assertThat(g().securityKeys.authenticate(p, auth(good.get(ao.challenge(), "https://evil.example", ao.rpId(), null)), "127.0.0.1")
                .outcome()).isEqualTo(AccountService.Outcome.FAILED);
    }

    @Test
    void aWrongRelyingPartyIdIsRefused() {
        AccountRecord a = account();
        SoftAuthenticator key = new SoftAuthenticator();
        Sessions.Current s = full(a);
        SecurityKeys.Options o = g().securityKeys.registrationOptions(s);
        assertThatThrownBy(() -> g().securityKeys.register(s, "k", reg(key.create(o.challenge(), origin(), "evil.example")), "127.0.0.1"))
                .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class);
        SoftAuthenticator good = enrol(a);
        Sessions.Current p = password(a);
        SecurityKeys.Options ao = g().securityKeys.authenticationOptions(p);
        assertThat(g().securityKeys.authenticate(p, auth(good.get(ao.challenge(), origin(), "evil.example", null)), "127.0.0.1")
                .outcome()).isEqualTo(AccountService.Outcome.FAILED);
    }

    @Test
    void aWrongChallengeIsRefused() {
        AccountRecord a = account();
        SoftAuthenticator key = new SoftAuthenticator();
        Sessions.Current s = full(a);
        g().securityKeys.registrationOptions(s);
        assertThatThrownBy(() -> g().securityKeys.register(s, "k", reg(key.create(Secrets.randomId(32), origin(), rpId())), "127.0.0.1"))
                .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class);

        SoftAuthenticator good = enrol(a);
        Sessions.Current p = password(a);
        g().securityKeys.authenticationOptions(p);
        assertThat(g().securityKeys.authenticate(p, auth(good.get(Secrets.randomId(32), origin(), rpId(), null)), "127.0.0.1")
                .outcome()).isEqualTo(AccountService.Outcome.FAILED);
        // Without any challenge issued to the session there is nothing to answer.
        Sessions.Current q = password(a);
        assertThat(g().securityKeys.authenticate(q, auth(good.get(Secrets.randomId(32), origin(), rpId(), null)), "127.0.0.1")
                .outcome()).isEqualTo(AccountService.Outcome.FAILED);
    }

    @Test
    void aChallengeIsUsedOnceAndOnlyInItsOwnSession() {
        AccountRecord a = account();
        SoftAuthenticator key = enrol(a);
        Sessions.Current p = password(a);
        SecurityKeys.Options o = g().securityKeys.authenticationOptions(p);
        SecurityKeys.Response r = auth(key.get(o.challenge(), origin(), o.rpId(), null));
        assertThat(g().securityKeys.authenticate(p, r, "127.0.0.1").outcome()).isEqualTo(AccountService.Outcome.OK);
        // The same response again: the challenge is gone.
        assertThat(g().securityKeys.authenticate(p, r, "127.0.0.1").outcome()).isEqualTo(AccountService.Outcome.FAILED);
        // The old response against a newly issued challenge: mismatch.
        g().securityKeys.authenticationOptions(p);
        assertThat(g().securityKeys.authenticate(p, r, "127.0.0.1").outcome()).isEqualTo(AccountService.Outcome.FAILED);
        // A response to one session's challenge replayed in another session.
        Sessions.Current other = password(a);
        g().securityKeys.authenticationOptions(other);
        Sessions.Current p2 = password(a);
        SecurityKeys.Options o2 = g().securityKeys.authenticationOptions(p2);
        assertThat(g().securityKeys.authenticate(other, auth(key.get(o2.challenge(), origin(), rpId(), null)), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
        // A failed answer also uses the challenge up: the right answer afterwards finds none.
        SecurityKeys.Response late = auth(key.get(o2.challenge(), origin(), rpId(), null));
        assertThat(g().securityKeys.authenticate(p2, new SecurityKeys.Response(late.credentialId(), late.clientDataJSON(), null,
                late.authenticatorData(), SoftAuthenticator.b64(new byte[70]), null, null), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
        assertThat(g().securityKeys.authenticate(p2, late, "127.0.0.1").outcome()).isEqualTo(AccountService.Outcome.FAILED);
        // Registration challenges are one-time too.
        SoftAuthenticator second = new SoftAuthenticator();
        Sessions.Current s = full(a);
        SecurityKeys.Options ro = g().securityKeys.registrationOptions(s);
        SecurityKeys.Response rr = reg(second.create(ro.challenge(), origin(), ro.rpId()));
        g().securityKeys.register(s, "second", rr, "127.0.0.1");
        assertThatThrownBy(() -> g().securityKeys.register(s, "again", rr, "127.0.0.1")).isInstanceOf(org.gatehouse.server.errors.InvalidInput.class)
                .hasMessageContaining("expired");
    }

    @Test
    void anExpiredChallengeIsRefused() {
        AccountRecord a = account();
        SoftAuthenticator key = enrol(a);
        Sessions.Current p = password(a);
        SecurityKeys.Options o = g().securityKeys.authenticationOptions(p);
        g().db.withHandle(h -> h.createUpdate("UPDATE webauthn_challenges SET expires_at = 1 WHERE session_hash = :s")
                .bind("s", p.row().idHash()).execute());
        assertThat(g().securityKeys.authenticate(p, auth(key.get(o.challenge(), origin(), o.rpId(), null)), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
    }

    @Test
    void aSignCountThatDoesNotGrowIsRefusedAndAudited() {
        AccountRecord a = account();
        SoftAuthenticator key = enrol(a);
        key.counterStep = 5;
        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.OK); // 5
        String keyId = g().securityKeys.list(a.id()).get(0).id();
        // A clone that lags behind: lower counter, then an equal one.
        key.counter = 1;
        key.counterStep = 1;
        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.FAILED); // 2 < 5
        key.counter = 4;
        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.FAILED); // 5 == 5
        assertThat(g().securityKeys.list(a.id()).get(0).signCount()).isEqualTo(5);
        assertThat(auditActions(keyId)).contains("account.security_key_clone_suspected");
        // The genuine key, ahead of the stored count, still works.
        key.counter = 10;
        assertThat(signIn(a, key)).isEqualTo(AccountService.Outcome.OK);
    }

    @Test
    void anotherAccountsCredentialIsRefused() {
        AccountRecord alice = account();
        AccountRecord bob = account();
        SoftAuthenticator aliceKey = enrol(alice);
        enrol(bob);
        Sessions.Current p = password(bob);
        SecurityKeys.Options o = g().securityKeys.authenticationOptions(p);
        assertThat(o.credentialIds()).doesNotContain(aliceKey.id());
        assertThat(g().securityKeys.authenticate(p, auth(aliceKey.get(o.challenge(), origin(), o.rpId(), null)), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
        // With Alice's user handle claimed: still refused.
        SecurityKeys.Options o2 = g().securityKeys.authenticationOptions(p);
        String aliceHandle = SoftAuthenticator.b64(alice.id().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(g().securityKeys.authenticate(p, auth(aliceKey.get(o2.challenge(), origin(), o2.rpId(), aliceHandle)), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
        // A key registered to one account cannot be registered to another.
        Sessions.Current s = full(bob);
        SecurityKeys.Options ro = g().securityKeys.registrationOptions(s);
        assertThatThrownBy(() -> g().securityKeys.register(s, "stolen", reg(aliceKey.create(ro.challenge(), origin(), ro.rpId())), "127.0.0.1"))
                .hasMessageContaining("already registered");
        // Bob cannot remove Alice's key.
        String aliceKeyId = g().securityKeys.list(alice.id()).get(0).id();
        assertThat(g().securityKeys.remove(bob, aliceKeyId, "127.0.0.1")).isFalse();
        assertThat(g().securityKeys.remove(alice, aliceKeyId, "127.0.0.1")).isTrue();
        assertThat(g().securityKeys.list(alice.id())).isEmpty();
        assertThat(auditActions(aliceKeyId)).containsExactly("account.security_key_add", "account.security_key_remove");
    }

    @Test
    void aBadSignatureAndGarbageAreRefused() {
        AccountRecord a = account();
        SoftAuthenticator key = enrol(a);
        SoftAuthenticator impostor = new SoftAuthenticator();
        System.arraycopy(key.credentialId, 0, impostor.credentialId, 0, key.credentialId.length);
        Sessions.Current p = password(a);
        SecurityKeys.Options o = g().securityKeys.authenticationOptions(p);
        assertThat(g().securityKeys.authenticate(p, auth(impostor.get(o.challenge(), origin(), o.rpId(), null)), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
        g().securityKeys.authenticationOptions(p);
        assertThat(g().securityKeys.authenticate(p, new SecurityKeys.Response("!!", "<x>", null, "%%", null, null, null), "127.0.0.1").outcome())
                .isEqualTo(AccountService.Outcome.FAILED);
        Sessions.Current s = full(a);
        g().securityKeys.registrationOptions(s);
        assertThatThrownBy(() -> g().securityKeys.register(s, "k", new SecurityKeys.Response(null, "e30", "oA", null, null, null, null), "127.0.0.1"))
                .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class);
        assertThatThrownBy(() -> g().securityKeys.register(s, "", null, "127.0.0.1")).hasMessageContaining("name");
    }
}
