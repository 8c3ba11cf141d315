package org.gatehouse.server.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.gatehouse.server.config.ConfigException;

/**
 * Who computes the signatures of access tokens (and verifies them): AWS-LC through the Amazon Corretto Crypto
 * Provider where its native library loads (linux x86_64), else the JDK (ES256, RS256) and Bouncy Castle (EdDSA).
 * GATEHOUSE_CRYPTO_PROVIDER chooses: {@code auto} (native where it loads), {@code native} (refuse to start
 * without it) or {@code jdk}. Both produce the same JWS (RFC 7515 §5.1, RFC 7518 §3.4 and RFC 8037 §3.1): the
 * JWS signature is computed over the same signing input in the same encoding, and Ed25519 signatures are even
 * byte-for-byte identical (deterministic, RFC 8032 §5.1.6).
 */
public final class JwsCrypto {
    public static final List<String> MODES = org.gatehouse.server.config.Config.CRYPTO_PROVIDER_MODES;
    /** The JDK's provider for ES256 and RS256, Bouncy Castle for EdDSA. */
    public static final JwsCrypto JDK = new JwsCrypto(null, "jdk", null);

    private final Provider provider;
    private final String name;
    private final String fallbackReason;

    private JwsCrypto(Provider provider, String name, String fallbackReason) {
        this.provider = provider;
        this.name = name;
        this.fallbackReason = fallbackReason;
    }

    /** The signer for a mode of GATEHOUSE_CRYPTO_PROVIDER; {@code native} where the native provider is unusable fails. */
    public static JwsCrypto select(String mode) {
        switch (mode.toLowerCase(Locale.ROOT)) {
            case "jdk":
                return JDK;
            case "native":
                if (Native.PROVIDER == null) {
                    throw new ConfigException("invalid configuration: GATEHOUSE_CRYPTO_PROVIDER=native but the native crypto provider"
                            + " cannot be used here (" + Native.ERROR + "); use auto or jdk");
                }
                return new JwsCrypto(Native.PROVIDER, "accp", null);
            case "auto":
                return Native.PROVIDER != null ? new JwsCrypto(Native.PROVIDER, "accp", null) : new JwsCrypto(null, "jdk", Native.ERROR);
            default:
                throw new ConfigException("invalid configuration: GATEHOUSE_CRYPTO_PROVIDER must be one of " + String.join(", ", MODES));
        }
    }

    /** Whether the native provider loads on this machine, and if not, why (for {@code config check}). */
    public static String nativeStatus() {
        return Native.PROVIDER != null ? "available (" + Native.PROVIDER.getName() + " " + Native.PROVIDER.getVersionStr() + ")"
                : "not available: " + Native.ERROR;
    }

    /** "accp" or "jdk": the label of the gatehouse_crypto_provider metric. */
    public String name() {
        return name;
    }

    public boolean isNative() {
        return provider != null;
    }

    /** One line for the start-up log: which provider signs, and why not the native one when it was wanted. */
    public String describe() {
        if (provider != null) return "native crypto: " + provider.getName() + " " + provider.getVersionStr() + " (AWS-LC)";
        return fallbackReason == null ? "the JDK's crypto providers and Bouncy Castle (GATEHOUSE_CRYPTO_PROVIDER=jdk)"
                : "the JDK's crypto providers and Bouncy Castle (the native provider is not available: " + fallbackReason + ")";
    }

