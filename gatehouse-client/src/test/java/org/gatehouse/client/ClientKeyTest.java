package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InMemoryDPoPSingleUseChecker;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 17, installer side without a server: the key, its RFC 7638 kid, RFC 7523 assertions and
 * RFC 9449 proofs, each checked by an independent implementation (Nimbus; Nimbus cannot verify
 * Ed25519 without Tink, so those signatures are checked by the JDK from the public JWK alone and,
 * in KeyBoundEnrolmentTest, by the server), and the credential store's key-bound format.
 */
class ClientKeyTest {
    @TempDir
    Path tmp;

    /** RFC 8037 Appendix A.3: the thumbprint of the example Ed25519 key. */
    @Test
    void thumbprintIsRfc7638() {
        assertThat(ClientKey.thumbprint(Map.of("kty", "OKP", "crv", "Ed25519", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")))
                .isEqualTo("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    @ParameterizedTest
    @EnumSource(ClientKey.Type.class)
    void publicJwkHasNoPrivatePartAndItsKidIsNimbusThumbprint(ClientKey.Type type) throws Exception {
        ClientKey k = ClientKey.generate(type);
        Map<String, Object> jwk = k.publicJwk();
        assertThat(jwk).doesNotContainKeys("d", "p", "q", "k").containsEntry("kid", k.thumbprint()).containsEntry("alg", type.alg());
        JWK parsed = JWK.parse(Json.write(jwk));
        assertThat(parsed.isPrivate()).isFalse();
        assertThat(parsed.computeThumbprint().toString()).isEqualTo(k.thumbprint());
        assertThat(parsed).isInstanceOf(type == ClientKey.Type.EC_P256 ? ECKey.class : OctetKeyPair.class);
        assertThat(k.toString()).doesNotContain(Base64.getEncoder().encodeToString(k.pkcs8()));
    }

    @Test
    void ecAssertionIsAcceptedByNimbus() throws Exception {
        ClientKey k = ClientKey.generate(ClientKey.Type.EC_P256);
        Instant now = Instant.now();
        String a = k.clientAssertion("client-1", "https://as.example", now);
        PrivateKeyJWT auth = PrivateKeyJWT.parse(Map.of(
                "client_assertion_type", List.of(ClientKey.ASSERTION_TYPE), "client_assertion", List.of(a), "client_id", List.of("client-1")));
        assertThat(auth.getClientID()).isEqualTo(new ClientID("client-1"));
        SignedJWT jwt = auth.getClientAssertion();
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(k.thumbprint());
        assertThat(jwt.verify(new ECDSAVerifier(ECKey.parse(Json.write(k.publicJwk()))))).isTrue();
        // RFC 7523 §3: iss = sub = client_id, aud, exp, jti; Nimbus's own claims checks
        new com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier<>("https://as.example",
                new JWTClaimsSet.Builder().issuer("client-1").subject("client-1").build(), Set.of("exp", "iat", "jti"))
                .verify(jwt.getJWTClaimsSet(), null);
        JWTClaimsSet c = jwt.getJWTClaimsSet();
        assertThat(c.getExpirationTime().toInstant().getEpochSecond() - c.getIssueTime().toInstant().getEpochSecond()).isEqualTo(60);
        assertThat(Base64.getUrlDecoder().decode(c.getJWTID())).hasSize(16);
        // one assertion per request: a new jti each time
        assertThat(PrivateKeyJWT.parse(Map.of("client_assertion_type", List.of(ClientKey.ASSERTION_TYPE),
                "client_assertion", List.of(k.clientAssertion("client-1", "https://as.example", now)))).getClientAssertion()
                .getJWTClaimsSet().getJWTID()).isNotEqualTo(c.getJWTID());
    }

    @Test
    void ecDpopProofsAreAcceptedByNimbusVerifiers() throws Exception {
        ClientKey k = ClientKey.generate(ClientKey.Type.EC_P256);
        URI token = URI.create("https://as.example/token");
        String proof = k.dpopProof("post", URI.create("https://as.example/token?x=1#f"), null, Instant.now());
        SignedJWT p = SignedJWT.parse(proof);
        assertThat(p.getHeader().getType()).isEqualTo(new JOSEObjectType("dpop+jwt"));
        assertThat(p.getHeader().getJWK().isPrivate()).isFalse();
        DPoPTokenRequestVerifier atToken = new DPoPTokenRequestVerifier(new java.util.HashSet<>(Set.of(JWSAlgorithm.ES256)), token, 5, 60,
                new InMemoryDPoPSingleUseChecker(60, 60));
        JWKThumbprintConfirmation cnf = atToken.verify(new DPoPIssuer(new ClientID("client-1")), p, (com.nimbusds.openid.connect.sdk.Nonce) null);
        assertThat(cnf.getValue().toString()).isEqualTo(k.thumbprint());
        assertThatThrownBy(() -> atToken.verify(new DPoPIssuer(new ClientID("client-1")), SignedJWT.parse(proof),
                (com.nimbusds.openid.connect.sdk.Nonce) null)).isInstanceOf(InvalidDPoPProofException.class); // replay

        String accessToken = "eyJhbGciOiJFUzI1NiJ9.e30.sig";
        URI api = URI.create("https://api.example/prefs");
        SignedJWT resource = SignedJWT.parse(k.dpopProof("GET", api, accessToken, Instant.now()));
        new DPoPProtectedResourceRequestVerifier(new java.util.HashSet<>(Set.of(JWSAlgorithm.ES256)), 5, 60, new InMemoryDPoPSingleUseChecker(60, 60))
                .verify("GET", api, new DPoPIssuer(new ClientID("client-1")), resource, new DPoPAccessToken(accessToken), cnf,
                        (com.nimbusds.openid.connect.sdk.Nonce) null);
    }

    /** Ed25519 (no Tink here for Nimbus): the JDK checks the signature with the key rebuilt from the public JWK alone. */
    @Test
    void ed25519SignaturesVerifyWithThePublicJwk() throws Exception {
        ClientKey k = ClientKey.generate(ClientKey.Type.ED25519);
        for (String jws : new String[] {k.clientAssertion("c", "https://as.example", Instant.now()),
                k.dpopProof("POST", URI.create("https://as.example/token"), null, Instant.now())}) {
            String[] parts = jws.split("\\.");
            assertThat(SignedJWT.parse(jws).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
            assertThat(Base64.getUrlDecoder().decode(parts[2])).hasSize(64);
            Jwk pub = Jwk.parse(k.publicJwk());
            assertThat(pub.verify((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), Base64.getUrlDecoder().decode(parts[2])))
                    .isTrue();
        }
        SignedJWT p = SignedJWT.parse(k.dpopProof("POST", URI.create("https://as.example/token"), null, Instant.now()));
        assertThat(p.getHeader().getJWK().computeThumbprint().toString()).isEqualTo(k.thumbprint());
    }

    @ParameterizedTest
    @EnumSource(ClientKey.Type.class)
    void keyBoundStoreIsFormat2OwnerOnlyWithoutSecretAndRoundTrips(ClientKey.Type type) throws Exception {
        CredentialStore store = new CredentialStore(tmp.resolve("store"));
        ClientKey k = ClientKey.generate(type);
        Credentials c = keyBound(k);
        store.save(c);
        String text = Files.readString(store.file());
        Map<String, Object> m = Json.parseObject(text);
        assertThat(m).containsEntry("gatehouse_credentials", 2L).containsEntry("token_endpoint_auth_method", "private_key_jwt")
                .doesNotContainKeys("client_secret", "client_secret_expires_at");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");
        // the stored private key is standard PKCS#8: what openssl and other tools read
        assertThat(java.security.KeyFactory.getInstance(type == ClientKey.Type.EC_P256 ? "EC" : "Ed25519")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode((String) m.get("private_key")))))
                .isNotNull();
        Credentials back = store.load();
        assertThat(back.key().thumbprint()).isEqualTo(k.thumbprint());
        assertThat(back.dpopBound()).isTrue();
        assertThat(back.clientSecret()).isNull();
        assertThat(back.toString()).doesNotContain((String) m.get("private_key"));
        // the loaded key signs what the stored public key verifies
        String[] parts = back.key().clientAssertion("c", "https://a.example", Instant.now()).split("\\.");
        assertThat(Jwk.parse(k.publicJwk()).verify((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII),
                Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }

    @Test
    void secretStoresStayFormat1AndOldOnesStillLoad() throws Exception {
        CredentialStore store = new CredentialStore(tmp.resolve("secret"));
        store.save(FailClosedTest.sample());
        assertThat(Json.parseObject(Files.readString(store.file()))).containsEntry("gatehouse_credentials", 1L).doesNotContainKey("private_key");
        assertThat(store.load().keyBound()).isFalse();
        assertThat(store.load().clientSecret()).startsWith("ghs_");
    }

    @Test
    void aStoreWhosePrivateKeyIsNotItsPublicKeyIsRefused() throws Exception {
        CredentialStore store = new CredentialStore(tmp.resolve("mixed"));
        store.save(keyBound(ClientKey.generate(ClientKey.Type.EC_P256)));
        Map<String, Object> m = Json.parseObject(Files.readString(store.file()));
        m.put("private_key", Base64.getEncoder().encodeToString(ClientKey.generate(ClientKey.Type.EC_P256).pkcs8()));
        Files.writeString(store.file(), Json.write(m));
        assertThatThrownBy(store::load).isInstanceOf(CredentialStoreException.class).hasMessageContaining("do not belong together");
        m.put("private_key", "not base64!");
        Files.writeString(store.file(), Json.write(m));
        assertThatThrownBy(store::load).isInstanceOf(CredentialStoreException.class).hasMessageContaining("corrupt");
    }

    /** A key rotation's pending file is written before the server is asked; the secret-rotation recovery must not drop it. */
    @Test
    void aRequestedKeyRotationIsNeitherDroppedNorOverwritten() throws Exception {
        CredentialStore store = new CredentialStore(tmp.resolve("pending"));
        Credentials current = keyBound(ClientKey.generate(ClientKey.Type.EC_P256));
        store.save(current);
        Credentials next = current.withKey(ClientKey.generate(ClientKey.Type.EC_P256), Instant.now(), current.registrationAccessToken());
        store.beginRotation(next);
        assertThat(store.recoverPending()).isFalse();
        assertThat(store.hasPending()).isTrue();
        assertThat(store.pendingKeyRotation().key().thumbprint()).isEqualTo(next.key().thumbprint());
        assertThatThrownBy(() -> store.beginRotation(current)).isInstanceOf(CredentialStoreException.class).hasMessageContaining("not rotating");
        store.adoptPending();
        assertThat(store.hasPending()).isFalse();
        assertThat(store.load().key().thumbprint()).isEqualTo(next.key().thumbprint());
    }

    @Test
    void tokenFileKeyBoundHints() {
        String base = "{\"gatehouse_token_file\":1,\"issuer\":\"https://a.example\",\"registration_endpoint\":\"https://a.example/register\","
                + "\"initial_access_token\":\"ghi_AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"";
        TokenFile plain = TokenFile.parse(base + "}", "t");
        assertThat(plain.keyBoundRequired()).isFalse();
        assertThat(plain.dpopRequired()).isFalse();
        TokenFile hinted = TokenFile.parse(base + ",\"key_bound\":\"required\",\"dpop\":\"required\"}", "t");
        assertThat(hinted.keyBoundRequired()).isTrue();
        assertThat(hinted.dpopRequired()).isTrue();
    }

    @Test
    void htuHasNoQueryOrFragment() {
        assertThat(ClientKey.htu(URI.create("https://Api.example:8443/a/b?q=1#frag"))).isEqualTo("https://Api.example:8443/a/b");
        assertThat(ClientKey.ath("abc")).isEqualTo("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    static Credentials keyBound(ClientKey k) {
        Instant t = Instant.parse("2026-11-28T10:00:00Z");
        return new Credentials("https://a.example", URI.create("https://a.example/token"), URI.create("https://a.example/register/abc"),
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "abc", null, 0, t,
                "ghr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "prefs:read", "private_key_jwt", "n", "sid", "1", t, "label", k, true);
    }
}
