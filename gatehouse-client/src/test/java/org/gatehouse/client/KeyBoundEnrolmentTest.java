package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 17, installer side against a real server (branch i17s) over HTTP, on H2 and PostgreSQL:
 * key-bound enrolment (EC P-256 and Ed25519), tokens with fresh assertions, with and without DPoP,
 * introspection authenticated by assertion, a replayed assertion refused, key rotation through
 * RFC 7592, and a cloned store refused as secret stores are.
 */
@BothBackends
class KeyBoundEnrolmentTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    @Test
    void enrolKeyBoundGetTokensIntrospectAndRefuseAReplayedAssertion() throws Exception {
        TestServer s = TestServer.shared(backend);
        for (ClientKey.Type type : ClientKey.Type.values()) {
            Path store = tmp.resolve("store-" + type);
            GatehouseClient gh = Fixtures.client(store).keyBound(type).build();
            Credentials c = gh.enrol(Fixtures.tokenFile(s, tmp, 1, "prefs:read")).credentials();
            assertThat(c.keyBound()).isTrue();
            assertThat(c.clientSecret()).isNull();
            assertThat(c.key().type()).isEqualTo(type);

            // the server holds the public key only, under the thumbprint kid, and issued no secret
            Http.Response read = s.http.get("/register/" + c.clientId(), c.registrationAccessToken());
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.json()).containsEntry("token_endpoint_auth_method", "private_key_jwt").doesNotContainKey("client_secret");
            @SuppressWarnings("unchecked")
            Map<String, Object> jwk = ((List<Map<String, Object>>) ((Map<String, Object>) read.json().get("jwks")).get("keys")).get(0);
            assertThat(jwk).containsEntry("kid", c.key().thumbprint()).doesNotContainKey("d");

            // stored owner-only, format 2, with the private key and no secret
            Path file = store.resolve(CredentialStore.FILE);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String stored = Files.readString(file);
            assertThat(stored).contains("\"gatehouse_credentials\": 2").contains("\"private_key\"").doesNotContain("client_secret\"");

            // tokens: each request its own assertion; Bearer tokens without dpop
            AccessToken t = gh.tokenSource().token();
            assertThat(t.tokenType()).isEqualTo("Bearer");
            gh.tokenSource().invalidate();
            AccessToken t2 = gh.tokenSource().token();
            assertThat(t2.value()).isNotEqualTo(t.value());
            VerifiedToken v = TokenVerifier.builder(s.issuer).build().verify(t2.value(), "prefs:read");
            assertThat(v.clientId()).isEqualTo(c.clientId());

            // introspection authenticated with an assertion (RFC 7523 §2.2 at /introspect)
            String assertion = c.key().clientAssertion(c.clientId(), s.issuer, Instant.now());
            Http.Response intro = withAssertion(s, "/introspect", assertion, Map.of("token", t2.value()));
            assertThat(intro.status()).isEqualTo(200);
            assertThat(intro.json()).containsEntry("active", true).containsEntry("client_id", c.clientId());
            // the same assertion again: one use only (RFC 7523 §3 item 7)
            Http.Response replay = withAssertion(s, "/token", assertion, Map.of("grant_type", "client_credentials"));
            assertThat(replay.status()).isEqualTo(401);
            assertThat(replay.str("error")).isEqualTo("invalid_client");
        }
    }

    @Test
    void dpopBoundTokensAndTheResourceRequestHelper() throws Exception {
        TestServer s = TestServer.shared(backend);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).keyBound().dpop(true).build();
        Credentials c = gh.enrol(Fixtures.tokenFile(s, tmp, 1, "prefs:read")).credentials();
        assertThat(c.dpopBound()).isTrue();

        AccessToken t = gh.tokenSource().token();
        assertThat(t.tokenType()).isEqualTo("DPoP");
        Map<String, Object> claims = Json.parseObject(new String(Base64.getUrlDecoder().decode(t.value().split("\\.")[1]), StandardCharsets.UTF_8));
        assertThat(claims.get("cnf")).isEqualTo(Map.of("jkt", c.key().thumbprint()));

        // the resource side: the helper's headers pass TokenVerifier; the token alone, as Bearer, does not
        URI api = URI.create("https://api.example/prefs?x=1");
        TokenSource.RequestHeaders h = gh.tokenSource().authorize("GET", api);
        assertThat(h.authorization()).isEqualTo("DPoP " + t.value());
        TokenVerifier verifier = TokenVerifier.builder(s.issuer).build();
        assertThat(verifier.verifyRequest(h.authorization(), h.dpop(), "GET", api.toString(), "prefs:read").clientId()).isEqualTo(c.clientId());
        assertThatThrownBy(() -> verifier.verifyRequest(h.authorization(), h.dpop(), "GET", api.toString()))
                .isInstanceOf(InvalidDpopProofException.class).hasMessageContaining("used before");
        assertThatThrownBy(() -> verifier.verifyRequest("Bearer " + t.value(), null, "GET", api.toString()))
                .isInstanceOf(InvalidTokenException.class);
        TokenSource.RequestHeaders next = gh.tokenSource().authorize("POST", api);
        assertThat(next.dpop()).isNotEqualTo(h.dpop());
        verifier.verifyRequest(next.authorization(), next.dpop(), "POST", api.toString());

        // a store registered with dpop_bound_access_tokens asks for DPoP without being told
        GatehouseClient again = Fixtures.client(tmp.resolve("store")).build();
        assertThat(again.tokenSource().token().tokenType()).isEqualTo("DPoP");
    }

    @Test
    void rotateKeyReplacesTheKeyOnTheServer() throws Exception {
        TestServer s = TestServer.shared(backend);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).keyBound().build();
        Credentials before = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        gh.tokenSource().token();

        Credentials after = gh.rotateKey();
        assertThat(after.key().thumbprint()).isNotEqualTo(before.key().thumbprint());
        assertThat(after.registrationAccessToken()).isNotEqualTo(before.registrationAccessToken());
        assertThat(gh.store().load().key().thumbprint()).isEqualTo(after.key().thumbprint());
        assertThat(gh.store().hasPending()).isFalse();
        // the old key stops working at once; the new one works
        assertThat(withAssertion(s, "/token", before.key().clientAssertion(before.clientId(), s.issuer, Instant.now()),
                Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        gh.tokenSource().invalidate();
        assertThat(TokenVerifier.builder(s.issuer).build().verify(gh.tokenSource().accessToken()).clientId()).isEqualTo(before.clientId());
    }

    /** A rotation interrupted after the server took the new key (its answer lost): the pending file's key is adopted. */
    @Test
    void anInterruptedKeyRotationIsResolvedWithTheServer() throws Exception {
        TestServer s = TestServer.shared(backend);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).keyBound().build();
        Credentials c = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        CredentialStore store = gh.store();

        // written before asking, then the server never asked (e.g. the process died): the stored key stays
        ClientKey unused = ClientKey.generate(ClientKey.Type.EC_P256);
        store.beginRotation(c.withKey(unused, Instant.now(), c.registrationAccessToken()));
        assertThat(gh.credentials().key().thumbprint()).isEqualTo(c.key().thumbprint());
        assertThat(store.hasPending()).isFalse();

        // written, and the server took it, but the answer was lost: the new key is adopted
        ClientKey taken = ClientKey.generate(ClientKey.Type.EC_P256);
        Credentials requested = c.withKey(taken, Instant.now(), c.registrationAccessToken());
        store.beginRotation(requested);
        Http.Response put = s.http.putJson("/register/" + c.clientId(), c.registrationAccessToken(), Json.write(requested.registeredMetadata()));
        assertThat(put.status()).isEqualTo(200);
        assertThat(gh.credentials().key().thumbprint()).isEqualTo(taken.thumbprint());
        assertThat(store.hasPending()).isFalse();
        // its registration access token was replaced by the lost answer: tokens still work with the key
        assertThat(TokenVerifier.builder(s.issuer).build().verify(gh.tokenSource().accessToken()).clientId()).isEqualTo(c.clientId());
    }

    @Test
    void aClonedKeyBoundStoreIsRefused() throws Exception {
        TestServer s = TestServer.shared(backend);
        Path store = tmp.resolve("store");
        Fixtures.client(store).keyBound().build().enrol(Fixtures.tokenFile(s, tmp, 1, null));
        Path clone = tmp.resolve("clone");
        Files.createDirectory(clone, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.copy(store.resolve(CredentialStore.FILE), clone.resolve(CredentialStore.FILE), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        GatehouseClient other = GatehouseClient.builder(clone).software("org.example.testapp", "1.2.3")
                .machineIdSource(MachineIds.fixed("0123456789abcdef0123456789abcdef")).build();
        assertThatThrownBy(() -> other.tokenSource().accessToken()).isInstanceOf(CredentialStoreException.class)
                .hasMessageContaining("belongs to another machine");
    }

    private static Http.Response withAssertion(TestServer s, String path, String assertion, Map<String, String> params) {
        Map<String, String> form = new java.util.LinkedHashMap<>(params);
        form.put("client_assertion_type", ClientKey.ASSERTION_TYPE);
        form.put("client_assertion", assertion);
        return s.http.postRaw(path, "application/x-www-form-urlencoded", Http.form(form), Map.of());
    }
}
