package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.function.Consumer;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.keys.KeyRing;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9068 verification of real tokens from a real server, for each signing algorithm it offers. */
class TokenVerifierTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ES256", "EdDSA", "RS256"})
    void verifiesEveryAlgorithm(String alg) {
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_SIGNING_ALG", alg))) {
            String t = Fixtures.accessToken(s, tmp);
            VerifiedToken v = TokenVerifier.builder(s.issuer).build().verify(t, "prefs:read", "prefs:write");
            assertThat(v.scopes()).containsExactlyInAnyOrder("prefs:read", "prefs:write");
            assertThat(v.installationId()).isEqualTo(InstallationId.derive(Fixtures.MACHINE_ID, s.issuer, "org.example.testapp", null));
            TokenVerifier onlyOther = TokenVerifier.builder(s.issuer).algorithms(alg.equals("ES256") ? "RS256" : "ES256").build();
            assertThatThrownBy(() -> onlyOther.verify(t)).isInstanceOf(InvalidTokenException.class).hasMessageContaining("algorithm");
        }
    }

    @Test
    void checksTypeIssuerAudienceExpiryScopeAndSignature() {
        TestServer s = TestServer.shared(Backend.H2);
        String good = Fixtures.accessToken(s, tmp);
        MutableClock clock = MutableClock.now(); // after enrolment: however slow it was, the token is not "from the future"
        TokenVerifier v = TokenVerifier.builder(s.issuer).clock(clock).build();
        v.verify(good);

        assertThatThrownBy(() -> v.verify(good, "admin")).isInstanceOfSatisfying(InsufficientScopeException.class,
                e -> assertThat(e.scope()).isEqualTo("admin")).hasMessageContaining("insufficient_scope"); // 403, not 401
        assertThatThrownBy(() -> TokenVerifier.builder(s.issuer).audience("https://api.example.org").build().verify(good))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("aud");
        String[] parts = good.split("\\.");
        String flipped = parts[0] + "." + parts[1] + "." + (parts[2].charAt(0) == 'A' ? "B" : "A") + parts[2].substring(1);
        assertThatThrownBy(() -> v.verify(flipped)).isInstanceOf(InvalidTokenException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> v.verify(parts[0] + "." + parts[1] + ".")).isInstanceOf(InvalidTokenException.class);
        assertThatThrownBy(() -> v.verify("garbage")).isInstanceOf(InvalidTokenException.class);

        // signed by the server's real key, but wrong in one respect each
        assertThatThrownBy(() -> v.verify(forge(s, h -> h.type(JOSEObjectType.JWT), c -> { }))).hasMessageContaining("typ");
        assertThatThrownBy(() -> v.verify(forge(s, h -> { }, c -> c.issuer("https://evil.example.org")))).hasMessageContaining("iss");
        assertThatThrownBy(() -> v.verify(forge(s, h -> { }, c -> c.audience("someone-else")))).hasMessageContaining("aud");
        assertThatThrownBy(() -> v.verify(forge(s, h -> { }, c -> c.expirationTime(new Date(System.currentTimeMillis() - 120_000)))))
                .hasMessageContaining("expired");
        assertThat(v.verify(forge(s, h -> { }, c -> { })).clientId()).isEqualTo("forged-client");

        clock.advance(s.config.accessTokenTtl.plusMinutes(1));
        assertThatThrownBy(() -> v.verify(good)).isInstanceOf(InvalidTokenException.class).hasMessageContaining("expired");
    }

    /** Issue 19: a token asked for one resource (RFC 8707) passes that resource's verifier and no other's. */
    @Test
    void aTokenForOneResourcePassesItsVerifierAndNoOther() {
        TestServer s = TestServer.shared(Backend.H2);
        String mine = "https://prefs.example.org/" + System.nanoTime(), other = "https://billing.example.org/" + System.nanoTime();
        s.gatehouse().resourceServers.create("Prefs API", "client_secret_basic", mine, "prefs:read", Actor.cli());
        s.gatehouse().resourceServers.create("Billing API", "client_secret_basic", other, null, Actor.cli());
        GatehouseClient gh = Fixtures.client(tmp.resolve("store-resource")).build();
        gh.enrol(Fixtures.tokenFile(s, tmp, 1, null));
        TokenSource forMine = gh.tokenSource(mine);
        assertThat(gh.tokenSource(mine)).isSameAs(forMine);
        String t = forMine.accessToken();
        VerifiedToken v = TokenVerifier.builder(s.issuer).audience(mine).build().verify(t, "prefs:read");
        assertThat(v.scopes()).containsExactly("prefs:read");
        assertThatThrownBy(() -> TokenVerifier.builder(s.issuer).audience(other).build().verify(t))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("aud");
        assertThatThrownBy(() -> TokenVerifier.builder(s.issuer).build().verify(t)) // the default audience (the issuer) is not it
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("aud");
        TokenVerifier.builder(s.issuer).audience(other).build().verify(gh.tokenSource(other).accessToken());
    }

    @Test
    void unknownKeyIdRefetchesTheKeySetRateLimited() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of())) {
            MutableClock clock = MutableClock.now();
            CountingTransport http = new CountingTransport();
            TokenVerifier v = TokenVerifier.builder(s.issuer).clock(clock).transport(http).minRefetchInterval(Duration.ofSeconds(30)).build();
            v.verify(Fixtures.accessToken(s, tmp));
            assertThat(http.count("GET /jwks")).isEqualTo(1);

            // rotate twice: the now active key was created after the verifier fetched the set
            s.gatehouse().keys.rotate(Actor.cli());
            s.gatehouse().keys.rotate(Actor.cli());
            String newKeyToken = Fixtures.accessToken(s, tmp);
            assertThatThrownBy(() -> v.verify(newKeyToken)).isInstanceOf(InvalidTokenException.class).hasMessageContaining("unknown key");
            assertThat(http.count("GET /jwks")).isEqualTo(1); // rate limited: the first fetch was just now

            clock.advance(Duration.ofSeconds(31));
            assertThat(v.verify(newKeyToken).clientId()).isNotNull();
            assertThat(http.count("GET /jwks")).isEqualTo(2);
            // a token with a kid nobody knows does not cause another fetch within the interval
            assertThatThrownBy(() -> v.verify(forge(s, h -> h.keyID("nope"), c -> { }))).hasMessageContaining("unknown key");
            assertThat(http.count("GET /jwks")).isEqualTo(2);
        }
    }

    /** A token signed with the server's own active key, with header and claims bent by the test. */
    private static String forge(TestServer s, Consumer<JWSHeader.Builder> header, Consumer<JWTClaimsSet.Builder> claims) {
        KeyRing ring = s.gatehouse().keys.ring();
        JWSHeader.Builder h = new JWSHeader.Builder(ring.activeAlg()).type(new JOSEObjectType("at+jwt")).keyID(ring.activeKid());
        header.accept(h);
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(s.issuer).audience(s.config.audience).subject("forged-client")
                .claim("client_id", "forged-client").expirationTime(new Date(now + 300_000)).issueTime(new Date(now)).jwtID("j" + now);
        claims.accept(c);
        try {
            SignedJWT jwt = new SignedJWT(h.build(), c.build());
            jwt.sign(ring.signer());
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
