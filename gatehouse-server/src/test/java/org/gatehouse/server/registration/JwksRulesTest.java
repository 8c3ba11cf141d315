package org.gatehouse.server.registration;

import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.domain.ClientMetadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.server.crypto.ClientJwks;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.testing.KeyBound;
import org.junit.jupiter.api.Test;

/** JwksRules and the private_key_jwt part of MetadataRules: what a key-bound client may register (issue 17). */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
class JwksRulesTest {
    private static Map<String, Object> json(String s) {
        try {
            return Json.parseObject(s);
        } catch (Json.JsonException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> jwks(JWK... keys) {
        StringBuilder b = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < keys.length; i++) b.append(i == 0 ? "" : ",").append(keys[i].toJSONString());
        return json(b.append("]}").toString());
    }

    private static String refusal(Object jwks) {
        try {
            JwksRules.check(jwks);
        } catch (OAuthError e) {
            assertThat(e.error()).isEqualTo("invalid_client_metadata");
            return e.description();
        }
        throw new AssertionError("accepted: " + jwks);
    }

    @Test
    void acceptsEcEd25519AndRsaPublicKeysAndStoresOnlyTheirPublicMembers() throws Exception {
        JWK ec = KeyBound.es256().key.toPublicJWK();
        JWK ed = KeyBound.ed25519().key.toPublicJWK();
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("r").generate().toPublicJWK();
        Map<String, Object> withExtras = jwks(ec, ed, rsa);
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) withExtras.get("keys")).get(0);
        first.put("x5u", "https://attacker.example/chain");
        Map<String, Object> out = JwksRules.check(withExtras);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> keys = (List<Map<String, Object>>) out.get("keys");
        assertThat(keys).hasSize(3);
        assertThat(keys.get(0).keySet()).containsExactly("kty", "crv", "x", "y", "kid");
        assertThat(keys.get(1).keySet()).containsExactly("kty", "crv", "x", "kid");
        assertThat(keys.get(2).keySet()).containsExactly("kty", "n", "e", "kid");
        List<JWK> parsed = ClientJwks.parse(out);
        assertThat(ClientJwks.algorithms(parsed.get(0))).containsExactly("ES256");
        assertThat(ClientJwks.algorithms(parsed.get(1))).containsExactly("EdDSA");
        assertThat(ClientJwks.algorithms(parsed.get(2))).containsExactly("RS256", "PS256");
    }

    @Test
    void refusesPrivateAndSymmetricKeys() {
        assertThat(refusal(jwks(KeyBound.es256().key))).contains("public keys only").contains("'d'");
        assertThat(refusal(jwks(KeyBound.ed25519().key))).contains("public keys only");
        assertThat(refusal(json("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"c2VjcmV0\"}]}"))).contains("'k'");
        assertThat(refusal(json("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\"}]}"))).contains("symmetric");
    }

    /** An RSA public JWK with this modulus and exponent (raw octets, base64url as RFC 7518 §6.3.1 puts them). */
    private static Map<String, Object> rsa(byte[] n, java.math.BigInteger e) {
        Map<String, Object> k = new HashMap<>();
        k.put("kty", "RSA");
        k.put("kid", "r");
        k.put("n", com.nimbusds.jose.util.Base64URL.encode(n).toString());
        k.put("e", com.nimbusds.jose.util.Base64URL.encode(com.nimbusds.jose.util.BigIntegerUtils.toBytesUnsigned(e)).toString());
        return Map.of("keys", List.of(k));
    }

    @Test
    void rsaSizeIsTheModulussRealBitLengthAndTheExponentIs65537() throws Exception {
        java.security.interfaces.RSAPublicKey small = new RSAKeyGenerator(1024, true).generate().toRSAPublicKey();
        byte[] n1024 = com.nimbusds.jose.util.BigIntegerUtils.toBytesUnsigned(small.getModulus());
        // A 1024-bit modulus padded with zero octets to 256 bytes: bytes × 8 said 2048.
        byte[] padded = new byte[256];
        System.arraycopy(n1024, 0, padded, 256 - n1024.length, n1024.length);
        assertThat(refusal(rsa(padded, small.getPublicExponent()))).contains("leading zero");
        java.security.interfaces.RSAPublicKey good = new RSAKeyGenerator(2048).generate().toRSAPublicKey();
        byte[] n2048 = com.nimbusds.jose.util.BigIntegerUtils.toBytesUnsigned(good.getModulus());
        assertThat(JwksRules.check(rsa(n2048, good.getPublicExponent()))).isNotNull();
        // A huge exponent makes every verification slow (a CPU amplifier for unauthenticated assertions); e = 3 too is refused.
        assertThat(refusal(rsa(n2048, java.math.BigInteger.ONE.shiftLeft(4000).add(java.math.BigInteger.ONE)))).contains("65537");
        assertThat(refusal(rsa(n2048, java.math.BigInteger.valueOf(3)))).contains("65537");
        // The shared verifier refuses such a key as well (keys stored before the check: a 401 at authentication, not a 500).
        RSAKey bigE = new RSAKey.Builder(com.nimbusds.jose.util.Base64URL.encode(n2048),
                com.nimbusds.jose.util.Base64URL.encode(java.math.BigInteger.ONE.shiftLeft(4000).add(java.math.BigInteger.ONE))).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientJwks.verifier(bigE, org.gatehouse.server.crypto.JwsCrypto.JDK)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesWeakRsaUnknownCurvesAndKeyTypeMismatches() throws Exception {
        assertThat(refusal(jwks(new RSAKeyGenerator(1024, true).keyID("r").generate().toPublicJWK()))).contains("2048");
        assertThat(refusal(jwks(new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_384).keyID("p").generate().toPublicJWK())))
                .contains("P-256");
        // A point that is not on the curve.
        Map<String, Object> k = new HashMap<>(KeyBound.es256().key.toPublicJWK().toJSONObject());
        k.put("y", k.get("x"));
        assertThat(refusal(Map.of("keys", List.of(k)))).contains("not a valid JWK");
        Map<String, Object> hs = new HashMap<>(KeyBound.es256().key.toPublicJWK().toJSONObject());
        hs.put("alg", "HS256");
        assertThat(refusal(Map.of("keys", List.of(hs)))).contains("does not fit");
        Map<String, Object> enc = new HashMap<>(KeyBound.es256().key.toPublicJWK().toJSONObject());
        enc.put("use", "enc");
        assertThat(refusal(Map.of("keys", List.of(enc)))).contains("'sig'");
    }

    @Test
    void needsKidsUniqueAndAtMostFiveKeysAndAKeysArray() {
        Map<String, Object> noKid = new HashMap<>(KeyBound.es256().key.toPublicJWK().toJSONObject());
        noKid.remove("kid");
        assertThat(refusal(Map.of("keys", List.of(noKid)))).contains("kid");
        JWK one = KeyBound.es256().key.toPublicJWK();
        assertThat(refusal(jwks(one, one))).contains("two keys with kid");
        List<JWK> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) six.add(KeyBound.es256().key.toPublicJWK());
        assertThat(refusal(jwks(six.toArray(JWK[]::new)))).contains("more than 5");
        assertThat(refusal(json("{\"keys\":[]}"))).contains("non-empty");
        assertThat(refusal("keys")).contains("JSON object");
    }

    @Test
    void metadataRulesAskForKeysWithPrivateKeyJwtAndRefuseJwksUri() {
        Set<String> scopes = Set.of("a");
        Map<String, Object> req = new HashMap<>();
        req.put("token_endpoint_auth_method", "private_key_jwt");
        assertThatThrownBy(() -> MetadataRules.check(req, scopes, "a")).hasMessageContaining("jwks");
        req.put("jwks_uri", "https://example.org/jwks");
        assertThatThrownBy(() -> MetadataRules.check(req, scopes, "a")).hasMessageContaining("jwks_uri is not supported");
        req.remove("jwks_uri");
        req.put("jwks", jwks(KeyBound.es256().key.toPublicJWK()));
        req.put("token_endpoint_auth_signing_alg", "ES256");
        req.put("dpop_bound_access_tokens", true);
        ClientMetadata md = MetadataRules.check(req, scopes, "a");
        assertThat(md.keyBound()).isTrue();
        assertThat(md.authSigningAlg()).isEqualTo("ES256");
        assertThat(md.dpopBound()).isTrue();
        assertThat(md.toJson()).containsKeys("jwks", "token_endpoint_auth_signing_alg", "dpop_bound_access_tokens");
        req.put("token_endpoint_auth_signing_alg", "none");
        assertThatThrownBy(() -> MetadataRules.check(req, scopes, "a")).hasMessageContaining("token_endpoint_auth_signing_alg");
        Map<String, Object> secret = new HashMap<>(Map.of("jwks", jwks(KeyBound.es256().key.toPublicJWK())));
        assertThatThrownBy(() -> MetadataRules.check(secret, scopes, "a")).hasMessageContaining("private_key_jwt");
        assertThat(MetadataRules.check(Map.of(), scopes, "a").keyBound()).isFalse();
    }
}