    /** The signer for a private JWK of any algorithm we generate. */
    public JWSSigner signer(JWK key) {
        try {
            if (provider != null) {
                if (key instanceof ECKey) return new Native(provider, JWSAlgorithm.ES256, "SHA256withECDSAinP1363Format", ((ECKey) key).toPrivateKey(), null, false);
                if (key instanceof RSAKey) return new Native(provider, JWSAlgorithm.RS256, "SHA256withRSA", ((RSAKey) key).toPrivateKey(), null, false);
                if (key instanceof OctetKeyPair) return new Native(provider, JWSAlgorithm.EdDSA, "Ed25519", ed25519Private(((OctetKeyPair) key).getDecodedD()), null, false);
            } else {
                if (key instanceof ECKey) return new ECDSASigner((ECKey) key);
                if (key instanceof RSAKey) return new RSASSASigner((RSAKey) key);
                if (key instanceof OctetKeyPair) return Ed25519Jws.signer(((OctetKeyPair) key).getDecodedD());
            }
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("unusable signing key " + key.getKeyID(), e);
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    /**
     * The verifier for a public JWK of any algorithm we generate, for a key that verifies often and on every thread (the
     * server's own signing keys: introspection): the native one keeps an initialised instance per thread.
     */
    public JWSVerifier verifier(JWK key) {
        return verifier(key, false);
    }

    /**
     * The verifier for a key that verifies now and then, on whichever thread takes the request (a client's registered
     * key, a DPoP key): the native one keeps a few spare initialised instances (one per core, up to 4) instead of one per thread, which would be
     * initialised anew on most verifications and held per thread for every cached key.
     */
    public JWSVerifier clientVerifier(JWK key) {
        return verifier(key, true);
    }

    private JWSVerifier verifier(JWK key, boolean spare) {
        try {
            if (provider != null) {
                if (key instanceof ECKey) return new Native(provider, JWSAlgorithm.ES256, "SHA256withECDSAinP1363Format", null, ((ECKey) key).toPublicKey(), spare);
                if (key instanceof RSAKey) return new Native(provider, JWSAlgorithm.RS256, "SHA256withRSA", null, ((RSAKey) key).toPublicKey(), spare);
                if (key instanceof OctetKeyPair) return new Native(provider, JWSAlgorithm.EdDSA, "Ed25519", null, ed25519Public(((OctetKeyPair) key).getDecodedX()), spare);
            } else {
                if (key instanceof ECKey) return new ECDSAVerifier((ECKey) key);
                if (key instanceof RSAKey) return new RSASSAVerifier((RSAKey) key);
                if (key instanceof OctetKeyPair) return Ed25519Jws.verifier(((OctetKeyPair) key).getDecodedX());
            }
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("unusable public key " + key.getKeyID(), e);
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    // RFC 8410 §7 and §4: the PKCS #8 and SubjectPublicKeyInfo encodings of a raw Ed25519 key (OID 1.3.101.112).
    private static final byte[] ED25519_PKCS8 = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");

    private static PrivateKey ed25519Private(byte[] d) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(ED25519_PKCS8, d)));
    }

    private static PublicKey ed25519Public(byte[] x) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_SPKI, x)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /**
     * A JWS signer or verifier on the native provider. A signer keeps a {@link Signature} initialised once per thread with
     * the key (the key is translated to a native one once, not per token); a verifier translates its public key once and
     * keeps up to one spare initialised instance per core (see {@link #spares}). After sign() or verify() an instance is ready for the
     * next message with the same key (JCA contract). A failure drops the instance, so a broken state is not reused.
     * ES256 uses the P1363 encoding (R || S, 32 bytes each), which is the JWS encoding (RFC 7518 §3.4).
     */
    private static final class Native implements JWSSigner, JWSVerifier {
        private static final Provider PROVIDER;
        private static final String ERROR;

