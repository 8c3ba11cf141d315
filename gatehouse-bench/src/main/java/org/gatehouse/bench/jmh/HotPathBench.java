package org.gatehouse.bench.jmh;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.crypto.Ed25519Jws;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.keys.AccessTokenJwt;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pieces of a grant, one at a time, done the way the server does them: signature (ES256 with
 * Nimbus on the JDK, EdDSA with Bouncy Castle), the whole token build as TokenService.issue does
 * it (AccessTokenJwt) and, for comparison, through Nimbus's claims set and SignedJWT, the keyed-hash
 * secret check, and the parsing of what arrives.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBench {
    private JWSSigner es256;
    private JWSSigner eddsa;
    private JWSSigner none;
    private JWSSigner es256Native;
    private JWSSigner eddsaNative;
    private JWSHeader es256Header;
    private JWSHeader eddsaHeader;
    private AccessTokenJwt es256Token;
    private AccessTokenJwt eddsaToken;
    private AccessTokenJwt unsignedToken;
    private byte[] signingInput;
    private Secrets secrets;
    private String secret;
    private String secretHash;
    private String basicHeader;
    private String registrationJson;
    private Map<String, Object> tokenResponse;

    @Setup
    public void setup() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("es256-bench").generate();
        es256 = new ECDSASigner(ec);
        byte[][] ed = Ed25519Jws.generate();
        eddsa = Ed25519Jws.signer(ed[0]);
        // Issue 18: the same keys through the native provider (ACCP, AWS-LC), as the server signs with GATEHOUSE_CRYPTO_PROVIDER=auto
        org.gatehouse.server.crypto.JwsCrypto accp = org.gatehouse.server.crypto.JwsCrypto.select("native");
        es256Native = accp.signer(ec);
        eddsaNative = accp.signer(new com.nimbusds.jose.jwk.OctetKeyPair.Builder(com.nimbusds.jose.jwk.Curve.Ed25519, Base64URL.encode(ed[1]))
                .d(Base64URL.encode(ed[0])).build());
        none = new JWSSigner() { // no signature: what the rest of the token build costs
            private final Base64URL sig = Base64URL.encode(new byte[64]);

            @Override
            public Base64URL sign(JWSHeader header, byte[] input) {
                return sig;
            }

            @Override
            public Set<JWSAlgorithm> supportedJWSAlgorithms() {
                return Set.of(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
            }

            @Override
            public JCAContext getJCAContext() {
                return new JCAContext();
            }
        };
        es256Header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(AccessTokenJwt.TYPE).keyID("es256-20261128-abcdefgh").build();
        eddsaHeader = new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(AccessTokenJwt.TYPE).keyID("eddsa-20261128-abcdefgh").build();
        es256Token = new AccessTokenJwt(JWSAlgorithm.ES256, "es256-20261128-abcdefgh", es256);
        eddsaToken = new AccessTokenJwt(JWSAlgorithm.EdDSA, "eddsa-20261128-abcdefgh", eddsa);
        unsignedToken = new AccessTokenJwt(JWSAlgorithm.ES256, "es256-20261128-abcdefgh", none);
        SignedJWT sample = new SignedJWT(es256Header, claims());
        signingInput = sample.getSigningInput();
        byte[] pepper = new byte[32];
        new SecureRandom().nextBytes(pepper);
        secrets = new Secrets(pepper);
        secret = Secrets.newSecret(Secrets.CLIENT_SECRET);
        secretHash = secrets.hash(secret);
        basicHeader = "Basic " + Base64.getEncoder().encodeToString(("Xy3kQ9mVb2LwP0aR7tZc1g:" + secret).getBytes(StandardCharsets.UTF_8));
        registrationJson = "{\"client_name\":\"Bench PC\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":"
                + "\"client_secret_basic\",\"software_id\":\"gatehouse-bench\",\"software_version\":\"1.0\",\"installation_id\":"
                + "\"3q2-7wV0aZc1gXy3kQ9mVb2LwP0aR7tZc1gXy3kQ9mV\"}";
        tokenResponse = new LinkedHashMap<>();
        tokenResponse.put("access_token", new SignedJWT(es256Header, claims()).getSigningInput().length + "x".repeat(500));
        tokenResponse.put("token_type", "Bearer");
        tokenResponse.put("expires_in", 600L);
        tokenResponse.put("scope", "prefs:read prefs:write");
    }

    private static JWTClaimsSet claims() {
        long now = System.currentTimeMillis() / 1000;
        return new JWTClaimsSet.Builder()
                .issuer("https://gatehouse.example.org").subject("Xy3kQ9mVb2LwP0aR7tZc1g").audience("https://gatehouse.example.org")
                .expirationTime(new Date((now + 600) * 1000)).issueTime(new Date(now * 1000))
                .jwtID(Secrets.randomId(16)).claim("client_id", "Xy3kQ9mVb2LwP0aR7tZc1g").claim("scope", "prefs:read prefs:write")
                .claim("installation_id", "3q2-7wV0aZc1gXy3kQ9mVb2LwP0aR7tZc1gXy3kQ9mV").build();
    }

    /** The claims TokenService.issue writes. */
    private static Map<String, Object> claimMap() {
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> c = new LinkedHashMap<>(16);
        c.put("iss", "https://gatehouse.example.org");
        c.put("sub", "Xy3kQ9mVb2LwP0aR7tZc1g");
        c.put("aud", "https://gatehouse.example.org");
        c.put("exp", now + 600);
        c.put("iat", now);
        c.put("jti", Secrets.randomId(16));
        c.put("client_id", "Xy3kQ9mVb2LwP0aR7tZc1g");
        c.put("scope", "prefs:read prefs:write");
        c.put("installation_id", "3q2-7wV0aZc1gXy3kQ9mVb2LwP0aR7tZc1gXy3kQ9mV");
        return c;
    }

    /** The same token through Nimbus's claims set and SignedJWT (what TokenService did before AccessTokenJwt). */
    private static String buildWithNimbus(JWSHeader header, JWSSigner signer) throws JOSEException {
        SignedJWT jwt = new SignedJWT(header, claims());
        jwt.sign(signer);
        return jwt.serialize();
    }

    @Benchmark
    public Base64URL signEs256() throws JOSEException {
        return es256.sign(es256Header, signingInput);
    }

    @Benchmark
    public Base64URL signEdDsa() throws JOSEException {
        return eddsa.sign(eddsaHeader, signingInput);
    }

    @Benchmark
    public Base64URL signEs256Native() throws JOSEException {
        return es256Native.sign(es256Header, signingInput);
    }

    @Benchmark
    public Base64URL signEdDsaNative() throws JOSEException {
        return eddsaNative.sign(eddsaHeader, signingInput);
    }

    @Benchmark
    public String tokenEs256() {
        return es256Token.sign(claimMap());
    }

    @Benchmark
    public String tokenEdDsa() {
        return eddsaToken.sign(claimMap());
    }

    @Benchmark
    public String tokenWithoutSignature() {
        return unsignedToken.sign(claimMap());
    }

    @Benchmark
    public String tokenWithoutSignatureViaNimbus() throws JOSEException {
        return buildWithNimbus(es256Header, none);
    }

    @Benchmark
    public boolean secretCheck() {
        return secrets.matches(secret, secretHash);
    }

    @Benchmark
    public String randomJti() {
        return Secrets.randomId(16);
    }

    @Benchmark
    public Map<String, List<String>> parseForm() {
        return URLUtils.parseParameters("grant_type=client_credentials&scope=prefs%3Aread+prefs%3Awrite");
    }

    @Benchmark
    public Object parseBasic() throws Exception {
        return ClientSecretBasic.parse(basicHeader);
    }

    @Benchmark
    public Map<String, Object> parseRegistrationJson() throws Exception {
        return Json.parseObject(registrationJson);
    }

    @Benchmark
    public String writeTokenResponse() {
        return Json.write(tokenResponse);
    }
}
