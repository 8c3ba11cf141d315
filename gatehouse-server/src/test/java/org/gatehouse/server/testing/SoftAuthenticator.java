package org.gatehouse.server.testing;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * A software WebAuthn authenticator for tests, built from the spec (WebAuthn L2 §6.1, §6.5, §8.7):
 * an EC P-256 key pair, "none" attestation, a signature counter. Each call returns the fields a
 * browser posts, base64url-encoded. Fields are public so that tests can tamper with them.
 */
public final class SoftAuthenticator {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder D64 = Base64.getUrlDecoder();
    public final KeyPair keys;
    public final byte[] credentialId = new byte[32];
    public long counter;
    public int counterStep = 1;
    public boolean userVerified = true;

    /** What a browser would post after navigator.credentials.create / get. */
    public record Result(String credentialId, String clientDataJSON, String attestationObject, String authenticatorData,
                         String signature, String userHandle) {
    }

    public SoftAuthenticator() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            keys = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        new SecureRandom().nextBytes(credentialId);
    }

    public String id() {
        return B64.encodeToString(credentialId);
    }

    public Result create(String challenge, String origin, String rpId) {
        byte[] clientData = clientData("webauthn.create", challenge, origin);
        ByteArrayOutputStream auth = new ByteArrayOutputStream();
        auth.writeBytes(sha256(rpId.getBytes(StandardCharsets.UTF_8)));
        auth.write(0x41 | (userVerified ? 0x04 : 0)); // UP, AT (, UV)
        auth.writeBytes(ByteBuffer.allocate(4).putInt((int) counter).array());
        auth.writeBytes(new byte[16]); // AAGUID: none
        auth.write(credentialId.length >> 8);
        auth.write(credentialId.length & 0xff);
        auth.writeBytes(credentialId);
        auth.writeBytes(coseKey());
        byte[] authData = auth.toByteArray();
        ByteArrayOutputStream att = new ByteArrayOutputStream();
        att.write(0xa3);
        text(att, "fmt");
        text(att, "none");
        text(att, "attStmt");
        att.write(0xa0);
        text(att, "authData");
        bytes(att, authData);
        return new Result(id(), B64.encodeToString(clientData), B64.encodeToString(att.toByteArray()), null, null, null);
    }

    public Result get(String challenge, String origin, String rpId, String userHandle) {
        counter += counterStep;
        byte[] clientData = clientData("webauthn.get", challenge, origin);
        ByteArrayOutputStream auth = new ByteArrayOutputStream();
        auth.writeBytes(sha256(rpId.getBytes(StandardCharsets.UTF_8)));
        auth.write(0x01 | (userVerified ? 0x04 : 0)); // UP (, UV)
        auth.writeBytes(ByteBuffer.allocate(4).putInt((int) counter).array());
        byte[] authData = auth.toByteArray();
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(keys.getPrivate());
            s.update(authData);
            s.update(sha256(clientData));
            return new Result(id(), B64.encodeToString(clientData), null, B64.encodeToString(authData), B64.encodeToString(s.sign()),
                    userHandle);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] clientData(String type, String challenge, String origin) {
        return ("{\"type\":\"" + type + "\",\"challenge\":\"" + challenge + "\",\"origin\":\"" + origin + "\",\"crossOrigin\":false}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** COSE_Key (RFC 9053): {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
    private byte[] coseKey() {
        ECPublicKey pub = (ECPublicKey) keys.getPublic();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0xa5);
        o.write(0x01);
        o.write(0x02);
        o.write(0x03);
        o.write(0x26);
        o.write(0x20);
        o.write(0x01);
        o.write(0x21);
        bytes(o, fixed(pub.getW().getAffineX()));
        o.write(0x22);
        bytes(o, fixed(pub.getW().getAffineY()));
        return o.toByteArray();
    }

    private static byte[] fixed(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(32, b.length);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }

    private static void text(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        head(o, 3, b.length);
        o.writeBytes(b);
    }

    private static void bytes(ByteArrayOutputStream o, byte[] b) {
        head(o, 2, b.length);
        o.writeBytes(b);
    }

    private static void head(ByteArrayOutputStream o, int major, int len) {
        if (len < 24) {
            o.write(major << 5 | len);
        } else if (len < 256) {
            o.write(major << 5 | 24);
            o.write(len);
        } else {
            o.write(major << 5 | 25);
            o.write(len >> 8);
            o.write(len & 0xff);
        }
    }

    public static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String b64(byte[] b) {
        return B64.encodeToString(b);
    }

    public static byte[] unb64(String s) {
        return D64.decode(s);
    }
}
