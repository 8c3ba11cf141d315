package org.gatehouse.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.keys.SigningKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18 item 1: the native provider (ACCP) and the JDK/Bouncy Castle fallback sign and verify the same JWS:
 * each verifies what the other signed, a tampered input or a signature of the wrong length fails on both, and
 * Ed25519 signatures (deterministic, RFC 8032 §5.1.6) are byte-for-byte identical.
 */
class JwsCryptoTest {
    private static final byte[] INPUT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0".getBytes(StandardCharsets.US_ASCII);

    /** On the platform the native library ships for, auto must pick it: a silent fallback there is a failure. */
    @Test
    void autoChoosesTheNativeProviderOnLinuxX86_64AndNativeIsRefusedWhereItCannotLoad() {
        JwsCrypto auto = JwsCrypto.select("auto");
        if (shipsNative()) {
            assertThat(auto.isNative()).as(JwsCrypto.nativeStatus()).isTrue();
            assertThat(auto.name()).isEqualTo("accp");
            assertThat(JwsCrypto.select("native").describe()).contains("AmazonCorrettoCryptoProvider");
        } else {
            assertThat(auto.name()).isEqualTo("jdk");
            assertThatThrownBy(() -> JwsCrypto.select("native")).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("GATEHOUSE_CRYPTO_PROVIDER=native");
        }
        assertThat(JwsCrypto.select("jdk").isNative()).isFalse();
        assertThat(JwsCrypto.select("jdk").describe()).contains("GATEHOUSE_CRYPTO_PROVIDER=jdk");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ES256", "EdDSA", "RS256"})
    void eachProviderVerifiesWhatTheOtherSigned(String alg) throws Exception {
        JWK key = SigningKeys.generate(alg, "k1");
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(alg)).keyID("k1").build();
        List<JwsCrypto> providers = providers();
        for (JwsCrypto signing : providers) {
            JWSSigner signer = signing.signer(key);
            Base64URL sig = signer.sign(header, INPUT);
            for (JwsCrypto verifying : providers) {
                JWSVerifier verifier = verifying.verifier(key.toPublicJWK());
                String what = alg + " signed by " + signing.name() + ", verified by " + verifying.name();
                assertThat(verifier.verify(header, INPUT, sig)).as(what).isTrue();
                // the same verifier again (a reused per-thread Signature), then a tampered input and a cut signature
                assertThat(verifier.verify(header, INPUT, sig)).as(what + " twice").isTrue();
                byte[] other = INPUT.clone();
                other[3] ^= 1;
                assertThat(verifier.verify(header, other, sig)).as(what + ", tampered").isFalse();
                byte[] raw = sig.decode();
                assertThat(verifier.verify(header, INPUT, Base64URL.encode(java.util.Arrays.copyOf(raw, raw.length - 1))))
                        .as(what + ", cut").isFalse();
                assertThat(verifier.verify(header, INPUT, sig)).as(what + " after a failure").isTrue();
            }
        }
    }

    @Test
    void ed25519SignaturesAreIdenticalWhicheverProviderSigns() throws Exception {
        JWK key = SigningKeys.generate("EdDSA", "k1");
        JWSHeader header = new JWSHeader(JWSAlgorithm.EdDSA);
        List<JwsCrypto> providers = providers();
        Base64URL first = providers.get(0).signer(key).sign(header, INPUT);
        for (JwsCrypto p : providers) assertThat(p.signer(key).sign(header, INPUT)).as(p.name()).isEqualTo(first);
    }

    /**
     * One verifier shared by many threads at once (a client's key verifies on whichever server thread takes the
     * request; the native verifier keeps one spare instance, not one per thread): every verdict is still right.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ES256", "EdDSA"})
    void aVerifierUsedByManyThreadsAtOnceGivesEveryVerdictRight(String alg) throws Exception {
        JWK key = SigningKeys.generate(alg, "k1");
        JWSHeader header = new JWSHeader(JWSAlgorithm.parse(alg));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (JwsCrypto p : providers()) {
                Base64URL sig = p.signer(key).sign(header, INPUT);
                byte[] other = INPUT.clone();
                other[5] ^= 1;
                // a client's key (one spare instance) and the key ring's (one per thread)
                for (JWSVerifier shared : List.of(p.clientVerifier(key.toPublicJWK()), p.verifier(key.toPublicJWK()))) {
                    List<java.util.concurrent.Future<Boolean>> right = new java.util.ArrayList<>();
                    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                    for (int t = 0; t < 8; t++) {
                        boolean tampered = t % 2 == 1;
                        right.add(pool.submit(() -> {
                            start.await();
                            for (int i = 0; i < 500; i++) {
                                if (shared.verify(header, tampered ? other : INPUT, sig) == tampered) return false;
                            }
                            return true;
                        }));
                    }
                    start.countDown();
                    for (java.util.concurrent.Future<Boolean> f : right) assertThat(f.get()).as(alg + " on " + p.name()).isTrue();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSignerRefusesAHeaderOfAnotherAlgorithm() {
        JWK key = SigningKeys.generate("ES256", "k1");
        for (JwsCrypto p : providers()) {
            assertThatThrownBy(() -> p.signer(key).sign(new JWSHeader(JWSAlgorithm.ES384), INPUT)).as(p.name())
                    .isInstanceOf(com.nimbusds.jose.JOSEException.class);
            assertThat(verify(p, key, new JWSHeader(JWSAlgorithm.ES384))).as(p.name()).isFalse();
        }
    }

    private static boolean verify(JwsCrypto p, JWK key, JWSHeader header) {
        try {
            Base64URL sig = p.signer(key).sign(new JWSHeader(JWSAlgorithm.ES256), INPUT);
            return p.verifier(key.toPublicJWK()).verify(header, INPUT, sig);
        } catch (com.nimbusds.jose.JOSEException e) {
            return false;
        }
    }

    private static List<JwsCrypto> providers() {
        JwsCrypto auto = JwsCrypto.select("auto");
        if (shipsNative()) assertThat(auto.isNative()).as(JwsCrypto.nativeStatus()).isTrue();
        return auto.isNative() ? List.of(auto, JwsCrypto.JDK) : List.of(JwsCrypto.JDK);
    }

    static boolean shipsNative() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }
}