        static {
            Provider p = null;
            String error = null;
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "");
            if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                error = "no native library for " + os + "/" + arch + " in this build";
            } else {
                try {
                    AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
                    Throwable t = accp.getLoadingError();
                    if (t != null) {
                        error = t.toString();
                    } else {
                        accp.assertHealthy();
                        p = accp;
                    }
                } catch (Throwable t) { // the jar absent (NoClassDefFoundError), the library refused (UnsatisfiedLinkError), a failed self-test
                    error = t.toString();
                }
            }
            PROVIDER = p;
            ERROR = error;
        }

        private final Provider provider;
        private final JWSAlgorithm alg;
        private final Set<JWSAlgorithm> algs;
        private final int rawLength;
        private final ThreadLocal<Signature> perThread;
        /** A verifier's key, translated to the provider's own once; null for a signer. */
        private final PublicKey verifyKey;
        private final String jcaName;
        /**
         * A client's verifier ({@link JwsCrypto#clientVerifier}) keeps initialised {@link Signature}s for whichever thread
         * verifies next: a client's key verifies rarely and on any of the server's threads, so one per thread (as a signer
         * and the key ring's verifiers keep) would initialise a new instance on most verifications and hold one per thread
         * per cached key.
         */
        private final java.util.concurrent.atomic.AtomicReferenceArray<Signature> spares = new java.util.concurrent.atomic.AtomicReferenceArray<>(SPARES);
        /**
         * Spares a client's verifier keeps at most: one per core, up to 4. One key verified by several requests at once (a
         * busy client with concurrent requests, or a DPoP key) would otherwise make all but one of them initialise a new
         * instance (≈ getInstance + initVerify) and throw it away; a key verified one request at a time keeps one.
         */
        private static final int SPARES = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

        /** @param spare for a verifier: spare instances instead of one per thread (see {@link #spares}) */
        Native(Provider provider, JWSAlgorithm alg, String jcaName, PrivateKey priv, PublicKey pub, boolean spare) throws GeneralSecurityException {
            this.provider = provider;
            this.alg = alg;
            this.algs = Set.of(alg);
            this.jcaName = jcaName;
            this.rawLength = alg.equals(JWSAlgorithm.ES256) || alg.equals(JWSAlgorithm.EdDSA) ? 64 : -1;
            this.verifyKey = priv == null ? nativeKey(provider, alg, pub) : null;
            if (priv == null && spare) {
                this.perThread = null;
                spares.set(0, newVerifier()); // an unusable key fails here, when the key is read, not at the first verification
                return;
            }
            this.perThread = ThreadLocal.withInitial(() -> {
                try {
                    if (priv == null) return newVerifier();
                    Signature s = Signature.getInstance(jcaName, provider);
                    s.initSign(priv);
                    return s;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("the native provider refused a " + alg + " key", e);
                }
            });
            perThread.get(); // an unusable key fails here, when the key ring is built, not at the first token
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            if (!alg.equals(header.getAlgorithm())) throw new JOSEException("not a " + alg + " header");
            if (verifyKey != null) throw new JOSEException("a verifier does not sign");
            Signature s = perThread.get();
            try {
                s.update(signingInput);
                return Base64URL.encode(s.sign());
            } catch (GeneralSecurityException | RuntimeException e) {
                perThread.remove();
                throw new JOSEException("native signature failed", e);
            }
        }

        @Override
        public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
            if (!alg.equals(header.getAlgorithm())) return false;
            byte[] sig = signature.decode();
            if (rawLength > 0 && sig.length != rawLength) return false;
            if (verifyKey == null) return false; // a signer's instance
            Signature s = perThread != null ? perThread.get() : takeSpare();
            try {
                if (s == null) s = newVerifier();
                s.update(signingInput);
                boolean ok = s.verify(sig); // JCA: verify() resets the instance for the next message with the same key
                if (perThread == null) giveBack(s);
                return ok;
            } catch (GeneralSecurityException | RuntimeException e) {
                if (perThread != null) perThread.remove();
                return false; // the instance is dropped, not reused in an unknown state
            }
        }

        /** A spare initialised instance, taken (no other thread gets it until it is given back), or null when none is free. */
        private Signature takeSpare() {
            for (int i = 0; i < SPARES; i++) {
                Signature s = spares.getAndSet(i, null);
                if (s != null) return s;
            }
            return null;
        }

        /** Keeps an instance for the next verification if a slot is free (else it is dropped). */
        private void giveBack(Signature s) {
            for (int i = 0; i < SPARES; i++) {
                if (spares.compareAndSet(i, null, s)) return;
            }
        }

        /** The public key as the provider's own key object, so that initialising a verifier does not convert it again. */
        private static PublicKey nativeKey(Provider provider, JWSAlgorithm alg, PublicKey pub) {
            String type = alg.equals(JWSAlgorithm.ES256) ? "EC" : alg.equals(JWSAlgorithm.EdDSA) ? "Ed25519" : "RSA";
            try {
                return (PublicKey) KeyFactory.getInstance(type, provider).translateKey(pub);
            } catch (GeneralSecurityException | RuntimeException e) {
                return pub; // the provider converts it at each initialisation instead
            }
        }

        private Signature newVerifier() throws GeneralSecurityException {
            Signature s = Signature.getInstance(jcaName, provider);
            s.initVerify(verifyKey);
            return s;
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return algs;
        }

        @Override
        public JCAContext getJCAContext() {
            return new JCAContext(provider, null);
        }
    }
}
