package org.gatehouse.client;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The key pair of a key-bound installation (docs/installers.md, "Key-bound installations"),
 * generated on the machine: EC P-256 (JWS {@code ES256}, RFC 7518 §3.4) by default, or Ed25519
 * ({@code EdDSA}, RFC 8037). The private key is kept as PKCS#8 in the credential store and only
 * signs here; the server gets the public JWK, whose {@code kid} is its RFC 7638 thumbprint. It
 * makes the client assertions of RFC 7523 §2.2/§3 and the DPoP proofs of RFC 9449 §4.2.
 * The private key is never part of {@link #toString()}.
 */
public final class ClientKey {
    /** The key types an installation can generate. */
    public enum Type {
        /** EC P-256 with ES256 (the default: every JOSE library and RFC 9449 deployment accepts it). */
        EC_P256("ES256"),
        /** Ed25519 with EdDSA (RFC 8037; in the JDK since 15). */
        ED25519("EdDSA");

        private final String alg;

        Type(String alg) {
            this.alg = alg;
        }

        /** The JWS algorithm this key signs with. */
        public String alg() {
            return alg;
        }

        /** "ec", "p-256", "es256", "ed25519", "eddsa" (any case), as on the command line. */
        public static Type parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "ec": case "p-256": case "p256": case "es256": return EC_P256;
                case "ed25519": case "eddsa": return ED25519;
                default: throw new IllegalArgumentException("unknown key type " + s + " (EC P-256 or Ed25519)");
            }
        }
    }

    /** RFC 7523 §2.2: the client_assertion_type of a JWT client assertion. */
    public static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** What the client asks for as assertion lifetime (the server accepts at most 300 s). */
    static final long ASSERTION_SECONDS = 60;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Type type;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final Map<String, Object> publicJwk; // without kid, in RFC 7638 member order
    private final String thumbprint;

    private ClientKey(Type type, PrivateKey privateKey, PublicKey publicKey) {
        this.type = type;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.publicJwk = jwkMembers(type, publicKey);
        this.thumbprint = thumbprint(publicJwk);
    }

    /** A new key pair generated here with the JDK's default strong randomness. */
    public static ClientKey generate(Type type) {
        try {
            KeyPairGenerator g;
            if (type == Type.EC_P256) {
                g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            } else {
                g = KeyPairGenerator.getInstance("Ed25519");
            }
            KeyPair kp = g.generateKeyPair();
            return new ClientKey(type, kp.getPrivate(), kp.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate " + type + " keys: " + e.getMessage(), e);
        }
    }

    /**
     * The key as stored: its PKCS#8 private key and its public JWK (as {@link #publicJwk()} gives
     * it). The pair is checked to belong together by a signature; IllegalArgumentException otherwise.
     */
    static ClientKey fromStored(byte[] pkcs8, Map<String, Object> publicJwk) {
        Jwk pub = Jwk.parse(publicJwk);
        if (pub == null) throw new IllegalArgumentException("the stored public key is not an EC P-256 or Ed25519 JWK");
        Type type = "ES256".equals(pub.alg) ? Type.EC_P256 : "EdDSA".equals(pub.alg) ? Type.ED25519 : null;
        if (type == null) throw new IllegalArgumentException("the stored key is neither EC P-256 nor Ed25519");
        PrivateKey priv;
        try {
            priv = KeyFactory.getInstance(type == Type.EC_P256 ? "EC" : "Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the stored private key is not a PKCS#8 " + type + " key");
        }
        ClientKey k = new ClientKey(type, priv, pub.publicKey());
        if (!k.thumbprint.equals(publicJwk.get("kid"))) throw new IllegalArgumentException("the stored key's kid is not its thumbprint");
        byte[] probe = "gatehouse key pair check".getBytes(StandardCharsets.US_ASCII);
        if (!pub.verify(probe, k.rawSign(probe))) throw new IllegalArgumentException("the stored private and public keys do not belong together");
        return k;
    }

    public Type type() {
        return type;
    }

    /** The JWS algorithm: ES256 or EdDSA. */
    public String alg() {
        return type.alg;
    }

    /** RFC 7638 JWK thumbprint (SHA-256, base64url): the kid registered, and the {@code cnf.jkt} of DPoP-bound tokens. */
    public String thumbprint() {
        return thumbprint;
    }

    /** The private key as PKCS#8 DER: what the credential store keeps. */
    byte[] pkcs8() {
        return privateKey.getEncoded();
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The public JWK (RFC 7517) registered: key members, {@code kid} (the thumbprint), {@code alg}, {@code use: sig}. */
    public Map<String, Object> publicJwk() {
        Map<String, Object> m = new LinkedHashMap<>(publicJwk);
        m.put("kid", thumbprint);
        m.put("alg", type.alg);
        m.put("use", "sig");
        return m;
    }

    /** RFC 7591 §2 {@code jwks}: a JWK Set holding this key only. */
    public Map<String, Object> jwks() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keys", List.of(publicJwk()));
        return m;
    }

    /**
     * A client assertion (RFC 7523 §3, RFC 7521 §4.2): iss = sub = client_id, aud = the issuer
     * identifier, a fresh 128-bit jti, iat now, exp 60 s later; header alg and kid, typ JWT.
     */
    public String clientAssertion(String clientId, String audience, Instant now) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", type.alg);
        h.put("typ", "JWT");
        h.put("kid", thumbprint);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", clientId);
        c.put("sub", clientId);
        c.put("aud", audience);
        c.put("jti", jti());
        c.put("iat", now.getEpochSecond());
        c.put("exp", now.getEpochSecond() + ASSERTION_SECONDS);
        return sign(h, c);
    }

    /**
     * A DPoP proof (RFC 9449 §4.2): header typ {@code dpop+jwt}, alg and the public {@code jwk};
     * claims jti, htm, htu (without query and fragment, §4.3), iat and, when an access token is
     * given, {@code ath} = base64url(SHA-256(token)) (§4.2, for resource requests).
     */
    public String dpopProof(String method, java.net.URI uri, String accessToken, Instant now) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("typ", "dpop+jwt");
        h.put("alg", type.alg);
        h.put("jwk", new LinkedHashMap<>(publicJwk));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jti", jti());
        c.put("htm", method.toUpperCase(Locale.ROOT));
        c.put("htu", htu(uri));
        c.put("iat", now.getEpochSecond());
        if (accessToken != null) c.put("ath", ath(accessToken));
        return sign(h, c);
    }

    /** RFC 9449 §4.2 htu: the URI without query and fragment. */
    static String htu(java.net.URI uri) {
        try {
            return new java.net.URI(uri.getScheme(), uri.getRawAuthority() == null ? null : uri.getAuthority(), uri.getPath(), null, null).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + uri, e);
        }
    }

    /** RFC 9449 §4.2 ath: base64url of the SHA-256 of the access token's ASCII. */
    static String ath(String accessToken) {
        return B64.encodeToString(sha256(accessToken.getBytes(StandardCharsets.US_ASCII)));
    }

    private String sign(Map<String, Object> header, Map<String, Object> claims) {
        String input = B64.encodeToString(Json.write(header).getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(Json.write(claims).getBytes(StandardCharsets.UTF_8));
        return input + "." + B64.encodeToString(rawSign(input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A JWS signature: RFC 7518 §3.4 ECDSA as R || S (the P1363 format, not DER), RFC 8037 §3.1 Ed25519. */
    private byte[] rawSign(byte[] input) {
        try {
            Signature s = Signature.getInstance(type == Type.EC_P256 ? "SHA256withECDSAinP1363Format" : "Ed25519");
            s.initSign(privateKey);
            s.update(input);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the installation's " + type + " key: " + e.getMessage(), e);
        }
    }

    private static String jti() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** The required members of the public JWK in RFC 7638 §3.2 lexicographic order. */
    private static Map<String, Object> jwkMembers(Type type, PublicKey pub) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (type == Type.EC_P256) {
            ECPoint w = ((ECPublicKey) pub).getW();
            m.put("crv", "P-256");
            m.put("kty", "EC");
            m.put("x", B64.encodeToString(fixed(w.getAffineX(), 32)));
            m.put("y", B64.encodeToString(fixed(w.getAffineY(), 32)));
        } else {
            m.put("crv", "Ed25519");
            m.put("kty", "OKP");
            m.put("x", B64.encodeToString(ed25519X((EdECPublicKey) pub)));
        }
        return m;
    }

    /** RFC 7638 §3: SHA-256 over the required members, sorted, without whitespace. */
    static String thumbprint(Map<String, Object> requiredMembers) {
        return B64.encodeToString(sha256(Json.write(new java.util.TreeMap<>(requiredMembers)).getBytes(StandardCharsets.UTF_8)));
    }

    /** RFC 8037 §2: the public key as its 32-byte encoding, y little-endian with x's parity in the top bit. */
    private static byte[] ed25519X(EdECPublicKey pub) {
        byte[] be = fixed(pub.getPoint().getY(), 32);
        byte[] le = new byte[32];
        for (int i = 0; i < 32; i++) le[i] = be[31 - i];
        if (pub.getPoint().isXOdd()) le[31] |= (byte) 0x80;
        return le;
    }

    private static byte[] fixed(BigInteger v, int len) {
        byte[] raw = v.toByteArray();
        if (raw.length == len) return raw;
        byte[] out = new byte[len];
        if (raw.length > len) {
            System.arraycopy(raw, raw.length - len, out, 0, len); // a leading sign byte
        } else {
            System.arraycopy(raw, 0, out, len - raw.length, raw.length);
        }
        return out;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ClientKey[" + type + ", kid=" + thumbprint + "]";
    }
}
